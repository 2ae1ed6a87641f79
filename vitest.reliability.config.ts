import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// `pnpm test:reliability`: crash, concurrency, bad input, injection, secrets and transient-failure cases.
// Child processes run the BUILT packages (the script builds first); in-process cases import the sources.
export default defineConfig({
  resolve: {
    alias: {
      '@org/hub-core': src('hub-core'),
      '@org/hub-bronze': src('hub-bronze'),
      '@org/hub-quality': src('hub-quality'),
      '@org/deltalake-hub': src('deltalake-hub'),
    },
  },
  test: {
    include: ['tests/reliability/**/*.reliability.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Two files at a time on a 2-core runner: each case already runs several processes.
    maxWorkers: 2,
    reporters: ['default', './tests/reliability/reporter.ts'],
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index') => fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));

// Tests import the packages' sources directly, so a test run needs no rebuild of the libraries.
export default defineConfig({
  resolve: {
    alias: {
      // Before '@org/hub-core', which would otherwise match it as a prefix.
      '@org/hub-core/drivers': src('hub-core', 'drivers'),
      '@org/hub-core': src('hub-core'),
      '@org/hub-bronze': src('hub-bronze'),
      '@org/hub-quality': src('hub-quality'),
      '@org/deltalake-hub': src('deltalake-hub'),
      '@org/hub-testing': src('hub-testing'),
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'tests/**/*.test.ts', 'spokes/falcon/tests/**/*.test.ts', 'bench/src/**/*.test.ts'],
    // Spark cases run several bronze runs of ~10 s each on a 2-core machine.
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: 'forks',
    reporters: ['default'],
  },
});

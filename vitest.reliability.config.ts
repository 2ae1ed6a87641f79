import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// `pnpm test:reliability`: crash, concurrency, bad input, injection, secrets and transient-failure cases.
// Child processes run the BUILT packages (the script builds first); in-process cases import the sources (base aliases).
export default mergeConfig(
  { resolve: base.resolve },
  defineConfig({
    test: {
      include: ['tests/reliability/**/*.reliability.ts'],
      testTimeout: 180_000,
      hookTimeout: 300_000,
      pool: 'forks',
      // Two files at a time on a 2-core runner: each case already runs several processes.
      maxWorkers: 2,
      reporters: ['default', './tests/reliability/reporter.ts'],
    },
  }),
);

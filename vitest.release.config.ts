import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// `pnpm test:release`: the hub released to a real local registry (verdaccio) from a clean copy of
// the repository, a spoke installed from it outside the workspace, and the pipelines' script steps
// run for real. Minutes, not seconds: its own CI step, beside `pnpm test`.
export default mergeConfig(
  { resolve: base.resolve },
  defineConfig({
    test: {
      include: ['tests/release/**/*.release.ts'],
      testTimeout: 600_000,
      hookTimeout: 300_000,
      pool: 'forks',
      reporters: ['default'],
    },
  }),
);

import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// `pnpm test:databricks` (scripts/test-databricks.mjs): the e2e scenarios on a live SQL warehouse, one file at a time.
export default mergeConfig(
  { resolve: base.resolve },
  defineConfig({
    test: {
      include: ['tests/bronze.e2e.test.ts', 'tests/csv-spectrum.e2e.test.ts', 'tests/first-contact.e2e.test.ts', 'tests/databricks-sql.test.ts'],
      setupFiles: ['tests/support/databricks-live-setup.ts'],
      testTimeout: 900_000,
      hookTimeout: 600_000,
      pool: 'forks',
      fileParallelism: false,
      reporters: ['default'],
    },
  }),
);

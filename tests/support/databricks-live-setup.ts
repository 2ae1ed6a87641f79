import { afterAll } from 'vitest';
import { cleanupLive } from './databricks-live.js';

// The live suite's schemas and uploaded files go when its test file ends.
afterAll(async () => {
  await cleanupLive();
});

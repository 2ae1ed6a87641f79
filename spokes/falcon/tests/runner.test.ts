import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect, it } from 'vitest';

// The runner as a job runs it: the built program (pnpm test builds first).
const RUNNER = fileURLToPath(new URL('../dist/bronze/falcon-bronze-runner.js', import.meta.url));

it('exits 3, not 1, when another process holds the embedded warehouse, so a pipeline can retry later; logs parameters read from the environment', async () => {
  const warehouse = mkdtempSync(join(tmpdir(), 'falcon-runner-wh-'));
  const lake = mkdtempSync(join(tmpdir(), 'falcon-runner-lake-'));
  // This process holds the dev catalog's file, as a run in progress would (DuckDB's one-writer lock).
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`ATTACH '${join(warehouse, 'dev_catalog.duckdb')}' AS held`);
    const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], DELTALAKE_HUB_DUCKDB_LOCK_TIMEOUT_MS: '0', DELTALAKE_HUB_LOG_LEVEL: 'info', DELTALAKE_HUB_LOG_FORMAT: 'json', DELTALAKE_HUB_CATEGORY: 'transactions' };
    const run = spawnSync(process.execPath, [RUNNER, '--warehouse', warehouse, '--source-root', `abfss://raw@storage.dfs.core.windows.net/=${lake}`], { encoding: 'utf8', env });
    expect(run.stderr).toContain(`falcon bronze: the warehouse catalog ${join(warehouse, 'dev_catalog.duckdb')} is in use by another process`);
    expect(run.status).toBe(3);
    // A job parameter taken from the environment is said at info.
    expect(run.stderr).toContain('"msg":"job parameters from the environment: DELTALAKE_HUB_CATEGORY=transactions"');
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});

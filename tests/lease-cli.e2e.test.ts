// `deltalake-hub lease list` and `lease release` end to end on the embedded engine: stdout, stderr, exit codes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { applyDdl } from '@org/hub-bronze';
import { createDuckDbEngine, sql } from '@org/hub-core';

const BIN = join(import.meta.dirname, '..', 'packages', 'deltalake-hub', 'bin', 'deltalake-hub.js');
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, DELTALAKE_HUB_LOG_LEVEL: 'warn', NO_COLOR: '1' } });

it('lists the leased tables and releases one only for the run that holds it', async () => {
  const warehouse = mkdtempSync(join(tmpdir(), 'dlh-lease-'));
  const common = ['--warehouse', warehouse, '--catalog', 'dev'];
  const empty = cli(['lease', 'list', ...common]);
  expect([empty.status, empty.stdout, empty.stderr]).toEqual([0, 'no table is leased\n', '']);

  // A lease as a run that died would leave it (past its expiry), written beside the CLI's tables.
  const engine = await createDuckDbEngine({ warehouse, lockTimeoutMs: 0 });
  try {
    await applyDdl(engine, 'dev', ['load_lease.sql']);
    await engine.run(
      sql`INSERT INTO ${sql.raw(engine.dialect.tableName('dev', 'bronze_metadata', 'load_lease'))} (dest_table, run_id, acquired_at, expires_at, holder) VALUES ('dev.falcon_bronze.credit_raw', 'run-dead', TIMESTAMP '2024-03-10 10:00:00', TIMESTAMP '2024-03-10 10:02:00', 'host-a:4242')`,
    );
  } finally {
    await engine.close();
  }
  const listed = cli(['lease', 'list', ...common]);
  expect(listed.status, listed.stderr).toBe(0);
  expect(listed.stdout.split('\n')).toEqual([
    // Columns as wide as their widest cell, two spaces apart.
    ['TABLE'.padEnd(28), 'RUN'.padEnd(8), 'HOLDER'.padEnd(11), 'SINCE'.padEnd(24), 'EXPIRES'].join('  '),
    'dev.falcon_bronze.credit_raw  run-dead  host-a:4242  2024-03-10T10:00:00.000Z  2024-03-10T10:02:00.000Z (expired)',
    '',
  ]);
  const json = cli(['lease', 'list', ...common, '--json']);
  expect(JSON.parse(json.stdout)).toEqual({ leases: [{ table: 'dev.falcon_bronze.credit_raw', runId: 'run-dead', holder: 'host-a:4242', since: '2024-03-10T10:00:00.000Z', expires: '2024-03-10T10:02:00.000Z' }] });

  const wrong = cli(['lease', 'release', 'dev.falcon_bronze.credit_raw', '--run', 'run-other', ...common]);
  expect([wrong.status, wrong.stdout]).toEqual([3, "not released: dev.falcon_bronze.credit_raw's lease is not held by run run-other (it is held by run run-dead on host-a:4242)\n"]);
  // A table spelt with capitals names the same one: leases name tables in lower case, as every run writes them.
  const released = cli(['lease', 'release', 'Dev.Falcon_Bronze.Credit_Raw', '--run', 'run-dead', ...common]);
  expect([released.status, released.stdout, released.stderr]).toEqual([0, 'released the lease on dev.falcon_bronze.credit_raw held by run run-dead\n', '']);
  expect(cli(['lease', 'list', ...common]).stdout).toBe('no table is leased\n');

  const noCatalog = cli(['lease', 'list', '--warehouse', warehouse]);
  expect(noCatalog.status).toBe(1);
  expect(noCatalog.stderr).toContain('--catalog');
});

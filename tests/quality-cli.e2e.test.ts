import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseChecksFile } from '@org/hub-quality';
import { Scratch } from './support/fixtures.js';

const BIN = join(import.meta.dirname, '..', 'packages', 'deltalake-hub', 'bin', 'deltalake-hub.js');
const ROOT = 'abfss://raw@storage.dfs.core.windows.net/';

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, DELTALAKE_HUB_LOG_LEVEL: 'warn', ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Reads the warehouse with a DuckDB of the test's own, not through the code under test. */
async function query(warehouse: string, catalog: string, text: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`ATTACH '${join(warehouse, `${catalog}.duckdb`)}' AS ${catalog}`);
    return (await connection.runAndReadAll(text)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const ROWS = [
  ['1', '10.50', 'USD'],
  ['2', 'n/a', 'usd'],
  ['3', '-4', 'EUR'],
  ['', '7', 'USD'],
  ['5', '250', 'GBP'],
  ['5', '1', 'USD'],
];
const csv = `id,amount,currency\n${ROWS.map((r) => r.join(',')).join('\n')}\n`;
const isNumber = (v: string) => /^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(v);
/** What the checks below must find, from the rows above (an empty id is NULL in bronze). */
const EXPECTED = {
  ids: ROWS.filter((r) => r[0] === '').length,
  amounts: ROWS.filter((r) => !isNumber(r[1] as string) || Number(r[1]) < 0 || Number(r[1]) > 100).length,
  currencies: ROWS.filter((r) => !['USD', 'EUR'].includes(r[2] as string)).length,
};

describe('deltalake-hub quality on the embedded engine', () => {
  const scratch = new Scratch();
  const warehouse = mkdtempSync(join(tmpdir(), 'dlh-qcli-wh-'));
  const table = 'qcli.falcon_bronze.txn_raw';
  const checks = (name: string, body: string) => scratch.write(name, `checks:\n${body}`);
  const run = (file: string, extra: string[] = []) => cli(['quality', 'run', '--checks', file, '--var', 'catalog=qcli', '--warehouse', warehouse, ...extra]);
  let batch: string;

  beforeAll(() => {
    scratch.write('lake/falcon/txn/txn_20240310.csv', csv);
    const config = scratch.config([`falcon,txn,all,txn_*.csv,${ROOT}falcon/txn/,delimited,",",true,\${catalog},falcon_bronze,txn_raw,true`]);
    const load = cli(['bronze', 'run', '--json', '--config', config, '--var', 'catalog=qcli', '--warehouse', warehouse, '--source-root', `${ROOT}=${scratch.path('lake')}`, '--as-of', '2024-03-10']);
    expect(load.code, load.stderr).toBe(0);
    batch = (JSON.parse(load.stdout) as { runId: string }).runId;
  });

  it('exit 1 for an invalid file: every problem as file:line: key: message on stderr, nothing run or written', async () => {
    const bad = checks('bad.yml', `  - table: \${catalog}.falcon_bronze.txn_raw\n    check: in_range\n    column: amount\n  - table: \${catalog}.falcon_bronze.txn_raw\n    check: nullable\n`);
    const result = run(bad, ['--json']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([`deltalake-hub: ${bad}:2: min: give min, max or both`, `${bad}:6: check: unknown check kind "nullable" (known: not_null, accepted_values, in_range, regex, is_date, is_timestamp, expression, foreign_key, unique, row_count, freshness, schema, aggregate)`]);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'FAILED', error: { code: 'CONFIG_INVALID' } });
    // The first quality command on this warehouse: the bronze run made the table, nothing wrote to it.
    expect(await query(warehouse, 'qcli', 'SELECT COUNT(*) AS n FROM qcli.bronze_metadata.quality_results')).toEqual([{ n: '0' }]);
  });

  it('exit 1 for a column the table does not have, found before anything is written', async () => {
    const file = checks('column.yml', `  - table: \${catalog}.falcon_bronze.txn_raw\n    check: not_null\n    column: idd\n`);
    const result = run(file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file}:2: column: column "idd" is not in qcli.falcon_bronze.txn_raw (its columns: id, amount, currency, _source_file, _batch_id, _ingested_at)`);
    expect(result.stdout).toBe('');
  });

  it('exit 0 when only warnings fail; exit 2 when an error check fails; --json holds one document', async () => {
    const warn = checks('warn.yml', `  - { table: '\${catalog}.falcon_bronze.txn_raw', name: currency_known, check: accepted_values, column: currency, values: [USD, EUR], criticality: warn }\n  - { table: '\${catalog}.falcon_bronze.txn_raw', name: has_rows, check: row_count, min: 1 }\n`);
    const warned = run(warn);
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stdout).toMatch(/^quality run q\S+ on duckdb: WARNED, 2 checks, 1 failed, \d+ statements/);
    expect(warned.stdout).toContain(`  WARN  qcli.falcon_bronze.txn_raw  currency_known (accepted_values)  ${EXPECTED.currencies} of ${ROWS.length} rows failed; e.g. {"currency":`);
    expect(warned.stdout).toContain(`  PASS  qcli.falcon_bronze.txn_raw  has_rows (row_count)  ${ROWS.length} rows`);

    const failing = checks('fail.yml', `  - { table: '\${catalog}.falcon_bronze.txn_raw', name: ids, check: not_null, column: id }\n  - { table: '\${catalog}.falcon_bronze.txn_raw', name: amounts, check: in_range, column: amount, min: 0, max: 100 }\n`);
    const failed = run(failing, ['--json']);
    expect(failed.code, failed.stderr).toBe(2);
    const doc = JSON.parse(failed.stdout) as { status: string; runId: string; results: Record<string, unknown>[] };
    expect(doc.status).toBe('FAILED');
    expect(doc.results.map((r) => [r['table'], r['name'], r['check'], r['criticality'], r['passed'], r['rowsEvaluated'], r['rowsFailed']])).toEqual([
      [table, 'ids', 'not_null', 'error', EXPECTED.ids === 0, ROWS.length, EXPECTED.ids],
      [table, 'amounts', 'in_range', 'error', EXPECTED.amounts === 0, ROWS.length, EXPECTED.amounts],
    ]);
    const sample = doc.results[1]?.['sample'] as Record<string, unknown>[];
    expect(sample.map((s) => s['amount']).sort()).toEqual(ROWS.map((r) => r[1] as string).filter((v) => !isNumber(v) || Number(v) < 0 || Number(v) > 100).sort());
    // One row per check in the results table, for this run.
    expect(await query(warehouse, 'qcli', `SELECT check_name, passed, rows_failed FROM qcli.bronze_metadata.quality_results WHERE run_id = '${doc.runId}' ORDER BY check_name`)).toEqual([
      { check_name: 'amounts', passed: false, rows_failed: String(EXPECTED.amounts) },
      { check_name: 'ids', passed: false, rows_failed: String(EXPECTED.ids) },
    ]);
  });

  it('--batch moves the failing rows of that batch to the quarantine table', async () => {
    const file = checks('quarantine.yml', `  - { table: '\${catalog}.falcon_bronze.txn_raw', name: amounts, check: in_range, column: amount, min: 0, max: 100, on_fail: quarantine }\n`);
    const other = run(file, ['--batch', 'no-such-batch', '--json']);
    expect(other.code).toBe(0);
    expect(JSON.parse(other.stdout).results[0].rowsEvaluated).toBe(0);
    const moved = run(file, ['--batch', batch]);
    expect(moved.code, moved.stderr).toBe(2);
    expect(moved.stdout).toContain(`QUARANTINED ${EXPECTED.amounts} rows of ${table} -> ${table}_quarantine (amounts)`);
    const held = await query(warehouse, 'qcli', 'SELECT amount, _failed_checks FROM qcli.falcon_bronze.txn_raw_quarantine ORDER BY amount');
    expect(held).toHaveLength(EXPECTED.amounts);
    expect(held.every((h) => JSON.stringify(h['_failed_checks']) === '["amounts"]')).toBe(true);
    expect(await query(warehouse, 'qcli', 'SELECT COUNT(*) AS n FROM qcli.falcon_bronze.txn_raw')).toEqual([{ n: String(ROWS.length - EXPECTED.amounts) }]);
  });

  it('exit 1 when the engine cannot be reached', () => {
    const file = checks('any.yml', `  - { table: '\${catalog}.falcon_bronze.txn_raw', check: not_null, column: id }\n`);
    const result = cli(['quality', 'run', '--checks', file, '--var', 'catalog=qcli', '--engine', 'spark'], { DELTALAKE_HUB_SPARK_HOST: '127.0.0.1', DELTALAKE_HUB_SPARK_PORT: '1' });
    expect(result.code).toBe(1);
    // A line says where it connects before the wait, then the error.
    expect(result.stderr).toMatch(/^connecting to Spark at 127\.0\.0\.1:1\.\.\.\ndeltalake-hub: the spark engine is not available at 127\.0\.0\.1:1/);
    expect(result.stdout).toBe('');
  });

  it('quality suggest prints a valid checks file whose checks hold on the table it profiled', () => {
    const suggested = cli(['quality', 'suggest', '--table', 'qcli.falcon_bronze.txn_raw', '--warehouse', warehouse]);
    expect(suggested.code, suggested.stderr).toBe(0);
    expect(suggested.stdout).toMatch(/^# Suggested by deltalake-hub quality suggest from \d+ rows of qcli\.falcon_bronze\.txn_raw\./);
    const file = scratch.write('suggested.yml', suggested.stdout);
    const parsed = parseChecksFile(suggested.stdout, file);
    expect(parsed.checks.map((c) => c.check)).toEqual(expect.arrayContaining(['row_count', 'not_null', 'accepted_values']));
    const rerun = run(file);
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/: PASSED, \d+ checks, 0 failed/);
  });
});

describe('deltalake-hub bronze run --checks', () => {
  const scratch = new Scratch();
  scratch.write('lake/falcon/txn/txn_20240310.csv', csv);
  const config = scratch.config([`falcon,txn,all,txn_*.csv,${ROOT}falcon/txn/,delimited,",",true,\${catalog},falcon_bronze,txn_raw,true`]);
  const load = (warehouse: string, checks: string, extra: string[] = []) =>
    cli(['bronze', 'run', '--config', config, '--checks', checks, '--var', 'catalog=bcli', '--warehouse', warehouse, '--source-root', `${ROOT}=${scratch.path('lake')}`, '--as-of', '2024-03-10', ...extra]);

  it('an invalid checks file: exit 1 before anything loads', async () => {
    const warehouse = mkdtempSync(join(tmpdir(), 'dlh-bcli-wh-'));
    const bad = scratch.write('bad.yml', 'checks:\n  - { table: bcli.falcon_bronze.txn_raw, check: in_range, column: amount, on_fail: crash }\n');
    const result = load(warehouse, bad);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${bad}:2: on_fail: expected one of record, fail, quarantine; got "crash"`);
    expect(await query(warehouse, 'bcli', "SELECT table_name FROM information_schema.tables WHERE table_schema = 'falcon_bronze'")).toEqual([]);
  });

  it("runs the checks on the run's batch: results in the summary, exit 2 for a failed on_fail: fail check, 0 for record", async () => {
    const warehouse = mkdtempSync(join(tmpdir(), 'dlh-bcli-wh-'));
    const checks = scratch.write(
      'load.yml',
      'checks:\n  - { table: bcli.falcon_bronze.txn_raw, name: ids, check: not_null, column: id, on_fail: fail }\n  - { table: bcli.falcon_bronze.other_raw, name: elsewhere, check: row_count, min: 1 }\n',
    );
    const result = load(warehouse, checks, ['--json']);
    expect(result.code, result.stderr).toBe(EXPECTED.ids > 0 ? 2 : 0);
    const doc = JSON.parse(result.stdout) as { runId: string; status: string; quality: { batchId: string; results: { name: string; rowsFailed: number }[]; skipped: unknown[] } };
    expect(doc.status).toBe('SUCCESS');
    expect(doc.quality.batchId).toBe(doc.runId);
    expect(doc.quality.results.map((r) => [r.name, r.rowsFailed])).toEqual([['ids', EXPECTED.ids]]);
    expect(doc.quality.skipped).toEqual([{ table: 'bcli.falcon_bronze.other_raw', reason: 'not loaded by this run' }]);

    const recordOnly = scratch.write('record.yml', 'checks:\n  - { table: bcli.falcon_bronze.txn_raw, name: ids, check: not_null, column: id }\n');
    const again = load(mkdtempSync(join(tmpdir(), 'dlh-bcli-wh-')), recordOnly);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^run \S+ on duckdb \(hub \d+\.\d+\.\d+\S*\): SUCCESS, window 2024-03-04\.\.2024-03-10/);
    expect(again.stdout).toContain(`  FAIL  bcli.falcon_bronze.txn_raw  ids (not_null)  ${EXPECTED.ids} of ${ROWS.length} rows failed`);
  });
});

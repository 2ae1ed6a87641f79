import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { csvFile, Scratch } from './support/fixtures.js';

const BIN = join(import.meta.dirname, '..', 'packages', 'deltalake-hub', 'bin', 'deltalake-hub.js');

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, DELTALAKE_HUB_LOG_LEVEL: 'warn', ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs one read-only query on a warehouse's catalog file, opened by this process after the CLI exited. */
async function query(warehouse: string, catalog: string, text: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`ATTACH '${join(warehouse, `${catalog}.duckdb`)}' AS ${catalog} (READ_ONLY)`);
    return (await connection.runAndReadAll(text)).getRowObjectsJS() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The bronze rows of the setup's table as [file name, id, amount], in order. */
async function creditRows(warehouse: string): Promise<string[][]> {
  const rows = await query(warehouse, 'cli_cat', "SELECT regexp_extract(_source_file, '[^/]+$') AS file, id, amount FROM cli_cat.falcon_bronze.credit_raw ORDER BY file, id");
  return rows.map((r) => [String(r['file']), String(r['id']), String(r['amount'])]);
}

function setup() {
  const scratch = new Scratch();
  const warehouse = mkdtempSync(join(tmpdir(), 'dlh-cli-wh-'));
  scratch.write('lake/falcon/txn/credit/transactions_20240309.csv', csvFile(['id', 'amount'], [[1, 10], [2, 20]]));
  scratch.write('lake/falcon/txn/credit/transactions_20240310.csv', csvFile(['id', 'amount'], [[3, 30]]));
  const config = scratch.config([
    'falcon,transactions,credit,transactions_*.csv,abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/,delimited,",",true,${catalog},falcon_bronze,credit_raw,true',
  ]);
  const common = ['--config', config, '--var', 'catalog=cli_cat', '--warehouse', warehouse, '--source-root', `abfss://raw@storage.dfs.core.windows.net/=${scratch.path('lake')}`, '--as-of', '2024-03-10'];
  return { scratch, warehouse, config, common };
}

describe('the deltalake-hub CLI on the embedded engine', () => {
  it('validate: exit 0 on a valid config, 1 with file:line: column: message on an invalid one', () => {
    const { scratch, config } = setup();
    const ok = cli(['validate', config, '--var', 'catalog=c']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('valid (1 rows)');
    const bad = scratch.write('bad.csv', 'lob,category,subcategory,file_pattern,source_path,file_format,delimiter,has_header,dest_catalog,dest_schema,dest_table,is_active\nfalcon,t,s,*.csv,/x/,csv,",",true,c,s,t,true\n');
    const failed = cli(['validate', bad]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain(`${bad}:2: file_format: expected delimited or parquet, got "csv"`);
  });

  it('bronze plan shows the files and the SQL and writes nothing', () => {
    const { warehouse, common } = setup();
    const plan = cli(['bronze', 'plan', ...common, '--json']);
    expect(plan.code).toBe(0);
    const doc = JSON.parse(plan.stdout) as { plan: { tables: { destTable: string; files: string[]; statements: string[] }[] } };
    expect(doc.plan.tables[0]?.destTable).toBe('cli_cat.falcon_bronze.credit_raw');
    expect(doc.plan.tables[0]?.files).toEqual([
      'abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/transactions_20240309.csv',
      'abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/transactions_20240310.csv',
    ]);
    expect(doc.plan.tables[0]?.statements.join('\n')).toContain('read_csv');
    // Nothing was written: not even the catalog's file; status says where it looked and what to run first.
    expect(readdirSync(warehouse)).toEqual([]);
    const run = cli(['status', '--catalog', 'cli_cat', '--warehouse', warehouse]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no catalog cli_cat in the warehouse ${warehouse} (${join(warehouse, 'cli_cat.duckdb')} does not exist): run \`deltalake-hub bronze run\``);
    expect(readdirSync(warehouse)).toEqual([]);
  });

  it('bronze run --json prints exactly one JSON document, then NOTHING_TO_LOAD; status lists the loads', async () => {
    const { warehouse, common } = setup();
    const first = cli(['bronze', 'run', ...common, '--json']);
    expect(first.code).toBe(0);
    const doc = JSON.parse(first.stdout) as Record<string, unknown> & { files: Record<string, unknown>[] };
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['runId', 'status', 'engine', 'statements', 'durationMs', 'files']));
    expect(doc['status']).toBe('SUCCESS');
    expect(doc['engine']).toBe('duckdb');
    expect(doc.files.map((f) => [f['status'], f['rows']])).toEqual([['SUCCESS', 2], ['SUCCESS', 1]]);
    expect(Object.keys(doc.files[0] ?? {})).toEqual(expect.arrayContaining(['lob', 'category', 'subcategory', 'path', 'destTable', 'status', 'rows', 'reason']));
    // The rows of both files are in the table, as the files hold them.
    expect(await creditRows(warehouse)).toEqual([
      ['transactions_20240309.csv', '1', '10'],
      ['transactions_20240309.csv', '2', '20'],
      ['transactions_20240310.csv', '3', '30'],
    ]);
    const second = cli(['bronze', 'run', ...common, '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)['status']).toBe('NOTHING_TO_LOAD');
    const status = cli(['status', '--catalog', 'cli_cat', '--warehouse', warehouse]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('SUCCESS');
    expect(status.stdout).toContain('transactions_20240310.csv');
    // A stray job parameter in the environment is applied, and said at info on stderr.
    const forced = cli(['bronze', 'run', ...common, '--json', '--log-format', 'json'], { DELTALAKE_HUB_FORCE: 'true', DELTALAKE_HUB_LOG_LEVEL: 'info' });
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout).files.map((f: { status: string }) => f.status)).toEqual(['SUCCESS', 'SUCCESS']);
    const said = forced.stderr.split('\n').filter((l) => l.includes('job parameters from the environment'));
    expect(said.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 30, time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), msg: 'job parameters from the environment: DELTALAKE_HUB_FORCE=true', fromEnvironment: { DELTALAKE_HUB_FORCE: 'true' } }),
    ]);
    expect((await creditRows(warehouse)).length).toBe(3);
  });

  it('exits 2 when a file is quarantined and the others load', async () => {
    const { scratch, warehouse, common } = setup();
    // Its first row is well formed: it must not land either.
    scratch.write('lake/falcon/txn/credit/transactions_20240308.csv', 'id,amount\n7,70\n1,2,3\n');
    const run = cli(['bronze', 'run', ...common]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('PARTIAL');
    expect(run.stdout).toMatch(/QUARANTINED .*transactions_20240308\.csv: line 3/);
    // The good files' rows landed; none of the quarantined file's did.
    expect(await creditRows(warehouse)).toEqual([
      ['transactions_20240309.csv', '1', '10'],
      ['transactions_20240309.csv', '2', '20'],
      ['transactions_20240310.csv', '3', '30'],
    ]);
  });

  it('exits 1 and writes nothing on bad parameters or an unmapped source path', () => {
    const { warehouse, config, common } = setup();
    const badDate = cli(['bronze', 'run', ...common, '--begin-date', '2024-13-01']);
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toContain('begin_date: expected a date yyyy-MM-dd');
    const unmapped = cli(['bronze', 'run', '--config', config, '--var', 'catalog=cli_cat', '--warehouse', warehouse, '--json']);
    expect(unmapped.code).toBe(1);
    expect(JSON.parse(unmapped.stdout)['status']).toBe('FAILED');
    expect(unmapped.stderr).toContain('--source-root abfss://raw@storage.dfs.core.windows.net/=');
    for (const wait of ['abc', '-5', '']) {
      const leaseWait = cli(['bronze', 'run', ...common, '--lease-wait', wait, '--json']);
      expect(leaseWait.code).toBe(1);
      expect(leaseWait.stderr).toContain(`error: option '--lease-wait <seconds>' argument '${wait}' is invalid. expected a number of seconds, 0 or more (e.g. 300)`);
      expect(JSON.parse(leaseWait.stdout)).toMatchObject({ status: 'FAILED', error: { code: 'PARAMETERS_INVALID' } });
    }
    expect(existsSync(join(warehouse, 'cli_cat.duckdb'))).toBe(false);
  });

  it('ddl apply creates the schema and one table per ddl/duckdb file, and is idempotent', async () => {
    const warehouse = mkdtempSync(join(tmpdir(), 'dlh-cli-wh-'));
    const tables = readdirSync(join(import.meta.dirname, '..', 'ddl', 'duckdb')).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, '')).sort();
    const tablesIn = async () =>
      (await query(warehouse, 'ddl_cat', "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'ddl_cat' AND table_schema = 'bronze_metadata' ORDER BY 1")).map((r) => r['table_name']);
    const applied = cli(['ddl', 'apply', '--catalog', 'ddl_cat', '--warehouse', warehouse]);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain(`applied ${1 + tables.length} statements to ddl_cat.bronze_metadata`);
    expect(await tablesIn()).toEqual(tables);
    // A tracker row written between two applies survives the second: nothing is dropped or recreated.
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run(`ATTACH '${join(warehouse, 'ddl_cat.duckdb')}' AS ddl_cat`);
    await connection.run("INSERT INTO ddl_cat.bronze_metadata.load_tracker (tracker_id, file_name, load_status) VALUES ('t1', 'kept.csv', 'SUCCESS')");
    connection.closeSync();
    instance.closeSync();
    const again = cli(['ddl', 'apply', '--catalog', 'ddl_cat', '--warehouse', warehouse]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`applied ${1 + tables.length} statements to ddl_cat.bronze_metadata`);
    expect(await tablesIn()).toEqual(tables);
    expect(await query(warehouse, 'ddl_cat', 'SELECT file_name FROM ddl_cat.bronze_metadata.load_tracker')).toEqual([{ file_name: 'kept.csv' }]);
  });

  it('bronze run --help documents every flag and the exit codes', () => {
    const help = cli(['bronze', 'run', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--config', '--category', '--subcategory', '--file-name', '--begin-date', '--end-date', '--as-of', '--force', '--engine', '--warehouse', '--var', '--source-root', '--json', '--job-params', '--lease-wait']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toMatch(/Exit codes:[\s\S]*0 +success[\s\S]*1 +the run could not proceed[\s\S]*2 +partial[\s\S]*3 +another run/);
  });
});

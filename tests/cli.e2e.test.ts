import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvFile, Scratch } from './support/fixtures.js';

const BIN = join(import.meta.dirname, '..', 'packages', 'deltalake-hub', 'bin', 'deltalake-hub.js');

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, DELTALAKE_HUB_LOG_LEVEL: 'warn', ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
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
    const doc = JSON.parse(plan.stdout) as { plan: { destTable: string; files: string[]; statements: string[] }[] };
    expect(doc.plan[0]?.destTable).toBe('cli_cat.falcon_bronze.credit_raw');
    expect(doc.plan[0]?.files).toEqual([
      'abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/transactions_20240309.csv',
      'abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/transactions_20240310.csv',
    ]);
    expect(doc.plan[0]?.statements.join('\n')).toContain('read_csv');
    // The catalog file exists (attached to plan) but holds no schema: nothing was written.
    const run = cli(['status', '--catalog', 'cli_cat', '--warehouse', warehouse]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/load_tracker|does not exist/);
  });

  it('bronze run --json prints exactly one JSON document, then NOTHING_TO_LOAD; status lists the loads', () => {
    const { warehouse, common } = setup();
    const first = cli(['bronze', 'run', ...common, '--json']);
    expect(first.code).toBe(0);
    const doc = JSON.parse(first.stdout) as Record<string, unknown> & { files: Record<string, unknown>[] };
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['runId', 'status', 'engine', 'statements', 'durationMs', 'files']));
    expect(doc['status']).toBe('SUCCESS');
    expect(doc['engine']).toBe('duckdb');
    expect(doc.files.map((f) => [f['status'], f['rows']])).toEqual([['SUCCESS', 2], ['SUCCESS', 1]]);
    expect(Object.keys(doc.files[0] ?? {})).toEqual(expect.arrayContaining(['lob', 'category', 'subcategory', 'path', 'destTable', 'status', 'rows', 'reason']));
    const second = cli(['bronze', 'run', ...common, '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)['status']).toBe('NOTHING_TO_LOAD');
    const status = cli(['status', '--catalog', 'cli_cat', '--warehouse', warehouse]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('SUCCESS');
    expect(status.stdout).toContain('transactions_20240310.csv');
  });

  it('exits 2 when a file is quarantined and the others load', () => {
    const { scratch, common } = setup();
    scratch.write('lake/falcon/txn/credit/transactions_20240308.csv', 'id,amount\n1,2,3\n');
    const run = cli(['bronze', 'run', ...common]);
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('PARTIAL');
    expect(run.stdout).toMatch(/QUARANTINED .*transactions_20240308\.csv: line 2/);
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
    expect(existsSync(join(warehouse, 'cli_cat.duckdb'))).toBe(false);
  });

  it('ddl apply is idempotent', () => {
    const warehouse = mkdtempSync(join(tmpdir(), 'dlh-cli-wh-'));
    for (let i = 0; i < 2; i++) {
      const applied = cli(['ddl', 'apply', '--catalog', 'ddl_cat', '--warehouse', warehouse]);
      expect(applied.code).toBe(0);
      expect(applied.stdout).toContain('applied 5 statements to ddl_cat.bronze_metadata');
    }
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

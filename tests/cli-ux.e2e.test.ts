import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sparkForTests } from '@org/hub-testing';
import { csvFile, Scratch } from './support/fixtures.js';

// What a person reads (issue 16): every case spawns the built CLI and reads stdout, stderr and the exit code.
const BIN = join(import.meta.dirname, '..', 'packages', 'deltalake-hub', 'bin', 'deltalake-hub.js');
const PREFIX = 'abfss://raw@storage.dfs.core.windows.net/';

function cli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  const env: Record<string, string | undefined> = { ...process.env, DELTALAKE_HUB_LOG_LEVEL: undefined, DELTALAKE_HUB_WAREHOUSE: undefined, ...options.env };
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: env as NodeJS.ProcessEnv, cwd: options.cwd });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A small spoke: credit has two files in the window (2024-03-09, 2024-03-10) and two before it
 * (2024-02-01, 2024-02-20); debit's source folder does not exist (a typo in a path).
 */
function spoke() {
  const scratch = new Scratch();
  const warehouse = mkdtempSync(join(tmpdir(), 'dlh-ux-wh-'));
  scratch.write('lake/falcon/txn/credit/transactions_20240201.csv', csvFile(['id', 'amount'], [[1, 10]]));
  scratch.write('lake/falcon/txn/credit/transactions_20240220.csv', csvFile(['id', 'amount'], [[2, 20]]));
  scratch.write('lake/falcon/txn/credit/transactions_20240309.csv', csvFile(['id', 'amount'], [[3, 30], [4, 40]]));
  scratch.write('lake/falcon/txn/credit/transactions_20240310.csv', csvFile(['id', 'amount'], [[5, 50]]));
  scratch.write('lake/falcon/events/clicks_20240310.csv', csvFile(['id'], [[1]]));
  const config = scratch.config([
    `falcon,transactions,credit,transactions_*.csv,${PREFIX}falcon/txn/credit/,delimited,",",true,\${catalog},falcon_bronze,credit_raw,true`,
    `falcon,transactions,debit,debit_*.csv,${PREFIX}falcon/txn/debti/,delimited,",",true,\${catalog},falcon_bronze,debit_raw,true`,
    `falcon,events,clickstream,clicks_*.csv,${PREFIX}falcon/events/,delimited,",",true,\${catalog},falcon_bronze,clicks_raw,true`,
  ]);
  const common = ['--config', config, '--var', 'catalog=ux_cat', '--warehouse', warehouse, '--source-root', `${PREFIX}=${scratch.path('lake')}`, '--as-of', '2024-03-10'];
  return { scratch, warehouse, config, common };
}

interface Summary {
  status: string;
  files: { path: string; status: string; subcategory: string }[];
  sourceProblems: { lob: string; category: string; subcategory: string; sourcePath: string; destTable: string; reason: string }[];
  outsideWindow: { subcategory: string; files: number; oldest: string; newest: string; flag: string }[];
}

describe('bronze run: nothing is skipped silently', () => {
  it('a missing source folder is reported per config row and exits 2; files outside the window are counted with the flag that loads them', () => {
    const { scratch, common } = spoke();
    const json = cli(['bronze', 'run', ...common, '--category', 'transactions', '--json']);
    expect(json.code).toBe(2);
    const doc = JSON.parse(json.stdout) as Summary;
    expect(doc.status).toBe('PARTIAL');
    expect(doc.files.map((f) => [f.path.split('/').pop(), f.status])).toEqual([
      ['transactions_20240309.csv', 'SUCCESS'],
      ['transactions_20240310.csv', 'SUCCESS'],
    ]);
    expect(doc.sourceProblems).toEqual([
      {
        lob: 'falcon',
        category: 'transactions',
        subcategory: 'debit',
        sourcePath: `${PREFIX}falcon/txn/debti/`,
        destTable: 'ux_cat.falcon_bronze.debit_raw',
        reason: `the source folder ${scratch.path('lake', 'falcon', 'txn', 'debti')}/ does not exist`,
      },
    ]);
    expect(doc.outsideWindow).toEqual([{ lob: 'falcon', category: 'transactions', subcategory: 'credit', destTable: 'ux_cat.falcon_bronze.credit_raw', files: 2, oldest: '2024-02-01', newest: '2024-02-20', flag: '--begin-date 2024-02-01' }]);

    // The same run again, as text: the in-window files are loaded, so only the two reports remain.
    const text = cli(['bronze', 'run', ...common, '--category', 'transactions']);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(`SOURCE NOT READ falcon/transactions/debit (${PREFIX}falcon/txn/debti/): the source folder ${scratch.path('lake', 'falcon', 'txn', 'debti')}/ does not exist`);
    expect(text.stdout).toContain('outside the window: 2 matching file(s) of falcon/transactions/credit dated 2024-02-01..2024-02-20, not loaded (--begin-date 2024-02-01 takes them in)');

    // The flag it names does take them in.
    const wider = cli(['bronze', 'run', ...common, '--subcategory', 'credit', '--begin-date', '2024-02-01', '--json']);
    expect(wider.code).toBe(0);
    const widerDoc = JSON.parse(wider.stdout) as Summary;
    expect(widerDoc.files.map((f) => f.path.split('/').pop())).toEqual(['transactions_20240201.csv', 'transactions_20240220.csv']);
    expect(widerDoc.outsideWindow).toEqual([]);
  });

  it("the seed's trigger: category=<lob> with subcategory=<category> loads that category; a value that fits neither says which would", () => {
    const { common } = spoke();
    const seed = cli(['bronze', 'plan', ...common, '--job-params', '{"category": "falcon", "subcategory": "events", "begin_date": "2024-03-01"}', '--json']);
    expect(seed.code).toBe(0);
    const doc = JSON.parse(seed.stdout) as Summary;
    expect(doc.files.map((f) => f.subcategory)).toEqual(['clickstream']);

    const wrong = cli(['bronze', 'plan', ...common, '--category', 'falcon', '--subcategory', 'credit']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('category=falcon names the LOB, so subcategory must name one of its categories: transactions, events (got "credit"); "credit" is a subcategory: use category=transactions, subcategory=credit');
    const neither = cli(['bronze', 'plan', ...common, '--category', 'falcon', '--subcategory', 'nope']);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('config level: category=<one of transactions, events>, subcategory=<one of credit, debit, clickstream>');
    const unknown = cli(['bronze', 'plan', ...common, '--category', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no active config row has category "nope": name a category (transactions, events) or the LOB (falcon)');
  });
});

/** A statement with its values taken out: string literals and placeholders (with the cast DuckDB's driver puts around timestamps and integers) become `?`. */
function shape(statement: string): string {
  return statement
    .replace(/CAST\(\$p\d+ AS (TIMESTAMP|BIGINT)\)/g, '?')
    .replace(/\$p\d+/g, '?')
    .replace(/TIMESTAMP '(?:[^']|'')*'/g, '?')
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 1500);
}

describe('bronze plan is the run, and writes nothing', () => {
  it('shows values inline, creates no file, and a run executes the statements it shows, in order', () => {
    const { warehouse, common } = spoke();
    const planned = cli(['bronze', 'plan', ...common, '--category', 'events']);
    expect(planned.code, planned.stderr).toBe(0);
    expect(readdirSync(warehouse)).toEqual([]);
    expect(planned.stderr).toContain(`warehouse: ${warehouse}`);
    expect(planned.stdout).toContain('plan on duckdb');
    expect(planned.stdout).toContain('window 2024-03-04..2024-03-10: 1 file(s) would load into 1 table(s)');
    expect(planned.stdout).toContain(`--   ${PREFIX}falcon/events/clicks_20240310.csv (2024-03-10)`);
    expect(planned.stdout).not.toMatch(/\$p\d/);
    expect(planned.stdout).not.toMatch(/CAST\(CAST\(/);
    // Every statement of the run, the lease's among them, then the line naming what a run adds only when a write goes wrong.
    expect(planned.stdout).toMatch(/^MERGE INTO "ux_cat"\."bronze_metadata"\."load_lease"/m);
    expect(planned.stdout).toMatch(/^-- not run by the plan: it reads what the statements above write\nSELECT dest_table, run_id, holder/m);
    expect(planned.stdout.trimEnd().split('\n').at(-1)).toMatch(/^-- a run adds statements only when a write goes wrong: /);
    // At info a plan logs no start or end of a run, and nothing that reads like a status.
    expect(planned.stderr).not.toMatch(/starting|finished|SUCCESS/);

    const doc = JSON.parse(cli(['bronze', 'plan', ...common, '--category', 'events', '--json']).stdout) as { plan: { metadata: string[]; tables: { statements: string[] }[] } };
    expect(readdirSync(warehouse)).toEqual([]);
    const shown = [...doc.plan.metadata, ...doc.plan.tables.flatMap((t) => t.statements)];
    expect(shown.join('\n')).toContain(`'${PREFIX}falcon/events/'`);

    // The run logs each statement at debug (JSON lines): they are the plan's, in order (values aside: the run binds them).
    const run = cli(['bronze', 'run', ...common, '--category', 'events', '--log-level', 'debug', '--log-format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const executed = run.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; sql?: string })
      .filter((e) => e.msg === 'statement')
      .map((e) => shape(e.sql ?? ''));
    expect(executed).toEqual(shown.map(shape));
    expect(doc.plan.tables[0]?.statements.join('\n')).toMatch(/^INSERT INTO "ux_cat"\."falcon_bronze"\."clicks_raw"/m);
    expect(executed.some((e) => e.startsWith('INSERT INTO "ux_cat"."falcon_bronze"."clicks_raw"'))).toBe(true);
  });
});

describe('what a person reads: logs, progress, sql, status, help', () => {
  it('logs one text line per event and never the summary; progress lines on stderr when piped; sql and status print aligned tables', () => {
    const { scratch, warehouse, common } = spoke();
    const checks = scratch.write('checks.yml', 'checks:\n  - { table: ux_cat.falcon_bronze.credit_raw, name: ids, check: not_null, column: id }\n');
    const run = cli(['bronze', 'run', ...common, '--category', 'transactions', '--subcategory', 'credit', '--checks', checks], { env: { DELTALAKE_HUB_PROGRESS_AFTER_MS: '0', DELTALAKE_HUB_FORCE: 'false' } });
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toContain(`warehouse: ${warehouse}`);
    expect(lines).toContain('  ux_cat.falcon_bronze.credit_raw: listing 1 source folder(s)...');
    expect(lines).toContain('  ux_cat.falcon_bronze.credit_raw: loading 2 file(s)...');
    expect(lines).toContain('  ux_cat.falcon_bronze.credit_raw: 2 loaded, 0 not loaded, 3 rows');
    expect(lines.slice(-2)).toEqual(['  checks: 1 check(s) on the batch of 1 table(s)...', '  checks: 1 passed, 0 failed']);
    // The one info event of this run, on one line with an ISO UTC time; no "starting"/"finished" echo of the summary.
    const events = lines.filter((l) => !l.startsWith('  ') && !l.startsWith('warehouse: '));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] INFO: job parameters from the environment: DELTALAKE_HUB_FORCE=false /);
    expect(run.stdout).toMatch(/^run \S+ on duckdb .*: SUCCESS, window 2024-03-04\.\.2024-03-10/);

    // From another folder of the same project the default warehouse is the same one.
    const project = new Scratch();
    project.write('package.json', '{"name": "ux-project"}');
    project.write('a/b/.keep', '');
    const here = cli(['sql', 'SELECT 1 AS one'], { cwd: project.path('a', 'b') });
    expect(here.stderr.split('\n')[0]).toBe(`warehouse: ${project.path('.deltalake-hub', 'warehouse')}`);
    expect(here.stdout).toBe('one\n---\n  1\n1 row(s)\n');
    expect(existsSync(project.path('.deltalake-hub'))).toBe(false);

    const query = cli(['sql', '--warehouse', warehouse, '--limit', '2', "SELECT regexp_extract(_source_file, '[^/]+$') AS file, id, amount FROM ux_cat.falcon_bronze.credit_raw ORDER BY id"]);
    expect(query.code, query.stderr).toBe(0);
    expect(query.stdout).toBe(['file                       id  amount', '-------------------------  --  ------', 'transactions_20240309.csv  3   30', 'transactions_20240309.csv  4   40', 'showing the first 2 rows; there are more (use --limit)', ''].join('\n'));
    const json = JSON.parse(cli(['sql', '--warehouse', warehouse, '--json', 'SELECT count(*) AS n FROM ux_cat.falcon_bronze.credit_raw']).stdout) as unknown;
    expect(json).toEqual({ columns: ['n'], rows: [{ n: 3 }], rowCount: 1, truncated: false, limit: 100 });
    for (const write of ['DELETE FROM ux_cat.falcon_bronze.credit_raw', 'SELECT 1; DROP TABLE ux_cat.falcon_bronze.credit_raw', 'WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x']) {
      const refused = cli(['sql', '--warehouse', warehouse, write]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/^deltalake-hub: not run: /);
      expect(refused.stderr).not.toContain('warehouse:');
    }
    const unknownCatalog = cli(['sql', '--warehouse', warehouse, 'SELECT * FROM nope.s.t']);
    expect(unknownCatalog.code).toBe(1);
    expect(unknownCatalog.stderr).toContain(`the warehouse ${warehouse} holds: ux_cat`);

    const status = cli(['status', '--catalog', 'ux_cat', '--warehouse', warehouse, '--limit', '1']);
    expect(status.code, status.stderr).toBe(0);
    const table = status.stdout.trimEnd().split('\n');
    expect(table[0]).toMatch(/^loaded_at +status +rows +table +file +error$/);
    // One run loaded both: same time, then by path.
    expect(table[2]).toMatch(/^\S+Z +SUCCESS +2 +ux_cat\.falcon_bronze\.credit_raw +abfss:\/\/\S+transactions_20240309\.csv$/);
    expect(table[3]).toBe('showing 1 of 2 loads (use --limit)');
    const statusJson = JSON.parse(cli(['status', '--catalog', 'ux_cat', '--warehouse', warehouse, '--json']).stdout) as { total: number; shown: number; loads: { status: string; rows: number }[] };
    expect([statusJson.total, statusJson.shown, statusJson.loads.map((l) => [l.status, l.rows])]).toEqual([2, 2, [['SUCCESS', 2], ['SUCCESS', 1]]]);
    const nowhere = mkdtempSync(join(tmpdir(), 'dlh-ux-none-'));
    const missing = cli(['status', '--catalog', 'nosuchcat', '--warehouse', nowhere]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no catalog nosuchcat in the warehouse ${nowhere}`);
    expect(readdirSync(nowhere)).toEqual([]);
  });

  it('usage errors are one line and a hint; flags are named as flags; validate --json lists issues as objects; help has examples', () => {
    const { scratch, config } = spoke();
    const usage = cli(['bronze', 'run', '--lease-wait', 'abc']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toBe("error: option '--lease-wait <seconds>' argument 'abc' is invalid. expected a number of seconds, 0 or more (e.g. 300)\n(run deltalake-hub bronze run --help for usage)\n");
    const noCatalog = cli(['ddl', 'apply']);
    expect([noCatalog.code, noCatalog.stderr]).toEqual([1, 'deltalake-hub: name the catalog with --catalog <name>, e.g. --catalog dev_catalog\n']);
    const badVar = cli(['validate', '--config', config, '--var', 'catalog']);
    expect([badVar.code, badVar.stderr]).toEqual([1, 'deltalake-hub: --var: expected key=value, got "catalog"\n']);
    expect(cli(['validate', '--config', config, '--var', 'catalog=c']).stdout).toBe(`${config}: valid (3 rows)\n`);
    const bad = scratch.write('bad.csv', 'lob,category,subcategory,file_pattern,source_path,file_format,delimiter,has_header,dest_catalog,dest_schema,dest_table,is_active\nfalcon,t,s,*.csv,/x/,csv,",",true,c,s,t,true\nfalcon,t,u,*.csv,/x/,delimited,",",maybe,c,s,t2,true\n');
    const issues = cli(['validate', '--config', bad, '--json']);
    expect(issues.code).toBe(1);
    expect(JSON.parse(issues.stdout)).toEqual({
      valid: false,
      file: bad,
      issues: [
        { file: bad, line: 2, column: 'file_format', message: 'expected delimited or parquet, got "csv"' },
        { file: bad, line: 3, column: 'has_header', message: 'expected true or false, got "maybe"' },
      ],
    });
    const version = cli(['--version']);
    expect([version.code, version.stdout.trim()]).toEqual([0, (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'packages', 'deltalake-hub', 'package.json'), 'utf8')) as { version: string }).version]);
    for (const command of [['bronze', 'run'], ['bronze', 'plan'], ['status'], ['sql'], ['ddl', 'apply'], ['validate']]) {
      const help = cli([...command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Examples:\n  $ deltalake-hub ${command.join(' ')}`);
      expect(help.stdout).toContain('Exit codes:');
    }
    const statusHelp = cli(['status', '--help']).stdout;
    expect(statusHelp).toMatch(/\(default: duckdb, or\s+DELTALAKE_HUB_ENGINE\)/);
    expect(statusHelp).not.toContain('--var');
    expect(statusHelp).not.toContain('--source-root');
    expect(cli(['ddl', 'apply', '--help']).stdout).not.toContain('--source-root');
  });
});

const spark = await sparkForTests();
const onSpark = spark.state === 'absent' ? it.skip : it;

describe('on Spark + Delta', () => {
  onSpark('a missing source folder exits 2 with its row; status has its header and says when it truncated; sql reads the table', () => {
    if (spark.state !== 'up') throw spark.state === 'down' ? spark.error : new Error(spark.reason);
    const env = { DELTALAKE_HUB_SPARK_HOST: spark.host, DELTALAKE_HUB_SPARK_PORT: String(spark.port) };
    const catalog = `uxspark${process.pid}`;
    const scratch = new Scratch();
    scratch.write('lake/credit/transactions_20240309.csv', csvFile(['id', 'amount'], [[1, 10], [2, 20]]));
    scratch.write('lake/credit/transactions_20240310.csv', csvFile(['id', 'amount'], [[3, 30]]));
    scratch.write('lake/credit/transactions_20240101.csv', csvFile(['id', 'amount'], [[9, 90]]));
    const config = scratch.config([
      `falcon,transactions,credit,transactions_*.csv,${scratch.path('lake', 'credit')}/,delimited,",",true,\${catalog},falcon_bronze,credit_raw,true`,
      `falcon,transactions,debit,debit_*.csv,${scratch.path('lake', 'debti')}/,delimited,",",true,\${catalog},falcon_bronze,debit_raw,true`,
    ]);
    const common = ['--engine', 'spark', '--config', config, '--var', `catalog=${catalog}`, '--as-of', '2024-03-10'];
    const run = cli(['bronze', 'run', ...common, '--json'], { env });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(`connecting to Spark at ${spark.host}:${spark.port}...`);
    const doc = JSON.parse(run.stdout) as Summary;
    expect(doc.files.map((f) => [f.path.split('/').pop(), f.status])).toEqual([
      ['transactions_20240309.csv', 'SUCCESS'],
      ['transactions_20240310.csv', 'SUCCESS'],
    ]);
    expect(doc.sourceProblems.map((p) => [p.subcategory, p.reason])).toEqual([['debit', `the source folder ${scratch.path('lake', 'debti')}/ does not exist`]]);
    expect(doc.outsideWindow.map((o) => [o.subcategory, o.files, o.oldest, o.flag])).toEqual([['credit', 1, '2024-01-01', '--begin-date 2024-01-01']]);

    const status = cli(['status', '--engine', 'spark', '--catalog', catalog, '--limit', '1'], { env });
    expect(status.code, status.stderr).toBe(0);
    const lines = status.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^loaded_at +status +rows +table +file +error$/);
    expect(lines[2]).toMatch(new RegExp(`^\\S+Z +SUCCESS +2 +${catalog}\\.falcon_bronze\\.credit_raw +\\S+transactions_20240309\\.csv$`));
    expect(lines[3]).toBe('showing 1 of 2 loads (use --limit)');

    const query = cli(['sql', '--engine', 'spark', '--json', `SELECT id, amount FROM ${catalog}__falcon_bronze.credit_raw ORDER BY id`], { env });
    expect(query.code, query.stderr).toBe(0);
    expect(JSON.parse(query.stdout)).toEqual({ columns: ['id', 'amount'], rows: [{ id: '1', amount: '10' }, { id: '2', amount: '20' }, { id: '3', amount: '30' }], rowCount: 3, truncated: false, limit: 100 });
  });
});

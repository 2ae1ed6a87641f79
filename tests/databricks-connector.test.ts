import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBronze } from '@org/deltalake-hub';
import { createEngine, loadSettings, sql, type Row } from '@org/hub-core';
import { sparkForTests, TYPED_SAMPLE, ThriftWarehouse, WarehouseModel, type SubmittedStatement } from '@org/hub-testing';
// Not public API (the package loads the connector on demand): the engine factory.
import { createDatabricksEngine } from '@org/hub-core/drivers';
import { Scratch } from './support/fixtures.js';

const TOKEN = 'dapi-connector-test-00112233445566778899';
const ENV = { DATABRICKS_CONFIG_FILE: '/nonexistent/.databrickscfg', DATABRICKS_HOST: 'adb-1.2.azuredatabricks.net', DATABRICKS_WAREHOUSE_ID: 'wh1', DATABRICKS_TOKEN: TOKEN };
const RAW = 'abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/';
const FILES = ['transactions_20240304.csv', 'transactions_20240306.csv', 'transactions_20240308.csv'];

/**
 * Answers a bronze run's statements as a warehouse holding three good files would: the model of a
 * SQL warehouse the Databricks rendering tests use, which keeps the run's tables, tracker and
 * leases and fails on a statement it does not know. The parameters arrive as the connector put
 * them on the wire (text).
 */
function warehouseModel(): (statement: SubmittedStatement) => Row[] {
  const model = new WarehouseModel();
  for (const name of FILES) model.addFile(RAW, { name, rows: 2, columns: [['id', 'string'], ['amount', 'string']] });
  return (statement) => model.respond({ sql: statement.sql, params: Object.fromEntries(statement.parameters.map((p) => [p.name ?? '', p.value?.stringValue ?? null])) });
}

function configFile(): string {
  return new Scratch().config([`falcon,transactions,credit,transactions_*.csv,${RAW},delimited,",",true,\${catalog},falcon_bronze,credit_raw,true`]);
}

async function bronzeRun(sessionLifetimes: (number | undefined)[]) {
  const warehouse = new ThriftWarehouse({ sessionLifetimes, respond: warehouseModel() });
  const engine = await createDatabricksEngine({ env: ENV, client: warehouse.client, retry: { sleep: async () => undefined } });
  try {
    const summary = await runBronze({ asOf: '2024-03-10' }, { engine, configPath: configFile(), variables: { catalog: 'dev_catalog' }, runId: 'run-1' });
    return { summary, warehouse };
  } finally {
    await engine.close();
  }
}

/** How many times each file was named in a COPY INTO the warehouse accepted. */
function copies(warehouse: ThriftWarehouse): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const statement of warehouse.submitted.filter((s) => s.sql.startsWith('COPY INTO'))) {
    for (const name of /FILES = \(([^)]*)\)/.exec(statement.sql)?.[1]?.match(/'[^']+'/g) ?? []) counts[name.slice(1, -1)] = (counts[name.slice(1, -1)] ?? 0) + 1;
  }
  return counts;
}

describe('a bronze run on the Databricks engine, over the connector and a recorded warehouse', () => {
  it('completes, every file loaded once, whichever statement finds the session expired', async () => {
    const plain = await bronzeRun([]);
    expect(plain.summary.files.map((f) => [f.path.split('/').pop(), f.status, f.rows])).toEqual(FILES.map((name) => [name, 'SUCCESS', 2]));
    expect(copies(plain.warehouse)).toEqual(Object.fromEntries(FILES.map((name) => [name, 1])));
    expect(plain.warehouse.sessions).toHaveLength(2);
    const statements = plain.warehouse.submitted.length;
    expect(statements).toBeGreaterThan(10);
    // The loader's reads and its load are among them: the text scan, the check, COPY INTO, the rows that landed.
    const kinds = plain.warehouse.submitted.map((s) => s.sql.split(/\s+/).slice(0, 3).join(' '));
    expect(kinds).toEqual(expect.arrayContaining(['SELECT name, first_line,', 'SELECT name, COUNT(*)', 'COPY INTO `dev_catalog`.`falcon_bronze`.`credit_raw`', 'SELECT _source_file AS']));
    for (let n = 1; n < statements; n++) {
      const { summary, warehouse } = await bronzeRun([n]);
      const where = `session expired after statement ${n} of ${statements}`;
      expect(summary.files.map((f) => [f.path.split('/').pop(), f.status, f.rows]), where).toEqual(FILES.map((name) => [name, 'SUCCESS', 2]));
      expect(copies(warehouse), where).toEqual(Object.fromEntries(FILES.map((name) => [name, 1])));
      // One session more than a run without an expiry (which has its own and its lease heartbeat's).
      expect(warehouse.sessions, where).toHaveLength(plain.warehouse.sessions.length + 1);
      // The same statements ran as in a run on one session: none twice, none skipped.
      expect(warehouse.submitted.map((s) => s.sql.slice(0, 40)), where).toEqual(plain.warehouse.submitted.map((s) => s.sql.slice(0, 40)));
    }
  });
});

const spark = await sparkForTests();
describe.skipIf(spark.state === 'absent')('result values: the same shapes on Spark and on Databricks', () => {
  it('DECIMAL, BIGINT, TIMESTAMP, DATE and NULL come back equal from both engines', async () => {
    if (spark.state !== 'up') throw spark.state === 'down' ? spark.error : new Error(spark.reason);
    const query = sql`SELECT 9007199254740993L AS big, 5L AS small, CAST('12345678901234567.89' AS DECIMAL(38,2)) AS wide, CAST('1.2' AS DECIMAL(38,2)) AS wide_small,
      CAST(1.25 AS DECIMAL(10,2)) AS narrow, TIMESTAMP '2024-03-09 10:26:40.123456' AS at, DATE '2024-03-09' AS day, NULL AS nothing, CAST(NULL AS DECIMAL(38,2)) AS no_decimal`;
    const sparkEngine = await createEngine('spark', { settings: loadSettings({ engine: 'spark', sparkHost: spark.host, sparkPort: spark.port }) });
    const fromSpark = await sparkEngine.query(query).finally(() => sparkEngine.close());

    // The warehouse holds the same typed values; the connector converts its Arrow result.
    const warehouse = new ThriftWarehouse({ respond: () => ({ columns: TYPED_SAMPLE.columns, rows: [TYPED_SAMPLE.values] }) });
    const databricks = await createDatabricksEngine({ env: ENV, client: warehouse.client });
    const fromDatabricks = await databricks.query(query).finally(() => databricks.close());

    expect(fromSpark).toEqual([TYPED_SAMPLE.shaped]);
    expect(fromDatabricks).toEqual([TYPED_SAMPLE.shaped]);
  });
});

describe('the CLI on an unresolvable Databricks host', () => {
  it('exits within 5 s with an error naming the host, and prints no token', async () => {
    const bin = join(import.meta.dirname, '..', 'packages', 'deltalake-hub', 'bin', 'deltalake-hub.js');
    const started = Date.now();
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'status', '--engine', 'databricks', '--catalog', 'dev_catalog'], {
        env: { ...process.env, ...ENV, DATABRICKS_HOST: 'nonexistent.invalid', DELTALAKE_HUB_LOG_LEVEL: 'debug' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.code).not.toBe(0);
    // A line says where it connects before any wait, then the error.
    expect(result.stderr.split('\n')[0]).toBe('connecting to the Databricks SQL warehouse at nonexistent.invalid...');
    expect(result.stderr).toContain('the host nonexistent.invalid does not resolve');
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
  }, 60_000);
});

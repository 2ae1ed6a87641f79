import { Writable } from 'node:stream';
import { TApplicationException, TApplicationExceptionType } from '@databricks/sql';
import { describe, expect, it } from 'vitest';
import { ThriftWarehouse, connectorErrors, httpError, networkError, type ThriftWarehouseOptions } from '@org/hub-testing';
import { EngineError, HubError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { sql } from '../sql.js';
import type { DatabricksConnection } from './databricks-auth.js';
import { DatabricksDriver, isRetryableError } from './databricks-driver.js';
import { DATABRICKS_CAPABILITIES, createDatabricksEngine } from './databricks-engine.js';

const { OperationStateError, RetryError, HiveDriverError, StatusError, AuthenticationError } = connectorErrors;

const TOKEN = 'dapi-engine-test-0123456789abcdef';
const ENV = {
  DATABRICKS_CONFIG_FILE: '/nonexistent/.databrickscfg',
  DATABRICKS_HOST: 'https://adb-1.2.azuredatabricks.net/',
  DATABRICKS_WAREHOUSE_ID: 'wh123',
  DATABRICKS_TOKEN: TOKEN,
  DATABRICKS_CATALOG: 'main',
  DATABRICKS_SCHEMA: 'bronze',
};

const TABLE_NOT_FOUND = { message: '[TABLE_OR_VIEW_NOT_FOUND] The table or view `main`.`bronze`.`nope` cannot be found. SQLSTATE: 42P01', sqlState: '42P01' };

async function engineWith(warehouse: ThriftWarehouse, env: NodeJS.ProcessEnv = ENV) {
  const sleeps: number[] = [];
  const engine = await createDatabricksEngine({
    env,
    client: warehouse.client,
    retry: { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) },
  });
  return { engine, sleeps };
}

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}

const methods = (warehouse: ThriftWarehouse) => warehouse.calls.map((c) => c.method);
const warehouseWith = (options: ThriftWarehouseOptions = {}) => new ThriftWarehouse(options);

describe('Databricks engine over the connector, on a recorded warehouse', () => {
  it('connects with the token and warehouse from the environment, telemetry off, and opens a session on the initial catalog and schema', async () => {
    const warehouse = warehouseWith();
    const { engine } = await engineWith(warehouse);
    expect(warehouse.connectOptions).toEqual([
      expect.objectContaining({ host: 'adb-1.2.azuredatabricks.net', path: '/sql/1.0/warehouses/wh123', token: TOKEN, telemetryEnabled: false, preserveBigNumericPrecision: true }),
    ]);
    expect(warehouse.connectOptions[0]).not.toHaveProperty('authType');
    expect(warehouse.connectOptions[0]).not.toHaveProperty('port');
    expect(warehouse.sessions).toHaveLength(1);
    expect(warehouse.sessions[0]?.request['initialNamespace']).toEqual({ catalogName: 'main', schemaName: 'bronze' });
    expect(warehouse.sessions[0]?.configuration).toEqual({ STATEMENT_TIMEOUT: '3600', TIMEZONE: 'UTC' });
    expect(engine.name).toBe('databricks');
    expect(engine.dialect.name).toBe('databricks');
    expect(engine.capabilities).toEqual(DATABRICKS_CAPABILITIES);
    expect(engine.capabilities).toEqual({ bindParameters: true, localFilesOnly: false, copyInto: true, maxFilesPerStatement: 1000, transactions: false, concurrentWriters: true });
    await engine.close();
    expect(warehouse.sessions[0]?.closed).toBe(true);
  });

  it('fails with the settings error before touching the connector when the host or warehouse is missing', async () => {
    const warehouse = warehouseWith();
    const error = await createDatabricksEngine({ env: { ...ENV, DATABRICKS_HOST: '', DATABRICKS_WAREHOUSE_ID: '' }, client: warehouse.client }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe('SETTINGS_INVALID');
    expect((error as HubError).message).toMatch(/DATABRICKS_HOST.*DATABRICKS_WAREHOUSE_ID/s);
    expect(warehouse.connectOptions).toEqual([]);
  });

  it('retries a SELECT the gateway throttled twice with HTTP 429, then returns its rows', async () => {
    const warehouse = warehouseWith({ respond: () => [{ n: 3n, name: 'a', at: new Date(0) }] });
    warehouse.failures.ExecuteStatement = [httpError(429), httpError(429)];
    const { engine, sleeps } = await engineWith(warehouse);
    const rows = await engine.query(sql`SELECT count(*) AS n FROM ${sql.id('main', 'bronze', 't')}`);
    expect(rows).toEqual([{ n: 3, name: 'a', at: new Date(0) }]);
    expect(engine.statementCount).toBe(1);
    expect(engine.retryCount).toBe(2);
    expect(warehouse.submitted).toHaveLength(1);
    expect(methods(warehouse).filter((m) => m === 'ExecuteStatement')).toHaveLength(3);
    // Full jitter over an exponential cap: random 0.5 of 100, then of 200.
    expect(sleeps).toEqual([50, 100]);
    expect(methods(warehouse).filter((m) => m === 'CloseOperation')).toHaveLength(1);
  });

  it('gives up after the policy allows, with a retryable EngineError', async () => {
    const warehouse = warehouseWith();
    warehouse.failures.ExecuteStatement = [httpError(429), httpError(429), httpError(429), httpError(429)];
    const { engine } = await engineWith(warehouse);
    const error = await failure(engine.query('SELECT 1 AS x'));
    expect(error.retryable).toBe(true);
    expect(methods(warehouse).filter((m) => m === 'ExecuteStatement')).toHaveLength(4);
    expect(engine.retryCount).toBe(3);
  });

  it('reports a statement error where the connector surfaces it, when polled after submission, and does not retry it', async () => {
    const warehouse = warehouseWith({ respond: () => ({ columns: [{ name: 'x', type: 'BIGINT' }], error: TABLE_NOT_FOUND }) });
    const { engine } = await engineWith(warehouse);
    const error = await failure(engine.query(sql`SELECT * FROM ${sql.id('main', 'bronze', 'nope')} WHERE a = ${'x'} AND b = ${5}`));
    // The warehouse accepted the statement; its failure came from GetOperationStatus.
    expect(warehouse.submitted).toHaveLength(1);
    expect(methods(warehouse)).toContain('GetOperationStatus');
    expect(error.cause).toBeInstanceOf(OperationStateError);
    expect(engine.retryCount).toBe(0);
    expect(error.retryable).toBe(false);
    expect(error.code).toBe('ENGINE_ERROR');
    expect(error.engine).toBe('databricks');
    expect(error.statement).toBe('SELECT * FROM `main`.`bronze`.`nope` WHERE a = :p1 AND b = CAST(:p2 AS BIGINT)');
    expect(error.params).toEqual({ p1: 'x', p2: 5 });
    expect(error.message).toContain('TABLE_OR_VIEW_NOT_FOUND');
    expect(error.message).toContain('query: SELECT * FROM `main`.`bronze`.`nope`');
  });

  it('fails a DDL or DML statement that has no result set, instead of returning no rows', async () => {
    // No result set: the connector's fetchChunk returns [] without polling, so the driver waits for the outcome first.
    const warehouse = warehouseWith({ respond: () => ({ error: { message: '[DELTA_INSERT_COLUMN_ARITY_MISMATCH] Cannot write to `t`, not enough data columns' } }) });
    const { engine } = await engineWith(warehouse);
    const error = await failure(engine.run(sql`INSERT INTO ${sql.id('main', 'bronze', 't')} VALUES (${'a'})`));
    expect(error.message).toContain('DELTA_INSERT_COLUMN_ARITY_MISMATCH');
    expect(error.cause).toBeInstanceOf(OperationStateError);
  });

  it('does not retry a throttled INSERT, which may have committed, unless the caller says it is idempotent', async () => {
    const warehouse = warehouseWith();
    warehouse.failures.ExecuteStatement = [httpError(429)];
    const { engine } = await engineWith(warehouse);
    const error = await failure(engine.run(sql`INSERT INTO ${sql.id('main', 'bronze', 't')} VALUES (${'a'})`));
    expect(methods(warehouse).filter((m) => m === 'ExecuteStatement')).toHaveLength(1);
    expect(engine.retryCount).toBe(0);
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('429');

    warehouse.failures.ExecuteStatement = [httpError(429)];
    await engine.run(sql`MERGE INTO ${sql.id('main', 'bronze', 't')} USING s ON t.k = s.k WHEN NOT MATCHED THEN INSERT *`, { idempotent: true });
    expect(engine.retryCount).toBe(1);
    expect(engine.statementCount).toBe(2);
    expect(warehouse.submitted.map((s) => s.sql.split(' ')[0])).toEqual(['MERGE']);
  });

  it('retries an idempotent MERGE that lost a Delta commit conflict the warehouse reports only in errorMessage and SQLSTATE', async () => {
    let attempts = 0;
    const warehouse = warehouseWith({
      respond: () =>
        ++attempts === 1
          ? { error: { displayMessage: 'Query failed', message: 'io.delta.exceptions.ConcurrentAppendException: [DELTA_CONCURRENT_APPEND] Files were added to the root of the table by a concurrent update.', sqlState: '2D521' } }
          : [],
    });
    const { engine } = await engineWith(warehouse);
    await engine.run(sql`MERGE INTO ${sql.id('main', 'bronze', 't')} USING s ON t.k = s.k WHEN NOT MATCHED THEN INSERT *`, { idempotent: true });
    expect(warehouse.submitted).toHaveLength(2);
    expect(engine.retryCount).toBe(1);
  });

  it('binds values as typed named parameters: DATE for a value cast to DATE (its UTC day), VOID for NULL', async () => {
    const warehouse = warehouseWith();
    const { engine } = await engineWith(warehouse);
    const at = new Date('2024-03-14T09:26:53.589Z');
    const day = new Date('2024-03-14T23:30:00.000Z');
    await engine.run(
      sql`INSERT INTO ${sql.id('main', 'bronze', 't')} VALUES (${"o'k; --"}, ${42}, ${at}, ${2.5}, ${9007199254740993n}, ${false}, ${null}, CAST(${day} AS DATE), CAST(${'2024-03-15'} AS DATE))`,
    );
    const [call] = warehouse.submitted;
    expect(call?.sql).toBe(
      'INSERT INTO `main`.`bronze`.`t` VALUES (:p1, CAST(:p2 AS BIGINT), CAST(:p3 AS TIMESTAMP), :p4, CAST(:p5 AS BIGINT), :p6, :p7, CAST(CAST(:p8 AS TIMESTAMP) AS DATE), CAST(:p9 AS DATE))',
    );
    // What the connector put on the wire (TExecuteStatementReq.parameters).
    const wire = Object.fromEntries((call?.parameters ?? []).map((p) => [p.name, p.type == null && p.value == null ? 'no type, no value' : [p.type, p.value?.stringValue]]));
    expect(wire).toEqual({
      p1: ['STRING', "o'k; --"],
      p2: ['BIGINT', '42'],
      p3: ['TIMESTAMP', '2024-03-14T09:26:53.589Z'],
      p4: ['DOUBLE', '2.5'],
      p5: ['BIGINT', '9007199254740993'],
      p6: ['BOOLEAN', 'FALSE'],
      // NULL as the connector sends it for any type: the warehouse casts it to the column's type.
      p7: 'no type, no value',
      // The UTC calendar day, whatever the process or session time zone.
      p8: ['DATE', '2024-03-14'],
      p9: ['DATE', '2024-03-15'],
    });
  });

  it('closes the operation even when its statement fails', async () => {
    const warehouse = warehouseWith({ respond: () => ({ columns: [{ name: 'x', type: 'BIGINT' }], error: TABLE_NOT_FOUND }) });
    const { engine } = await engineWith(warehouse);
    await failure(engine.query('SELECT * FROM nope'));
    expect(methods(warehouse).filter((m) => m === 'CloseOperation')).toHaveLength(1);
    expect(warehouse.operations[0]?.closed).toBe(true);
  });
});

describe('Databricks driver errors', () => {
  const connection: DatabricksConnection = { host: 'h.example.com', path: '/sql/1.0/warehouses/w', auth: { kind: 'pat', token: TOKEN } };

  it('wraps a failure in EngineError with the statement, its parameters (credentials redacted) and the cause', async () => {
    const warehouse = warehouseWith();
    const cause = httpError(503);
    warehouse.failures.ExecuteStatement = [cause];
    const driver = await DatabricksDriver.open(connection, { client: warehouse.client });
    const statement = { sql: 'SELECT :token AS t, :p1 AS v', params: { token: 'should-not-be-shown', p1: 'visible' } };
    const error = await failure(driver.execute(statement));
    expect(error.statement).toBe(statement.sql);
    expect(error.params).toEqual({ token: '[REDACTED]', p1: 'visible' });
    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(true);
    expect(JSON.stringify(error.params)).not.toContain('should-not-be-shown');
    await driver.close();
  });

  it('retries opening a session while the warehouse answers 503, then fails clearly without the token', async () => {
    const starting = warehouseWith();
    starting.failures.OpenSession = [httpError(503), httpError(503)];
    const sleeps: number[] = [];
    const driver = await DatabricksDriver.open(connection, { client: starting.client, retry: { sleep: async (ms) => void sleeps.push(ms), random: () => 1 } });
    expect(starting.calls.filter((c) => c.method === 'OpenSession')).toHaveLength(3);
    expect(sleeps).toEqual([500, 1000]);
    await driver.close();

    const denied = warehouseWith();
    denied.failures.OpenSession = [httpError(403)];
    const error = await DatabricksDriver.open(connection, { client: denied.client }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe('ENGINE_UNAVAILABLE');
    expect((error as HubError).message).toContain('h.example.com/sql/1.0/warehouses/w');
    expect((error as HubError).message).toContain('403');
    expect((error as HubError).message).toContain('check DATABRICKS_HOST');
    expect((error as HubError).message).not.toContain(TOKEN);
    expect(denied.calls.filter((c) => c.method === 'OpenSession')).toHaveLength(1);
  });

  it('classifies what the connector throws: "try again later" is retryable, the rest is not', () => {
    const status = (errorMessage: string) => new StatusError({ statusCode: 3, errorCode: 0, errorMessage });
    const operation = (code: 'ERROR' | 'TIMEOUT' | 'CANCELED', response: Record<string, unknown> = {}) => new OperationStateError(code, { status: { statusCode: 0 }, ...response });
    const url = 'https://h.example.com:443/sql/1.0/warehouses/w';
    const retryable = {
      'HTTP 429': httpError(429),
      'HTTP 500 from ExecuteStatement (not retried by the connector)': httpError(500),
      'HTTP 500 after the connector retried GetOperationStatus': new HiveDriverError('Hive driver: 500 when connecting to resource. Max retry count exceeded.'),
      'HTTP 502': httpError(502),
      'HTTP 503': httpError(503),
      'HTTP 504': httpError(504),
      'retry budget spent on network errors': new HiveDriverError('Hive driver: Error when connecting to resource. Retry timeout exceeded.'),
      'RetryError with its response': new RetryError('ATTEMPTS_EXCEEDED', { response: { status: 503 } }),
      'request timed out': new TApplicationException(TApplicationExceptionType.PROTOCOL_ERROR, 'Request timed out'),
      'connection reset': networkError(url, 'ECONNRESET', 'read ECONNRESET'),
      'connect timeout': networkError(url, 'ETIMEDOUT', 'connect ETIMEDOUT'),
      'temporary DNS failure': networkError(url, 'EAI_AGAIN', 'getaddrinfo EAI_AGAIN h.example.com'),
      'socket hang up': networkError(url, 'ECONNRESET', 'socket hang up'),
      'wrapped': new Error('wrapped', { cause: httpError(429) }),
      'Delta conflict in displayMessage': operation('ERROR', { displayMessage: '[DELTA_CONCURRENT_APPEND] Files were added by a concurrent update.' }),
      'Delta conflict only in errorMessage': operation('ERROR', { displayMessage: 'Query failed', errorMessage: 'io.delta.exceptions.ConcurrentDeleteReadException: This transaction attempted to read files that were deleted' }),
      'Delta conflict only as SQLSTATE': operation('ERROR', { displayMessage: 'Query failed', sqlState: '2D521' }),
      'session dropped by the warehouse': status('Invalid SessionHandle: SessionHandle [01ef-77]'),
      'session closed on the client': new HiveDriverError('The session was closed or has expired'),
    };
    const permanent = {
      'HTTP 400': httpError(400),
      'HTTP 401': httpError(401),
      'HTTP 403': httpError(403),
      'HTTP 404': httpError(404),
      'HTTP 501': httpError(501),
      'HTTP 501 after retries': new HiveDriverError('Hive driver: 501 when connecting to resource. Max retry count exceeded.'),
      'unresolvable host': networkError(url, 'ENOTFOUND', 'getaddrinfo ENOTFOUND h.example.com'),
      'table not found': operation('ERROR', { displayMessage: TABLE_NOT_FOUND.message, errorMessage: TABLE_NOT_FOUND.message, sqlState: '42P01' }),
      'a statement error that mentions a socket': operation('ERROR', { displayMessage: "[PARSE_SYNTAX_ERROR] Syntax error at or near 'socket hang up'" }),
      'statement timed out': operation('TIMEOUT'),
      'statement cancelled': operation('CANCELED'),
      'syntax error at submission': status('[PARSE_SYNTAX_ERROR] Syntax error at or near 429'),
      'deletion vectors, same SQLSTATE as conflicts': operation('ERROR', { displayMessage: '[DELTA_DELETION_VECTOR_MISSING_NUM_RECORDS] missing numRecords', sqlState: '2D521' }),
      'OAuth refused': new AuthenticationError('Failed to fetch access token'),
      'a string': 'a string',
      'null': null,
    };
    const classify = (cases: Record<string, unknown>) => Object.fromEntries(Object.entries(cases).map(([name, e]) => [name, isRetryableError(e)]));
    expect(classify(retryable)).toEqual(Object.fromEntries(Object.keys(retryable).map((name) => [name, true])));
    expect(classify(permanent)).toEqual(Object.fromEntries(Object.keys(permanent).map((name) => [name, false])));
  });

  it('sends the connector log lines to the hub logger (stderr), not to stdout', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const warehouse = warehouseWith();
    const driver = await DatabricksDriver.open(connection, { client: warehouse.client, logger: createLogger({ destination, level: 'debug' }) });
    lines.length = 0;
    warehouse.loggers[0]?.log('info', 'Created DBSQLClient');
    warehouse.loggers[0]?.log('error', `auth failed for ${TOKEN}`);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual([
      expect.objectContaining({ level: 20, msg: 'Created DBSQLClient', engine: 'databricks', source: 'connector' }),
      expect.objectContaining({ level: 40, msg: 'auth failed for [REDACTED]' }),
    ]);
    await driver.close();
  });
});

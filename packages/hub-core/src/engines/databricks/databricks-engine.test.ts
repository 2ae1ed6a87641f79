import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { DBSQLParameter } from '@databricks/sql';
import { describe, expect, it } from 'vitest';
import { EngineError, HubError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { sql } from '../sql.js';
import type { DatabricksConnection } from './databricks-auth.js';
import { DatabricksDriver, isRetryableError, type ConnectorLogger, type DatabricksClient, type DatabricksOperation, type DatabricksSession } from './databricks-driver.js';
import { DATABRICKS_CAPABILITIES, createDatabricksEngine } from './databricks-engine.js';

// The connector's own error classes, so the classification is tested against the shapes it really throws.
const require = createRequire(import.meta.url);
const { THTTPException } = require('@databricks/sql/dist/connection/connections/ThriftHttpConnection.js') as { THTTPException: new (response: { status: number }) => Error };
const RetryError = (require('@databricks/sql/dist/errors/RetryError.js') as { default: new (code: string, payload?: unknown) => Error }).default;
const HiveDriverError = (require('@databricks/sql/dist/errors/HiveDriverError.js') as { default: new (message: string) => Error }).default;
const OperationStateError = (require('@databricks/sql/dist/errors/OperationStateError.js') as { default: new (code: string, response?: object) => Error }).default;

const TOKEN = 'dapi-engine-test-0123456789abcdef';
const ENV = {
  DATABRICKS_CONFIG_FILE: '/nonexistent/.databrickscfg',
  DATABRICKS_HOST: 'https://adb-1.2.azuredatabricks.net/',
  DATABRICKS_WAREHOUSE_ID: 'wh123',
  DATABRICKS_TOKEN: TOKEN,
  DATABRICKS_CATALOG: 'main',
  DATABRICKS_SCHEMA: 'bronze',
};

const throttled = () => new THTTPException({ status: 429 });
const tableNotFound = () => new OperationStateError('ERROR', { displayMessage: '[TABLE_OR_VIEW_NOT_FOUND] The table `main`.`bronze`.`nope` cannot be found.', sqlState: '42P01' });

type Outcome = object[] | Error;

/** A client of the connector's shape whose statements answer from a script, one outcome per call. */
class FakeConnector {
  readonly connectOptions: unknown[] = [];
  readonly sessionRequests: unknown[] = [];
  readonly executed: { sql: string; options: { namedParameters?: Record<string, DBSQLParameter | null>; runAsync?: boolean } }[] = [];
  readonly openSessionFailures: Error[] = [];
  readonly outcomes: Outcome[] = [];
  readonly closed = { operations: 0, sessions: 0, clients: 0 };
  connectorLogger: ConnectorLogger | undefined;

  readonly factory = (logger: ConnectorLogger): DatabricksClient => {
    this.connectorLogger = logger;
    const { executed, outcomes, sessionRequests, openSessionFailures, connectOptions, closed } = this;
    const operation = (rows: object[]): DatabricksOperation => ({
      fetchAll: async () => rows,
      close: async () => void closed.operations++,
    });
    const session: DatabricksSession = {
      async executeStatement(statement, options) {
        executed.push({ sql: statement, options });
        const next = outcomes.shift() ?? [];
        if (next instanceof Error) throw next;
        return operation(next);
      },
      close: async () => void closed.sessions++,
    };
    return {
      async connect(options) {
        connectOptions.push(options);
        return this;
      },
      async openSession(request) {
        sessionRequests.push(request);
        const failure = openSessionFailures.shift();
        if (failure) throw failure;
        return session;
      },
      close: async () => void closed.clients++,
    };
  };
}

async function engineWith(fake: FakeConnector, env: NodeJS.ProcessEnv = ENV) {
  const sleeps: number[] = [];
  const engine = await createDatabricksEngine({
    env,
    client: fake.factory,
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

describe('Databricks engine over an injected connector client', () => {
  it('connects with the token and warehouse from the environment and opens a session on the initial catalog and schema', async () => {
    const fake = new FakeConnector();
    const { engine } = await engineWith(fake);
    expect(fake.connectOptions).toEqual([
      expect.objectContaining({ host: 'adb-1.2.azuredatabricks.net', path: '/sql/1.0/warehouses/wh123', token: TOKEN }),
    ]);
    expect(fake.connectOptions[0]).not.toHaveProperty('authType');
    expect(fake.sessionRequests).toEqual([{ initialCatalog: 'main', initialSchema: 'bronze' }]);
    expect(engine.name).toBe('databricks');
    expect(engine.dialect.name).toBe('databricks');
    expect(engine.capabilities).toEqual(DATABRICKS_CAPABILITIES);
    expect(engine.capabilities).toEqual({ bindParameters: true, localFilesOnly: false, copyInto: true, maxFilesPerStatement: 1000, transactions: false, concurrentWriters: true });
    await engine.close();
    expect(fake.closed).toMatchObject({ sessions: 1, clients: 1 });
  });

  it('connects a service principal with Databricks OAuth (M2M), also on Azure', async () => {
    const fake = new FakeConnector();
    const env = { ...ENV, DATABRICKS_TOKEN: '', DATABRICKS_CLIENT_ID: 'sp-id', DATABRICKS_CLIENT_SECRET: 'sp-secret-0123456789', DATABRICKS_CATALOG: '', DATABRICKS_SCHEMA: '' };
    await engineWith(fake, env);
    expect(fake.connectOptions[0]).toMatchObject({
      authType: 'databricks-oauth',
      oauthClientId: 'sp-id',
      oauthClientSecret: 'sp-secret-0123456789',
      useDatabricksOAuthInAzure: true,
    });
    expect(fake.connectOptions[0]).not.toHaveProperty('token');
    expect(fake.sessionRequests).toEqual([{}]);
  });

  it('fails with the settings error before touching the connector when the host or warehouse is missing', async () => {
    const fake = new FakeConnector();
    const error = await createDatabricksEngine({ env: { ...ENV, DATABRICKS_HOST: '', DATABRICKS_WAREHOUSE_ID: '' }, client: fake.factory }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe('SETTINGS_INVALID');
    expect((error as HubError).message).toMatch(/DATABRICKS_HOST.*DATABRICKS_WAREHOUSE_ID/s);
    expect(fake.connectOptions).toEqual([]);
  });

  it('retries a SELECT throttled twice with HTTP 429, then returns its rows', async () => {
    const fake = new FakeConnector();
    fake.outcomes.push(throttled(), throttled(), [{ n: 3n, name: 'a', at: new Date(0) }]);
    const { engine, sleeps } = await engineWith(fake);
    const rows = await engine.query(sql`SELECT count(*) AS n FROM ${sql.id('main', 'bronze', 't')}`);
    expect(rows).toEqual([{ n: 3, name: 'a', at: new Date(0) }]);
    expect(engine.statementCount).toBe(1);
    expect(engine.retryCount).toBe(2);
    expect(fake.executed).toHaveLength(3);
    // Full jitter over an exponential cap: random 0.5 of 100, then of 200.
    expect(sleeps).toEqual([50, 100]);
    expect(fake.closed.operations).toBe(1);
  });

  it('gives up after the policy allows, with a retryable EngineError', async () => {
    const fake = new FakeConnector();
    fake.outcomes.push(throttled(), throttled(), throttled(), throttled(), [{ x: 1 }]);
    const { engine } = await engineWith(fake);
    const error = await failure(engine.query('SELECT 1 AS x'));
    expect(error.retryable).toBe(true);
    expect(fake.executed).toHaveLength(4);
    expect(engine.retryCount).toBe(3);
  });

  it('does not retry an error that is not transient', async () => {
    const fake = new FakeConnector();
    const cause = tableNotFound();
    fake.outcomes.push(cause, [{ x: 1 }]);
    const { engine } = await engineWith(fake);
    const error = await failure(engine.query(sql`SELECT * FROM ${sql.id('main', 'bronze', 'nope')} WHERE a = ${'x'} AND b = ${5}`));
    expect(fake.executed).toHaveLength(1);
    expect(engine.retryCount).toBe(0);
    expect(error.retryable).toBe(false);
    expect(error.code).toBe('ENGINE_ERROR');
    expect(error.engine).toBe('databricks');
    expect(error.statement).toBe('SELECT * FROM `main`.`bronze`.`nope` WHERE a = :p1 AND b = CAST(:p2 AS BIGINT)');
    expect(error.params).toEqual({ p1: 'x', p2: 5 });
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('TABLE_OR_VIEW_NOT_FOUND');
    expect(error.message).toContain('query: SELECT * FROM `main`.`bronze`.`nope`');
  });

  it('does not retry a throttled INSERT, which may have committed, unless the caller says it is idempotent', async () => {
    const fake = new FakeConnector();
    const cause = throttled();
    fake.outcomes.push(cause);
    const { engine } = await engineWith(fake);
    const error = await failure(engine.run(sql`INSERT INTO ${sql.id('main', 'bronze', 't')} VALUES (${'a'})`));
    expect(fake.executed).toHaveLength(1);
    expect(engine.retryCount).toBe(0);
    expect(error.retryable).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('429');

    fake.outcomes.push(throttled(), []);
    await engine.run(sql`MERGE INTO ${sql.id('main', 'bronze', 't')} USING s ON t.k = s.k WHEN NOT MATCHED THEN INSERT *`, { idempotent: true });
    expect(engine.retryCount).toBe(1);
    expect(engine.statementCount).toBe(2);
    expect(fake.executed).toHaveLength(3);
  });

  it('passes bound values to executeStatement as typed named parameters, asynchronously', async () => {
    const fake = new FakeConnector();
    const { engine } = await engineWith(fake);
    const at = new Date('2024-03-14T09:26:53.589Z');
    await engine.run(sql`INSERT INTO ${sql.id('main', 'bronze', 't')} VALUES (${"o'k; --"}, ${42}, ${at}, ${2.5}, ${9007199254740993n}, ${false}, ${null})`);
    const [call] = fake.executed;
    expect(call?.sql).toBe('INSERT INTO `main`.`bronze`.`t` VALUES (:p1, CAST(:p2 AS BIGINT), CAST(:p3 AS TIMESTAMP), :p4, CAST(:p5 AS BIGINT), :p6, :p7)');
    expect(call?.options.runAsync).toBe(true);
    const named = call?.options.namedParameters ?? {};
    expect(Object.keys(named)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
    expect(named['p7']).toBeNull();
    const wire = Object.fromEntries(
      Object.entries(named)
        .filter((entry): entry is [string, DBSQLParameter] => entry[1] instanceof DBSQLParameter)
        .map(([name, parameter]) => {
          const spark = parameter.toSparkParameter({ name });
          return [name, [spark.type, spark.value?.stringValue]];
        }),
    );
    expect(wire).toEqual({
      p1: ['STRING', "o'k; --"],
      p2: ['BIGINT', '42'],
      p3: ['TIMESTAMP', '2024-03-14T09:26:53.589Z'],
      p4: ['DOUBLE', '2.5'],
      p5: ['BIGINT', '9007199254740993'],
      p6: ['BOOLEAN', 'FALSE'],
    });
  });

  it('closes the operation even when fetching its rows fails', async () => {
    const fake = new FakeConnector();
    const { engine } = await engineWith(fake);
    fake.outcomes.push([]);
    await engine.run('SELECT 1');
    expect(fake.closed.operations).toBe(1);
    const connection: DatabricksConnection = { host: 'h', path: '/p', auth: { kind: 'pat', token: TOKEN } };
    let closedOperations = 0;
    const driver = await DatabricksDriver.open(connection, {
      client: () => ({
        connect: async () => undefined,
        openSession: async () => ({
          executeStatement: async () => ({
            fetchAll: async () => {
              throw tableNotFound();
            },
            close: async () => void closedOperations++,
          }),
          close: async () => undefined,
        }),
        close: async () => undefined,
      }),
    });
    await expect(driver.execute({ sql: 'SELECT * FROM nope', params: {} })).rejects.toBeInstanceOf(EngineError);
    expect(closedOperations).toBe(1);
  });
});

describe('Databricks driver errors', () => {
  const connection: DatabricksConnection = { host: 'h.example.com', path: '/sql/1.0/warehouses/w', auth: { kind: 'pat', token: TOKEN } };

  it('wraps a failure in EngineError with the statement, its parameters (credentials redacted) and the cause', async () => {
    const fake = new FakeConnector();
    const cause = throttled();
    fake.outcomes.push(cause);
    const driver = await DatabricksDriver.open(connection, { client: fake.factory });
    const statement = { sql: 'SELECT :token AS t, :p1 AS v', params: { token: 'should-not-be-shown', p1: 'visible' } };
    const error = await failure(driver.execute(statement));
    expect(error.statement).toBe(statement.sql);
    expect(error.params).toEqual({ token: '[REDACTED]', p1: 'visible' });
    expect(error.cause).toBe(cause);
    expect(error.retryable).toBe(true);
    expect(JSON.stringify(error.params)).not.toContain('should-not-be-shown');
  });

  it('retries opening a session while the warehouse answers 503, then fails clearly without the token', async () => {
    const starting = new FakeConnector();
    starting.openSessionFailures.push(new THTTPException({ status: 503 }), new THTTPException({ status: 503 }));
    const sleeps: number[] = [];
    await DatabricksDriver.open(connection, { client: starting.factory, retry: { sleep: async (ms) => void sleeps.push(ms), random: () => 1 } });
    expect(starting.sessionRequests).toHaveLength(3);
    expect(sleeps).toEqual([500, 1000]);

    const denied = new FakeConnector();
    denied.openSessionFailures.push(new HiveDriverError(`Invalid access token ${TOKEN}`));
    const error = await DatabricksDriver.open(connection, { client: denied.factory }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe('ENGINE_UNAVAILABLE');
    expect((error as HubError).message).toContain('h.example.com/sql/1.0/warehouses/w');
    expect((error as HubError).message).toContain('check DATABRICKS_HOST');
    expect((error as HubError).message).not.toContain(TOKEN);
    expect(denied.sessionRequests).toHaveLength(1);
    expect(denied.closed.clients).toBe(1);
  });

  it('classifies the connector errors that mean "try again later" as retryable, and nothing else', () => {
    const withCode = (code: string) => Object.assign(new Error(`request failed, reason: ${code.toLowerCase()}`), { code });
    const retryable = [
      throttled(),
      new THTTPException({ status: 502 }),
      new THTTPException({ status: 503 }),
      new THTTPException({ status: 504 }),
      new RetryError('ATTEMPTS_EXCEEDED', { response: { status: 429 } }),
      new RetryError('TIMEOUT_EXCEEDED'),
      new HiveDriverError('Hive driver: 503 when connecting to resource. Max retry count exceeded.'),
      withCode('ECONNRESET'),
      withCode('ETIMEDOUT'),
      withCode('EPIPE'),
      new Error('request to https://h/ failed, reason: socket hang up'),
      new Error('wrapped', { cause: throttled() }),
      new OperationStateError('ERROR', { displayMessage: '[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added to the root of the table by a concurrent update.' }),
    ];
    const permanent = [
      tableNotFound(),
      new THTTPException({ status: 400 }),
      new THTTPException({ status: 401 }),
      new THTTPException({ status: 403 }),
      new THTTPException({ status: 500 }),
      new THTTPException({ status: 501 }),
      withCode('ENOTFOUND'),
      new OperationStateError('CANCELED'),
      new Error('[PARSE_SYNTAX_ERROR] Syntax error at or near 429'),
      'a string',
      null,
    ];
    expect(retryable.map((e) => isRetryableError(e))).toEqual(retryable.map(() => true));
    expect(permanent.map((e) => isRetryableError(e))).toEqual(permanent.map(() => false));
  });

  it('sends the connector log lines to the hub logger (stderr), not to stdout', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const fake = new FakeConnector();
    await DatabricksDriver.open(connection, { client: fake.factory, logger: createLogger({ destination, level: 'debug' }) });
    fake.connectorLogger?.log('info', 'Created DBSQLClient');
    fake.connectorLogger?.log('error', `auth failed for ${TOKEN}`);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toEqual([
      expect.objectContaining({ level: 20, msg: 'Created DBSQLClient', engine: 'databricks', source: 'connector' }),
      expect.objectContaining({ level: 40, msg: 'auth failed for [REDACTED]' }),
    ]);
  });
});

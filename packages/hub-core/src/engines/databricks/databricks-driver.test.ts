import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server } from 'node:https';
import { createRequire } from 'node:module';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DBSQLClient } from '@databricks/sql';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { TYPED_SAMPLE, ThriftWarehouse, connectorErrors } from '@org/hub-testing';
import { EngineError, HubError } from '../../errors.js';
import { createLogger } from '../../logger.js';
import { loadSettings } from '../../settings.js';
import { sql } from '../sql.js';
import type { DatabricksConnection } from './databricks-auth.js';
import { DatabricksDriver, connectOptions, type DatabricksClientFactory } from './databricks-driver.js';
import { createDatabricksEngine } from './databricks-engine.js';

const require = createRequire(import.meta.url);
const DBSQLOperation = (require('@databricks/sql/dist/DBSQLOperation.js') as { default: { prototype: { fetchAll: () => Promise<object[]> } } }).default;
const { DatabricksOAuthManager, AzureOAuthManager } = require('@databricks/sql/dist/connection/auth/DatabricksOAuth/OAuthManager.js') as {
  DatabricksOAuthManager: new (...args: never[]) => unknown;
  AzureOAuthManager: new (...args: never[]) => unknown;
};

const TOKEN = 'dapi-driver-test-fedcba9876543210';
const CONNECTION: DatabricksConnection = { host: 'adb-1.2.azuredatabricks.net', path: '/sql/1.0/warehouses/wh1', auth: { kind: 'pat', token: TOKEN } };
const ENV = { DATABRICKS_CONFIG_FILE: '/nonexistent/.databrickscfg', DATABRICKS_HOST: CONNECTION.host, DATABRICKS_WAREHOUSE_ID: 'wh1', DATABRICKS_TOKEN: TOKEN };

function logLines(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ destination, level: 'debug' }), lines };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createTcpServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('item 1: a session the warehouse dropped is reopened', () => {
  it('reopens the session and runs the refused statement once more on it', async () => {
    const warehouse = new ThriftWarehouse({ sessionLifetimes: [2], respond: (s) => [{ n: Number(/\d+/.exec(s.sql)?.[0]) }] });
    const { logger, lines } = logLines();
    const driver = await DatabricksDriver.open(CONNECTION, { client: warehouse.client, logger });
    const answers: unknown[] = [];
    for (let i = 1; i <= 5; i++) answers.push(await driver.execute({ sql: `SELECT ${i} AS n`, params: {} }));
    expect(answers).toEqual([1, 2, 3, 4, 5].map((n) => [{ n }]));
    expect(warehouse.sessions).toHaveLength(2);
    expect(warehouse.statementsOf(0)).toEqual(['SELECT 1 AS n', 'SELECT 2 AS n']);
    expect(warehouse.statementsOf(1)).toEqual(['SELECT 3 AS n', 'SELECT 4 AS n', 'SELECT 5 AS n']);
    // The third statement was refused once, by the dropped session, and ran once, on the new one.
    expect(warehouse.calls.filter((c) => c.method === 'ExecuteStatement')).toHaveLength(6);
    expect(lines.filter((l) => l.includes('the warehouse ended the session'))).toHaveLength(1);
    await driver.close();
  });

  it('opens one new session for all the statements that found the old one dropped at the same time', async () => {
    const warehouse = new ThriftWarehouse({ sessionLifetimes: [1], respond: () => [{ ok: true }] });
    const driver = await DatabricksDriver.open(CONNECTION, { client: warehouse.client });
    await driver.execute({ sql: 'SELECT 0', params: {} });
    const results = await Promise.all([1, 2, 3].map((i) => driver.execute({ sql: `SELECT ${i}`, params: {} })));
    expect(results).toEqual([[{ ok: true }], [{ ok: true }], [{ ok: true }]]);
    expect(warehouse.sessions).toHaveLength(2);
    expect(warehouse.statementsOf(1).sort()).toEqual(['SELECT 1', 'SELECT 2', 'SELECT 3']);
    await driver.close();
  });


  it('closes without failing when the warehouse has already dropped the session', async () => {
    const warehouse = new ThriftWarehouse({ sessionLifetimes: [1], respond: () => [{ ok: true }] });
    const driver = await DatabricksDriver.open(CONNECTION, { client: warehouse.client });
    await driver.execute({ sql: 'SELECT 1', params: {} });
    await driver.close();
    expect(warehouse.calls.filter((c) => c.method === 'CloseSession')).toHaveLength(1);
  });
});

describe('item 2 (and issue 11 item 9): connect does no network I/O, so an unresolvable host fails fast', () => {
  it('fails opening the engine on nonexistent.invalid within 5 s, naming the host, printing no token', async () => {
    const { logger, lines } = logLines();
    const started = Date.now();
    const error = await rejection(createDatabricksEngine({ env: { ...ENV, DATABRICKS_HOST: 'nonexistent.invalid' }, logger }));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe('ENGINE_UNAVAILABLE');
    expect((error as HubError).message).toContain('the host nonexistent.invalid does not resolve');
    expect((error as HubError).message).toContain('ENOTFOUND');
    expect((error as HubError).message).not.toContain(TOKEN);
    expect(lines.join('')).not.toContain(TOKEN);
  }, 60_000);

  it('says on stderr what it is waiting for while the warehouse is slow to open a session', async () => {
    const warehouse = new ThriftWarehouse({ delaysMs: { OpenSession: 300 } });
    const { logger, lines } = logLines();
    const driver = await DatabricksDriver.open(CONNECTION, { client: warehouse.client, logger, waitNoticeMs: 50 });
    expect(lines.filter((l) => l.includes('still waiting for the SQL warehouse adb-1.2.azuredatabricks.net/sql/1.0/warehouses/wh1 to open a session'))).toHaveLength(1);
    await driver.close();
  });

  it('turns the connector telemetry off, which is what fetched feature flags with retries inside connect()', async () => {
    const warehouse = new ThriftWarehouse();
    const driver = await DatabricksDriver.open(CONNECTION, { client: warehouse.client });
    expect(warehouse.connectOptions[0]).toMatchObject({ telemetryEnabled: false });
    await driver.close();
  });
});

describe('item 3: result values pass through the connector result conversion and come out in the hub shapes', () => {
  const { columns, values, shaped } = TYPED_SAMPLE;

  it('on Arrow results with native types, as warehouses send them', async () => {
    const warehouse = new ThriftWarehouse({ respond: () => ({ columns, rows: [values] }) });
    const driver = await DatabricksDriver.open(CONNECTION, { client: warehouse.client });
    expect(await driver.execute({ sql: 'SELECT ...', params: {} })).toEqual([shaped]);
    await driver.close();
  });

  it('on Thrift column results, where the connector leaves TIMESTAMP and DATE as text and rounds numbers', async () => {
    const warehouse = new ThriftWarehouse({ resultFormat: 'columns', respond: () => ({ columns, rows: [{ ...values, big: 42n }] }) });
    const driver = await DatabricksDriver.open(CONNECTION, { client: warehouse.client });
    // The connector made the wide DECIMAL a double: its type and scale hold, the lost digits do not come back.
    expect(await driver.execute({ sql: 'SELECT ...', params: {} })).toEqual([{ ...shaped, big: 42, wide: '12345678901234568.00' }]);
    await driver.close();
  });
});

describe('item 4: a host with a port', () => {
  it('gives the port to the connector, which builds a valid URL and connects to that port', async () => {
    const port = await closedPort();
    const error = await rejection(DatabricksDriver.open({ ...CONNECTION, host: `127.0.0.1:${port}` }, { retry: { maxAttempts: 1 } }));
    expect(error).toBeInstanceOf(HubError);
    // The request reached the port (refused), instead of failing on `https://127.0.0.1:PORT:443/...`.
    expect((error as HubError).message).not.toMatch(/Invalid URL/i);
    expect((error as HubError).message).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
    expect(connectOptions({ ...CONNECTION, host: 'h.example.com:8443' })).toMatchObject({ host: 'h.example.com', port: 8443 });
  });
});

describe('item 6: statement deadlines', () => {
  it('cancels a statement that passes the client deadline, with an error naming the statement', async () => {
    const warehouse = new ThriftWarehouse({ respond: () => ({ columns: [{ name: 'n', type: 'BIGINT' }], rows: [{ n: 1 }], running: 'forever' }) });
    const driver = await DatabricksDriver.open(CONNECTION, { client: warehouse.client, statementDeadlineMs: 300 });
    const started = Date.now();
    const error = await rejection(driver.execute({ sql: 'SELECT n FROM slow_table', params: {} }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).retryable).toBe(false);
    expect((error as EngineError).message).toContain('did not finish within 0.3 s');
    expect((error as EngineError).message).toContain('DELTALAKE_HUB_DATABRICKS_STATEMENT_DEADLINE_SECONDS');
    expect((error as EngineError).message).toContain('query: SELECT n FROM slow_table');
    // The connector closes a cancelled operation by itself: CancelOperation is the last call for it.
    expect(warehouse.calls.map((c) => c.method)).toContain('CancelOperation');
    expect(warehouse.operations[0]?.canceled).toBe(true);
    await driver.close();
  }, 10_000);

  it('sets the session STATEMENT_TIMEOUT from the settings, and says so when the warehouse stops a statement at it', async () => {
    const settings = loadSettings({}, { DELTALAKE_HUB_DATABRICKS_STATEMENT_TIMEOUT_SECONDS: '120' });
    expect(settings.databricksStatementTimeoutSeconds).toBe(120);
    expect(() => loadSettings({}, { DELTALAKE_HUB_DATABRICKS_STATEMENT_DEADLINE_SECONDS: 'soon' })).toThrow(/DELTALAKE_HUB_DATABRICKS_STATEMENT_DEADLINE_SECONDS="soon"/);
    const warehouse = new ThriftWarehouse({
      respond: () => ({ error: { message: '[QUERY_EXECUTION_TIMEOUT_EXCEEDED] Query execution was cancelled due to exceeding the timeout (120s).', sqlState: '57KD0' } }),
    });
    const engine = await createDatabricksEngine({
      env: ENV,
      client: warehouse.client,
      statementTimeoutSeconds: settings.databricksStatementTimeoutSeconds,
      statementDeadlineSeconds: settings.databricksStatementDeadlineSeconds,
    });
    expect(warehouse.sessions[0]?.configuration).toEqual({ STATEMENT_TIMEOUT: '120', TIMEZONE: 'UTC' });
    const error = await rejection(engine.run(sql`COPY INTO ${sql.id('main', 'bronze', 't')} FROM '/Volumes/x'`));
    expect((error as EngineError).message).toContain("the warehouse stopped it at the session's STATEMENT_TIMEOUT of 120 s (DELTALAKE_HUB_DATABRICKS_STATEMENT_TIMEOUT_SECONDS)");
    expect((error as EngineError).message).toContain('query: COPY INTO `main`.`bronze`.`t`');
    expect((error as EngineError).retryable).toBe(false);
    await engine.close();
  });
});

describe('item 7: large reads', () => {
  it('reads a result page by page with fetchChunk, never gathering it with fetchAll', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({ path: `/Volumes/raw/f${i}.csv`, size: BigInt(i) }));
    const warehouse = new ThriftWarehouse({ pageRows: 10, respond: () => rows });
    const driver = await DatabricksDriver.open(CONNECTION, { client: warehouse.client, fetchRows: 10 });
    const fetchAll = vi.spyOn(DBSQLOperation.prototype, 'fetchAll');
    try {
      const result = await driver.execute({ sql: "LIST '/Volumes/raw'", params: {} });
      expect(result).toEqual(rows.map((r) => ({ path: r.path, size: Number(r.size) })));
      const fetches = warehouse.calls.filter((c) => c.method === 'FetchResults').map((c) => (c.request['maxRows'] as { toNumber(): number }).toNumber());
      expect(fetches).toEqual([10, 10, 10]);
      expect(fetchAll).not.toHaveBeenCalled();
    } finally {
      fetchAll.mockRestore();
      await driver.close();
    }
  });
});

describe('item 8: OAuth follows the connector per host family', () => {
  const oauth = (host: string): DatabricksConnection => ({ host, path: '/sql/1.0/warehouses/wh1', auth: { kind: 'oauth-m2m', clientId: 'sp-id', clientSecret: 'sp-secret-0123456789' } });
  /** The OAuth manager the real connector picks for the options the driver gives it (connect() does no network I/O). */
  async function managerFor(host: string, azureTenantId?: string): Promise<{ kind: string; discovery: string }> {
    const client = new DBSQLClient({ logger: { log: () => undefined } });
    await client.connect(connectOptions(oauth(host), { azureTenantId }));
    try {
      const provider = (client as unknown as { authProvider: { getManager(): { getOIDCConfigUrl(): string } } }).authProvider;
      const manager = provider.getManager();
      const kind = manager instanceof DatabricksOAuthManager ? 'Databricks OAuth' : manager instanceof AzureOAuthManager ? 'Microsoft Entra ID' : 'other';
      return { kind, discovery: manager.getOIDCConfigUrl() };
    } catch (error) {
      return { kind: error instanceof connectorErrors.AuthenticationError ? `refused: ${(error as Error).message}` : String(error), discovery: '' };
    } finally {
      await client.close();
    }
  }

  it('uses Databricks OAuth on AWS, GCP, Azure and Azure China, and the connector\'s Entra ID flow on Azure Government', async () => {
    expect({
      aws: await managerFor('dbc-1a2b.cloud.databricks.com'),
      gcp: await managerFor('1234567890.1.gcp.databricks.com'),
      azure: await managerFor('adb-1.2.azuredatabricks.net'),
      azureChina: await managerFor('adb-1.2.databricks.azure.cn'),
      azureGovernment: await managerFor('adb-1.2.databricks.azure.us', 'tenant-gov-1'),
      azureWithPort: await managerFor('adb-1.2.azuredatabricks.net:8443'),
    }).toEqual({
      aws: { kind: 'Databricks OAuth', discovery: 'https://dbc-1a2b.cloud.databricks.com/oidc/.well-known/oauth-authorization-server' },
      gcp: { kind: 'Databricks OAuth', discovery: 'https://1234567890.1.gcp.databricks.com/oidc/.well-known/oauth-authorization-server' },
      azure: { kind: 'Databricks OAuth', discovery: 'https://adb-1.2.azuredatabricks.net/oidc/.well-known/oauth-authorization-server' },
      azureChina: { kind: 'Databricks OAuth', discovery: 'https://adb-1.2.databricks.azure.cn/oidc/.well-known/oauth-authorization-server' },
      azureGovernment: { kind: 'Microsoft Entra ID', discovery: 'https://login.microsoftonline.com/tenant-gov-1/v2.0/.well-known/openid-configuration' },
      azureWithPort: { kind: 'Databricks OAuth', discovery: 'https://adb-1.2.azuredatabricks.net/oidc/.well-known/oauth-authorization-server' },
    });
  });

  it('reads the Entra tenant from ARM_TENANT_ID, as unified auth names it', async () => {
    const warehouse = new ThriftWarehouse();
    const env = { ...ENV, DATABRICKS_HOST: 'adb-1.2.databricks.azure.us', DATABRICKS_TOKEN: '', DATABRICKS_CLIENT_ID: 'app-id', DATABRICKS_CLIENT_SECRET: 'app-secret-0123456789', ARM_TENANT_ID: 'tenant-gov-1' };
    // The session cannot open offline (OAuth needs the network); what matters is what the connector was given.
    await createDatabricksEngine({ env, client: warehouse.client, retry: { maxAttempts: 1 } }).catch(() => undefined);
    expect(warehouse.connectOptions[0]).toMatchObject({ authType: 'databricks-oauth', oauthClientId: 'app-id', azureTenantId: 'tenant-gov-1' });
    expect(warehouse.connectOptions[0]).not.toHaveProperty('useDatabricksOAuthInAzure');
  });
});

describe('item 10: a staging PUT reaches the connector with its allowed local path', () => {
  let dir: string;
  let cert: string;
  let server: Server;
  let port: number;
  const uploads: { url: string; body: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dlh-staging-'));
    // A self-signed certificate for the receiver; the test trusts it through the connector's customCaCert.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        uploads.push({ url: `${request.method} ${request.url}`, body: Buffer.concat(chunks).toString() });
        response.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function stagingWarehouse(localFile: string): { warehouse: ThriftWarehouse; client: DatabricksClientFactory } {
    const warehouse = new ThriftWarehouse({
      respond: () => ({
        staging: true,
        columns: [
          { name: 'operation', type: 'STRING' },
          { name: 'localFile', type: 'STRING' },
          { name: 'presignedUrl', type: 'STRING' },
        ],
        rows: [{ operation: 'PUT', localFile, presignedUrl: `https://127.0.0.1:${port}/volumes/landing/file.csv?sig=1` }],
      }),
    });
    const client: DatabricksClientFactory = (logger) => {
      const made = warehouse.client(logger);
      const connect = made.connect.bind(made);
      return Object.assign(made, { connect: (options: Parameters<typeof connect>[0]) => connect({ ...options, customCaCert: cert }) });
    };
    return { warehouse, client };
  }

  it('uploads the file when the statement names an allowed local path', async () => {
    const file = join(dir, 'file.csv');
    writeFileSync(file, 'id,amount\n1,10\n');
    const { client } = stagingWarehouse(file);
    const engine = await createDatabricksEngine({ env: ENV, client });
    uploads.length = 0;
    await engine.run(sql`PUT ${sql.literal(file)} INTO '/Volumes/main/raw/landing/file.csv' OVERWRITE`, { stagingAllowedLocalPath: dir });
    expect(uploads).toEqual([{ url: 'PUT /volumes/landing/file.csv?sig=1', body: 'id,amount\n1,10\n' }]);
    await engine.close();
  });

  it('refuses, with the connector\'s StagingError, a file outside the allowed path', async () => {
    const { client } = stagingWarehouse('/etc/passwd');
    const engine = await createDatabricksEngine({ env: ENV, client });
    uploads.length = 0;
    const error = await rejection(engine.run(sql`PUT '/etc/passwd' INTO '/Volumes/main/raw/landing/x'`, { stagingAllowedLocalPath: dir }));
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).cause).toBeInstanceOf(connectorErrors.StagingError);
    expect((error as EngineError).message).toContain('Staging path not a subset of allowed local paths');
    expect(uploads).toEqual([]);
    await engine.close();
  });
});

import { DBSQLClient, DBSQLParameter, DBSQLParameterType } from '@databricks/sql';
import type { Logger } from 'pino';
import { EngineError, HubError } from '../../errors.js';
import { scrubSecrets } from '../../logger.js';
import { defaultRetryPolicy, type Driver, type RetryPolicy, type Row } from '../engine.js';
import { normalizeRow } from '../rows.js';
import type { CompiledStatement, SqlValue } from '../sql.js';
import { describeConnection, type DatabricksConnection } from './databricks-auth.js';

type ConnectOptions = Parameters<DBSQLClient['connect']>[0];
type OpenSessionRequest = NonNullable<Parameters<DBSQLClient['openSession']>[0]>;
type NamedParameters = Record<string, DBSQLParameter | null>;
type ConnectorLogLevel = 'error' | 'warn' | 'info' | 'debug';

/** The few methods of the connector's operation that the driver calls. */
export interface DatabricksOperation {
  fetchAll(): Promise<object[]>;
  close(): Promise<unknown>;
}

export interface DatabricksSession {
  executeStatement(statement: string, options: { namedParameters?: NamedParameters; runAsync?: boolean }): Promise<DatabricksOperation>;
  close(): Promise<unknown>;
}

/** The slice of `DBSQLClient` the driver uses, so tests can pass a client of the same shape. */
export interface DatabricksClient {
  connect(options: ConnectOptions): Promise<unknown>;
  openSession(request?: OpenSessionRequest): Promise<DatabricksSession>;
  close(): Promise<void>;
}

/** The connector's logger contract (IDBSQLLogger), which is not exported by name. */
export interface ConnectorLogger {
  log(level: ConnectorLogLevel, message: string): void;
}

export type DatabricksClientFactory = (logger: ConnectorLogger) => DatabricksClient;

export interface DatabricksDriverOptions {
  readonly logger?: Logger | undefined;
  /** Builds the connector client; defaults to `new DBSQLClient({ logger })`. */
  readonly client?: DatabricksClientFactory | undefined;
  /** Backoff for opening the session, which the connector itself does not retry. */
  readonly retry?: Partial<RetryPolicy> | undefined;
}

/** HTTP statuses that mean "try again later": throttled, or a gateway or warehouse not ready. */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'EAI_AGAIN']);
/** Connection-level failures that carry no errno, as node-fetch and the connector word them. */
const RETRYABLE_MESSAGE = /socket hang up|premature close|ECONNRESET|ETIMEDOUT|EPIPE/i;
/** The connector's own retry budget ran out on a transient status (RetryError, or its HiveDriverError rewording). */
const CONNECTOR_RETRY_EXHAUSTED = /when connecting to resource\. (Max retry count|Retry timeout) exceeded/i;
const CONNECTOR_RETRY_CODES = new Set(['ATTEMPTS_EXCEEDED', 'TIMEOUT_EXCEEDED']);
/** Delta optimistic-concurrency conflicts: the losing commit wrote nothing, so an idempotent statement may run again. */
const DELTA_CONFLICT = /DELTA_CONCURRENT_|Concurrent(Append|DeleteRead|DeleteDelete|Transaction)Exception|ConcurrentModificationException/;

/** Runs statements on a Databricks SQL warehouse through `@databricks/sql`, one session per engine. */
export class DatabricksDriver implements Driver {
  private readonly client: DatabricksClient;
  private readonly session: DatabricksSession;
  private readonly logger: Logger | undefined;

  private constructor(client: DatabricksClient, session: DatabricksSession, logger: Logger | undefined) {
    this.client = client;
    this.session = session;
    this.logger = logger;
  }

  static async open(connection: DatabricksConnection, options: DatabricksDriverOptions = {}): Promise<DatabricksDriver> {
    const connectorLogger = toConnectorLogger(options.logger);
    const client = (options.client ?? defaultClient)(connectorLogger);
    const policy = { ...defaultRetryPolicy, ...options.retry };
    const request: OpenSessionRequest = {};
    if (connection.catalog) request.initialCatalog = connection.catalog;
    if (connection.schema) request.initialSchema = connection.schema;
    const unavailable = async (cause: unknown): Promise<never> => {
      await client.close().catch(() => undefined);
      throw new HubError(
        'ENGINE_UNAVAILABLE',
        `cannot open a session on Databricks SQL warehouse ${describeConnection(connection)}: ${scrubSecrets(messageOf(cause))}; ` +
          'check DATABRICKS_HOST, the warehouse id or HTTP path, and that the credentials are valid and may use the warehouse',
        { cause },
      );
    };
    try {
      // connect() only prepares the transport and authentication; the first request is OpenSession.
      await client.connect(connectOptions(connection));
    } catch (cause) {
      return unavailable(cause);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const session = await client.openSession(request);
        return new DatabricksDriver(client, session, options.logger);
      } catch (cause) {
        if (!isRetryableError(cause) || attempt >= policy.maxAttempts) return unavailable(cause);
        // A stopped warehouse may answer 503 while it starts, and the connector does not retry OpenSession.
        const delay = Math.round((policy.random ?? Math.random)() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
        options.logger?.warn({ engine: 'databricks', attempt, delayMs: delay, error: messageOf(cause) }, 'cannot open a session yet, retrying');
        await (policy.sleep ?? sleep)(delay);
      }
    }
  }

  async execute(statement: CompiledStatement): Promise<Row[]> {
    try {
      const operation = await this.session.executeStatement(statement.sql, { namedParameters: namedParameters(statement.params), runAsync: true });
      try {
        const rows = await operation.fetchAll();
        return rows.map((row) => normalizeRow(row as Row));
      } finally {
        // Closing frees server-side results; a failure here must not hide the statement's outcome.
        await operation.close().catch((error: unknown) => this.logger?.debug({ engine: 'databricks', error: messageOf(error) }, 'closing an operation failed'));
      }
    } catch (cause) {
      throw new EngineError({
        engine: 'databricks',
        statement: statement.sql,
        params: statement.params,
        cause,
        retryable: this.isRetryable(cause),
        message: `Failed query on databricks: ${scrubSecrets(describeError(cause))}\nquery: ${statement.sql}`,
      });
    }
  }

  isRetryable(error: unknown): boolean {
    return isRetryableError(error);
  }

  async close(): Promise<void> {
    try {
      await this.session.close();
    } finally {
      await this.client.close();
    }
  }
}

/**
 * Transient failures only: throttling and unavailable gateways (HTTP 429/502/503/504, seen as
 * `statusCode` on the connector's THTTPException), dropped connections, the connector's own
 * exhausted retries, and Delta commit conflicts. Follows `cause` and RetryError's `payload`.
 */
export function isRetryableError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const e = error as Record<string, unknown>;
  const status = httpStatus(e);
  if (status !== undefined && RETRYABLE_STATUS.has(status)) return true;
  if (typeof e['code'] === 'string' && RETRYABLE_CODES.has(e['code'])) return true;
  // node-fetch's FetchError: a system error, or the response body timed out.
  if (e['type'] === 'body-timeout') return true;
  if (typeof e['errorCode'] === 'string' && CONNECTOR_RETRY_CODES.has(e['errorCode'])) return true;
  const kernel = e['kernelMetadata'];
  if (typeof kernel === 'object' && kernel !== null && (kernel as Record<string, unknown>)['retryable'] === true) return true;
  const message = typeof e['message'] === 'string' ? e['message'] : '';
  if (RETRYABLE_MESSAGE.test(message) || CONNECTOR_RETRY_EXHAUSTED.test(message) || DELTA_CONFLICT.test(message)) return true;
  return isRetryableError(e['cause'], depth + 1) || isRetryableError(e['payload'], depth + 1);
}

/** The HTTP status a connector error carries: THTTPException.statusCode, a fetch Response, or the kernel's httpStatus. */
function httpStatus(e: Record<string, unknown>): number | undefined {
  for (const value of [e['statusCode'], e['status'], nested(e['response'], 'status'), nested(e['kernelMetadata'], 'httpStatus')]) {
    if (typeof value === 'number') return value;
  }
  const match = typeof e['message'] === 'string' ? /bad HTTP status code: (\d{3})|Hive driver: (\d{3}) when connecting/.exec(e['message']) : null;
  const text = match?.[1] ?? match?.[2];
  return text === undefined ? undefined : Number(text);
}

function nested(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** Every value typed explicitly, so a whole number is a BIGINT whatever its size and a Date a TIMESTAMP. */
export function namedParameters(params: Record<string, SqlValue>): NamedParameters {
  const out: NamedParameters = {};
  for (const [name, value] of Object.entries(params)) out[name] = toParameter(value);
  return out;
}

function toParameter(value: SqlValue): DBSQLParameter | null {
  if (value === null) return null;
  if (value instanceof Date) return new DBSQLParameter({ type: DBSQLParameterType.TIMESTAMP, value });
  if (typeof value === 'bigint') return new DBSQLParameter({ type: DBSQLParameterType.BIGINT, value });
  if (typeof value === 'number') return new DBSQLParameter({ type: Number.isInteger(value) ? DBSQLParameterType.BIGINT : DBSQLParameterType.DOUBLE, value });
  if (typeof value === 'boolean') return new DBSQLParameter({ type: DBSQLParameterType.BOOLEAN, value });
  return new DBSQLParameter({ type: DBSQLParameterType.STRING, value });
}

function connectOptions(connection: DatabricksConnection): ConnectOptions {
  const base = {
    host: connection.host,
    path: connection.path,
    // BIGINT as bigint (normalizeRow turns safe ones into numbers) instead of a silently rounded double.
    preserveBigNumericPrecision: true,
    userAgentEntry: 'deltalake-hub',
  };
  if (connection.auth.kind === 'pat') return { ...base, token: connection.auth.token };
  return {
    ...base,
    authType: 'databricks-oauth',
    oauthClientId: connection.auth.clientId,
    oauthClientSecret: connection.auth.clientSecret,
    // Unified auth's client id/secret are Databricks OAuth secrets, also on Azure (not Entra ID apps).
    useDatabricksOAuthInAzure: true,
  };
}

function defaultClient(logger: ConnectorLogger): DatabricksClient {
  return new DBSQLClient({ logger });
}

/** The connector logs to stdout by default, which would corrupt `--json` output; route it to our logger instead. */
function toConnectorLogger(logger: Logger | undefined): ConnectorLogger {
  const child = logger?.child({ engine: 'databricks', source: 'connector' });
  return {
    log(level, message) {
      if (!child) return;
      if (level === 'error' || level === 'warn') child.warn(message);
      else child.debug(message);
    },
  };
}

function describeError(cause: unknown): string {
  const message = messageOf(cause);
  const status = typeof cause === 'object' && cause !== null ? httpStatus(cause as Record<string, unknown>) : undefined;
  return status !== undefined && !message.includes(String(status)) ? `${message} (HTTP ${status})` : message;
}

function messageOf(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  // The connector's StatusError is not an Error subclass but has a message.
  const message = nested(cause, 'message');
  return typeof message === 'string' && message ? message : String(cause);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

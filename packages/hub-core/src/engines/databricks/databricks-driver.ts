import { DBSQLClient, DBSQLParameter, DBSQLParameterType, TApplicationException, type DBSQLSession } from '@databricks/sql';
import type { Logger } from 'pino';
import { EngineError, HubError } from '../../errors.js';
import { scrubSecrets } from '../../logger.js';
import { defaultRetryPolicy, type Driver, type ExecuteOptions, type RetryPolicy, type Row } from '../engine.js';
import { hiveColumnShapes, normalizeRow, type HiveTableSchema } from '../rows.js';
import type { CompiledStatement, SqlValue } from '../sql.js';
import { describeConnection, type DatabricksConnection } from './databricks-auth.js';

type ConnectOptions = Parameters<DBSQLClient['connect']>[0];
type OpenSessionRequest = NonNullable<Parameters<DBSQLClient['openSession']>[0]>;
type ExecuteStatementOptions = NonNullable<Parameters<DBSQLSession['executeStatement']>[1]>;
type NamedParameters = Record<string, DBSQLParameter>;
type ConnectorLogLevel = 'error' | 'warn' | 'info' | 'debug';

/** The methods of the connector's operation (`IOperation`) that the driver calls. */
export interface DatabricksOperation {
  /** Polls until the statement ends; throws its error (`OperationStateError`). */
  finished(): Promise<void>;
  /** The result's columns, or null when the statement has no result set. */
  getSchema(): Promise<HiveTableSchema | null>;
  fetchChunk(options?: { maxRows?: number; disableBuffering?: boolean }): Promise<object[]>;
  hasMoreRows(): Promise<boolean>;
  cancel(): Promise<unknown>;
  close(): Promise<unknown>;
}

export interface DatabricksSession {
  executeStatement(statement: string, options: ExecuteStatementOptions): Promise<DatabricksOperation>;
  close(): Promise<unknown>;
}

/** The slice of `DBSQLClient` the driver uses. */
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
  /** The session's `STATEMENT_TIMEOUT`: the warehouse stops a statement that runs longer (0 keeps the warehouse's own, up to 2 days). */
  readonly statementTimeoutSeconds?: number | undefined;
  /** The hub's own deadline per statement, from submission to the last row (it also counts queueing); then the operation is cancelled. 0: none. */
  readonly statementDeadlineMs?: number | undefined;
  /** Rows asked for per FetchResults call (default: the connector's 100 000). */
  readonly fetchRows?: number | undefined;
  /** Microsoft Entra tenant, for hosts where the connector authenticates OAuth through Entra ID (Azure Government). */
  readonly azureTenantId?: string | undefined;
  /** How long OpenSession may take before the driver says on stderr what it is waiting for. */
  readonly waitNoticeMs?: number | undefined;
}

export const DEFAULT_STATEMENT_TIMEOUT_SECONDS = 3600;
/** STATEMENT_TIMEOUT does not count time queued for the warehouse; the client deadline leaves room for it. */
export const DEADLINE_MARGIN_SECONDS = 600;
const DEFAULT_FETCH_ROWS = 100_000;

/**
 * HTTP statuses worth another attempt, as the connector's own `HttpRetryPolicy.isRetryable`
 * decides: throttling and every 5xx except 501 Not Implemented.
 */
function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status !== 501);
}
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** Connection-level failures that carry no errno, as node-fetch and the connector word them. */
const RETRYABLE_MESSAGE = /socket hang up|premature close/i;
/** The connector's own retry budget ran out on a transient failure (`BaseCommand` rewords its RetryError so). */
const CONNECTOR_RETRY_EXHAUSTED = /when connecting to resource\. (Max retry count|Retry timeout) exceeded/i;
const CONNECTOR_RETRY_CODES = new Set(['ATTEMPTS_EXCEEDED', 'TIMEOUT_EXCEEDED']);
/** `OperationStateError.errorCode`: the warehouse ran the statement and reported how it ended. */
const OPERATION_STATES = new Set(['CANCELED', 'CLOSED', 'ERROR', 'TIMEOUT', 'UNKNOWN']);
/** Delta optimistic-concurrency conflicts: the losing commit wrote nothing, so an idempotent statement may run again. */
const DELTA_CONFLICT = /DELTA_CONCURRENT_|DELTA_METADATA_CHANGED|DELTA_PROTOCOL_CHANGED|Concurrent(Append|DeleteRead|DeleteDelete|Transaction|Write)Exception|MetadataChangedException|ProtocolChangedException/;
/** Delta's SQLSTATE for those conflicts (delta-error-classes.json), which also covers one class that is not a conflict. */
const DELTA_CONFLICT_STATE = '2D521';
/** The warehouse dropped the session (idle expiry, restart), or the connector knows it is closed. */
const INVALID_SESSION = /Invalid SessionHandle|session was closed or has expired|Session \S+ (is closed|has expired|does not exist)/i;
const STATEMENT_TIMEOUT_EXCEEDED = /QUERY_EXECUTION_TIMEOUT_EXCEEDED|STATEMENT_TIMEOUT/;

/** The hub's deadline for one statement passed; the operation was cancelled. */
export class StatementDeadlineError extends Error {
  readonly deadlineMs: number;
  constructor(deadlineMs: number) {
    super(
      `the statement did not finish within ${seconds(deadlineMs)} s, the hub's deadline per statement ` +
        '(DELTALAKE_HUB_DATABRICKS_STATEMENT_DEADLINE_SECONDS); it was cancelled on the warehouse',
    );
    this.name = 'StatementDeadlineError';
    this.deadlineMs = deadlineMs;
  }
}

/**
 * Runs statements on a Databricks SQL warehouse through `@databricks/sql`, on one session that
 * is reopened when the warehouse drops it. Statements may run concurrently on it.
 */
export class DatabricksDriver implements Driver {
  private readonly client: DatabricksClient;
  private readonly connection: DatabricksConnection;
  private readonly options: DatabricksDriverOptions;
  private readonly logger: Logger | undefined;
  private session: DatabricksSession | null = null;
  private opening: Promise<DatabricksSession> | null = null;

  private constructor(client: DatabricksClient, connection: DatabricksConnection, options: DatabricksDriverOptions) {
    this.client = client;
    this.connection = connection;
    this.options = options;
    this.logger = options.logger;
  }

  static async open(connection: DatabricksConnection, options: DatabricksDriverOptions = {}): Promise<DatabricksDriver> {
    const client = (options.client ?? defaultClient)(toConnectorLogger(options.logger));
    const driver = new DatabricksDriver(client, connection, options);
    try {
      // With telemetry off, connect() does no network I/O: OpenSession is the first request and gives the real error.
      await client.connect(connectOptions(connection, options));
    } catch (cause) {
      await client.close().catch(() => undefined);
      throw driver.unavailable(cause);
    }
    try {
      driver.session = await driver.openSession();
    } catch (cause) {
      await client.close().catch(() => undefined);
      throw cause;
    }
    return driver;
  }

  /** A client and session of their own, on the same warehouse. */
  openSibling(): Promise<DatabricksDriver> {
    return DatabricksDriver.open(this.connection, this.options);
  }

  async execute(statement: CompiledStatement, options: ExecuteOptions = {}): Promise<Row[]> {
    const deadline = new Deadline(this.options.statementDeadlineMs ?? 0);
    try {
      return await this.run(statement, options, deadline);
    } catch (cause) {
      throw new EngineError({
        engine: 'databricks',
        statement: statement.sql,
        params: statement.params,
        cause,
        retryable: this.isRetryable(cause),
        message: `Failed query on databricks: ${scrubSecrets(this.describe(cause))}\nquery: ${statement.sql}`,
      });
    } finally {
      deadline.clear();
    }
  }

  isRetryable(error: unknown): boolean {
    return isRetryableError(error);
  }

  /** Best effort: a session the warehouse already dropped cannot be closed, and the outcome of the run stands either way. */
  async close(): Promise<void> {
    const session = this.session ?? (await this.opening?.catch(() => null));
    this.session = null;
    await session?.close().catch((error: unknown) => this.logger?.debug({ engine: 'databricks', error: messageOf(error) }, 'closing the session failed'));
    await this.client.close().catch((error: unknown) => this.logger?.debug({ engine: 'databricks', error: messageOf(error) }, 'closing the connector client failed'));
  }

  private async run(statement: CompiledStatement, options: ExecuteOptions, deadline: Deadline): Promise<Row[]> {
    const request: ExecuteStatementOptions = { namedParameters: namedParameters(statement), runAsync: true };
    if (options.stagingAllowedLocalPath !== undefined) {
      const paths = options.stagingAllowedLocalPath;
      request.stagingAllowedLocalPath = typeof paths === 'string' ? paths : [...paths];
    }
    let session = await this.currentSession();
    let operation: DatabricksOperation;
    try {
      operation = await deadline.race(session.executeStatement(statement.sql, request), closeLate);
    } catch (cause) {
      if (!isInvalidSession(cause)) throw cause;
      // The warehouse refused the statement before running it, so running it on a new session is safe.
      this.logger?.warn({ engine: 'databricks', error: messageOf(cause) }, 'the warehouse ended the session; opening a new one and running the statement again');
      session = await this.reopen(session);
      operation = await deadline.race(session.executeStatement(statement.sql, request), closeLate);
    }
    try {
      return await deadline.race(this.rows(operation));
    } catch (cause) {
      if (cause instanceof StatementDeadlineError) {
        await operation.cancel().catch((error: unknown) => this.logger?.warn({ engine: 'databricks', error: messageOf(error) }, 'cancelling a statement past its deadline failed'));
      }
      // The statement may have run: it is not run again here, but the next one gets a new session.
      if (isInvalidSession(cause)) this.forget(session);
      throw cause;
    } finally {
      // Closing frees server-side results; a failure here must not hide the statement's outcome.
      await operation.close().catch((error: unknown) => this.logger?.debug({ engine: 'databricks', error: messageOf(error) }, 'closing an operation failed'));
    }
  }

  /** Waits for the statement, then reads its result chunk by chunk, normalising each chunk once. */
  private async rows(operation: DatabricksOperation): Promise<Row[]> {
    // A statement without a result set (DDL, DML) fails here, not silently: fetchChunk would return [] unpolled.
    await operation.finished();
    const schema = await operation.getSchema();
    if (!schema) return [];
    const columns = hiveColumnShapes(schema);
    const rows: Row[] = [];
    const maxRows = this.options.fetchRows ?? DEFAULT_FETCH_ROWS;
    do {
      const chunk = await operation.fetchChunk({ maxRows, disableBuffering: true });
      for (const row of chunk) rows.push(normalizeRow(row as Row, columns));
    } while (await operation.hasMoreRows());
    return rows;
  }

  private currentSession(): Promise<DatabricksSession> {
    if (this.session) return Promise.resolve(this.session);
    this.opening ??= this.openSession().then(
      (session) => {
        this.session = session;
        this.opening = null;
        return session;
      },
      (error: unknown) => {
        this.opening = null;
        throw error;
      },
    );
    return this.opening;
  }

  /** A new session in place of `stale`, opened once however many statements found `stale` dropped. */
  private reopen(stale: DatabricksSession): Promise<DatabricksSession> {
    this.forget(stale);
    return this.currentSession();
  }

  private forget(stale: DatabricksSession): void {
    if (this.session !== stale) return;
    this.session = null;
    // Takes it out of the client's sessions (its CloseSession fails: the warehouse already dropped it), so closing the client later does not fail on it.
    stale.close().catch(() => undefined);
  }

  /** OpenSession, retried while the warehouse is starting (the connector does not retry it). */
  private async openSession(): Promise<DatabricksSession> {
    const policy = { ...defaultRetryPolicy, ...this.options.retry };
    const request: OpenSessionRequest = { configuration: sessionConfiguration(this.options) };
    if (this.connection.catalog) request.initialCatalog = this.connection.catalog;
    if (this.connection.schema) request.initialSchema = this.connection.schema;
    const warehouse = `${this.connection.host}${this.connection.path}`;
    for (let attempt = 1; ; attempt++) {
      const notice = setTimeout(
        () => this.logger?.warn({ engine: 'databricks', warehouse }, `still waiting for the SQL warehouse ${warehouse} to open a session (a stopped warehouse starts on demand)`),
        this.options.waitNoticeMs ?? 5_000,
      );
      try {
        return await this.client.openSession(request);
      } catch (cause) {
        if (!isRetryableError(cause) || attempt >= policy.maxAttempts) throw this.unavailable(cause);
        const delay = Math.round((policy.random ?? Math.random)() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
        this.logger?.warn({ engine: 'databricks', warehouse, attempt, delayMs: delay, error: scrubSecrets(messageOf(cause)) }, `the SQL warehouse ${warehouse} cannot open a session yet, retrying`);
        await (policy.sleep ?? sleep)(delay);
      } finally {
        clearTimeout(notice);
      }
    }
  }

  private unavailable(cause: unknown): HubError {
    const host = this.connection.host;
    const unresolved = hasCode(cause, 'ENOTFOUND') ? `the host ${host} does not resolve (DNS); ` : '';
    return new HubError(
      'ENGINE_UNAVAILABLE',
      `cannot open a session on Databricks SQL warehouse ${describeConnection(this.connection)}: ${unresolved}${scrubSecrets(messageOf(cause))}; ` +
        'check DATABRICKS_HOST, the warehouse id or HTTP path, and that the credentials are valid and may use the warehouse',
      { cause },
    );
  }

  /** The failure in one line: the warehouse's message, its SQLSTATE, the HTTP status, and which timeout ended it. */
  private describe(cause: unknown): string {
    let text = messageOf(cause);
    const e = typeof cause === 'object' && cause !== null ? (cause as Record<string, unknown>) : {};
    const response = nested(e, 'response');
    const status = httpStatus(e);
    if (status !== undefined && !text.includes(String(status))) text += ` (HTTP ${status})`;
    const sqlState = nested(response, 'sqlState');
    if (typeof sqlState === 'string' && sqlState && !text.includes(sqlState)) text += ` (SQLSTATE ${sqlState})`;
    const timeout = this.options.statementTimeoutSeconds ?? DEFAULT_STATEMENT_TIMEOUT_SECONDS;
    if (e['errorCode'] === 'TIMEOUT' || STATEMENT_TIMEOUT_EXCEEDED.test(statementTexts(e).join('\n'))) {
      text += `; the warehouse stopped it at the session's STATEMENT_TIMEOUT${timeout > 0 ? ` of ${timeout} s` : ''} (DELTALAKE_HUB_DATABRICKS_STATEMENT_TIMEOUT_SECONDS)`;
    }
    return text;
  }
}

/**
 * Transient failures only, from the fields the connector sets: throttling and server errors
 * (HTTP 429 and 5xx but 501, as THTTPException.statusCode, RetryError's response, or the
 * connector's "Max retry count exceeded" rewording), a request timeout, dropped connections, a
 * session the warehouse dropped, and Delta commit conflicts (in the operation's display or error
 * message, or its SQLSTATE). Any other error the warehouse reports for a statement is permanent.
 */
export function isRetryableError(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const e = error as Record<string, unknown>;
  if (isInvalidSession(error)) return true;
  if (isStatementFailure(e)) return isDeltaConflict(e);
  const status = httpStatus(e);
  if (status !== undefined) return isRetryableStatus(status);
  // ThriftHttpConnection turns node-fetch's request-timeout into this TApplicationException.
  if (error instanceof TApplicationException && e['message'] === 'Request timed out') return true;
  if (typeof e['code'] === 'string' && RETRYABLE_CODES.has(e['code'])) return true;
  if (e['type'] === 'body-timeout') return true;
  if (typeof e['errorCode'] === 'string' && CONNECTOR_RETRY_CODES.has(e['errorCode'])) return true;
  if (nested(e['kernelMetadata'], 'retryable') === true) return true;
  const message = typeof e['message'] === 'string' ? e['message'] : '';
  if (RETRYABLE_MESSAGE.test(message) || CONNECTOR_RETRY_EXHAUSTED.test(message)) return true;
  return isRetryableError(e['cause'], depth + 1) || isRetryableError(e['payload'], depth + 1);
}

export function isInvalidSession(error: unknown): boolean {
  return INVALID_SESSION.test(messageOf(error));
}

/** An OperationStateError (the statement ran and ended badly) or a StatusError (the warehouse answered the request with an error status). */
function isStatementFailure(e: Record<string, unknown>): boolean {
  return (typeof e['errorCode'] === 'string' && OPERATION_STATES.has(e['errorCode'])) || e['name'] === 'Status Error';
}

function isDeltaConflict(e: Record<string, unknown>): boolean {
  const texts = statementTexts(e).join('\n');
  if (DELTA_CONFLICT.test(texts)) return true;
  return nested(e['response'], 'sqlState') === DELTA_CONFLICT_STATE && !/DELTA_DELETION_VECTOR/.test(texts);
}

/** Every message the connector keeps for a statement: its own, and the operation status's display and error messages. */
function statementTexts(e: Record<string, unknown>): string[] {
  const response = e['response'];
  return [e['message'], nested(response, 'displayMessage'), nested(response, 'errorMessage')].filter((t): t is string => typeof t === 'string');
}

/** The HTTP status a connector error carries: THTTPException.statusCode, a fetch Response, the kernel's httpStatus, or the reworded RetryError. */
function httpStatus(e: Record<string, unknown>): number | undefined {
  for (const value of [e['statusCode'], e['status'], nested(e['response'], 'status'), nested(nested(e['payload'], 'response'), 'status'), nested(e['kernelMetadata'], 'httpStatus')]) {
    if (typeof value === 'number') return value;
  }
  const match = typeof e['message'] === 'string' ? /bad HTTP status code: (\d{3})|Hive driver: (\d{3}) when connecting/.exec(e['message']) : null;
  const text = match?.[1] ?? match?.[2];
  return text === undefined ? undefined : Number(text);
}

function nested(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function hasCode(error: unknown, code: string, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  return nested(error, 'code') === code || hasCode(nested(error, 'cause'), code, depth + 1);
}

/** `CAST(:p AS DATE)`, also around the dialect's `CAST(:p AS TIMESTAMP)`: markers whose value is a calendar day. */
const DATE_CAST = /CAST\(\s*(?:CAST\(\s*)?:(\w+)(?:\s+AS\s+TIMESTAMP\s*\))?\s+AS\s+DATE\s*\)/gi;

/**
 * Every value typed explicitly: a whole number is a BIGINT whatever its size, a Date a TIMESTAMP
 * (an instant, ISO text in UTC), and a value the statement casts to DATE a DATE of its UTC
 * calendar day, so the day never depends on a time zone. NULL is VOID: the connector sends a
 * NULL with neither type nor value whatever its type (`DBSQLParameter.toSparkParameter`), and
 * the warehouse casts it to the column's type.
 */
export function namedParameters(statement: CompiledStatement): NamedParameters {
  const dates = new Set([...statement.sql.matchAll(DATE_CAST)].map((m) => m[1]));
  const out: NamedParameters = {};
  for (const [name, value] of Object.entries(statement.params)) out[name] = toParameter(value, dates.has(name));
  return out;
}

function toParameter(value: SqlValue, isDate: boolean): DBSQLParameter {
  if (value === null) return new DBSQLParameter({ type: DBSQLParameterType.VOID, value: null });
  if (isDate && value instanceof Date) return new DBSQLParameter({ type: DBSQLParameterType.DATE, value: value.toISOString().slice(0, 10) });
  if (isDate && typeof value === 'string') return new DBSQLParameter({ type: DBSQLParameterType.DATE, value });
  if (value instanceof Date) return new DBSQLParameter({ type: DBSQLParameterType.TIMESTAMP, value });
  if (typeof value === 'bigint') return new DBSQLParameter({ type: DBSQLParameterType.BIGINT, value });
  if (typeof value === 'number') return new DBSQLParameter({ type: Number.isInteger(value) ? DBSQLParameterType.BIGINT : DBSQLParameterType.DOUBLE, value });
  if (typeof value === 'boolean') return new DBSQLParameter({ type: DBSQLParameterType.BOOLEAN, value });
  return new DBSQLParameter({ type: DBSQLParameterType.STRING, value });
}

/** Session settings: the statement timeout, and UTC, so TIMESTAMP text and DATE casts read the same everywhere (as on Spark). */
function sessionConfiguration(options: DatabricksDriverOptions): Record<string, string> {
  const timeout = options.statementTimeoutSeconds ?? DEFAULT_STATEMENT_TIMEOUT_SECONDS;
  return { ...(timeout > 0 ? { STATEMENT_TIMEOUT: String(timeout) } : {}), TIMEZONE: 'UTC' };
}

export function connectOptions(connection: DatabricksConnection, options: Pick<DatabricksDriverOptions, 'azureTenantId'> = {}): ConnectOptions {
  // The connector builds `https://host:port/path` itself: a port left in the host would give `h:8443:443`.
  const [host = connection.host, port] = connection.host.split(':');
  const base = {
    host,
    ...(port ? { port: Number(port) } : {}),
    path: connection.path,
    // DECIMAL as exact text and BIGINT as bigint (normalizeRow shapes both) instead of silently rounded doubles.
    preserveBigNumericPrecision: true,
    // Telemetry makes connect() fetch feature flags with retries (31 s on an unresolvable host) and export events.
    telemetryEnabled: false,
    userAgentEntry: 'deltalake-hub',
  };
  if (connection.auth.kind === 'pat') return { ...base, token: connection.auth.token };
  return { ...base, authType: 'databricks-oauth', oauthClientId: connection.auth.clientId, oauthClientSecret: connection.auth.clientSecret, ...azureOAuth(host, options.azureTenantId) };
}

/**
 * The connector picks the OAuth server by host (`OAuthManager.getManager`): Databricks OAuth on
 * AWS and GCP; on Azure, Microsoft Entra ID unless `useDatabricksOAuthInAzure`, which it honours
 * only for `.azuredatabricks.net` and `.databricks.azure.cn`. The hub's client id and secret are
 * Databricks OAuth secrets (unified auth's oauth-m2m), so the flag is set where it applies and
 * nowhere else: on Azure Government (`.databricks.azure.us`) the connector has only Entra ID.
 */
function azureOAuth(host: string, azureTenantId: string | undefined): { useDatabricksOAuthInAzure?: boolean; azureTenantId?: string } {
  const name = host.toLowerCase();
  if (name.endsWith('.azuredatabricks.net') || name.endsWith('.databricks.azure.cn')) return { useDatabricksOAuthInAzure: true };
  if (name.endsWith('.databricks.azure.us') && azureTenantId) return { azureTenantId };
  return {};
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

function messageOf(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  // The connector's StatusError is not an Error subclass but has a message.
  const message = nested(cause, 'message');
  return typeof message === 'string' && message ? message : String(cause);
}

/** Races a statement's steps against its deadline; a step that loses is left to settle and cleaned up. */
class Deadline {
  private readonly expired: Promise<never> | null;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number) {
    this.expired =
      ms > 0
        ? new Promise<never>((_resolve, reject) => {
            this.timer = setTimeout(() => reject(new StatementDeadlineError(ms)), ms);
          })
        : null;
    this.expired?.catch(() => undefined);
  }

  async race<T>(step: Promise<T>, late?: (value: T) => Promise<unknown>): Promise<T> {
    if (!this.expired) return step;
    try {
      return await Promise.race([step, this.expired]);
    } catch (error) {
      if (error instanceof StatementDeadlineError) step.then((value) => late?.(value), () => undefined).catch(() => undefined);
      throw error;
    }
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** An operation submitted after its deadline passed: cancel it so it does not run unobserved. */
async function closeLate(operation: DatabricksOperation): Promise<void> {
  await operation.cancel().catch(() => undefined);
  await operation.close().catch(() => undefined);
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

import hive from 'hive-driver';
import type { Logger } from 'pino';
import type { Driver, Row } from '../engine.js';
import { hiveColumnShapes, normalizeRow, type HiveTableSchema } from '../rows.js';
import type { CompiledStatement } from '../sql.js';

/**
 * A HiveServer2 Thrift client for Spark's Thrift server, on `hive-driver` (binary transport, NOSASL).
 *
 * One session per driver; statements run one at a time in call order. Result values take the
 * shapes of `rows.ts`, the same as on Databricks (the session time zone is set to UTC, so
 * TIMESTAMP text is UTC); ARRAY/MAP/STRUCT are parsed from Spark's JSON text, BINARY is a Buffer.
 */
export interface SparkDriverOptions {
  readonly host: string;
  readonly port: number;
  readonly logger?: Logger | undefined;
  /** Connect plus OpenSession must finish within this (default 30 s); the server is local, so more means it is down. */
  readonly connectTimeoutMs?: number | undefined;
  /** Rows per FetchResults call (default 10 000). */
  readonly fetchSize?: number | undefined;
  /** Extra Spark session settings, applied with SET when a session opens. */
  readonly sessionConf?: Readonly<Record<string, string>> | undefined;
}

/** Spark rejected the statement: the message is Spark's own. Never retryable except Delta's commit conflicts. */
export class SparkSqlError extends Error {
  readonly sqlState: string | undefined;
  readonly errorCode: number | undefined;
  constructor(message: string, sqlState?: string, errorCode?: number) {
    super(message);
    this.name = 'SparkSqlError';
    this.sqlState = sqlState || undefined;
    this.errorCode = errorCode || undefined;
  }
}

/** The Thrift connection failed or dropped: the statement may not have run, and a new session may help. */
export class SparkConnectionError extends Error {
  readonly code: string;
  constructor(message: string, code: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SparkConnectionError';
    this.code = code;
  }
}

const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED', 'CONNECTION_CLOSED', 'CONNECT_TIMEOUT']);
/** Delta's optimistic-concurrency conflicts: the losing commit wrote nothing, so a retry is safe when the statement is. */
const DELTA_CONFLICT = /DELTA_CONCURRENT_|Concurrent(Append|DeleteRead|DeleteDelete|Transaction|Write)Exception|MetadataChangedException|ProtocolChangedException/;

const SESSION_DEFAULTS: Record<string, string> = {
  // Timestamps render as UTC wall-clock text, which is how the driver reads them back.
  'spark.sql.session.timeZone': 'UTC',
};

const { TCLIService, TCLIService_types: T } = hive.thrift;

interface ThriftColumn {
  readonly values: readonly unknown[];
  readonly nulls?: Uint8Array | null;
}
interface RowSetShape {
  readonly columns?: readonly Record<string, ThriftColumn | null | undefined>[] | null;
}
interface Int64Shape {
  readonly buffer: Buffer;
  readonly offset: number;
}
type Session = Awaited<ReturnType<InstanceType<typeof hive.HiveClient>['openSession']>>;
type Operation = Awaited<ReturnType<Session['executeStatement']>>;

interface Connection {
  readonly client: InstanceType<typeof hive.HiveClient>;
  readonly session: Session;
  /** Rejects once the socket errors or closes; every call races against it. */
  readonly lost: Promise<never>;
  readonly state: { broken: boolean };
}

export class SparkDriver implements Driver {
  private readonly options: SparkDriverOptions;
  private connection: Connection | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(options: SparkDriverOptions) {
    this.options = options;
  }

  /** Opens the session now, so an unreachable server fails at engine creation rather than at the first statement. */
  async connect(): Promise<void> {
    await this.serialize(() => this.session());
  }

  execute(statement: CompiledStatement): Promise<Row[]> {
    return this.serialize(() => this.run(statement));
  }

  async openSibling(): Promise<SparkDriver> {
    const sibling = new SparkDriver(this.options);
    await sibling.connect();
    return sibling;
  }

  isRetryable(error: unknown): boolean {
    if (error instanceof SparkConnectionError) return true;
    if (error instanceof SparkSqlError) return DELTA_CONFLICT.test(error.message);
    const code = (error as { code?: unknown } | null)?.code;
    return typeof code === 'string' && RETRYABLE_CODES.has(code);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.serialize(async () => {
      this.closed = true;
      const connection = this.connection;
      this.connection = null;
      if (connection) await this.disconnect(connection, true);
    });
  }

  /** Calls run strictly one after another: a session executes one statement at a time. */
  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async run(statement: CompiledStatement): Promise<Row[]> {
    if (Object.keys(statement.params).length > 0) {
      // SparkDialect inlines every value; parameters here mean a statement compiled for another engine.
      throw new SparkSqlError(`the spark driver takes no bound parameters (got ${Object.keys(statement.params).join(', ')})`);
    }
    const connection = await this.session();
    try {
      return await Promise.race([this.executeOn(connection.session, statement.sql), connection.lost]);
    } catch (error) {
      if (error instanceof SparkConnectionError) await this.drop(connection);
      throw error;
    }
  }

  private async executeOn(session: Session, text: string): Promise<Row[]> {
    const operation = await call(() => session.executeStatement(text, { runAsync: true }));
    try {
      await this.waitUntilFinished(operation);
      return await this.fetchAll(operation);
    } finally {
      // Frees the server-side result; a failure here must not hide the statement's outcome.
      await operation.close().catch(() => undefined);
    }
  }

  private async waitUntilFinished(operation: Operation): Promise<void> {
    const S = T.TOperationState;
    for (let polls = 0; ; polls++) {
      // The server long-polls GetOperationStatus (up to 5 s), so this loop is not busy.
      const response = await call(() => operation.status(false));
      switch (response.operationState) {
        case S.FINISHED_STATE:
          return;
        case S.ERROR_STATE:
          throw new SparkSqlError(cleanMessage(response.errorMessage ?? 'the statement failed'), response.sqlState, response.errorCode);
        case S.CANCELED_STATE:
        case S.CLOSED_STATE:
        case S.TIMEDOUT_STATE:
          throw new SparkSqlError(`the statement ended in state ${stateName(response.operationState)}`);
        case S.INITIALIZED_STATE:
        case S.PENDING_STATE:
        case S.RUNNING_STATE:
          await sleep(Math.min(20 * 2 ** polls, 500));
          continue;
        default:
          throw new SparkSqlError(`the statement is in an unknown state (${String(response.operationState)})`);
      }
    }
  }

  private async fetchAll(operation: Operation): Promise<Row[]> {
    operation.setMaxRows(this.options.fetchSize ?? 10_000);
    do {
      await call(() => operation.fetch());
    } while (operation.hasMoreRows());
    const schema = operation.getSchema() as HiveTableSchema | null;
    if (!schema) return [];
    return toRows(schema, operation.getData() as unknown as readonly RowSetShape[]);
  }

  private async session(): Promise<Connection> {
    // A plain Error, not SparkConnectionError: retrying on a closed driver can never succeed.
    if (this.closed) throw new Error('the spark driver is closed');
    if (this.connection && !this.connection.state.broken) return this.connection;
    if (this.connection) await this.drop(this.connection);
    this.connection = await this.open();
    return this.connection;
  }

  private async open(): Promise<Connection> {
    const { host, port, logger } = this.options;
    const client = new hive.HiveClient(TCLIService, T);
    const state = { broken: false };
    let markLost: (error: SparkConnectionError) => void = () => undefined;
    const lost = new Promise<never>((_resolve, reject) => (markLost = reject));
    lost.catch(() => undefined);
    const onLost = (error: SparkConnectionError) => {
      state.broken = true;
      markLost(error);
    };
    // Without listeners a socket error would crash the process; hive-driver leaves pending calls hanging on close.
    client.on('error', (error: NodeJS.ErrnoException) => onLost(connectionError(error, host, port)));
    client.on('close', () => onLost(new SparkConnectionError(`the connection to the Spark Thrift server at ${host}:${port} closed`, 'CONNECTION_CLOSED')));
    const timeoutMs = this.options.connectTimeoutMs ?? 30_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new SparkConnectionError(`no session from the Spark Thrift server at ${host}:${port} within ${timeoutMs} ms`, 'CONNECT_TIMEOUT')), timeoutMs);
    });
    timeout.catch(() => undefined);
    try {
      const session = await Promise.race([
        (async () => {
          await client.connect({ host, port }, new hive.connections.TcpConnection(), new hive.auth.NoSaslAuthentication());
          return call(() => client.openSession({ client_protocol: T.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10 }));
        })(),
        lost,
        timeout,
      ]);
      for (const [key, value] of Object.entries({ ...SESSION_DEFAULTS, ...this.options.sessionConf })) {
        // Keys and values are the driver's own settings, never user input; SET takes them as raw text.
        await Promise.race([this.executeOn(session, `SET ${key}=${value}`), lost, timeout]);
      }
      logger?.debug({ engine: 'spark', host, port }, 'session open');
      return { client, session, lost, state };
    } catch (error) {
      try {
        client.close();
      } catch {
        // The socket is already gone.
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private async drop(connection: Connection): Promise<void> {
    if (this.connection === connection) this.connection = null;
    await this.disconnect(connection, false);
  }

  private async disconnect(connection: Connection, graceful: boolean): Promise<void> {
    connection.state.broken = true;
    if (graceful) {
      // CloseSession frees the server's session state; bounded so close() never hangs on a dead server.
      await Promise.race([connection.session.close().catch(() => undefined), connection.lost.catch(() => undefined), sleep(5_000)]);
    }
    try {
      connection.client.close();
    } catch {
      // Already closed.
    }
  }
}

/** hive-driver rejects with plain objects (StatusError is not an Error): turn every failure into a real Error. */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof Error) throw error;
    const message = (error as { message?: unknown } | null)?.message;
    throw new SparkSqlError(cleanMessage(typeof message === 'string' && message ? message : String(error)));
  }
}

function connectionError(error: NodeJS.ErrnoException, host: string, port: number): SparkConnectionError {
  const code = error.code ?? 'CONNECTION_CLOSED';
  return new SparkConnectionError(`cannot reach the Spark Thrift server at ${host}:${port}: ${error.message}`, code, { cause: error });
}

/**
 * Spark's message without the Thrift server's wrapping: no Java stack trace, no exception class names,
 * starting with Spark's error class, e.g. `[DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE] ...`.
 */
export function cleanMessage(message: string): string {
  const lines = message.split('\n');
  // The server appends the Java stack trace; it is in the server log and means nothing to the caller.
  const stack = lines.findIndex((line) => /^\s+at \S+\(.*\)\s*$/.test(line));
  let text = (stack >= 0 ? lines.slice(0, stack) : lines).join('\n');
  text = text.replace(/^(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*:\s*/, '');
  text = text.replace(/^Error running query:\s*/, '');
  // "[CLASS] org.apache.spark.sql.AnalysisException: [CLASS] text" -> "[CLASS] text"
  const wrapped = /^(\[[A-Z0-9_.]+\])\s*(?:[a-z_$][\w$]*\.)+[A-Z][\w$]*:\s*/.exec(text);
  if (wrapped?.[1]) {
    const rest = text.slice(wrapped[0].length);
    text = rest.startsWith(wrapped[1]) ? rest : `${wrapped[1]} ${rest}`;
  }
  return text.trim();
}

function stateName(state: number | undefined): string {
  const entry = Object.entries(T.TOperationState as Record<string, number>).find(([, value]) => value === state);
  return entry ? entry[0] : String(state);
}

function toRows(schema: HiveTableSchema, rowSets: readonly RowSetShape[]): Row[] {
  const descriptors = [...schema.columns].sort((a, b) => a.position - b.position);
  const shapes = hiveColumnShapes(schema);
  const rows: Row[] = [];
  for (const rowSet of rowSets) {
    const columns = rowSet.columns ?? [];
    const values = descriptors.map((descriptor, i) => columnValues(columns[i], descriptor.typeDesc.types[0]?.primitiveEntry?.type));
    const count = Math.max(0, ...values.map((v) => v.length));
    for (let r = 0; r < count; r++) {
      const row: Row = {};
      descriptors.forEach((descriptor, i) => (row[descriptor.columnName] = values[i]?.[r] ?? null));
      rows.push(normalizeRow(row, shapes));
    }
  }
  return rows;
}

function columnValues(column: Record<string, ThriftColumn | null | undefined> | undefined, type: number | undefined): unknown[] {
  if (!column) return [];
  const typed = Object.values(column).find((c): c is ThriftColumn => c !== null && c !== undefined && Array.isArray(c.values));
  if (!typed) return [];
  return typed.values.map((value, i) => (isNull(typed.nulls, i) ? null : decode(type, value)));
}

function isNull(nulls: Uint8Array | null | undefined, i: number): boolean {
  if (!nulls) return false;
  const byte = nulls[Math.floor(i / 8)] ?? 0;
  return (byte & (1 << i % 8)) !== 0;
}

/** Thrift's wire values as plain JS: BIGINT as bigint, nested types parsed; DECIMAL, TIMESTAMP and DATE stay text for normalizeRow. */
function decode(type: number | undefined, value: unknown): unknown {
  const Id = T.TTypeId;
  switch (type) {
    case Id.BIGINT_TYPE: {
      const int64 = value as Int64Shape;
      return int64.buffer.readBigInt64BE(int64.offset);
    }
    case Id.ARRAY_TYPE:
    case Id.MAP_TYPE:
    case Id.STRUCT_TYPE:
      return parseJson(String(value));
    default:
      return value;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

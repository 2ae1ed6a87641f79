/**
 * A SQL warehouse at the Thrift wire, for tests: a real `DBSQLClient` whose Thrift client is this
 * object, so everything above the wire is the installed connector's own code (sessions,
 * operations, polling, `Status.assert` and its StatusError, OperationStateError, parameters,
 * the Arrow and column-based result converters, staging). It mirrors the TCLIService client the
 * connector's commands call (`hive/Commands/*.js` invoke `client.<Method>(request, callback)`)
 * and answers as a warehouse does: statements are accepted on submission and report their
 * outcome through GetOperationStatus, results come back as Arrow batches with native types
 * (or as Thrift columns), page by page. Test-only: in @org/hub-testing, never in the published package.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { DBSQLClient, thrift } from '@databricks/sql';
import type { ConnectorLogger, DatabricksClient, DatabricksClientFactory } from '@org/hub-core';

const T = thrift.TCLIService_types;
/** The connector's own dependencies (node-int64, apache-arrow), resolved from where it is installed. */
const connectorRequire = createRequire(createRequire(import.meta.url).resolve('@databricks/sql'));

interface Int64Like {
  toNumber(allowImprecise?: boolean): number;
}
const Int64 = connectorRequire('node-int64') as new (value: number | Buffer) => Int64Like;

/** The few apache-arrow (13, the connector's) constructors the fixture writes batches with. */
interface ArrowModule {
  Schema: new (fields: unknown[]) => unknown;
  Field: new (name: string, type: unknown, nullable: boolean) => unknown;
  Int64: new () => unknown;
  Int32: new () => unknown;
  Float64: new () => unknown;
  Bool: new () => unknown;
  Utf8: new () => unknown;
  Null: new () => unknown;
  DateDay: new () => unknown;
  TimestampMicrosecond: new (timezone?: string | null) => unknown;
  Decimal: new (scale: number, precision: number, bitWidth: number) => unknown;
  Struct: new (children: unknown[]) => unknown;
  RecordBatch: new (schema: unknown, data: unknown) => unknown;
  Table: new (batches: unknown[]) => unknown;
  makeData(props: Record<string, unknown>): unknown;
  tableToIPC(table: unknown, format: 'stream'): Uint8Array;
  RecordBatchStreamWriter: new () => { reset(sink: undefined, schema: unknown): unknown; finish(): unknown; toUint8Array(sync: true): Uint8Array };
}
const arrow = connectorRequire('apache-arrow') as ArrowModule;

export type HiveType = 'BIGINT' | 'INT' | 'DOUBLE' | 'BOOLEAN' | 'STRING' | 'TIMESTAMP' | 'DATE' | 'VOID' | `DECIMAL(${number},${number})`;
export interface ResultColumn {
  readonly name: string;
  readonly type: HiveType;
}
type Row = Record<string, unknown>;

/** How the warehouse answers one statement. Values: BIGINT bigint|number, DECIMAL text, TIMESTAMP Date or ISO text with microseconds, DATE `yyyy-mm-dd`. */
export interface StatementAnswer {
  /** Inferred from the first row's values when absent (whole numbers are BIGINT, Dates TIMESTAMP). */
  readonly columns?: readonly ResultColumn[];
  readonly rows?: readonly Row[];
  /** The statement fails while running, as the warehouse reports it when polled (ERROR_STATE). */
  readonly error?: { readonly message: string; readonly sqlState?: string; readonly displayMessage?: string };
  /** Polls answered RUNNING before the outcome; `forever` runs until cancelled. */
  readonly running?: number | 'forever';
  /** A staging statement (PUT/GET/REMOVE on a volume): its one row tells the client what to transfer. */
  readonly staging?: boolean;
}

export interface SubmittedStatement {
  readonly sql: string;
  /** The parameters as the connector put them on the wire (TSparkParameter). */
  readonly parameters: readonly { name?: string; type?: string; value?: { stringValue?: string } }[];
  /** Which session (0 = the first opened) ran it. */
  readonly session: number;
}

export interface ThriftWarehouseOptions {
  readonly respond?: (statement: SubmittedStatement) => StatementAnswer | readonly Row[];
  /** Arrow batches with native types (what warehouses send), or Thrift columns (older servers). */
  readonly resultFormat?: 'arrow' | 'columns';
  /** Statements each session accepts before the warehouse drops it (by the order sessions were opened; absent: forever). */
  readonly sessionLifetimes?: readonly (number | undefined)[];
  /** Most rows per FetchResults page, whatever the client asks for. */
  readonly pageRows?: number;
  /** How long the warehouse takes to answer, per method (a stopped warehouse starting, say). */
  readonly delaysMs?: Partial<Record<Method, number>>;
}

type Callback = (error: unknown, response?: unknown) => void;
export type Method = 'OpenSession' | 'CloseSession' | 'ExecuteStatement' | 'GetOperationStatus' | 'GetResultSetMetadata' | 'FetchResults' | 'CancelOperation' | 'CloseOperation';

interface SessionState {
  readonly index: number;
  readonly configuration: Record<string, string>;
  readonly request: Record<string, unknown>;
  accepted: number;
  closed: boolean;
}

interface OperationState {
  readonly statement: SubmittedStatement;
  readonly answer: StatementAnswer;
  readonly columns: readonly ResultColumn[];
  polls: number;
  offset: number;
  canceled: boolean;
  closed: boolean;
}

const OK = { statusCode: T.TStatusCode.SUCCESS_STATUS };

/**
 * One row of each type whose shape the hub normalises: as the warehouse holds it (`columns`,
 * `values`) and as every engine must return it (`shaped`, rows.ts).
 */
export const TYPED_SAMPLE = {
  columns: [
    { name: 'big', type: 'BIGINT' },
    { name: 'small', type: 'BIGINT' },
    { name: 'wide', type: 'DECIMAL(38,2)' },
    { name: 'wide_small', type: 'DECIMAL(38,2)' },
    { name: 'narrow', type: 'DECIMAL(10,2)' },
    { name: 'at', type: 'TIMESTAMP' },
    { name: 'day', type: 'DATE' },
    { name: 'nothing', type: 'VOID' },
    { name: 'no_decimal', type: 'DECIMAL(38,2)' },
  ] satisfies ResultColumn[],
  values: { big: 9007199254740993n, small: 5n, wide: '12345678901234567.89', wide_small: '1.20', narrow: '1.25', at: '2024-03-09T10:26:40.123456Z', day: '2024-03-09', nothing: null, no_decimal: null },
  shaped: {
    big: '9007199254740993',
    small: 5,
    wide: '12345678901234567.89',
    wide_small: '1.20',
    narrow: 1.25,
    at: new Date('2024-03-09T10:26:40.123Z'),
    day: new Date('2024-03-09T00:00:00.000Z'),
    nothing: null,
    no_decimal: null,
  },
};

export class ThriftWarehouse {
  readonly sessions: SessionState[] = [];
  /** Statements the warehouse accepted, in order (a statement refused on a dropped session is not here). */
  readonly submitted: SubmittedStatement[] = [];
  readonly calls: { method: Method; request: Record<string, unknown> }[] = [];
  readonly operations: OperationState[] = [];
  /** Transport failures to deliver instead of an answer, per method, first in first out (as ThriftHttpConnection hands them to the callback). */
  readonly failures: Partial<Record<Method, unknown[]>> = {};
  readonly connectOptions: Record<string, unknown>[] = [];
  /** The connector loggers the driver passed to the clients it made. */
  readonly loggers: ConnectorLogger[] = [];
  /** The real clients made, to inspect what the connector built (its connection URL, its OAuth manager). */
  readonly clients: DBSQLClient[] = [];
  private readonly options: ThriftWarehouseOptions;
  private readonly sessionsById = new Map<string, SessionState>();
  private readonly operationsById = new Map<string, OperationState>();

  constructor(options: ThriftWarehouseOptions = {}) {
    this.options = options;
  }

  /** A client factory for the driver: a real DBSQLClient, connected to this warehouse instead of HTTP. */
  readonly client: DatabricksClientFactory = (logger) => {
    this.loggers.push(logger);
    const client = new DBSQLClient({ logger });
    this.clients.push(client);
    // DBSQLClient.getClient() builds its Thrift client with `this.thrift.createClient(TCLIService, connection)`.
    (client as unknown as { thrift: { createClient: () => unknown } }).thrift = { createClient: () => this.thriftClient };
    const connect = client.connect.bind(client);
    const recorded: DatabricksClient = client;
    return Object.assign(recorded, {
      connect: (options: Parameters<DBSQLClient['connect']>[0]) => {
        this.connectOptions.push({ ...options });
        return connect(options);
      },
    });
  };

  /** The TCLIService client: each method answers on the next tick, like a response read off the wire. */
  private readonly thriftClient: Record<Method, (request: Record<string, unknown>, callback: Callback) => void> = {
    OpenSession: (request, callback) => this.answer('OpenSession', request, callback, () => this.openSession(request)),
    CloseSession: (request, callback) => this.answer('CloseSession', request, callback, () => this.closeSession(request)),
    ExecuteStatement: (request, callback) => this.answer('ExecuteStatement', request, callback, () => this.executeStatement(request)),
    GetOperationStatus: (request, callback) => this.answer('GetOperationStatus', request, callback, () => this.operationStatus(request)),
    GetResultSetMetadata: (request, callback) => this.answer('GetResultSetMetadata', request, callback, () => this.resultSetMetadata(request)),
    FetchResults: (request, callback) => this.answer('FetchResults', request, callback, () => this.fetchResults(request)),
    CancelOperation: (request, callback) =>
      this.answer('CancelOperation', request, callback, () => {
        this.operation(request).canceled = true;
        return { status: OK };
      }),
    CloseOperation: (request, callback) =>
      this.answer('CloseOperation', request, callback, () => {
        this.operation(request).closed = true;
        return { status: OK };
      }),
  };

  /** Statements run by each session index, to see what ran where. */
  statementsOf(session: number): string[] {
    return this.submitted.filter((s) => s.session === session).map((s) => s.sql);
  }

  private answer(method: Method, request: Record<string, unknown>, callback: Callback, respond: () => unknown): void {
    this.calls.push({ method, request });
    setTimeout(() => {
      const failure = this.failures[method]?.shift();
      if (failure !== undefined) return callback(failure);
      let response: unknown;
      try {
        response = respond();
      } catch (error) {
        return callback(error);
      }
      callback(null, response);
    }, this.options.delaysMs?.[method] ?? 0);
  }

  private openSession(request: Record<string, unknown>): unknown {
    const guid = newGuid();
    const state: SessionState = { index: this.sessions.length, configuration: { ...(request['configuration'] as Record<string, string>) }, request, accepted: 0, closed: false };
    this.sessions.push(state);
    this.sessionsById.set(guid.toString('hex'), state);
    return {
      status: OK,
      serverProtocolVersion: T.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8,
      sessionHandle: { sessionId: { guid, secret: randomBytes(16) } },
    };
  }

  private closeSession(request: Record<string, unknown>): unknown {
    const session = this.session(request);
    if (!session || session.closed || this.expired(session)) return { status: invalidSession(request) };
    session.closed = true;
    return { status: OK };
  }

  private expired(session: SessionState): boolean {
    const lifetime = this.options.sessionLifetimes?.[session.index];
    return lifetime !== undefined && session.accepted >= lifetime;
  }

  private executeStatement(request: Record<string, unknown>): unknown {
    const session = this.session(request);
    if (!session || session.closed || this.expired(session)) {
      // What HiveServer2 and the warehouse answer for a session they no longer know (TStatus ERROR_STATUS).
      return { status: invalidSession(request) };
    }
    session.accepted += 1;
    const statement: SubmittedStatement = {
      sql: String(request['statement']),
      parameters: (request['parameters'] as SubmittedStatement['parameters'] | undefined) ?? [],
      session: session.index,
    };
    this.submitted.push(statement);
    const answered = this.options.respond?.(statement) ?? [];
    const answer: StatementAnswer = Array.isArray(answered) ? { rows: answered as readonly Row[] } : (answered as StatementAnswer);
    const columns = answer.columns ?? inferColumns(answer.rows ?? []);
    const operation: OperationState = { statement, answer, columns, polls: 0, offset: 0, canceled: false, closed: false };
    const guid = newGuid();
    this.operations.push(operation);
    this.operationsById.set(guid.toString('hex'), operation);
    return {
      status: OK,
      operationHandle: { operationId: { guid, secret: randomBytes(16) }, operationType: T.TOperationType.EXECUTE_STATEMENT, hasResultSet: columns.length > 0 },
    };
  }

  private operationStatus(request: Record<string, unknown>): unknown {
    const operation = this.operation(request);
    const S = T.TOperationState;
    if (operation.canceled) return { status: OK, operationState: S.CANCELED_STATE };
    const running = operation.answer.running ?? 0;
    if (running === 'forever' || operation.polls++ < running) return { status: OK, operationState: S.RUNNING_STATE };
    const error = operation.answer.error;
    if (error) {
      return { status: OK, operationState: S.ERROR_STATE, sqlState: error.sqlState, errorCode: 0, errorMessage: error.message, displayMessage: error.displayMessage ?? error.message };
    }
    return { status: OK, operationState: S.FINISHED_STATE, hasResultSet: operation.columns.length > 0 };
  }

  private resultSetMetadata(request: Record<string, unknown>): unknown {
    const operation = this.operation(request);
    const arrowFormat = (this.options.resultFormat ?? 'arrow') === 'arrow';
    return {
      status: OK,
      schema: tableSchema(operation.columns),
      resultFormat: arrowFormat ? T.TSparkRowSetType.ARROW_BASED_SET : T.TSparkRowSetType.COLUMN_BASED_SET,
      lz4Compressed: false,
      isStagingOperation: operation.answer.staging === true,
      ...(arrowFormat ? { arrowSchema: Buffer.from(arrowSchemaBytes(operation.columns)) } : {}),
    };
  }

  private fetchResults(request: Record<string, unknown>): unknown {
    const operation = this.operation(request);
    const rows = operation.answer.rows ?? [];
    const asked = (request['maxRows'] as Int64Like | undefined)?.toNumber(true) ?? rows.length;
    const size = Math.min(asked, this.options.pageRows ?? Number.MAX_SAFE_INTEGER);
    const page = rows.slice(operation.offset, operation.offset + size);
    operation.offset += page.length;
    const results =
      (this.options.resultFormat ?? 'arrow') === 'arrow'
        ? { startRowOffset: new Int64(0), rows: [], arrowBatches: page.length ? [{ batch: Buffer.from(arrowBatchBytes(operation.columns, page)), rowCount: new Int64(page.length) }] : [] }
        : { startRowOffset: new Int64(0), rows: [], columns: thriftColumns(operation.columns, page) };
    return { status: OK, hasMoreRows: operation.offset < rows.length, results };
  }

  private session(request: Record<string, unknown>): SessionState | undefined {
    const handle = request['sessionHandle'] as { sessionId: { guid: Buffer } } | undefined;
    return handle ? this.sessionsById.get(Buffer.from(handle.sessionId.guid).toString('hex')) : undefined;
  }

  private operation(request: Record<string, unknown>): OperationState {
    const handle = request['operationHandle'] as { operationId: { guid: Buffer } };
    const operation = this.operationsById.get(Buffer.from(handle.operationId.guid).toString('hex'));
    if (!operation) throw new Error('unknown operation handle');
    return operation;
  }
}

/** Handles are UUIDs (the connector prints them with uuid.stringify, which checks the version bits). */
function newGuid(): Buffer {
  return Buffer.from(randomUUID().replaceAll('-', ''), 'hex');
}

function invalidSession(request: Record<string, unknown>): unknown {
  const guid = (request['sessionHandle'] as { sessionId: { guid: Buffer } } | undefined)?.sessionId.guid;
  const id = guid ? formatGuid(Buffer.from(guid)) : 'unknown';
  return {
    statusCode: T.TStatusCode.ERROR_STATUS,
    errorCode: 0,
    errorMessage: `Invalid SessionHandle: SessionHandle [${id}]`,
    infoMessages: [`*org.apache.hive.service.cli.HiveSQLException:Invalid SessionHandle: SessionHandle [${id}]:38:37`],
  };
}

function formatGuid(guid: Buffer): string {
  const hex = guid.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function inferColumns(rows: readonly Row[]): ResultColumn[] {
  const first = rows[0];
  if (!first) return [];
  return Object.keys(first).map((name) => {
    const value = rows.map((r) => r[name]).find((v) => v !== null && v !== undefined);
    let type: HiveType = 'STRING';
    if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) type = 'BIGINT';
    else if (typeof value === 'number') type = 'DOUBLE';
    else if (typeof value === 'boolean') type = 'BOOLEAN';
    else if (value instanceof Date) type = 'TIMESTAMP';
    return { name, type };
  });
}

function decimalType(type: HiveType): { precision: number; scale: number } | null {
  const m = /^DECIMAL\((\d+),(\d+)\)$/.exec(type);
  return m ? { precision: Number(m[1]), scale: Number(m[2]) } : null;
}

const TYPE_IDS: Record<string, number> = {
  BIGINT: T.TTypeId.BIGINT_TYPE,
  INT: T.TTypeId.INT_TYPE,
  DOUBLE: T.TTypeId.DOUBLE_TYPE,
  BOOLEAN: T.TTypeId.BOOLEAN_TYPE,
  STRING: T.TTypeId.STRING_TYPE,
  TIMESTAMP: T.TTypeId.TIMESTAMP_TYPE,
  DATE: T.TTypeId.DATE_TYPE,
  VOID: T.TTypeId.NULL_TYPE,
};

/** TTableSchema, with DECIMAL's precision and scale as type qualifiers, as the warehouse sends it. */
function tableSchema(columns: readonly ResultColumn[]): unknown {
  return {
    columns: columns.map((column, i) => {
      const decimal = decimalType(column.type);
      const primitiveEntry = decimal
        ? { type: T.TTypeId.DECIMAL_TYPE, typeQualifiers: { qualifiers: { precision: { i32Value: decimal.precision }, scale: { i32Value: decimal.scale } } } }
        : { type: TYPE_IDS[column.type] };
      return { columnName: column.name, position: i + 1, typeDesc: { types: [{ primitiveEntry }] } };
    }),
  };
}

function arrowType(type: HiveType): unknown {
  const decimal = decimalType(type);
  if (decimal) return new arrow.Decimal(decimal.scale, decimal.precision, 128);
  switch (type) {
    case 'BIGINT':
      return new arrow.Int64();
    case 'INT':
      return new arrow.Int32();
    case 'DOUBLE':
      return new arrow.Float64();
    case 'BOOLEAN':
      return new arrow.Bool();
    case 'TIMESTAMP':
      return new arrow.TimestampMicrosecond('Etc/UTC');
    case 'DATE':
      return new arrow.DateDay();
    case 'VOID':
      return new arrow.Null();
    default:
      return new arrow.Utf8();
  }
}

function arrowFields(columns: readonly ResultColumn[]): unknown[] {
  return columns.map((c) => new arrow.Field(c.name, arrowType(c.type), true));
}

/** The IPC stream's schema message, without the end-of-stream marker: the batches follow it. */
function arrowSchemaBytes(columns: readonly ResultColumn[]): Uint8Array {
  const writer = new arrow.RecordBatchStreamWriter();
  writer.reset(undefined, new arrow.Schema(arrowFields(columns)));
  writer.finish();
  const bytes = writer.toUint8Array(true);
  return bytes.subarray(0, bytes.length - 8);
}

/** One page as IPC record-batch messages (what follows the schema in the stream). */
function arrowBatchBytes(columns: readonly ResultColumn[], rows: readonly Row[]): Uint8Array {
  const fields = arrowFields(columns);
  const schema = new arrow.Schema(fields);
  const children = columns.map((column) => arrowData(column.type, rows.map((r) => r[column.name])));
  const batch = new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(fields), length: rows.length, nullCount: 0, children }));
  const stream = arrow.tableToIPC(new arrow.Table([batch]), 'stream');
  return stream.subarray(arrowSchemaBytes(columns).length);
}

function arrowData(type: HiveType, values: readonly unknown[]): unknown {
  const length = values.length;
  const arrowT = arrowType(type);
  if (type === 'VOID') return arrow.makeData({ type: arrowT, length, nullCount: length });
  const valid = new Uint8Array(Math.ceil(length / 8));
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) nullCount += 1;
    else valid[i >> 3]! |= 1 << (i & 7);
  });
  const common = { type: arrowT, length, nullCount, nullBitmap: valid };
  const decimal = decimalType(type);
  if (decimal) {
    const data = new Uint32Array(length * 4);
    values.forEach((v, i) => {
      if (v === null || v === undefined) return;
      let x = BigInt.asUintN(128, unscaled(String(v), decimal.scale));
      for (let w = 0; w < 4; w++, x >>= 32n) data[i * 4 + w] = Number(x & 0xffffffffn);
    });
    return arrow.makeData({ ...common, data });
  }
  switch (type) {
    case 'BIGINT':
      return arrow.makeData({ ...common, data: BigInt64Array.from(values, (v) => (v === null || v === undefined ? 0n : BigInt(v as number | bigint))) });
    case 'INT':
      return arrow.makeData({ ...common, data: Int32Array.from(values, (v) => Number(v ?? 0)) });
    case 'DOUBLE':
      return arrow.makeData({ ...common, data: Float64Array.from(values, (v) => Number(v ?? 0)) });
    case 'BOOLEAN': {
      const data = new Uint8Array(Math.ceil(length / 8));
      values.forEach((v, i) => {
        if (v === true) data[i >> 3]! |= 1 << (i & 7);
      });
      return arrow.makeData({ ...common, data });
    }
    case 'TIMESTAMP':
      return arrow.makeData({ ...common, data: BigInt64Array.from(values, (v) => (v === null || v === undefined ? 0n : micros(v))) });
    case 'DATE':
      return arrow.makeData({ ...common, data: Int32Array.from(values, (v) => (v === null || v === undefined ? 0 : Date.parse(`${String(v)}T00:00:00Z`) / 86_400_000)) });
    default: {
      const encoded = values.map((v) => Buffer.from(v === null || v === undefined ? '' : String(v)));
      const valueOffsets = new Int32Array(length + 1);
      encoded.forEach((b, i) => (valueOffsets[i + 1] = valueOffsets[i]! + b.length));
      return arrow.makeData({ ...common, valueOffsets, data: Buffer.concat(encoded) });
    }
  }
}

/** Thrift columns (COLUMN_BASED_SET) as Spark's Thrift server writes them: DECIMAL, TIMESTAMP and DATE as text in UTC. */
function thriftColumns(columns: readonly ResultColumn[], rows: readonly Row[]): unknown[] {
  return columns.map((column) => {
    const values = rows.map((r) => r[column.name]);
    const nulls = Buffer.alloc(Math.ceil(values.length / 8));
    values.forEach((v, i) => {
      if (v === null || v === undefined) nulls[i >> 3]! |= 1 << (i & 7);
    });
    switch (column.type) {
      case 'BIGINT':
        return { i64Val: { values: values.map((v) => int64(v)), nulls } };
      case 'INT':
        return { i32Val: { values: values.map((v) => Number(v ?? 0)), nulls } };
      case 'DOUBLE':
        return { doubleVal: { values: values.map((v) => Number(v ?? 0)), nulls } };
      case 'BOOLEAN':
        return { boolVal: { values: values.map((v) => v === true), nulls } };
      case 'TIMESTAMP':
        return { stringVal: { values: values.map((v) => (v === null || v === undefined ? '' : timestampText(v))), nulls } };
      default:
        return { stringVal: { values: values.map((v) => (v === null || v === undefined ? '' : String(v))), nulls } };
    }
  });
}

function int64(value: unknown): Int64Like {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(value === null || value === undefined ? 0n : BigInt(value as number | bigint));
  return new Int64(buffer);
}

function unscaled(text: string, scale: number): bigint {
  const [whole = '0', fraction = ''] = text.replace('-', '').split('.');
  const digits = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  return text.startsWith('-') ? -digits : digits;
}

/** Microseconds since the epoch of a Date or of ISO text with up to six fractional digits. */
function micros(value: unknown): bigint {
  if (value instanceof Date) return BigInt(value.getTime()) * 1000n;
  const text = String(value);
  const m = /\.(\d{1,6})/.exec(text);
  const whole = Date.parse(text.replace(/\.\d+/, ''));
  return BigInt(whole) * 1000n + BigInt((m?.[1] ?? '').padEnd(6, '0') || '0');
}

function timestampText(value: unknown): string {
  const us = micros(value);
  const date = new Date(Number(us / 1000n));
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${String(us % 1_000_000n).padStart(6, '0')}`;
}

const dist = createRequire(import.meta.url);
const nodeFetch = connectorRequire('node-fetch') as {
  Response: new (body: string, init: { status: number; headers?: Record<string, string> }) => { status: number };
  FetchError: new (message: string, type: string, systemError?: { code: string; errno?: string }) => Error & { code?: string; type: string };
};
interface StatusShape {
  statusCode: number;
  errorMessage?: string;
  errorCode?: number;
  sqlState?: string;
  infoMessages?: string[];
}

/** The installed connector's error classes, for tests to construct as the connector does. */
export const connectorErrors = {
  /** ThriftHttpConnection: any HTTP status but 200, with the node-fetch Response. */
  THTTPException: (dist('@databricks/sql/dist/connection/connections/ThriftHttpConnection.js') as { THTTPException: new (response: { status: number }) => Error & { statusCode: number } }).THTTPException,
  RetryError: (dist('@databricks/sql/dist/errors/RetryError.js') as { default: new (code: 'ATTEMPTS_EXCEEDED' | 'TIMEOUT_EXCEEDED', payload?: unknown) => Error }).default,
  HiveDriverError: (dist('@databricks/sql/dist/errors/HiveDriverError.js') as { default: new (message: string) => Error }).default,
  AuthenticationError: (dist('@databricks/sql/dist/errors/AuthenticationError.js') as { default: new (message: string) => Error }).default,
  OperationStateError: (dist('@databricks/sql/dist/errors/OperationStateError.js') as { default: new (code: 'CANCELED' | 'CLOSED' | 'ERROR' | 'TIMEOUT' | 'UNKNOWN', response?: object) => Error }).default,
  /** Status.assert's error for a response whose TStatus is ERROR_STATUS or INVALID_HANDLE_STATUS; not an Error subclass. */
  StatusError: (dist('@databricks/sql/dist/errors/StatusError.js') as { default: new (status: StatusShape) => { name: string; message: string; code: number } }).default,
  StagingError: (dist('@databricks/sql/dist/errors/StagingError.js') as { default: new (message: string) => Error }).default,
  FetchError: nodeFetch.FetchError,
  Response: nodeFetch.Response,
};

/** A response the way ThriftHttpConnection sees one: node-fetch's Response with that status. */
export function httpError(status: number): Error & { statusCode: number } {
  return new connectorErrors.THTTPException(new nodeFetch.Response('', { status }));
}

/** What node-fetch rejects with when the connection fails (`type: 'system'`, the errno's code). */
export function networkError(url: string, code: string, reason: string): Error {
  return new connectorErrors.FetchError(`request to ${url} failed, reason: ${reason}`, 'system', { code, errno: code });
}

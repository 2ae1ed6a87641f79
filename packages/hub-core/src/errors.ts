/** Stable error codes: callers and the CLI branch on these, never on message text. */
export type HubErrorCode =
  | 'CONFIG_INVALID'
  | 'PARAMETERS_INVALID'
  | 'SETTINGS_INVALID'
  | 'ENGINE_ERROR'
  | 'ENGINE_UNAVAILABLE'
  | 'WAREHOUSE_LOCKED'
  | 'LEASE_HELD'
  /** A run found that another run took over its table's lease (it had stopped renewing it), and stopped. */
  | 'LEASE_LOST'
  | 'SOURCE_UNMAPPED'
  /** A read-only command needs a catalog or metadata table that nothing has created yet. */
  | 'CATALOG_MISSING'
  /** `deltalake-hub sql` got something other than one read-only statement. */
  | 'QUERY_NOT_READ_ONLY'
  /** The Databricks Jobs API refused a request, or did not answer after retries. */
  | 'JOBS_API_ERROR'
  /** Only in tests: a statement broke a rule of the engine a recording engine stands for. */
  | 'WAREHOUSE_RULE';

export class HubError extends Error {
  readonly code: HubErrorCode;
  constructor(code: HubErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One problem in an input file, located as `file:line: column: message`. */
export interface ConfigIssue {
  file: string;
  line: number;
  column?: string | undefined;
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  // Line 0 is a flag or a whole file, not a place in it: `--var: ...`, never `--var:0: ...`.
  const where = issue.line > 0 ? `${issue.file}:${issue.line}` : issue.file;
  return `${where}: ${issue.column ? `${issue.column}: ` : ''}${issue.message}`;
}

export class ConfigError extends HubError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map(formatIssue);
    super('CONFIG_INVALID', `invalid config (${issues.length} ${issues.length === 1 ? 'error' : 'errors'}):\n${lines.join('\n')}`);
    this.issues = issues;
  }
}

export class ParameterError extends HubError {
  readonly parameter: string;
  constructor(parameter: string, message: string) {
    super('PARAMETERS_INVALID', `parameter ${parameter}: ${message}`);
    this.parameter = parameter;
  }
}

export class SettingsError extends HubError {
  constructor(message: string) {
    super('SETTINGS_INVALID', message);
  }
}

/** Parameters whose names look like credentials are replaced before an error or log sees them. */
const SECRET_NAME = /token|secret|password|passwd|authorization|credential|api[_-]?key|sas/i;

export function redactParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) out[key] = SECRET_NAME.test(key) ? '[REDACTED]' : value;
  return out;
}

/** Every failed statement, on every engine: the statement, its parameters, the cause and whether a retry may help. */
export class EngineError extends HubError {
  readonly statement: string;
  readonly params: Record<string, unknown>;
  readonly retryable: boolean;
  readonly engine: string;
  /** The engine's error class (`PATH_NOT_FOUND`, `LIST_FILES_AUTHORIZATION_ERROR.ON_PATH`), when it gave one: what callers branch on, never the words. */
  readonly errorClass: string | undefined;
  /** The SQLSTATE (`42501`: insufficient privileges), when the engine gave one. */
  readonly sqlState: string | undefined;
  constructor(args: {
    engine: string;
    statement: string;
    params?: Record<string, unknown>;
    cause: unknown;
    retryable: boolean;
    code?: HubErrorCode;
    message?: string;
  }) {
    const causeMessage = args.cause instanceof Error ? args.cause.message : String(args.cause);
    super(
      args.code ?? 'ENGINE_ERROR',
      args.message ?? `Failed query on ${args.engine}: ${causeMessage}\nquery: ${args.statement}`,
      { cause: args.cause },
    );
    this.engine = args.engine;
    this.statement = args.statement;
    this.params = redactParams(args.params ?? {});
    this.retryable = args.retryable;
    const kind = errorKindOf(args.cause);
    this.errorClass = kind.errorClass;
    this.sqlState = kind.sqlState;
  }
}

/** Spark's and Databricks' error class, as it opens their messages: `[INSUFFICIENT_PERMISSIONS] ...`, `[LIST_FILES_AUTHORIZATION_ERROR.ON_PATH] ...`. */
const ERROR_CLASS = /\[([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*(?:\.[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)*)\]/;
/** The SQLSTATE Spark 3.4+ and Databricks append to a message (`SQLSTATE: 42K03`). */
const SQLSTATE_SUFFIX = /\bSQLSTATE: ([0-9A-Z]{5})\b/;

/**
 * The error class and SQLSTATE of a driver's failure, from the fields the drivers set (Spark's
 * `sqlState`, the Databricks connector's `response.sqlState`) and the structured parts of the
 * engine's message (the `[CLASS]` it opens with, the `SQLSTATE: ` it ends with), through causes.
 */
export function errorKindOf(cause: unknown): { errorClass: string | undefined; sqlState: string | undefined } {
  let errorClass: string | undefined;
  let sqlState: string | undefined;
  let current: unknown = cause;
  for (let depth = 0; depth < 6 && current !== null && typeof current === 'object'; depth++) {
    const record = current as Record<string, unknown>;
    const response = typeof record['response'] === 'object' && record['response'] !== null ? (record['response'] as Record<string, unknown>) : {};
    for (const state of [record['sqlState'], response['sqlState']]) if (sqlState === undefined && typeof state === 'string' && /^[0-9A-Z]{5}$/.test(state)) sqlState = state;
    for (const text of [record['message'], response['displayMessage'], response['errorMessage']]) {
      if (typeof text !== 'string') continue;
      errorClass ??= ERROR_CLASS.exec(text)?.[1];
      sqlState ??= SQLSTATE_SUFFIX.exec(text)?.[1];
    }
    current = record['cause'];
  }
  return { errorClass, sqlState };
}

export class LeaseHeldError extends HubError {
  readonly table: string;
  readonly holder: string;
  constructor(table: string, holder: string, expiresAt: string, where?: string) {
    super(
      'LEASE_HELD',
      `table ${table} is being loaded by run ${holder}${where ? ` on ${where}` : ''} (lease until ${expiresAt}, renewed while that run lives); ` +
        `wait for it (--lease-wait <seconds>), or if that run is dead, free the table with: deltalake-hub lease release ${table} --run ${holder}`,
    );
    this.table = table;
    this.holder = holder;
  }
}

/** The run's lease on a table was taken over (or released) by someone else: it writes nothing more. */
export class LeaseLostError extends HubError {
  readonly table: string;
  constructor(table: string, runId: string, detail: string) {
    super(
      'LEASE_LOST',
      `run ${runId} lost its lease on table ${table} (${detail}) and stopped before writing anything more; ` +
        `run the job again to load what is left (see deltalake-hub lease list)`,
    );
    this.table = table;
  }
}

export function isHubError(error: unknown): error is HubError {
  return error instanceof HubError;
}

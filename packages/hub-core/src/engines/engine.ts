import type { Logger } from 'pino';
import { EngineError } from '../errors.js';
import { withDefaults, type Capabilities } from './capabilities.js';
import type { Dialect, EngineName } from './dialect.js';
import { Sql, sql, type CompiledStatement, type SqlValue } from './sql.js';

export type Row = Record<string, unknown>;

/** What one statement may ask of the driver beyond its text and values; a driver ignores what it has no use for. */
export interface ExecuteOptions {
  /**
   * Local paths a Databricks staging statement (`PUT`/`GET`/`REMOVE` on a volume) may read or
   * write; without it the connector returns the staging row and transfers nothing.
   */
  readonly stagingAllowedLocalPath?: string | readonly string[] | undefined;
}

/** The part of an engine that talks to the server: execute one compiled statement, close. */
export interface Driver {
  execute(statement: CompiledStatement, options?: ExecuteOptions): Promise<Row[]>;
  /** Whether a failure is transient (throttling, unavailable, connection reset). */
  isRetryable(error: unknown): boolean;
  close(): Promise<void>;
  /** A second, independent session on the same server (a lease heartbeat runs there while a long statement runs here). */
  openSibling?(): Promise<Driver>;
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Injected in tests so backoff takes no wall-clock time. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 20_000 };

export interface QueryOptions extends ExecuteOptions {
  /**
   * Safe to run again after a transient failure. Reads are detected; a write must say so,
   * because a retried INSERT whose first attempt committed would load rows twice.
   */
  readonly idempotent?: boolean;
  /**
   * A read of what the run's own writes just made, for a plan (which executes no write):
   * 'skip' does not run it (a lease just taken, rows just inserted, a table just altered);
   * 'if-present' runs it, and counts it as not run when it fails because a table the run's DDL
   * creates is not there yet. A read the plan does not run returns `planInstead`'s rows, else
   * none, and the caller takes the outcome of a clean run.
   */
  readonly afterWrites?: 'skip' | 'if-present' | undefined;
  /** What a plan runs in place of this read when it does not run it: a read of the files or empty tables that gives what a clean run would read. */
  readonly planInstead?: Sql | undefined;
}

/** One statement as a run issued it (or a plan showed it), in order: the statement journal. */
export interface JournalEntry {
  /** As a person reads it: values inline, rendered by the dialect's literal function. */
  readonly text: string;
  /** 'read' also covers a temporary view: it lives in the session only. */
  readonly kind: 'read' | 'write';
  /** The values in the statement, bound or inline, in order (a test normalises the run's own timestamps by them). */
  readonly values: readonly SqlValue[];
  /**
   * Set in a plan for a statement it did not execute: a write; a read that depends on writes above
   * (returns no rows there); or a read of tables the run's DDL creates, run over empty ones instead.
   */
  readonly notRun?: 'write' | 'depends' | 'instead' | undefined;
}

export type StatementListener = (entry: JournalEntry) => void;

export interface EngineOptions {
  readonly logger?: Logger | undefined;
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Called once per catalog before first use (DuckDB attaches a file per catalog). */
  readonly prepareCatalog?: ((catalog: string) => Promise<void>) | undefined;
}

const READ_ONLY = /^\s*(SELECT|WITH|LIST|SHOW|DESCRIBE|DESC|EXPLAIN)\b/i;
/** A CTE can front a write (`WITH s AS (...) INSERT ...`) and EXPLAIN ANALYZE runs its statement, so neither counts as a read. */
const WRITES = /\b(INSERT|MERGE|UPDATE|DELETE|COPY|CREATE|DROP|ALTER|TRUNCATE|ANALYZE)\b/i;
/** A temporary view changes the session only: a plan creates it, as a run does, to read files through it. */
const SESSION_VIEW = /^\s*CREATE\s+(OR\s+REPLACE\s+)?(GLOBAL\s+)?TEMP(ORARY)?\s+VIEW\b/i;

/**
 * One contract for every engine: a driver plus a dialect plus capabilities.
 * It counts statements, wraps failures in EngineError and retries what is safe to retry.
 */
export class Engine {
  readonly name: EngineName;
  readonly dialect: Dialect;
  readonly capabilities: Capabilities;
  private readonly driver: Driver;
  private readonly logger: Logger | undefined;
  private readonly retry: RetryPolicy;
  private readonly prepareCatalogHook: ((catalog: string) => Promise<void>) | undefined;
  private readonly preparedCatalogs = new Set<string>();
  private readonly options: EngineOptions;
  private count = 0;
  private retries = 0;
  private writeGuard: (() => void | Promise<void>) | undefined;
  private readonly listeners = new Set<StatementListener>();
  private planning = false;

  constructor(name: EngineName, dialect: Dialect, driver: Driver, capabilities: Partial<Capabilities>, options: EngineOptions = {}) {
    this.name = name;
    this.dialect = dialect;
    this.driver = driver;
    this.capabilities = withDefaults(capabilities);
    this.logger = options.logger;
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.prepareCatalogHook = options.prepareCatalog;
    this.options = options;
  }

  /**
   * An engine over a session of its own, or null where the driver has one session only (the
   * embedded engine). Its statements are not counted here and logged at info level and above.
   */
  async openSibling(): Promise<Engine | null> {
    // A plan takes no lease, so it has none to keep alive.
    if (!this.driver.openSibling || this.planning) return null;
    const driver = await this.driver.openSibling();
    const logger = this.logger?.child({ session: 'sibling' }, { level: 'info' });
    return new Engine(this.name, this.dialect, driver, this.capabilities, { ...this.options, logger });
  }

  /** `check` runs before every statement that may write, and may throw to stop it (a lease lost to another run). */
  guardWrites(check: (() => void | Promise<void>) | undefined): void {
    this.writeGuard = check;
  }

  /** Calls `listener` with every statement this engine issues from now on, in order; returns the way to stop. */
  observe(listener: StatementListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /**
   * Runs `work` as a plan: statements that write are journaled and not executed; reads run, so
   * listings and file checks see the real warehouse and files (see QueryOptions.afterWrites).
   */
  async plan<T>(work: () => Promise<T>): Promise<T> {
    const before = this.planning;
    this.planning = true;
    try {
      return await work();
    } finally {
      this.planning = before;
    }
  }

  /** Whether statements are being planned (journaled, writes not executed) rather than run. */
  get isPlanning(): boolean {
    return this.planning;
  }

  /** Statements issued so far (retries are not counted twice; a plan counts the writes it shows). */
  get statementCount(): number {
    return this.count;
  }

  get retryCount(): number {
    return this.retries;
  }

  /** Makes `catalog` usable in three-part names; a no-op except on the embedded engine. */
  async prepareCatalogs(catalogs: Iterable<string>): Promise<void> {
    for (const catalog of catalogs) {
      if (this.preparedCatalogs.has(catalog)) continue;
      this.dialect.quoteIdentifier(catalog);
      if (this.prepareCatalogHook) await this.prepareCatalogHook(catalog);
      this.preparedCatalogs.add(catalog);
    }
  }

  compile(query: Sql | string): CompiledStatement {
    return this.dialect.compile(typeof query === 'string' ? sql.raw(query) : query);
  }

  /** The statement as a person reads it: values inline, rendered by the dialect's literal function. */
  render(query: Sql | string): string {
    return this.dialect.render(typeof query === 'string' ? sql.raw(query) : query);
  }

  async query<T extends Row = Row>(query: Sql | string, options: QueryOptions = {}): Promise<T[]> {
    const statement = this.compile(query);
    const isRead = READ_ONLY.test(statement.sql) && !WRITES.test(statement.sql);
    const kind = isRead || SESSION_VIEW.test(statement.sql) ? 'read' : 'write';
    if (this.planning) {
      if (kind === 'write') {
        this.count += 1;
        this.journal(query, kind, 'write');
        return [];
      }
      if (options.afterWrites === 'skip') return this.planInstead<T>(query, options);
      if (options.afterWrites === 'if-present' || options.planInstead) return this.planRead<T>(query, options);
    }
    this.journal(query, kind);
    return this.execute<T>(statement, isRead, options);
  }

  /** A plan's read of tables the run's DDL may create: run it; if it fails, as a read the plan does not run. */
  private async planRead<T extends Row>(query: Sql | string, options: QueryOptions): Promise<T[]> {
    let rows: T[];
    try {
      rows = await this.execute<T>(this.compile(query), true, options);
    } catch {
      this.count -= 1;
      return this.planInstead<T>(query, options);
    }
    this.journal(query, 'read');
    return rows;
  }

  /** A read the plan shows and does not run: its stand-in's rows (counted as the one statement it shows), else none. */
  private async planInstead<T extends Row>(query: Sql | string, options: QueryOptions): Promise<T[]> {
    this.journal(query, 'read', options.planInstead ? 'instead' : 'depends');
    if (!options.planInstead) {
      this.count += 1;
      return [];
    }
    return this.execute<T>(this.compile(options.planInstead), true, options);
  }

  private journal(query: Sql | string, kind: JournalEntry['kind'], notRun?: JournalEntry['notRun']): void {
    if (this.listeners.size === 0) return;
    const parts = typeof query === 'string' ? [] : query.parts;
    const values = parts.flatMap((p) => (p.kind === 'value' || p.kind === 'literal' ? [p.value] : []));
    const entry: JournalEntry = { text: this.render(query), kind, values, ...(notRun ? { notRun } : {}) };
    for (const listener of this.listeners) listener(entry);
  }

  private async execute<T extends Row>(statement: CompiledStatement, isRead: boolean, options: QueryOptions): Promise<T[]> {
    if (!isRead && this.writeGuard) await this.writeGuard();
    const idempotent = options.idempotent ?? isRead;
    const perStatement: ExecuteOptions = options.stagingAllowedLocalPath === undefined ? {} : { stagingAllowedLocalPath: options.stagingAllowedLocalPath };
    this.count += 1;
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      try {
        const rows = await this.driver.execute(statement, perStatement);
        this.logger?.debug({ engine: this.name, ms: Date.now() - started, rows: rows.length, sql: abbreviate(statement.sql) }, 'statement');
        return rows as T[];
      } catch (cause) {
        const retryable = cause instanceof EngineError ? cause.retryable : this.driver.isRetryable(cause);
        if (retryable && idempotent && attempt < this.retry.maxAttempts) {
          const delay = this.backoff(attempt);
          this.retries += 1;
          this.logger?.warn({ engine: this.name, attempt, delayMs: delay, error: causeMessage(cause) }, 'transient failure, retrying');
          await (this.retry.sleep ?? defaultSleep)(delay);
          continue;
        }
        if (cause instanceof EngineError) throw cause;
        throw new EngineError({ engine: this.name, statement: statement.sql, params: statement.params, cause, retryable });
      }
    }
  }

  async run(query: Sql | string, options: QueryOptions = {}): Promise<void> {
    await this.query(query, options);
  }

  /**
   * Runs `work` as one transaction where the engine has them (`capabilities.transactions`),
   * and statement by statement elsewhere. Any failure, BEGIN and COMMIT included, rolls back.
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (!this.capabilities.transactions) return work();
    try {
      await this.run('BEGIN TRANSACTION');
      const result = await work();
      await this.run('COMMIT');
      return result;
    } catch (error) {
      try {
        await this.run('ROLLBACK', { idempotent: true });
      } catch {
        // No transaction was open (BEGIN never ran, or COMMIT did): nothing to undo.
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.driver.close();
  }

  /** Exponential backoff with full jitter, so concurrent runners do not retry in step. */
  private backoff(attempt: number): number {
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round((this.retry.random ?? Math.random)() * cap);
  }
}

function causeMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

function abbreviate(text: string): string {
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

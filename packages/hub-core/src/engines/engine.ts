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
   * Safe to run again after a transient failure. `query` statements are; a write must say so,
   * because a retried INSERT whose first attempt committed would load rows twice.
   */
  readonly idempotent?: boolean;
}

/** One statement as the engine issued it, in order: the statement journal. */
export interface JournalEntry {
  /** As a person reads it: values inline, rendered by the dialect's literal function. */
  readonly text: string;
  /** `query` issues reads (a temporary view, which lives in the session, is one); `run` issues writes. */
  readonly kind: 'read' | 'write';
  /** The values in the statement, bound or inline, in order (a test normalises the run's own timestamps by them). */
  readonly values: readonly SqlValue[];
}

export type StatementListener = (entry: JournalEntry) => void;

export interface EngineOptions {
  readonly logger?: Logger | undefined;
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Called once per catalog before first use (DuckDB attaches a file per catalog). */
  readonly prepareCatalog?: ((catalog: string) => Promise<void>) | undefined;
}

/**
 * What the hub, a spoke's runner or a test calls on an engine (`createEngine` makes one): one
 * contract for every engine, a driver plus a dialect plus capabilities.
 */
export interface Engine {
  readonly name: EngineName;
  readonly dialect: Dialect;
  readonly capabilities: Capabilities;
  /** Statements issued so far (a retry is not counted twice). */
  readonly statementCount: number;
  readonly retryCount: number;
  /** A statement that changes no table: a read, or a temporary view (it lives in the session). Retried on transient failures. */
  query<T extends Row = Row>(query: Sql | string, options?: QueryOptions): Promise<T[]>;
  /** A statement that writes: stopped by the write guard, retried only when marked idempotent. */
  run(query: Sql | string, options?: QueryOptions): Promise<void>;
  /** `work` as one transaction where the engine has them, statement by statement elsewhere. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /** Calls `listener` with every statement this engine issues from now on, in order; returns the way to stop. */
  observe(listener: StatementListener): () => void;
  compile(query: Sql | string): CompiledStatement;
  /** The statement as a person reads it: values inline, rendered by the dialect's literal function. */
  render(query: Sql | string): string;
  /** Makes `catalog` usable in three-part names; a no-op except on the embedded engine. */
  prepareCatalogs(catalogs: Iterable<string>): Promise<void>;
  close(): Promise<void>;
}

/** What a bronze run's lease keeper needs of an engine beside its statements; the engines createEngine makes have it. */
export interface EngineSessions {
  /** An engine over a session of its own (a lease heartbeat runs there while a long statement runs here), or null where the driver has one session. */
  openSibling(): Promise<Engine | null>;
  /** `check` runs before every write, and may throw to stop it (a lease lost to another run). */
  guardWrites(check: (() => void | Promise<void>) | undefined): void;
}

/** The engine's sessions, or null for an engine without them (its runs keep their leases without a heartbeat). */
export function sessionsOf(engine: Engine): EngineSessions | null {
  const candidate = engine as Partial<EngineSessions>;
  return typeof candidate.openSibling === 'function' && typeof candidate.guardWrites === 'function' ? (engine as Engine & EngineSessions) : null;
}

/**
 * The engine over a driver: it counts statements, journals them, wraps failures in EngineError
 * and retries what is safe to retry.
 */
export class SqlEngine implements Engine, EngineSessions {
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
    if (!this.driver.openSibling) return null;
    const driver = await this.driver.openSibling();
    const logger = this.logger?.child({ session: 'sibling' }, { level: 'info' });
    return new SqlEngine(this.name, this.dialect, driver, this.capabilities, { ...this.options, logger });
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

  /** Statements issued so far (retries are not counted twice). */
  get statementCount(): number {
    return this.count;
  }

  get retryCount(): number {
    return this.retries;
  }

  /** Makes `catalog` usable in three-part names; a no-op except on the embedded engine. */
  async prepareCatalogs(catalogs: Iterable<string>): Promise<void> {
    // One name per catalog whatever its spelling: the dialect writes catalog names in lower case.
    for (const catalog of new Set([...catalogs].map((c) => c.toLowerCase()))) {
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
    this.journal(query, 'read');
    return this.execute<T>(this.compile(query), 'read', options);
  }

  async run(query: Sql | string, options: QueryOptions = {}): Promise<void> {
    this.journal(query, 'write');
    await this.execute(this.compile(query), 'write', options);
  }

  private journal(query: Sql | string, kind: JournalEntry['kind']): void {
    if (this.listeners.size === 0) return;
    const parts = typeof query === 'string' ? [] : query.parts;
    const values = parts.flatMap((p) => (p.kind === 'value' || p.kind === 'literal' ? [p.value] : []));
    const entry: JournalEntry = { text: this.render(query), kind, values };
    for (const listener of this.listeners) listener(entry);
  }

  private async execute<T extends Row>(statement: CompiledStatement, kind: JournalEntry['kind'], options: QueryOptions): Promise<T[]> {
    if (kind === 'write' && this.writeGuard) await this.writeGuard();
    const idempotent = options.idempotent ?? kind === 'read';
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

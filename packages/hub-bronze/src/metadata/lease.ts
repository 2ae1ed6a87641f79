import { hostname } from 'node:os';
import { LeaseHeldError, LeaseLostError, sessionsOf, SettingsError, sql, type Engine, type Logger, type Sql } from '@org/hub-core';
import { executorOf, type Executor } from '../executor.js';
import { metadataTable } from './ddl.js';

/** A dead holder's lease expires within this long of its last renewal (docs/cli.md: DELTALAKE_HUB_LEASE_TTL_SECONDS). */
export const DEFAULT_LEASE_TTL_SECONDS = 120;
export const LEASE_TTL_ENV = 'DELTALAKE_HUB_LEASE_TTL_SECONDS';

/** The lease lifetime: the option, else DELTALAKE_HUB_LEASE_TTL_SECONDS, else 120 s. */
export function leaseTtlMs(option?: number, env: NodeJS.ProcessEnv = process.env): number {
  if (option !== undefined) return option;
  const raw = env[LEASE_TTL_ENV];
  if (raw === undefined || raw === '') return DEFAULT_LEASE_TTL_SECONDS * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 1) throw new SettingsError(`invalid settings:\n${LEASE_TTL_ENV}=${JSON.stringify(raw)}: expected seconds, 1 or more`);
  return seconds * 1000;
}

/** Who holds a lease, as `lease list` shows it. */
export interface LeaseRow {
  readonly destTable: string;
  readonly runId: string;
  readonly holder: string | null;
  readonly acquiredAt: Date;
  readonly expiresAt: Date;
}

export interface AcquireOptions {
  readonly ttlMs: number;
  /** How long to wait for another run's lease before giving up. */
  readonly waitMs?: number | undefined;
  readonly pollMs?: number | undefined;
}

export interface HoldOptions extends AcquireOptions {
  /** The heartbeat's own session, which renews the lease while the run's session works; none on an engine with one session. */
  readonly session: Engine | null;
  readonly logger?: Logger | undefined;
}

/** This process, as a lease row names it. */
export const LEASE_HOLDER = `${hostname()}:${process.pid}`;

/**
 * The per-table leases of one metadata catalog (`bronze_metadata.load_lease`): one row per table
 * being loaded, taken with one MERGE, renewed by its holder, deleted when the holder is done.
 * The one owner of a lease: `hold` takes it, keeps it alive while the work runs, and releases it.
 */
export class LeaseTable {
  private readonly executor: Executor;
  private readonly catalog: string;
  private readonly table: Sql;

  constructor(target: Engine | Executor, catalog: string) {
    this.executor = executorOf(target);
    this.catalog = catalog;
    this.table = metadataTable(this.executor.engine, catalog, 'load_lease');
  }

  /**
   * Runs `work` holding the table's lease: taken first (waiting up to `waitMs` for another run's),
   * renewed from `session` while the work runs (the run's writes stop once it is lost), released
   * after, whatever happened.
   */
  async hold<T>(destTable: string, runId: string, options: HoldOptions, work: () => Promise<T>): Promise<T> {
    const sessions = sessionsOf(this.executor.engine);
    let keeper: LeaseKeeper | undefined;
    try {
      const expiresAt = await this.acquire(destTable, runId, options);
      if (options.session && sessions) {
        const held = new LeaseKeeper(new LeaseTable(options.session, this.catalog), destTable, runId, options.ttlMs, expiresAt, options.logger);
        keeper = held;
        held.start();
        sessions.guardWrites(() => held.check());
      }
      return await work();
    } finally {
      if (keeper) {
        sessions?.guardWrites(undefined);
        await keeper.stop();
      }
      await this.release(destTable, runId);
    }
  }

  /**
   * Takes the lease with one MERGE (an expired lease may be taken over), then reads who holds it.
   * On Delta, two runs racing the MERGE conflict and the loser reads the winner. Returns the expiry.
   */
  async acquire(destTable: string, runId: string, options: AcquireOptions): Promise<Date> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    // With a single writer per warehouse (DuckDB's file lock), a lease held by another run is a dead run's: take it over.
    const takeover = this.executor.engine.capabilities.concurrentWriters ? sql.empty : sql` OR TRUE`;
    let conflicts = 0;
    for (;;) {
      const now = new Date();
      const expires = new Date(now.getTime() + options.ttlMs);
      let conflicted = false;
      try {
        await this.executor.write(sql`MERGE INTO ${this.table} AS l
USING (SELECT ${destTable} AS dest_table, ${runId} AS run_id, ${now} AS acquired_at, ${expires} AS expires_at, ${LEASE_HOLDER} AS holder) AS s
ON l.dest_table = s.dest_table
WHEN MATCHED AND (l.expires_at < s.acquired_at OR l.run_id = s.run_id${takeover}) THEN UPDATE SET run_id = s.run_id, acquired_at = s.acquired_at, expires_at = s.expires_at, holder = s.holder
WHEN NOT MATCHED THEN INSERT (dest_table, run_id, acquired_at, expires_at, holder) VALUES (s.dest_table, s.run_id, s.acquired_at, s.expires_at, s.holder)`);
      } catch (error) {
        // A concurrent writer won the race on the lease table: read below who holds it.
        if (!isConcurrencyConflict(error)) throw error;
        conflicted = true;
      }
      // Who holds it now; a clean run finds itself.
      const rows = await this.executor.check(this.holderStatement(destTable), [{ dest_table: destTable, run_id: runId, holder: LEASE_HOLDER, acquired_at: now, expires_at: expires }]);
      const holder = rows[0] ? toLeaseRow(rows[0]) : null;
      if (holder?.runId === runId) return holder.expiresAt;
      // The conflict was with a run leasing another table (one Delta table holds every lease), or the lease is free: try again.
      if (conflicted && (!holder || holder.expiresAt < now) && ++conflicts <= 20) {
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
        continue;
      }
      if (Date.now() >= deadline) {
        throw new LeaseHeldError(destTable, holder?.runId ?? 'unknown', holder ? holder.expiresAt.toISOString() : 'unknown', holder?.holder ?? undefined);
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    }
  }

  /** Pushes this run's expiry forward; returns the lease as it stands after (another run's, or none, when it was lost). */
  async renew(destTable: string, runId: string, ttlMs: number): Promise<LeaseRow | null> {
    const expires = new Date(Date.now() + ttlMs);
    try {
      await this.executor.write(sql`UPDATE ${this.table} SET expires_at = ${expires} WHERE dest_table = ${destTable} AND run_id = ${runId}`, { idempotent: true });
    } catch (error) {
      // A takeover racing this renewal: the read below tells who won.
      if (!isConcurrencyConflict(error)) throw error;
    }
    return this.holderOf(destTable);
  }

  async holderOf(destTable: string): Promise<LeaseRow | null> {
    const rows = await this.executor.read(this.holderStatement(destTable));
    return rows[0] ? toLeaseRow(rows[0]) : null;
  }

  private holderStatement(destTable: string): Sql {
    return sql`SELECT dest_table, run_id, holder, acquired_at, expires_at FROM ${this.table} WHERE dest_table = ${destTable}`;
  }

  async list(): Promise<LeaseRow[]> {
    const rows = await this.executor.read(sql`SELECT dest_table, run_id, holder, acquired_at, expires_at FROM ${this.table} ORDER BY dest_table`);
    return rows.map(toLeaseRow);
  }

  /** One DELETE of the table's lease, if `runId` still holds it. */
  async release(destTable: string, runId: string): Promise<void> {
    await this.executor.write(sql`DELETE FROM ${this.table} WHERE dest_table = ${destTable} AND run_id = ${runId}`, { idempotent: true });
  }

  /** `lease release`: deletes the table's lease if `runId` holds it; whether it did. */
  async releaseIfHeld(destTable: string, runId: string): Promise<boolean> {
    const before = await this.holderOf(destTable);
    if (before?.runId !== runId) return false;
    await this.release(destTable, runId);
    return true;
  }
}

function toLeaseRow(row: Record<string, unknown>): LeaseRow {
  return {
    destTable: String(row['dest_table']),
    runId: String(row['run_id']),
    holder: row['holder'] == null ? null : String(row['holder']),
    acquiredAt: toDate(row['acquired_at']),
    expiresAt: toDate(row['expires_at']),
  };
}

const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

/**
 * Holds one table's lease while a run works on it: renews it every quarter lifetime from a
 * session of its own (so a statement that runs for an hour does not stop the renewals), and
 * guards the run's writes: once the lease is lost, or could not be renewed before it expired,
 * the next write throws LeaseLostError instead of running.
 */
export class LeaseKeeper {
  private readonly leases: LeaseTable;
  private readonly destTable: string;
  private readonly runId: string;
  private readonly ttlMs: number;
  private readonly logger: Logger | undefined;
  private expiresAt: Date;
  private lost: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> = Promise.resolve();

  constructor(leases: LeaseTable, destTable: string, runId: string, ttlMs: number, expiresAt: Date, logger: Logger | undefined) {
    this.leases = leases;
    this.destTable = destTable;
    this.runId = runId;
    this.ttlMs = ttlMs;
    this.expiresAt = expiresAt;
    this.logger = logger;
  }

  start(): void {
    const every = Math.max(200, Math.floor(this.ttlMs / 4));
    this.timer = setInterval(() => {
      this.renewing = this.renewing.then(() => this.renew());
    }, every);
    this.timer.unref();
  }

  /**
   * Throws once the lease is not surely this run's any more. Past the expiry last written, a
   * renewal decides: it reads who holds the lease after its UPDATE, and a takeover changes the run id.
   */
  async check(): Promise<void> {
    if (this.lost === null && Date.now() >= this.expiresAt.getTime()) {
      this.renewing = this.renewing.then(() => this.renew());
      // A renewal that never answers (a saturated server) must not hold the run forever: past one lifetime the lease is not ours.
      const answered = await this.settled();
      if (!answered && this.lost === null) this.lost = `its lease expired at ${this.expiresAt.toISOString()} and a renewal did not answer within ${this.ttlMs / 1000} s`;
      if (this.lost === null && Date.now() >= this.expiresAt.getTime()) this.lost = `its lease expired at ${this.expiresAt.toISOString()} and could not be renewed`;
    }
    if (this.lost !== null) throw new LeaseLostError(this.destTable, this.runId, this.lost);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.settled();
  }

  /** The renewal in flight, waited for at most one lifetime; whether it answered. */
  private async settled(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      this.renewing.then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), this.ttlMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  private async renew(): Promise<void> {
    if (this.lost !== null) return;
    try {
      const now = await this.leases.renew(this.destTable, this.runId, this.ttlMs);
      if (now?.runId === this.runId) {
        this.expiresAt = now.expiresAt;
        return;
      }
      this.lost = now ? `run ${now.runId}${now.holder ? ` on ${now.holder}` : ''} took it over` : 'its lease was released by someone else';
      this.logger?.error({ table: this.destTable, reason: this.lost }, 'lease lost: this run writes nothing more to the table');
    } catch (error) {
      // A failed renewal is tried again next tick; check() stops the run if the lease runs out meanwhile.
      this.logger?.warn({ table: this.destTable, error: error instanceof Error ? error.message.split('\n')[0] : String(error) }, 'lease renewal failed');
    }
  }
}

export function isConcurrencyConflict(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error);
  return /Concurrent(Append|Delete|Transaction|Modification)|ConcurrentWrite|DELTA_CONCURRENT|Transaction conflict|write-write conflict/i.test(text);
}

import { HUB_VERSION, LeaseHeldError, sql, type Engine, type JsonColumn, type Sql } from '@org/hub-core';
import { metadataTable } from './ddl.js';
import { pathRows } from './loaders/shared.js';
import type { FileConfigRow, FileStatus } from './types.js';

/** What the tracker records for one file of one run. */
export interface TrackedFile {
  readonly config: FileConfigRow;
  readonly path: string;
  readonly name: string;
  readonly sizeBytes: number;
  readonly modifiedAt: Date;
  readonly fileDate: string;
  readonly status: Exclude<FileStatus, 'SKIPPED'>;
  readonly rows: number;
  readonly reason: string | null;
}

/** The per-file fields of a tracker row, bound as one JSON array. */
const TRACKED_FILE_COLUMNS: readonly JsonColumn[] = [
  { name: 'lob', type: 'string' },
  { name: 'category', type: 'string' },
  { name: 'subcategory', type: 'string' },
  { name: 'file_name', type: 'string' },
  { name: 'source_path', type: 'string' },
  { name: 'load_status', type: 'string' },
  { name: 'row_count', type: 'bigint' },
  { name: 'file_path', type: 'string' },
  { name: 'file_size', type: 'bigint' },
  { name: 'modification_time', type: 'timestamp' },
  { name: 'file_date', type: 'date' },
  { name: 'error_message', type: 'string' },
];

export interface LeaseOptions {
  /** How long a lease stays valid if its run dies without releasing it. */
  readonly ttlMs?: number | undefined;
  /** How long to wait for another run's lease before giving up. */
  readonly waitMs?: number | undefined;
  readonly pollMs?: number | undefined;
}

export function qualifiedName(config: Pick<FileConfigRow, 'destCatalog' | 'destSchema' | 'destTable'>): string {
  return `${config.destCatalog}.${config.destSchema}.${config.destTable}`;
}

/**
 * The tracker is the index, the bronze rows (`_source_file`, `_batch_id`) are the ledger.
 * Every method is one set-based statement, whatever the number of files.
 */
export class LoadTracker {
  private readonly engine: Engine;
  private readonly tracker: Sql;
  private readonly lease: Sql;

  constructor(engine: Engine, catalog: string) {
    this.engine = engine;
    this.tracker = metadataTable(engine, catalog, 'load_tracker');
    this.lease = metadataTable(engine, catalog, 'load_lease');
  }

  /** The (file, batch) groups of a bronze table that the tracker does not list as loaded: a crash between load and track. */
  private untracked(bronze: Sql, destTable: string): Sql {
    return sql`SELECT _source_file, _batch_id, COUNT(*) AS row_count, MIN(_ingested_at) AS first_ingested, MAX(_ingested_at) AS last_ingested
FROM ${bronze} AS b
WHERE NOT EXISTS (SELECT 1 FROM ${this.tracker} AS t WHERE t.dest_table = ${destTable} AND t.file_path = b._source_file AND t.batch_id = b._batch_id AND t.load_status = 'SUCCESS')
GROUP BY _source_file, _batch_id`;
  }

  reconcileStatement(bronze: Sql, destTable: string, config: FileConfigRow): Sql {
    return sql`INSERT INTO ${this.tracker} (tracker_id, lob, category, subcategory, file_name, source_path, dest_table, load_status, load_timestamp, batch_id, row_count, file_path, file_size, modification_time, file_date, error_message, started_at, finished_at, hub_version)
SELECT uuid(), ${config.lob}, ${config.category}, ${config.subcategory}, regexp_extract(u._source_file, '[^/]+$', 0), ${config.sourcePath}, ${destTable}, 'SUCCESS', current_timestamp, u._batch_id, u.row_count, u._source_file, CAST(NULL AS BIGINT), CAST(NULL AS TIMESTAMP), CAST(NULL AS DATE), 'recorded by reconcile: rows were present without a tracker entry', u.first_ingested, u.last_ingested, ${sql.literal(HUB_VERSION)}
FROM (${this.untracked(bronze, destTable)}) AS u`;
  }

  /** Records untracked files as loaded, not reloaded; a read first, so the usual run writes nothing here. Returns how many. */
  async reconcile(bronze: Sql, destTable: string, config: FileConfigRow): Promise<number> {
    const found = await this.engine.query(sql`SELECT COUNT(*) AS n FROM (${this.untracked(bronze, destTable)}) AS u`);
    const count = Number(found[0]?.['n'] ?? 0);
    if (count > 0) await this.engine.run(this.reconcileStatement(bronze, destTable, config));
    return count;
  }

  /**
   * One INSERT for every file of a table in this run: the per-file values travel as ONE JSON
   * array (a warehouse takes at most 256 parameters), the values shared by all files once each.
   */
  recordStatement(runId: string, destTable: string, files: readonly TrackedFile[], startedAt: Date): Sql {
    const finishedAt = new Date();
    const rows = this.engine.dialect.jsonRows(
      TRACKED_FILE_COLUMNS,
      files.map((f) => [f.config.lob, f.config.category, f.config.subcategory, f.name, f.config.sourcePath, f.status, f.rows, f.path, f.sizeBytes, f.modifiedAt, f.fileDate, f.reason]),
    );
    // Which hub version loaded a file is an audit question; inline, so the statement adds no bound parameter.
    return sql`INSERT INTO ${this.tracker} (tracker_id, lob, category, subcategory, file_name, source_path, dest_table, load_status, load_timestamp, batch_id, row_count, file_path, file_size, modification_time, file_date, error_message, started_at, finished_at, hub_version)
SELECT uuid(), f.lob, f.category, f.subcategory, f.file_name, f.source_path, ${destTable}, f.load_status, ${finishedAt}, ${runId}, f.row_count, f.file_path, f.file_size, f.modification_time, f.file_date, f.error_message, ${startedAt}, ${finishedAt}, ${sql.literal(HUB_VERSION)}
FROM (${rows}) AS f`;
  }

  /** One INSERT for every file of a table in this run. */
  async record(runId: string, destTable: string, files: readonly TrackedFile[], startedAt: Date): Promise<void> {
    if (files.length === 0) return;
    await this.engine.run(this.recordStatement(runId, destTable, files, startedAt));
  }

  /** Earlier loads of these files stop counting as loaded: one MERGE joined to the paths (Delta takes no subquery in an UPDATE's condition). */
  supersedeStatement(destTable: string, paths: readonly string[]): Sql {
    return sql`MERGE INTO ${this.tracker} AS t
USING (SELECT DISTINCT file_path FROM (${pathRows(this.engine, paths)}) AS p) AS s
ON t.file_path = s.file_path AND t.dest_table = ${destTable} AND t.load_status = 'SUCCESS'
WHEN MATCHED THEN UPDATE SET load_status = 'REPLACED'`;
  }

  /** Before a forced reload: earlier loads stop counting as loaded, so a crash mid-reload leads to a reload, never a loss. */
  async supersede(destTable: string, paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    await this.engine.run(this.supersedeStatement(destTable, paths), { idempotent: true });
  }

  /**
   * Takes the per-table lease with one MERGE (an expired lease may be taken over), then reads
   * who holds it. On Delta, two runs racing the MERGE conflict and one of them retries.
   */
  async acquireLease(destTable: string, runId: string, options: LeaseOptions = {}): Promise<void> {
    const ttlMs = options.ttlMs ?? 60 * 60_000;
    const deadline = Date.now() + (options.waitMs ?? 0);
    // With a single writer per warehouse (DuckDB's file lock), a lease held by another run is a dead run's: take it over.
    const takeover = this.engine.capabilities.concurrentWriters ? sql.empty : sql` OR TRUE`;
    for (;;) {
      const now = new Date();
      const expires = new Date(now.getTime() + ttlMs);
      try {
        await this.engine.run(sql`MERGE INTO ${this.lease} AS l
USING (SELECT ${destTable} AS dest_table, ${runId} AS run_id, ${now} AS acquired_at, ${expires} AS expires_at) AS s
ON l.dest_table = s.dest_table
WHEN MATCHED AND (l.expires_at < s.acquired_at OR l.run_id = s.run_id${takeover}) THEN UPDATE SET run_id = s.run_id, acquired_at = s.acquired_at, expires_at = s.expires_at
WHEN NOT MATCHED THEN INSERT (dest_table, run_id, acquired_at, expires_at) VALUES (s.dest_table, s.run_id, s.acquired_at, s.expires_at)`);
      } catch (error) {
        // A concurrent writer won the race on the lease table: read below who holds it.
        if (!isConcurrencyConflict(error)) throw error;
      }
      const rows = await this.engine.query(sql`SELECT run_id, expires_at FROM ${this.lease} WHERE dest_table = ${destTable}`);
      const holder = rows[0];
      if (holder && holder['run_id'] === runId) return;
      if (Date.now() >= deadline) {
        const expiresAt = holder?.['expires_at'];
        throw new LeaseHeldError(destTable, String(holder?.['run_id'] ?? 'unknown'), expiresAt instanceof Date ? expiresAt.toISOString() : String(expiresAt));
      }
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
    }
  }

  async releaseLease(destTable: string, runId: string): Promise<void> {
    await this.engine.run(sql`DELETE FROM ${this.lease} WHERE dest_table = ${destTable} AND run_id = ${runId}`, { idempotent: true });
  }

  /** Recent loads, newest first, for `deltalake-hub status`. */
  async recent(limit: number): Promise<Record<string, unknown>[]> {
    return this.engine.query(this.recentStatement(limit));
  }

  recentStatement(limit: number): Sql {
    return sql`SELECT load_timestamp, load_status, dest_table, file_path, row_count, batch_id, error_message FROM ${this.tracker} ORDER BY load_timestamp DESC, file_path LIMIT ${sql.int(Math.min(1_000_000, Math.max(1, Math.floor(limit))))}`;
  }
}

function isConcurrencyConflict(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error);
  return /Concurrent(Append|Delete|Transaction|Modification)|ConcurrentWrite|DELTA_CONCURRENT|Transaction conflict|write-write conflict/i.test(text);
}

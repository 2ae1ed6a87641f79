import { HUB_VERSION, sql, type Engine, type JsonColumn, type Row, type Sql } from '@org/hub-core';
import { executorOf, type Executor } from '../executor.js';
import { pathRows } from '../loaders/shared.js';
import { newOrChangedSql } from '../rules/changes.js';
import type { FileConfigRow, FileStatus } from '../types.js';
import type { LoadWindow } from '../window.js';
import { metadataTable } from './ddl.js';

/** What the tracker records for one file of one run. */
export interface TrackedFile {
  readonly config: FileConfigRow;
  readonly path: string;
  readonly name: string;
  readonly sizeBytes: number;
  readonly modifiedAt: Date;
  readonly fileDate: string;
  /** LOADING: written before the load (see intend), never counted as loaded. */
  readonly status: Exclude<FileStatus, 'SKIPPED'> | 'LOADING';
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

export function qualifiedName(config: Pick<FileConfigRow, 'destCatalog' | 'destSchema' | 'destTable'>): string {
  return `${config.destCatalog}.${config.destSchema}.${config.destTable}`;
}

/**
 * The tracker is the index, the bronze rows (`_source_file`, `_batch_id`) are the ledger.
 * Every method is one set-based statement, whatever the number of files.
 */
export class LoadTracker {
  private readonly executor: Executor;
  private readonly engine: Engine;
  private readonly tracker: Sql;

  constructor(target: Engine | Executor, catalog: string) {
    this.executor = executorOf(target);
    this.engine = this.executor.engine;
    this.tracker = metadataTable(this.engine, catalog, 'load_tracker');
  }

  /** The (file, batch) groups of a bronze table that the tracker does not list as loaded: a crash between load and track. */
  private untracked(bronze: Sql, destTable: string): Sql {
    return sql`SELECT _source_file, _batch_id, COUNT(*) AS row_count, MIN(_ingested_at) AS first_ingested, MAX(_ingested_at) AS last_ingested
FROM ${bronze} AS b
WHERE NOT EXISTS (SELECT 1 FROM ${this.tracker} AS t WHERE t.dest_table = ${destTable} AND t.file_path = b._source_file AND t.batch_id = b._batch_id AND t.load_status = 'SUCCESS')
GROUP BY _source_file, _batch_id`;
  }

  /**
   * Records untracked groups as SUCCESS, each under the config row, size, time and date of the
   * LOADING row its run wrote before the load (the row whose listing found it; a file changed
   * since still shows as changed); with no such row, under the table's first config row.
   */
  reconcileStatement(bronze: Sql, destTable: string, config: FileConfigRow): Sql {
    return sql`INSERT INTO ${this.tracker} (tracker_id, lob, category, subcategory, file_name, source_path, dest_table, load_status, load_timestamp, batch_id, row_count, file_path, file_size, modification_time, file_date, error_message, started_at, finished_at, hub_version)
SELECT uuid(), COALESCE(i.lob, ${config.lob}), COALESCE(i.category, ${config.category}), COALESCE(i.subcategory, ${config.subcategory}), regexp_extract(u._source_file, '[^/]+$', 0), COALESCE(i.source_path, ${config.sourcePath}), ${destTable}, 'SUCCESS', current_timestamp, u._batch_id, u.row_count, u._source_file, i.file_size, i.modification_time, i.file_date, 'recorded by reconcile: rows were present without a tracker entry', u.first_ingested, u.last_ingested, ${sql.literal(HUB_VERSION)}
FROM (${this.untracked(bronze, destTable)}) AS u
LEFT JOIN (SELECT file_path, batch_id, MAX(lob) AS lob, MAX(category) AS category, MAX(subcategory) AS subcategory, MAX(source_path) AS source_path, MAX(file_size) AS file_size, MAX(modification_time) AS modification_time, MAX(file_date) AS file_date
  FROM ${this.tracker} WHERE dest_table = ${destTable} AND load_status = 'LOADING' GROUP BY file_path, batch_id) AS i
ON i.file_path = u._source_file AND i.batch_id = u._batch_id`;
  }

  /** SUCCESS rows whose batch has no rows in bronze (a forced reload deleted them, then died): they no longer count as loaded. */
  private stale(bronze: Sql, destTable: string): Sql {
    return sql`SELECT s.tracker_id FROM ${this.tracker} AS s
LEFT JOIN (SELECT DISTINCT _source_file, _batch_id FROM ${bronze}) AS b ON b._source_file = s.file_path AND b._batch_id = s.batch_id
WHERE s.dest_table = ${destTable} AND s.load_status = 'SUCCESS' AND s.row_count > 0 AND b._batch_id IS NULL`;
  }

  /**
   * Makes the tracker agree with the bronze rows after a crash, reading first so the usual run
   * writes nothing here: untracked rows are recorded as loaded (not reloaded), and SUCCESS rows
   * whose rows are gone stop counting as loaded (so the file loads again). Returns how many files it recorded.
   */
  async reconcile(bronze: Sql, destTable: string, config: FileConfigRow): Promise<number> {
    const found = await this.executor.read(sql`SELECT 'untracked' AS kind, COUNT(*) AS n FROM (${this.untracked(bronze, destTable)}) AS u
UNION ALL
SELECT 'stale' AS kind, COUNT(*) AS n FROM (${this.stale(bronze, destTable)}) AS g
UNION ALL
SELECT 'loading' AS kind, COUNT(*) AS n FROM ${this.tracker} WHERE dest_table = ${destTable} AND load_status = 'LOADING'`);
    const count = (kind: string) => Number(found.find((r) => r['kind'] === kind)?.['n'] ?? 0);
    if (count('stale') > 0) {
      await this.executor.write(
        sql`MERGE INTO ${this.tracker} AS t
USING (${this.stale(bronze, destTable)}) AS g
ON t.tracker_id = g.tracker_id
WHEN MATCHED THEN UPDATE SET load_status = 'REPLACED', error_message = 'replaced: its rows were deleted by a forced reload that did not finish'`,
        { idempotent: true },
      );
    }
    if (count('untracked') > 0) await this.executor.write(this.reconcileStatement(bronze, destTable, config));
    // Under the table's lease, LOADING rows are a dead run's: reconcile has used what they said.
    if (count('loading') > 0) await this.clearLoading(destTable, null);
    return count('untracked');
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

  /**
   * Before a table's load: a LOADING row per file with its size and time as listed, so a crash
   * after the load leaves reconcile the file's state at load time. One INSERT, as record's.
   */
  async intend(runId: string, destTable: string, files: readonly Omit<TrackedFile, 'status' | 'rows' | 'reason'>[], startedAt: Date): Promise<void> {
    if (files.length === 0) return;
    await this.executor.write(this.recordStatement(runId, destTable, files.map((f) => ({ ...f, status: 'LOADING' as const, rows: 0, reason: null })), startedAt));
  }

  /** One INSERT for every file of a table in this run, then one DELETE of the run's LOADING rows for it. */
  async record(runId: string, destTable: string, files: readonly TrackedFile[], startedAt: Date): Promise<void> {
    if (files.length === 0) return;
    await this.executor.write(this.recordStatement(runId, destTable, files, startedAt));
    await this.clearLoading(destTable, runId);
  }

  /** Deletes a table's LOADING rows: one run's, or (null) every run's. */
  private async clearLoading(destTable: string, runId: string | null): Promise<void> {
    const run = runId === null ? sql.empty : sql` AND batch_id = ${runId}`;
    await this.executor.write(sql`DELETE FROM ${this.tracker} WHERE dest_table = ${destTable} AND load_status = 'LOADING'${run}`, { idempotent: true });
  }

  /** Loads of these files by other runs stop counting as loaded: one MERGE joined to the paths (Delta takes no subquery in an UPDATE's condition). */
  supersedeStatement(destTable: string, paths: readonly string[], runId: string): Sql {
    return sql`MERGE INTO ${this.tracker} AS t
USING (SELECT DISTINCT file_path FROM (${pathRows(this.engine, paths)}) AS p) AS s
ON t.file_path = s.file_path AND t.dest_table = ${destTable} AND t.load_status = 'SUCCESS' AND t.batch_id <> ${runId}
WHEN MATCHED THEN UPDATE SET load_status = 'REPLACED'`;
  }

  /**
   * After a forced reload's new rows and tracker rows are in: the earlier loads stop counting.
   * A crash before this leaves two SUCCESS rows, one without rows in bronze, which reconcile marks.
   */
  async supersede(destTable: string, paths: readonly string[], runId: string): Promise<void> {
    if (paths.length === 0) return;
    await this.executor.write(this.supersedeStatement(destTable, paths, runId), { idempotent: true });
  }

  /**
   * What the tracker knows of listed files, in one statement whatever their number (the files bound
   * as one JSON array): per file its last SUCCESS load and its last check that did not load it
   * (QUARANTINED or FAILED). Only what a run acts on comes back: new files and loaded ones changed
   * since (files quarantined before come back as new, with that check, for the rules to judge), or,
   * with `every`, every file (a forced reload, a file named by --file-name).
   */
  lookupStatement(destTable: string, files: readonly { readonly path: string; readonly sizeBytes: number; readonly modifiedAt: Date }[], every: boolean): Sql {
    const listed = this.engine.dialect.jsonRows(
      [
        { name: 'file_path', type: 'string' },
        { name: 'file_size', type: 'bigint' },
        { name: 'modification_time', type: 'timestamp' },
      ],
      files.map((f) => [f.path, f.sizeBytes, f.modifiedAt]),
    );
    const wanted = every ? sql`TRUE` : newOrChangedSql(this.engine.dialect, { size: sql.raw('c.file_size'), modifiedAt: sql.raw('c.modification_time') });
    return sql`WITH c AS (${listed}),
r AS (SELECT t.file_path, t.load_status, t.file_size, t.modification_time, t.batch_id, t.error_message, t.load_timestamp,
    row_number() OVER (PARTITION BY t.file_path, CASE WHEN t.load_status = 'SUCCESS' THEN 1 ELSE 0 END ORDER BY t.load_timestamp DESC) AS n
  FROM ${this.tracker} AS t
  WHERE t.dest_table = ${destTable} AND t.load_status IN ('SUCCESS', 'QUARANTINED', 'FAILED') AND t.file_path IN (SELECT file_path FROM c))
SELECT c.file_path, t.file_path IS NOT NULL AS loaded, t.file_size AS loaded_size, t.modification_time AS loaded_modified_at, t.batch_id AS loaded_by, t.load_timestamp AS loaded_at,
  q.load_status AS checked_status, q.file_size AS checked_size, q.modification_time AS checked_modified_at, q.batch_id AS checked_by, q.error_message AS checked_reason, q.load_timestamp AS checked_at
FROM c
LEFT JOIN r AS t ON t.file_path = c.file_path AND t.load_status = 'SUCCESS' AND t.n = 1
LEFT JOIN r AS q ON q.file_path = c.file_path AND q.load_status <> 'SUCCESS' AND q.n = 1
WHERE ${wanted}`;
  }

  /** The lookup as a read: a plan on a fresh warehouse (no tracker yet) finds every file new, as the run's empty tracker would. */
  async lookup(destTable: string, files: readonly { readonly path: string; readonly sizeBytes: number; readonly modifiedAt: Date }[], every: boolean): Promise<Row[]> {
    if (files.length === 0) return [];
    return this.executor.read(this.lookupStatement(destTable, files, every), { ifAbsent: files.map((f) => ({ file_path: f.path, loaded: false })) });
  }

  /**
   * Per file date outside the window, the files of one config row loaded with that date: how many,
   * the first and last path. A run compares them with the names it found of that date, so files
   * outside the window are counted as loaded or not without binding every name (one row per day
   * of the history, not per file).
   */
  async loadedDates(destTable: string, sourcePath: string, window: LoadWindow): Promise<Map<string, { files: number; first: string; last: string }>> {
    const rows = await this.executor.read(
      sql`SELECT CAST(file_date AS STRING) AS file_date, COUNT(DISTINCT file_path) AS n, MIN(file_path) AS first_path, MAX(file_path) AS last_path
FROM ${this.tracker}
WHERE dest_table = ${destTable} AND source_path = ${sourcePath} AND load_status = 'SUCCESS' AND (file_date < CAST(${window.begin} AS DATE) OR file_date > CAST(${window.end} AS DATE))
GROUP BY file_date`,
      { ifAbsent: [] },
    );
    return new Map(rows.map((r) => [String(r['file_date']).slice(0, 10), { files: Number(r['n']), first: String(r['first_path']), last: String(r['last_path']) }]));
  }

  /** The paths of one config row loaded with these dates: for the days where the counts alone cannot tell which files are loaded. */
  async loadedPaths(destTable: string, sourcePath: string, dates: readonly string[]): Promise<Set<string>> {
    if (dates.length === 0) return new Set();
    const days = this.engine.dialect.jsonRows([{ name: 'file_date', type: 'date' }], dates.map((d) => [d]));
    const rows = await this.executor.read(
      sql`SELECT DISTINCT file_path FROM ${this.tracker} WHERE dest_table = ${destTable} AND source_path = ${sourcePath} AND load_status = 'SUCCESS' AND file_date IN (SELECT file_date FROM (${days}) AS d)`,
      { ifAbsent: [] },
    );
    return new Set(rows.map((r) => String(r['file_path'])));
  }

  /** Files whose last check QUARANTINED them and that have not loaded since, newest first: `deltalake-hub status --quarantined`. */
  quarantinedStatement(limit: number): Sql {
    return sql`SELECT load_timestamp, dest_table, file_path, file_size, batch_id, error_message FROM (
  SELECT load_timestamp, dest_table, file_path, file_size, batch_id, error_message, load_status,
    row_number() OVER (PARTITION BY dest_table, file_path ORDER BY load_timestamp DESC) AS n
  FROM ${this.tracker} WHERE load_status IN ('SUCCESS', 'QUARANTINED', 'FAILED')
) AS latest
WHERE n = 1 AND load_status = 'QUARANTINED'
ORDER BY load_timestamp DESC, file_path LIMIT ${sql.int(Math.min(1_000_000, Math.max(1, Math.floor(limit))))}`;
  }

  /** Recent loads, newest first, for `deltalake-hub status`. */
  async recent(limit: number): Promise<Record<string, unknown>[]> {
    return this.executor.read(this.recentStatement(limit));
  }

  recentStatement(limit: number): Sql {
    return sql`SELECT load_timestamp, load_status, dest_table, file_path, row_count, batch_id, error_message FROM ${this.tracker} ORDER BY load_timestamp DESC, file_path LIMIT ${sql.int(Math.min(1_000_000, Math.max(1, Math.floor(limit))))}`;
  }
}

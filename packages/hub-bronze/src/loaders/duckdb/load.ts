import { sql, type Row, type Sql } from '@org/hub-core';
import type { Executor } from '../../executor.js';
import type { ListedFile } from '../../files.js';
import { findLines } from '../../rules/csv-lines.js';
import { withoutUnreadable } from '../../rules/unreadable.js';
import type { FileVerdicts, RejectedLine } from '../../rules/verdicts.js';
import type { LoadRequest, PreparedLoad } from '../loader.js';
import { groupBy, scanOf, SOURCE, type ScanGroup } from './scan.js';

/** DuckDB reserves a 30.5 MiB buffer per `read_csv` call when a statement starts: a few groups per statement keep that bounded. */
export const GROUPS_PER_STATEMENT = 4;

interface DuckDbLoad {
  readonly request: LoadRequest;
  /** The groups with the files that still load. */
  readonly groups: () => ScanGroup[];
  readonly expected: ReadonlyMap<string, string>;
  readonly verdicts: FileVerdicts;
  readonly identify: (error: unknown, files: readonly ListedFile[]) => Promise<ReadonlyMap<ListedFile, string>>;
}

/**
 * A table's files load in one transaction: create or widen the table, replace forced files'
 * rows, one `INSERT ... SELECT` per 4 groups, then remove the rows of files with rejected lines,
 * so a file lands whole or not at all. A file the INSERT cannot read is set aside and the
 * transaction runs again without it.
 */
export function duckDbLoad(load: DuckDbLoad): PreparedLoad {
  const { verdicts } = load;
  return {
    get files() {
      return load.groups().flatMap((g) => g.files);
    },
    async apply(executor) {
      const rows = await withoutUnreadable(
        () => load.groups().flatMap((g) => g.files),
        verdicts,
        async () => {
          // Reject tables outlive the statement that filled them: clear them so only this attempt's rejects are read.
          await executor.write(sql`DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans`, { idempotent: true });
          return executor.transaction(() => insertAndScreen(executor, load, load.groups()));
        },
        load.identify,
      );
      for (const file of verdicts.pending(load.request.files)) verdicts.loaded(file, rows.get(file.path) ?? 0);
    },
  };
}

/**
 * Inside one transaction: create or widen the table, replace forced files' rows, insert every
 * group's rows, then remove the rows of files with rejected lines (and any column only they
 * brought). Returns the rows per file, counted by the engine.
 */
async function insertAndScreen(executor: Executor, load: DuckDbLoad, groups: readonly ScanGroup[]): Promise<Map<string, number>> {
  const { request, expected, verdicts } = load;
  const { dialect } = executor.engine;
  const target = dialect.table(request.table);
  const tableColumns = request.tableColumns;
  const added = new Map<string, string>();
  for (const group of groups) {
    for (const name of group.columns.keys()) {
      if (!tableColumns.has(name.toLowerCase()) && !added.has(name.toLowerCase())) added.set(name.toLowerCase(), name);
    }
  }
  const columnType = (name: string) => dialect.columnType(expected.get(name.toLowerCase()) ?? 'VARCHAR');
  if (tableColumns.size === 0) {
    if (groups.length === 0) return new Map();
    await executor.write(sql`CREATE SCHEMA IF NOT EXISTS ${dialect.schema(request.table.catalog, request.table.schema)}`, { idempotent: true });
    const columns = [...added.values()].map((c) => sql`${sql.column(c)} ${columnType(c)}`);
    await executor.write(sql`CREATE TABLE ${target} (${sql.join([...columns, sql`_source_file VARCHAR, _batch_id VARCHAR, _ingested_at TIMESTAMP`])})`);
  } else {
    for (const name of added.values()) await executor.write(sql`ALTER TABLE ${target} ADD COLUMN ${sql.column(name)} ${columnType(name)}`);
    if (request.replacePaths.length > 0) await executor.write(sql`DELETE FROM ${target} WHERE _source_file IN (${sql.join(request.replacePaths.map((p) => sql`${p}`))})`, { idempotent: true });
  }
  if (groups.length === 0) return new Map();
  for (const batch of chunks(groups, GROUPS_PER_STATEMENT)) await executor.write(insertStatement(executor, request, batch));

  const thisLoad = sql`_ingested_at = ${request.ingestedAt} AND _batch_id = ${request.runId}`;
  const delimited = groups.some((g) => g.files[0]?.config.fileFormat === 'delimited');
  // The INSERT above fills them; a clean run finds none.
  const rejects = !delimited
    ? []
    : await executor.check(
        sql`SELECT s.file_path, e.line, e.line_byte_position, e.error_type, e.column_name, e.error_message
FROM reject_errors AS e JOIN reject_scans AS s ON e.scan_id = s.scan_id AND e.file_id = s.file_id
ORDER BY s.file_path, e.line`,
        [],
      );
  const byPhysical = new Map(groups.flatMap((g) => g.files.map((f) => [f.physical, f] as const)));
  const rejected = await judgeRejects(rejects, byPhysical, verdicts);
  if (rejected.size > 0) {
    await executor.write(sql`DELETE FROM ${target} WHERE ${thisLoad} AND _source_file IN (${sql.join([...rejected].map((f) => sql`${f.path}`))})`, { idempotent: true });
    // A column that only rejected files have never reaches the table.
    const kept = groups.filter((g) => g.files.some((f) => !rejected.has(f)));
    for (const [lower, name] of added) {
      if (!kept.some((g) => [...g.columns.keys()].some((c) => c.toLowerCase() === lower))) await executor.write(sql`ALTER TABLE ${target} DROP COLUMN ${sql.column(name)}`);
    }
  }
  // The rows just inserted; a clean run counts what the files hold.
  const counts = await executor.check(
    sql`SELECT _source_file AS path, COUNT(*) AS n FROM ${target} WHERE ${thisLoad} GROUP BY _source_file`,
    sql`SELECT ${sql.column(SOURCE)} AS path, COUNT(*) AS n FROM (${sql.join(groups.map((g) => scanOf(dialect, g)), sql`\nUNION ALL BY NAME\n`)}) GROUP BY 1`,
  );
  return new Map(counts.map((r) => [String(r['path']), Number(r['n'])]));
}

/** The rows of every group, unioned by name, with the lineage columns. */
function insertStatement(executor: Executor, request: LoadRequest, groups: readonly ScanGroup[]): Sql {
  const { dialect } = executor.engine;
  return sql`INSERT INTO ${dialect.table(request.table)} BY NAME
SELECT * EXCLUDE (${sql.column(SOURCE)}), ${sql.column(SOURCE)} AS _source_file, ${request.runId} AS _batch_id, ${request.ingestedAt} AS _ingested_at
FROM (${sql.join(groups.map((g) => scanOf(dialect, g)), sql`\nUNION ALL BY NAME\n`)})`;
}

/**
 * Each rejected file's facts for the rules: its rejected lines and whether it has a quote never
 * closed or mixed line endings. DuckDB numbers records, not lines, so each line is found from the
 * record's byte offset by the hub's tokenizer. Returns the files set aside.
 */
async function judgeRejects(rows: readonly Row[], files: ReadonlyMap<string, ListedFile>, verdicts: FileVerdicts): Promise<Set<ListedFile>> {
  const rejected = new Set<ListedFile>();
  for (const [physical, errors] of groupBy(rows, (r) => String(r['file_path']))) {
    const file = files.get(physical);
    // A rejected line that maps to no file would let its file pass with rows missing: fail the load instead.
    if (!file) throw new Error(`lines of ${physical} were rejected, but it is not one of this load's files`);
    // DuckDB's offset is 1-based and may point at the line break before the record; the tracker skips breaks.
    const offsetOf = (r: Row) => Math.max(0, Number(r['line_byte_position']) - 1);
    const shown = errors.slice(0, 5);
    const found = await findLines(physical, file.config.delimiter ?? ',', { bytes: shown.map(offsetOf), openQuote: true, mixedEnding: true });
    const lines: RejectedLine[] = errors.map((r, i) => ({
      line: i < shown.length ? (found.byteLines.get(offsetOf(r)) ?? Number(r['line'])) : Number(r['line']),
      errorType: String(r['error_type']),
      column: r['column_name'] ? String(r['column_name']) : null,
      message: String(r['error_message']),
    }));
    verdicts.rejected(file, lines, found);
    rejected.add(file);
  }
  return rejected;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

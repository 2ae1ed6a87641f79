import { createRequire } from 'node:module';
import type Picomatch from 'picomatch';
import { sql, type Engine, type Row, type Sql } from '@org/hub-core';
import type { FileConfigRow } from '../types.js';
import { DATE_TOKEN_PATTERN, type BronzeAdapter, type ListedFile, type ListRequest } from './bronze-adapter.js';

/** Column types as engines report them: letters, digits, spaces, parentheses, commas, angle brackets. */
export const SAFE_TYPE = /^[A-Za-z][A-Za-z0-9_ (),<>:]*$/;

/** The last SUCCESS load of each file of a table: what the listing is anti-joined against. */
export function trackerSummary(tracker: Sql | null, destTable: string): Sql {
  if (tracker === null) return sql`SELECT CAST(NULL AS STRING) AS file_path, CAST(NULL AS BIGINT) AS file_size, CAST(NULL AS TIMESTAMP) AS modification_time WHERE 1 = 0`;
  return sql`SELECT file_path, MAX(file_size) AS file_size, MAX(modification_time) AS modification_time FROM ${tracker} WHERE dest_table = ${destTable} AND load_status = 'SUCCESS' GROUP BY file_path`;
}

/** File paths as a query with one column, `file_path`, bound as one JSON array whatever their number. */
export function pathRows(engine: Engine, paths: readonly string[]): Sql {
  return engine.dialect.jsonRows([{ name: 'file_path', type: 'string' }], paths.map((p) => [p]));
}

/** Removes the rows of these files (a forced reload): a MERGE joined to the paths, as Delta takes no subquery in a DELETE's condition. */
export function deleteFilesStatement(engine: Engine, target: Sql, paths: readonly string[]): Sql {
  return sql`MERGE INTO ${target} AS b
USING (SELECT DISTINCT file_path FROM (${pathRows(engine, paths)}) AS p) AS s
ON b._source_file = s.file_path
WHEN MATCHED THEN DELETE`;
}

/** Removes one batch's rows of these files (files that changed while that batch loaded them). */
export function deleteBatchFilesStatement(engine: Engine, target: Sql, paths: readonly string[], batchId: string): Sql {
  return sql`MERGE INTO ${target} AS b
USING (SELECT DISTINCT file_path FROM (${pathRows(engine, paths)}) AS p) AS s
ON b._source_file = s.file_path AND b._batch_id = ${batchId}
WHEN MATCHED THEN DELETE`;
}

export function rowsToListedFiles(rows: readonly Row[], config: FileConfigRow): ListedFile[] {
  return rows.map((r) => ({
    config,
    path: String(r['path']),
    physical: String(r['physical']),
    name: String(r['name']),
    sizeBytes: Number(r['size_bytes']),
    modifiedAt: toDate(r['modified_at']),
    fileDate: String(r['file_date']),
    loaded: r['loaded'] === true ? { sizeBytes: toNumberOrNull(r['loaded_size']), modifiedAt: r['loaded_modified_at'] == null ? null : toDate(r['loaded_modified_at']) } : null,
  }));
}

function toDate(value: unknown): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  const text = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

function toNumberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** One reason per file from row-level rejects: the first bad line and how many there were. */
export function describeRejects(rows: readonly Row[]): Map<string, string> {
  const byFile = new Map<string, Row[]>();
  for (const row of rows) {
    const path = String(row['file_path']);
    byFile.set(path, [...(byFile.get(path) ?? []), row]);
  }
  const reasons = new Map<string, string>();
  for (const [path, errors] of byFile) {
    const first = errors[0] as Row;
    const column = first['column_name'] ? ` column ${String(first['column_name'])}:` : '';
    const more = errors.length > 1 ? ` (${errors.length} bad lines: ${errors.slice(0, 5).map((e) => e['line']).join(', ')}${errors.length > 5 ? ', ...' : ''})` : '';
    reasons.set(path, `line ${String(first['line'])}:${column} ${String(first['error_type']).toLowerCase()}: ${String(first['error_message'])}${more}`);
  }
  return reasons;
}

export function clashReason(columns: readonly { name: string; tableType: string }[], fileTypes: ReadonlyMap<string, string>): string {
  return `type clash with the table: ${columns.map((c) => `column ${c.name} is ${fileTypes.get(c.name) ?? 'another type'} in the file but ${c.tableType} in the table`).join('; ')}`;
}

/** The listing as a plan runs it when the tracker is not there yet: the run's DDL creates it empty, so every file is new. */
export function withoutTracker(adapter: Pick<BronzeAdapter, 'listStatement'>, engine: Engine, request: ListRequest): Sql | undefined {
  return request.tracker === null ? undefined : adapter.listStatement(engine, { ...request, tracker: null });
}

const DATE_TOKEN = new RegExp(DATE_TOKEN_PATTERN);

/** yyyy-MM-dd from a real date token in the name, else the modification time's day (UTC): what the SQL listings compute. */
export function fileDateOf(name: string, modifiedAt: Date): string {
  const token = DATE_TOKEN.exec(name)?.[1];
  const digits = token?.replace(/[-_]/g, '');
  const fromName = digits ? `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}` : null;
  return fromName && isRealDate(fromName) ? fromName : modifiedAt.toISOString().slice(0, 10);
}

function isRealDate(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

/** picomatch loads when a load first matches names itself, not at every CLI start. */
let picomatchModule: typeof Picomatch | undefined;

/** Whether a file name matches a config row's pattern, as the engines' globs do (`*` also matches a leading dot). */
export function namesMatching(pattern: string): (name: string) => boolean {
  return (picomatchModule ??= createRequire(import.meta.url)('picomatch') as typeof Picomatch)(pattern, { dot: true });
}

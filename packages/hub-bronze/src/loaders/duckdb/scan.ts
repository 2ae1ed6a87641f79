import { sql, type Dialect, type Sql } from '@org/hub-core';
import type { Executor } from '../../executor.js';
import { folderOf, type ListedFile } from '../../files.js';
import { firstLineKey, readFirstLines } from '../../rules/first-line.js';
import { fileNamedIn, NO_PARQUET_SCHEMA, scanFailureReason, withoutUnreadable } from '../../rules/unreadable.js';
import type { FileVerdicts, TypeClash } from '../../rules/verdicts.js';
import { dataColumns, type LoadRequest, type PreparedLoad, type TableRef } from '../loader.js';
import { chunks, duckDbLoad, GROUPS_PER_STATEMENT } from './load.js';

/** The column each scan adds with the file's logical path: what `_source_file` holds. */
export const SOURCE = '__hub_source';
/** The physical path, when source roots make it differ from the logical one. */
const FILE = '__hub_file';

/** Files read by one multi-file scan: same format and settings, same header line (or parquet schema), same folder mapping. */
export interface ScanGroup {
  readonly files: readonly ListedFile[];
  /** Its columns and their types as the engine reads them, the source column left out. */
  readonly columns: ReadonlyMap<string, string>;
}

export async function tableColumns(executor: Executor, table: TableRef): Promise<Map<string, string>> {
  const rows = await executor.read(
    sql`SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = ${table.catalog} AND table_schema = ${table.schema} AND table_name = ${table.table} ORDER BY ordinal_position`,
  );
  return new Map(rows.map((r) => [String(r['column_name']).toLowerCase(), String(r['data_type'])]));
}

/**
 * Every read before the load, each judged by the rules: zero bytes; the first lines (read by the
 * hub: `read_blob` would read every file whole) and footer schemas that group the files; one
 * DESCRIBE of every group's scan; then the columns against the table (the wrong delimiter, a
 * nested type clash) and, only where a column's type differs from the table's, one statement for
 * values that do not fit. A scan that fails naming a file sets that file aside and runs again.
 */
export async function prepare(executor: Executor, request: LoadRequest, verdicts: FileVerdicts): Promise<PreparedLoad> {
  const { dialect } = executor.engine;
  const identify = unreadableIn(dialect);
  const live = (groups: readonly ScanGroup[]) => groups.map((g) => ({ ...g, files: verdicts.pending(g.files) })).filter((g) => g.files.length > 0);
  const files = verdicts.emptyFiles(verdicts.compressed(request.files));

  const parquet = files.filter((f) => f.config.fileFormat === 'parquet');
  const signatures = parquet.length === 0 ? new Map<string, string>() : await withoutUnreadable(() => verdicts.pending(parquet), verdicts, () => parquetSignatures(executor, verdicts.pending(parquet)), identify);
  let groups = await groupFiles(verdicts.pending(files), signatures, verdicts);
  groups = await withoutUnreadable(() => live(groups).flatMap((g) => g.files), verdicts, () => describeGroups(executor, live(groups)), identify);
  const expected = expectedTypes(groups, request.tableColumns);
  screenGroups(dialect, groups, request.tableColumns, expected, verdicts);
  await withoutUnreadable(() => live(groups).flatMap((g) => g.files), verdicts, () => checkValues(executor, live(groups), expected, verdicts), identify);
  return duckDbLoad({ request, groups: () => live(groups), expected, verdicts, identify });
}

/** The file a failed statement names (DuckDB names a glob-escaped path too), and why it failed. */
function unreadableIn(dialect: Dialect) {
  return async (error: unknown, files: readonly ListedFile[]): Promise<Map<ListedFile, string>> => {
    const culprit = fileNamedIn(error, files, (f) => [f.physical, dialect.escapeGlob(f.physical)]);
    return culprit ? new Map([[culprit, await scanFailureReason(culprit, error)]]) : new Map();
  };
}

/** Each parquet file's footer schema as one string: files with equal strings read as one scan. */
async function parquetSignatures(executor: Executor, files: readonly ListedFile[]): Promise<Map<string, string>> {
  if (files.length === 0) return new Map();
  const { dialect } = executor.engine;
  const rows = await executor.read(sql`SELECT file_name, string_agg(concat_ws(':', name, duckdb_type, type, repetition_type, num_children, converted_type, logical_type, scale, precision), ',' ORDER BY column_id) AS signature
FROM parquet_schema([${sql.join(files.map((f) => sql`${dialect.escapeGlob(f.physical)}`))}]) GROUP BY file_name`);
  return new Map(rows.map((r) => [String(r['file_name']), String(r['signature'])]));
}

/** Groups the files so that each group can be one multi-file scan: delimited files by their first line, parquet files by footer schema. */
async function groupFiles(files: readonly ListedFile[], signatures: ReadonlyMap<string, string>, verdicts: FileVerdicts): Promise<ScanGroup[]> {
  const keyed: { key: string; file: ListedFile }[] = [];
  for (const [file, first] of await readFirstLines(files.filter((f) => f.config.fileFormat === 'delimited'))) {
    if (verdicts.firstLine(file, first) && 'line' in first) keyed.push({ key: `${scanKey(file)}\u0000${firstLineKey(file, first)}`, file });
  }
  for (const file of files.filter((f) => f.config.fileFormat === 'parquet')) {
    const signature = signatures.get(file.physical);
    if (signature === undefined) verdicts.unreadable(file, NO_PARQUET_SCHEMA);
    else keyed.push({ key: `${scanKey(file)}\u0000${signature}`, file });
  }
  return [...groupBy(keyed, (k) => k.key).values()].map((entries) => ({ files: entries.map((e) => e.file), columns: new Map<string, string>() }));
}

/** What must be equal for two files to share a scan, besides their header or schema. */
function scanKey(file: ListedFile): string {
  const { fileFormat, delimiter, hasHeader } = file.config;
  const folders = sourceMapping(file);
  return JSON.stringify([fileFormat, delimiter, hasHeader, folders?.logicalDir ?? null, folders?.physicalDir ?? null]);
}

/** The folder prefixes when the logical path differs from the physical one (source roots), else null. */
function sourceMapping(file: ListedFile): { logicalDir: string; physicalDir: string } | null {
  if (file.path === file.physical) return null;
  return { logicalDir: folderOf(file.path), physicalDir: folderOf(file.physical) };
}

/** One statement describes every group by its first file: a multi-file scan takes its columns from the first file. */
async function describeGroups(executor: Executor, groups: readonly ScanGroup[]): Promise<ScanGroup[]> {
  if (groups.length === 0) return [];
  const rows = await executor.read(
    sql.join(
      groups.map((g, i) => sql`SELECT ${sql.raw(String(i))} AS g, column_name, column_type FROM (DESCRIBE ${scanOf(executor.engine.dialect, { files: g.files.slice(0, 1), columns: g.columns })})`),
      sql`\nUNION ALL\n`,
    ),
  );
  return groups.map((g, i) => ({
    files: g.files,
    columns: new Map(rows.filter((r) => Number(r['g']) === i && r['column_name'] !== SOURCE).map((r) => [String(r['column_name']), String(r['column_type'])])),
  }));
}

/** Each column's type: the table's, else the one most files have. */
function expectedTypes(groups: readonly ScanGroup[], tableColumns: ReadonlyMap<string, string>): Map<string, string> {
  const votes = new Map<string, Map<string, number>>();
  for (const group of groups) {
    for (const [name, type] of group.columns) {
      const tally = votes.get(name.toLowerCase()) ?? new Map<string, number>();
      tally.set(type, (tally.get(type) ?? 0) + group.files.length);
      votes.set(name.toLowerCase(), tally);
    }
  }
  const expected = new Map<string, string>();
  for (const [name, tally] of votes) expected.set(name, tableColumns.get(name) ?? ([...tally].sort((a, b) => b[1] - a[1])[0]?.[0] as string));
  return expected;
}

/** The whole groups whose columns cannot be the table's: none of them in it (a wrong delimiter), or a nested type clash. */
function screenGroups(dialect: Dialect, groups: readonly ScanGroup[], tableColumns: ReadonlyMap<string, string>, expected: ReadonlyMap<string, string>, verdicts: FileVerdicts): void {
  const before = dataColumns(tableColumns);
  for (const group of groups) {
    if (!verdicts.columnsAgainstTable(group.files, [...group.columns.keys()], before)) continue;
    const clashes = [...group.columns]
      .map(([name, fileType]) => ({ name, fileType, tableType: expected.get(name.toLowerCase()) ?? fileType }))
      .filter((c) => dialect.isNestedType(c.fileType) !== dialect.isNestedType(c.tableType) || (dialect.isNestedType(c.fileType) && c.fileType.toUpperCase() !== c.tableType.toUpperCase()));
    if (clashes.length > 0) for (const file of group.files) verdicts.typeClash(file, clashes);
  }
}

/**
 * Where a group's column type differs from the expected one, one statement finds the files with a
 * value the expected type cannot hold, or would change (5.5 into BIGINT); the rules set them aside.
 */
async function checkValues(executor: Executor, groups: readonly ScanGroup[], expected: ReadonlyMap<string, string>, verdicts: FileVerdicts): Promise<void> {
  const { dialect } = executor.engine;
  const names = new Map<string, number>();
  const branches: { sql: Sql; flags: number[] }[] = [];
  const clashing = new Map<number, TypeClash[]>();
  for (const group of groups) {
    const columns = [...group.columns]
      .map(([name, fileType]) => ({ name, fileType, tableType: expected.get(name.toLowerCase()) ?? fileType }))
      .filter((c) => c.tableType.toUpperCase() !== c.fileType.toUpperCase() && !dialect.isNestedType(c.fileType));
    if (columns.length === 0) continue;
    const conditions = columns.map((c) => {
      const column = sql.column(c.name);
      const tableType = dialect.columnType(c.tableType);
      // Text need only fit ('007' is 7); any other value must also come back unchanged.
      const lossy = c.fileType.toUpperCase() === 'VARCHAR' ? sql.empty : sql` OR CAST(TRY_CAST(${column} AS ${tableType}) AS ${dialect.columnType(c.fileType)}) IS DISTINCT FROM ${column}`;
      const flag = names.get(c.name.toLowerCase()) ?? names.size;
      names.set(c.name.toLowerCase(), flag);
      clashing.set(flag, [...(clashing.get(flag) ?? []), c]);
      return { flag, sql: sql`(${column} IS NOT NULL AND (TRY_CAST(${column} AS ${tableType}) IS NULL${lossy}))` };
    });
    branches.push({
      sql: sql`SELECT ${sql.column(SOURCE)} AS path, ${sql.join(conditions.map((c) => sql`CASE WHEN ${c.sql} THEN 1 ELSE 0 END AS ${sql.raw(`clash_${c.flag}`)}`))} FROM (${scanOf(dialect, group)}) WHERE ${sql.join(
        conditions.map((c) => c.sql),
        sql` OR `,
      )}`,
      flags: conditions.map((c) => c.flag),
    });
  }
  if (branches.length === 0) return;
  const flags = [...names.values()];
  const rows = [];
  for (const batch of chunks(branches, GROUPS_PER_STATEMENT)) {
    const used = [...new Set(batch.flatMap((b) => b.flags))];
    const union = sql.join(
      batch.map((b) => b.sql),
      sql`\nUNION ALL BY NAME\n`,
    );
    rows.push(...(await executor.read(sql`SELECT path, ${sql.join(used.map((i) => sql.raw(`MAX(clash_${i}) AS clash_${i}`)))} FROM (${union}) GROUP BY path`)));
  }
  const files = new Map(groups.flatMap((g) => g.files.map((f) => [f.path, { file: f, group: g }] as const)));
  for (const row of rows) {
    const hit = files.get(String(row['path']));
    if (!hit) continue;
    // A flag is shared by every group with a clashing column of that name: only this file's group's entry is its clash.
    const columns = flags.filter((i) => row[`clash_${i}`] === 1).flatMap((i) => (clashing.get(i) ?? []).filter((c) => hit.group.columns.get(c.name) === c.fileType).slice(0, 1));
    verdicts.typeClash(hit.file, columns);
  }
}

/**
 * One scan over a group's files, with the source column. Paths are escaped so glob characters in a
 * name match only themselves; headerless columns are named _c0, _c1, ... as Spark names them.
 */
export function scanOf(dialect: Dialect, group: ScanGroup): Sql {
  const first = group.files[0] as ListedFile;
  const { fileFormat, delimiter, hasHeader } = first.config;
  const mapping = sourceMapping(first);
  const paths = sql`[${sql.join(group.files.map((f) => sql`${dialect.escapeGlob(f.physical)}`))}]`;
  const fileColumn = sql.raw(`'${mapping ? FILE : SOURCE}'`);
  // RFC 4180 as the engines agree to read it: a quoted empty field is '' (allow_quoted_nulls = false), an unquoted one NULL.
  const scan =
    fileFormat === 'parquet'
      ? sql`read_parquet(${paths}, filename = ${fileColumn})`
      : sql`read_csv(${paths}, delim = ${delimiter ?? ','}, quote = '"', escape = '"', header = ${sql.raw(hasHeader ? 'true' : 'false')}, all_varchar = true, allow_quoted_nulls = false, store_rejects = true, filename = ${fileColumn})`;
  const headerless = fileFormat === 'delimited' && !hasHeader;
  const data = headerless ? sql.raw(`COLUMNS('^column(\\d+)$') AS '_c\\1'`) : mapping ? sql`* EXCLUDE (${sql.column(FILE)})` : sql`*`;
  const sourceColumn = mapping
    ? sql`, ${mapping.logicalDir} || regexp_extract(${sql.column(FILE)}, '[^/]+$', 0) AS ${sql.column(SOURCE)}`
    : headerless
      ? sql`, ${sql.column(SOURCE)}`
      : sql.empty;
  return sql`SELECT ${data}${sourceColumn} FROM ${scan}`;
}

export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

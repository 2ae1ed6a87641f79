import { EngineError, sql, type Engine, type Row, type Sql } from '@org/hub-core';
import {
  DATE_TOKEN_PATTERN,
  LINEAGE_COLUMNS,
  type BronzeAdapter,
  type FileOutcome,
  type ListedFile,
  type LoadRequest,
  type LoadResult,
  type TableRef,
} from './bronze-adapter.js';
import { explainDelimited, findLines, mixedEndingReason, openQuoteReason } from './csv-lines.js';
import { firstLineKeys } from './first-line.js';
import { localFolderProblem } from './source-folder.js';
import { clashReason, describeRejects, rowsToListedFiles, SAFE_TYPE, trackerSummary, withoutTracker } from './shared.js';

/** The column each scan adds with the file's logical path: what `_source_file` holds. */
const SOURCE = '__hub_source';
/** The physical path, when source roots make it differ from the logical one. */
const FILE = '__hub_file';

/** Files read by one multi-file scan: same format and settings, same header line (or parquet schema), same folder mapping. */
interface ScanGroup {
  readonly files: readonly ListedFile[];
  /** Its columns and their types as the engine reads them, the source column left out. */
  readonly columns: ReadonlyMap<string, string>;
}

type Quarantine = (file: Pick<ListedFile, 'path'>, reason: string) => void;

/** DuckDB reserves a 30.5 MiB buffer per `read_csv` call when a statement starts: a few groups per statement keep that bounded. */
const GROUPS_PER_STATEMENT = 4;

/**
 * DuckDB: `read_blob` lists without reading. A table's files load in one `INSERT ... SELECT` over
 * one multi-file scan per distinct header, in a transaction that also removes the rows of files
 * with rejected lines, so a file lands whole or not at all.
 */
export const duckDbBronze: BronzeAdapter = {
  listStatement(engine, request) {
    const { location, config, window, fileName } = request;
    const filter = fileName ? sql`name = ${fileName}` : sql`file_date BETWEEN CAST(${window.begin} AS DATE) AND CAST(${window.end} AS DATE)`;
    // Only what the run acts on comes back: new files, and loaded ones that changed on disk (reported), or all when forced.
    const wanted = request.force
      ? sql`TRUE`
      : sql`t.file_path IS NULL OR (t.file_size IS NOT NULL AND t.file_size <> d.size) OR (t.modification_time IS NOT NULL AND abs(epoch_ms(d.last_modified) - epoch_ms(t.modification_time)) >= 1000)`;
    // The tracker key without a regexp per file when the engine returns paths under the folder as given.
    const path = sql`CASE WHEN starts_with(d.filename, ${location.physical}) THEN ${location.logical} || substr(d.filename, length(${location.physical}) + 1) ELSE ${location.logical} || regexp_extract(d.filename, '[^/]+$', 0) END`;
    // Joined first, dated after: the name's date is worked out only for the files that come back.
    return sql`WITH wanted AS (
  SELECT ${path} AS path, d.filename AS physical, d.size, d.last_modified,
    t.file_path IS NOT NULL AS loaded, t.file_size AS loaded_size, t.modification_time AS loaded_modified_at
  FROM read_blob(${escapeGlob(location.physical) + config.filePattern}) AS d
  LEFT JOIN (${trackerSummary(request.tracker, request.destTable)}) AS t ON t.file_path = ${path}
  WHERE ${wanted}
), named AS (
  SELECT *, regexp_extract(physical, '[^/]+$', 0) AS name FROM wanted
), dated AS (
  SELECT *, COALESCE(
      CAST(try_strptime(replace(replace(regexp_extract(name, ${DATE_TOKEN_PATTERN}, 1), '-', ''), '_', ''), '%Y%m%d') AS DATE),
      CAST(timezone('UTC', last_modified) AS DATE)) AS file_date
  FROM named
)
SELECT path, physical, name, size AS size_bytes, last_modified AS modified_at, strftime(file_date, '%Y-%m-%d') AS file_date, loaded, loaded_size, loaded_modified_at
FROM dated
WHERE ${filter}
ORDER BY file_date, name`;
    void engine;
  },

  async listFiles(engine, request) {
    const rows = await engine.query(this.listStatement(engine, request), { planInstead: withoutTracker(this, engine, request) });
    return rowsToListedFiles(rows, request.config);
  },

  async load(engine, request) {
    const outcomes = new Map<string, FileOutcome>();
    const quarantine: Quarantine = (file, reason) => void outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason });
    const pending = (files: readonly ListedFile[]) => files.filter((f) => !outcomes.has(f.path));
    const live = (groups: readonly ScanGroup[]) => groups.map((g) => ({ ...g, files: pending(g.files) })).filter((g) => g.files.length > 0);
    const files = request.files.filter((f) => {
      if (f.sizeBytes > 0) return true;
      quarantine(f, 'zero bytes: the file is empty');
      return false;
    });
    const tableColumns = await tableColumnsOf(engine, request.table);

    const parquet = files.filter((f) => f.config.fileFormat === 'parquet');
    const signatures = parquet.length === 0 ? new Map<string, string>() : await retryWithout(() => pending(parquet), quarantine, () => parquetSignatures(engine, pending(parquet)));
    let groups = await groupFiles(pending(files), signatures, quarantine);
    groups = await retryWithout(() => live(groups).flatMap((g) => g.files), quarantine, () => describeGroups(engine, live(groups)));
    const expected = expectedTypes(groups, tableColumns);
    screenGroups(groups, tableColumns, expected, quarantine);
    await retryWithout(() => live(groups).flatMap((g) => g.files), quarantine, () => checkValues(engine, live(groups), expected, quarantine));

    const rows = await retryWithout(
      () => live(groups).flatMap((g) => g.files),
      quarantine,
      async () => {
        // Reject tables outlive the statement that filled them: clear them so only this attempt's rejects are read.
        await engine.run(sql`DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans`, { idempotent: true });
        return engine.transaction(() => insertAndScreen(engine, request, live(groups), tableColumns, expected, quarantine));
      },
    );
    for (const file of request.files) {
      if (!outcomes.has(file.path)) outcomes.set(file.path, { status: 'SUCCESS', rows: rows.get(file.path) ?? 0 });
    }
    return { outcomes } satisfies LoadResult;
  },

  async tableExists(engine, table) {
    return (await tableColumnsOf(engine, table)).size > 0;
  },

  async sourceProblem(_engine, location) {
    return localFolderProblem(location.physical);
  },
};

/**
 * Inside one transaction: create or widen the table, replace forced files' rows, insert every
 * group's rows, then remove the rows of files with rejected lines (and any column only they
 * brought). Returns the rows per file, counted by the engine.
 */
async function insertAndScreen(
  engine: Engine,
  request: LoadRequest,
  groups: readonly ScanGroup[],
  tableColumns: ReadonlyMap<string, string>,
  expected: ReadonlyMap<string, string>,
  quarantine: Quarantine,
): Promise<Map<string, number>> {
  const target = targetOf(engine, request.table);
  const added = new Map<string, string>();
  for (const group of groups) {
    for (const name of group.columns.keys()) {
      if (!tableColumns.has(name.toLowerCase()) && !added.has(name.toLowerCase())) added.set(name.toLowerCase(), name);
    }
  }
  const columnType = (name: string) => sql.raw(safeType(expected.get(name.toLowerCase()) ?? 'VARCHAR'));
  if (tableColumns.size === 0) {
    if (groups.length === 0) return new Map();
    await engine.run(sql`CREATE SCHEMA IF NOT EXISTS ${sql.raw(engine.dialect.schemaName(request.table.catalog, request.table.schema))}`, { idempotent: true });
    const columns = [...added.values()].map((c) => sql`${sql.column(c)} ${columnType(c)}`);
    await engine.run(sql`CREATE TABLE ${target} (${sql.join([...columns, sql`_source_file VARCHAR, _batch_id VARCHAR, _ingested_at TIMESTAMP`])})`);
  } else {
    for (const name of added.values()) await engine.run(sql`ALTER TABLE ${target} ADD COLUMN ${sql.column(name)} ${columnType(name)}`);
    if (request.replacePaths.length > 0) await engine.run(sql`DELETE FROM ${target} WHERE _source_file IN (${sql.join(request.replacePaths.map((p) => sql`${p}`))})`, { idempotent: true });
  }
  if (groups.length === 0) return new Map();
  for (const batch of chunks(groups, GROUPS_PER_STATEMENT)) await engine.run(insertStatement(engine, request, batch));

  const thisLoad = sql`_ingested_at = ${request.ingestedAt} AND _batch_id = ${request.runId}`;
  const delimited = groups.some((g) => g.files[0]?.config.fileFormat === 'delimited');
  const rejects = !delimited
    ? []
    : // The INSERT above fills them: a plan, which did not run it, finds no reject (a clean run's outcome).
      await engine.query(
        sql`SELECT s.file_path, e.line, e.line_byte_position, e.error_type, e.column_name, e.error_message
FROM reject_errors AS e JOIN reject_scans AS s ON e.scan_id = s.scan_id AND e.file_id = s.file_id
ORDER BY s.file_path, e.line`,
        { afterWrites: 'skip' },
      );
  const byPhysical = new Map(groups.flatMap((g) => g.files.map((f) => [f.physical, f] as const)));
  const rejected = new Set<ListedFile>();
  for (const [physical, reason] of await rejectReasons(rejects, byPhysical)) {
    const file = byPhysical.get(physical);
    // A rejected line that maps to no file would let its file pass with rows missing: fail the load instead.
    if (!file) throw new Error(`lines of ${physical} were rejected, but it is not one of this load's files`);
    quarantine(file, reason);
    rejected.add(file);
  }
  if (rejected.size > 0) {
    await engine.run(sql`DELETE FROM ${target} WHERE ${thisLoad} AND _source_file IN (${sql.join([...rejected].map((f) => sql`${f.path}`))})`, { idempotent: true });
    // A column that only rejected files have never reaches the table.
    const kept = groups.filter((g) => g.files.some((f) => !rejected.has(f)));
    for (const [lower, name] of added) {
      if (!kept.some((g) => [...g.columns.keys()].some((c) => c.toLowerCase() === lower))) await engine.run(sql`ALTER TABLE ${target} DROP COLUMN ${sql.column(name)}`);
    }
  }
  // The rows just inserted: a plan, which inserted none, counts them in the files (what a clean run inserts).
  const counts = await engine.query(sql`SELECT _source_file AS path, COUNT(*) AS n FROM ${target} WHERE ${thisLoad} GROUP BY _source_file`, {
    afterWrites: 'skip',
    planInstead: sql`SELECT ${sql.column(SOURCE)} AS path, COUNT(*) AS n FROM (${sql.join(groups.map(scanOf), sql`\nUNION ALL BY NAME\n`)}) GROUP BY 1`,
  });
  return new Map(counts.map((r) => [String(r['path']), Number(r['n'])]));
}

/** Each parquet file's footer schema as one string: files with equal strings read as one scan. */
async function parquetSignatures(engine: Engine, files: readonly ListedFile[]): Promise<Map<string, string>> {
  if (files.length === 0) return new Map();
  const rows = await engine.query(sql`SELECT file_name, string_agg(concat_ws(':', name, duckdb_type, type, repetition_type, num_children, converted_type, logical_type, scale, precision), ',' ORDER BY column_id) AS signature
FROM parquet_schema([${sql.join(files.map((f) => sql`${escapeGlob(f.physical)}`))}]) GROUP BY file_name`);
  return new Map(rows.map((r) => [String(r['file_name']), String(r['signature'])]));
}

/**
 * Groups the files so that each group can be one multi-file scan: delimited files by their first
 * line (read by the hub: `read_blob` would read every file whole), parquet files by footer schema.
 */
async function groupFiles(files: readonly ListedFile[], signatures: ReadonlyMap<string, string>, quarantine: Quarantine): Promise<ScanGroup[]> {
  const keyed: { key: string; file: ListedFile }[] = [];
  for (const [file, first] of await firstLineKeys(files.filter((f) => f.config.fileFormat === 'delimited'))) {
    if ('reason' in first) quarantine(file, first.reason);
    else keyed.push({ key: `${scanKey(file)}\u0000${first.key}`, file });
  }
  for (const file of files.filter((f) => f.config.fileFormat === 'parquet')) {
    const signature = signatures.get(file.physical);
    if (signature === undefined) quarantine(file, 'not a parquet file: no schema could be read from its footer');
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
  return { logicalDir: file.path.slice(0, file.path.length - file.name.length), physicalDir: file.physical.slice(0, file.physical.length - file.name.length) };
}

/** One statement describes every group by its first file: a multi-file scan takes its columns from the first file. */
async function describeGroups(engine: Engine, groups: readonly ScanGroup[]): Promise<ScanGroup[]> {
  if (groups.length === 0) return [];
  const rows = await engine.query(
    sql.join(
      groups.map((g, i) => sql`SELECT ${sql.raw(String(i))} AS g, column_name, column_type FROM (DESCRIBE ${scanOf({ files: g.files.slice(0, 1), columns: g.columns })})`),
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

/** Quarantines whole groups whose columns cannot be the table's: none of them in it (a wrong delimiter), or a nested type clash. */
function screenGroups(groups: readonly ScanGroup[], tableColumns: ReadonlyMap<string, string>, expected: ReadonlyMap<string, string>, quarantine: Quarantine): void {
  const dataColumns = [...tableColumns.keys()].filter((c) => !(LINEAGE_COLUMNS as readonly string[]).includes(c));
  for (const group of groups) {
    const names = [...group.columns.keys()];
    let reason: string | undefined;
    if (dataColumns.length > 0 && names.length > 0 && !names.some((c) => tableColumns.has(c.toLowerCase()))) {
      reason = `none of its columns (${names.slice(0, 5).join(', ')}) is a column of the table: check the delimiter and the header`;
    } else {
      const clashes = [...group.columns].filter(([name, type]) => {
        const want = expected.get(name.toLowerCase()) ?? type;
        return isNested(type) !== isNested(want) || (isNested(type) && type.toUpperCase() !== want.toUpperCase());
      });
      if (clashes.length > 0) reason = clashReason(clashes.map(([name]) => ({ name, tableType: expected.get(name.toLowerCase()) ?? '?' })), group.columns);
    }
    if (reason !== undefined) for (const file of group.files) quarantine(file, reason);
  }
}

/**
 * Where a group's column type differs from the expected one, one statement finds the files with a
 * value the expected type cannot hold, or would change (5.5 into BIGINT): those files are quarantined.
 */
async function checkValues(engine: Engine, groups: readonly ScanGroup[], expected: ReadonlyMap<string, string>, quarantine: Quarantine): Promise<void> {
  const names = new Map<string, number>();
  const branches: { sql: Sql; flags: number[] }[] = [];
  const clashing = new Map<number, { name: string; type: string; tableType: string }[]>();
  for (const group of groups) {
    const columns = [...group.columns]
      .map(([name, type]) => ({ name, type, tableType: expected.get(name.toLowerCase()) ?? type }))
      .filter((c) => c.tableType.toUpperCase() !== c.type.toUpperCase() && !isNested(c.type));
    if (columns.length === 0) continue;
    const conditions = columns.map((c) => {
      const column = sql.column(c.name);
      const tableType = sql.raw(safeType(c.tableType));
      const lossy = c.type.toUpperCase() === 'VARCHAR' ? sql.empty : sql` OR CAST(TRY_CAST(${column} AS ${tableType}) AS ${sql.raw(safeType(c.type))}) IS DISTINCT FROM ${column}`;
      if (!names.has(c.name.toLowerCase())) names.set(c.name.toLowerCase(), names.size);
      clashing.set(names.get(c.name.toLowerCase()) as number, [...(clashing.get(names.get(c.name.toLowerCase()) as number) ?? []), c]);
      return { flag: names.get(c.name.toLowerCase()) as number, sql: sql`(${column} IS NOT NULL AND (TRY_CAST(${column} AS ${tableType}) IS NULL${lossy}))` };
    });
    branches.push({
      sql: sql`SELECT ${sql.column(SOURCE)} AS path, ${sql.join(conditions.map((c) => sql`CASE WHEN ${c.sql} THEN 1 ELSE 0 END AS ${sql.raw(`clash_${c.flag}`)}`))} FROM (${scanOf(group)}) WHERE ${sql.join(
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
    rows.push(...(await engine.query(sql`SELECT path, ${sql.join(used.map((i) => sql.raw(`MAX(clash_${i}) AS clash_${i}`)))} FROM (${union}) GROUP BY path`)));
  }
  const files = new Map(groups.flatMap((g) => g.files.map((f) => [f.path, { file: f, group: g }] as const)));
  for (const row of rows) {
    const hit = files.get(String(row['path']));
    if (!hit) continue;
    // A flag is shared by every group with a clashing column of that name: only this file's group's entry is its clash.
    const columns = flags.filter((i) => row[`clash_${i}`] === 1).flatMap((i) => (clashing.get(i) ?? []).filter((c) => hit.group.columns.get(c.name) === c.type).slice(0, 1));
    quarantine(hit.file, clashReason(columns, hit.group.columns));
  }
}

function isNested(type: string): boolean {
  return /STRUCT|MAP|\[|UNION/i.test(type);
}

/** The rows of every group, unioned by name, with the lineage columns. */
function insertStatement(engine: Engine, request: LoadRequest, groups: readonly ScanGroup[]): Sql {
  return sql`INSERT INTO ${targetOf(engine, request.table)} BY NAME
SELECT * EXCLUDE (${sql.column(SOURCE)}), ${sql.column(SOURCE)} AS _source_file, ${request.runId} AS _batch_id, ${request.ingestedAt} AS _ingested_at
FROM (${sql.join(groups.map(scanOf), sql`\nUNION ALL BY NAME\n`)})`;
}

/**
 * One scan over a group's files, with the source column. Paths are escaped so glob characters in a
 * name match only themselves; headerless columns are named _c0, _c1, ... as Spark names them.
 */
function scanOf(group: ScanGroup): Sql {
  const first = group.files[0] as ListedFile;
  const { fileFormat, delimiter, hasHeader } = first.config;
  const mapping = sourceMapping(first);
  const paths = sql`[${sql.join(group.files.map((f) => sql`${escapeGlob(f.physical)}`))}]`;
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

/** DuckDB globs treat [ ] * ? specially; bracketing them makes each match itself. */
export function escapeGlob(path: string): string {
  return path.replace(/[[*?]/g, (c) => `[${c}]`);
}

function targetOf(engine: Engine, table: TableRef): Sql {
  return sql.raw(engine.dialect.tableName(table.catalog, table.schema, table.table));
}

async function tableColumnsOf(engine: Engine, table: TableRef): Promise<Map<string, string>> {
  const rows = await engine.query(
    sql`SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = ${table.catalog} AND table_schema = ${table.schema} AND table_name = ${table.table} ORDER BY ordinal_position`,
  );
  return new Map(rows.map((r) => [String(r['column_name']).toLowerCase(), String(r['data_type'])]));
}

function safeType(type: string): string {
  if (!SAFE_TYPE.test(type)) throw new Error(`unexpected column type from the engine: ${type}`);
  return type;
}

/**
 * Each rejected file's reason. DuckDB numbers records, not lines, so each line is found from the
 * record's byte offset; and a quote never closed or mixed line endings, when the file has them,
 * are the reason (the rejected records are only their consequence), as on Spark.
 */
async function rejectReasons(rows: readonly Row[], files: ReadonlyMap<string, ListedFile>): Promise<Map<string, string>> {
  const located: Row[] = [];
  const rootCauses = new Map<string, string>();
  for (const [physical, errors] of groupBy(rows, (r) => String(r['file_path']))) {
    const file = files.get(physical);
    if (!file) {
      located.push(...errors);
      continue;
    }
    // DuckDB's offset is 1-based and may point at the line break before the record; the tracker skips breaks.
    const offsetOf = (r: Row) => Math.max(0, Number(r['line_byte_position']) - 1);
    const shown = errors.slice(0, 5);
    const found = await findLines(physical, file.config.delimiter ?? ',', { bytes: shown.map(offsetOf), openQuote: true, mixedEnding: true });
    if (found.openQuoteLine !== null) rootCauses.set(physical, openQuoteReason(found.openQuoteLine));
    else if (found.mixedEnding !== null) rootCauses.set(physical, mixedEndingReason(found.mixedEnding));
    located.push(...errors.map((r, i) => (i < shown.length ? { ...r, line: found.byteLines.get(offsetOf(r)) ?? r['line'] } : r)));
  }
  const reasons = describeRejects(located);
  for (const [physical, reason] of rootCauses) reasons.set(physical, reason);
  return reasons;
}

/**
 * Runs `attempt` until it succeeds. A failure that names one of the files quarantines that file
 * and runs it again without it; one that names none is the table's failure and is thrown.
 */
async function retryWithout<T>(files: () => readonly ListedFile[], quarantine: Quarantine, attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const culprit = fileNamedIn(error, files());
      if (!culprit) throw error;
      quarantine(culprit, await failureReason(culprit, error));
    }
  }
}

/** Why a file failed its scan: DuckDB gives up on a quote never closed or mixed line endings without a line, so the hub finds it. */
async function failureReason(file: ListedFile, error: unknown): Promise<string> {
  const explained = file.config.fileFormat === 'delimited' ? await explainDelimited(file.physical, file.config.delimiter ?? ',').catch(() => null) : null;
  return explained ?? firstLineOf(error);
}

function fileNamedIn(error: unknown, files: readonly ListedFile[]): ListedFile | undefined {
  const text = messageOf(error);
  return [...files].sort((a, b) => b.physical.length - a.physical.length).find((f) => text.includes(f.physical) || text.includes(escapeGlob(f.physical)));
}

function firstLineOf(error: unknown): string {
  const text = messageOf(error);
  return (text.split('\n')[0] ?? text).trim();
}

function messageOf(error: unknown): string {
  return error instanceof EngineError && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

import { EngineError, sql, type Row, type Sql } from '@org/hub-core';
import type { Executor } from '../../executor.js';
import { folderOf, type ListedFile } from '../../files.js';
import { explainDelimited, findLines, type LineEnding } from '../../rules/csv-lines.js';
import { firstLineKey, readFirstLines, type FirstLine } from '../../rules/first-line.js';
import { FILE_READ_ERROR, fileNamedIn, messageOf, parquetFailureReason, readFailureReason, withoutUnreadable } from '../../rules/unreadable.js';
import type { FileVerdicts, TypeClash } from '../../rules/verdicts.js';
import { dataColumns, type LoadRequest, type PreparedLoad, type TableRef } from '../loader.js';
import { csvReaderOptions, ENDS_INSIDE_QUOTE, OPEN_QUOTE_LINE, QUOTE_FOLD, quoteTransition } from '../spark-csv.js';
import { sparkLoad, widen } from './load.js';

const PROBE = sql.raw('__hub_probe');
export const CORRUPT = '_corrupt_record';
/** A file's name from its URI (input_file_name() is one), decoded ('+' is literal in a path). */
const nameOf = (uri: Sql) => sql`url_decode(replace(regexp_extract(${uri}, '[^/]+$', 0), '+', '%2B'))`;
/** A scanned row's file name. */
export const FILE_NAME = nameOf(sql.raw('input_file_name()'));

/** Files one temporary view reads: one folder, one config row, one first line (delimited). */
export interface Group {
  readonly directory: string;
  readonly logicalDirectory: string;
  readonly format: 'delimited' | 'parquet';
  readonly config: ListedFile['config'];
  /** How the files' lines end, when the hub has read their first lines. */
  readonly ending: LineEnding | null;
  readonly files: readonly ListedFile[];
  /** The group's own view, so that every group's reads can come before any write. */
  readonly view: Sql;
}

/** A group after its reads: the files the view reads, its columns, the rows per file the checks counted. */
export interface StagedGroup {
  readonly group: Group;
  /** The files the view reads (some may have been set aside by the checks: the INSERT excludes them). */
  readonly read: readonly ListedFile[];
  readonly columns: ReadonlyMap<string, string>;
  readonly rows: ReadonlyMap<string, number>;
}

/** The table's columns, lower-case name to type, from DESCRIBE; empty when it does not exist. */
export async function tableColumns(executor: Executor, table: TableRef): Promise<Map<string, string>> {
  try {
    const described = describe(await executor.read(sql`DESCRIBE TABLE ${executor.engine.dialect.table(table)}`));
    return new Map([...described].map(([name, type]) => [name.toLowerCase(), type]));
  } catch (error) {
    if (error instanceof EngineError && /TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND|not found/i.test(error.message)) return new Map();
    throw error;
  }
}

/**
 * Every read before the load, per group: for delimited files a probe view for the header's
 * columns, the group's view (every column STRING, malformed records kept aside), a text scan for
 * bad lines; for parquet the group's view with merged schemas; then rows per file and the first bad
 * record; then, where a column's type differs from the table's as this load leaves it, the values
 * that do not fit. The rules judge each answer. A file the engine cannot read fails its group's
 * reads: it is set aside and the group's reads run again without it.
 */
export async function prepare(executor: Executor, request: LoadRequest, verdicts: FileVerdicts): Promise<PreparedLoad> {
  const files = verdicts.emptyFiles(verdicts.compressed(request.files));
  // A CSV view maps every file onto one file's columns, by position: files share a view only when their first lines are equal.
  // The hub reads those lines itself, so only where the engine reads the same local files.
  const firstLines = new Map<ListedFile, FirstLine>();
  const delimited = executor.engine.capabilities.localFilesOnly ? files.filter((f) => f.config.fileFormat === 'delimited') : [];
  for (const [file, first] of await readFirstLines(delimited)) {
    if (verdicts.firstLine(file, first) && 'line' in first) firstLines.set(file, first);
  }
  const before = dataColumns(request.tableColumns);
  let columns: ReadonlyMap<string, string> = request.tableColumns;
  const staged: StagedGroup[] = [];
  for (const group of groups(verdicts.pending(files), firstLines)) {
    const done = await stageGroup(executor, group, { before, columns }, verdicts);
    if (done === null) continue;
    staged.push(done);
    columns = widen(columns, done.columns).columns;
  }
  return sparkLoad({ request, staged, verdicts, restage: (group, columnsNow) => stageGroup(executor, group, { before, columns: columnsNow }, verdicts) });
}

/**
 * One group's reads, run again without a file the engine cannot read. `columns`: the table's columns
 * as the groups before this one leave them. Null when no file of the group is left to load.
 */
export async function stageGroup(
  executor: Executor,
  group: Group,
  table: { readonly before: ReadonlySet<string>; readonly columns: ReadonlyMap<string, string> },
  verdicts: FileVerdicts,
): Promise<StagedGroup | null> {
  const files = () => verdicts.pending(group.files);
  return withoutUnreadable(files, verdicts, () => stageOnce(executor, { ...group, files: files() }, table, verdicts), (error, left) => unreadableFiles(executor, error, group, left));
}

async function stageOnce(
  executor: Executor,
  group: Group,
  table: { readonly before: ReadonlySet<string>; readonly columns: ReadonlyMap<string, string> },
  verdicts: FileVerdicts,
): Promise<StagedGroup | null> {
  if (group.files.length === 0) return null;
  const staged = group.format === 'parquet' ? await stageParquet(executor, group, table.columns, verdicts) : await stageDelimited(executor, group, verdicts);
  if (staged === null) return null;
  const files = verdicts.pending(staged.files);
  if (files.length === 0) return null;

  const checks = await executor.read(checkStatement(group.view, staged.columns, group.format === 'delimited' ? group.ending : undefined));
  const byName = new Map(files.map((f) => [f.name, f]));
  const rows = new Map<string, number>();
  for (const check of checks) {
    const file = byName.get(String(check['name']));
    if (!file) continue;
    const bad = check['bad_record'] == null ? null : Number(check['bad_record']);
    const mixed = check['mixed_record'] == null ? null : Number(check['mixed_record']);
    // The hub reads the file to name the line and its ending; Spark only shows a stray CR or LF in a value.
    const mixedEnding = mixed !== null && (bad === null || mixed < bad) ? ((executor.engine.capabilities.localFilesOnly ? (await findLines(file.physical, file.config.delimiter ?? ',', { mixedEnding: true })).mixedEnding : null) ?? { at: await recordAt(executor, file, mixed) }) : null;
    const malformed = bad !== null && mixedEnding === null ? { at: await recordAt(executor, file, bad), text: String(check['bad_text'] ?? '') } : null;
    if (verdicts.records(file, { rows: Number(check['row_count'] ?? 0), malformed, mixedEnding })) rows.set(file.path, Number(check['row_count'] ?? 0));
  }

  const columns = new Map([...staged.columns].filter(([name]) => name !== CORRUPT));
  if (!verdicts.columnsAgainstTable(verdicts.pending(files), [...columns.keys()], table.before)) return null;
  const good = verdicts.pending(files);
  if (good.length === 0) return null;
  await checkValues(executor, group.view, columns, table.columns, new Map(good.map((f) => [f.name, f])), verdicts);
  return { group, read: staged.files, columns, rows };
}

/**
 * Where a column's type differs from the table's, the values that do not fit (try_cast gives NULL)
 * or that the table's type would change (5.5 into BIGINT: cast back, it differs). Text need only
 * fit, as on DuckDB: '007' is the number 7, not a lossy value.
 */
async function checkValues(executor: Executor, view: Sql, columns: ReadonlyMap<string, string>, tableColumns: ReadonlyMap<string, string>, byName: ReadonlyMap<string, ListedFile>, verdicts: FileVerdicts): Promise<void> {
  const { dialect } = executor.engine;
  const clashing = [...columns]
    .map(([name, fileType]) => ({ name, fileType, tableType: tableColumns.get(name.toLowerCase()) as string }))
    .filter((c) => c.tableType !== undefined && c.tableType.toLowerCase() !== c.fileType.toLowerCase());
  if (clashing.length === 0) return;
  const conditions = clashing.map((c) => {
    const value = sql.column(c.name);
    const fitted = sql`try_cast(${value} AS ${dialect.columnType(c.tableType)})`;
    const lossy = dialect.isNestedType(c.fileType) || dialect.isNestedType(c.tableType) || /^string$/i.test(c.fileType) ? sql.empty : sql` OR CAST(${fitted} AS ${dialect.columnType(c.fileType)}) <> ${value}`;
    return { ...c, sql: sql`(${value} IS NOT NULL AND (${fitted} IS NULL${lossy}))` };
  });
  const found = await executor.read(
    sql`SELECT ${FILE_NAME} AS name, ${sql.join(conditions.map((c, i) => sql`MAX(CASE WHEN ${c.sql} THEN 1 ELSE 0 END) AS ${sql.raw(`clash_${i}`)}`))} FROM ${view} WHERE ${sql.join(
      conditions.map((c) => c.sql),
      sql` OR `,
    )} GROUP BY 1`,
  );
  for (const row of found) {
    const file = byName.get(String(row['name']));
    const hit: TypeClash[] = conditions.filter((_, i) => Number(row[`clash_${i}`]) === 1);
    if (file) verdicts.typeClash(file, hit);
  }
}

/**
 * The files of a failed group the engine cannot read, each with its reason: the file the error
 * names (longest path first); when it names none but is a read error, each file read on its own
 * (a statement per file on this failure path only). Empty when the failure is not a file's: the
 * table's load fails as before.
 */
export async function unreadableFiles(executor: Executor, error: unknown, group: Group, files: readonly ListedFile[]): Promise<Map<ListedFile, string>> {
  const found = new Map<ListedFile, string>();
  if (!(error instanceof EngineError)) return found;
  const local = executor.engine.capabilities.localFilesOnly;
  const message = messageOf(error);
  const named = fileNamedIn(error, files);
  if (named) return found.set(named, await readFailureReason(named, message, local));
  if (!FILE_READ_ERROR.test(message) || files.length === 0) return found;
  for (const file of files) {
    const reader = sql.raw(group.format === 'parquet' ? 'parquet' : 'text');
    try {
      await executor.read(sql`SELECT COUNT(*) AS n FROM ${reader}.${sql.column(globOf(executor, group.directory, [file]))}`);
    } catch (probeError) {
      if (!(probeError instanceof EngineError)) throw probeError;
      found.set(file, await readFailureReason(file, messageOf(probeError), local));
    }
  }
  return found;
}

/** One temporary view reads one directory's files with one set of options and one first line. */
function groups(files: readonly ListedFile[], firstLines: ReadonlyMap<ListedFile, FirstLine>): Group[] {
  const out = new Map<string, Group & { files: ListedFile[] }>();
  for (const file of files) {
    const directory = folderOf(file.physical);
    const first = firstLines.get(file);
    const key = `${directory}\u0000${file.config.lob}\u0000${file.config.category}\u0000${file.config.subcategory}\u0000${first ? firstLineKey(file, first) : ''}`;
    const group = out.get(key) ?? {
      directory,
      logicalDirectory: folderOf(file.path),
      format: file.config.fileFormat,
      config: file.config,
      ending: first?.ending ?? null,
      files: [],
      view: sql.raw(`__hub_stage_${out.size}`),
    };
    group.files.push(file);
    out.set(key, group);
  }
  return [...out.values()];
}

function globOf(executor: Executor, directory: string, files: readonly ListedFile[]): string {
  return executor.engine.dialect.globOf(directory, files.map((f) => f.name));
}

/** The CSV reader's options as a view's OPTIONS clause. */
function csvOptions(config: ListedFile['config'], ending: LineEnding | null): Sql {
  return sql.join(csvReaderOptions(config, ending).map(([k, v]) => sql`${sql.raw(k)} ${sql.literal(v)}`));
}

function stageView(executor: Executor, group: Group, columns: ReadonlyMap<string, string> | null): Sql {
  const path = sql.literal(globOf(executor, group.directory, group.files));
  if (group.format === 'parquet') return sql`CREATE OR REPLACE TEMPORARY VIEW ${group.view} USING parquet OPTIONS (path ${path}, mergeSchema 'true')`;
  const schema = columns ? sql` (${sql.join([...columns.keys()].map((c) => sql`${sql.column(c)} STRING`))}, ${sql.raw(CORRUPT)} STRING)` : sql.empty;
  return sql`CREATE OR REPLACE TEMPORARY VIEW ${group.view}${schema} USING csv OPTIONS (path ${path}, ${csvOptions(group.config, group.ending)}, mode 'PERMISSIVE', columnNameOfCorruptRecord '${sql.raw(CORRUPT)}')`;
}

interface Staged {
  readonly files: readonly ListedFile[];
  readonly columns: ReadonlyMap<string, string>;
}

/** Delimited: the header gives the column names; the view then reads every column as STRING with malformed rows kept aside. */
async function stageDelimited(executor: Executor, group: Group, verdicts: FileVerdicts): Promise<Staged | null> {
  const { files } = group;
  const local = executor.engine.capabilities.localFilesOnly;
  await executor.read(sql`CREATE OR REPLACE TEMPORARY VIEW ${PROBE} USING csv OPTIONS (path ${sql.literal(globOf(executor, group.directory, files))}, ${csvOptions(group.config, group.ending)})`);
  const columns = describe(await executor.read(sql`DESCRIBE ${PROBE}`));
  // Spark names a column from whatever its CSV reader took for the header: a NUL there (binary content whose first line the hub took for text) can be no column.
  if ([...columns.keys()].some((name) => name.length === 0 || name.includes('\u0000'))) {
    for (const file of files) {
      const explained = local ? await explainDelimited(file.physical, file.config.delimiter ?? ',').catch(() => null) : null;
      if (explained) verdicts.unreadable(file, explained);
      else verdicts.header(file, 'not a delimited text file: the header gives a column name with a NUL character');
    }
    return null;
  }
  await executor.read(stageView(executor, group, columns));
  const text = await executor.read(textCheckStatement(executor, group));
  const byName = new Map(files.map((f) => [f.name, f]));
  for (const row of text) {
    const file = byName.get(String(row['name']));
    if (!file) continue;
    verdicts.textLines(file, { utf8Line: row['utf8_line'] == null ? null : Number(row['utf8_line']), openQuoteLine: row['open_quote_line'] == null ? null : Number(row['open_quote_line']) });
  }
  return { files, columns };
}

/**
 * Per file, the first line of invalid UTF-8 and the line where a quote opens that is never
 * closed (Spark's multiLine reader would read the rest of the file into that field, silently).
 * Each line's effect on the quote state is one of four: none (2), flip (1), end outside (0),
 * end inside (3). The state after the last line is that of the last 0 or 3, flipped once per 1
 * after it; when that leaves it inside, the quote opened on the last 1 (or on that 3 when no 1
 * follows). A running count of 1s shares the window that numbers the lines, so the lines are
 * sorted once; only lines with a quote (or bad UTF-8) reach the aggregation.
 */
function textCheckStatement(executor: Executor, group: Group): Sql {
  return sql`SELECT ${nameOf(sql.raw('file'))} AS name, utf8_line,
  ${OPEN_QUOTE_LINE} AS open_quote_line
FROM (
  SELECT file, MIN(line) FILTER (WHERE bad_utf8) AS utf8_line, ${QUOTE_FOLD}
  FROM (
    SELECT file, bad_utf8, t, row_number() OVER w AS line, SUM(CASE WHEN t = 1 THEN 1 ELSE 0 END) OVER w AS flips
    FROM (
      SELECT input_file_name() AS file, monotonically_increasing_id() AS id, encode(value, 'UTF-8') <> CAST(value AS BINARY) AS bad_utf8, ${quoteTransition(sql.raw('value'), group.config.delimiter ?? ',')} AS t
      FROM text.${sql.column(globOf(executor, group.directory, group.files))}
    )
    WINDOW w AS (PARTITION BY file ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
  )
  WHERE t <> 2 OR bad_utf8
  GROUP BY file
)
WHERE utf8_line IS NOT NULL OR ${ENDS_INSIDE_QUOTE}`;
}

/** Where a data record is: its first line, read by the hub where it reads the engine's files, else its number. */
async function recordAt(executor: Executor, file: ListedFile, record: number): Promise<string> {
  const withHeader = record + (file.config.hasHeader ? 1 : 0);
  if (!executor.engine.capabilities.localFilesOnly) return `record ${record}`;
  const found = await findLines(file.physical, file.config.delimiter ?? ',', { records: [withHeader] });
  const line = found.recordLines.get(withHeader);
  return line === undefined ? `record ${record}` : `line ${line}`;
}

/**
 * Parquet: the group's view over all files with merged schemas. When that fails, the error does
 * not always name the file, so each file is read on its own (only on this failure path).
 */
async function stageParquet(executor: Executor, group: Group, tableColumns: ReadonlyMap<string, string>, verdicts: FileVerdicts): Promise<Staged | null> {
  const local = executor.engine.capabilities.localFilesOnly;
  const attempt = async (subset: readonly ListedFile[]) => {
    await executor.read(stageView(executor, { ...group, files: subset }, null));
    return describe(await executor.read(sql`DESCRIBE ${group.view}`));
  };
  try {
    return { files: group.files, columns: await attempt(group.files) };
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
  }
  for (const file of group.files) {
    try {
      await executor.read(sql`CREATE OR REPLACE TEMPORARY VIEW ${PROBE} USING parquet OPTIONS (path ${sql.literal(globOf(executor, group.directory, [file]))})`);
      const columns = describe(await executor.read(sql`DESCRIBE ${PROBE}`));
      const clashes = [...columns]
        .map(([name, fileType]) => ({ name, fileType, tableType: tableColumns.get(name.toLowerCase()) as string }))
        .filter((c) => c.tableType !== undefined && c.tableType.toLowerCase() !== c.fileType.toLowerCase());
      if (clashes.length > 0) verdicts.typeClash(file, clashes);
    } catch (error) {
      verdicts.unreadable(file, await parquetFailureReason(file, error instanceof EngineError ? messageOf(error) : String(error), local));
    }
  }
  const remaining = verdicts.pending(group.files);
  if (remaining.length === 0) return null;
  return { files: remaining, columns: await attempt(remaining) };
}

/**
 * Rows per file and, for delimited files, the first malformed record and the first record whose
 * line ending differs from the first line's (Spark splits records at lineSep only, so a CRLF in
 * an LF file leaves a CR at the end of a value, an LF in a CR file one at the start): their
 * numbers among the data records (a multiLine file is read by one task, in order).
 * `ending` undefined: parquet, which has no records to check.
 */
function checkStatement(view: Sql, staged: ReadonlyMap<string, string>, ending: LineEnding | null | undefined): Sql {
  if (ending === undefined) return sql`SELECT ${FILE_NAME} AS name, COUNT(*) AS row_count, CAST(NULL AS BIGINT) AS bad_record, CAST(NULL AS STRING) AS bad_text, CAST(NULL AS BIGINT) AS mixed_record FROM ${view} GROUP BY 1`;
  const data = [...staged.keys()].filter((c) => c !== CORRUPT).map((c) => sql.column(c));
  const stray = ending === 'LF' ? (c: Sql) => sql`endswith(${c}, ${sql.literal('\r')})` : ending === 'CR' ? (c: Sql) => sql`startswith(${c}, ${sql.literal('\n')})` : null;
  const mixed = stray && data.length > 0 ? sql.join(data.map(stray), sql` OR `) : sql`FALSE`;
  return sql`SELECT name, COUNT(*) AS row_count, MIN(CASE WHEN bad IS NOT NULL THEN record END) AS bad_record, MIN_BY(bad, CASE WHEN bad IS NOT NULL THEN record END) AS bad_text,
  MIN(CASE WHEN mixed THEN record END) AS mixed_record
FROM (SELECT ${FILE_NAME} AS name, ${sql.raw(CORRUPT)} AS bad, COALESCE(${mixed}, FALSE) AS mixed, row_number() OVER (PARTITION BY input_file_name() ORDER BY monotonically_increasing_id()) AS record FROM ${view})
GROUP BY name`;
}

/** Column names and types from DESCRIBE, without the partitioning section. */
function describe(rows: readonly Row[]): Map<string, string> {
  const columns = new Map<string, string>();
  for (const row of rows) {
    const name = String(row['col_name'] ?? '');
    if (!name || name.startsWith('#')) break;
    columns.set(name, String(row['data_type']));
  }
  return columns;
}

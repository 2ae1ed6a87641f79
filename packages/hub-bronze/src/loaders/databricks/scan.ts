import type * as CsvParse from 'csv-parse/sync';
import { createRequire } from 'node:module';
import { EngineError, sql, type Row, type Sql } from '@org/hub-core';
import type { Executor } from '../../executor.js';
import { folderOf, type ListedFile } from '../../files.js';
import type { LineEnding } from '../../rules/csv-lines.js';
import { firstLineOf } from '../../rules/unreadable.js';
import type { FileVerdicts } from '../../rules/verdicts.js';
import { dataColumns, type LoadRequest, type PreparedLoad, type TableRef } from '../loader.js';
import { csvReaderOptions, insideQuote, OPEN_QUOTE_LINE, QUOTE_FOLD, quoteTransition } from '../spark-csv.js';
import { databricksLoad } from './load.js';

/** csv-parse loads when a Databricks load first reads a header line, not at every CLI start. */
let csvParseModule: typeof CsvParse | undefined;
const parse: typeof CsvParse.parse = (...args: Parameters<typeof CsvParse.parse>) => (csvParseModule ??= createRequire(import.meta.url)('csv-parse/sync') as typeof CsvParse).parse(...args);

/** COPY INTO names at most 1000 files per statement. */
const MAX_FILES = 1000;
const CORRUPT = '_corrupt_record';
const RESCUED = '_rescued_data';
/** A row's file as the warehouse reads it; `_source_file` is the configured folder plus this name, never the warehouse's own path. */
export const FILE_NAME = sql.raw('_metadata.file_name');

/** Files read by one `read_files` and loaded by one COPY INTO: one folder, one config row, at most 1000 files. */
interface Chunk {
  readonly directory: string;
  readonly logicalDirectory: string;
  readonly format: 'delimited' | 'parquet';
  readonly config: ListedFile['config'];
  readonly files: readonly ListedFile[];
}

/** A chunk's files with one first line and line ending: their CSV columns (null for parquet, whose columns are in its footer). */
export interface Group extends Chunk {
  readonly columns: readonly string[] | null;
  readonly ending: LineEnding | null;
  /** Per file name, the first line that starts no record (null: every line starts one), below which record N starts on line N. */
  readonly shiftLines: ReadonlyMap<string, number | null>;
}

/** A group after its check: the rows the warehouse read per file name. */
export interface CheckedGroup {
  readonly group: Group;
  readonly read: ReadonlyMap<string, number>;
}

/** The table's columns (lower-case name to type) from information_schema; empty when it does not exist. */
export async function tableColumns(executor: Executor, table: TableRef): Promise<Map<string, string>> {
  const [catalog, schema, name] = executor.engine.dialect.tableParts(table.catalog, table.schema, table.table);
  const rows = await executor.read(
    sql`SELECT column_name, full_data_type FROM ${sql.id(catalog, 'information_schema', 'columns')} WHERE table_schema = ${schema} AND table_name = ${name} ORDER BY ordinal_position`,
  );
  return new Map(rows.map((r) => [String(r['column_name']).toLowerCase(), String(r['full_data_type'])]));
}

/**
 * Every read before the load, per folder and at most 1000 files: for delimited files a text scan
 * (first lines, line endings, quotes never closed, invalid UTF-8), then per group of one header
 * and line ending a check with Spark's CSV reader (rows per file, the first malformed record); for
 * parquet a check with the table's types as hints (a value that does not fit is rescued). The
 * rules judge each answer; the load then copies the files that passed.
 */
export async function prepare(executor: Executor, request: LoadRequest, verdicts: FileVerdicts): Promise<PreparedLoad> {
  const hints = new Map([...request.tableColumns].filter(([name]) => dataColumns(request.tableColumns).has(name)));
  const checked: CheckedGroup[] = [];
  for (const chunk of chunks(verdicts.compressed(request.files))) {
    const groups = chunk.format === 'delimited' ? await scanDelimited(executor, chunk, verdicts) : [unscanned(chunk)];
    for (const group of groups) {
      const live = { ...group, files: verdicts.pending(group.files) };
      if (live.files.length === 0) continue;
      const read = await checkGroup(executor, live, hints, verdicts);
      const good = verdicts.pending(live.files);
      if (good.length > 0) checked.push({ group: { ...live, files: good }, read });
    }
  }
  return databricksLoad({ request, checked, verdicts });
}

/** A chunk read as it is, without a text scan (parquet). */
function unscanned(chunk: Chunk): Group {
  return { ...chunk, columns: null, ending: null, shiftLines: new Map() };
}

function chunks(files: readonly ListedFile[]): Chunk[] {
  const byKey = new Map<string, ListedFile[]>();
  for (const file of files) {
    const key = JSON.stringify([folderOf(file.physical), file.config.lob, file.config.category, file.config.subcategory]);
    byKey.set(key, [...(byKey.get(key) ?? []), file]);
  }
  const out: Chunk[] = [];
  for (const group of byKey.values()) {
    const first = group[0] as ListedFile;
    for (let i = 0; i < group.length; i += MAX_FILES) {
      out.push({ directory: folderOf(first.physical), logicalDirectory: folderOf(first.path), format: first.config.fileFormat, config: first.config, files: group.slice(i, i + MAX_FILES) });
    }
  }
  return out;
}

/** The reader options of a group, shared by the check (`read_files`) and the load (COPY INTO's FORMAT_OPTIONS): Spark's CSV options, lineSep from the text scan. */
export function formatOptions(config: ListedFile['config'], ending: LineEnding | null = null): { fileFormat: string; options: [string, string][] } {
  if (config.fileFormat === 'parquet') return { fileFormat: 'PARQUET', options: [['mergeSchema', 'true']] };
  return { fileFormat: 'CSV', options: [...csvReaderOptions(config, ending), ['mergeSchema', 'true'], ['mode', 'PERMISSIVE']] };
}

/** `read_files(path, name => value, ...)`: the argument list built once, so no option left out leaves an empty slot. */
function readFiles(path: string, format: string, options: readonly (readonly [string, string])[]): Sql {
  const args = [sql.literal(path), sql`format => ${sql.literal(format)}`, ...options.map(([k, v]) => sql`${sql.raw(k)} => ${sql.literal(v)}`)];
  return sql`read_files(${sql.join(args)})`;
}

/** One text scan per chunk (at most 1000 files of a folder): the files' text split at LF, as `textScan` takes it. */
function scanStatement(executor: Executor, chunk: Chunk): Sql {
  const read = readFiles(globOf(executor, chunk.directory, chunk.files), 'text', [['lineSep', '\n']]);
  return textScan(sql`(SELECT ${FILE_NAME} AS name, monotonically_increasing_id() AS id, _metadata.file_size AS size, value FROM ${read})`, chunk.config.delimiter ?? ',');
}

/**
 * The text scan of delimited files, over `records`: rows (name, id, size, value) holding each
 * file's text split at LF (LF removed), as `read_files(..., format => 'text', lineSep => '\n')`
 * reads it, `id` increasing through a file, `size` its bytes. Each record is split again at CR,
 * so lines are the file's physical lines whatever ends them (LF, CRLF, CR), and each line knows
 * its ending: a CR followed by the LF that ended the record is a CRLF; the last record has no LF
 * when the bytes read reach one past the file's size. Per file: its first line, how its first
 * line outside a quoted field ends, the first line of invalid UTF-8, the line where a quote
 * never closed opens (the Spark loader's regexes and fold), the first line outside a quoted
 * field that ends otherwise, and the first line that starts no record (blank, or inside a quoted
 * field): up to it, record N starts on line N. One sort per file serves every window.
 * Exported for the test that runs it on Spark.
 */
export function textScan(records: Sql, delimiter: string): Sql {
  const inFile = sql.raw('PARTITION BY name ORDER BY id, pos ROWS BETWEEN UNBOUNDED PRECEDING');
  // Splitting text decodes it, so a record of invalid UTF-8 that holds CR-ended lines is split again as bytes (hex pairs) to tell which line it is.
  const rawPiece = sql`unhex(replace(r.raw_parts[p.pos], ' ', ''))`;
  const rawParts = sql`CASE WHEN encode(value, 'UTF-8') <> CAST(value AS BINARY) AND instr(value, ${sql.literal('\r')}) > 0 THEN split(regexp_replace(hex(CAST(value AS BINARY)), '(..)', '$1 '), '0D ', -1) END`;
  const lastSet = (value: string) => sql`last_value(CASE WHEN t IN (0, 3) THEN ${sql.raw(value)} END, true) OVER before`;
  return sql`SELECT name, first_line, first_ending, utf8_line, mixed_line, mixed_ending, shift_line, ${OPEN_QUOTE_LINE} AS open_quote_line
FROM (
  SELECT name, MAX(CASE WHEN line = 1 THEN value END) AS first_line, MAX(first_ending) AS first_ending, MIN(line) FILTER (WHERE bad_utf8) AS utf8_line,
    MIN(line) FILTER (WHERE NOT inside AND ending <> first_ending) AS mixed_line, MIN_BY(ending, line) FILTER (WHERE NOT inside AND ending <> first_ending) AS mixed_ending,
    MIN(line) FILTER (WHERE inside_before OR value = '') AS shift_line, ${QUOTE_FOLD}
  FROM (
    SELECT *, first_value(CASE WHEN NOT inside THEN ending END, true) OVER w AS first_ending
    FROM (
      SELECT *, CASE WHEN inside_before THEN t >= 2 ELSE t % 2 = 1 END AS inside
      FROM (
        SELECT name, id, pos, line, value, bad_utf8, t, flips,
          CASE WHEN pos < last_pos - 1 OR (pos = last_pos - 1 AND NOT ends_with_cr) THEN 'CR'
            WHEN pos = last_pos - 1 THEN CASE WHEN read_bytes = size + 1 THEN 'CR' ELSE 'CRLF' END
            WHEN read_bytes = size + 1 THEN NULL ELSE 'LF' END AS ending,
          ${insideQuote(lastSet('t'), sql`flips - CASE WHEN t = 1 THEN 1 ELSE 0 END`, lastSet('flips'))} AS inside_before
        FROM (
          SELECT *, row_number() OVER w AS line, SUM(CASE WHEN t = 1 THEN 1 ELSE 0 END) OVER w AS flips, SUM(CASE WHEN pos = 0 THEN bytes + 1 ELSE 0 END) OVER w AS read_bytes
          FROM (
            SELECT r.name, r.id, r.size, r.bytes, p.pos, size(r.parts) - 1 AS last_pos, r.parts[size(r.parts) - 1] = '' AS ends_with_cr, p.piece AS value,
              CASE WHEN NOT r.bad_record THEN FALSE WHEN r.raw_parts IS NULL THEN TRUE ELSE encode(CAST(${rawPiece} AS STRING), 'UTF-8') <> ${rawPiece} END AS bad_utf8, ${quoteTransition(sql.raw('p.piece'), delimiter)} AS t
            FROM (
              SELECT name, id, size, octet_length(value) AS bytes, encode(value, 'UTF-8') <> CAST(value AS BINARY) AS bad_record, split(value, ${sql.literal('\r')}, -1) AS parts, ${rawParts} AS raw_parts
              FROM ${records}
            ) AS r
            LATERAL VIEW posexplode(r.parts) p AS pos, piece
            WHERE p.pos = 0 OR p.pos < size(r.parts) - 1 OR p.piece <> ''
          ) AS pieces
          WINDOW w AS (${inFile} AND CURRENT ROW)
        ) AS numbered
        WINDOW before AS (${inFile} AND 1 PRECEDING)
      ) AS ended
    ) AS stated
    WINDOW w AS (${inFile} AND CURRENT ROW)
  ) AS lines
  WHERE line = 1 OR bad_utf8 OR t <> 2 OR inside_before OR value = '' OR (NOT inside AND ending <> first_ending)
  GROUP BY name
) AS files`;
}

/** The text scan of a chunk of delimited files, judged by the rules file by file; the files that pass, grouped by header and line ending. */
async function scanDelimited(executor: Executor, chunk: Chunk, verdicts: FileVerdicts): Promise<Group[]> {
  const rows = await executor.read(scanStatement(executor, chunk));
  const byName = new Map(rows.map((r) => [String(r['name']), r]));
  const groups = new Map<string, Group & { files: ListedFile[]; shiftLines: Map<string, number | null> }>();
  const unknown = [...byName.keys()].filter((name) => !chunk.files.some((f) => f.name === name));
  const lineOf = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  for (const file of chunk.files) {
    const row = byName.get(file.name);
    // Every non-empty file has a first line: a file missing here was read under another name, so its rows could not be attributed to its path.
    if (!row || unknown.length > 0) {
      verdicts.unlisted(file, unknown, 'scan');
      continue;
    }
    const firstLine = String(row['first_line'] ?? '');
    const first = (row['first_ending'] ?? null) as LineEnding | null;
    const mixed = lineOf(row['mixed_line']);
    // As where the hub reads the files itself: the first line, then a quote never closed or invalid UTF-8 (whichever comes first), then mixed line endings.
    if (!verdicts.firstLine(file, { line: Buffer.from(firstLine, 'utf8') })) continue;
    const text = { openQuoteLine: lineOf(row['open_quote_line']), utf8Line: lineOf(row['utf8_line']), mixedEnding: mixed !== null && first !== null ? { line: mixed, ending: row['mixed_ending'] as LineEnding, first } : null };
    if (!verdicts.textLines(file, text)) continue;
    let columns: string[];
    try {
      columns = headerColumns(firstLine, file.config);
    } catch (error) {
      verdicts.header(file, error instanceof Error ? error.message : String(error));
      continue;
    }
    // One read per header and line ending: the reader is told the ending (lineSep), as on Spark.
    const key = JSON.stringify([columns, first]);
    const group = groups.get(key) ?? { ...chunk, columns, ending: first, shiftLines: new Map<string, number | null>(), files: [] };
    group.files.push(file);
    group.shiftLines.set(file.name, lineOf(row['shift_line']));
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** The columns Spark's CSV reader gives a first line: the header's names (blank ones `_cN`, repeats numbered), or `_c0.._cN` without a header. */
function headerColumns(line: string, config: ListedFile['config']): string[] {
  const fields = (parse(line, { delimiter: config.delimiter ?? ',', quote: '"', escape: '"', relax_quotes: true, relax_column_count: true })[0] as string[] | undefined) ?? [''];
  if (!config.hasHeader) return fields.map((_, i) => `_c${i}`);
  const names = fields.map((f, i) => (f.trim() === '' ? `_c${i}` : f));
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name.toLowerCase(), (counts.get(name.toLowerCase()) ?? 0) + 1);
  return names.map((name, i) => ((counts.get(name.toLowerCase()) ?? 0) > 1 ? `${name}${i}` : name));
}

/**
 * Rows per file and the first bad record. Delimited: Spark's CSV reader with every column STRING
 * and a corrupt-record column, every column read (so column pruning cannot hide a wrong field
 * count). Parquet: the table's types as hints, a value that does not fit them lands in the rescued
 * data column.
 */
function checkStatement(executor: Executor, group: Group, tableTypes: ReadonlyMap<string, string>): Sql {
  const { options } = formatOptions(group.config, group.ending);
  const glob = globOf(executor, group.directory, group.files);
  if (group.format === 'parquet') {
    const hints = [...tableTypes].map(([name, type]) => `${quoteDdl(name)} ${executor.engine.dialect.checkType(type)}`).join(', ');
    const read = readFiles(glob, 'parquet', [...options, ...(hints ? [['schemaHints', hints] as const] : []), ['rescuedDataColumn', RESCUED]]);
    return sql`SELECT ${FILE_NAME} AS name, COUNT(*) AS row_count, COUNT_IF(${sql.raw(RESCUED)} IS NOT NULL) AS bad_rows, MIN(${sql.raw(RESCUED)}) AS bad_text
FROM ${read}
GROUP BY ${FILE_NAME}`;
  }
  const columns = group.columns ?? [];
  const schema = [...columns.map((c) => `${quoteDdl(c)} STRING`), `${CORRUPT} STRING`].join(', ');
  const read = readFiles(glob, 'csv', [['schema', schema], ...options.filter(([k]) => k !== 'mergeSchema'), ['columnNameOfCorruptRecord', CORRUPT]]);
  return sql`SELECT name, COUNT(*) AS row_count, COUNT_IF(bad IS NOT NULL) AS bad_rows, MIN(CASE WHEN bad IS NOT NULL THEN record END) AS bad_record,
  MIN_BY(bad, CASE WHEN bad IS NOT NULL THEN record END) AS bad_text, MAX(all_columns) AS all_columns
FROM (
  SELECT ${FILE_NAME} AS name, ${sql.raw(CORRUPT)} AS bad, hash(${sql.join(columns.map((c) => sql.column(c)))}) AS all_columns,
    row_number() OVER (PARTITION BY ${FILE_NAME} ORDER BY monotonically_increasing_id()) AS record
  FROM ${read}
) AS r
GROUP BY name`;
}

/** Checks a group, and the rules judge each file; returns the rows the warehouse read per file name. */
async function checkGroup(executor: Executor, group: Group, tableTypes: ReadonlyMap<string, string>, verdicts: FileVerdicts): Promise<Map<string, number>> {
  let rows: Row[];
  try {
    rows = await executor.read(checkStatement(executor, group, tableTypes));
  } catch (error) {
    if (!(error instanceof EngineError) || group.format !== 'parquet') throw error;
    // Parquet files that cannot be read together: each is read on its own, on this failure path only.
    rows = [];
    for (const file of group.files) {
      if (group.files.length === 1) {
        verdicts.unreadable(file, `not a readable parquet file: ${firstLineOf(error, 300)}`);
        break;
      }
      try {
        rows.push(...(await executor.read(checkStatement(executor, { ...group, files: [file] }, tableTypes))));
      } catch (cause) {
        if (!(cause instanceof EngineError)) throw cause;
        verdicts.unreadable(file, `not a readable parquet file: ${firstLineOf(cause, 300)}`);
      }
    }
  }
  const byName = new Map(group.files.map((f) => [f.name, f]));
  const unknown = rows.map((r) => String(r['name'])).filter((name) => !byName.has(name));
  const counts = new Map<string, number>();
  for (const row of rows) {
    const file = byName.get(String(row['name']));
    if (!file) continue;
    if (Number(row['bad_rows']) > 0) {
      if (group.format === 'parquet') verdicts.rescuedValues(file, String(row['bad_text'] ?? ''));
      else {
        // Record N (the header is record 1) starts on line N up to the first line that starts none; past it the hub, which cannot read the file, gives the record's number.
        const record = Number(row['bad_record']);
        const line = record + (group.config.hasHeader ? 1 : 0);
        const shift = group.shiftLines.get(file.name) ?? null;
        verdicts.records(file, { rows: Number(row['row_count']), malformed: { at: shift === null || line < shift ? `line ${line}` : `record ${record}`, text: String(row['bad_text'] ?? '') }, mixedEnding: null });
      }
    } else counts.set(file.name, Number(row['row_count']));
  }
  if (unknown.length > 0) for (const file of group.files) verdicts.unlisted(file, unknown, 'check');
  return counts;
}

function globOf(executor: Executor, directory: string, files: readonly ListedFile[]): string {
  return executor.engine.dialect.globOf(directory, files.map((f) => f.name));
}

/** A column name inside a DDL string (a schema or schema hints): backticks doubled. */
function quoteDdl(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

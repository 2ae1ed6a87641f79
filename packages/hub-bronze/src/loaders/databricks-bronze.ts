import type * as CsvParse from 'csv-parse/sync';
import { createRequire } from 'node:module';
import { EngineError, sql, type Engine, type Row, type Sql } from '@org/hub-core';
import {
  LINEAGE_COLUMNS,
  type BronzeAdapter,
  type FileOutcome,
  type ListRequest,
  type ListedFile,
  type LoadRequest,
  type TableRef,
} from './bronze-adapter.js';
import { malformedRecordReason, mixedEndingReason, openQuoteReason, type LineEnding } from './csv-lines.js';
import { csvReaderOptions, insideQuote, OPEN_QUOTE_LINE, QUOTE_FOLD, quoteTransition } from './csv-sql.js';
import { firstLineReason } from './first-line.js';
import { deleteFilesStatement, fileDateOf, namesMatching, pathRows, SAFE_TYPE, trackerSummary } from './shared.js';

/** csv-parse loads when a Databricks load first reads a header line, not at every CLI start. */
let csvParseModule: typeof CsvParse | undefined;
const parse: typeof CsvParse.parse = (...args: Parameters<typeof CsvParse.parse>) => (csvParseModule ??= createRequire(import.meta.url)('csv-parse/sync') as typeof CsvParse).parse(...args);


/** COPY INTO names at most 1000 files per statement. */
const MAX_FILES = 1000;
const CORRUPT = '_corrupt_record';
const RESCUED = '_rescued_data';
/** A row's file as the warehouse reads it; `_source_file` is the configured folder plus this name, never the warehouse's own path. */
const FILE_NAME = sql.raw('_metadata.file_name');

/**
 * Databricks SQL warehouse: `LIST` sees files without reading them; each folder's files are read
 * by `read_files` first (for delimited files a text scan: first lines, how lines end, quotes never
 * closed, invalid UTF-8; then Spark's CSV reader with each header's columns and a corrupt-record
 * column, or parquet with the table's types as hints), and loaded by `COPY INTO ... FILES = (...)`
 * with `force`: the tracker, not COPY INTO's load history, decides what is loaded. Rows per file
 * are counted from what landed. Everything else (MERGE, tracker, lease, reconcile) is the Spark
 * SQL that OSS Spark + Delta runs in CI.
 */
export const databricksBronze: BronzeAdapter = {
  listStatement(_engine, request) {
    // LIST takes a string literal path, not a parameter marker.
    return sql`LIST ${sql.literal(request.location.physical)}`;
  },

  async listFiles(engine, request) {
    const listed = await engine.query(this.listStatement(engine, request));
    const isMatch = namesMatching(request.config.filePattern);
    const candidates = listed
      .filter(isFile)
      .map((row) => toListing(row, request))
      .filter((f) => isMatch(f.name))
      .filter((f) => (request.fileName ? f.name === request.fileName : f.fileDate >= request.window.begin && f.fileDate <= request.window.end));
    if (candidates.length === 0 || request.tracker === null) return candidates;
    // One set-based lookup of what the tracker holds for these paths, the paths bound as one JSON value.
    const loaded = await engine.query(
      sql`SELECT t.file_path, t.file_size, t.modification_time FROM (${pathRows(engine, candidates.map((c) => c.path))}) AS c JOIN (${trackerSummary(request.tracker, request.destTable)}) AS t ON t.file_path = c.file_path`,
      // A plan on a fresh warehouse has no tracker yet: every file is new, as the run's empty tracker says.
      { afterWrites: 'if-present' },
    );
    const byPath = new Map(loaded.map((r) => [String(r['file_path']), r]));
    return candidates.map((c) => {
      const hit = byPath.get(c.path);
      return hit ? { ...c, loaded: { sizeBytes: hit['file_size'] == null ? null : Number(hit['file_size']), modifiedAt: hit['modification_time'] instanceof Date ? hit['modification_time'] : null } } : c;
    });
  },

  async load(engine, request) {
    const outcomes = new Map<string, FileOutcome>();
    const quarantine = (file: ListedFile, reason: string) => void outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason });
    const fail = (file: ListedFile, reason: string) => void outcomes.set(file.path, { status: 'FAILED', rows: 0, reason });
    const target = targetName(engine, request.table);
    await engine.run(sql`CREATE SCHEMA IF NOT EXISTS ${sql.raw(engine.dialect.schemaName(request.table.catalog, request.table.schema))}`, { idempotent: true });
    // Created with the lineage columns, so a table whose first load landed nothing can still be reconciled; COPY INTO adds the files' columns.
    await engine.run(sql`CREATE TABLE IF NOT EXISTS ${target} (_source_file STRING, _batch_id STRING, _ingested_at TIMESTAMP) USING DELTA`, { idempotent: true });
    if (request.replacePaths.length > 0) await engine.run(deleteFilesStatement(engine, target, request.replacePaths), { idempotent: true });
    const tableTypes = request.files.some((f) => f.config.fileFormat === 'parquet') ? await tableColumns(engine, request.table) : new Map<string, string>();

    const expected = new Map<string, number>();
    const copied: ListedFile[] = [];
    for (const chunk of chunks(request.files)) {
      const groups = chunk.format === 'delimited' ? await scanDelimited(engine, chunk, quarantine, fail) : [unscanned(chunk)];
      for (const group of groups) {
        const live = { ...group, files: group.files.filter((f) => !outcomes.has(f.path)) };
        if (live.files.length === 0) continue;
        const checked = await checkGroup(engine, live, tableTypes, quarantine, fail);
        const good = live.files.filter((f) => !outcomes.has(f.path));
        if (good.length === 0) continue;
        await engine.run(copyStatement(engine, request, { ...live, files: good }));
        for (const file of good) expected.set(file.path, checked.get(file.name) ?? 0);
        copied.push(...good);
      }
    }
    if (copied.length === 0) return { outcomes };

    // Rows per file from what landed in this run, not from the check: a file that did not land whole is not recorded as loaded.
    const landed = new Map(
      (await engine.query(sql`SELECT _source_file AS path, COUNT(*) AS n FROM ${target} WHERE _batch_id = ${request.runId} GROUP BY _source_file`, { afterWrites: 'skip' })).map((r) => [String(r['path']), Number(r['n'])]),
    );
    // A plan ran no COPY INTO: what landed is what the check read, as in a clean run.
    if (engine.isPlanning) for (const [path, read] of expected) landed.set(path, read);
    const short: ListedFile[] = [];
    for (const file of copied) {
      const rows = landed.get(file.path) ?? 0;
      const read = expected.get(file.path) ?? 0;
      if (rows === read) outcomes.set(file.path, { status: 'SUCCESS', rows });
      else {
        fail(file, `${rows} row(s) landed but the warehouse read ${read}: its rows were removed, the next run loads it again`);
        short.push(file);
      }
    }
    if (short.length > 0) await engine.run(deleteBatchFiles(engine, target, request.runId, short), { idempotent: true });
    return { outcomes };
  },

  async tableExists(engine, table) {
    const [catalog, schema, name] = engine.dialect.tableParts(table.catalog, table.schema, table.table);
    const rows = await engine.query(sql`SELECT COUNT(*) AS n FROM ${sql.id(catalog, 'information_schema', 'tables')} WHERE table_schema = ${schema} AND table_name = ${name}`);
    return Number(rows[0]?.['n'] ?? 0) > 0;
  },

  async sourceProblem(engine, location) {
    try {
      await engine.query(sql`LIST ${sql.literal(location.physical)}`);
      return null;
    } catch (error) {
      const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      if (/PATH_NOT_FOUND|FileNotFound|does not exist|No such file/i.test(message)) return `the source folder ${location.physical} does not exist`;
      if (/PERMISSION_DENIED|AccessDenied|Forbidden|403/i.test(message)) return `the source folder ${location.physical} cannot be read (${message})`;
      throw error;
    }
  },
};

/** Files read by one `read_files` and loaded by one COPY INTO: one folder, one config row, at most 1000 files. */
interface Chunk {
  readonly directory: string;
  readonly logicalDirectory: string;
  readonly format: 'delimited' | 'parquet';
  readonly config: ListedFile['config'];
  readonly files: readonly ListedFile[];
}

/** A chunk's files with one first line and line ending: their CSV columns (null for parquet, whose columns are in its footer). */
interface Group extends Chunk {
  readonly columns: readonly string[] | null;
  readonly ending: LineEnding | null;
  /** Per file name, the first line that starts no record (null: every line starts one), below which record N starts on line N. */
  readonly shiftLines: ReadonlyMap<string, number | null>;
}

/** A chunk read as it is, without a text scan (parquet, and a plan). */
function unscanned(chunk: Chunk): Group {
  return { ...chunk, columns: null, ending: null, shiftLines: new Map() };
}

function chunks(files: readonly ListedFile[]): Chunk[] {
  const byKey = new Map<string, ListedFile[]>();
  for (const file of files) {
    const key = JSON.stringify([dirOf(file.physical), file.config.lob, file.config.category, file.config.subcategory]);
    byKey.set(key, [...(byKey.get(key) ?? []), file]);
  }
  const out: Chunk[] = [];
  for (const group of byKey.values()) {
    const first = group[0] as ListedFile;
    for (let i = 0; i < group.length; i += MAX_FILES) {
      out.push({ directory: dirOf(first.physical), logicalDirectory: dirOf(first.path), format: first.config.fileFormat, config: first.config, files: group.slice(i, i + MAX_FILES) });
    }
  }
  return out;
}

/** The reader options of a group, shared by the check (`read_files`) and the load (COPY INTO's FORMAT_OPTIONS): Spark's CSV options, lineSep from the text scan. */
function formatOptions(config: ListedFile['config'], ending: LineEnding | null = null): { fileFormat: string; options: [string, string][] } {
  if (config.fileFormat === 'parquet') return { fileFormat: 'PARQUET', options: [['mergeSchema', 'true']] };
  return { fileFormat: 'CSV', options: [...csvReaderOptions(config, ending), ['mergeSchema', 'true'], ['mode', 'PERMISSIVE']] };
}

/** `read_files(path, name => value, ...)`: the argument list built once, so no option left out leaves an empty slot. */
function readFiles(path: string, format: string, options: readonly (readonly [string, string])[]): Sql {
  const args = [sql.literal(path), sql`format => ${sql.literal(format)}`, ...options.map(([k, v]) => sql`${sql.raw(k)} => ${sql.literal(v)}`)];
  return sql`read_files(${sql.join(args)})`;
}

/** One text scan per chunk (at most 1000 files of a folder): the files' text split at LF, as `textScan` takes it. */
function scanStatement(chunk: Chunk): Sql {
  const read = readFiles(globOf(chunk.directory, chunk.files), 'text', [['lineSep', '\n']]);
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

async function scanDelimited(engine: Engine, chunk: Chunk, quarantine: (f: ListedFile, reason: string) => void, fail: (f: ListedFile, reason: string) => void): Promise<Group[]> {
  const rows = await engine.query(scanStatement(chunk));
  const byName = new Map(rows.map((r) => [String(r['name']), r]));
  const groups = new Map<string, Group & { files: ListedFile[]; shiftLines: Map<string, number | null> }>();
  const unknown = [...byName.keys()].filter((name) => !chunk.files.some((f) => f.name === name));
  const delimiter = chunk.config.delimiter ?? ',';
  const lineOf = (value: unknown) => (value === null || value === undefined ? null : Number(value));
  for (const file of chunk.files) {
    const row = byName.get(file.name);
    // Every non-empty file has a first line: a file missing here was read under another name, so its rows could not be attributed to its path.
    if (!row || unknown.length > 0) {
      fail(file, `the warehouse did not read ${file.name} under its listed name${unknown.length > 0 ? ` (it reported ${unknown.slice(0, 3).join(', ')})` : ''}: not loaded`);
      continue;
    }
    const firstLine = String(row['first_line'] ?? '');
    // As where the hub reads the files itself: the first line, then a quote never closed or invalid UTF-8 (whichever comes first), then mixed line endings.
    const early = firstLineReason(Buffer.from(firstLine, 'utf8'), delimiter, file.config.hasHeader);
    const quote = lineOf(row['open_quote_line']);
    const utf8 = lineOf(row['utf8_line']);
    const mixed = lineOf(row['mixed_line']);
    const first = (row['first_ending'] ?? null) as LineEnding | null;
    const reason =
      early ??
      (quote !== null && (utf8 === null || quote <= utf8)
        ? openQuoteReason(quote)
        : utf8 !== null
          ? `line ${utf8}: invalid UTF-8`
          : mixed !== null && first !== null
            ? mixedEndingReason({ line: mixed, ending: row['mixed_ending'] as LineEnding, first })
            : null);
    if (reason !== null) {
      quarantine(file, reason);
      continue;
    }
    let columns: string[];
    try {
      columns = headerColumns(firstLine, file.config);
    } catch (error) {
      quarantine(file, `line 1: ${error instanceof Error ? error.message : String(error)}`);
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
function checkStatement(group: Group, tableTypes: ReadonlyMap<string, string>): Sql {
  const { options } = formatOptions(group.config, group.ending);
  const glob = globOf(group.directory, group.files);
  if (group.format === 'parquet') {
    const hints = [...tableTypes].map(([name, type]) => `${quoteDdl(name)} ${safeType(type)}`).join(', ');
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

/** Checks a group and sets aside its bad files; returns the rows the warehouse read per file name. */
async function checkGroup(
  engine: Engine,
  group: Group,
  tableTypes: ReadonlyMap<string, string>,
  quarantine: (f: ListedFile, reason: string) => void,
  fail: (f: ListedFile, reason: string) => void,
): Promise<Map<string, number>> {
  let rows: Row[];
  try {
    rows = await engine.query(checkStatement(group, tableTypes));
  } catch (error) {
    if (!(error instanceof EngineError) || group.format !== 'parquet') throw error;
    // Parquet files that cannot be read together: each is read on its own, on this failure path only.
    rows = [];
    for (const file of group.files) {
      if (group.files.length === 1) {
        quarantine(file, `not a readable parquet file: ${firstLine(error)}`);
        break;
      }
      try {
        rows.push(...(await engine.query(checkStatement({ ...group, files: [file] }, tableTypes))));
      } catch (cause) {
        if (!(cause instanceof EngineError)) throw cause;
        quarantine(file, `not a readable parquet file: ${firstLine(cause)}`);
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
      if (group.format === 'parquet') {
        const text = String(row['bad_text'] ?? '').slice(0, 200);
        quarantine(file, `type clash with the table: ${rescuedColumns(text)} do not fit the table's types (rescued data: ${text})`);
      }
      else {
        // Record N (the header is record 1) starts on line N up to the first line that starts none; past it the hub, which cannot read the file, gives the record's number.
        const record = Number(row['bad_record']);
        const line = record + (group.config.hasHeader ? 1 : 0);
        const shift = group.shiftLines.get(file.name) ?? null;
        quarantine(file, malformedRecordReason(shift === null || line < shift ? `line ${line}` : `record ${record}`, String(row['bad_text'] ?? '')));
      }
    } else counts.set(file.name, Number(row['row_count']));
  }
  if (unknown.length > 0) {
    for (const file of group.files) fail(file, `the warehouse read rows under a name that was not listed (${unknown.slice(0, 3).join(', ')}): not loaded, so no row can land under another path`);
  }
  return counts;
}

/** The columns named in a rescued-data JSON object, for the quarantine reason. */
function rescuedColumns(text: string): string {
  try {
    const keys = Object.keys(JSON.parse(text) as object).filter((k) => !k.startsWith('_file'));
    return keys.length > 0 ? `values of ${keys.join(', ')}` : 'values';
  } catch {
    return 'values';
  }
}

function copyStatement(engine: Engine, request: LoadRequest, chunk: Group): Sql {
  const { fileFormat, options } = formatOptions(chunk.config, chunk.ending);
  const renderOptions = (pairs: [string, string][]) => sql.join(pairs.map(([k, v]) => sql`${sql.literal(k)} = ${sql.literal(v)}`));
  // The tracker decides what is loaded: COPY INTO's own history would skip a file it loaded before, even one whose rows were removed since.
  return sql`COPY INTO ${targetName(engine, request.table)}
FROM (SELECT *, concat(${sql.literal(chunk.logicalDirectory)}, ${FILE_NAME}) AS _source_file, ${sql.literal(request.runId)} AS _batch_id, ${sql.literal(request.ingestedAt)} AS _ingested_at FROM ${sql.literal(chunk.directory)})
FILEFORMAT = ${sql.raw(fileFormat)}
FILES = (${sql.join(chunk.files.map((f) => sql.literal(f.name)))})
FORMAT_OPTIONS (${renderOptions(options)})
COPY_OPTIONS (${renderOptions([['mergeSchema', 'true'], ['force', 'true']])})`;
}

/** This run's rows of files that did not land whole. */
function deleteBatchFiles(engine: Engine, target: Sql, runId: string, files: readonly ListedFile[]): Sql {
  return sql`MERGE INTO ${target} AS b
USING (SELECT DISTINCT file_path FROM (${pathRows(engine, files.map((f) => f.path))}) AS p) AS s
ON b._source_file = s.file_path AND b._batch_id = ${runId}
WHEN MATCHED THEN DELETE`;
}

/** The table's data columns and their types, for parquet schema hints (lineage columns left out). */
async function tableColumns(engine: Engine, table: TableRef): Promise<Map<string, string>> {
  const [catalog, schema, name] = engine.dialect.tableParts(table.catalog, table.schema, table.table);
  const rows = await engine.query(
    sql`SELECT column_name, full_data_type FROM ${sql.id(catalog, 'information_schema', 'columns')} WHERE table_schema = ${schema} AND table_name = ${name} ORDER BY ordinal_position`,
  );
  return new Map(
    rows.map((r) => [String(r['column_name']), String(r['full_data_type'])] as const).filter(([column]) => !(LINEAGE_COLUMNS as readonly string[]).includes(column.toLowerCase())),
  );
}

function targetName(engine: Engine, table: TableRef): Sql {
  return sql.raw(engine.dialect.tableName(table.catalog, table.schema, table.table));
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}

/** A glob naming exactly these files, metacharacters escaped so each name matches only itself. */
function globOf(directory: string, files: readonly ListedFile[]): string {
  const names = files.map((f) => escapeGlob(f.name));
  return names.length === 1 ? `${escapeGlob(directory)}${names[0]}` : `${escapeGlob(directory)}{${names.join(',')}}`;
}

function escapeGlob(name: string): string {
  return name.replace(/[\\{}[\]*?,]/g, (c) => `\\${c}`);
}

/** A column name inside a DDL string (a schema or schema hints): backticks doubled. */
function quoteDdl(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

function safeType(type: string): string {
  if (!SAFE_TYPE.test(type)) throw new Error(`unexpected column type from the warehouse: ${type}`);
  return type;
}

function firstLine(error: EngineError): string {
  const text = error.cause instanceof Error ? error.cause.message : error.message;
  return (text.split('\n')[0] ?? text).slice(0, 300);
}

/**
 * LIST returns directories too, with size 0 and no trailing slash, so an entry of size 0 is not
 * taken for a file (an empty file has no rows to load either; DuckDB and Spark, whose folders the
 * hub reads, quarantine it). docs/engines.md states the rule.
 */
function isFile(row: Row): boolean {
  return Number(row['size']) > 0 && !String(row['name'] ?? row['path']).endsWith('/');
}

function toListing(row: Row, request: ListRequest): ListedFile {
  const name = String(row['name'] ?? String(row['path']).split('/').pop());
  const modifiedAt = new Date(Number(row['modification_time']));
  const fileDate = fileDateOf(name, modifiedAt);
  return {
    config: request.config,
    // One canonical path: the configured folder plus the name, whatever scheme the warehouse reports (dbfs:/Volumes/... for /Volumes/...).
    path: request.location.logical + name,
    physical: request.location.physical + name,
    name,
    sizeBytes: Number(row['size']),
    modifiedAt,
    fileDate,
    loaded: null,
  };
}

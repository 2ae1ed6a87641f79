import { open, readdir, stat } from 'node:fs/promises';
import { EngineError, sql, type Engine, type Row, type Sql } from '@org/hub-core';
import {
  DATE_TOKEN_PATTERN,
  type BronzeAdapter,
  type FileOutcome,
  type ListedFile,
  type ListRequest,
  type LoadRequest,
  type TableRef,
} from './bronze-adapter.js';
import { explainDelimited, findLines, malformedRecordReason, mixedEndingReason, openQuoteReason } from './csv-lines.js';
import { csvReaderOptions, ENDS_INSIDE_QUOTE, OPEN_QUOTE_LINE, QUOTE_FOLD, quoteTransition } from './csv-sql.js';
import { firstLineKeys, type LineEnding } from './first-line.js';
import { clashReason, deleteFilesStatement, fileDateOf, namesMatching, rowsToListedFiles, SAFE_TYPE, trackerSummary, withoutTracker } from './shared.js';

const STAGE = sql.raw('__hub_stage');
const PROBE = sql.raw('__hub_probe');
const CORRUPT = '_corrupt_record';
/** A file's name from its URI (input_file_name() is one), decoded ('+' is literal in a path). */
const nameOf = (uri: Sql) => sql`url_decode(replace(regexp_extract(${uri}, '[^/]+$', 0), '+', '%2B'))`;
/** A scanned row's file name. */
const FILE_NAME = nameOf(sql.raw('input_file_name()'));

/**
 * OSS Spark + Delta: `binaryFile` lists without reading contents; each config row's files are
 * read through one temporary view over a glob of exactly those files; one INSERT per table.
 */
export const sparkBronze: BronzeAdapter = {
  listStatement(_engine, request) {
    const { location, config, window, fileName } = request;
    // As on DuckDB: only new files, loaded ones changed on disk, or all when forced come back.
    const filter = fileName ? sql`d.name = ${fileName}` : sql`d.file_date BETWEEN DATE ${sql.literal(window.begin)} AND DATE ${sql.literal(window.end)}`;
    return sql`WITH listing AS (
  SELECT url_decode(replace(_metadata.file_name, '+', '%2B')) AS name, length, modificationTime FROM binaryFile.${sql.column(escapeHadoopGlob(location.physical) + config.filePattern)}
), dated AS (
  SELECT name, length, modificationTime,
    COALESCE(
      CAST(try_to_timestamp(regexp_replace(regexp_extract(name, ${DATE_TOKEN_PATTERN}, 1), '[-_]', ''), 'yyyyMMdd') AS DATE),
      CAST(modificationTime AS DATE)) AS file_date
  FROM listing
)
SELECT concat(${location.logical}, d.name) AS path, concat(${location.physical}, d.name) AS physical, d.name, d.length AS size_bytes, d.modificationTime AS modified_at,
  date_format(d.file_date, 'yyyy-MM-dd') AS file_date, t.file_path IS NOT NULL AS loaded, t.file_size AS loaded_size, t.modification_time AS loaded_modified_at
FROM dated AS d
LEFT JOIN (${trackerSummary(request.tracker, request.destTable)}) AS t ON t.file_path = concat(${location.logical}, d.name)
WHERE ${filter}${request.force ? sql.empty : sql` AND (t.file_path IS NULL OR (t.file_size IS NOT NULL AND t.file_size <> d.length) OR (t.modification_time IS NOT NULL AND abs(unix_millis(d.modificationTime) - unix_millis(t.modification_time)) >= 1000))`}
ORDER BY d.file_date, d.name`;
  },

  async listFiles(engine, request) {
    let listed: ListedFile[];
    try {
      listed = rowsToListedFiles(await engine.query(this.listStatement(engine, request), { planInstead: withoutTracker(this, engine, request) }), request.config);
    } catch (error) {
      // binaryFile fails on a glob that matches nothing: that is an empty listing.
      if (!(error instanceof EngineError && /PATH_NOT_FOUND|Path does not exist/i.test(error.message))) throw error;
      listed = [];
    }
    const empty = await emptyFiles(engine, request);
    if (empty.length === 0) return listed;
    return [...listed, ...empty].sort((a, b) => (a.fileDate === b.fileDate ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.fileDate < b.fileDate ? -1 : 1));
  },

  async load(engine, request) {
    const outcomes = new Map<string, FileOutcome>();
    const target = targetName(engine, request.table);
    let tableColumns = await describeTable(engine, request.table);
    // The wrong-delimiter screen judges each group against the table as it was before this run, as DuckDB does:
    // groups of one run with different headers widen a new table, they do not screen each other out.
    const columnsBefore = new Set([...tableColumns.keys()].filter((c) => !['_source_file', '_batch_id', '_ingested_at'].includes(c)));
    if (request.replacePaths.length > 0 && tableColumns.size > 0) {
      await engine.run(deleteFilesStatement(engine, target, request.replacePaths));
    }
    for (const file of request.files) if (file.sizeBytes === 0) outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason: 'zero bytes: the file is empty' });
    // A CSV view maps every file onto one file's columns, by position: files share a view only when their first lines are equal.
    // The hub reads those lines itself, so only where the engine reads the same local files.
    const firstLines = new Map<ListedFile, { key: string; ending: LineEnding }>();
    const delimited = engine.capabilities.localFilesOnly ? request.files.filter((f) => f.config.fileFormat === 'delimited' && !outcomes.has(f.path)) : [];
    for (const [file, first] of await firstLineKeys(delimited)) {
      if ('reason' in first) outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason: first.reason });
      else firstLines.set(file, first);
    }
    for (const group of groups(request.files.filter((f) => !outcomes.has(f.path)), firstLines)) {
      // A file the engine cannot read fails the group's statement: it is set aside and the group's statements run again without it, as on DuckDB.
      for (;;) {
        const files = group.files.filter((f) => !outcomes.has(f.path));
        if (files.length === 0) break;
        try {
          await loadGroup({ ...group, files });
          break;
        } catch (error) {
          const unreadable = await unreadableFiles(engine, error, group, files);
          if (unreadable.size === 0) throw error;
          for (const [file, reason] of unreadable) outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason });
        }
      }
    }
    return { outcomes };

    /** One group's statements: stage, checks, create or widen the table, type check, one INSERT (a Delta commit: all of it or none). */
    async function loadGroup(group: Group): Promise<void> {
      let files = group.files;
      const staged = group.format === 'parquet' ? await stageParquet(engine, files, tableColumns, outcomes) : await stageDelimited(engine, { ...group, files }, outcomes);
      files = files.filter((f) => !outcomes.has(f.path));
      if (!staged || files.length === 0) return;

      const checks = await engine.query(checkStatement(staged, group.ending));
      const byName = new Map(files.map((f) => [f.name, f]));
      const rows = new Map<string, number>();
      for (const check of checks) {
        const file = byName.get(String(check['name']));
        if (!file) continue;
        const bad = check['bad_record'] == null ? null : Number(check['bad_record']);
        const mixed = check['mixed_record'] == null ? null : Number(check['mixed_record']);
        if (mixed !== null && (bad === null || mixed < bad)) {
          // The hub reads the file to name the line and its ending; Spark only shows a stray CR or LF in a value.
          const found = engine.capabilities.localFilesOnly ? (await findLines(file.physical, file.config.delimiter ?? ',', { mixedEnding: true })).mixedEnding : null;
          const reason = found ? mixedEndingReason(found) : `${await recordAt(engine, file, mixed)}: mixed line endings: a file must end all its lines the same way`;
          outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason });
        } else if (bad !== null) {
          outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason: malformedRecordReason(await recordAt(engine, file, bad), String(check['bad_text'] ?? '')) });
        } else rows.set(file.path, Number(check['row_count'] ?? 0));
      }

      const columns = new Map([...staged.columns].filter(([name]) => name !== CORRUPT));
      // As on DuckDB: a group none of whose columns is the table's is set aside (usually the wrong delimiter), never added to it.
      if (columnsBefore.size > 0 && columns.size > 0 && ![...columns.keys()].some((c) => columnsBefore.has(c.toLowerCase()))) {
        const reason = `none of its columns (${[...columns.keys()].slice(0, 5).join(', ')}) is a column of the table: check the delimiter and the header`;
        for (const f of files) if (!outcomes.has(f.path)) outcomes.set(f.path, { status: 'QUARANTINED', rows: 0, reason });
      }
      // A group whose files were all set aside creates and widens nothing.
      if (files.every((f) => outcomes.has(f.path))) return;
      if (tableColumns.size === 0) {
        await engine.run(sql`CREATE SCHEMA IF NOT EXISTS ${sql.raw(engine.dialect.schemaName(request.table.catalog, request.table.schema))}`, { idempotent: true });
        await engine.run(
          sql`CREATE TABLE IF NOT EXISTS ${target} (${sql.join([...columns].map(([name, type]) => sql`${sql.column(name)} ${sql.raw(safeType(type))}`))}, _source_file STRING, _batch_id STRING, _ingested_at TIMESTAMP) USING DELTA`,
          { idempotent: true },
        );
        tableColumns = await describeTable(engine, request.table, columns);
      } else {
        const added = [...columns].filter(([name]) => !tableColumns.has(name.toLowerCase()));
        if (added.length > 0) {
          await engine.run(sql`ALTER TABLE ${target} ADD COLUMNS (${sql.join(added.map(([name, type]) => sql`${sql.column(name)} ${sql.raw(safeType(type))}`))})`);
          tableColumns = await describeTable(engine, request.table, new Map([...tableColumns, ...added]));
        }
        // Values the table's type cannot hold quarantine their whole file.
        const clashing = [...columns]
          .map(([name, type]) => ({ name, type, tableType: tableColumns.get(name.toLowerCase()) as string }))
          .filter((c) => c.tableType !== undefined && c.tableType.toLowerCase() !== c.type.toLowerCase());
        if (clashing.length > 0) {
          // A value that does not fit (try_cast gives NULL) or that the table's type would change (5.5 into BIGINT: cast back, it differs), as DuckDB's check.
          // Text is only required to fit, as on DuckDB: '007' is the number 7, not a lossy value.
          const conditions = clashing.map((c) => {
            const value = sql.column(c.name);
            const fitted = sql`try_cast(${value} AS ${sql.raw(safeType(c.tableType))})`;
            const lossy = NESTED.test(c.type) || NESTED.test(c.tableType) || /^string$/i.test(c.type) ? sql.empty : sql` OR CAST(${fitted} AS ${sql.raw(safeType(c.type))}) <> ${value}`;
            return { ...c, sql: sql`(${value} IS NOT NULL AND (${fitted} IS NULL${lossy}))` };
          });
          const found = await engine.query(
            sql`SELECT ${FILE_NAME} AS name, ${sql.join(conditions.map((c, i) => sql`MAX(CASE WHEN ${c.sql} THEN 1 ELSE 0 END) AS ${sql.raw(`clash_${i}`)}`))} FROM ${STAGE} WHERE ${sql.join(conditions.map((c) => c.sql), sql` OR `)} GROUP BY 1`,
          );
          for (const row of found) {
            const file = byName.get(String(row['name']));
            const hit = conditions.filter((_, i) => Number(row[`clash_${i}`]) === 1);
            if (file) outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason: clashReason(hit, columns) });
          }
        }
      }
      const good = files.filter((f) => !outcomes.has(f.path));
      if (good.length === 0) return;
      // Every file the view reads but that did not pass is excluded, whichever check set it aside.
      const excluded = staged.files.filter((f) => outcomes.has(f.path)).map((f) => f.name);
      await engine.run(insertStatement(engine, request, { ...group, files }, [...columns.keys()], excluded));
      for (const f of good) outcomes.set(f.path, { status: 'SUCCESS', rows: rows.get(f.path) ?? 0 });
    }
  },

  async tableExists(engine, table) {
    return (await describeTable(engine, table)).size > 0;
  },

  async sourceProblem(engine, location) {
    // The folder itself, not the pattern: binaryFile fails the same way on a missing folder and on a glob that matches nothing.
    try {
      await engine.query(sql`SELECT path FROM binaryFile.${sql.column(escapeHadoopGlob(location.physical))} LIMIT 1`);
      return null;
    } catch (error) {
      if (error instanceof EngineError && /PATH_NOT_FOUND|Path does not exist/i.test(error.message)) return `the source folder ${location.physical} does not exist`;
      if (error instanceof EngineError && /AccessDenied|Permission denied|Forbidden/i.test(error.message)) return `the source folder ${location.physical} cannot be read (${error.message.split('\n')[0] ?? ''})`;
      throw error;
    }
  },
};

/**
 * Spark's file scans skip zero-byte files, so `binaryFile` never lists them. Where the hub reads the
 * engine's files it finds them itself, so an empty file is quarantined with its reason (as on
 * DuckDB) instead of being skipped without a word. It never holds rows, so it is never "loaded".
 */
async function emptyFiles(engine: Engine, request: ListRequest): Promise<ListedFile[]> {
  if (!engine.capabilities.localFilesOnly) return [];
  const { location, config, window, fileName } = request;
  const entries = await readdir(location.physical, { withFileTypes: true }).catch(() => []);
  const isMatch = namesMatching(config.filePattern);
  const found: ListedFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !isMatch(entry.name)) continue;
    const info = await stat(location.physical + entry.name).catch(() => null);
    if (!info || info.size !== 0) continue;
    const fileDate = fileDateOf(entry.name, info.mtime);
    if (fileName ? entry.name !== fileName : fileDate < window.begin || fileDate > window.end) continue;
    found.push({ config, path: location.logical + entry.name, physical: location.physical + entry.name, name: entry.name, sizeBytes: 0, modifiedAt: info.mtime, fileDate, loaded: null });
  }
  return found;
}

/** Spark's errors for a file it cannot read (removed after the listing, unreadable); only these lead to probing files one by one. */
const FILE_READ_ERROR = /FileNotFound|FILE_NOT_EXIST|FAILED_READ_FILE|PATH_NOT_FOUND|Path does not exist|does not exist|Error while reading file|Permission denied|AccessDenied|Access Denied/i;

/**
 * The files of a failed group the engine cannot read, each with its reason: the file the error
 * names (longest path first, so `a.csv` is not taken for `a.csv.1`); when it names none but is a
 * read error, each file read on its own (a statement per file on this failure path only).
 * Empty when the failure is not a file's: the caller fails the table as before.
 */
async function unreadableFiles(engine: Engine, error: unknown, group: Group, files: readonly ListedFile[]): Promise<Map<ListedFile, string>> {
  const found = new Map<ListedFile, string>();
  if (!(error instanceof EngineError)) return found;
  const message = messageOf(error);
  const named = [...files].sort((a, b) => b.physical.length - a.physical.length).find((f) => message.includes(f.physical));
  if (named) return found.set(named, await readFailure(engine, message, named));
  if (!FILE_READ_ERROR.test(message) || files.length === 0) return found;
  for (const file of files) {
    const reader = sql.raw(group.format === 'parquet' ? 'parquet' : 'text');
    try {
      await engine.query(sql`SELECT COUNT(*) AS n FROM ${reader}.${sql.column(globOf(group.directory, [file]))}`);
    } catch (probeError) {
      if (!(probeError instanceof EngineError)) throw probeError;
      found.set(file, await readFailure(engine, messageOf(probeError), file));
    }
  }
  return found;
}

/**
 * `could not read the file: <why>`: where the hub reads the engine's files, its own words when it
 * cannot open the file either (the same as DuckDB's and as the first-line read's); otherwise the
 * line of the engine's error that names the file, without the job and exception class around it.
 */
async function readFailure(engine: Engine, message: string, file: ListedFile): Promise<string> {
  if (engine.capabilities.localFilesOnly) {
    const local = await open(file.physical, 'r').then(
      (handle) => handle.close().then(() => null),
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    if (local !== null) return `could not read the file: ${local}`;
  }
  const line = message.split('\n').find((l) => l.includes(file.physical)) ?? message.split('\n')[0] ?? message;
  const words = line.slice(line.lastIndexOf('Exception: ') >= 0 ? line.lastIndexOf('Exception: ') + 'Exception: '.length : 0).trim();
  return `could not read the file: ${words.slice(0, 300)}`;
}

function messageOf(error: EngineError): string {
  return error.cause instanceof Error ? error.cause.message : error.message;
}

/** Types whose values are compared whole only when both sides are nested alike. */
const NESTED = /^\s*(array|map|struct)\b/i;

interface Group {
  readonly directory: string;
  readonly logicalDirectory: string;
  readonly format: 'delimited' | 'parquet';
  readonly config: ListedFile['config'];
  /** How the files' lines end, when the hub has read their first lines. */
  readonly ending: LineEnding | null;
  readonly files: readonly ListedFile[];
}

/** One temporary view reads one directory's files with one set of options and one first line. */
function groups(files: readonly ListedFile[], firstLines: ReadonlyMap<ListedFile, { key: string; ending: LineEnding }> = new Map()): Group[] {
  const out = new Map<string, Group & { files: ListedFile[] }>();
  for (const file of files) {
    const directory = file.physical.slice(0, file.physical.lastIndexOf('/') + 1);
    const first = firstLines.get(file);
    const key = `${directory}\u0000${file.config.lob}\u0000${file.config.category}\u0000${file.config.subcategory}\u0000${first?.key ?? ''}`;
    const group = out.get(key) ?? {
      directory,
      logicalDirectory: file.path.slice(0, file.path.lastIndexOf('/') + 1),
      format: file.config.fileFormat,
      config: file.config,
      ending: first?.ending ?? null,
      files: [],
    };
    group.files.push(file);
    out.set(key, group);
  }
  return [...out.values()];
}

/** A Hadoop glob naming exactly these files: `dir/{a.csv,b.csv}`, metacharacters escaped. */
function globOf(directory: string, files: readonly ListedFile[]): string {
  const names = files.map((f) => escapeHadoopGlob(f.name).replaceAll(',', '\\,'));
  const dir = escapeHadoopGlob(directory);
  return names.length === 1 ? `${dir}${names[0]}` : `${dir}{${names.join(',')}}`;
}

/** Hadoop glob metacharacters, backslash-escaped so a path matches only itself. */
function escapeHadoopGlob(path: string): string {
  return path.replace(/[\\{}[\]*?]/g, (c) => `\\${c}`);
}

/** The CSV reader's options as a view's OPTIONS clause. */
function csvOptions(config: ListedFile['config'], ending: LineEnding | null): Sql {
  return sql.join(csvReaderOptions(config, ending).map(([k, v]) => sql`${sql.raw(k)} ${sql.literal(v)}`));
}

function stageView(group: Pick<Group, 'directory' | 'format' | 'config' | 'ending' | 'files'>, columns: ReadonlyMap<string, string> | null): Sql {
  const path = sql.literal(globOf(group.directory, group.files));
  if (group.format === 'parquet') return sql`CREATE OR REPLACE TEMPORARY VIEW ${STAGE} USING parquet OPTIONS (path ${path}, mergeSchema 'true')`;
  const schema = columns ? sql` (${sql.join([...columns.keys()].map((c) => sql`${sql.column(c)} STRING`))}, ${sql.raw(CORRUPT)} STRING)` : sql.empty;
  return sql`CREATE OR REPLACE TEMPORARY VIEW ${STAGE}${schema} USING csv OPTIONS (path ${path}, ${csvOptions(group.config, group.ending)}, mode 'PERMISSIVE', columnNameOfCorruptRecord '${sql.raw(CORRUPT)}')`;
}

interface Staged {
  /** The files the stage view reads. */
  readonly files: readonly ListedFile[];
  readonly columns: ReadonlyMap<string, string>;
  readonly hasCorruptColumn: boolean;
}

/** Delimited: the header gives the column names; the view then reads every column as STRING with malformed rows kept aside. */
async function stageDelimited(engine: Engine, group: Group, outcomes: Map<string, FileOutcome>): Promise<Staged | null> {
  const { files } = group;
  const probe = sql`CREATE OR REPLACE TEMPORARY VIEW ${PROBE} USING csv OPTIONS (path ${sql.literal(globOf(group.directory, files))}, ${csvOptions(group.config, group.ending)})`;
  await engine.run(probe, { idempotent: true });
  const columns = describe(await engine.query(sql`DESCRIBE ${PROBE}`));
  // Spark names a column from whatever its CSV reader took for the header: a NUL there (binary content whose first line the hub took for text) can be no column.
  if ([...columns.keys()].some((name) => name.length === 0 || name.includes('\u0000'))) {
    for (const file of files) {
      const explained = engine.capabilities.localFilesOnly ? await explainDelimited(file.physical, file.config.delimiter ?? ',').catch(() => null) : null;
      outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason: explained ?? 'line 1: not a delimited text file: the header gives a column name with a NUL character' });
    }
    return null;
  }
  await engine.run(stageView(group, columns), { idempotent: true });
  const text = await engine.query(textCheckStatement(group.directory, files, group.config.delimiter ?? ','));
  const byName = new Map(files.map((f) => [f.name, f]));
  for (const row of text) {
    const file = byName.get(String(row['name']));
    if (!file) continue;
    const utf8 = row['utf8_line'] === null ? null : Number(row['utf8_line']);
    const quote = row['open_quote_line'] === null ? null : Number(row['open_quote_line']);
    // Whichever comes first in the file is its reason.
    const reason = quote !== null && (utf8 === null || quote <= utf8) ? openQuoteReason(quote) : `line ${String(utf8)}: invalid UTF-8`;
    outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason });
  }
  return { files, columns, hasCorruptColumn: true };
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
function textCheckStatement(directory: string, files: readonly ListedFile[], delimiter: string): Sql {
  return sql`SELECT ${nameOf(sql.raw('file'))} AS name, utf8_line,
  ${OPEN_QUOTE_LINE} AS open_quote_line
FROM (
  SELECT file, MIN(line) FILTER (WHERE bad_utf8) AS utf8_line, ${QUOTE_FOLD}
  FROM (
    SELECT file, bad_utf8, t, row_number() OVER w AS line, SUM(CASE WHEN t = 1 THEN 1 ELSE 0 END) OVER w AS flips
    FROM (
      SELECT input_file_name() AS file, monotonically_increasing_id() AS id, encode(value, 'UTF-8') <> CAST(value AS BINARY) AS bad_utf8, ${quoteTransition(sql.raw('value'), delimiter)} AS t
      FROM text.${sql.column(globOf(directory, files))}
    )
    WINDOW w AS (PARTITION BY file ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
  )
  WHERE t <> 2 OR bad_utf8
  GROUP BY file
)
WHERE utf8_line IS NOT NULL OR ${ENDS_INSIDE_QUOTE}`;
}

/** Where a data record is: its first line, read by the hub where it reads the engine's files, else its number. */
async function recordAt(engine: Engine, file: ListedFile, record: number): Promise<string> {
  const withHeader = record + (file.config.hasHeader ? 1 : 0);
  if (!engine.capabilities.localFilesOnly) return `record ${record}`;
  const found = await findLines(file.physical, file.config.delimiter ?? ',', { records: [withHeader] });
  const line = found.recordLines.get(withHeader);
  return line === undefined ? `record ${record}` : `line ${line}`;
}

/**
 * Parquet: one view over all files with merged schemas. When that fails, the error does not
 * always name the file, so each file is probed on its own (only on this failure path).
 */
async function stageParquet(engine: Engine, files: readonly ListedFile[], tableColumns: ReadonlyMap<string, string>, outcomes: Map<string, FileOutcome>): Promise<Staged | null> {
  const directory = dirOf(files);
  const config = (files[0] as ListedFile).config;
  const attempt = async (subset: readonly ListedFile[]) => {
    await engine.run(stageView({ directory, format: 'parquet', config, ending: null, files: subset }, null), { idempotent: true });
    return describe(await engine.query(sql`DESCRIBE ${STAGE}`));
  };
  try {
    return { files, columns: await attempt(files), hasCorruptColumn: false };
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
  }
  for (const file of files) {
    try {
      await engine.run(sql`CREATE OR REPLACE TEMPORARY VIEW ${PROBE} USING parquet OPTIONS (path ${sql.literal(globOf(directory, [file]))})`, { idempotent: true });
      const columns = describe(await engine.query(sql`DESCRIBE ${PROBE}`));
      const clashes = [...columns]
        .map(([name, type]) => ({ name, type, tableType: tableColumns.get(name.toLowerCase()) as string }))
        .filter((c) => c.tableType !== undefined && c.tableType.toLowerCase() !== c.type.toLowerCase());
      if (clashes.length > 0) outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason: clashReason(clashes, columns) });
    } catch (error) {
      const message = error instanceof EngineError ? messageOf(error) : String(error);
      outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason: await parquetFailure(engine, file, message) });
    }
  }
  const remaining = files.filter((f) => !outcomes.has(f.path));
  if (remaining.length === 0) return null;
  return { files: remaining, columns: await attempt(remaining), hasCorruptColumn: false };
}

/**
 * Why Spark cannot read a parquet file. Its Thrift server says only that a task failed, so where
 * the hub reads the engine's files it looks itself: a file it cannot open, the magic bytes
 * (`PAR1`) at both ends, the footer's length. Otherwise the engine's first line.
 */
async function parquetFailure(engine: Engine, file: ListedFile, message: string): Promise<string> {
  const engineWords = `not a readable parquet file: ${(message.split('\n')[0] ?? message).slice(0, 300)}`;
  if (!engine.capabilities.localFilesOnly) return engineWords;
  let handle;
  try {
    handle = await open(file.physical, 'r');
  } catch (error) {
    return `could not read the file: ${error instanceof Error ? error.message : String(error)}`;
  }
  try {
    const size = (await handle.stat()).size;
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(8);
    await handle.read(head, 0, 4, 0);
    await handle.read(tail, 0, 8, Math.max(0, size - 8));
    if (size < 12 || tail.subarray(4).toString('latin1') !== 'PAR1') return 'not a readable parquet file: no magic bytes (PAR1) at the end of the file';
    if (head.toString('latin1') !== 'PAR1') return 'not a readable parquet file: no magic bytes (PAR1) at the start of the file';
    const footer = tail.readUInt32LE(0);
    if (footer > size - 12) return `not a readable parquet file: footer length error: the footer says ${footer} bytes, the file has ${size}`;
    return engineWords;
  } finally {
    await handle.close();
  }
}

/**
 * Rows per file and, for delimited files, the first malformed record and the first record whose
 * line ending differs from the first line's (Spark splits records at lineSep only, so a CRLF in
 * an LF file leaves a CR at the end of a value, an LF in a CR file one at the start): their
 * numbers among the data records (a multiLine file is read by one task, in order).
 */
function checkStatement(staged: Staged, ending: LineEnding | null): Sql {
  if (!staged.hasCorruptColumn) return sql`SELECT ${FILE_NAME} AS name, COUNT(*) AS row_count, CAST(NULL AS BIGINT) AS bad_record, CAST(NULL AS STRING) AS bad_text, CAST(NULL AS BIGINT) AS mixed_record FROM ${STAGE} GROUP BY 1`;
  const data = [...staged.columns.keys()].filter((c) => c !== CORRUPT).map((c) => sql.column(c));
  const stray = ending === 'LF' ? (c: Sql) => sql`endswith(${c}, ${sql.literal('\r')})` : ending === 'CR' ? (c: Sql) => sql`startswith(${c}, ${sql.literal('\n')})` : null;
  const mixed = stray && data.length > 0 ? sql.join(data.map(stray), sql` OR `) : sql`FALSE`;
  return sql`SELECT name, COUNT(*) AS row_count, MIN(CASE WHEN bad IS NOT NULL THEN record END) AS bad_record, MIN_BY(bad, CASE WHEN bad IS NOT NULL THEN record END) AS bad_text,
  MIN(CASE WHEN mixed THEN record END) AS mixed_record
FROM (SELECT ${FILE_NAME} AS name, ${sql.raw(CORRUPT)} AS bad, COALESCE(${mixed}, FALSE) AS mixed, row_number() OVER (PARTITION BY input_file_name() ORDER BY monotonically_increasing_id()) AS record FROM ${STAGE})
GROUP BY name`;
}

function insertStatement(engine: Engine, request: LoadRequest, group: Group, columns: readonly string[], excluded: readonly string[]): Sql {
  const select = columns.length > 0 ? sql.join(columns.map((c) => sql.column(c))) : sql`*`;
  const where = excluded.length > 0 ? sql` WHERE ${FILE_NAME} NOT IN (${sql.join(excluded.map((n) => sql`${n}`))})` : sql.empty;
  return sql`INSERT INTO ${targetName(engine, request.table)} BY NAME SELECT ${select}, concat(${group.logicalDirectory}, ${FILE_NAME}) AS _source_file, ${request.runId} AS _batch_id, ${request.ingestedAt} AS _ingested_at FROM ${STAGE}${where}`;
}

function targetName(engine: Engine, table: TableRef): Sql {
  return sql.raw(engine.dialect.tableName(table.catalog, table.schema, table.table));
}

function dirOf(files: readonly ListedFile[]): string {
  const physical = (files[0] as ListedFile).physical;
  return physical.slice(0, physical.lastIndexOf('/') + 1);
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

/** `made`: the columns the CREATE or ALTER just issued gives it, which a plan (that ran neither) takes instead of reading them. */
async function describeTable(engine: Engine, table: TableRef, made?: ReadonlyMap<string, string>): Promise<Map<string, string>> {
  try {
    const described = describe(await engine.query(sql`DESCRIBE TABLE ${targetName(engine, table)}`, made ? { afterWrites: 'skip' } : {}));
    if (made && engine.isPlanning) return new Map([...made].map(([name, type]) => [name.toLowerCase(), type]));
    return new Map([...described].map(([name, type]) => [name.toLowerCase(), type]));
  } catch (error) {
    if (error instanceof EngineError && /TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND|not found/i.test(error.message)) return new Map();
    throw error;
  }
}

function safeType(type: string): string {
  if (!SAFE_TYPE.test(type)) throw new Error(`unexpected column type from the engine: ${type}`);
  return type;
}

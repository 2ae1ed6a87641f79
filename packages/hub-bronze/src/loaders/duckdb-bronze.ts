import { EngineError, sql, type Engine, type Sql } from '@org/hub-core';
import {
  DATE_TOKEN_PATTERN,
  type BronzeAdapter,
  type FileOutcome,
  type ListedFile,
  type LoadRequest,
  type LoadResult,
  type TableRef,
} from './bronze-adapter.js';
import { clashReason, describeRejects, rowsToListedFiles, SAFE_TYPE, trackerSummary } from './shared.js';

const STAGE = sql.raw('__hub_stage');
const SOURCE = '__hub_source';
const LINEAGE = ['_source_file', '_batch_id', '_ingested_at'] as const;
/** A header name with control characters is a broken file, not a column (a binary file read as CSV, say). */
const VALID_COLUMN = /^[^\u0000-\u001f]+$/;

/** DuckDB: `read_blob` lists without reading; one staged scan per table with per-file rejects. */
export const duckDbBronze: BronzeAdapter = {
  listStatement(engine, request) {
    const { location, config, window, fileName } = request;
    const filter = fileName ? sql`d.name = ${fileName}` : sql`d.file_date BETWEEN CAST(${window.begin} AS DATE) AND CAST(${window.end} AS DATE)`;
    return sql`WITH listing AS (
  SELECT filename AS physical, size, last_modified FROM read_blob(${escapeGlob(location.physical) + config.filePattern})
), dated AS (
  SELECT physical, size, last_modified, regexp_extract(physical, '[^/]+$', 0) AS name,
    COALESCE(
      CAST(try_strptime(replace(replace(regexp_extract(regexp_extract(physical, '[^/]+$', 0), ${DATE_TOKEN_PATTERN}, 1), '-', ''), '_', ''), '%Y%m%d') AS DATE),
      CAST(timezone('UTC', last_modified) AS DATE)) AS file_date
  FROM listing
)
SELECT ${location.logical} || d.name AS path, d.physical, d.name, d.size AS size_bytes, d.last_modified AS modified_at,
  strftime(d.file_date, '%Y-%m-%d') AS file_date, t.file_path IS NOT NULL AS loaded, t.file_size AS loaded_size, t.modification_time AS loaded_modified_at
FROM dated AS d
LEFT JOIN (${trackerSummary(request.tracker, request.destTable)}) AS t ON t.file_path = ${location.logical} || d.name
WHERE ${filter}
ORDER BY d.file_date, d.name`;
    void engine;
  },

  async listFiles(engine, request) {
    const rows = await engine.query(this.listStatement(engine, request));
    return rowsToListedFiles(rows, request.config);
  },

  planLoad(engine, request) {
    const statements = [stageStatement(request.files)];
    statements.push(insertStatement(engine, request, [], null));
    return statements;
  },

  async load(engine, request) {
    const outcomes = new Map<string, FileOutcome>();
    const quarantine = (file: Pick<ListedFile, 'path'>, reason: string) => outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason });
    let files = request.files.filter((f) => {
      if (f.sizeBytes > 0) return true;
      quarantine(f, 'zero bytes: the file is empty');
      return false;
    });
    const tableColumns = await tableColumnsOf(engine, request.table);
    // Reject tables outlive the statement that filled them: clear them so only this load's rejects are read.
    await engine.run(sql`DROP TABLE IF EXISTS reject_errors; DROP TABLE IF EXISTS reject_scans`, { idempotent: true });
    files = await stage(engine, files, tableColumns, quarantine);
    if (files.length === 0) return { outcomes };

    const byPhysical = new Map(files.map((f) => [f.physical, f]));
    // Row-level rejects exist only for delimited scans (parquet files fail whole, above).
    const delimited = files.some((f) => f.config.fileFormat === 'delimited');
    const rejects = !delimited ? [] : await engine.query(sql`SELECT s.file_path, e.line, e.error_type, e.column_name, e.error_message
FROM reject_errors AS e JOIN reject_scans AS s ON e.scan_id = s.scan_id AND e.file_id = s.file_id
ORDER BY s.file_path, e.line`);
    for (const [physical, reason] of describeRejects(rejects)) {
      const file = byPhysical.get(physical);
      if (file) quarantine(file, reason);
    }

    // Per file: its rows, and which columns it has values in (a union by name gives every file every column).
    const stageColumns = await columnsOf(engine, sql`DESCRIBE ${STAGE}`, 'column_name', 'column_type');
    stageColumns.delete(SOURCE);
    const columnList = [...stageColumns.keys()];
    const validColumns = columnList.filter((c) => VALID_COLUMN.test(c));
    const profile = await engine.query(
      sql`SELECT ${sql.column(SOURCE)} AS path, COUNT(*) AS n${sql.join(validColumns.map((c, i) => sql`, COUNT(${sql.column(c)}) AS ${sql.raw(`c${i}`)}`), sql.empty)} FROM ${STAGE} GROUP BY ${sql.column(SOURCE)}`,
    );
    const rowsByPath = new Map(profile.map((r) => [String(r['path']), Number(r['n'])]));
    const filled = new Map(profile.map((r) => [String(r['path']), new Set(validColumns.filter((_, i) => Number(r[`c${i}`]) > 0))]));
    // A header with control characters, or none at all, means the file is not delimited text (binary, compressed):
    // it is probed on its own, which happens only when the stage shows such a column or a file gave no rows.
    const garbage = validColumns.length < columnList.length;
    for (const file of files) {
      if (outcomes.has(file.path) || file.config.fileFormat !== 'delimited' || (!garbage && (rowsByPath.get(file.path) ?? 0) > 0)) continue;
      const header = [...(await columnsOf(engine, sql`DESCRIBE SELECT * FROM ${scanOf(file)}`, 'column_name', 'column_type')).keys()];
      const invalid = header.find((c) => !VALID_COLUMN.test(c));
      if (invalid !== undefined) quarantine(file, `not a delimited text file: its header holds control characters (${JSON.stringify(invalid.slice(0, 20))})`);
      else if (file.config.hasHeader && header.every((c) => /^column\d+$/.test(c))) quarantine(file, 'not a delimited text file: no header row could be read (binary or compressed content?)');
    }
    const dataColumns = [...tableColumns.keys()].filter((c) => !(LINEAGE as readonly string[]).includes(c));
    for (const file of files) {
      if (outcomes.has(file.path)) continue;
      const columns = filled.get(file.path) ?? new Set<string>();
      if (dataColumns.length > 0 && columns.size > 0 && ![...columns].some((c) => tableColumns.has(c.toLowerCase()))) {
        quarantine(file, `none of its columns (${[...columns].slice(0, 5).join(', ')}) is a column of the table: check the delimiter and the header`);
      }
    }
    // Columns only quarantined files have values in never reach the table.
    const good = () => files.filter((f) => !outcomes.has(f.path));
    const keep = validColumns.filter((c) => tableColumns.has(c.toLowerCase()) || !columnOnlyInBad(c, files, filled, outcomes));

    const target = sql.raw(engine.dialect.tableName(request.table.catalog, request.table.schema, request.table.table));
    if (tableColumns.size === 0) {
      await engine.run(sql`CREATE SCHEMA IF NOT EXISTS ${sql.raw(engine.dialect.schemaName(request.table.catalog, request.table.schema))}`, { idempotent: true });
      const columnsSql = keep.map((c) => sql`${sql.column(c)} ${sql.raw(safeType(stageColumns.get(c) as string))}`);
      await engine.run(
        sql`CREATE TABLE IF NOT EXISTS ${target} (${sql.join([...columnsSql, sql`_source_file VARCHAR, _batch_id VARCHAR, _ingested_at TIMESTAMP`])})`,
        { idempotent: true },
      );
    } else {
      for (const name of keep) {
        if (!tableColumns.has(name.toLowerCase())) await engine.run(sql`ALTER TABLE ${target} ADD COLUMN ${sql.column(name)} ${sql.raw(safeType(stageColumns.get(name) as string))}`);
      }
      // Values the table's column type cannot hold (or would change, as 5.5 into BIGINT): the whole file is quarantined.
      const clashing = keep
        .map((name) => ({ name, type: stageColumns.get(name) as string, tableType: tableColumns.get(name.toLowerCase()) }))
        .filter((c): c is { name: string; type: string; tableType: string } => c.tableType !== undefined && c.tableType.toUpperCase() !== c.type.toUpperCase());
      if (clashing.length > 0) {
        const conditions = clashing.map((c) => {
          const tableType = sql.raw(safeType(c.tableType));
          const column = sql.column(c.name);
          const lossy = c.type.toUpperCase() === 'VARCHAR' ? sql.empty : sql` OR CAST(TRY_CAST(${column} AS ${tableType}) AS ${sql.raw(safeType(c.type))}) IS DISTINCT FROM ${column}`;
          return { ...c, sql: sql`(${column} IS NOT NULL AND (TRY_CAST(${column} AS ${tableType}) IS NULL${lossy}))` };
        });
        const rows = await engine.query(sql`SELECT ${sql.column(SOURCE)} AS path, ${sql.join(conditions.map((c, i) => sql`MAX(CASE WHEN ${c.sql} THEN 1 ELSE 0 END) AS ${sql.raw(`clash_${i}`)}`))}
FROM ${STAGE} WHERE ${sql.join(conditions.map((c) => c.sql), sql` OR `)} GROUP BY ${sql.column(SOURCE)}`);
        for (const row of rows) {
          const hit = conditions.filter((_, i) => row[`clash_${i}`] === 1).map((c) => ({ name: c.name, tableType: c.tableType }));
          quarantine({ path: String(row['path']) }, clashReason(hit, stageColumns));
        }
      }
    }

    const excluded = [...outcomes.keys()];
    if (request.replacePaths.length > 0 && tableColumns.size > 0) {
      await engine.run(sql`DELETE FROM ${target} WHERE _source_file IN (${sql.join(request.replacePaths.map((p) => sql`${p}`))})`, { idempotent: true });
    }
    if (good().length > 0) await engine.run(insertStatement(engine, request, excluded, keep));
    await engine.run(sql`DROP TABLE IF EXISTS ${STAGE}`, { idempotent: true });
    for (const file of files) {
      if (!outcomes.has(file.path)) outcomes.set(file.path, { status: 'SUCCESS', rows: rowsByPath.get(file.path) ?? 0 });
    }
    return { outcomes } satisfies LoadResult;
  },

  async tableExists(engine, table) {
    return (await tableColumnsOf(engine, table)).size > 0;
  },
};

/**
 * Stages the files in one scan. A file the engine cannot open fails the whole scan: when the
 * error names it, it is set aside; otherwise each file is probed alone, on that failure path only,
 * and files that cannot be read or whose column types cannot sit beside the others are set aside.
 */
async function stage(
  engine: Engine,
  files: ListedFile[],
  tableColumns: ReadonlyMap<string, string>,
  quarantine: (file: ListedFile, reason: string) => void,
): Promise<ListedFile[]> {
  let probed = false;
  for (;;) {
    if (files.length === 0) return files;
    try {
      await engine.run(stageStatement(files), { idempotent: true });
      return files;
    } catch (error) {
      const culprit = fileNamedIn(error, files);
      if (culprit) {
        quarantine(culprit, firstLine(error));
        files = files.filter((f) => f !== culprit);
        continue;
      }
      if (probed) throw error;
      probed = true;
      files = await probeEach(engine, files, tableColumns, quarantine);
    }
  }
}

async function probeEach(
  engine: Engine,
  files: readonly ListedFile[],
  tableColumns: ReadonlyMap<string, string>,
  quarantine: (file: ListedFile, reason: string) => void,
): Promise<ListedFile[]> {
  const schemas = new Map<ListedFile, Map<string, string>>();
  for (const file of files) {
    try {
      schemas.set(file, await columnsOf(engine, sql`DESCRIBE SELECT * FROM ${scanOf(file)}`, 'column_name', 'column_type'));
    } catch (error) {
      quarantine(file, firstLine(error));
    }
  }
  // Each column's type: the table's, else the one most files have.
  const votes = new Map<string, Map<string, number>>();
  for (const columns of schemas.values()) {
    for (const [name, type] of columns) {
      const tally = votes.get(name.toLowerCase()) ?? new Map<string, number>();
      tally.set(type, (tally.get(type) ?? 0) + 1);
      votes.set(name.toLowerCase(), tally);
    }
  }
  const expected = (name: string) => tableColumns.get(name.toLowerCase()) ?? [...(votes.get(name.toLowerCase()) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1])[0]?.[0];
  const kept: ListedFile[] = [];
  for (const [file, columns] of schemas) {
    const clashes = [...columns].filter(([name, type]) => isNested(type) !== isNested(expected(name) ?? type) || (isNested(type) && type !== expected(name)));
    if (clashes.length > 0) quarantine(file, clashReason(clashes.map(([name]) => ({ name, tableType: expected(name) ?? '?' })), columns));
    else kept.push(file);
  }
  return kept;
}

function isNested(type: string): boolean {
  return /STRUCT|MAP|\[|UNION/i.test(type);
}

function columnOnlyInBad(column: string, files: readonly ListedFile[], filled: ReadonlyMap<string, Set<string>>, outcomes: ReadonlyMap<string, FileOutcome>): boolean {
  const inGood = files.some((f) => !outcomes.has(f.path) && filled.get(f.path)?.has(column));
  const inBad = files.some((f) => outcomes.has(f.path) && filled.get(f.path)?.has(column));
  return inBad && !inGood;
}

/** One scan per file, unioned by name: each file is sniffed on its own and its rejects are recorded per scan. */
function stageStatement(files: readonly ListedFile[]): Sql {
  const branches = files.map((file) => sql`SELECT ${columnsOf_(file)}, ${file.path} AS ${sql.column(SOURCE)} FROM ${scanOf(file)}`);
  return sql`CREATE OR REPLACE TEMP TABLE ${STAGE} AS ${sql.join(branches, sql`\nUNION ALL BY NAME\n`)}`;
}

/** The table function reading one file; its path is escaped so glob characters in a name match only themselves. */
function scanOf(file: ListedFile): Sql {
  const path = escapeGlob(file.physical);
  const config = file.config;
  if (config.fileFormat === 'parquet') return sql`read_parquet(${path})`;
  return sql`read_csv(${path}, delim = ${config.delimiter ?? ','}, quote = '"', escape = '"', header = ${sql.raw(config.hasHeader ? 'true' : 'false')}, all_varchar = true, store_rejects = true)`;
}

function columnsOf_(file: ListedFile): Sql {
  // Without a header, columns are named _c0, _c1, ... as Spark names them.
  return file.config.fileFormat === 'delimited' && !file.config.hasHeader ? sql.raw(`COLUMNS('^column(\\d+)$') AS '_c\\1'`) : sql`*`;
}

/** DuckDB globs treat [ ] * ? specially; bracketing them makes each match itself. */
export function escapeGlob(path: string): string {
  return path.replace(/[[*?]/g, (c) => `[${c}]`);
}

function insertStatement(engine: Engine, request: LoadRequest, excluded: readonly string[], columns: readonly string[] | null): Sql {
  const target = sql.raw(engine.dialect.tableName(request.table.catalog, request.table.schema, request.table.table));
  const where = excluded.length > 0 ? sql` WHERE ${sql.column(SOURCE)} NOT IN (${sql.join(excluded.map((p) => sql`${p}`))})` : sql.empty;
  const select = columns === null ? sql`* EXCLUDE (${sql.column(SOURCE)})` : sql.join(columns.map((c) => sql.column(c)));
  return sql`INSERT INTO ${target} BY NAME SELECT ${select}, ${sql.column(SOURCE)} AS _source_file, ${request.runId} AS _batch_id, ${request.ingestedAt} AS _ingested_at FROM ${STAGE}${where}`;
}

async function columnsOf(engine: Engine, query: Sql, nameKey: string, typeKey: string): Promise<Map<string, string>> {
  const rows = await engine.query(query);
  return new Map(rows.map((r) => [String(r[nameKey]), String(r[typeKey])]));
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

function fileNamedIn(error: unknown, files: readonly ListedFile[]): ListedFile | undefined {
  const text = error instanceof EngineError && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
  return [...files].sort((a, b) => b.physical.length - a.physical.length).find((f) => text.includes(f.physical));
}

function firstLine(error: unknown): string {
  const text = error instanceof EngineError && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).trim();
}

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

/** DuckDB: `read_blob` lists without reading; one staged scan per table with per-file rejects. */
export const duckDbBronze: BronzeAdapter = {
  listStatement(engine, request) {
    const { location, config, window, fileName } = request;
    const filter = fileName ? sql`d.name = ${fileName}` : sql`d.file_date BETWEEN CAST(${window.begin} AS DATE) AND CAST(${window.end} AS DATE)`;
    return sql`WITH listing AS (
  SELECT filename AS physical, size, last_modified FROM read_blob(${location.physical + config.filePattern})
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
    statements.push(insertStatement(engine, request, []));
    return statements;
  },

  async load(engine, request) {
    const outcomes = new Map<string, FileOutcome>();
    let files = request.files.filter((f) => {
      if (f.sizeBytes > 0) return true;
      outcomes.set(f.path, { status: 'QUARANTINED', rows: 0, reason: 'zero bytes: the file is empty' });
      return false;
    });
    // A file the engine cannot open at all fails the whole scan; the error names it, so it is set aside and the scan repeated.
    for (;;) {
      if (files.length === 0) return { outcomes };
      try {
        await engine.run(stageStatement(files), { idempotent: true });
        break;
      } catch (error) {
        const culprit = fileNamedIn(error, files);
        if (!culprit) throw error;
        outcomes.set(culprit.path, { status: 'QUARANTINED', rows: 0, reason: firstLine(error) });
        files = files.filter((f) => f !== culprit);
      }
    }
    const byPhysical = new Map(files.map((f) => [f.physical, f]));
    // Row-level rejects exist only for delimited scans (parquet files fail whole, above).
    const delimited = files.some((f) => f.config.fileFormat === 'delimited');
    const rejects = !delimited ? [] : await engine.query(sql`SELECT s.file_path, e.line, e.error_type, e.column_name, e.error_message
FROM reject_errors AS e JOIN reject_scans AS s ON e.scan_id = s.scan_id AND e.file_id = s.file_id
ORDER BY s.file_path, e.line`);
    for (const [physical, reason] of describeRejects(rejects)) {
      const file = byPhysical.get(physical);
      if (file) outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason });
    }

    const stageColumns = await columnsOf(engine, sql`DESCRIBE ${STAGE}`, 'column_name', 'column_type');
    stageColumns.delete(SOURCE);
    const tableColumns = await tableColumnsOf(engine, request.table);
    const target = sql.raw(engine.dialect.tableName(request.table.catalog, request.table.schema, request.table.table));
    if (tableColumns.size === 0) {
      await engine.run(sql`CREATE SCHEMA IF NOT EXISTS ${sql.raw(engine.dialect.schemaName(request.table.catalog, request.table.schema))}`, { idempotent: true });
      await engine.run(
        sql`CREATE TABLE IF NOT EXISTS ${target} AS SELECT * EXCLUDE (${sql.column(SOURCE)}), CAST(NULL AS VARCHAR) AS _source_file, CAST(NULL AS VARCHAR) AS _batch_id, CAST(NULL AS TIMESTAMP) AS _ingested_at FROM ${STAGE} LIMIT 0`,
        { idempotent: true },
      );
    } else {
      for (const [name, type] of stageColumns) {
        if (!tableColumns.has(name.toLowerCase())) {
          await engine.run(sql`ALTER TABLE ${target} ADD COLUMN ${sql.column(name)} ${sql.raw(safeType(type))}`);
        }
      }
      // Values that the table's column type cannot hold: the whole file is quarantined, none of its rows land.
      const clashing = [...stageColumns].filter(([name, type]) => {
        const tableType = tableColumns.get(name.toLowerCase());
        return tableType !== undefined && tableType.toUpperCase() !== type.toUpperCase();
      });
      if (clashing.length > 0) {
        const conditions = clashing.map(([name]) => {
          const tableType = safeType(tableColumns.get(name.toLowerCase()) as string);
          return { name, tableType, sql: sql`(${sql.column(name)} IS NOT NULL AND TRY_CAST(${sql.column(name)} AS ${sql.raw(tableType)}) IS NULL)` };
        });
        const rows = await engine.query(sql`SELECT ${sql.column(SOURCE)} AS path, ${sql.join(conditions.map((c) => sql`MAX(CASE WHEN ${c.sql} THEN 1 ELSE 0 END) AS ${sql.column(`clash_${c.name}`)}`))}
FROM ${STAGE} WHERE ${sql.join(conditions.map((c) => c.sql), sql` OR `)} GROUP BY ${sql.column(SOURCE)}`);
        for (const row of rows) {
          const columns = conditions.filter((c) => row[`clash_${c.name}`] === 1);
          outcomes.set(String(row['path']), { status: 'QUARANTINED', rows: 0, reason: clashReason(columns, stageColumns) });
        }
      }
    }

    const excluded = [...outcomes.keys()];
    const counts = await engine.query(sql`SELECT ${sql.column(SOURCE)} AS path, COUNT(*) AS n FROM ${STAGE} GROUP BY ${sql.column(SOURCE)}`);
    const countByPath = new Map(counts.map((r) => [String(r['path']), Number(r['n'])]));
    if (request.replacePaths.length > 0) {
      await engine.run(sql`DELETE FROM ${target} WHERE _source_file IN (${sql.join(request.replacePaths.map((p) => sql`${p}`))})`, { idempotent: true });
    }
    if (files.some((f) => !outcomes.has(f.path))) await engine.run(insertStatement(engine, request, excluded));
    await engine.run(sql`DROP TABLE IF EXISTS ${STAGE}`, { idempotent: true });
    for (const file of files) {
      if (!outcomes.has(file.path)) outcomes.set(file.path, { status: 'SUCCESS', rows: countByPath.get(file.path) ?? 0 });
    }
    return { outcomes } satisfies LoadResult;
  },

  async tableExists(engine, table) {
    return (await tableColumnsOf(engine, table)).size > 0;
  },
};

/** One scan per file, unioned by name: each file is sniffed on its own and its rejects are recorded per scan. */
function stageStatement(files: readonly ListedFile[]): Sql {
  const branches = files.map((file) => {
    const config = file.config;
    if (config.fileFormat === 'parquet') {
      return sql`SELECT *, ${file.path} AS ${sql.column(SOURCE)} FROM read_parquet(${file.physical})`;
    }
    const read = sql`read_csv(${file.physical}, delim = ${config.delimiter ?? ','}, quote = '"', escape = '"', header = ${sql.raw(config.hasHeader ? 'true' : 'false')}, all_varchar = true, store_rejects = true)`;
    // Without a header, columns are named _c0, _c1, ... as Spark names them.
    const columns = config.hasHeader ? sql`*` : sql.raw(`COLUMNS('^column(\\d+)$') AS '_c\\1'`);
    return sql`SELECT ${columns}, ${file.path} AS ${sql.column(SOURCE)} FROM ${read}`;
  });
  return sql`CREATE OR REPLACE TEMP TABLE ${STAGE} AS ${sql.join(branches, sql`\nUNION ALL BY NAME\n`)}`;
}

function insertStatement(engine: Engine, request: LoadRequest, excluded: readonly string[]): Sql {
  const target = sql.raw(engine.dialect.tableName(request.table.catalog, request.table.schema, request.table.table));
  const where = excluded.length > 0 ? sql` WHERE ${sql.column(SOURCE)} NOT IN (${sql.join(excluded.map((p) => sql`${p}`))})` : sql.empty;
  return sql`INSERT INTO ${target} BY NAME SELECT * EXCLUDE (${sql.column(SOURCE)}), ${sql.column(SOURCE)} AS _source_file, ${request.runId} AS _batch_id, ${request.ingestedAt} AS _ingested_at FROM ${STAGE}${where}`;
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

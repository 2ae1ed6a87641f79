import picomatch from 'picomatch';
import { sql, type Engine, type Row, type Sql } from '@org/hub-core';
import {
  DATE_TOKEN_PATTERN,
  type BronzeAdapter,
  type FileOutcome,
  type ListRequest,
  type ListedFile,
  type LoadRequest,
  type TableRef,
} from './bronze-adapter.js';
import { trackerSummary } from './shared.js';

const DATE_TOKEN = new RegExp(DATE_TOKEN_PATTERN);

/**
 * Databricks SQL warehouse: `LIST` to see files without reading them, `read_files` to check each
 * file's rows, `COPY INTO ... FILES = (...)` to load them. Everything else (MERGE, tracker,
 * lease, reconcile) is the Spark SQL that OSS Spark + Delta runs in CI.
 */
export const databricksBronze: BronzeAdapter = {
  listStatement(engine, request) {
    // LIST takes a string literal path, not a parameter marker.
    return sql`LIST ${sql.literal(request.location.physical)}`;
  },

  async listFiles(engine, request) {
    const listed = await engine.query(this.listStatement(engine, request));
    const isMatch = picomatch(request.config.filePattern, { dot: true });
    const candidates = listed
      .map((row) => toListing(row, request))
      .filter((f) => isMatch(f.name) && !f.name.endsWith('/'))
      .filter((f) => (request.fileName ? f.name === request.fileName : f.fileDate >= request.window.begin && f.fileDate <= request.window.end));
    if (candidates.length === 0 || request.tracker === null) return candidates;
    // One set-based lookup of what the tracker already holds for these paths.
    const loaded = await engine.query(
      sql`SELECT t.file_path, t.file_size, t.modification_time FROM (${trackerSummary(request.tracker, request.destTable)}) AS t WHERE t.file_path IN (${sql.join(candidates.map((c) => sql`${c.path}`))})`,
    );
    const byPath = new Map(loaded.map((r) => [String(r['file_path']), r]));
    return candidates.map((c) => {
      const hit = byPath.get(c.path);
      return hit ? { ...c, loaded: { sizeBytes: hit['file_size'] == null ? null : Number(hit['file_size']), modifiedAt: hit['modification_time'] instanceof Date ? hit['modification_time'] : null } } : c;
    });
  },

  planLoad(engine, request) {
    return chunks(request).flatMap((chunk) => [checkStatement(chunk), copyStatement(engine, request, chunk)]);
  },

  async load(engine, request) {
    const outcomes = new Map<string, FileOutcome>();
    const target = targetName(engine, request.table);
    await engine.run(sql`CREATE SCHEMA IF NOT EXISTS ${sql.raw(engine.dialect.schemaName(request.table.catalog, request.table.schema))}`, { idempotent: true });
    // A schemaless Delta table: COPY INTO with mergeSchema gives it the files' columns.
    await engine.run(sql`CREATE TABLE IF NOT EXISTS ${target}`, { idempotent: true });
    for (const file of request.files) if (file.sizeBytes === 0) outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason: 'zero bytes: the file is empty' });
    if (request.replacePaths.length > 0) {
      await engine.run(sql`DELETE FROM ${target} WHERE _source_file IN (${sql.join(request.replacePaths.map((p) => sql`${p}`))})`, { idempotent: true });
    }
    for (const chunk of chunks({ ...request, files: request.files.filter((f) => !outcomes.has(f.path)) })) {
      const checked = await engine.query(checkStatement(chunk));
      const rows = new Map<string, number>();
      for (const row of checked) {
        const path = String(row['path']);
        if (Number(row['bad_rows']) > 0) {
          outcomes.set(path, { status: 'QUARANTINED', rows: 0, reason: `${String(row['bad_rows'])} malformed row(s): columns that do not fit the file's header (rescued data)` });
        } else rows.set(path, Number(row['row_count']));
      }
      const good = chunk.files.filter((f) => !outcomes.has(f.path));
      if (good.length === 0) continue;
      await engine.run(copyStatement(engine, request, { ...chunk, files: good }));
      for (const f of good) outcomes.set(f.path, { status: 'SUCCESS', rows: rows.get(f.path) ?? 0 });
    }
    return { outcomes };
  },

  async tableExists(engine, table) {
    const rows = await engine.query(
      sql`SELECT COUNT(*) AS n FROM ${sql.id(table.catalog, 'information_schema', 'tables')} WHERE table_schema = ${table.schema} AND table_name = ${table.table}`,
    );
    return Number(rows[0]?.['n'] ?? 0) > 0;
  },
};

interface Chunk {
  readonly directory: string;
  readonly files: readonly ListedFile[];
}

/** COPY INTO reads one location, at most 1000 named files per statement. */
function chunks(request: Pick<LoadRequest, 'files'>): Chunk[] {
  const byDirectory = new Map<string, ListedFile[]>();
  for (const file of request.files) {
    const directory = file.physical.slice(0, file.physical.lastIndexOf('/') + 1);
    byDirectory.set(directory, [...(byDirectory.get(directory) ?? []), file]);
  }
  const out: Chunk[] = [];
  for (const [directory, files] of byDirectory) {
    for (let i = 0; i < files.length; i += 1000) out.push({ directory, files: files.slice(i, i + 1000) });
  }
  return out;
}

function formatOptions(file: ListedFile): { fileFormat: string; options: [string, string][] } {
  if (file.config.fileFormat === 'parquet') return { fileFormat: 'PARQUET', options: [['mergeSchema', 'true']] };
  return {
    fileFormat: 'CSV',
    options: [
      ['header', String(file.config.hasHeader)],
      ['sep', file.config.delimiter ?? ','],
      ['quote', '"'],
      ['escape', '"'],
      ['inferSchema', 'false'],
      // As on Spark: records, not lines; a NUL marks unquoted empty fields, so a quoted empty one stays ''.
      ['multiLine', 'true'],
      ['nullValue', '\u0000'],
      ['mergeSchema', 'true'],
      ['mode', 'PERMISSIVE'],
    ],
  };
}

/** Rows per file and rows whose fields do not fit the header, read by the warehouse before loading. */
function checkStatement(chunk: Chunk): Sql {
  const first = chunk.files[0] as ListedFile;
  const { fileFormat, options } = formatOptions(first);
  const readOptions = options.filter(([k]) => k !== 'mergeSchema').map(([k, v]) => sql`${sql.raw(k)} => ${sql.literal(v)}`);
  const glob = `${chunk.directory}{${chunk.files.map((f) => escapeGlob(f.name)).join(',')}}`;
  return sql`SELECT _metadata.file_path AS path, COUNT(*) AS row_count, COUNT_IF(_rescued_data IS NOT NULL) AS bad_rows
FROM read_files(${sql.literal(glob)}, format => ${sql.literal(fileFormat.toLowerCase())}, ${sql.join(readOptions)}, rescuedDataColumn => '_rescued_data')
GROUP BY _metadata.file_path`;
}

function copyStatement(engine: Engine, request: LoadRequest, chunk: Chunk): Sql {
  const first = chunk.files[0] as ListedFile;
  const { fileFormat, options } = formatOptions(first);
  const renderOptions = (pairs: [string, string][]) => sql.join(pairs.map(([k, v]) => sql`${sql.literal(k)} = ${sql.literal(v)}`));
  const force = request.replacePaths.length > 0 ? 'true' : 'false';
  return sql`COPY INTO ${targetName(engine, request.table)}
FROM (SELECT *, _metadata.file_path AS _source_file, ${sql.literal(request.runId)} AS _batch_id, ${sql.literal(request.ingestedAt)} AS _ingested_at FROM ${sql.literal(chunk.directory)})
FILEFORMAT = ${sql.raw(fileFormat)}
FILES = (${sql.join(chunk.files.map((f) => sql.literal(f.name)))})
FORMAT_OPTIONS (${renderOptions(options)})
COPY_OPTIONS (${renderOptions([['mergeSchema', 'true'], ['force', force]])})`;
}

function targetName(engine: Engine, table: TableRef): Sql {
  return sql.raw(engine.dialect.tableName(table.catalog, table.schema, table.table));
}

/** Glob metacharacters in a file name are escaped so the name matches only itself. */
function escapeGlob(name: string): string {
  return name.replace(/[\\{}[\]*?,]/g, (c) => `\\${c}`);
}

function toListing(row: Row, request: ListRequest): ListedFile {
  const name = String(row['name'] ?? String(row['path']).split('/').pop());
  const modifiedAt = new Date(Number(row['modification_time']));
  const token = DATE_TOKEN.exec(name)?.[1];
  const fromName = token ? `${token.slice(0, 4)}-${token.replace(/[-_]/g, '').slice(4, 6)}-${token.replace(/[-_]/g, '').slice(6, 8)}` : null;
  const fileDate = fromName && isRealDate(fromName) ? fromName : modifiedAt.toISOString().slice(0, 10);
  return {
    config: request.config,
    path: request.location.logical + name,
    physical: String(row['path']),
    name,
    sizeBytes: Number(row['size']),
    modifiedAt,
    fileDate,
    loaded: null,
  };
}

function isRealDate(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}

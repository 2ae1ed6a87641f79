import { ParameterError, sql, type Engine, type JobParameters, type JsonColumn, type Sql } from '@org/hub-core';
import { metadataTable } from './ddl.js';
import type { FileConfigRow, FileFormat } from './types.js';

const COLUMNS = [
  'lob', 'category', 'subcategory', 'file_pattern', 'source_path', 'file_format', 'delimiter',
  'has_header', 'dest_catalog', 'dest_schema', 'dest_table', 'is_active',
] as const;
const KEY = ['lob', 'category', 'subcategory'] as const;

const JSON_COLUMNS: readonly JsonColumn[] = COLUMNS.map((name) => ({ name, type: name === 'has_header' || name === 'is_active' ? 'boolean' : 'string' }));

function values(row: FileConfigRow): readonly (string | boolean | null)[] {
  return [row.lob, row.category, row.subcategory, row.filePattern, row.sourcePath, row.fileFormat, row.delimiter, row.hasHeader, row.destCatalog, row.destSchema, row.destTable, row.isActive];
}

/**
 * One MERGE, whose rows and LOBs are bound as one JSON value each (a warehouse takes at most 256
 * parameters, 12 per row would stop at 21 rows): new rows inserted, changed rows updated (with updated_ts), unchanged rows left
 * alone, rows of this spoke's LOBs that left the CSV deactivated, other spokes' rows untouched.
 */
export function fileConfigMerge(engine: Engine, catalog: string, rows: readonly FileConfigRow[]): Sql {
  const lobs = [...new Set(rows.map((r) => r.lob))];
  const columns = sql.raw(COLUMNS.join(', '));
  const on = sql.raw(KEY.map((k) => `t.${k} = s.${k}`).join(' AND '));
  const nonKey = COLUMNS.filter((c) => !(KEY as readonly string[]).includes(c));
  const changed = sql.raw(nonKey.map((c) => `t.${c} IS DISTINCT FROM s.${c}`).join(' OR '));
  const set = sql.raw(nonKey.map((c) => `${c} = s.${c}`).join(', '));
  return sql`MERGE INTO ${metadataTable(engine, catalog, 'file_config')} AS t
USING (${engine.dialect.jsonRows(JSON_COLUMNS, rows.map(values))}) AS s
ON ${on}
WHEN MATCHED AND (${changed}) THEN UPDATE SET ${set}, updated_ts = current_timestamp
WHEN NOT MATCHED THEN INSERT (config_id, ${columns}, updated_ts) VALUES (uuid(), ${sql.raw(COLUMNS.map((c) => `s.${c}`).join(', '))}, current_timestamp)
WHEN NOT MATCHED BY SOURCE AND ${engine.dialect.jsonContains(lobs, sql.raw('t.lob'))} AND t.is_active THEN UPDATE SET is_active = false, updated_ts = current_timestamp`;
}

/** Runs the MERGE (built by `fileConfigMerge`, so that a plan shows the very statement). */
export async function upsertFileConfig(engine: Engine, catalog: string | Sql, rows: readonly FileConfigRow[] = []): Promise<void> {
  // MERGE with the same source is idempotent: a retry after a lost reply changes nothing twice.
  await engine.run(typeof catalog === 'string' ? fileConfigMerge(engine, catalog, rows) : catalog, { idempotent: true });
}

/** Parameters are checked against the CSV before anything is written. */
export function checkSelection(rows: readonly FileConfigRow[], params: JobParameters): void {
  const active = rows.filter((r) => r.isActive);
  if (params.category && !active.some((r) => r.category === params.category)) {
    const known = [...new Set(active.map((r) => r.category))].join(', ');
    const lobs = [...new Set(active.map((r) => r.lob))].join(', ');
    throw new ParameterError('category', `no active config row has category ${JSON.stringify(params.category)}: name a category (${known}) or the LOB (${lobs})`);
  }
  if (params.subcategory && !active.some((r) => r.subcategory === params.subcategory && (!params.category || r.category === params.category))) {
    const known = [...new Set(active.filter((r) => !params.category || r.category === params.category).map((r) => r.subcategory))].join(', ');
    throw new ParameterError('subcategory', `no active config row has subcategory ${JSON.stringify(params.subcategory)} (known: ${known})`);
  }
}

export function selectConfigQuery(engine: Engine, catalog: string, lobs: readonly string[], params: JobParameters): Sql {
  const filters = [sql`is_active`, engine.dialect.jsonContains(lobs, sql.raw('lob'))];
  if (params.category) filters.push(sql`category = ${params.category}`);
  if (params.subcategory) filters.push(sql`subcategory = ${params.subcategory}`);
  return sql`SELECT ${sql.raw(COLUMNS.join(', '))} FROM ${metadataTable(engine, catalog, 'file_config')} WHERE ${sql.join(filters, sql` AND `)} ORDER BY lob, category, subcategory`;
}

/** The config rows this run loads, read back from the table (the runtime source of truth). */
export async function selectConfigRows(engine: Engine, catalog: string | Sql, lobs: readonly string[] = [], params: JobParameters = {}): Promise<FileConfigRow[]> {
  // It reads what the MERGE before it wrote: a plan, which did not run the MERGE, does not run it either.
  const rows = await engine.query(typeof catalog === 'string' ? selectConfigQuery(engine, catalog, lobs, params) : catalog, { afterWrites: 'skip' });
  return rows.map((r) => ({
    lob: String(r['lob']),
    category: String(r['category']),
    subcategory: String(r['subcategory']),
    filePattern: String(r['file_pattern']),
    sourcePath: String(r['source_path']),
    fileFormat: String(r['file_format']) as FileFormat,
    delimiter: r['delimiter'] === null || r['delimiter'] === undefined ? null : String(r['delimiter']),
    hasHeader: r['has_header'] === true,
    destCatalog: String(r['dest_catalog']),
    destSchema: String(r['dest_schema']),
    destTable: String(r['dest_table']),
    isActive: r['is_active'] === true,
  }));
}

import { ParameterError, sql, type Engine, type JobParameters, type JsonColumn, type Sql } from '@org/hub-core';
import type { Executor } from '../executor.js';
import type { FileConfigRow } from '../types.js';
import { metadataTable } from './ddl.js';
import { lowerCaseNames } from './name-case.js';

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

/** Upserts the spoke's config rows into `file_config` with one MERGE, after bringing names an older hub kept capitalised to lower case. */
export async function upsertFileConfig(executor: Executor, catalog: string, rows: readonly FileConfigRow[]): Promise<void> {
  await lowerCaseNames(executor, catalog, rows);
  // MERGE with the same source is idempotent: a retry after a lost reply changes nothing twice.
  await executor.write(fileConfigMerge(executor.engine, catalog, rows), { idempotent: true });
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

/**
 * The config rows a run loads: active, of the parameters' category and subcategory (empty: all),
 * in lob, category, subcategory order. Taken from the validated CSV, which the MERGE has just made
 * `file_config`'s rows of these LOBs: reading them back would read what the run itself wrote.
 */
export function selectConfigRows(rows: readonly FileConfigRow[], params: Pick<JobParameters, 'category' | 'subcategory'>): FileConfigRow[] {
  const key = (r: FileConfigRow) => [r.lob, r.category, r.subcategory];
  return rows
    .filter((r) => r.isActive && (!params.category || r.category === params.category) && (!params.subcategory || r.subcategory === params.subcategory))
    .sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as string) < (y[i] as string) ? -1 : 1;
      return 0;
    });
}

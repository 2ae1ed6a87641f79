import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runSqlFiles, sql, type Engine } from '@org/deltalake-hub';

/** The seed's storage prefix; local runs map it to a folder with a source root. */
export const RAW_PREFIX = 'abfss://raw@storage.dfs.core.windows.net/';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** The spoke's warehouse-side SQL, layer by layer, in file-name order. */
export function layerFiles(layer: 'silver' | 'gold' | 'downstream'): string[] {
  const dir = `${SRC}${layer}/`;
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => dir + f);
}

/** Silver, then gold, then downstream, on whatever engine bronze ran on. */
export async function runTransforms(engine: Engine, catalog: string): Promise<{ layer: string; statements: number }[]> {
  const results = [];
  for (const layer of ['silver', 'gold', 'downstream'] as const) {
    // gold/customer_daily_activity reads the other gold tables' inputs only, so file order is safe.
    const ran = await runSqlFiles(engine, layerFiles(layer), { catalog });
    results.push({ layer, statements: ran.reduce((n, r) => n + r.statements, 0) });
  }
  return results;
}

export async function countRows(engine: Engine, catalog: string, schema: string, table: string): Promise<number> {
  const rows = await engine.query(sql`SELECT COUNT(*) AS n FROM ${sql.raw(engine.dialect.tableName(catalog, schema, table))}`);
  return Number(rows[0]?.['n'] ?? 0);
}

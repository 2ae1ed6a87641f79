import { sql, type Sql } from '@org/hub-core';
import type { Executor } from '../executor.js';
import type { FileConfigRow } from '../types.js';
import { metadataTable } from './ddl.js';

/**
 * Before 27, the hub kept a table's name as the config CSV spelled it (`dev.falcon_bronze.Credit_Raw`)
 * in `file_config`, the tracker's `dest_table` and the lease; it now uses names in lower case on
 * every engine. A spoke whose CSV spells a name with capitals would otherwise find none of its
 * tracker rows or leases after the upgrade, and reload what reconcile had not seen. So, only for
 * such a spoke: one read of `file_config` (small), and only where it still holds a capitalised
 * spelling of one of the spoke's tables, one UPDATE each of the tracker, the lease and `file_config`
 * (last, so a run that dies in between finds the work still to do).
 */
export async function lowerCaseNames(executor: Executor, catalog: string, rows: readonly FileConfigRow[]): Promise<number> {
  const names = [...new Set(rows.filter((r) => r.writtenAs !== undefined).map((r) => `${r.destCatalog}.${r.destSchema}.${r.destTable}`))];
  if (names.length === 0) return 0;
  const { engine } = executor;
  const qualified = sql.raw(`concat(dest_catalog, '.', dest_schema, '.', dest_table)`);
  const capitalised = (name: Sql) => sql`${name} <> lower(${name}) AND ${engine.dialect.jsonContains(names, sql`lower(${name})`)}`;
  const config = metadataTable(engine, catalog, 'file_config');
  // A plan on a warehouse with no metadata yet: nothing was written under any spelling.
  const [found] = await executor.read(sql`SELECT COUNT(*) AS n FROM ${config} WHERE ${capitalised(qualified)}`, { ifAbsent: [{ n: 0 }] });
  const n = Number(found?.['n'] ?? 0);
  if (n === 0) return 0;
  const destTable = sql.raw('dest_table');
  for (const table of ['load_tracker', 'load_lease'] as const) {
    await executor.write(sql`UPDATE ${metadataTable(engine, catalog, table)} SET dest_table = lower(dest_table) WHERE ${capitalised(destTable)}`, { idempotent: true });
  }
  await executor.write(sql`UPDATE ${config} SET dest_catalog = lower(dest_catalog), dest_schema = lower(dest_schema), dest_table = lower(dest_table) WHERE ${capitalised(qualified)}`, { idempotent: true });
  return n;
}

import { sql, type Engine, type Sql } from '@org/hub-core';
import { isMissingTable, qualitySql, type TableColumn } from './engine-sql.js';
import type { QuarantineOutcome, TableName } from './types.js';

export interface QuarantineRequest {
  readonly table: TableName;
  readonly columns: readonly TableColumn[];
  /** The failing condition of each quarantine check over `t` (its scope included), by check name. */
  readonly checks: readonly { readonly name: string; readonly failing: Sql }[];
  /** Relations the conditions read besides `t` (foreign_key joins). */
  readonly joins: Sql;
  readonly batchId: string;
  readonly runId: string;
  /** Rows of the batch that fail a quarantine check, as the scan counted them. */
  readonly rows: number;
  readonly afterInsert?: ((table: string) => void | Promise<void>) | undefined;
}

export const QUARANTINE_SUFFIX = '_quarantine';

/**
 * Moves the batch's failing rows from `<table>` to `<table>_quarantine` with `_failed_checks` (the
 * names of the checks each row failed) and `_quality_run_id`, so a row is in exactly one of the two.
 *
 * Two statements, in one transaction where the engine has them (DuckDB). On Delta there is none,
 * so both are written to converge when run again after a crash between them:
 * 1. INSERT the failing rows that the quarantine does not already hold for this batch;
 * 2. DELETE (a MERGE, as Delta's DELETE takes no subquery) every row of the batch equal to one the
 *    quarantine holds for this batch.
 * A crash after 1 leaves rows in both tables; the rerun's INSERT adds nothing and its MERGE removes
 * them. Rows are told apart by their values (bronze rows have no key), compared null-safe; two
 * equal rows of one batch move together. Map columns cannot be compared and are left out of it.
 */
export async function quarantineRows(engine: Engine, request: QuarantineRequest): Promise<QuarantineOutcome> {
  const q = qualitySql(engine.name);
  const target = sql.raw(engine.dialect.tableName(request.table.catalog, request.table.schema, request.table.table));
  const name = `${request.table.table}${QUARANTINE_SUFFIX}`;
  const quarantine = sql.raw(engine.dialect.tableName(request.table.catalog, request.table.schema, name));
  await ensureQuarantineTable(engine, target, quarantine, request.columns);

  const columns = request.columns.map((c) => sql.column(c.name));
  const comparable = request.columns.filter((c) => !/^map\b/i.test(c.type)).map((c) => sql.column(c.name));
  const same = (left: string, right: string) => sql.join(comparable.map((c) => sql`${sql.raw(left)}.${c} IS NOT DISTINCT FROM ${sql.raw(right)}.${c}`), sql` AND `);
  const failedChecks = q.compact(request.checks.map((c) => sql`CASE WHEN ${c.failing} THEN ${c.name} END`));
  const anyFailing = sql.join(request.checks.map((c) => sql`(${c.failing})`), sql` OR `);

  await engine.transaction(async () => {
    await engine.run(sql`INSERT INTO ${quarantine} (${sql.join(columns)}, _failed_checks, _quality_run_id)
SELECT ${sql.join(columns.map((c) => sql`t.${c}`))}, ${failedChecks}, ${request.runId}
FROM ${target} AS t${request.joins}
WHERE t._batch_id = ${request.batchId} AND (${anyFailing})
  AND NOT EXISTS (SELECT 1 FROM ${quarantine} AS prior WHERE prior._batch_id = ${request.batchId} AND ${same('prior', 't')})`);
    await request.afterInsert?.(request.table.name);
    await engine.run(sql`MERGE INTO ${target} AS b
USING (SELECT DISTINCT ${sql.join(columns)} FROM ${quarantine} WHERE _batch_id = ${request.batchId}) AS s
ON b._batch_id = ${request.batchId} AND ${same('b', 's')}
WHEN MATCHED THEN DELETE`);
  });
  return { table: request.table.name, quarantineTable: `${request.table.catalog}.${request.table.schema}.${name}`, rows: request.rows, checks: request.checks.map((c) => c.name) };
}

/** Creates the quarantine table from the table's columns, or adds the columns the table gained since. */
async function ensureQuarantineTable(engine: Engine, target: Sql, quarantine: Sql, columns: readonly TableColumn[]): Promise<void> {
  const q = qualitySql(engine.name);
  let existing: TableColumn[];
  try {
    existing = q.readColumns(await engine.query(q.describe(quarantine)));
  } catch (error) {
    if (!isMissingTable(error)) throw error;
    existing = [];
  }
  if (existing.length === 0) {
    await engine.run(
      sql`CREATE TABLE IF NOT EXISTS ${quarantine}${sql.raw(q.tableFormat)} AS SELECT t.*, CAST(NULL AS ${sql.raw(q.stringArrayType)}) AS _failed_checks, CAST(NULL AS ${sql.raw(engine.dialect.types.string)}) AS _quality_run_id FROM ${target} AS t WHERE 1 = 0`,
      { idempotent: true },
    );
    return;
  }
  const have = new Set(existing.map((c) => c.name.toLowerCase()));
  for (const statement of q.addColumns(quarantine, columns.filter((c) => !have.has(c.name.toLowerCase())))) await engine.run(statement);
}

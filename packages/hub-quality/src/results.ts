import { sql, type Engine } from '@org/hub-core';
import { metadataTable } from '@org/hub-bronze';
import { qualitySql, type JsonColumnType } from './engine-sql.js';
import type { CheckResult, QualityStatus } from './types.js';

const RESULT_COLUMNS: readonly (readonly [string, JsonColumnType])[] = [
  ['run_id', 'string'],
  ['table_name', 'string'],
  ['check_name', 'string'],
  ['check_kind', 'string'],
  ['criticality', 'string'],
  ['on_fail', 'string'],
  ['batch_id', 'string'],
  ['rows_evaluated', 'bigint'],
  ['rows_failed', 'bigint'],
  ['rows_quarantined', 'bigint'],
  ['passed', 'boolean'],
  ['message', 'string'],
  ['sample', 'string'],
  ['duration_ms', 'bigint'],
];

/**
 * One row per check in `{catalog}.bronze_metadata.quality_results`, all of a run's results in one
 * INSERT that binds one JSON array: the statement and its parameters do not grow with the checks.
 */
export async function recordResults(engine: Engine, catalog: string, runId: string, checkedAt: Date, results: readonly CheckResult[]): Promise<void> {
  if (results.length === 0) return;
  const rows = results.map((r) => ({
    run_id: runId,
    table_name: r.table,
    check_name: r.name,
    check_kind: r.check,
    criticality: r.criticality,
    on_fail: r.onFail,
    batch_id: r.batchId,
    rows_evaluated: r.rowsEvaluated,
    rows_failed: r.rowsFailed,
    rows_quarantined: r.rowsQuarantined,
    passed: r.passed,
    message: r.message,
    sample: JSON.stringify(r.sample),
    duration_ms: Math.round(r.durationMs),
  }));
  const names = RESULT_COLUMNS.map(([name]) => sql.raw(name));
  const source = qualitySql(engine.name).jsonRows(sql`${JSON.stringify(rows)}`, RESULT_COLUMNS);
  await engine.run(
    sql`INSERT INTO ${metadataTable(engine, catalog, 'quality_results')} (${sql.join(names)}, checked_at) SELECT ${sql.join(names)}, ${checkedAt} FROM (${source}) AS r`,
  );
}

/** FAILED when an `error` check failed, WARNED when only `warn` checks did. */
export function qualityStatus(results: readonly Pick<CheckResult, 'passed' | 'criticality'>[]): QualityStatus {
  if (results.some((r) => !r.passed && r.criticality === 'error')) return 'FAILED';
  if (results.some((r) => !r.passed)) return 'WARNED';
  return 'PASSED';
}

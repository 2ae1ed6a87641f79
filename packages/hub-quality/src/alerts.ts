import type { Logger } from '@org/hub-core';
import type { CheckResult } from './checks.js';

export interface AlertOutcome {
  /** A failed check of severity error: the caller should fail its job. */
  readonly blocking: boolean;
  readonly failed: readonly CheckResult[];
}

/** Logs each failed check (error or warn by its severity) and says whether any should stop the pipeline. */
export function raiseAlerts(results: readonly CheckResult[], logger?: Logger): AlertOutcome {
  const failed = results.filter((r) => !r.passed);
  for (const result of failed) {
    const entry = { check: result.check, table: result.table, failures: result.failures };
    if (result.severity === 'error') logger?.error(entry, 'data quality check failed');
    else logger?.warn(entry, 'data quality check failed');
  }
  return { blocking: failed.some((r) => r.severity === 'error'), failed };
}

export function formatChecks(results: readonly CheckResult[]): string {
  return results.map((r) => `${r.passed ? 'PASS' : r.severity === 'error' ? 'FAIL' : 'WARN'}  ${r.table}  ${r.check}${r.passed ? '' : `  (${r.failures})`}`).join('\n');
}

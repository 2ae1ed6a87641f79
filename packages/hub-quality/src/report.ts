import type { AlertOutcome, CheckResult, QualityReport } from './types.js';

/** The report as a person reads it: one line per check, then what was quarantined, skipped or not alerted. */
export function formatQualityReport(report: QualityReport): string {
  const failed = report.results.filter((r) => !r.passed).length;
  const lines = [
    `quality run ${report.runId} on ${report.engine}: ${report.status}, ${report.results.length} checks, ${failed} failed` +
      `${report.batchId ? `, batch ${report.batchId}` : ''}, ${report.statements} statements, ${(report.durationMs / 1000).toFixed(1)}s`,
  ];
  for (const r of report.results) lines.push(`  ${label(r)}  ${r.table}  ${r.name} (${r.check})${detail(r)}`);
  for (const q of report.quarantined) lines.push(`  QUARANTINED ${q.rows} rows of ${q.table} -> ${q.quarantineTable} (${q.checks.join(', ')})`);
  for (const s of report.skipped) lines.push(`  SKIPPED ${s.table}: ${s.reason}`);
  lines.push(...formatAlertOutcomes(report.alerts));
  if (report.results.length === 0 && report.skipped.length === 0) lines.push('  no checks');
  return lines.join('\n');
}

/** Alerts that did not reach their destination, one line each (sent ones are not news). */
export function formatAlertOutcomes(alerts: readonly AlertOutcome[]): string[] {
  return alerts
    .filter((a) => !a.delivered)
    .map((a) => `  ALERT ${a.attempts === 0 ? 'NOT SENT' : 'NOT DELIVERED'} ${a.type} (${a.event}, \${env:${a.urlEnv}}): ${a.error ?? 'unknown error'}${a.attempts > 1 ? ` after ${a.attempts} attempts` : ''}`);
}

function label(r: CheckResult): string {
  if (r.passed) return 'PASS';
  return r.criticality === 'error' ? 'FAIL' : 'WARN';
}

function detail(r: CheckResult): string {
  if (r.passed) return r.rowsEvaluated === null ? '' : `  ${r.rowsEvaluated} rows`;
  const first = r.sample[0];
  const example = first && r.rowsFailed !== null ? `; e.g. ${JSON.stringify(first)}` : '';
  return `  ${r.message ?? 'failed'}${r.rowsQuarantined > 0 ? `, ${r.rowsQuarantined} quarantined` : ''}${example}`;
}

/** `quality run` exit codes: 0 when no `error` check failed, 2 when one did. */
export function qualityExitCode(report: Pick<QualityReport, 'status'>): 0 | 2 {
  return report.status === 'FAILED' ? 2 : 0;
}

/** After a bronze load: a failed `error` check with `on_fail: fail` fails the job; record and quarantine do not. */
export function failsJob(report: Pick<QualityReport, 'results'>): boolean {
  return report.results.some((r) => !r.passed && r.criticality === 'error' && r.onFail === 'fail');
}

import { ConfigError, formatIssue } from '@org/hub-core';
import type { AlertEvent, QualityReport } from '../types.js';

/** What every destination renders in its own shape. */
export interface AlertMessage {
  readonly event: AlertEvent;
  readonly title: string;
  readonly text: string;
  /** Name/value pairs: Slack fields, Teams facts. */
  readonly facts: readonly { readonly name: string; readonly value: string }[];
  /** The JSON document a generic webhook receives. */
  readonly document: Readonly<Record<string, unknown>>;
}

const MAX_LISTED = 10;

export function checkFailedMessage(report: QualityReport): AlertMessage {
  const failed = report.results.filter((r) => !r.passed);
  const errors = failed.filter((r) => r.criticality === 'error').length;
  const lines = failed.slice(0, MAX_LISTED).map((r) => `${r.criticality === 'error' ? 'FAIL' : 'WARN'} ${r.table} ${r.name} (${r.check})${r.message ? `: ${r.message}` : ''}`);
  if (failed.length > MAX_LISTED) lines.push(`... and ${failed.length - MAX_LISTED} more`);
  return {
    event: 'check_failed',
    title: `Data quality: ${failed.length} check${failed.length === 1 ? '' : 's'} failed (${errors} error${errors === 1 ? '' : 's'})`,
    text: lines.join('\n'),
    facts: [
      { name: 'Run', value: report.runId },
      { name: 'Status', value: report.status },
      { name: 'Engine', value: report.engine },
      { name: 'Batch', value: report.batchId ?? 'whole tables' },
      { name: 'Quarantined rows', value: String(report.quarantined.reduce((n, q) => n + q.rows, 0)) },
    ],
    document: { event: 'check_failed', ...report },
  };
}

export function runFailedMessage(runId: string, error: unknown, what = 'quality run'): AlertMessage {
  // A config problem says where it is; any other error's first line says what happened.
  const reason = error instanceof ConfigError ? error.issues.map(formatIssue).join('\n') : ((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '');
  return {
    event: 'run_failed',
    title: `The ${what} ${runId} failed`,
    text: reason,
    facts: [{ name: 'Run', value: runId }],
    document: { event: 'run_failed', runId, what, error: reason },
  };
}

export interface QuarantinedFile {
  readonly path: string;
  readonly destTable: string;
  readonly reason: string | null;
}

export function fileQuarantinedMessage(runId: string, files: readonly QuarantinedFile[]): AlertMessage {
  const lines = files.slice(0, MAX_LISTED).map((f) => `${f.destTable}: ${f.path}${f.reason ? ` (${f.reason})` : ''}`);
  if (files.length > MAX_LISTED) lines.push(`... and ${files.length - MAX_LISTED} more`);
  return {
    event: 'file_quarantined',
    title: `Bronze run ${runId}: ${files.length} file${files.length === 1 ? '' : 's'} quarantined`,
    text: lines.join('\n'),
    facts: [{ name: 'Run', value: runId }, { name: 'Files', value: String(files.length) }],
    document: { event: 'file_quarantined', runId, files },
  };
}

import { randomUUID } from 'node:crypto';
import type { JobParameters } from '@org/hub-core';
import { exitCodeFor, runBronze, type RunBronzeOptions, type RunSummary } from '@org/hub-bronze';
import { sendAlerts, type AlertOptions } from './alerts/index.js';
import { fileQuarantinedMessage, runFailedMessage } from './alerts/message.js';
import { failsJob } from './report.js';
import { inspectTables, runChecks } from './run-checks.js';
import type { AlertOutcome, ChecksFile, QualityReport } from './types.js';

export interface BronzeWithChecksOptions extends RunBronzeOptions {
  readonly checks: ChecksFile;
  /** Alert delivery (environment, retries); false sends none. */
  readonly alerts?: AlertOptions | false | undefined;
}

/** A bronze run summary with the quality report of the checks that ran on its batch. */
export interface CheckedRunSummary extends RunSummary {
  readonly quality: QualityReport;
  /** file_quarantined and run_failed alerts of the load itself. */
  readonly alerts: readonly AlertOutcome[];
}

/**
 * `bronze run --checks`: the load, then the file's checks on the tables it loaded, row-level kinds
 * limited to its batch. The checks are held against the tables that exist before anything loads,
 * so a wrong column fails the run before it writes. Tables the run did not load are skipped (and
 * listed as such). Quarantined files and a failed load raise their alerts; a failing alert never
 * fails the load.
 */
export async function runBronzeWithChecks(params: JobParameters, options: BronzeWithChecksOptions): Promise<CheckedRunSummary> {
  const { checks, engine } = options;
  const runId = options.runId ?? `${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomUUID().slice(0, 8)}`;
  const alertOptions = options.alerts === false ? undefined : { logger: options.logger, ...options.alerts };
  const alerts: AlertOutcome[] = [];
  let summary: RunSummary;
  try {
    // Columns only: which tables this run loads (and limits to its batch) is known after it.
    await inspectTables(engine, checks.checks, { allowMissingTables: true });
    summary = await runBronze(params, { ...options, runId });
  } catch (error) {
    if (alertOptions) await sendAlerts(checks.alerts, runFailedMessage(runId, error, 'bronze run'), alertOptions);
    throw error;
  }
  const quarantinedFiles = summary.files.filter((f) => f.status === 'QUARANTINED');
  if (alertOptions && quarantinedFiles.length > 0) alerts.push(...(await sendAlerts(checks.alerts, fileQuarantinedMessage(runId, quarantinedFiles), alertOptions)));
  const loaded = [...new Set(summary.files.filter((f) => f.status === 'SUCCESS').map((f) => f.destTable))];
  options.onProgress?.({ kind: 'checks-start', checks: checks.checks.length, tables: loaded.length });
  const quality = await runChecks(engine, checks, {
    batchId: summary.runId,
    metadataCatalog: options.metadataCatalog ?? options.variables?.['catalog'],
    tables: { names: loaded, reason: 'not loaded by this run' },
    logger: options.logger,
    alerts: options.alerts === false ? false : alertOptions,
  });
  options.onProgress?.({ kind: 'checks-done', passed: quality.results.filter((r) => r.passed).length, failed: quality.results.filter((r) => !r.passed).length });
  return { ...summary, quality, alerts };
}

/** The load's exit code (0, or 2 when partial), made 2 by a failed `on_fail: fail` check. */
export function exitCodeWithChecks(summary: CheckedRunSummary): 0 | 1 | 2 {
  const load = exitCodeFor(summary);
  return load === 0 && failsJob(summary.quality) ? 2 : load;
}

import { isHubError, type Logger } from '@org/hub-core';
import type { FileOutcome, ListedFile } from '../files.js';
import type { ConfigRowRef, FileConfigRow, FileResult, OutsideWindow, RunStatus, RunSummary, SourceProblem } from '../types.js';
import type { LoadWindow } from '../window.js';

/** A file's line in the summary. */
export function fileResult(file: ListedFile, destTable: string, outcome: FileOutcome | { readonly status: 'SKIPPED'; readonly rows: 0; readonly reason: string }): FileResult {
  return {
    lob: file.config.lob,
    category: file.config.category,
    subcategory: file.config.subcategory,
    path: file.path,
    destTable,
    status: outcome.status,
    rows: outcome.rows,
    reason: 'reason' in outcome ? outcome.reason : null,
    fileDate: file.fileDate,
    sizeBytes: file.sizeBytes,
  };
}

export function sourceProblemOf(config: FileConfigRow, destTable: string, reason: string, logger: Logger | undefined): SourceProblem {
  logger?.warn({ table: destTable, sourcePath: config.sourcePath }, `${config.lob}/${config.category}/${config.subcategory}: ${reason}`);
  return { lob: config.lob, category: config.category, subcategory: config.subcategory, sourcePath: config.sourcePath, destTable, reason };
}

/** Unloaded files that match a config row but fall outside the window, with the flag that would include them. */
export function outsideWindowOf(config: FileConfigRow, destTable: string, files: number, oldest: string, newest: string, window: LoadWindow): OutsideWindow {
  return { lob: config.lob, category: config.category, subcategory: config.subcategory, destTable, files, oldest, newest, flag: flagFor(oldest, newest, window) };
}

/** The CLI flags whose window takes in the dates oldest..newest beside the run's. */
export function flagFor(oldest: string, newest: string, window: LoadWindow): string {
  return newest > window.end ? `--begin-date ${oldest < window.begin ? oldest : window.begin} --end-date ${newest}` : `--begin-date ${oldest}`;
}

/** Which config row a report is about. */
export function configRowRef(config: FileConfigRow, destTable: string): ConfigRowRef {
  return { lob: config.lob, category: config.category, subcategory: config.subcategory, destTable, sourcePath: config.sourcePath };
}

/** A run's status from its files and its source problems. */
export function runStatus(files: readonly FileResult[], sourceProblems: readonly SourceProblem[]): RunStatus {
  // A source folder that cannot be listed is a config row not done: never a quiet day.
  if (sourceProblems.length > 0) return 'PARTIAL';
  if (files.length === 0) return 'NOTHING_TO_LOAD';
  const ok = files.filter((f) => f.status === 'SUCCESS').length;
  if (ok === files.length) return 'SUCCESS';
  // Every file FAILED (the engine could not load them): nothing of the run's work is done. All QUARANTINED stays PARTIAL: each was set aside with its reason.
  if (files.every((f) => f.status === 'FAILED')) return 'FAILED';
  return 'PARTIAL';
}

/** CLI exit codes of a finished run: 0 success or nothing to load, 2 partial, 1 failed. */
export function exitCodeFor(summary: Pick<RunSummary, 'status'>): 0 | 1 | 2 {
  switch (summary.status) {
    case 'SUCCESS':
    case 'NOTHING_TO_LOAD':
      return 0;
    case 'PARTIAL':
      return 2;
    case 'FAILED':
      return 1;
  }
}

/** The exit code of a run that threw: 3 when another run holds (or took over) a table's lease or holds the embedded warehouse, else 1. */
export function exitCodeForError(error: unknown): 1 | 3 {
  return isHubError(error) && (error.code === 'LEASE_HELD' || error.code === 'LEASE_LOST' || error.code === 'WAREHOUSE_LOCKED') ? 3 : 1;
}

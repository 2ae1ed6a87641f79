import { HubError } from '@org/hub-core';
import type { Executor } from '../executor.js';
import type { FileOutcome, ListedFile } from '../files.js';
import type { LoadRequest } from '../loaders/loader.js';
import { deleteBatchFilesStatement } from '../loaders/shared.js';
import { LoadTracker, type TrackedFile } from '../metadata/load-tracker.js';
import { changedDuringLoad } from '../rules/changes.js';
import { FileVerdicts } from '../rules/verdicts.js';
import type { ResolvedFiles } from './resolve-files.js';
import type { RunContext, TableWork } from './run-context.js';

/** Each file of a table's load with what became of it, as the tracker recorded it. */
export type LoadedFile = ListedFile & { readonly outcome: FileOutcome };

/**
 * A table's load, after its listing: the loader reads the files (every read before any write,
 * judged by the rules), the tracker gets a LOADING row per file (its size and time as listed, for
 * reconcile after a crash), the loader writes the rows; the folders are listed again, and a file
 * that changed while it loaded is set aside with its rows of this batch removed; then one tracker
 * row per file, and a forced reload's earlier loads stop counting.
 */
export async function loadFiles(run: RunContext, executor: Executor, table: TableWork, resolved: ResolvedFiles, tableColumns: ReadonlyMap<string, string>): Promise<LoadedFile[]> {
  const { runId } = run;
  const tracker = new LoadTracker(executor, run.metadataCatalog);
  const verdicts = new FileVerdicts();
  const files = resolved.toLoad;
  const startedAt = new Date();
  const request: LoadRequest = { table: table.ref, files, runId, ingestedAt: startedAt, replacePaths: resolved.replacePaths, tableColumns };

  const prepared = await failingFiles(run, table, files, verdicts, () => run.loader.prepare(executor, request, verdicts));
  await tracker.intend(runId, table.name, files, startedAt);
  if (prepared) await failingFiles(run, table, files, verdicts, () => prepared.apply(executor));
  run.onProgress?.({ kind: 'table-loaded', table: table.name, files: files.filter((f) => verdicts.outcome(f)?.status === 'SUCCESS').length });
  await setAsideChangedFiles(run, executor, table, files, verdicts);

  const loaded = files.map((file): LoadedFile => ({ ...file, outcome: verdicts.outcome(file) ?? { status: 'FAILED', rows: 0, reason: 'no outcome recorded' } }));
  const tracked: TrackedFile[] = loaded.map((f) => ({ ...f, status: f.outcome.status, rows: f.outcome.rows, reason: 'reason' in f.outcome ? f.outcome.reason : null }));
  await tracker.record(runId, table.name, tracked, startedAt);
  // Only now do the earlier loads of a forced reload stop counting: a crash before leaves them to reconcile.
  const replaced = new Set(resolved.replacePaths);
  await tracker.supersede(table.name, loaded.filter((f) => f.outcome.status === 'SUCCESS' && replaced.has(f.path)).map((f) => f.path), runId);
  return loaded;
}

/** A failure of the engine that names no file fails the table's load: every file FAILED with the engine's words, retried by the next run. */
async function failingFiles<T>(run: RunContext, table: TableWork, files: readonly ListedFile[], verdicts: FileVerdicts, step: () => Promise<T>): Promise<T | null> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof HubError && error.code !== 'ENGINE_ERROR') throw error;
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    run.logger?.error({ table: table.name, error: reason }, 'load failed');
    verdicts.failed(files, reason);
    return null;
  }
}

/**
 * Reads the loaded files' sizes and times again after their load: a file whose size or modification time is not
 * what it was when listed (or that is gone) changed while it was read, so the rows that landed may
 * not be its content. Its rows of this batch are deleted and it is set aside; the next run loads it.
 */
async function setAsideChangedFiles(run: RunContext, executor: Executor, table: TableWork, files: readonly ListedFile[], verdicts: FileVerdicts): Promise<void> {
  const loaded = files.filter((f) => verdicts.outcome(f)?.status === 'SUCCESS');
  if (loaded.length === 0) return;
  const now = await run.loader.fileStats(executor, loaded.map((f) => f.physical));
  const changed = loaded.filter((f) => {
    const after = now.get(f.physical);
    return !after || changedDuringLoad(f, after);
  });
  if (changed.length === 0) return;
  await executor.write(deleteBatchFilesStatement(executor.engine, executor.engine.dialect.table(table.ref), changed.map((f) => f.path), run.runId), { idempotent: true });
  for (const file of changed) {
    verdicts.changedWhileLoading(file, now.get(file.physical) ?? null);
    run.logger?.warn({ path: file.path, table: table.name }, (verdicts.outcome(file) as { reason: string }).reason);
  }
}

import { ParameterError } from '@org/hub-core';
import type { Executor } from '../executor.js';
import type { ListedFile } from '../files.js';
import { changedSinceLoad } from '../rules/changes.js';
import { locateSource } from '../source-roots.js';
import type { OutsideWindow, SourceProblem } from '../types.js';
import type { LoadWindow } from '../window.js';
import type { RunContext, TableWork } from './run-context.js';
import { outsideWindowOf, sourceProblemOf } from './summary.js';

/** What the listings of a table's config rows found: the files to load, and what is not loaded and why. */
export interface ResolvedFiles {
  readonly toLoad: readonly ListedFile[];
  /** Loaded files a forced reload loads again: their earlier rows are replaced. */
  readonly replacePaths: readonly string[];
  readonly changedSinceLoad: readonly { readonly path: string; readonly destTable: string }[];
  readonly outsideWindow: readonly OutsideWindow[];
  readonly sourceProblems: readonly SourceProblem[];
}

/** Dates wide enough for any file: the listing returns every date and the run windows here. */
const EVERY_DATE: LoadWindow = { begin: '0001-01-01', end: '9999-12-31' };

/**
 * One listing per config row of the table, anti-joined against the tracker. Files of the window
 * not loaded yet load; loaded ones load again when forced, and are reported when they changed
 * since; matching files outside the window are counted, never skipped silently; a source folder
 * that cannot be listed is that config row's problem.
 */
export async function resolveFiles(run: RunContext, executor: Executor, table: TableWork): Promise<ResolvedFiles> {
  const { params, window, loader, logger } = run;
  const toLoad: ListedFile[] = [];
  const replacePaths: string[] = [];
  const changed: { path: string; destTable: string }[] = [];
  const outsideWindow: OutsideWindow[] = [];
  const sourceProblems: SourceProblem[] = [];
  for (const config of table.configs) {
    const location = locateSource(config.sourcePath, run.sourceRoots, executor.engine.capabilities.localFilesOnly);
    const request = { config, location, tracker: run.tracker, destTable: table.name, window: params.fileName ? window : EVERY_DATE, fileName: params.fileName, force: params.force };
    let listed: ListedFile[];
    try {
      listed = await loader.listFiles(executor, request);
    } catch (error) {
      const problem = await loader.sourceProblem(executor, location).catch(() => null);
      if (problem === null) throw error;
      sourceProblems.push(sourceProblemOf(config, table.name, problem, logger));
      continue;
    }
    if (listed.length === 0) {
      const problem = await loader.sourceProblem(executor, location);
      if (problem !== null) sourceProblems.push(sourceProblemOf(config, table.name, problem, logger));
      continue;
    }
    const outside: ListedFile[] = [];
    for (const file of listed) {
      if (!params.fileName && (file.fileDate < window.begin || file.fileDate > window.end)) {
        if (!file.loaded) outside.push(file);
        continue;
      }
      if (!file.loaded) toLoad.push(file);
      else if (params.force) {
        toLoad.push(file);
        replacePaths.push(file.path);
      } else if (changedSinceLoad(file)) {
        changed.push({ path: file.path, destTable: table.name });
        logger?.warn({ path: file.path, table: table.name }, 'file changed since it was loaded; not reloaded (use --force to replace its rows)');
      }
    }
    if (outside.length > 0) outsideWindow.push(outsideWindowOf(config, table.name, outside, window));
  }
  if (params.fileName && toLoad.length > 1) {
    throw new ParameterError('file_name', `${params.fileName} matches ${toLoad.length} files in ${table.name}; name one file`);
  }
  return { toLoad, replacePaths, changedSinceLoad: changed, outsideWindow, sourceProblems };
}

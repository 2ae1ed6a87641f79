import { ParameterError, type Row } from '@org/hub-core';
import type { Executor } from '../executor.js';
import { byFileDate, type ListedFile } from '../files.js';
import { LoadTracker } from '../metadata/load-tracker.js';
import { changedSinceLoad, stillQuarantined } from '../rules/changes.js';
import { locateSource } from '../source-roots.js';
import { sourceTemplate } from '../source-template.js';
import type { AlreadyLoaded, Deferred, OutsideWindow, OutsideWindowFolders, PatternMiss, SourceProblem, StillQuarantined, Subfolders } from '../types.js';
import { listSource, namesOfDates, type SourceListing } from './list-source.js';
import type { RunContext, TableWork } from './run-context.js';
import { configRowRef, flagFor, outsideWindowOf, sourceProblemOf } from './summary.js';

/** What the listings of a table's config rows found: the files to load, and what is not loaded and why. */
export interface ResolvedFiles {
  readonly toLoad: readonly ListedFile[];
  /** Loaded files a forced reload loads again: their earlier rows are replaced. */
  readonly replacePaths: readonly string[];
  readonly changedSinceLoad: readonly { readonly path: string; readonly destTable: string }[];
  readonly outsideWindow: readonly OutsideWindow[];
  readonly outsideWindowFolders: readonly OutsideWindowFolders[];
  readonly sourceProblems: readonly SourceProblem[];
  readonly stillQuarantined: StillQuarantined | null;
  readonly deferred: Deferred | null;
  readonly subfolders: readonly Subfolders[];
  readonly patternMisses: readonly PatternMiss[];
  readonly alreadyLoaded: readonly AlreadyLoaded[];
  /** With --file-name: whether a listed folder of the table holds it (matching the pattern), and the folders looked in. */
  readonly named: { readonly found: boolean; readonly folders: readonly string[]; readonly patterns: ReadonlyMap<string, string> };
}

/**
 * One listing per config row of the table (list-source.ts), then one tracker lookup per config row
 * for the files it found. Files of the window not loaded yet load; loaded ones load again when
 * forced, and are reported when they changed since; files quarantined before and unchanged since
 * are counted, not checked again (unless retried or forced); matching files outside the window,
 * subfolders and a pattern that matches nothing are reported, never skipped silently; a source
 * folder that cannot be listed is that config row's problem. With --max-files, the oldest files
 * load and the rest are deferred.
 */
export async function resolveFiles(run: RunContext, executor: Executor, table: TableWork): Promise<ResolvedFiles> {
  const { params, logger } = run;
  const tracker = new LoadTracker(executor, run.metadataCatalog);
  const toLoad: ListedFile[] = [];
  const replacePaths: string[] = [];
  const changed: { path: string; destTable: string }[] = [];
  const quarantined: ListedFile[] = [];
  const outsideWindow: OutsideWindow[] = [];
  const outsideWindowFolders: OutsideWindowFolders[] = [];
  const sourceProblems: SourceProblem[] = [];
  const subfolders: Subfolders[] = [];
  const patternMisses: PatternMiss[] = [];
  const alreadyLoaded: AlreadyLoaded[] = [];
  const namedFolders: string[] = [];
  const patterns = new Map<string, string>();
  let namedFound = false;
  for (const config of table.configs) {
    let listing: SourceListing;
    try {
      listing = await listSource(run, executor, config);
    } catch (error) {
      const location = locateSource(sourceTemplate(config.sourcePath)?.root ?? config.sourcePath, run.sourceRoots, executor.engine.capabilities.localFilesOnly);
      const problem = await run.loader.sourceProblem(executor, location).catch(() => null);
      if (problem === null) throw error;
      sourceProblems.push(sourceProblemOf(config, table.name, problem, logger));
      continue;
    }
    const ref = configRowRef(config, table.name);
    for (const folder of listing.folders) {
      namedFolders.push(folder.physical);
      patterns.set(folder.physical, config.filePattern);
    }
    if (listing.files.length === 0 && params.fileName) {
      // The named file is not there: is the folder?
      const problem = await run.loader.sourceProblem(executor, listing.location);
      if (problem !== null) sourceProblems.push(sourceProblemOf(config, table.name, problem, logger));
    }
    if (listing.subfolders > 0) subfolders.push({ ...ref, folders: listing.subfolders });
    if (!params.fileName && listing.matched === 0 && listing.unmatched.files > 0) patternMisses.push({ ...ref, filePattern: config.filePattern, files: listing.unmatched.files, names: listing.unmatched.names });

    const rows = await tracker.lookup(table.name, listing.files, params.force === true || params.fileName !== undefined);
    for (const file of withTracker(listing.files, rows)) {
      namedFound ||= params.fileName !== undefined;
      if (!file.loaded) {
        if (stillQuarantined(file) && !run.retryQuarantined && !params.force) quarantined.push(file);
        else toLoad.push(file);
      } else if (params.force) {
        toLoad.push(file);
        replacePaths.push(file.path);
      } else if (changedSinceLoad(file)) {
        changed.push({ path: file.path, destTable: table.name });
        logger?.warn({ path: file.path, table: table.name }, 'file changed since it was loaded; not reloaded (use --force to replace its rows)');
      } else if (params.fileName) {
        alreadyLoaded.push({ path: file.path, destTable: table.name, runId: file.loaded.runId ?? null, loadedAt: file.loaded.at?.toISOString() ?? null });
      }
    }
    if (params.fileName) continue;
    const outside = await outsideNotLoaded(run, executor, tracker, table.name, config.sourcePath, listing);
    if (outside.files > 0) outsideWindow.push(outsideWindowOf(config, table.name, outside.files, outside.oldest, outside.newest, run.window));
    const folders = await foldersNotLoaded(run, tracker, table.name, config.sourcePath, listing);
    if (folders !== null) outsideWindowFolders.push({ ...ref, ...folders, flag: flagFor(folders.oldest, folders.newest, run.window) });
  }
  if (params.fileName && toLoad.length > 1) {
    throw new ParameterError('file_name', `${params.fileName} matches ${toLoad.length} files in ${table.name}; name one file`);
  }
  const bounded = run.maxFiles === undefined ? toLoad : [...toLoad].sort(byFileDate);
  const loading = run.maxFiles === undefined ? bounded : bounded.slice(0, run.maxFiles);
  const later = run.maxFiles === undefined ? [] : bounded.slice(run.maxFiles);
  const loadingPaths = new Set(loading.map((f) => f.path));
  return {
    toLoad: loading,
    replacePaths: replacePaths.filter((p) => loadingPaths.has(p)),
    changedSinceLoad: changed,
    outsideWindow,
    outsideWindowFolders,
    sourceProblems,
    stillQuarantined: quarantined.length === 0 ? null : stillQuarantinedOf(table.name, quarantined),
    deferred: later.length === 0 ? null : { destTable: table.name, files: later.length, oldest: later[0]?.fileDate as string, newest: later.at(-1)?.fileDate as string, maxFiles: run.maxFiles as number },
    subfolders,
    patternMisses,
    alreadyLoaded,
    named: { found: namedFound, folders: namedFolders, patterns },
  };
}

/** The listed files the tracker lookup returned (what the run acts on), with what the tracker knows of each. */
function withTracker(files: readonly ListedFile[], rows: readonly Row[]): ListedFile[] {
  const byPath = new Map(rows.map((r) => [String(r['file_path']), r]));
  return files.flatMap((file): ListedFile[] => {
    const row = byPath.get(file.path);
    if (!row) return [];
    const loaded = row['loaded'] === true ? { sizeBytes: numberOrNull(row['loaded_size']), modifiedAt: dateOrNull(row['loaded_modified_at']), runId: String(row['loaded_by']), at: dateOrNull(row['loaded_at']) } : null;
    const quarantined =
      row['checked_status'] === 'QUARANTINED'
        ? { sizeBytes: numberOrNull(row['checked_size']), modifiedAt: dateOrNull(row['checked_modified_at']), runId: String(row['checked_by']), reason: String(row['checked_reason'] ?? ''), at: dateOrNull(row['checked_at']) }
        : null;
    return [{ ...file, loaded, quarantined }];
  });
}

/**
 * A flat folder's matching files outside the window that are not loaded. The tracker gives, per
 * date, the loaded files' count and first and last path: a date whose names match those is
 * loaded, a date with no loaded file is not; only for the other dates (loaded files moved away,
 * a late file beside loaded ones) are the loaded paths read, and the folder's names of those dates.
 */
async function outsideNotLoaded(run: RunContext, executor: Executor, tracker: LoadTracker, destTable: string, sourcePath: string, listing: SourceListing): Promise<{ files: number; oldest: string; newest: string }> {
  const none = { files: 0, oldest: '', newest: '' };
  if (listing.outsideDates.size === 0) return none;
  const loaded = await tracker.loadedDates(destTable, sourcePath, run.window);
  const unsure = new Set<string>();
  const counted = new Map<string, number>();
  for (const [date, names] of listing.outsideDates) {
    const known = loaded.get(date);
    if (!known) counted.set(date, names.files);
    else if (known.files !== names.files || known.first !== names.first || known.last !== names.last) unsure.add(date);
  }
  if (unsure.size > 0) {
    const paths = await tracker.loadedPaths(destTable, sourcePath, [...unsure]);
    for (const [date, names] of await namesOfDates(run, executor, listing, unsure)) counted.set(date, names.filter((p) => !paths.has(p)).length);
  }
  const dates = [...counted].filter(([, n]) => n > 0).map(([d]) => d).sort();
  if (dates.length === 0) return none;
  return { files: [...counted.values()].reduce((n, c) => n + c, 0), oldest: dates[0] as string, newest: dates.at(-1) as string };
}

/**
 * A template's date folders outside the window from which nothing was loaded: a folder counts as
 * loaded from when the tracker has a loaded file of one of its days (its files are never listed).
 */
async function foldersNotLoaded(run: RunContext, tracker: LoadTracker, destTable: string, sourcePath: string, listing: SourceListing): Promise<{ folders: number; oldest: string; newest: string } | null> {
  if (listing.outsideFolders.length === 0) return null;
  const loaded = [...(await tracker.loadedDates(destTable, sourcePath, run.window)).keys()];
  const never = listing.outsideFolders.filter((f) => !loaded.some((d) => d >= f.first && d <= f.last));
  if (never.length === 0) return null;
  return { folders: never.length, oldest: never.map((f) => f.first).sort()[0] as string, newest: never.map((f) => f.last).sort().at(-1) as string };
}

function stillQuarantinedOf(destTable: string, files: readonly ListedFile[]): StillQuarantined {
  const runs = new Map<string, number>();
  for (const file of files) runs.set(file.quarantined?.runId ?? '', (runs.get(file.quarantined?.runId ?? '') ?? 0) + 1);
  return {
    destTable,
    files: files.length,
    runs: [...runs].map(([runId, n]) => ({ runId, files: n })),
    paths: files.map((f) => ({ path: f.path, runId: f.quarantined?.runId ?? '', reason: f.quarantined?.reason ?? '' })),
  };
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

function dateOrNull(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  const text = String(value);
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

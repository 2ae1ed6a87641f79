import type { Executor } from '../executor.js';
import { byFileDate, type ListedFile } from '../files.js';
import type { FileStat, FolderEntry } from '../loaders/loader.js';
import { namesMatching } from '../loaders/shared.js';
import { nameDateOf } from '../rules/file-dates.js';
import { locateSource, type SourceLocation } from '../source-roots.js';
import { sourceTemplate, walkTemplate, type FolderOutside } from '../source-template.js';
import type { FileConfigRow } from '../types.js';
import type { LoadWindow } from '../window.js';
import type { RunContext } from './run-context.js';

/** A folder a run lists: a flat source folder (its files dated by name or time), or one date folder of a template (its files dated by it). */
export interface ListedFolder extends SourceLocation {
  readonly date: string | null;
}

/** Matching names of one file date outside the window: how many, and the first and last path. */
export interface NamesOfDate {
  files: number;
  first: string;
  last: string;
}

/** What listing one config row's source path found, before the tracker is asked about it. */
export interface SourceListing {
  readonly config: FileConfigRow;
  /** The source folder, or a template's root: where a source problem is looked for. */
  readonly location: SourceLocation;
  readonly folders: readonly ListedFolder[];
  /** The files of the window, or the file named by --file-name, with their size and time. */
  readonly files: readonly ListedFile[];
  /** A flat folder's matching files outside the window, per file date. */
  readonly outsideDates: ReadonlyMap<string, NamesOfDate>;
  /** A template's date folders outside the window, where the walk saw them. */
  readonly outsideFolders: readonly FolderOutside[];
  /** Folders inside a flat source folder (never read). */
  readonly subfolders: number;
  /** Files of the listed folders that match the pattern, whatever their date. */
  readonly matched: number;
  /** Files of the listed folders that the pattern does not match: how many, and the first few names. */
  readonly unmatched: { readonly files: number; readonly names: readonly string[] };
}

/** How many names of a folder a run shows when its pattern matches none of them. */
const SHOWN_NAMES = 3;

/**
 * Lists one config row's source path, names first. A flat folder is read once: its subfolders
 * counted, names matched against the pattern and dated from their date token; sizes and times are
 * read only for the window's files and for names without a date (dated by their time). A template
 * is walked level by level to the window's date folders (source-template.ts), and only those are
 * read. With --file-name, that one file is looked for: in the flat folder, or in the date folder
 * of the date in its name (the window's folders when it has none).
 */
export async function listSource(run: RunContext, executor: Executor, config: FileConfigRow): Promise<SourceListing> {
  const local = executor.engine.capabilities.localFilesOnly;
  const template = sourceTemplate(config.sourcePath);
  if (template === null) {
    const location = locateSource(config.sourcePath, run.sourceRoots, local);
    return listFolders(run, executor, config, location, [{ ...location, date: null }], []);
  }
  const root = locateSource(template.root, run.sourceRoots, local);
  const named = run.params.fileName ? nameDateOf(run.params.fileName) : null;
  const window: LoadWindow = named ? { begin: named, end: named } : run.window;
  const walk = await walkTemplate(template, window, async (relative) => {
    const names: string[] = [];
    await run.loader.eachEntry(executor, root.physical + relative, (entry) => {
      if (entry.folder) names.push(entry.name);
    });
    return names;
  });
  const folders = walk.folders.map((f) => ({ logical: root.logical + f.relative, physical: root.physical + f.relative, date: f.date }));
  return listFolders(run, executor, config, root, folders, run.params.fileName ? [] : walk.outside);
}

async function listFolders(run: RunContext, executor: Executor, config: FileConfigRow, location: SourceLocation, folders: readonly ListedFolder[], outsideFolders: readonly FolderOutside[]): Promise<SourceListing> {
  const { window } = run;
  const fileName = run.params.fileName;
  const isMatch = namesMatching(config.filePattern);
  const found: { folder: ListedFolder; entry: FolderEntry; date: string | null }[] = [];
  const outsideDates = new Map<string, NamesOfDate>();
  const unmatched = { files: 0, names: [] as string[] };
  let subfolders = 0;
  let matched = 0;
  // Outside the window, names are only counted: kept per date with the folder they are in, paths made at the end.
  const outsideNames = new Map<string, { files: number; first: string; last: string; folder: string }>();
  const outside = (date: string, folder: ListedFolder, name: string) => {
    const names = outsideNames.get(date);
    if (!names) outsideNames.set(date, { files: 1, first: name, last: name, folder: folder.logical });
    else {
      names.files += 1;
      if (name < names.first) names.first = name;
      else if (name > names.last) names.last = name;
    }
  };
  for (const folder of folders) {
    if (fileName) {
      // One file, whatever its date: looked for by name, not by reading the folder.
      if (isMatch(fileName)) found.push({ folder, entry: { name: fileName, folder: false }, date: folder.date });
      continue;
    }
    await run.loader.eachEntry(executor, folder.physical, (entry) => {
      if (entry.folder) {
        if (folder.date === null) subfolders += 1;
        return;
      }
      if (!isMatch(entry.name)) {
        unmatched.files += 1;
        keepFirst(unmatched.names, entry.name);
        return;
      }
      matched += 1;
      const date = folder.date ?? nameDateOf(entry.name);
      if (date !== null && (date < window.begin || date > window.end)) outside(date, folder, entry.name);
      else found.push({ folder, entry, date });
    });
  }
  const unknown = found.filter((f) => f.entry.sizeBytes === undefined || f.entry.modifiedAt === undefined).map((f) => f.folder.physical + f.entry.name);
  const stats = unknown.length > 0 ? await run.loader.fileStats(executor, unknown) : new Map<string, FileStat | null>();
  const files: ListedFile[] = [];
  for (const { folder, entry, date } of found) {
    const stat = entry.sizeBytes !== undefined && entry.modifiedAt !== undefined ? { sizeBytes: entry.sizeBytes, modifiedAt: entry.modifiedAt } : stats.get(folder.physical + entry.name);
    if (!stat) continue;
    const fileDate = date ?? stat.modifiedAt.toISOString().slice(0, 10);
    // A name without a date is dated by its time, known only now.
    if (!fileName && (fileDate < window.begin || fileDate > window.end)) {
      outside(fileDate, folder, entry.name);
      continue;
    }
    if (fileName) matched += 1;
    files.push({ config, path: folder.logical + entry.name, physical: folder.physical + entry.name, name: entry.name, sizeBytes: stat.sizeBytes, modifiedAt: stat.modifiedAt, fileDate, loaded: null });
  }
  files.sort(byFileDate);
  for (const [date, names] of outsideNames) outsideDates.set(date, { files: names.files, first: names.folder + names.first, last: names.folder + names.last });
  return { config, location, folders, files, outsideDates, outsideFolders, subfolders, matched, unmatched };
}

/**
 * The matching paths of a flat folder with these file dates, read again: only where the tracker's
 * counts cannot tell which of them are loaded, so a history of names is never held otherwise.
 */
export async function namesOfDates(run: RunContext, executor: Executor, listing: SourceListing, dates: ReadonlySet<string>): Promise<Map<string, string[]>> {
  const isMatch = namesMatching(listing.config.filePattern);
  const out = new Map<string, string[]>([...dates].map((d) => [d, []]));
  for (const folder of listing.folders) {
    const undated: string[] = [];
    await run.loader.eachEntry(executor, folder.physical, (entry) => {
      if (entry.folder || !isMatch(entry.name)) return;
      const date = folder.date ?? nameDateOf(entry.name);
      if (date === null) undated.push(entry.name);
      else out.get(date)?.push(folder.logical + entry.name);
    });
    const stats = undated.length > 0 ? await run.loader.fileStats(executor, undated.map((n) => folder.physical + n)) : new Map<string, FileStat | null>();
    for (const name of undated) {
      const stat = stats.get(folder.physical + name);
      if (stat) out.get(stat.modifiedAt.toISOString().slice(0, 10))?.push(folder.logical + name);
    }
  }
  return out;
}

/** Keeps the first few names in name order. */
function keepFirst(names: string[], name: string): void {
  if (names.length === SHOWN_NAMES && name >= (names[SHOWN_NAMES - 1] as string)) return;
  names.push(name);
  names.sort();
  if (names.length > SHOWN_NAMES) names.pop();
}

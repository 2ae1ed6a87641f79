import type { Executor } from '../../executor.js';
import type { FileStat, FolderEntry } from '../loader.js';
import { eachLocalEntry, localFileStats, localSourceProblem } from '../local-folders.js';

/** The embedded engine reads local folders (cloud paths through source roots): the hub lists them itself (local-folders.ts). */
export function eachEntry(_executor: Executor, folder: string, visit: (entry: FolderEntry) => void): Promise<void> {
  return eachLocalEntry(folder, visit);
}

export function fileStats(_executor: Executor, paths: readonly string[]): Promise<Map<string, FileStat | null>> {
  return localFileStats(paths);
}

export const sourceProblem = localSourceProblem;

import type { Executor } from '../../executor.js';
import type { SourceLocation } from '../../source-roots.js';
import type { FileStat, FolderEntry } from '../loader.js';
import { eachLocalEntry, localFileStats, localSourceProblem } from '../local-folders.js';

/**
 * Spark reads local folders here (cloud paths through source roots, `capabilities.localFilesOnly`),
 * so the hub lists them itself, as it reads their first lines: names first, and it sees zero-byte
 * files, which Spark's file scans skip. A Hadoop listing would stat every file of the folder.
 */
export function eachEntry(executor: Executor, folder: string, visit: (entry: FolderEntry) => void): Promise<void> {
  localOnly(executor);
  return eachLocalEntry(folder, visit);
}

export function fileStats(executor: Executor, paths: readonly string[]): Promise<Map<string, FileStat | null>> {
  localOnly(executor);
  return localFileStats(paths);
}

export function sourceProblem(executor: Executor, location: SourceLocation): Promise<string | null> {
  localOnly(executor);
  return localSourceProblem(location.physical);
}

function localOnly(executor: Executor): void {
  if (!executor.engine.capabilities.localFilesOnly) throw new Error('the spark loader lists local folders only (capabilities.localFilesOnly)');
}

import { sql, type Row, type Sql } from '@org/hub-core';
import type { Executor } from '../../executor.js';
import { folderOf } from '../../files.js';
import { sourceFolderReason } from '../../rules/source-folders.js';
import type { SourceLocation } from '../../source-roots.js';
import type { FileStat, FolderEntry } from '../loader.js';

/** `LIST` sees files without reading them; it takes a string literal path, not a parameter marker. */
export function listStatement(folder: string): Sql {
  return sql`LIST ${sql.literal(folder)}`;
}

/** One LIST per folder (a flat source folder, or one date folder of a template's window): names with size and time, as LIST gives them. */
export async function eachEntry(executor: Executor, folder: string, visit: (entry: FolderEntry) => void): Promise<void> {
  for (const row of await executor.read(listStatement(folder))) {
    const name = String(row['name'] ?? String(row['path']).split('/').filter(Boolean).pop()).replace(/\/$/, '');
    if (isFolder(row)) visit({ name, folder: true });
    else visit({ name, folder: false, sizeBytes: Number(row['size']), modifiedAt: new Date(Number(row['modification_time'])) });
  }
}

/** Sizes and times as they are now: one LIST per folder of the files. */
export async function fileStats(executor: Executor, paths: readonly string[]): Promise<Map<string, FileStat | null>> {
  const out = new Map<string, FileStat | null>(paths.map((p) => [p, null]));
  for (const folder of new Set(paths.map(folderOf))) {
    await eachEntry(executor, folder, (entry) => {
      if (!entry.folder && out.has(folder + entry.name)) out.set(folder + entry.name, { sizeBytes: entry.sizeBytes ?? 0, modifiedAt: entry.modifiedAt ?? new Date(0) });
    });
  }
  return out;
}

/** Why LIST cannot read the folder (it does not exist, or the principal may not list it), judged by the error's class; any other error ends the run. */
export async function sourceProblem(executor: Executor, location: SourceLocation): Promise<string | null> {
  try {
    await executor.read(listStatement(location.physical));
    return null;
  } catch (error) {
    const reason = sourceFolderReason(error, location.physical);
    if (reason === null) throw error;
    return reason;
  }
}

/**
 * LIST returns directories too, with size 0 (and no trailing slash), so an entry of size 0 is
 * taken for a folder, not a file (an empty file has no rows to load either; DuckDB and Spark,
 * whose folders the hub reads, quarantine it): the loader's sight says so, and docs/bronze.md.
 */
function isFolder(row: Row): boolean {
  return Number(row['size']) === 0 || String(row['name'] ?? row['path']).endsWith('/');
}

import type { FileConfigRow } from './types.js';

/** A file found by listing, with what the tracker knows about it. */
export interface ListedFile {
  readonly config: FileConfigRow;
  /** The logical path, as configured (what `_source_file` and the tracker hold). */
  readonly path: string;
  /** What the engine opens. */
  readonly physical: string;
  readonly name: string;
  readonly sizeBytes: number;
  readonly modifiedAt: Date;
  /** yyyy-MM-dd: its date folder's day for a templated source path, else a date token in the name, else the modification time (UTC). */
  readonly fileDate: string;
  /** Size and modification time of its last SUCCESS load, if any, and when and by which run. */
  readonly loaded: { readonly sizeBytes: number | null; readonly modifiedAt: Date | null; readonly runId?: string | undefined; readonly at?: Date | null | undefined } | null;
  /** Its last check, when that QUARANTINED it (and it has not loaded since): as the file was then, the run, the reason. */
  readonly quarantined?: { readonly sizeBytes: number | null; readonly modifiedAt: Date | null; readonly runId: string; readonly reason: string; readonly at: Date | null } | null | undefined;
}

/** What became of one file of a load. */
export type FileOutcome = { readonly status: 'SUCCESS'; readonly rows: number } | { readonly status: 'QUARANTINED' | 'FAILED'; readonly rows: 0; readonly reason: string };

/** A file's folder (with its trailing slash). */
export function folderOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/') + 1);
}

/** Oldest file date first, then by path: the order a run lists, loads and defers files in. */
export function byFileDate(a: Pick<ListedFile, 'fileDate' | 'path'>, b: Pick<ListedFile, 'fileDate' | 'path'>): number {
  if (a.fileDate !== b.fileDate) return a.fileDate < b.fileDate ? -1 : 1;
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

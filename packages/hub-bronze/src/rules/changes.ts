import { sql, type Dialect, type Sql } from '@org/hub-core';
import type { ListedFile } from '../files.js';

/** Modification times within this of each other are the same time: listings report them at different precisions (seconds, milliseconds). */
export const SAME_TIME_MS = 1000;

/** Whether a file already loaded is not what was loaded: another size, or another modification time. Reported, never reloaded silently. */
export function changedSinceLoad(file: ListedFile): boolean {
  const loaded = file.loaded;
  if (!loaded) return false;
  // A file recorded by reconcile has no size or time to compare against.
  const sizeChanged = loaded.sizeBytes !== null && loaded.sizeBytes !== file.sizeBytes;
  const timeChanged = loaded.modifiedAt !== null && Math.abs(loaded.modifiedAt.getTime() - file.modifiedAt.getTime()) >= SAME_TIME_MS;
  return sizeChanged || timeChanged;
}

/**
 * Whether a file's last check QUARANTINED it and it is as it was then: the same size and the same
 * modification time to the millisecond (a fix written within the second, of the same size, is a
 * change; a time recorded at another precision only costs one check more). It is not checked
 * again (docs/bronze.md, Which files), unless the run retries quarantined files.
 */
export function stillQuarantined(file: ListedFile): boolean {
  const checked = file.quarantined;
  if (!checked || file.loaded) return false;
  return checked.sizeBytes === file.sizeBytes && checked.modifiedAt !== null && checked.modifiedAt.getTime() === file.modifiedAt.getTime();
}

/**
 * The same rule in the tracker lookup's SQL, so that only what the run acts on comes back: files
 * the tracker (`t`, its last SUCCESS load per file) does not hold, and loaded files that changed.
 */
export function newOrChangedSql(dialect: Dialect, listed: { readonly size: Sql; readonly modifiedAt: Sql }): Sql {
  return sql`t.file_path IS NULL OR (t.file_size IS NOT NULL AND t.file_size <> ${listed.size}) OR (t.modification_time IS NOT NULL AND abs(${dialect.epochMillis(listed.modifiedAt)} - ${dialect.epochMillis(sql.raw('t.modification_time'))}) >= ${sql.raw(String(SAME_TIME_MS))})`;
}

/** Whether a file is not as it was listed before its load (size or time), so the rows that landed may not be its content. */
export function changedDuringLoad(before: Pick<ListedFile, 'sizeBytes' | 'modifiedAt'>, after: Pick<ListedFile, 'sizeBytes' | 'modifiedAt'>): boolean {
  return after.sizeBytes !== before.sizeBytes || after.modifiedAt.getTime() !== before.modifiedAt.getTime();
}

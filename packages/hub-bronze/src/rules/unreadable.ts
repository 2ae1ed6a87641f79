import { open } from 'node:fs/promises';
import { EngineError } from '@org/hub-core';
import type { ListedFile } from '../files.js';
import { explainDelimited } from './csv-lines.js';
import { unreadableReason, type FileVerdicts } from './verdicts.js';

/**
 * A file the engine cannot read (removed or made unreadable after it was listed, a corrupt
 * parquet file) fails the whole statement that reads it. The rule, on every engine: the file the
 * failure names is set aside with its reason and the statement runs again without it, so
 * statements grow with bad files only; a failure that names no file is the table's failure.
 */
export async function withoutUnreadable<T>(
  files: () => readonly ListedFile[],
  verdicts: FileVerdicts,
  attempt: () => Promise<T>,
  identify: (error: unknown, files: readonly ListedFile[]) => Promise<ReadonlyMap<ListedFile, string>>,
): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      const unreadable = await identify(error, files());
      if (unreadable.size === 0) throw error;
      for (const [file, reason] of unreadable) verdicts.unreadable(file, reason);
    }
  }
}

/** The file an engine's error names: the longest path first, so `a.csv` is not taken for `a.csv.1`. */
export function fileNamedIn<T extends ListedFile>(error: unknown, files: readonly T[], spellings: (file: T) => readonly string[] = (f) => [f.physical]): T | undefined {
  const text = messageOf(error);
  return [...files].sort((a, b) => b.physical.length - a.physical.length).find((f) => spellings(f).some((s) => text.includes(s)));
}

/** The engine's own message, without the wrapper that names the statement. */
export function messageOf(error: unknown): string {
  return error instanceof EngineError && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
}

/** The first line of the engine's message. */
export function firstLineOf(error: unknown, max = Infinity): string {
  const text = messageOf(error);
  return (text.split('\n')[0] ?? text).trim().slice(0, max);
}

/** Spark's errors for a file it cannot read (removed after the listing, unreadable): only these lead to reading files one by one. */
export const FILE_READ_ERROR = /FileNotFound|FILE_NOT_EXIST|FAILED_READ_FILE|PATH_NOT_FOUND|Path does not exist|does not exist|Error while reading file|Permission denied|AccessDenied|Access Denied/i;

/**
 * Why a local file failed a scan: the hub's own words when it cannot open the file either (removed
 * after it was listed), else, for a delimited file, a quote never closed or mixed line endings that
 * the engine gave up on without a line, else the engine's words.
 */
export async function scanFailureReason(file: ListedFile, error: unknown): Promise<string> {
  const unopened = await open(file.physical, 'r').then(
    (handle) => handle.close().then(() => null),
    (cause: unknown) => (cause instanceof Error ? cause.message : String(cause)),
  );
  if (unopened !== null) return unreadableReason(unopened);
  const explained = file.config.fileFormat === 'delimited' ? await explainDelimited(file.physical, file.config.delimiter ?? ',').catch(() => null) : null;
  return explained ?? firstLineOf(error);
}

/**
 * `could not read the file: <why>`: where the hub reads the engine's files, its own words when it
 * cannot open the file either; otherwise the line of the engine's message that names the file,
 * without the job and exception class around it.
 */
export async function readFailureReason(file: ListedFile, message: string, readsLocalFiles: boolean): Promise<string> {
  if (readsLocalFiles) {
    const local = await open(file.physical, 'r').then(
      (handle) => handle.close().then(() => null),
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    if (local !== null) return unreadableReason(local);
  }
  const line = message.split('\n').find((l) => l.includes(file.physical)) ?? message.split('\n')[0] ?? message;
  const words = line.slice(line.lastIndexOf('Exception: ') >= 0 ? line.lastIndexOf('Exception: ') + 'Exception: '.length : 0).trim();
  return unreadableReason(words.slice(0, 300));
}

/**
 * Why a parquet file cannot be read. Where the hub reads the engine's files it looks itself: a
 * file it cannot open, the magic bytes (`PAR1`) at both ends, the footer's length; otherwise, or
 * when those are right, the engine's first line.
 */
export async function parquetFailureReason(file: ListedFile, message: string, readsLocalFiles: boolean): Promise<string> {
  const engineWords = `not a readable parquet file: ${(message.split('\n')[0] ?? message).slice(0, 300)}`;
  if (!readsLocalFiles) return engineWords;
  let handle;
  try {
    handle = await open(file.physical, 'r');
  } catch (error) {
    return unreadableReason(error instanceof Error ? error.message : String(error));
  }
  try {
    const size = (await handle.stat()).size;
    const head = Buffer.alloc(4);
    const tail = Buffer.alloc(8);
    await handle.read(head, 0, 4, 0);
    await handle.read(tail, 0, 8, Math.max(0, size - 8));
    if (size < 12 || tail.subarray(4).toString('latin1') !== 'PAR1') return 'not a readable parquet file: no magic bytes (PAR1) at the end of the file';
    if (head.toString('latin1') !== 'PAR1') return 'not a readable parquet file: no magic bytes (PAR1) at the start of the file';
    const footer = tail.readUInt32LE(0);
    if (footer > size - 12) return `not a readable parquet file: footer length error: the footer says ${footer} bytes, the file has ${size}`;
    return engineWords;
  } finally {
    await handle.close();
  }
}

/** A parquet file whose footer gave no schema (DuckDB's parquet_schema skipped it). */
export const NO_PARQUET_SCHEMA = 'not a parquet file: no schema could be read from its footer';

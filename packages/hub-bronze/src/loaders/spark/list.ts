import { readdir, stat } from 'node:fs/promises';
import { EngineError, sql, type Sql } from '@org/hub-core';
import type { Executor } from '../../executor.js';
import type { ListedFile } from '../../files.js';
import { newOrChangedSql } from '../../rules/changes.js';
import { DATE_TOKEN_PATTERN, fileDateOf } from '../../rules/file-dates.js';
import { sourceFolderReason } from '../../rules/source-folders.js';
import type { SourceLocation } from '../../source-roots.js';
import type { ListRequest } from '../loader.js';
import { listingReads, namesMatching, rowsToListedFiles, trackerSummary } from '../shared.js';

/** Spark's answer for a path or glob that matches nothing. */
const NOT_FOUND = /PATH_NOT_FOUND|Path does not exist/i;

/**
 * `binaryFile` lists without reading contents: one statement per source path, matched, dated,
 * windowed and anti-joined against the tracker, returning only what the run acts on.
 */
export function listStatement(executor: Executor, request: ListRequest): Sql {
  const { location, config, window, fileName } = request;
  const dialect = executor.engine.dialect;
  const filter = fileName ? sql`d.name = ${fileName}` : sql`d.file_date BETWEEN DATE ${sql.literal(window.begin)} AND DATE ${sql.literal(window.end)}`;
  return sql`WITH listing AS (
  SELECT url_decode(replace(_metadata.file_name, '+', '%2B')) AS name, length, modificationTime FROM binaryFile.${sql.column(dialect.escapeGlob(location.physical) + config.filePattern)}
), dated AS (
  SELECT name, length, modificationTime,
    COALESCE(
      CAST(try_to_timestamp(regexp_replace(regexp_extract(name, ${DATE_TOKEN_PATTERN}, 1), '[-_]', ''), 'yyyyMMdd') AS DATE),
      CAST(modificationTime AS DATE)) AS file_date
  FROM listing
)
SELECT concat(${location.logical}, d.name) AS path, concat(${location.physical}, d.name) AS physical, d.name, d.length AS size_bytes, d.modificationTime AS modified_at,
  date_format(d.file_date, 'yyyy-MM-dd') AS file_date, t.file_path IS NOT NULL AS loaded, t.file_size AS loaded_size, t.modification_time AS loaded_modified_at
FROM dated AS d
LEFT JOIN (${trackerSummary(request.tracker, request.destTable)}) AS t ON t.file_path = concat(${location.logical}, d.name)
WHERE ${filter}${request.force ? sql.empty : sql` AND (${newOrChangedSql(dialect, { size: sql.raw('d.length'), modifiedAt: sql.raw('d.modificationTime') })})`}
ORDER BY d.file_date, d.name`;
}

export async function listFiles(executor: Executor, request: ListRequest): Promise<ListedFile[]> {
  let listed: ListedFile[];
  try {
    listed = rowsToListedFiles(await executor.read(...listingReads((r) => listStatement(executor, r), request)), request.config);
  } catch (error) {
    // binaryFile fails on a glob that matches nothing: that is an empty listing.
    if (!(error instanceof EngineError && NOT_FOUND.test(error.message))) throw error;
    listed = [];
  }
  const empty = await emptyFiles(executor, request);
  if (empty.length === 0) return listed;
  return [...listed, ...empty].sort((a, b) => (a.fileDate === b.fileDate ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.fileDate < b.fileDate ? -1 : 1));
}

/**
 * Spark's file scans skip zero-byte files, so `binaryFile` never lists them. Where the hub reads the
 * engine's files it finds them itself, so the rules see them (an empty file is set aside with its
 * reason, never skipped without a word). It never holds rows, so it is never "loaded".
 */
async function emptyFiles(executor: Executor, request: ListRequest): Promise<ListedFile[]> {
  if (!executor.engine.capabilities.localFilesOnly) return [];
  const { location, config, window, fileName } = request;
  const entries = await readdir(location.physical, { withFileTypes: true }).catch(() => []);
  const isMatch = namesMatching(config.filePattern);
  const found: ListedFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !isMatch(entry.name)) continue;
    const info = await stat(location.physical + entry.name).catch(() => null);
    if (!info || info.size !== 0) continue;
    const fileDate = fileDateOf(entry.name, info.mtime);
    if (fileName ? entry.name !== fileName : fileDate < window.begin || fileDate > window.end) continue;
    found.push({ config, path: location.logical + entry.name, physical: location.physical + entry.name, name: entry.name, sizeBytes: 0, modifiedAt: info.mtime, fileDate, loaded: null });
  }
  return found;
}

export async function sourceProblem(executor: Executor, location: SourceLocation): Promise<string | null> {
  // The folder itself, not the pattern: binaryFile fails the same way on a missing folder and on a glob that matches nothing.
  try {
    await executor.read(sql`SELECT path FROM binaryFile.${sql.column(executor.engine.dialect.escapeGlob(location.physical))} LIMIT 1`);
    return null;
  } catch (error) {
    const reason = sourceFolderReason(error, location.physical);
    if (reason === null) throw error;
    return reason;
  }
}

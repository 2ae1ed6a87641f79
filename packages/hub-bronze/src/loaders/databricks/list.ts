import { sql, type Row, type Sql } from '@org/hub-core';
import type { Executor } from '../../executor.js';
import type { ListedFile } from '../../files.js';
import { fileDateOf } from '../../rules/file-dates.js';
import { sourceFolderReason } from '../../rules/source-folders.js';
import type { SourceLocation } from '../../source-roots.js';
import type { ListRequest } from '../loader.js';
import { namesMatching, pathRows, trackerSummary } from '../shared.js';

/** `LIST` sees files without reading them; it takes a string literal path, not a parameter marker. */
export function listStatement(location: SourceLocation): Sql {
  return sql`LIST ${sql.literal(location.physical)}`;
}

/** LIST, then the pattern, the dates and the window in the hub, then one tracker lookup for the listed paths, bound as one JSON value. */
export async function listFiles(executor: Executor, request: ListRequest): Promise<ListedFile[]> {
  const listed = await executor.read(listStatement(request.location));
  const isMatch = namesMatching(request.config.filePattern);
  const candidates = listed
    .filter(isFile)
    .map((row) => toListing(row, request))
    .filter((f) => isMatch(f.name))
    .filter((f) => (request.fileName ? f.name === request.fileName : f.fileDate >= request.window.begin && f.fileDate <= request.window.end));
  if (candidates.length === 0 || request.tracker === null) return candidates;
  const loaded = await executor.read(
    sql`SELECT t.file_path, t.file_size, t.modification_time FROM (${pathRows(executor.engine, candidates.map((c) => c.path))}) AS c JOIN (${trackerSummary(request.tracker, request.destTable)}) AS t ON t.file_path = c.file_path`,
    // A plan on a fresh warehouse has no tracker yet: every file is new, as the run's empty tracker says.
    { ifAbsent: [] },
  );
  const byPath = new Map(loaded.map((r) => [String(r['file_path']), r]));
  return candidates.map((c) => {
    const hit = byPath.get(c.path);
    return hit ? { ...c, loaded: { sizeBytes: hit['file_size'] == null ? null : Number(hit['file_size']), modifiedAt: hit['modification_time'] instanceof Date ? hit['modification_time'] : null } } : c;
  });
}

/** Why LIST cannot read the folder (it does not exist, or the principal may not list it), judged by the error's class; any other error ends the run. */
export async function sourceProblem(executor: Executor, location: SourceLocation): Promise<string | null> {
  try {
    await executor.read(listStatement(location));
    return null;
  } catch (error) {
    const reason = sourceFolderReason(error, location.physical);
    if (reason === null) throw error;
    return reason;
  }
}

/**
 * LIST returns directories too, with size 0 and no trailing slash, so an entry of size 0 is not
 * taken for a file (an empty file has no rows to load either; DuckDB and Spark, whose folders the
 * hub reads, quarantine it): the loader's sight says so, and docs/bronze.md.
 */
function isFile(row: Row): boolean {
  return Number(row['size']) > 0 && !String(row['name'] ?? row['path']).endsWith('/');
}

function toListing(row: Row, request: ListRequest): ListedFile {
  const name = String(row['name'] ?? String(row['path']).split('/').pop());
  const modifiedAt = new Date(Number(row['modification_time']));
  return {
    config: request.config,
    // One canonical path: the configured folder plus the name, whatever scheme the warehouse reports (dbfs:/Volumes/... for /Volumes/...).
    path: request.location.logical + name,
    physical: request.location.physical + name,
    name,
    sizeBytes: Number(row['size']),
    modifiedAt,
    fileDate: fileDateOf(name, modifiedAt),
    loaded: null,
  };
}

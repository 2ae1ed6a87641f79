import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { sql, type Sql } from '@org/hub-core';
import type { Executor } from '../../executor.js';
import type { ListedFile } from '../../files.js';
import { newOrChangedSql } from '../../rules/changes.js';
import { DATE_TOKEN_PATTERN } from '../../rules/file-dates.js';
import type { ListRequest } from '../loader.js';
import { listingReads, rowsToListedFiles, trackerSummary } from '../shared.js';

/**
 * `read_blob` lists without reading. One statement per source path: matched, joined to the
 * tracker, dated and windowed; only what the run acts on comes back (new files, loaded ones
 * changed on disk, or all when forced).
 */
export function listStatement(executor: Executor, request: ListRequest): Sql {
  const { location, config, window, fileName } = request;
  const dialect = executor.engine.dialect;
  const filter = fileName ? sql`name = ${fileName}` : sql`file_date BETWEEN CAST(${window.begin} AS DATE) AND CAST(${window.end} AS DATE)`;
  const wanted = request.force ? sql`TRUE` : newOrChangedSql(dialect, { size: sql.raw('d.size'), modifiedAt: sql.raw('d.last_modified') });
  // The tracker key without a regexp per file when the engine returns paths under the folder as given.
  const path = sql`CASE WHEN starts_with(d.filename, ${location.physical}) THEN ${location.logical} || substr(d.filename, length(${location.physical}) + 1) ELSE ${location.logical} || regexp_extract(d.filename, '[^/]+$', 0) END`;
  // Joined first, dated after: the name's date is worked out only for the files that come back.
  return sql`WITH wanted AS (
  SELECT ${path} AS path, d.filename AS physical, d.size, d.last_modified,
    t.file_path IS NOT NULL AS loaded, t.file_size AS loaded_size, t.modification_time AS loaded_modified_at
  FROM read_blob(${dialect.escapeGlob(location.physical) + config.filePattern}) AS d
  LEFT JOIN (${trackerSummary(request.tracker, request.destTable)}) AS t ON t.file_path = ${path}
  WHERE ${wanted}
), named AS (
  SELECT *, regexp_extract(physical, '[^/]+$', 0) AS name FROM wanted
), dated AS (
  SELECT *, COALESCE(
      CAST(try_strptime(replace(replace(regexp_extract(name, ${DATE_TOKEN_PATTERN}, 1), '-', ''), '_', ''), '%Y%m%d') AS DATE),
      CAST(timezone('UTC', last_modified) AS DATE)) AS file_date
  FROM named
)
SELECT path, physical, name, size AS size_bytes, last_modified AS modified_at, strftime(file_date, '%Y-%m-%d') AS file_date, loaded, loaded_size, loaded_modified_at
FROM dated
WHERE ${filter}
ORDER BY file_date, name`;
}

export async function listFiles(executor: Executor, request: ListRequest): Promise<ListedFile[]> {
  const rows = await executor.read(...listingReads((r) => listStatement(executor, r), request));
  return rowsToListedFiles(rows, request.config);
}

/** Why a local source folder cannot be listed, in words a spoke team can act on; null when it can. */
export async function sourceProblem(folder: string): Promise<string | null> {
  try {
    if (!(await stat(folder)).isDirectory()) return `the source path ${folder} is a file, not a folder`;
    await access(folder, constants.R_OK | constants.X_OK);
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `the source folder ${folder} does not exist`;
    return `the source folder ${folder} cannot be read (${code ?? String(error)})`;
  }
}

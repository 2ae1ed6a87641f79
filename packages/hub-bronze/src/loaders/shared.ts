import { createRequire } from 'node:module';
import type Picomatch from 'picomatch';
import { sql, type Engine, type Sql } from '@org/hub-core';

/** File paths as a query with one column, `file_path`, bound as one JSON array whatever their number. */
export function pathRows(engine: Engine, paths: readonly string[]): Sql {
  return engine.dialect.jsonRows([{ name: 'file_path', type: 'string' }], paths.map((p) => [p]));
}

/** Removes the rows of these files (a forced reload): a MERGE joined to the paths, as Delta takes no subquery in a DELETE's condition. */
export function deleteFilesStatement(engine: Engine, target: Sql, paths: readonly string[]): Sql {
  return sql`MERGE INTO ${target} AS b
USING (SELECT DISTINCT file_path FROM (${pathRows(engine, paths)}) AS p) AS s
ON b._source_file = s.file_path
WHEN MATCHED THEN DELETE`;
}

/** Removes one batch's rows of these files (files that changed while that batch loaded them). */
export function deleteBatchFilesStatement(engine: Engine, target: Sql, paths: readonly string[], batchId: string): Sql {
  return sql`MERGE INTO ${target} AS b
USING (SELECT DISTINCT file_path FROM (${pathRows(engine, paths)}) AS p) AS s
ON b._source_file = s.file_path AND b._batch_id = ${batchId}
WHEN MATCHED THEN DELETE`;
}

/** picomatch loads when a load first matches names itself, not at every CLI start. */
let picomatchModule: typeof Picomatch | undefined;

/** Whether a file name matches a config row's pattern, as the engines' globs do (`*` also matches a leading dot). */
export function namesMatching(pattern: string): (name: string) => boolean {
  return (picomatchModule ??= createRequire(import.meta.url)('picomatch') as typeof Picomatch)(pattern, { dot: true });
}

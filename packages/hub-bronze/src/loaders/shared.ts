import { createRequire } from 'node:module';
import type Picomatch from 'picomatch';
import { sql, type Engine, type Sql } from '@org/hub-core';

/**
 * Bronze tables on Delta map columns by name (`delta.columnMapping.mode = name`), so a header's
 * text is the column's name on every engine: without it Delta refuses any of ` ,;{}()\n\t=` in a
 * name (DELTA_INVALID_CHARACTERS_IN_COLUMN_NAMES). Delta upgrades the table's protocol to what
 * the mode needs (reader 2, writer 5 or table features): docs/engines.md says what readers need.
 */
export const COLUMN_MAPPING = sql.raw(`TBLPROPERTIES ('delta.columnMapping.mode' = 'name')`);

/** The characters Delta refuses in a column name of a table without column mapping. */
const DELTA_UNMAPPED_CHARACTERS = /[ ,;{}()\n\t=]/;

/** Whether a column name can only be held by a Delta table with column mapping. */
export function needsColumnMapping(name: string): boolean {
  return DELTA_UNMAPPED_CHARACTERS.test(name);
}

/**
 * A table an older hub created without column mapping gets it before a column only it can hold
 * (Delta upgrades the protocol; setting the mode again on a mapped table changes nothing).
 */
export function enableColumnMapping(target: Sql): Sql {
  return sql`ALTER TABLE ${target} SET ${COLUMN_MAPPING}`;
}


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

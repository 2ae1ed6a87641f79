import { sql, type Sql } from '@org/hub-core';
import type { Executor } from '../../executor.js';
import type { ListedFile } from '../../files.js';
import type { FileVerdicts } from '../../rules/verdicts.js';
import type { LoadRequest, PreparedLoad } from '../loader.js';
import { COLUMN_MAPPING, deleteBatchFilesStatement, deleteFilesStatement, enableColumnMapping, needsColumnMapping } from '../shared.js';
import { FILE_NAME, formatOptions, type CheckedGroup, type Group } from './scan.js';

interface DatabricksLoad {
  readonly request: LoadRequest;
  readonly checked: readonly CheckedGroup[];
  readonly verdicts: FileVerdicts;
}

/**
 * The bronze table is created with the lineage columns (so a table whose first load landed
 * nothing can still be reconciled; COPY INTO's mergeSchema adds the files' columns), a forced
 * reload removes the files' earlier rows, then one `COPY INTO ... FILES = (...)` per group with
 * `force`: the tracker, not COPY INTO's load history, decides what is loaded. Rows per file are
 * counted from what landed; a file that did not land whole is failed and its rows removed.
 */
export function databricksLoad(load: DatabricksLoad): PreparedLoad {
  const { request, verdicts } = load;
  return {
    files: load.checked.flatMap((c) => c.group.files),
    async apply(executor) {
      const { dialect } = executor.engine;
      const target = dialect.table(request.table);
      await executor.write(sql`CREATE SCHEMA IF NOT EXISTS ${dialect.schema(request.table.catalog, request.table.schema)}`, { idempotent: true });
      await executor.write(sql`CREATE TABLE IF NOT EXISTS ${target} (_source_file STRING, _batch_id STRING, _ingested_at TIMESTAMP) USING DELTA ${COLUMN_MAPPING}`, { idempotent: true });
      // COPY INTO's mergeSchema adds the headers' columns: a table an older hub made without column mapping gets it first when a new one needs it.
      if (request.tableColumns.size > 0 && newColumns(load.checked, request.tableColumns).some(needsColumnMapping)) await executor.write(enableColumnMapping(target), { idempotent: true });
      if (request.replacePaths.length > 0) await executor.write(deleteFilesStatement(executor.engine, target, request.replacePaths), { idempotent: true });
      const read = new Map<ListedFile, number>();
      for (const { group, read: counted } of load.checked) {
        await executor.write(copyStatement(executor, request, group));
        for (const file of group.files) read.set(file, counted.get(file.name) ?? 0);
      }
      if (read.size === 0) return;
      // Rows per file from what landed in this run, not from the check: a file that did not land whole is not recorded as loaded.
      const landed = await executor.check(
        sql`SELECT _source_file AS path, COUNT(*) AS n FROM ${target} WHERE _batch_id = ${request.runId} GROUP BY _source_file`,
        [...read].map(([file, n]) => ({ path: file.path, n })),
      );
      const byPath = new Map(landed.map((r) => [String(r['path']), Number(r['n'])]));
      const short = [...read].filter(([file, n]) => !verdicts.landed(file, byPath.get(file.path) ?? 0, n)).map(([file]) => file.path);
      if (short.length > 0) await executor.write(deleteBatchFilesStatement(executor.engine, target, short, request.runId), { idempotent: true });
    },
  };
}

function copyStatement(executor: Executor, request: LoadRequest, group: Group): Sql {
  const { fileFormat, options } = formatOptions(group.config, group.ending);
  const renderOptions = (pairs: [string, string][]) => sql.join(pairs.map(([k, v]) => sql`${sql.literal(k)} = ${sql.literal(v)}`));
  // The tracker decides what is loaded: COPY INTO's own history would skip a file it loaded before, even one whose rows were removed since.
  return sql`COPY INTO ${executor.engine.dialect.table(request.table)}
FROM (SELECT *, concat(${sql.literal(group.logicalDirectory)}, ${FILE_NAME}) AS _source_file, ${sql.literal(request.runId)} AS _batch_id, ${sql.literal(request.ingestedAt)} AS _ingested_at FROM ${sql.literal(group.directory)})
FILEFORMAT = ${sql.raw(fileFormat)}
FILES = (${sql.join(group.files.map((f) => sql.literal(f.name)))})
FORMAT_OPTIONS (${renderOptions(options)})
COPY_OPTIONS (${renderOptions([['mergeSchema', 'true'], ['force', 'true']])})`;
}

/** The delimited headers' names the table does not have yet (parquet columns are not known before COPY INTO reads the files). */
function newColumns(checked: readonly CheckedGroup[], tableColumns: ReadonlyMap<string, string>): string[] {
  return checked.flatMap((c) => c.group.columns ?? []).filter((name) => !tableColumns.has(name.toLowerCase()));
}

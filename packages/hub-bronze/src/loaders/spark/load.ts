import { sql, type Sql } from '@org/hub-core';
import type { Executor } from '../../executor.js';
import { LINEAGE_COLUMNS, type LoadRequest, type PreparedLoad } from '../loader.js';
import { COLUMN_MAPPING, deleteFilesStatement, enableColumnMapping, needsColumnMapping } from '../shared.js';
import { FILE_NAME, unreadableFiles, type Group, type StagedGroup } from './scan.js';
import { withoutUnreadable } from '../../rules/unreadable.js';
import type { FileVerdicts } from '../../rules/verdicts.js';

interface SparkLoad {
  readonly request: LoadRequest;
  readonly staged: readonly StagedGroup[];
  readonly verdicts: FileVerdicts;
  /** A group's reads again, after its INSERT failed on a file the engine could not read. */
  readonly restage: (group: Group, tableColumns: ReadonlyMap<string, string>) => Promise<StagedGroup | null>;
}

/** What one group's columns do to the table: create it (none yet), or add the columns it lacks; and the columns after. */
export function widen(tableColumns: ReadonlyMap<string, string>, columns: ReadonlyMap<string, string>): { create: boolean; added: [string, string][]; columns: Map<string, string> } {
  const create = tableColumns.size === 0;
  const added = create ? [...columns] : [...columns].filter(([name]) => !tableColumns.has(name.toLowerCase()));
  const lineage: [string, string][] = create ? LINEAGE_COLUMNS.map((c) => [c, c === '_ingested_at' ? 'timestamp' : 'string']) : [];
  return { create, added, columns: new Map([...tableColumns, ...added.map(([n, t]) => [n.toLowerCase(), t] as [string, string]), ...lineage]) };
}

/**
 * Per group, in the order they were read: create or widen the table, then one `INSERT ... BY
 * NAME` from the group's view (a Delta commit: all of its rows or none), leaving out the files the
 * rules set aside. A forced reload first removes the files' earlier rows. An INSERT that fails on
 * a file the engine cannot read sets it aside; the group's reads and INSERT run again without it.
 */
export function sparkLoad(load: SparkLoad): PreparedLoad {
  const { request, verdicts } = load;
  return {
    files: load.staged.flatMap((s) => verdicts.pending(s.group.files)),
    async apply(executor) {
      const { dialect } = executor.engine;
      const target = dialect.table(request.table);
      if (request.replacePaths.length > 0 && request.tableColumns.size > 0) await executor.write(deleteFilesStatement(executor.engine, target, request.replacePaths));
      let columns: ReadonlyMap<string, string> = request.tableColumns;
      for (const first of load.staged) {
        let staged: StagedGroup | null = first;
        await withoutUnreadable(
          () => verdicts.pending(first.group.files),
          verdicts,
          async () => {
            // After a failed INSERT: the group's reads again, without the file set aside.
            staged ??= await load.restage(first.group, columns);
            if (staged !== null) columns = await writeGroup(executor, load, staged, columns);
          },
          async (error, files) => {
            staged = null;
            return unreadableFiles(executor, error, first.group, files);
          },
        );
      }
    },
  };
}

async function writeGroup(executor: Executor, load: SparkLoad, staged: StagedGroup, tableColumns: ReadonlyMap<string, string>): Promise<ReadonlyMap<string, string>> {
  const { request, verdicts } = load;
  const { dialect } = executor.engine;
  const target = dialect.table(request.table);
  const widened = widen(tableColumns, staged.columns);
  const typed = (columns: readonly [string, string][]) => sql.join(columns.map(([name, type]) => sql`${sql.column(name)} ${dialect.columnType(type)}`));
  if (widened.create) {
    await executor.write(sql`CREATE SCHEMA IF NOT EXISTS ${dialect.schema(request.table.catalog, request.table.schema)}`, { idempotent: true });
    await executor.write(sql`CREATE TABLE IF NOT EXISTS ${target} (${typed(widened.added)}, _source_file STRING, _batch_id STRING, _ingested_at TIMESTAMP) USING DELTA ${COLUMN_MAPPING}`, { idempotent: true });
  } else if (widened.added.length > 0) {
    if (widened.added.some(([name]) => needsColumnMapping(name))) await executor.write(enableColumnMapping(target), { idempotent: true });
    await executor.write(sql`ALTER TABLE ${target} ADD COLUMNS (${typed(widened.added)})`);
  }
  const good = verdicts.pending(staged.group.files);
  if (good.length === 0) return widened.columns;
  // Every file the view reads but that did not pass is excluded, whichever rule set it aside.
  const excluded = staged.read.filter((f) => verdicts.decided(f)).map((f) => f.name);
  await executor.write(insertStatement(target, request, staged, excluded));
  for (const file of good) verdicts.loaded(file, staged.rows.get(file.path) ?? 0);
  return widened.columns;
}

function insertStatement(target: Sql, request: LoadRequest, staged: StagedGroup, excluded: readonly string[]): Sql {
  const columns = [...staged.columns.keys()];
  const select = columns.length > 0 ? sql.join(columns.map((c) => sql.column(c))) : sql`*`;
  const where = excluded.length > 0 ? sql` WHERE ${FILE_NAME} NOT IN (${sql.join(excluded.map((n) => sql`${n}`))})` : sql.empty;
  return sql`INSERT INTO ${target} BY NAME SELECT ${select}, concat(${staged.group.logicalDirectory}, ${FILE_NAME}) AS _source_file, ${request.runId} AS _batch_id, ${request.ingestedAt} AS _ingested_at FROM ${staged.group.view}${where}`;
}

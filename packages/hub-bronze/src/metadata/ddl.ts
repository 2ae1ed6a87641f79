import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HubError, sql, type Engine, type Sql } from '@org/hub-core';
import { executorOf, type Executor } from '../executor.js';

export const METADATA_SCHEMA = 'bronze_metadata';
const CREATE_RACE = /already exists|DELTA_CREATE_TABLE_WITH_NON_EMPTY_LOCATION|DELTA_CONCURRENT|Concurrent/i;

// quality_results is here, not in a step of hub-quality's own: `ddl apply` then makes every table a spoke writes, including
// the one its bundle's SQL quality task inserts into without Node.
export const DDL_FILES = ['file_config.sql', 'load_tracker.sql', 'load_lease.sql', 'quality_results.sql'] as const;

/** A column a release added to a metadata table: nullable, last, in the DDL files and here (docs/releasing.md). */
export interface ColumnMigration {
  readonly table: 'file_config' | 'load_tracker' | 'load_lease';
  readonly column: string;
  readonly type: 'string';
}

/**
 * `CREATE TABLE IF NOT EXISTS` leaves a table an older hub created as it was: these columns are
 * added to such tables, in order. Append only; each entry's column is also in ddl/<dialect>/.
 */
export const COLUMN_MIGRATIONS: readonly ColumnMigration[] = [
  { table: 'load_tracker', column: 'hub_version', type: 'string' },
  { table: 'load_lease', column: 'holder', type: 'string' },
];

/** The ddl/ folder: shipped beside the published package, or at the workspace root. */
export function ddlDirectory(): string {
  const override = process.env['DELTALAKE_HUB_DDL_DIR'];
  if (override) return resolve(override);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    for (const candidate of [join(dir, 'ddl'), join(dir, 'node_modules', '@org', 'deltalake-hub', 'ddl')]) {
      if (existsSync(join(candidate, 'delta', 'file_config.sql'))) return candidate;
    }
    dir = dirname(dir);
  }
  throw new HubError('ENGINE_ERROR', 'cannot find the ddl/ folder; set DELTALAKE_HUB_DDL_DIR to its path');
}

/** Renders `{catalog}.schema.table` and `{catalog}.schema` through the dialect (Spark maps them onto one catalog). */
export function renderCatalogReferences(text: string, catalog: string, engine: Engine): string {
  return text
    .replace(/\{catalog\}\.([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)/g, (_m, schema: string, table: string) =>
      engine.dialect.tableName(catalog, schema, table),
    )
    .replace(/\{catalog\}\.([A-Za-z_][A-Za-z0-9_]*)/g, (_m, schema: string) => engine.dialect.schemaName(catalog, schema));
}

export type DdlFile = (typeof DDL_FILES)[number];

/** The statements that create the metadata schema and tables (or only `files`), as the engine will run them. */
export function ddlStatements(engine: Engine, catalog: string, files: readonly DdlFile[] = DDL_FILES): string[] {
  const folder = join(ddlDirectory(), engine.name === 'duckdb' ? 'duckdb' : 'delta');
  const statements = [`CREATE SCHEMA IF NOT EXISTS ${engine.dialect.schemaName(catalog, METADATA_SCHEMA)}`];
  for (const file of files) {
    const text = readFileSync(join(folder, file), 'utf8')
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('--'))
      .join('\n')
      .trim()
      .replace(/;\s*$/, '');
    statements.push(renderCatalogReferences(text, catalog, engine));
  }
  return statements;
}

/** Creates `{catalog}.bronze_metadata` and its tables (or only `files`), and migrates older ones; safe to run any number of times. */
export async function applyDdl(engine: Engine, catalog: string, files: readonly DdlFile[] = DDL_FILES): Promise<string[]> {
  return applyMetadataDdl(executorOf(engine), catalog, files);
}

/** `applyDdl` as a run issues it: a plan shows the statements (and reads what is there). */
export async function applyMetadataDdl(executor: Executor, catalog: string, files: readonly DdlFile[] = DDL_FILES): Promise<string[]> {
  await executor.engine.prepareCatalogs([catalog]);
  const statements = ddlStatements(executor.engine, catalog, files);
  for (const statement of statements) {
    for (let attempt = 1; ; attempt++) {
      try {
        await executor.write(sql.raw(statement), { idempotent: true });
        break;
      } catch (error) {
        // Two runs creating the same table at once can both pass IF NOT EXISTS; the loser retries and then sees the table.
        if (!(error instanceof Error && CREATE_RACE.test(error.message)) || attempt >= 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }
  return [...statements, ...(await migrateColumns(executor, catalog, files))];
}

/** Adds the COLUMN_MIGRATIONS columns a table lacks: one DESCRIBE per migrated table, an ALTER only when one is missing. */
async function migrateColumns(executor: Executor, catalog: string, files: readonly DdlFile[]): Promise<string[]> {
  const { engine } = executor;
  const applied: string[] = [];
  // Only tables this call created or may have found: `ddl apply` of some files leaves the others alone.
  for (const table of new Set(COLUMN_MIGRATIONS.filter((m) => files.includes(`${m.table}.sql`)).map((m) => m.table))) {
    const name = metadataTable(engine, catalog, table);
    // Where the CREATE above has not made the table yet (a plan on a fresh warehouse), it is as the DDL makes it: every column.
    const asCreated = COLUMN_MIGRATIONS.filter((m) => m.table === table).map((m) => ({ column_name: m.column }));
    const present = await columnNames(executor, name, asCreated);
    for (const migration of COLUMN_MIGRATIONS.filter((m) => m.table === table && !present.has(m.column))) {
      const alter = sql`ALTER TABLE ${name} ADD COLUMN ${sql.id(migration.column)} ${sql.raw(engine.dialect.types[migration.type])}`;
      try {
        await executor.write(alter, { idempotent: true });
      } catch (error) {
        // Another run may have added it between our DESCRIBE and ALTER ("already exists", or a Delta commit conflict): then the table is as wanted.
        if (!(await columnNames(executor, name)).has(migration.column)) throw error;
      }
      applied.push(engine.compile(alter).sql);
    }
  }
  return applied;
}

/** A table's column names, lower case. DuckDB's DESCRIBE calls them column_name; Spark's and Databricks' col_name. */
async function columnNames(executor: Executor, table: Sql, ifAbsent?: readonly Record<string, unknown>[]): Promise<Set<string>> {
  const rows = await executor.read(sql`DESCRIBE ${table}`, ifAbsent ? { ifAbsent } : {});
  return new Set(rows.map((row) => String(row['column_name'] ?? row['col_name']).toLowerCase()));
}

export function metadataTable(engine: Engine, catalog: string, table: 'file_config' | 'load_tracker' | 'load_lease' | 'quality_results') {
  return sql.raw(engine.dialect.tableName(catalog, METADATA_SCHEMA, table));
}

import { EngineError, sql, type EngineName, type Row, type Sql } from '@org/hub-core';

export interface TableColumn {
  readonly name: string;
  readonly type: string;
}

export type JsonColumnType = 'string' | 'bigint' | 'boolean';

/**
 * Where the quality SQL differs between engines, as data: the checks themselves are written once
 * (kinds.ts) and call these. Spark and Databricks share one entry: Databricks binds what Spark
 * inlines, and the dialect already does that.
 */
export interface QualitySql {
  /** True when `value` contains a match of `pattern` (RE2 on DuckDB, java.util.regex on Spark). */
  matches(value: Sql, pattern: Sql): Sql;
  /** True when `value` is one of the strings of a JSON array bound as one value. */
  inList(value: Sql, json: Sql): Sql;
  /** Every match of `pattern` replaced (DuckDB replaces the first one unless told 'g'). */
  replaceAll(value: Sql, pattern: Sql, replacement: Sql): Sql;
  /** The statement that lists a table's columns, and how to read its rows. */
  describe(table: Sql): Sql;
  readColumns(rows: readonly Row[]): TableColumn[];
  readonly stringArrayType: string;
  /** The array of the items that are not NULL. */
  compact(items: readonly Sql[]): Sql;
  /** In a select list: one row per element of the array. */
  explode(array: Sql): Sql;
  /** The rows of a JSON array bound as one value, as a SELECT with these columns (one parameter, whatever the rows). */
  jsonRows(json: Sql, columns: readonly (readonly [string, JsonColumnType])[]): Sql;
  /** What follows `CREATE TABLE name` before `AS SELECT`. */
  readonly tableFormat: string;
  /** Statements adding columns to an existing table. */
  addColumns(table: Sql, columns: readonly TableColumn[]): Sql[];
}

const duckdb: QualitySql = {
  matches: (value, pattern) => sql`regexp_matches(${value}, ${pattern})`,
  inList: (value, json) => sql`list_contains(from_json(CAST(${json} AS JSON), '["VARCHAR"]'), ${value})`,
  replaceAll: (value, pattern, replacement) => sql`regexp_replace(${value}, ${pattern}, ${replacement}, 'g')`,
  describe: (table) => sql`DESCRIBE ${table}`,
  readColumns: (rows) => rows.map((r) => ({ name: String(r['column_name']), type: String(r['column_type']) })),
  stringArrayType: 'VARCHAR[]',
  compact: (items) => sql`list_filter([${sql.join(items)}], lambda x: x IS NOT NULL)`,
  explode: (array) => sql`unnest(${array})`,
  jsonRows: (json, columns) => {
    const spec = JSON.stringify([Object.fromEntries(columns.map(([name, type]) => [name, { string: 'VARCHAR', bigint: 'BIGINT', boolean: 'BOOLEAN' }[type]]))]);
    return sql`SELECT unnest(from_json(CAST(${json} AS JSON), ${sql.raw(`'${spec}'`)}), recursive := true)`;
  },
  tableFormat: '',
  addColumns: (table, columns) => columns.map((c) => sql`ALTER TABLE ${table} ADD COLUMN ${sql.column(c.name)} ${sql.raw(safeType(c.type))}`),
};

const spark: QualitySql = {
  matches: (value, pattern) => sql`(${value} RLIKE ${pattern})`,
  inList: (value, json) => sql`array_contains(from_json(${json}, 'ARRAY<STRING>'), ${value})`,
  replaceAll: (value, pattern, replacement) => sql`regexp_replace(${value}, ${pattern}, ${replacement})`,
  describe: (table) => sql`DESCRIBE TABLE ${table}`,
  readColumns: (rows) => {
    const columns: TableColumn[] = [];
    // Partition and detail sections follow an empty or '#' row.
    for (const r of rows) {
      const name = String(r['col_name'] ?? '');
      if (!name || name.startsWith('#')) break;
      columns.push({ name, type: String(r['data_type']) });
    }
    return columns;
  },
  stringArrayType: 'ARRAY<STRING>',
  compact: (items) => sql`array_compact(array(${sql.join(items)}))`,
  explode: (array) => sql`explode(${array})`,
  jsonRows: (json, columns) => {
    const spec = `ARRAY<STRUCT<${columns.map(([name, type]) => `${name}: ${type.toUpperCase()}`).join(', ')}>>`;
    return sql`SELECT inline(from_json(${json}, ${sql.raw(`'${spec}'`)}))`;
  },
  tableFormat: ' USING DELTA',
  addColumns: (table, columns) =>
    columns.length === 0 ? [] : [sql`ALTER TABLE ${table} ADD COLUMNS (${sql.join(columns.map((c) => sql`${sql.column(c.name)} ${sql.raw(safeType(c.type))}`))})`],
};

const QUALITY_SQL: Record<EngineName, QualitySql> = { duckdb, spark, databricks: spark };

export function qualitySql(engine: EngineName): QualitySql {
  return QUALITY_SQL[engine];
}

/** A DESCRIBE of a table (or schema, or catalog) that does not exist. */
export function isMissingTable(error: unknown): boolean {
  return error instanceof EngineError && /TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND|does not exist|not found/i.test(error.message);
}

/** Column types come back from the engine; they go into DDL only when they look like types. */
function safeType(type: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_ (),<>:[\]]*$/.test(type)) throw new Error(`unexpected column type from the engine: ${type}`);
  return type;
}

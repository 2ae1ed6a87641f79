import { HubError } from '../../errors.js';
import { Dialect, assertFiniteNumber, type DialectTypes, type EngineName, type JsonColumn } from '../dialect.js';
import { sql, type Sql, type SqlValue } from '../sql.js';

/** OSS Spark's only catalog: the session catalog, which Delta's DeltaCatalog extends. */
export const SPARK_CATALOG = 'spark_catalog';
/** Joins the hub's catalog and schema into one Spark database name. */
export const NAMESPACE_SEPARATOR = '__';

/**
 * Spark SQL with Delta Lake. Databricks extends this and overrides only what OSS Spark lacks,
 * so nearly every statement Databricks runs is exercised on real Spark.
 *
 * Catalog mapping: OSS Spark has one catalog, so the hub's `{catalog}.{schema}.{table}` becomes
 * `spark_catalog`.`{catalog}__{schema}`.`{table}` (database = catalog + '__' + schema).
 * Only `tableName` and `schemaName` apply it; `sql.id(...)` stays plain quoting.
 * A subclass with real catalogs (Databricks) overrides `namespace` (or tableName/schemaName).
 */
export class SparkDialect extends Dialect {
  readonly name: EngineName = 'spark';
  readonly types: DialectTypes = { string: 'STRING', bigint: 'BIGINT', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP', date: 'DATE' };
  protected readonly quoteChar = '`';

  /** OSS Spark's Thrift server takes no bound parameters: values go through `literal`. */
  protected placeholder(_name: string, _value: SqlValue): string | null {
    return null;
  }

  literal(value: SqlValue): string {
    if (value === null) return 'NULL';
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (typeof value === 'bigint') return `${value.toString()}L`;
    if (typeof value === 'number') return Number.isInteger(value) ? `${assertFiniteNumber(value)}L` : `CAST(${assertFiniteNumber(value)} AS DOUBLE)`;
    // With its zone: a zoneless literal is read in the session time zone, which a warehouse may set to anything.
    if (value instanceof Date) return `TIMESTAMP '${value.toISOString().replace('T', ' ')}'`;
    // Spark string literals process backslash escapes, so the backslash is escaped before the quote.
    return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n').replaceAll('\r', '\\r')}'`;
  }

  /**
   * Where the hub's `catalog.schema` lives on this engine, as [catalog, schema] before quoting.
   * Injective because a catalog may neither contain '__' nor end with '_' (else `a__b`.`c` and `a`.`b__c` would meet).
   */
  protected override namespace(catalog: string, schema: string): readonly [string, string] {
    this.quoteIdentifier(catalog);
    this.quoteIdentifier(schema);
    if (catalog.includes(NAMESPACE_SEPARATOR) || catalog.endsWith('_')) {
      throw new HubError(
        'CONFIG_INVALID',
        `invalid catalog ${JSON.stringify(catalog)} for the spark engine: it maps catalog.schema to one database named catalog${NAMESPACE_SEPARATOR}schema, so a catalog may not contain "${NAMESPACE_SEPARATOR}" or end with "_"`,
      );
    }
    return [SPARK_CATALOG, `${catalog}${NAMESPACE_SEPARATOR}${schema}`];
  }

  /** `inline(from_json(...))`: OSS Spark and a Databricks warehouse both run it, with the JSON as a literal or a marker. */
  protected override expandJson(json: Sql, columns: readonly JsonColumn[]): Sql {
    const fields = columns.map((c) => `${this.quoteIdentifier(c.name)}:${c.type === 'timestamp' ? 'bigint' : c.type === 'date' ? 'string' : c.type}`);
    return sql`(SELECT inline(from_json(${json}, ${sql.literal(`array<struct<${fields.join(',')}>>`)})))`;
  }

  protected override jsonArrayContains(json: Sql, expression: Sql): Sql {
    return sql`array_contains(from_json(${json}, 'array<string>'), ${expression})`;
  }

  protected override timestampFromMillis(column: string): string {
    return `timestamp_millis(${column})`;
  }

  override isNestedType(type: string): boolean {
    return /^\s*(array|map|struct)\b/i.test(type);
  }

  /** Hadoop glob metacharacters, and the comma that separates a brace list's names, backslash-escaped so a path matches only itself. */
  override escapeGlob(path: string): string {
    return path.replace(/[\\{}[\]*?,]/g, (c) => `\\${c}`);
  }

  override epochMillis(expression: Sql): Sql {
    return sql`unix_millis(${expression})`;
  }
}

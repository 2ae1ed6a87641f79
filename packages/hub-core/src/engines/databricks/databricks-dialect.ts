import type { EngineName } from '../dialect.js';
import { SparkDialect } from '../spark/spark-dialect.js';
import type { SqlValue } from '../sql.js';

/**
 * Spark SQL on a Databricks SQL warehouse. Everything Spark and Delta share comes from
 * SparkDialect; Databricks adds Unity Catalog's real three-part names and bound parameters.
 */
export class DatabricksDialect extends SparkDialect {
  override readonly name: EngineName = 'databricks';

  /** Named parameter markers (`:p1`); the driver binds the values, so nothing is inlined. */
  protected override placeholder(name: string, value: SqlValue): string {
    // Integers and timestamps are cast so the marker's type does not depend on how the connector infers it.
    if (value instanceof Date) return `CAST(:${name} AS TIMESTAMP)`;
    if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return `CAST(:${name} AS BIGINT)`;
    return `:${name}`;
  }

  /** Unity Catalog has real catalogs, so a table is `catalog`.`schema`.`table`, never folded into Spark's one catalog. */
  protected override namespace(catalog: string, schema: string): readonly [string, string] {
    this.quoteIdentifier(catalog);
    this.quoteIdentifier(schema);
    return [catalog, schema];
  }
}

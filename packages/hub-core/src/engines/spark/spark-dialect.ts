import { Dialect, assertFiniteNumber, type DialectTypes, type EngineName } from '../dialect.js';
import type { SqlValue } from '../sql.js';

/**
 * Spark SQL with Delta Lake. Databricks extends this and overrides only what OSS Spark lacks,
 * so nearly every statement Databricks runs is exercised on real Spark.
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
    if (value instanceof Date) return `TIMESTAMP '${value.toISOString().replace('T', ' ').replace('Z', '')}'`;
    // Spark string literals process backslash escapes, so the backslash is escaped before the quote.
    return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n').replaceAll('\r', '\\r')}'`;
  }
}

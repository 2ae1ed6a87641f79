import { Dialect, assertFiniteNumber, type DialectTypes, type EngineName } from '../dialect.js';
import type { SqlValue } from '../sql.js';

export class DuckDbDialect extends Dialect {
  readonly name: EngineName = 'duckdb';
  readonly types: DialectTypes = { string: 'VARCHAR', bigint: 'BIGINT', boolean: 'BOOLEAN', timestamp: 'TIMESTAMP', date: 'DATE' };
  protected readonly quoteChar = '"';

  protected placeholder(name: string, value: SqlValue): string {
    // Dates travel as ISO text; the cast keeps their type exact.
    if (value instanceof Date) return `CAST($${name} AS TIMESTAMP)`;
    if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return `CAST($${name} AS BIGINT)`;
    return `$${name}`;
  }

  literal(value: SqlValue): string {
    if (value === null) return 'NULL';
    if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
    if (typeof value === 'bigint') return value.toString();
    if (typeof value === 'number') return String(assertFiniteNumber(value));
    if (value instanceof Date) return `TIMESTAMP '${value.toISOString().replace('T', ' ').replace('Z', '')}'`;
    // DuckDB strings have no backslash escapes: doubling the quote is the whole escape.
    return `'${value.replaceAll("'", "''")}'`;
  }
}

import { Dialect, assertFiniteNumber, type DialectTypes, type EngineName, type JsonColumn } from '../dialect.js';
import { sql, type Sql, type SqlValue } from '../sql.js';

const JSON_TYPES: Record<JsonColumn['type'], string> = { string: 'VARCHAR', bigint: 'BIGINT', boolean: 'BOOLEAN', timestamp: 'BIGINT', date: 'VARCHAR' };

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

  /** The json extension is built in: `from_json` with a structure, unnested into columns. */
  protected override expandJson(json: Sql, columns: readonly JsonColumn[]): Sql {
    const structure = JSON.stringify([Object.fromEntries(columns.map((c) => [c.name, JSON_TYPES[c.type]]))]);
    return sql`(SELECT unnest(from_json(${json}, ${sql.literal(structure)}), recursive := true))`;
  }

  protected override jsonArrayContains(json: Sql, expression: Sql): Sql {
    return sql`list_contains(from_json(${json}, '["VARCHAR"]'), ${expression})`;
  }

  protected override timestampFromMillis(column: string): string {
    return `epoch_ms(${column})`;
  }

  override isNestedType(type: string): boolean {
    return /STRUCT|MAP|\[|UNION/i.test(type);
  }

  /** DuckDB globs treat [ ] * ? specially; bracketing them makes each match itself. */
  override escapeGlob(path: string): string {
    return path.replace(/[[*?]/g, (c) => `[${c}]`);
  }

  override epochMillis(expression: Sql): Sql {
    return sql`epoch_ms(${expression})`;
  }
}

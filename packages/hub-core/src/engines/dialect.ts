import { HubError } from '../errors.js';
import { IDENTIFIER_PATTERN, sql, type CompiledStatement, type Sql, type SqlValue } from './sql.js';

export type EngineName = 'duckdb' | 'spark' | 'databricks';

/** A table by its hub name, before the dialect maps and quotes it. */
export interface TableRef {
  readonly catalog: string;
  readonly schema: string;
  readonly table: string;
}

/** Column types as engines report them: letters, digits, spaces, parentheses, commas, angle brackets, colons. */
const COLUMN_TYPE = /^[A-Za-z][A-Za-z0-9_ (),<>:]*$/;

/** Column types by role; each dialect names them its own way. */
export interface DialectTypes {
  readonly string: string;
  readonly bigint: string;
  readonly boolean: string;
  readonly timestamp: string;
  readonly date: string;
}

/** The type of one field of rows bound as JSON; timestamps travel as epoch milliseconds, dates as yyyy-MM-dd. */
export type JsonType = 'string' | 'bigint' | 'boolean' | 'timestamp' | 'date';

export interface JsonColumn {
  readonly name: string;
  readonly type: JsonType;
}

/**
 * How an engine spells SQL: quoting, literals, placeholders and types.
 * Bronze statements are built from `sql` fragments and compiled here, so the same
 * statement renders for every engine.
 */
export abstract class Dialect {
  abstract readonly name: EngineName;
  abstract readonly types: DialectTypes;
  protected abstract readonly quoteChar: string;

  /** The placeholder for the n-th bound value, or null when values are rendered inline. */
  protected abstract placeholder(name: string, value: SqlValue): string | null;

  /** The one function that turns a value into SQL text where binding is not possible. */
  abstract literal(value: SqlValue): string;

  /** Validates and quotes one identifier (catalog, schema, table or config column). */
  quoteIdentifier(name: string): string {
    if (!IDENTIFIER_PATTERN.test(name)) {
      throw new HubError('CONFIG_INVALID', `invalid identifier ${JSON.stringify(name)}: expected letters, digits and _ not starting with a digit`);
    }
    return `${this.quoteChar}${name}${this.quoteChar}`;
  }

  /** Quotes a data column name taken from a file header; any printable text is allowed. */
  quoteColumn(name: string): string {
    // Any header text can be quoted (the loader decides which names become columns); NUL cannot.
    if (name.length === 0 || name.includes('\u0000')) {
      throw new HubError('CONFIG_INVALID', `invalid column name ${JSON.stringify(name)}`);
    }
    const q = this.quoteChar;
    return `${q}${name.split(q).join(q + q)}${q}`;
  }

  /** Where the hub's `catalog.schema` lives on this engine, as [catalog, schema] before quoting; engines with one catalog map it. */
  protected namespace(catalog: string, schema: string): readonly [string, string] {
    this.quoteIdentifier(catalog);
    this.quoteIdentifier(schema);
    return [catalog, schema];
  }

  /**
   * The engine's catalog, schema and table for a hub table, unquoted (for information_schema
   * lookups). Names are case-insensitive and the hub uses them in lower case on every engine, as
   * Unity Catalog stores them (information_schema compares them as text).
   */
  tableParts(catalog: string, schema: string, table: string): readonly [string, string, string] {
    this.quoteIdentifier(table);
    return [...this.namespace(catalog.toLowerCase(), schema.toLowerCase()), table.toLowerCase()];
  }

  /** The SQL name of a table. */
  tableName(catalog: string, schema: string, table: string): string {
    return this.tableParts(catalog, schema, table)
      .map((n) => this.quoteIdentifier(n))
      .join('.');
  }

  schemaName(catalog: string, schema: string): string {
    return this.namespace(catalog.toLowerCase(), schema.toLowerCase())
      .map((n) => this.quoteIdentifier(n))
      .join('.');
  }

  /** A table's SQL name as a statement fragment. */
  table(ref: TableRef): Sql {
    return sql.raw(this.tableName(ref.catalog, ref.schema, ref.table));
  }

  /** A schema's SQL name as a statement fragment. */
  schema(catalog: string, schema: string): Sql {
    return sql.raw(this.schemaName(catalog, schema));
  }

  /** A column type the engine reported (DESCRIBE, a file's schema), checked before it goes into a statement as text. */
  checkType(type: string): string {
    if (!COLUMN_TYPE.test(type)) throw new HubError('ENGINE_ERROR', `unexpected column type from the ${this.name} engine: ${type}`);
    return type;
  }

  /** `checkType` as a statement fragment. */
  columnType(type: string): Sql {
    return sql.raw(this.checkType(type));
  }

  /** Whether a column type holds values inside it (a list, a struct, a map): such values are compared whole, and only with the same type. */
  abstract isNestedType(type: string): boolean;

  /** A path whose glob characters match only themselves. */
  abstract escapeGlob(path: string): string;

  /** A glob naming exactly these files of one folder: `dir/a.csv` or `dir/{a.csv,b.csv}` (brace lists, as Spark's and Hadoop's globs take them). */
  globOf(directory: string, names: readonly string[]): string {
    const escaped = names.map((n) => this.escapeGlob(n));
    return escaped.length === 1 ? `${this.escapeGlob(directory)}${escaped[0]}` : `${this.escapeGlob(directory)}{${escaped.join(',')}}`;
  }

  /** Milliseconds since the epoch of a TIMESTAMP expression. */
  abstract epochMillis(expression: Sql): Sql;

  /**
   * Rows as a query (`SELECT <columns> FROM ...`) from ONE value: the rows bound as a JSON array
   * and expanded by the engine. A statement's parameters never grow with its rows (a SQL
   * warehouse takes at most 256), and the text is the same for 1 row and for 10,000.
   */
  jsonRows(columns: readonly JsonColumn[], rows: readonly (readonly SqlValue[])[]): Sql {
    const json = JSON.stringify(rows.map((row) => Object.fromEntries(columns.map((c, i) => [c.name, jsonValue(row[i] ?? null, c)]))));
    const select = columns.map((c) => {
      const name = this.quoteIdentifier(c.name);
      return c.type === 'timestamp' ? `${this.timestampFromMillis(name)} AS ${name}` : c.type === 'date' ? `CAST(${name} AS ${this.types.date}) AS ${name}` : name;
    });
    return sql`SELECT ${sql.raw(select.join(', '))} FROM ${this.expandJson(sql`${json}`, columns)} AS j`;
  }

  /** `expression` is one of `values`, with the values bound as one JSON array (for conditions that take no subquery, like Delta's MERGE). */
  jsonContains(values: readonly string[], expression: Sql): Sql {
    return this.jsonArrayContains(sql`${JSON.stringify(values)}`, expression);
  }

  /** A derived table of the JSON array's objects, one column per field (timestamps as BIGINT, dates as strings). */
  protected abstract expandJson(json: Sql, columns: readonly JsonColumn[]): Sql;
  /** Whether a JSON array of strings holds the expression's value. */
  protected abstract jsonArrayContains(json: Sql, expression: Sql): Sql;
  /** A TIMESTAMP from epoch milliseconds in a (quoted) column, independent of the session time zone. */
  protected abstract timestampFromMillis(column: string): string;

  compile(query: Sql): CompiledStatement {
    return this.build(query, false);
  }

  /** The statement with every value inline, by `literal`: for a person to read or paste (`bronze plan`); execution binds them. */
  render(query: Sql): string {
    return this.build(query, true).sql;
  }

  private build(query: Sql, inline: boolean): CompiledStatement {
    let text = '';
    const params: Record<string, SqlValue> = {};
    let n = 0;
    for (const part of query.parts) {
      switch (part.kind) {
        case 'text':
          text += part.text;
          break;
        case 'identifier':
          text += part.names.map((name) => this.quoteIdentifier(name)).join('.');
          break;
        case 'column':
          text += this.quoteColumn(part.name);
          break;
        case 'literal':
          text += this.literal(part.value);
          break;
        case 'value': {
          const name = `p${++n}`;
          const placeholder = inline ? null : this.placeholder(name, part.value);
          if (placeholder === null) {
            text += this.literal(part.value);
          } else {
            params[name] = part.value;
            text += placeholder;
          }
          break;
        }
      }
    }
    return { sql: text, params };
  }
}

function jsonValue(value: SqlValue, column: JsonColumn): string | number | boolean | null {
  if (value === null) return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new HubError('ENGINE_ERROR', `cannot bind ${value} as JSON field ${column.name}: beyond a safe integer`);
    return Number(value);
  }
  if (typeof value === 'number') return assertFiniteNumber(value);
  return value;
}

export function assertFiniteNumber(value: number): number {
  if (!Number.isFinite(value)) throw new HubError('ENGINE_ERROR', `cannot render non-finite number ${value} in SQL`);
  return value;
}

import { HubError } from '../errors.js';
import { IDENTIFIER_PATTERN, type CompiledStatement, type Sql, type SqlValue } from './sql.js';

export type EngineName = 'duckdb' | 'spark' | 'databricks';

/** Column types by role; each dialect names them its own way. */
export interface DialectTypes {
  readonly string: string;
  readonly bigint: string;
  readonly boolean: string;
  readonly timestamp: string;
  readonly date: string;
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

  /** The SQL name of a table; engines with one catalog override this mapping. */
  tableName(catalog: string, schema: string, table: string): string {
    return [catalog, schema, table].map((n) => this.quoteIdentifier(n)).join('.');
  }

  schemaName(catalog: string, schema: string): string {
    return [catalog, schema].map((n) => this.quoteIdentifier(n)).join('.');
  }

  compile(query: Sql): CompiledStatement {
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
          const placeholder = this.placeholder(name, part.value);
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

export function assertFiniteNumber(value: number): number {
  if (!Number.isFinite(value)) throw new HubError('ENGINE_ERROR', `cannot render non-finite number ${value} in SQL`);
  return value;
}

/** A value the engine binds or the dialect renders as a literal. */
export type SqlValue = string | number | bigint | boolean | null | Date;

export type SqlPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'value'; readonly value: SqlValue }
  | { readonly kind: 'literal'; readonly value: SqlValue }
  | { readonly kind: 'identifier'; readonly names: readonly string[] }
  | { readonly kind: 'column'; readonly name: string };

/** A statement under construction: trusted text plus values and identifiers the dialect renders. */
export class Sql {
  readonly parts: readonly SqlPart[];
  constructor(parts: readonly SqlPart[]) {
    this.parts = parts;
  }
}


function isSqlValue(arg: unknown): arg is SqlValue {
  return (
    arg === null ||
    typeof arg === 'string' ||
    typeof arg === 'number' ||
    typeof arg === 'bigint' ||
    typeof arg === 'boolean' ||
    arg instanceof Date
  );
}

/** Appends one by one: spreading a long list into push() overflows the call stack (a statement over ~7,500 files). */
function append(target: SqlPart[], source: readonly SqlPart[]): void {
  for (const part of source) target.push(part);
}

/** Tagged template: `${x}` becomes a bound value, unless `x` is itself `Sql`. */
export function sql(strings: TemplateStringsArray, ...args: (SqlValue | Sql)[]): Sql {
  const parts: SqlPart[] = [];
  strings.forEach((text, i) => {
    if (text) parts.push({ kind: 'text', text });
    if (i < args.length) {
      const arg = args[i];
      if (arg instanceof Sql) append(parts, arg.parts);
      else if (isSqlValue(arg)) parts.push({ kind: 'value', value: arg });
      else throw new TypeError(`unsupported SQL argument: ${typeof arg}`);
    }
  });
  return new Sql(parts);
}

/** A validated, dialect-quoted (possibly qualified) identifier such as catalog.schema.table. */
sql.id = (...names: string[]): Sql => new Sql([{ kind: 'identifier', names }]);
/** A data column name (from a file header): quoted and escaped, not restricted to the identifier pattern. */
sql.column = (name: string): Sql => new Sql([{ kind: 'column', name }]);
/** Trusted SQL text written in this code base: keywords, types, function names. Never user input. */
sql.raw = (text: string): Sql => new Sql([{ kind: 'text', text }]);
/** A value rendered inline by the dialect's literal function, for places that do not accept parameters. */
sql.literal = (value: SqlValue): Sql => new Sql([{ kind: 'literal', value }]);
/** An INT literal, for LIMIT and OFFSET: they take neither a parameter marker nor a BIGINT (`20L`) on Spark and Databricks. */
sql.int = (value: number): Sql => {
  if (!Number.isInteger(value) || value < 0 || value > 2_147_483_647) throw new RangeError(`not a non-negative INT: ${value}`);
  return new Sql([{ kind: 'text', text: String(value) }]);
};
sql.join = (items: readonly Sql[], separator: Sql = sql.raw(', ')): Sql => {
  const parts: SqlPart[] = [];
  items.forEach((item, i) => {
    if (i > 0) append(parts, separator.parts);
    append(parts, item.parts);
  });
  return new Sql(parts);
};
sql.empty = new Sql([]);

/** What the driver receives: final text and the values bound to its placeholders. */
export interface CompiledStatement {
  readonly sql: string;
  readonly params: Record<string, SqlValue>;
}

export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

import type { CompiledStatement, Dialect } from '@org/hub-core';

/**
 * Spark SQL text with the inside of every string literal, quoted identifier and comment blanked
 * (same length, same offsets), so rules and marker searches see only the statement's own syntax:
 * a file named `x LIMIT 20L.csv` or `a,,b.csv` is data, not SQL.
 */
export function maskLiterals(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "'" || c === '"' || c === '`') {
      const end = closingQuote(text, i, c);
      out += c + ' '.repeat(end - i - 1) + (end < text.length ? c : '');
      i = end + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += ' '.repeat(stop - i);
      i = stop;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

/** The offset of the quote that closes the one at `start`: backslash escapes in strings, doubled backticks in identifiers. */
function closingQuote(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (quote !== '`' && c === '\\') i += 2;
    else if (c === quote && quote === '`' && text[i + 1] === '`') i += 2;
    else if (c === quote) return i;
    else i += 1;
  }
  return text.length;
}

const MARKER = /:([A-Za-z_][A-Za-z0-9_]*)/g;

/** The named parameter markers (`:p1`) outside literals, in order. */
export function parameterMarkers(text: string): string[] {
  return [...maskLiterals(text).matchAll(MARKER)].map((m) => m[1] as string);
}

/**
 * The statement with every bound value written inline by `dialect.literal` (for EXPLAIN on an
 * engine that takes no parameters). A typed marker such as `CAST(:p1 AS BIGINT)` becomes the bare
 * literal, which is how the Spark dialect renders the same value.
 */
export function inlineParameters(statement: CompiledStatement, dialect: Dialect): string {
  const masked = maskLiterals(statement.sql);
  const pattern = /CAST\(:([A-Za-z_][A-Za-z0-9_]*) AS (?:BIGINT|TIMESTAMP)\)|:([A-Za-z_][A-Za-z0-9_]*)/g;
  let out = '';
  let last = 0;
  for (const match of masked.matchAll(pattern)) {
    const name = (match[1] ?? match[2]) as string;
    if (!(name in statement.params)) throw new Error(`marker :${name} has no bound value in: ${statement.sql.slice(0, 200)}`);
    out += statement.sql.slice(last, match.index) + dialect.literal(statement.params[name] ?? null);
    last = (match.index as number) + match[0].length;
  }
  return out + statement.sql.slice(last);
}

/**
 * Reads a Spark SQL string literal the way Spark's parser does (`'...'` with backslash escapes:
 * \n \r \t \b \Z \0, and \x for any other x), written from Spark's rules, not from our dialect,
 * so a test can check that a rendered literal is one token holding exactly the intended text.
 * Returns the text and where the literal ends; throws when `sql` does not start with a whole literal.
 */
export function readSparkString(sql: string, start = 0): { value: string; end: number } {
  if (sql[start] !== "'") throw new Error(`no string literal at ${start}: ${sql.slice(start, start + 20)}`);
  const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', Z: '\u001a', '0': '\0' };
  let value = '';
  for (let i = start + 1; i < sql.length; i++) {
    const c = sql[i] as string;
    if (c === "'") return { value, end: i + 1 };
    if (c === '\\') {
      const next = sql[++i];
      if (next === undefined) break;
      value += escapes[next] ?? next;
    } else value += c;
  }
  throw new Error(`unterminated string literal from ${start}: ${sql.slice(start, start + 40)}`);
}

/** True when `literal` is exactly one Spark string literal whose text is `value`. */
export function isSparkLiteralOf(literal: string, value: string): boolean {
  const read = readSparkString(literal);
  return read.end === literal.length && read.value === value;
}

/**
 * `where` and `expression` are SQL a spoke team writes and reviews, put inside a statement the hub
 * builds. They are trusted as reviewed code, but must stay one predicate that runs unchanged on
 * every engine: no statement separators, comments, parameter markers, quoted identifiers (their
 * quotes differ per engine), backslashes (escapes in Spark strings, text in DuckDB) or whole
 * statements, and parentheses and quotes that close where they opened.
 */

const STATEMENT_WORDS = new Set([
  'select', 'insert', 'update', 'delete', 'merge', 'drop', 'create', 'alter', 'truncate', 'grant', 'revoke',
  'union', 'intersect', 'except', 'into', 'call', 'copy', 'attach', 'detach', 'pragma', 'install', 'load', 'execute',
]);

/** Why `text` cannot be used as a predicate, or undefined when it can. */
export function predicateProblem(text: string): string | undefined {
  if (text.trim() === '') return 'is empty: write a SQL predicate such as "status <> \'void\'"';
  if (text.includes('\\')) return 'contains a backslash: string escapes differ between engines (Spark reads \\ as an escape, DuckDB as text)';
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === "'") {
      // A string literal: '' is an escaped quote; everything inside is data.
      let j = i + 1;
      for (;;) {
        if (j >= text.length) return 'has a string literal that is not closed (a \' without its pair)';
        if (text[j] === "'") {
          if (text[j + 1] === "'") {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      i = j + 1;
      continue;
    }
    if (c === ';') return 'contains ";": a predicate is one expression, not statements';
    if (c === '-' && next === '-') return 'contains "--": comments are not allowed in a predicate';
    if ((c === '/' && next === '*') || (c === '*' && next === '/')) return 'contains "/*" or "*/": comments are not allowed in a predicate';
    if (c === '"' || c === '`') return `contains ${c}: quoted identifiers differ between engines; name columns without quotes`;
    if (c === '$' || c === '?' || c === ':') return `contains "${c}" outside a string: parameter markers and casts with :: are not allowed`;
    if (c === '(') depth++;
    if (c === ')') {
      depth--;
      if (depth < 0) return 'has a ")" without its "(": a predicate cannot close the statement around it';
    }
    if (/[A-Za-z_]/.test(c) && (i === 0 || !/[A-Za-z0-9_]/.test(text[i - 1] as string))) {
      const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0] ?? c;
      if (STATEMENT_WORDS.has(word.toLowerCase())) return `contains ${word.toUpperCase()}: a predicate cannot hold a statement or a subquery`;
      i += word.length;
      continue;
    }
    i++;
  }
  if (depth > 0) return 'has a "(" without its ")"';
  return undefined;
}

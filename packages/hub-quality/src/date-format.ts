/**
 * Date and timestamp formats, written as Spark and Databricks users know them (`yyyy-MM-dd HH:mm:ss`),
 * checked the same way on every engine. Engines parse formats differently (DuckDB's strptime takes
 * `%Y`, Spark's new parser raises on some strings the old one read, DuckDB's cast takes `24:00:00`),
 * so the hub parses no format on the engine: the format becomes an anchored regular expression with
 * one group per field, and the fields are put back together as ISO text and cast with try_cast,
 * which both engines read alike (an impossible date such as 2024-02-30 casts to NULL).
 */

interface Field {
  readonly pattern: string;
  readonly role: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second' | 'fraction';
  /** Single-letter fields (M, d) may be one digit: padded back to two. */
  readonly pad?: boolean;
}

/** Longest tokens first, so MM is not read as two M. */
const FIELDS: readonly [string, Field][] = [
  ['yyyy', { pattern: '([0-9]{4})', role: 'year' }],
  ['MM', { pattern: '(0[1-9]|1[0-2])', role: 'month' }],
  ['M', { pattern: '([1-9]|1[0-2])', role: 'month', pad: true }],
  ['dd', { pattern: '(0[1-9]|[12][0-9]|3[01])', role: 'day' }],
  ['d', { pattern: '([1-9]|[12][0-9]|3[01])', role: 'day', pad: true }],
  ['HH', { pattern: '([01][0-9]|2[0-3])', role: 'hour' }],
  ['mm', { pattern: '([0-5][0-9])', role: 'minute' }],
  ['ss', { pattern: '([0-5][0-9])', role: 'second' }],
];
const LITERALS = new Set(['-', '/', '.', ':', ' ', ',', '_']);

export interface ParsedFormat {
  /** Matches the whole value; `\z`, not `$`, because Java's `$` also matches before a final line break. */
  readonly regex: string;
  /** 1-based group index of each field present. */
  readonly groups: Partial<Record<Field['role'], { readonly index: number; readonly pad: boolean; readonly digits?: number }>>;
}

/** Translates a format, or says why it cannot be checked the same way on every engine. */
export function parseDateFormat(format: string, kind: 'date' | 'timestamp'): ParsedFormat | string {
  let regex = '^';
  const groups: Record<string, { index: number; pad: boolean; digits?: number }> = {};
  let index = 0;
  let i = 0;
  while (i < format.length) {
    const rest = format.slice(i);
    if (rest.startsWith("'")) {
      const close = format.indexOf("'", i + 1);
      if (close < 0) return `format ${JSON.stringify(format)}: a quoted literal is not closed`;
      regex += escapeRegex(format.slice(i + 1, close));
      i = close + 1;
      continue;
    }
    if (rest.startsWith('MMM')) return `format ${JSON.stringify(format)}: month names (MMM) are not supported; use MM`;
    const fraction = /^S+/.exec(rest);
    if (fraction) {
      const digits = fraction[0].length;
      if (digits > 6) return `format ${JSON.stringify(format)}: at most 6 fraction digits (SSSSSS)`;
      if (groups['fraction']) return `format ${JSON.stringify(format)}: the fraction appears twice`;
      groups['fraction'] = { index: ++index, pad: false, digits };
      regex += `([0-9]{${digits}})`;
      i += digits;
      continue;
    }
    const field = FIELDS.find(([token]) => rest.startsWith(token));
    if (field) {
      const [token, spec] = field;
      if (groups[spec.role]) return `format ${JSON.stringify(format)}: ${token} appears twice`;
      groups[spec.role] = { index: ++index, pad: spec.pad === true };
      regex += spec.pattern;
      i += token.length;
      continue;
    }
    const c = rest[0] as string;
    if (LITERALS.has(c)) {
      regex += escapeRegex(c);
      i++;
      continue;
    }
    return `format ${JSON.stringify(format)}: ${JSON.stringify(c)} is not supported (fields: yyyy MM M dd d HH mm ss S..SSSSSS; literals: - / . : space , _ and 'quoted text')`;
  }
  for (const role of ['year', 'month', 'day'] as const) {
    if (!groups[role]) return `format ${JSON.stringify(format)}: needs a ${role} (yyyy, MM and dd)`;
  }
  const timeFields = ['hour', 'minute', 'second', 'fraction'].filter((r) => groups[r]);
  if (kind === 'date' && timeFields.length > 0) return `format ${JSON.stringify(format)}: has time fields; use is_timestamp`;
  if (kind === 'timestamp' && (!groups['hour'] || !groups['minute'])) return `format ${JSON.stringify(format)}: a timestamp needs HH and mm`;
  return { regex: `${regex}\\z`, groups };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, (c) => (c === '-' || c === '/' ? c : `\\${c}`));
}

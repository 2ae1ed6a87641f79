import { sql, type Sql } from '@org/hub-core';
import type { ListedFile } from '../files.js';
import type { LineEnding } from '../rules/csv-lines.js';

/**
 * Delimited files as the Spark family (OSS Spark and a Databricks SQL warehouse) reads them in
 * SQL: the CSV reader's options, and the per-line regexes and per-file fold of the text scan
 * that finds a quote never closed. Both loaders build their statements from these.
 */

/** Spark's CSV reader reads a quoted empty field as NULL when nullValue is '' (its default); a NUL marks unquoted empty fields instead. */
const NULL_MARK = '\u0000';
/** The line break the reader is told (`lineSep`): then a CRLF inside a quoted field is kept, not turned into LF. */
export const LINE_SEP: Record<LineEnding, string> = { LF: '\n', CRLF: '\r\n', CR: '\r' };

/**
 * RFC 4180 as Spark reads it: records, not lines (multiLine), so a quoted field may hold line
 * breaks, kept as written when the line ending is known (lineSep); a quoted empty field is '',
 * an unquoted one NULL (nullValue is a NUL, so only an unquoted empty field matches it).
 */
export function csvReaderOptions(config: ListedFile['config'], ending: LineEnding | null): [string, string][] {
  return [
    ['header', String(config.hasHeader)],
    ['sep', config.delimiter ?? ','],
    ['quote', '"'],
    ['escape', '"'],
    ['inferSchema', 'false'],
    ['multiLine', 'true'],
    ...(ending ? [['lineSep', LINE_SEP[ending]] as [string, string]] : []),
    ['nullValue', NULL_MARK],
  ];
}

/**
 * Java regexes over one physical line, for the quote check: whether the line ends inside a
 * quoted field when read from a field's start (fromOutside), and when read from inside a quoted
 * field that an earlier line opened (fromInside). A field is quoted when it starts with a quote;
 * it ends at the next quote not doubled; text after that quote, and any quote in an unquoted
 * field, is text (how Spark and DuckDB read them). Possessive and atomic groups keep it linear.
 */
function quoteRegexes(delimiter: string): { fromOutside: string; fromInside: string } {
  if (delimiter.length !== 1) throw new Error(`delimiter must be one character, got ${JSON.stringify(delimiter)}`);
  // A backslash before a character that is not a letter or digit makes it literal, in a class too.
  const d = /[A-Za-z0-9\t]/.test(delimiter) ? delimiter : `\\${delimiter}`;
  const quoted = '(?:[^"]|"")*+';
  const field = `(?>"${quoted}"[^${d}]*+|[^"${d}][^${d}]*+|)`;
  return {
    fromOutside: `^(?:${field}${d})*+"${quoted}\\z`,
    fromInside: `^${quoted}(?:"[^${d}]*+${d}(?:${field}${d})*+"${quoted})?\\z`,
  };
}

/**
 * How one line moves the quote state, as a number: bit 0 set when the line ends inside a quote
 * read from outside one, bit 1 when read from inside one (so 2 is a line that changes nothing).
 */
export function quoteTransition(value: Sql, delimiter: string): Sql {
  const { fromOutside, fromInside } = quoteRegexes(delimiter);
  return sql`CASE WHEN instr(${value}, '"') = 0 THEN 2 ELSE (CASE WHEN ${value} RLIKE ${sql.literal(fromOutside)} THEN 1 ELSE 0 END) + (CASE WHEN ${value} RLIKE ${sql.literal(fromInside)} THEN 2 ELSE 0 END) END`;
}

/**
 * Whether the state is inside a quote after some lines: that of their last line that sets it
 * (0: outside, 3: inside), flipped once per line that flips it (1) after that one.
 */
export function insideQuote(lastSetKind: Sql, flips: Sql, flipsAtLastSet: Sql): Sql {
  return sql`(CASE WHEN ${lastSetKind} = 3 THEN 1 ELSE 0 END + ${flips} - COALESCE(${flipsAtLastSet}, 0)) % 2 = 1`;
}

/**
 * The per-file fold over lines numbered `line`, with their transition `t` and the running count
 * of flips up to them (`flips`, sharing the window that numbers the lines): only lines with a
 * quote change anything, so only they need to reach the aggregation.
 */
export const QUOTE_FOLD = sql`MAX(flips) AS flips, MAX(line) FILTER (WHERE t = 1) AS last_flip,
    MAX(line) FILTER (WHERE t IN (0, 3)) AS last_set, MAX_BY(t, line) FILTER (WHERE t IN (0, 3)) AS last_set_kind, MAX_BY(flips, line) FILTER (WHERE t IN (0, 3)) AS flips_at_last_set`;

/** Whether the file ends inside a quote, from QUOTE_FOLD's columns. */
export const ENDS_INSIDE_QUOTE = insideQuote(sql.raw('last_set_kind'), sql.raw('flips'), sql.raw('flips_at_last_set'));

/** The line where the quote never closed opens, from QUOTE_FOLD's columns: the last flip after the last set, or that set line (a 3). */
export const OPEN_QUOTE_LINE = sql`CASE WHEN ${ENDS_INSIDE_QUOTE}
    THEN CASE WHEN flips > COALESCE(flips_at_last_set, 0) THEN last_flip ELSE last_set END END`;

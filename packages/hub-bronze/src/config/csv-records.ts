import { createRequire } from 'node:module';
import type * as CsvParse from 'csv-parse/sync';

/** csv-parse loads when a config is first read (not for `--help`). */
let csvParseModule: typeof CsvParse | undefined;
const csvParse = (): typeof CsvParse => (csvParseModule ??= createRequire(import.meta.url)('csv-parse/sync') as typeof CsvParse);

/**
 * The CSV layer of the config reader: bytes in, records with their physical line numbers out.
 *
 * csv-parse's own `info.lines` is the line where a record *ends* and miscounts CRLF inside
 * quoted fields, so lines are computed here from the byte offset at which each record ends
 * (`context.bytes`), which csv-parse reports exactly. A line break is CRLF, LF or a lone CR.
 */

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

export interface CsvRecord {
  readonly fields: readonly string[];
  /** 1-based physical line where the record starts. */
  readonly line: number;
  /** 1-based physical line where it ends (later than `line` when a quoted field spans lines). */
  readonly endLine: number;
}

export interface CsvProblem {
  readonly line: number;
  /** 0-based position of the field the problem is in, when known. */
  readonly fieldIndex?: number | undefined;
  readonly message: string;
}

export interface CsvScan {
  /** Every record csv-parse produced, blank ones included. */
  readonly records: readonly CsvRecord[];
  /** The parse error that stopped the scan, if any: records after it are not read. */
  readonly abort?: CsvProblem | undefined;
  /** Lines holding bytes that are not valid UTF-8. */
  readonly invalidUtf8Lines: readonly number[];
}

export function hasUtf8Bom(buf: Uint8Array): boolean {
  return buf[0] === UTF8_BOM[0] && buf[1] === UTF8_BOM[1] && buf[2] === UTF8_BOM[2];
}

export function hasUtf16Bom(buf: Uint8Array): boolean {
  return (buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff);
}

/** Byte offsets where each physical line starts. */
function lineStarts(buf: Uint8Array): number[] {
  const starts = [0];
  for (let i = 0; i < buf.length; i++) {
    const byte = buf[i];
    if (byte === CR) {
      if (buf[i + 1] === LF) i++;
      starts.push(i + 1);
    } else if (byte === LF) {
      starts.push(i + 1);
    }
  }
  return starts;
}

function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

function invalidUtf8Lines(buf: Uint8Array, starts: readonly number[]): number[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    decoder.decode(buf);
    return [];
  } catch {
    // Only then look line by line: UTF-8 never uses CR or LF bytes inside a multi-byte character.
  }
  const bad: number[] = [];
  for (let k = 0; k < starts.length; k++) {
    const slice = buf.subarray(starts[k] ?? 0, starts[k + 1] ?? buf.length);
    try {
      decoder.decode(slice);
    } catch {
      bad.push(k + 1);
    }
  }
  return bad;
}

/** The first content byte at or after `offset`: skips the line breaks of blank lines (and the BOM). */
function recordStart(buf: Uint8Array, offset: number): number {
  let start = offset;
  if (start === 0 && hasUtf8Bom(buf)) start = UTF8_BOM.length;
  while (buf[start] === LF || buf[start] === CR) start++;
  return start;
}

/** Where the quote left open in the record starting at `start` was opened, mirroring csv-parse's `relax_quotes`. */
function findOpenQuote(buf: Uint8Array, start: number): { offset: number; fieldIndex: number } | undefined {
  let fieldIndex = 0;
  let atFieldStart = true;
  let quoted = false;
  let openedAt = -1;
  for (let i = start; i < buf.length; i++) {
    const byte = buf[i];
    if (quoted) {
      if (byte === QUOTE) {
        if (buf[i + 1] === QUOTE) i++;
        else quoted = false;
      }
      continue;
    }
    if (byte === COMMA) {
      fieldIndex++;
      atFieldStart = true;
      continue;
    }
    if (byte === LF || byte === CR) return undefined;
    if (byte === QUOTE && atFieldStart) {
      quoted = true;
      openedAt = i;
    }
    atFieldStart = false;
  }
  return quoted ? { offset: openedAt, fieldIndex } : undefined;
}

export function scanCsv(buf: Buffer): CsvScan {
  const starts = lineStarts(buf);
  const records: CsvRecord[] = [];
  let previousEnd = 0;
  let abort: CsvProblem | undefined;
  try {
    csvParse().parse(buf, {
      bom: true,
      // Mixed line endings are common after hand edits; csv-parse otherwise keeps only the first kind it sees.
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: true,
      // A quote inside an unquoted value is literal text; value validation rejects it where it matters.
      relax_quotes: true,
      skip_empty_lines: true,
      on_record: (record: string[], context) => {
        const start = recordStart(buf, previousEnd);
        let end = context.bytes;
        while (end > start && (buf[end - 1] === LF || buf[end - 1] === CR)) end--;
        records.push({ fields: record, line: lineOf(starts, start), endLine: lineOf(starts, Math.max(start, end - 1)) });
        previousEnd = context.bytes;
        return null;
      },
    });
  } catch (error) {
    const start = recordStart(buf, previousEnd);
    if (error instanceof csvParse().CsvError && error.code === 'CSV_QUOTE_NOT_CLOSED') {
      const open = findOpenQuote(buf, start);
      abort = {
        line: lineOf(starts, open?.offset ?? start),
        fieldIndex: open?.fieldIndex,
        message: 'unterminated quoted field: the quote opened on this line is never closed',
      };
    } else {
      const reason = error instanceof Error ? error.message : String(error);
      abort = { line: lineOf(starts, start), message: `malformed CSV: ${reason}` };
    }
  }
  return { records, abort, invalidUtf8Lines: invalidUtf8Lines(buf, starts) };
}

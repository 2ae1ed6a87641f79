import { createRequire } from 'node:module';
import type * as CsvParse from 'csv-parse/sync';
import type { ListedFile } from '../files.js';
import { contentStream } from './compression.js';
import { endsInsideQuote, type LineEnding } from './csv-lines.js';

/** csv-parse loads when a header is first judged, not at every CLI start. */
let csvParseModule: typeof CsvParse | undefined;
const parse: typeof CsvParse.parse = (...args: Parameters<typeof CsvParse.parse>) => (csvParseModule ??= createRequire(import.meta.url)('csv-parse/sync') as typeof CsvParse).parse(...args);

/** The most of a file read to find its first line. */
const FIRST_LINE_BYTES = 64 * 1024;

/** A delimited file's first line (without its line break) and how it ends. */
export interface FirstLine {
  readonly line: Buffer;
  readonly ending: LineEnding;
}

/**
 * The first lines of delimited files, for engines that read local files
 * (`capabilities.localFilesOnly`), or why a file could not be read: at most 64 KiB of each file,
 * 64 files at a time. The rules judge them (FileVerdicts.firstLine); `firstLineKey` groups them.
 */
export async function readFirstLines(files: readonly ListedFile[]): Promise<Map<ListedFile, FirstLine | { readonly error: string }>> {
  const out = new Map<ListedFile, FirstLine | { readonly error: string }>();
  for (let i = 0; i < files.length; i += 64) {
    const batch = files.slice(i, i + 64);
    const lines = await Promise.all(batch.map((f) => readFirstLine(f.physical).catch((error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }))));
    batch.forEach((file, j) => out.set(file, lines[j] as FirstLine | { error: string }));
  }
  return out;
}

/**
 * What files must share to be read by one multi-file scan: a CSV scan maps every file onto the
 * first file's columns (by position on Spark), so the header line and the line ending. Without a
 * header only the number of fields matters; the count is naive about quotes, which at worst splits a group.
 */
export function firstLineKey(file: ListedFile, first: FirstLine): string {
  const delimiter = file.config.delimiter ?? ',';
  const header = file.config.hasHeader ? first.line.toString('latin1') : `${first.line.toString('latin1').split(delimiter).length} fields`;
  return `${first.ending}\u0000${header}`;
}

/**
 * Why a delimited file cannot be read, from its first line alone (without its line break), or
 * null: a control character (binary or compressed content), or a header whose quoted column name
 * runs onto the next line. The same reasons on every engine.
 */
export function firstLineReason(line: Buffer, delimiter: string, hasHeader: boolean): string | null {
  const control = controlCharacterAt(line, delimiter);
  if (control >= 0) {
    const code = (line[control] as number).toString(16).toUpperCase().padStart(2, '0');
    return `line 1, column ${control + 1}: not a delimited text file: control character 0x${code} in the first line (binary or compressed content?)`;
  }
  if (hasHeader && endsInsideQuote(line, delimiter)) return 'line 1: the header has a quoted column name that goes on past the end of the line: a column name must fit on one line';
  if (hasHeader) return sameNameReason(line, delimiter);
  return null;
}

/**
 * Two header names equal but for case (or equal): a table's column names ignore case on DuckDB,
 * Spark and Databricks alike, so no engine can hold both, and each would rename one its own way.
 */
function sameNameReason(line: Buffer, delimiter: string): string | null {
  const names = (parse(line, { delimiter, quote: '"', escape: '"', relax_quotes: true, relax_column_count: true })[0] as string[] | undefined) ?? [];
  const seen = new Map<string, number>();
  for (const [i, name] of names.entries()) {
    if (name.trim() === '') continue;
    const first = seen.get(name.toLowerCase());
    if (first === undefined) {
      seen.set(name.toLowerCase(), i);
      continue;
    }
    const earlier = names[first] as string;
    const how = earlier === name ? `are both named ${JSON.stringify(name)}` : `are named ${JSON.stringify(earlier)} and ${JSON.stringify(name)}, which differ only in case`;
    return `line 1: header columns ${first + 1} and ${i + 1} ${how}: column names ignore case on every engine, so no table can hold both`;
  }
  return null;
}

/** The first line and how it ends (LF, CRLF, CR): files that share a scan must share both. A `.gz` file's content, through zlib. */
async function readFirstLine(path: string): Promise<FirstLine> {
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = contentStream(path, { highWaterMark: FIRST_LINE_BYTES, end: FIRST_LINE_BYTES - 1 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= FIRST_LINE_BYTES || chunk.includes(0x0a) || chunk.includes(0x0d)) break;
    }
  } finally {
    stream.destroy();
  }
  {
    const read = Buffer.concat(chunks).subarray(0, FIRST_LINE_BYTES);
    const lf = read.indexOf(0x0a);
    const cr = read.indexOf(0x0d);
    if (cr >= 0 && (lf < 0 || cr < lf)) return { line: read.subarray(0, cr), ending: read[cr + 1] === 0x0a ? 'CRLF' : 'CR' };
    return { line: lf >= 0 ? read.subarray(0, lf) : read, ending: 'LF' };
  }
}

/** The offset of the first control character other than the delimiter, or -1. */
function controlCharacterAt(line: Buffer, delimiter: string): number {
  for (let i = 0; i < line.length; i++) {
    const byte = line[i] as number;
    if (byte >= 0x20 || delimiter.includes(String.fromCharCode(byte))) continue;
    return i;
  }
  return -1;
}

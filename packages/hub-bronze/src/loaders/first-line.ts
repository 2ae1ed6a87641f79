import { open } from 'node:fs/promises';
import type { ListedFile } from './bronze-adapter.js';
import { endsInsideQuote, type LineEnding } from './csv-lines.js';

/** The most of a file read to find its first line. */
const FIRST_LINE_BYTES = 64 * 1024;

/** How a file's lines end: files that share a scan share it, and Spark is told it (its `lineSep`). */
export type { LineEnding };

/** What a first line says: the key of the scan a file may share, and its line ending; or why the file cannot be read. */
export type FirstLine = { readonly key: string; readonly ending: LineEnding } | { readonly reason: string };

/**
 * What a delimited file's first line says about how to read it, for engines that read local
 * files (`capabilities.localFilesOnly`): a multi-file CSV scan maps every file onto the first
 * file's columns, so only files with equal keys may share one. A first line with a control
 * character means the file is not delimited text (binary, compressed): that is its reason; so is
 * a header whose quoted column name runs onto the next line (a column name is one line: the
 * scan's columns come from one file's header, so names that differ after the first line would
 * be mapped onto each other). At most 64 KiB of each file is read, 64 files at a time.
 */
export async function firstLineKeys(files: readonly ListedFile[]): Promise<Map<ListedFile, FirstLine>> {
  const out = new Map<ListedFile, FirstLine>();
  for (let i = 0; i < files.length; i += 64) {
    const batch = files.slice(i, i + 64);
    const lines = await Promise.all(batch.map((f) => readFirstLine(f.physical).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))));
    batch.forEach((file, j) => {
      const first = lines[j] as { line: Buffer; ending: LineEnding } | Error;
      if (first instanceof Error) return void out.set(file, { reason: `could not read the file: ${first.message}` });
      const { line, ending } = first;
      const delimiter = file.config.delimiter ?? ',';
      const reason = firstLineReason(line, delimiter, file.config.hasHeader);
      if (reason !== null) return void out.set(file, { reason });
      // Without a header only the number of fields matters; the count is naive about quotes, which at worst splits a group.
      const header = file.config.hasHeader ? line.toString('latin1') : `${line.toString('latin1').split(delimiter).length} fields`;
      out.set(file, { key: `${ending}\u0000${header}`, ending });
    });
  }
  return out;
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
  return null;
}

/** The first line and how it ends (LF, CRLF, CR): files that share a scan must share both. */
async function readFirstLine(path: string): Promise<{ line: Buffer; ending: LineEnding }> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(FIRST_LINE_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, FIRST_LINE_BYTES, 0);
    const read = buffer.subarray(0, bytesRead);
    const lf = read.indexOf(0x0a);
    const cr = read.indexOf(0x0d);
    if (cr >= 0 && (lf < 0 || cr < lf)) return { line: read.subarray(0, cr), ending: read[cr + 1] === 0x0a ? 'CRLF' : 'CR' };
    return { line: lf >= 0 ? read.subarray(0, lf) : read, ending: 'LF' };
  } finally {
    await handle.close();
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

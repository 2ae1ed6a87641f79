import type { FileOutcome, ListedFile } from '../files.js';
import { isGzip, unreadCodecOf } from './compression.js';
import { malformedRecordReason, mixedEndingReason, openQuoteReason, type LinesFound } from './csv-lines.js';
import { firstLineReason } from './first-line.js';

/** A column whose values a load must fit into a table column of another type. */
export interface TypeClash {
  readonly name: string;
  readonly fileType: string;
  readonly tableType: string;
}

/** What a text scan of a delimited file found, as line numbers (null: nothing of the kind). */
export interface TextFacts {
  readonly openQuoteLine: number | null;
  readonly utf8Line: number | null;
  /** The first line outside a quoted field that ends otherwise than the first line, where the scan tells endings. */
  readonly mixedEnding?: LinesFound['mixedEnding'] | undefined;
}

/** What a reader with the header's columns found in a file: its rows, and its first bad record and where it starts. */
export interface RecordFacts {
  readonly rows: number;
  /** `at`: `line N`, or `record N` where the line cannot be told. */
  readonly malformed: { readonly at: string; readonly text: string } | null;
  /** A record whose line ending differs from the first line's: the line found by the hub, or where the engine saw it. */
  readonly mixedEnding: NonNullable<LinesFound['mixedEnding']> | { readonly at: string } | null;
}

/** A rejected line as DuckDB reports it, its line already the physical one. */
export interface RejectedLine {
  readonly line: number | string;
  readonly errorType: string;
  readonly column: string | null;
  readonly message: string;
}

/**
 * Every decision about a file of a load, and every reason's text, in one place (docs/bronze.md,
 * Quarantine). An engine renders SQL and turns the engine's answers into facts; each method here
 * judges one kind of fact the same way on every engine. A file keeps its first verdict.
 */
export class FileVerdicts {
  private readonly outcomes = new Map<string, FileOutcome>();

  outcome(file: Pick<ListedFile, 'path'>): FileOutcome | undefined {
    return this.outcomes.get(file.path);
  }

  /** Whether the file has a verdict already (set aside, failed or loaded). */
  decided(file: Pick<ListedFile, 'path'>): boolean {
    return this.outcomes.has(file.path);
  }

  /** The files without a verdict yet. */
  pending<T extends Pick<ListedFile, 'path'>>(files: readonly T[]): T[] {
    return files.filter((f) => !this.outcomes.has(f.path));
  }

  all(): ReadonlyMap<string, FileOutcome> {
    return this.outcomes;
  }

  /** Zero bytes: nothing to read. Returns the other files. */
  emptyFiles(files: readonly ListedFile[]): ListedFile[] {
    return files.filter((file) => file.sizeBytes > 0 || !this.setAside(file, 'zero bytes: the file is empty'));
  }

  /**
   * Compressed files: gzip (`.gz`) is read as its content on every engine, for delimited files;
   * another codec (`.zst`, `.bz2`, ...) is not read by every engine, and parquet compresses
   * inside the file, so such a file is set aside, the same way everywhere. Returns the other files.
   */
  compressed(files: readonly ListedFile[]): ListedFile[] {
    return files.filter((file) => {
      const other = unreadCodecOf(file.name);
      if (other) return !this.setAside(file, `compressed with ${other.codec} (${other.extension}), which not every engine reads: only gzip (.gz) is read as its content; decompress the file or gzip it`);
      if (file.config.fileFormat === 'parquet' && isGzip(file.name)) return !this.setAside(file, 'a gzipped parquet file (.gz): parquet compresses inside the file; load the .parquet file itself');
      return true;
    });
  }

  /** A delimited file's first line (binary content, a header name over two lines), or why it could not be read. Whether it passed. */
  firstLine(file: ListedFile, fact: { readonly line: Buffer } | { readonly error: string }): boolean {
    const reason = 'error' in fact ? unreadableReason(fact.error) : firstLineReason(fact.line, file.config.delimiter ?? ',', file.config.hasHeader);
    return reason === null || !this.setAside(file, reason);
  }

  /** A header the engine's CSV reader cannot take column names from (a NUL in it, a field it cannot split). */
  header(file: ListedFile, problem: string): void {
    this.setAside(file, `line 1: ${problem}`);
  }

  /** A quote never closed or invalid UTF-8, whichever comes first, then mixed line endings. Whether it passed. */
  textLines(file: ListedFile, facts: TextFacts): boolean {
    const { openQuoteLine: quote, utf8Line: utf8 } = facts;
    const reason =
      quote !== null && (utf8 === null || quote <= utf8)
        ? openQuoteReason(quote)
        : utf8 !== null
          ? `line ${utf8}: invalid UTF-8`
          : facts.mixedEnding
            ? mixedEndingReason(facts.mixedEnding)
            : null;
    return reason === null || !this.setAside(file, reason);
  }

  /** A record whose line ending differs from the first line's, unless a malformed record comes before it; else the first malformed record. Whether it passed. */
  records(file: ListedFile, facts: RecordFacts): boolean {
    const mixed = facts.mixedEnding;
    if (mixed !== null) {
      return !this.setAside(file, 'at' in mixed ? `${mixed.at}: mixed line endings: a file must end all its lines the same way` : mixedEndingReason(mixed));
    }
    if (facts.malformed !== null) return !this.setAside(file, malformedRecordReason(facts.malformed.at, facts.malformed.text));
    return true;
  }

  /**
   * DuckDB's rejected lines of a file: a quote never closed or mixed line endings, when the file
   * has them, are the reason (the rejected records are only their consequence); else the first
   * rejected line, and the others.
   */
  rejected(file: ListedFile, lines: readonly RejectedLine[], rootCause: Pick<LinesFound, 'openQuoteLine' | 'mixedEnding'>): void {
    if (rootCause.openQuoteLine !== null) return void this.setAside(file, openQuoteReason(rootCause.openQuoteLine));
    if (rootCause.mixedEnding !== null) return void this.setAside(file, mixedEndingReason(rootCause.mixedEnding));
    const first = lines[0];
    if (!first) throw new Error(`no rejected line given for ${file.path}`);
    const column = first.column ? ` column ${first.column}:` : '';
    const more = lines.length > 1 ? ` (${lines.length} bad lines: ${lines.slice(0, 5).map((e) => e.line).join(', ')}${lines.length > 5 ? ', ...' : ''})` : '';
    this.setAside(file, `line ${String(first.line)}:${column} ${first.errorType.toLowerCase()}: ${first.message}${more}`);
  }

  /**
   * The wrong delimiter, usually: none of a group's columns is a column of the table as it was
   * before this run (columns of one run with different headers widen a new table, they do not
   * screen each other out). Whether they passed.
   */
  columnsAgainstTable(files: readonly ListedFile[], columns: readonly string[], tableColumnsBefore: ReadonlySet<string>): boolean {
    if (tableColumnsBefore.size === 0 || columns.length === 0 || columns.some((c) => tableColumnsBefore.has(c.toLowerCase()))) return true;
    const reason = `none of its columns (${columns.slice(0, 5).join(', ')}) is a column of the table: check the delimiter and the header`;
    for (const file of files) this.setAside(file, reason);
    return false;
  }

  /** Values the table's column types cannot hold, or would change (5.5 into BIGINT). */
  typeClash(file: ListedFile, clashes: readonly TypeClash[]): void {
    this.setAside(file, `type clash with the table: ${clashes.map((c) => `column ${c.name} is ${c.fileType} in the file but ${c.tableType} in the table`).join('; ')}`);
  }

  /** Values a read with the table's types as hints could not fit (Databricks' rescued data). */
  rescuedValues(file: ListedFile, rescued: string): void {
    const text = rescued.slice(0, 200);
    this.setAside(file, `type clash with the table: ${rescuedColumns(text)} do not fit the table's types (rescued data: ${text})`);
  }

  /** A file the engine could not read: `reason` from rules/unreadable.ts. */
  unreadable(file: ListedFile, reason: string): void {
    this.setAside(file, reason);
  }

  /** Rows the engine counted for a file that loaded. */
  loaded(file: ListedFile, rows: number): void {
    this.outcomes.set(file.path, { status: 'SUCCESS', rows });
  }

  /** Rows that landed against rows the check read: a file that did not land whole FAILED, and the run removes what did. Whether it landed whole. */
  landed(file: ListedFile, landed: number, read: number): boolean {
    if (landed === read) {
      this.loaded(file, landed);
      return true;
    }
    this.fail(file, `${landed} row(s) landed but the warehouse read ${read}: its rows were removed, the next run loads it again`);
    return false;
  }

  /** The warehouse read a file under a name that was not listed: no row can be attributed to its path. */
  unlisted(file: ListedFile, reported: readonly string[], stage: 'scan' | 'check'): void {
    const names = reported.slice(0, 3).join(', ');
    this.fail(
      file,
      stage === 'scan'
        ? `the warehouse did not read ${file.name} under its listed name${reported.length > 0 ? ` (it reported ${names})` : ''}: not loaded`
        : `the warehouse read rows under a name that was not listed (${names}): not loaded, so no row can land under another path`,
    );
  }

  /** The load failed without naming a file: every file of it FAILED with the engine's words, and the next run tries again. */
  failed(files: readonly ListedFile[], reason: string): void {
    for (const file of files) this.fail(file, reason);
  }

  /** A file whose size or time was not the same after its load as when listed: its rows of this batch are removed. */
  changedWhileLoading(file: ListedFile, after: Pick<ListedFile, 'sizeBytes' | 'modifiedAt'> | null): void {
    this.outcomes.set(file.path, {
      status: 'QUARANTINED',
      rows: 0,
      reason: after
        ? `the file changed while it was being loaded (${file.sizeBytes} bytes modified ${file.modifiedAt.toISOString()}, then ${after.sizeBytes} bytes modified ${after.modifiedAt.toISOString()}); none of its rows were kept, the next run loads it`
        : 'the file was removed while it was being loaded; none of its rows were kept',
    });
  }

  private setAside(file: ListedFile, reason: string): true {
    if (!this.outcomes.has(file.path)) this.outcomes.set(file.path, { status: 'QUARANTINED', rows: 0, reason });
    return true;
  }

  private fail(file: ListedFile, reason: string): void {
    this.outcomes.set(file.path, { status: 'FAILED', rows: 0, reason });
  }
}

/** `could not read the file: <why>`: a file the hub or the engine could not open. */
export function unreadableReason(why: string): string {
  return `could not read the file: ${why}`;
}

/** The columns named in a rescued-data JSON object, for the reason. */
function rescuedColumns(text: string): string {
  try {
    const keys = Object.keys(JSON.parse(text) as object).filter((k) => !k.startsWith('_file'));
    return keys.length > 0 ? `values of ${keys.join(', ')}` : 'values';
  } catch {
    return 'values';
  }
}

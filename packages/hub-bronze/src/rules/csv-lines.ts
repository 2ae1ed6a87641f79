import { contentStream } from './compression.js';

/** How a line ends. */
export type LineEnding = 'LF' | 'CRLF' | 'CR';

const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/** Where the tokenizer stands: at a field's start, in an unquoted field, in a quoted one, just after a quote inside a quoted one. */
const State = { FieldStart: 0, Unquoted: 1, Quoted: 2, QuoteInQuoted: 3 } as const;
type State = (typeof State)[keyof typeof State];

/**
 * Reads delimited bytes as RFC 4180 does, as the engines do: a field that starts with a quote
 * runs to the next quote not doubled, across line breaks; a quote inside an unquoted field, or
 * text after a closing quote, is kept as text. Lines are physical: LF, CRLF and CR each end one.
 * Records are counted from 1 (a header is record 1); empty lines are no record, as no engine
 * reads one.
 */
export class LineTracker {
  private readonly delimiter: number;
  private state: State = State.FieldStart;
  private atRecordStart = true;
  private afterCr = false;
  private position = 0;
  /** The physical line of the next byte. */
  line = 1;
  records = 0;
  /** The line where the quoted field being read opened. */
  private openedOn = 0;
  /** A CR outside quotes whose next byte says whether it ends a CRLF or a CR line. */
  private pendingCr = false;
  private firstEnding: LineEnding | null = null;
  /** The first line that ends otherwise than the first line (line breaks inside quoted fields are data, not endings). */
  mixedEnding: { readonly line: number; readonly ending: LineEnding; readonly first: LineEnding } | null = null;
  private readonly wantedRecords: number[];
  private readonly wantedBytes: number[];
  readonly recordLines = new Map<number, number>();
  readonly byteLines = new Map<number, number>();

  constructor(delimiter: string, wanted: { records?: readonly number[]; bytes?: readonly number[] } = {}) {
    if (delimiter.length !== 1 || delimiter.charCodeAt(0) > 0x7f) throw new Error(`delimiter must be one ASCII character, got ${JSON.stringify(delimiter)}`);
    this.delimiter = delimiter.charCodeAt(0);
    this.wantedRecords = [...new Set(wanted.records ?? [])].sort((a, b) => b - a);
    this.wantedBytes = [...new Set(wanted.bytes ?? [])].sort((a, b) => b - a);
  }

  /** How the first line that ends outside a quoted field ends (the ending the others must share), once one has. */
  get firstLineEnding(): LineEnding | null {
    return this.firstEnding;
  }

  /** The line where a quoted field opened that is still open: after the last chunk, a quote never closed. */
  get openQuoteLine(): number | null {
    return this.state === State.Quoted ? this.openedOn : null;
  }

  /** Whether every line and byte asked for is known, so reading can stop. */
  get done(): boolean {
    return this.wantedRecords.length === 0 && this.wantedBytes.length === 0;
  }

  feed(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++, this.position++) {
      const byte = chunk[i] as number;
      const isBreak = byte === CR || byte === LF;
      if (this.pendingCr) {
        this.pendingCr = false;
        // The CR ended the line before this byte's.
        this.ending(byte === LF ? 'CRLF' : 'CR', this.line - 1);
      }
      if (this.state !== State.Quoted && !(byte === LF && this.afterCr)) {
        if (byte === CR) this.pendingCr = true;
        else if (byte === LF) this.ending('LF', this.line);
      }
      // A byte offset stands for the record there: line breaks at it are skipped (an engine may point at the one before the record).
      while (!isBreak && this.wantedBytes.length > 0 && (this.wantedBytes.at(-1) as number) <= this.position) this.byteLines.set(this.wantedBytes.pop() as number, this.line);
      if (this.atRecordStart && !isBreak) {
        this.atRecordStart = false;
        this.records++;
        while (this.wantedRecords.length > 0 && (this.wantedRecords.at(-1) as number) <= this.records) this.recordLines.set(this.wantedRecords.pop() as number, this.line);
      }
      this.step(byte, isBreak);
      if (byte === CR) this.line++;
      else if (byte === LF && !this.afterCr) this.line++;
      this.afterCr = byte === CR;
    }
  }

  /** At the end of the input: a last CR ends a CR line. */
  end(): void {
    if (this.pendingCr) this.ending('CR', this.line - 1);
    this.pendingCr = false;
  }

  private ending(ending: LineEnding, line: number): void {
    if (this.firstEnding === null) this.firstEnding = ending;
    else if (ending !== this.firstEnding && this.mixedEnding === null) this.mixedEnding = { line, ending, first: this.firstEnding };
  }

  private step(byte: number, isBreak: boolean): void {
    switch (this.state) {
      case State.Quoted:
        if (byte === QUOTE) this.state = State.QuoteInQuoted;
        return;
      case State.QuoteInQuoted:
        // A doubled quote is a quote in the value; a quote then anything but the delimiter or a line end is text, as the engines read it.
        if (byte === QUOTE) this.state = State.Quoted;
        else this.endOfField(byte, isBreak, State.Unquoted);
        return;
      case State.FieldStart:
        if (byte === QUOTE) {
          this.state = State.Quoted;
          this.openedOn = this.line;
        } else this.endOfField(byte, isBreak, State.Unquoted);
        return;
      case State.Unquoted:
        this.endOfField(byte, isBreak, State.Unquoted);
        return;
    }
  }

  private endOfField(byte: number, isBreak: boolean, otherwise: State): void {
    if (byte === this.delimiter) this.state = State.FieldStart;
    else if (isBreak) {
      this.state = State.FieldStart;
      this.atRecordStart = true;
    } else this.state = otherwise;
  }
}

/** What one pass over a delimited file found. */
export interface LinesFound {
  /** The line where a quoted field opens that is never closed, or null. */
  readonly openQuoteLine: number | null;
  /** The line each asked-for record starts on (records from 1, a header included). */
  readonly recordLines: ReadonlyMap<number, number>;
  /** The line of the record at each asked-for byte offset. */
  readonly byteLines: ReadonlyMap<number, number>;
  /** The first line that ends otherwise than the first line, when asked for. */
  readonly mixedEnding: LineTracker['mixedEnding'];
}

/**
 * Reads a local file once (a `.gz` file's content), to the end when the open quote matters, else only as far as the
 * records and offsets asked for. Used where a file is already set aside, to say where.
 */
export async function findLines(
  path: string,
  delimiter: string,
  wanted: { records?: readonly number[]; bytes?: readonly number[]; openQuote?: boolean; mixedEnding?: boolean },
): Promise<LinesFound> {
  const tracker = new LineTracker(delimiter, wanted);
  const stream = contentStream(path, { highWaterMark: 1 << 20 });
  let whole = true;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      tracker.feed(chunk);
      if (tracker.done && !wanted.openQuote && !(wanted.mixedEnding && tracker.mixedEnding === null)) {
        whole = false;
        break;
      }
    }
  } finally {
    stream.destroy();
  }
  if (whole) tracker.end();
  return {
    openQuoteLine: wanted.openQuote ? tracker.openQuoteLine : null,
    recordLines: tracker.recordLines,
    byteLines: tracker.byteLines,
    mixedEnding: wanted.mixedEnding ? tracker.mixedEnding : null,
  };
}

/**
 * Why a delimited file the engine could not read cleanly is set aside, when the hub can say it
 * better than the engine: a quote never closed (its line), else mixed line endings (the line).
 */
export async function explainDelimited(path: string, delimiter: string): Promise<string | null> {
  const found = await findLines(path, delimiter, { openQuote: true, mixedEnding: true });
  if (found.openQuoteLine !== null) return openQuoteReason(found.openQuoteLine);
  if (found.mixedEnding !== null) return mixedEndingReason(found.mixedEnding);
  return null;
}

/** Whether a line, read from a record's start, ends inside a quoted field (the record goes on to the next line). */
export function endsInsideQuote(line: Uint8Array, delimiter: string): boolean {
  const tracker = new LineTracker(delimiter);
  tracker.feed(line);
  return tracker.openQuoteLine !== null;
}

/** The reason a file with a quote never closed is set aside, the same on every engine. */
export function openQuoteReason(line: number): string {
  return `line ${line}: unterminated quote: the quoted field that opens on this line is never closed`;
}

/** The reason a file whose lines end in different ways is set aside, the same on every engine. */
export function mixedEndingReason(mixed: NonNullable<LineTracker['mixedEnding']>): string {
  return `line ${mixed.line}: mixed line endings: this line ends with ${mixed.ending}, the first line with ${mixed.first}; a file must end all its lines the same way`;
}

/** The reason a file with a record whose number of fields differs from the header's is set aside; `where` is `line N` or `record N`. */
export function malformedRecordReason(where: string, record: string): string {
  return `${where}: malformed record (wrong number of columns): ${record.slice(0, 200).replace(/\r?\n|\r/g, '\\n')}`;
}

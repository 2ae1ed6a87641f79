import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { endsInsideQuote, findLines, LineTracker } from './csv-lines.js';

/** Feeds the text whole, or one byte at a time: a chunk boundary anywhere must not matter. */
function track(text: string, wanted: { records?: number[]; bytes?: number[] } = {}, bytewise = false): LineTracker {
  const tracker = new LineTracker(',', wanted);
  const bytes = Buffer.from(text, 'utf8');
  if (bytewise) for (let i = 0; i < bytes.length; i++) tracker.feed(bytes.subarray(i, i + 1));
  else tracker.feed(bytes);
  return tracker;
}

describe('LineTracker', () => {
  it('numbers physical lines (LF, CRLF and CR each end one) and records (a quoted line break is no record end; an empty line is no record)', () => {
    // line 1 header | 2-3 one record | 4 empty | 5 record | 6-8 one record (CRLF, then CR inside quotes) | 9 record
    const text = 'h1,h2\n1,"a\nb"\n\n2,x\r\n3,"c\r\n\rd"\r4,y';
    for (const bytewise of [false, true]) {
      const tracker = track(text, { records: [1, 2, 3, 4, 5, 6] }, bytewise);
      expect([...tracker.recordLines].sort((a, b) => a[0] - b[0])).toEqual([
        [1, 1],
        [2, 2],
        [3, 5],
        [4, 6],
        [5, 9],
      ]);
      expect(tracker.records).toBe(5);
      expect(tracker.openQuoteLine).toBeNull();
    }
  });

  it('gives the line of the record at a byte offset, skipping line breaks at it', () => {
    const text = 'id,v\r\n1,"a\r\nb"\r\n\r\n2,x\r\n';
    const at = (needle: string) => Buffer.from(text).indexOf(needle);
    // At the record itself, at the CR or LF before it, at the blank line before it.
    const wanted = [0, at('1,'), at('2,'), at('2,') - 1, at('\r\n\r\n2') + 2, at('\r\n\r\n2')];
    const tracker = track(text, { bytes: wanted });
    expect(wanted.map((b) => tracker.byteLines.get(b))).toEqual([1, 2, 5, 5, 5, 5]);
  });

  it('finds a quote never closed: the line it opens on, whatever the quotes before it', () => {
    const open = (text: string) => track(text).openQuoteLine;
    expect(open('a,b\n1,"x\n2,y\n')).toBe(2);
    // Quotes in an unquoted field are text, so an even number of quotes can still leave one open.
    expect(open('a,b,c\n1,5" pipe,x\n2,y,"never\n3,z,w\n')).toBe(3);
    // Doubled quotes inside a quoted field, and text after a closing quote, close nothing and open nothing.
    expect(open('a,b\n1,"he said ""hi""\nbye"\n2,"x"y\n')).toBeNull();
    expect(open('a,b\n1,"a ""\n')).toBe(2);
    expect(open('a,b\n1,""""\n')).toBeNull();
    expect(open('a,b\n1,"closed at the end"')).toBeNull();
    expect(open('a,b\n1,"""\n')).toBe(2);
    // An open quote in a later field of a record that began lines earlier.
    expect(open('a,b,c\n1,"x\ny",\n"open\n')).toBe(4);
  });

  it('finds the first line that ends otherwise than the first line, outside quoted fields', () => {
    const mixed = (text: string) => {
      const tracker = track(text);
      tracker.end();
      return tracker.mixedEnding;
    };
    expect(mixed('a,b\n1,2\r\n3,4\n')).toEqual({ line: 2, ending: 'CRLF', first: 'LF' });
    expect(mixed('a,b\r\n\r\n1,2\n')).toEqual({ line: 3, ending: 'LF', first: 'CRLF' });
    expect(mixed('a,b\r1,2\r\n')).toEqual({ line: 2, ending: 'CRLF', first: 'CR' });
    expect(mixed('a,b\r\n1,2\r')).toEqual({ line: 2, ending: 'CR', first: 'CRLF' });
    // A line break inside a quoted field is data, whatever it is.
    expect(mixed('a,b\n1,"x\r\ny\rz"\n2,3\n')).toBeNull();
    expect(mixed('a,b\r\n1,2\r\n')).toBeNull();
  });

  it('says when a line read from a record start ends inside a quoted field', () => {
    const line = (text: string) => endsInsideQuote(Buffer.from(text), ',');
    expect(line('id,"v')).toBe(true);
    expect(line('id,"v,w""')).toBe(true);
    expect(line('id,"v,w"')).toBe(false);
    expect(line('id,v"w')).toBe(false);
    expect(endsInsideQuote(Buffer.from('id|"a|b'), '|')).toBe(true);
    // With | as the delimiter, that quote is inside the unquoted field `id,"a`: text.
    expect(endsInsideQuote(Buffer.from('id,"a|b'), '|')).toBe(false);
  });
});

describe('findLines', () => {
  it('reads a file once for records, offsets and an open quote, in chunks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlh-lines-'));
    const file = join(dir, 'big.csv');
    // Over 1 MiB, so the open quote is found in a later chunk than the first records.
    const rows = Array.from({ length: 100_000 }, (_, i) => (i === 10 ? `${i},"two\nlines"` : `${i},value ${i}`));
    writeFileSync(file, `id,v\n${rows.join('\n')}\n100000,"open\n100001,x\n`);
    const found = await findLines(file, ',', { records: [2, 13], openQuote: true });
    // Record 12 (id 10) spans lines 12-13, so record 13 (id 11) starts on line 14.
    expect(found.recordLines.get(2)).toBe(2);
    expect(found.recordLines.get(13)).toBe(14);
    expect(found.openQuoteLine).toBe(100_003);
  });
});

import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeParquet } from '../support/parquet.js';
import { configCsv, tempDir, writeFile } from './support.js';

// The broken-file kinds of the bad-data cases, shared by the DuckDB and the Spark files.
export const AS_OF = '2024-03-10';
export const CATALOG = 'bad';
export const HEADER = 'id,v,w';
const GOOD1 = `${HEADER}\n1,a,x\n2,b,y\n3,c,z\n`;
const GOOD2 = `${HEADER}\n4,d,x\n5,"e, quoted",y\n`;
const PARQUET_GOOD1 = `SELECT 1::BIGINT AS id, 'a' AS page, TIMESTAMP '2024-03-08 10:00:00' AS ts UNION ALL SELECT 2, 'b', TIMESTAMP '2024-03-08 11:00:00'`;
export const PARQUET_GOOD2 = `SELECT 3::BIGINT AS id, 'c' AS page, TIMESTAMP '2024-03-09 10:00:00' AS ts`;

export interface Kind {
  readonly name: string;
  readonly format: 'delimited' | 'parquet';
  readonly header?: boolean;
  /** Writes the broken file. */
  readonly write: (file: string) => Promise<void> | void;
  /** What the reason must say, beyond being present. */
  readonly reason?: RegExp;
  /** Called as the table's load starts (after listing): a file can vanish here. */
  readonly duringRun?: (file: string) => void;
  /** Statuses accepted for the broken file (default QUARANTINED). */
  readonly statuses?: readonly string[];
}

const text = (content: string | Buffer) => (file: string) => void writeFileSync(file, content);

export const KINDS: readonly Kind[] = [
  { name: 'a row with too many columns', format: 'delimited', write: text(`${HEADER}\n6,f,x\n7,g,y,extra\n8,h,z\n`), reason: /line 3/ },
  { name: 'a row with too few columns', format: 'delimited', write: text(`${HEADER}\n6,f,x\n7,g\n8,h,z\n`), reason: /line 3/ },
  { name: 'a row with too few columns in a headerless file', format: 'delimited', header: false, write: text('6,f,x\n7,g\n8,h,z\n'), reason: /line 2/ },
  { name: 'an unterminated quote', format: 'delimited', write: text(`${HEADER}\n6,"never closed,x\n7,g,y\n`), reason: /^line 2: unterminated quote/ },
  // The quote opens in the last field, where a reader of records would take the rest of the file into it.
  { name: 'an unterminated quote in the last field, after a record over two lines', format: 'delimited', write: text(`${HEADER}\n6,"two\nlines",x\n7,g,"never closed\n8,h,z\n`), reason: /^line 4: unterminated quote/ },
  { name: 'a row with too many columns after a record over two lines (CRLF)', format: 'delimited', write: text(`${HEADER}\r\n6,"f\r\nf",x\r\n7,g,y,extra\r\n`), reason: /^line 4:/ },
  { name: 'invalid UTF-8 bytes', format: 'delimited', write: text(Buffer.concat([Buffer.from(`${HEADER}\n6,ok,x\n7,`), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(',y\n')])), reason: /line 3/ },
  { name: 'zero bytes (delimited)', format: 'delimited', write: text(''), reason: /zero bytes/ },
  { name: 'binary garbage named .csv', format: 'delimited', write: text(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256))) },
  { name: 'a gzip file named .csv', format: 'delimited', write: text(gzipSync(`${HEADER}\n6,f,x\n7,g,y\n`)) },
  { name: 'a parquet file named .csv', format: 'delimited', write: (f) => writeParquet(f, PARQUET_GOOD2) },
  { name: 'a tab (control character) inside a header name', format: 'delimited', write: text('id,v\tx,w\n6,f,x\n') },
  { name: 'a CSV with another delimiter than configured (; for ,)', format: 'delimited', write: text('id;v;w\n6;f;x\n7;g;y\n') },
  {
    name: 'a file that vanishes between listing and load',
    format: 'delimited',
    write: text(`${HEADER}\n6,f,x\n`),
    duringRun: (file) => unlinkSync(file),
    statuses: ['QUARANTINED', 'FAILED'],
  },
  { name: 'corrupt parquet', format: 'parquet', write: text('PAR1 this is not really parquet PAR1') },
  {
    name: 'truncated parquet (first half of a real file)',
    format: 'parquet',
    write: async (f) => {
      await writeParquet(f, `SELECT range::BIGINT AS id, 'p' || range AS page, TIMESTAMP '2024-03-09 00:00:00' AS ts FROM range(20000)`);
      writeFileSync(f, readFileSync(f).subarray(0, Math.floor(readFileSync(f).length / 2)));
    },
  },
  { name: 'zero bytes (parquet)', format: 'parquet', write: text(''), reason: /zero bytes/ },
  { name: 'CSV text named .parquet', format: 'parquet', write: text('id,page,ts\n9,x,2024-03-09\n') },
  { name: 'parquet type clash: text in a BIGINT column', format: 'parquet', write: (f) => writeParquet(f, `SELECT 'not-a-number' AS id, 'c' AS page, TIMESTAMP '2024-03-09 10:00:00' AS ts`), reason: /type clash.*\bid\b/ },
  { name: 'parquet type clash: a LIST in a VARCHAR column', format: 'parquet', write: (f) => writeParquet(f, `SELECT 9::BIGINT AS id, [1, 2] AS page, TIMESTAMP '2024-03-09 10:00:00' AS ts`), reason: /page/ },
  { name: 'parquet type clash: DOUBLE 5.5 in a BIGINT column (a lossy cast)', format: 'parquet', write: (f) => writeParquet(f, `SELECT 5.5::DOUBLE AS id, 'c' AS page, TIMESTAMP '2024-03-09 10:00:00' AS ts`), reason: /\bid\b/ },
];

export interface Setup {
  readonly dir: string;
  readonly config: string;
  readonly good1: string;
  readonly good2: string;
  readonly bad: string;
  readonly rows: Readonly<Record<string, number>>;
}

export async function setup(format: 'delimited' | 'parquet', header = true, catalog = CATALOG): Promise<Setup> {
  const dir = tempDir('bad');
  const raw = join(dir, 'raw');
  if (format === 'delimited') {
    const strip = (s: string) => (header ? s : s.split('\n').slice(1).join('\n'));
    const good1 = writeFile(join(raw, 'd_20240308_good1.csv'), strip(GOOD1));
    const good2 = join(raw, 'd_20240309_good2.csv');
    const config = writeFile(join(dir, 'config.csv'), configCsv([{ category: 'q', subcategory: 'q', pattern: 'd_*.csv', source: `${raw}/`, format, header, catalog, table: 'q_raw' }]));
    return { dir, config, good1, good2, bad: join(raw, 'd_20240309_bad.csv'), rows: { [good1]: 3, [good2]: 2 } };
  }
  const good1 = join(raw, 'e_20240308_good1.parquet');
  await writeParquet(good1, PARQUET_GOOD1);
  const config = writeFile(join(dir, 'config.csv'), configCsv([{ category: 'q', subcategory: 'q', pattern: 'e_*.parquet', source: `${raw}/`, format, catalog, table: 'q_raw' }]));
  const good2 = join(raw, 'e_20240309_good2.parquet');
  return { dir, config, good1, good2, bad: join(raw, 'e_20240309_bad.parquet'), rows: { [good1]: 2, [good2]: 1 } };
}

export async function writeGood2(s: Setup, format: 'delimited' | 'parquet', header = true): Promise<void> {
  if (format === 'parquet') await writeParquet(s.good2, PARQUET_GOOD2);
  else writeFile(s.good2, header ? GOOD2 : GOOD2.split('\n').slice(1).join('\n'));
}


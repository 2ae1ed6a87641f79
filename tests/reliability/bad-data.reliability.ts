import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createDuckDbEngine, sql, type Engine } from '@org/hub-core';
import { runBronze, type ProgressEvent, type RunSummary } from '@org/hub-bronze';
import { writeParquet } from '../support/parquet.js';
import { configCsv, tempDir, writeFile } from './support.js';

const AS_OF = '2024-03-10';
const CATALOG = 'bad';
const HEADER = 'id,v,w';
const GOOD1 = `${HEADER}\n1,a,x\n2,b,y\n3,c,z\n`;
const GOOD2 = `${HEADER}\n4,d,x\n5,"e, quoted",y\n`;
const PARQUET_GOOD1 = `SELECT 1::BIGINT AS id, 'a' AS page, TIMESTAMP '2024-03-08 10:00:00' AS ts UNION ALL SELECT 2, 'b', TIMESTAMP '2024-03-08 11:00:00'`;
const PARQUET_GOOD2 = `SELECT 3::BIGINT AS id, 'c' AS page, TIMESTAMP '2024-03-09 10:00:00' AS ts`;

interface Kind {
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

const KINDS: readonly Kind[] = [
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

interface Setup {
  readonly dir: string;
  readonly config: string;
  readonly good1: string;
  readonly good2: string;
  readonly bad: string;
  readonly rows: Readonly<Record<string, number>>;
}

async function setup(format: 'delimited' | 'parquet', header = true): Promise<Setup> {
  const dir = tempDir('bad');
  const raw = join(dir, 'raw');
  if (format === 'delimited') {
    const strip = (s: string) => (header ? s : s.split('\n').slice(1).join('\n'));
    const good1 = writeFile(join(raw, 'd_20240308_good1.csv'), strip(GOOD1));
    const good2 = join(raw, 'd_20240309_good2.csv');
    const config = writeFile(join(dir, 'config.csv'), configCsv([{ category: 'q', subcategory: 'q', pattern: 'd_*.csv', source: `${raw}/`, format, header, catalog: CATALOG, table: 'q_raw' }]));
    return { dir, config, good1, good2, bad: join(raw, 'd_20240309_bad.csv'), rows: { [good1]: 3, [good2]: 2 } };
  }
  const good1 = join(raw, 'e_20240308_good1.parquet');
  await writeParquet(good1, PARQUET_GOOD1);
  const config = writeFile(join(dir, 'config.csv'), configCsv([{ category: 'q', subcategory: 'q', pattern: 'e_*.parquet', source: `${raw}/`, format, catalog: CATALOG, table: 'q_raw' }]));
  const good2 = join(raw, 'e_20240309_good2.parquet');
  return { dir, config, good1, good2, bad: join(raw, 'e_20240309_bad.parquet'), rows: { [good1]: 2, [good2]: 1 } };
}

async function writeGood2(s: Setup, format: 'delimited' | 'parquet', header = true): Promise<void> {
  if (format === 'parquet') await writeParquet(s.good2, PARQUET_GOOD2);
  else writeFile(s.good2, header ? GOOD2 : GOOD2.split('\n').slice(1).join('\n'));
}

async function withEngine<T>(dir: string, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await createDuckDbEngine({ warehouse: join(dir, 'warehouse'), lockTimeoutMs: 0 });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

const table = sql.raw(`${CATALOG}.falcon_bronze.q_raw`);
const tracker = sql.raw(`${CATALOG}.bronze_metadata.load_tracker`);

async function rowsByFile(engine: Engine): Promise<Record<string, number>> {
  const rows = await engine.query(sql`SELECT _source_file AS f, COUNT(*) AS n FROM ${table} GROUP BY 1`);
  return Object.fromEntries(rows.map((r) => [String(r['f']), Number(r['n'])]));
}

const byPath = (summary: RunSummary) => Object.fromEntries(summary.files.map((f) => [f.path, f]));

/**
 * A broken file arrives beside a good one in a table that already holds a good file: the broken
 * file is quarantined with its reason (summary and tracker), the good one loads, and no row of
 * the broken file lands.
 */
describe('bad-data', () => {
  for (const kind of KINDS) {
    it(`${kind.format}: ${kind.name}`, async () => {
      const s = await setup(kind.format, kind.header);
      await withEngine(s.dir, async (engine) => {
        const first = await runBronze({ asOf: AS_OF }, { engine, configPath: s.config });
        expect(first.status).toBe('SUCCESS');
        await kind.write(writeFile(s.bad, ''));
        await writeGood2(s, kind.format, kind.header);
        const onProgress = kind.duringRun ? (event: ProgressEvent) => event.kind === 'table-start' && kind.duringRun?.(s.bad) : undefined;
        const second = await runBronze({ asOf: AS_OF }, { engine, configPath: s.config, onProgress });
        const files = byPath(second);
        expect(files[s.good2], JSON.stringify(second.files)).toMatchObject({ status: 'SUCCESS', rows: s.rows[s.good2] });
        const bad = files[s.bad];
        expect(kind.statuses ?? ['QUARANTINED'], `broken file: ${JSON.stringify(bad)}`).toContain(bad?.status);
        expect(bad?.rows).toBe(0);
        expect(bad?.reason ?? '').toMatch(kind.reason ?? /\S/);
        expect(second.status).toBe('PARTIAL');

        const tracked = await engine.query(sql`SELECT load_status, error_message FROM ${tracker} WHERE file_path = ${s.bad}`);
        expect(tracked).toEqual([{ load_status: bad?.status, error_message: bad?.reason }]);
        // Only the good files' rows, each exactly once.
        expect(await rowsByFile(engine)).toEqual(s.rows);
      });
    });
  }

  /** Valid RFC 4180 that a reader of lines gets wrong: each must load, exactly as written. */
  const MULTILINE: readonly { name: string; content: string; rows: [string, string, string][] }[] = [
    { name: 'lf', content: `${HEADER}\n6,"two\nlines",x\n7,g,y\n`, rows: [['6', 'two\nlines', 'x'], ['7', 'g', 'y']] },
    { name: 'crlf', content: `${HEADER}\r\n6,"two\r\nlines",x\r\n7,g,y\r\n`, rows: [['6', 'two\r\nlines', 'x'], ['7', 'g', 'y']] },
    { name: 'quotes', content: `${HEADER}\n6,"say ""hi""\nand ""bye""",x\n7,"a, b",""\n`, rows: [['6', 'say "hi"\nand "bye"', 'x'], ['7', 'a, b', '']] },
    { name: 'blank', content: `${HEADER}\n6,"a\n\nb",x\n7,g,"ends the file\nwith no line break"`, rows: [['6', 'a\n\nb', 'x'], ['7', 'g', 'ends the file\nwith no line break']] },
  ];
  it('delimited: quoted fields over several lines (LF, CRLF, a blank line, doubled quotes) load exactly as written', async () => {
    const s = await setup('delimited');
    await withEngine(s.dir, async (engine) => {
      await runBronze({ asOf: AS_OF }, { engine, configPath: s.config });
      const paths = MULTILINE.map((m) => writeFile(join(s.dir, 'raw', `d_20240309_multi_${m.name}.csv`), m.content));
      await writeGood2(s, 'delimited');
      const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: s.config });
      expect(summary.status, JSON.stringify(summary.files)).toBe('SUCCESS');
      const files = byPath(summary);
      expect(paths.map((p) => [files[p]?.status, files[p]?.rows])).toEqual(MULTILINE.map((m) => ['SUCCESS', m.rows.length]));
      for (const [i, m] of MULTILINE.entries()) {
        const rows = await engine.query(sql`SELECT id, v, w FROM ${table} WHERE _source_file = ${paths[i] as string} ORDER BY id`);
        expect(rows.map((r) => [r['id'], r['v'], r['w']]), m.name).toEqual(m.rows);
      }
    });
  });

  it('delimited: a header-only file is not broken: SUCCESS with 0 rows', async () => {
    const s = await setup('delimited');
    await withEngine(s.dir, async (engine) => {
      writeFile(s.bad, `${HEADER}\n`);
      await writeGood2(s, 'delimited');
      const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: s.config });
      expect(summary.status).toBe('SUCCESS');
      expect(byPath(summary)[s.bad]).toMatchObject({ status: 'SUCCESS', rows: 0, reason: null });
      expect(await rowsByFile(engine)).toEqual(s.rows);
    });
  });

  it('delimited: seven broken kinds in one run are each quarantined, and the good files load', async () => {
    const s = await setup('delimited');
    const broken: Record<string, string | Buffer> = {
      wide: `${HEADER}\n6,f,x,extra\n`,
      short: `${HEADER}\n6,f\n`,
      quote: `${HEADER}\n6,"open,x\n`,
      utf8: Buffer.concat([Buffer.from(`${HEADER}\n6,`), Buffer.from([0xff]), Buffer.from(',x\n')]),
      empty: '',
      garbage: Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 31 + 7) % 256)),
    };
    await withEngine(s.dir, async (engine) => {
      const paths = Object.entries(broken).map(([k, content]) => writeFile(join(s.dir, 'raw', `d_20240309_${k}.csv`), content));
      const parquetAsCsv = join(s.dir, 'raw', 'd_20240309_parquet.csv');
      await writeParquet(parquetAsCsv, PARQUET_GOOD2);
      paths.push(parquetAsCsv);
      await writeGood2(s, 'delimited');
      const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: s.config });
      const files = byPath(summary);
      expect(paths.map((p) => [p.split('/').pop(), files[p]?.status])).toEqual(paths.map((p) => [p.split('/').pop(), 'QUARANTINED']));
      expect(paths.every((p) => (files[p]?.reason ?? '').length > 0)).toBe(true);
      expect(await rowsByFile(engine)).toEqual(s.rows);
    });
  });

  it('delimited: a quarantined file adds no columns to the table', async () => {
    const s = await setup('delimited');
    await withEngine(s.dir, async (engine) => {
      await runBronze({ asOf: AS_OF }, { engine, configPath: s.config });
      const columns = async () => (await engine.query(sql`SELECT column_name FROM information_schema.columns WHERE table_catalog = ${CATALOG} AND table_name = 'q_raw' ORDER BY ordinal_position`)).map((r) => r['column_name']);
      const before = await columns();
      await writeParquet(s.bad, PARQUET_GOOD2);
      await writeGood2(s, 'delimited');
      const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: s.config });
      expect(byPath(summary)[s.bad]?.status).toBe('QUARANTINED');
      expect(await columns()).toEqual(before);
    });
  });

  it('delimited: a quarantined file, once fixed, loads on the next run exactly once', async () => {
    const s = await setup('delimited');
    await withEngine(s.dir, async (engine) => {
      writeFile(s.bad, `${HEADER}\n6,f,x,extra\n`);
      const first = await runBronze({ asOf: AS_OF }, { engine, configPath: s.config });
      expect(byPath(first)[s.bad]?.status).toBe('QUARANTINED');
      writeFile(s.bad, `${HEADER}\n6,f,x\n7,g,y\n`);
      const second = await runBronze({ asOf: AS_OF }, { engine, configPath: s.config });
      expect(second.files.map((f) => [f.path, f.status, f.rows])).toEqual([[s.bad, 'SUCCESS', 2]]);
      const third = await runBronze({ asOf: AS_OF }, { engine, configPath: s.config });
      expect(third.status).toBe('NOTHING_TO_LOAD');
      expect(await rowsByFile(engine)).toEqual({ [s.good1]: 3, [s.bad]: 2 });
    });
  });

  it('delimited: a column only a file with rejected lines brings is dropped again; a good file\'s new column stays', async () => {
    const s = await setup('delimited');
    await withEngine(s.dir, async (engine) => {
      await runBronze({ asOf: AS_OF }, { engine, configPath: s.config });
      const columns = async () => (await engine.query(sql`SELECT column_name FROM information_schema.columns WHERE table_catalog = ${CATALOG} AND table_name = 'q_raw' ORDER BY ordinal_position`)).map((r) => r['column_name']);
      const before = await columns();
      // Its header is readable, so it is scanned and its column added, until its second line is rejected.
      writeFile(s.bad, `${HEADER},only_bad\n6,f,x,1\n7,g\n`);
      writeFile(s.good2, `${HEADER},only_good\n4,d,x,2\n5,e,y,3\n`);
      const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: s.config });
      expect(byPath(summary)[s.bad]).toMatchObject({ status: 'QUARANTINED', rows: 0 });
      expect(byPath(summary)[s.bad]?.reason).toMatch(/line 3/);
      expect(byPath(summary)[s.good2]).toMatchObject({ status: 'SUCCESS', rows: 2 });
      expect(await columns()).toEqual([...before, 'only_good']);
      expect(await rowsByFile(engine)).toEqual(s.rows);
    });
  });
});

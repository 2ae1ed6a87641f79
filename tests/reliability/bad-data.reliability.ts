import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDuckDbEngine, sql, type Engine } from '@org/hub-core';
import { runBronze, type ProgressEvent, type RunSummary } from '@org/hub-bronze';
import { writeParquet } from '../support/parquet.js';
import { AS_OF, CATALOG, HEADER, KINDS, PARQUET_GOOD2, setup, writeGood2 } from './bad-data-kinds.js';
import { writeFile } from './support.js';

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

import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runBronze, type RunSummary } from '@org/deltalake-hub';
import { sql, type Engine, type Row } from '@org/hub-core';
import { endsInsideQuote, quoteTransition } from '@org/hub-bronze';
// The two halves of one rule, compared below: the hub's tokenizer and the regexes Spark runs per line.
import { describeEngine, enginesUnderTest } from './support/engines.js';

/** The acceptance suite beside the repository, as CI's clone has it (../shared, see its README). */
const CORPUS = fileURLToPath(new URL('../../shared/corpora/csv-spectrum/', import.meta.url));
/** Its JSON expects a phone number its own CSV does not hold (the corpus README), so it is left out. */
const LEFT_OUT = new Set(['location_coordinates']);
const NAMES = readdirSync(`${CORPUS}csvs`)
  .filter((f) => f.endsWith('.csv'))
  .map((f) => f.slice(0, -'.csv'.length))
  .filter((name) => !LEFT_OUT.has(name))
  .sort();
const EXPECTED = Object.fromEntries(NAMES.map((name) => [name, JSON.parse(readFileSync(`${CORPUS}json/${name}.json`, 'utf8')) as Record<string, string>[]]));
const LINEAGE = new Set(['_source_file', '_batch_id', '_ingested_at']);

/** Files beside the corpus, for what it does not hold: both kinds of empty field, quotes never closed, bad records after multi-line ones. */
const EDGE: Record<string, string> = {
  'r_20240309_empty_fields.csv': 'a,b,c\n1,"",\n2,,""\n"",3,\n',
  // Valid: quoted fields with line breaks (one holds a blank line), the last one closed at the end of the file with no line break after it.
  'r_20240309_good.csv': 'id,v,w\n9,"x\ny",z\n10,"a ""quoted"" word, and\n\na blank line",w\n11,v,"closed at the end\nof the file"',
  // A quote inside an unquoted field is text: this pair of quotes would hide the open one from a count of quotes.
  'r_20240309_open_last.csv': 'id,v,w\n1,5" pipe,x\n2,y,"never closed\n3,a,b\n',
  'r_20240309_open_after_multiline.csv': 'id,v,w\n1,"a\nb",c\n2,"5"" pipe",x\n3,y,"open\n4,z,w\n',
  'r_20240309_short_after_multiline.csv': 'id,v,w\n1,"a\n\nb",c\n2,x\n',
  'r_20240309_wide_crlf.csv': 'id,v,w\r\n1,"a\r\nb",c\r\n\r\n2,x,y,extra\r\n',
  'r_20240309_header_spans.csv': 'id,"v\nw",x\n1,2,3\n',
  // Spark splits records at the first line's ending only; DuckDB gives up on the file: both name the line.
  'r_20240309_mixed_endings.csv': 'id,v,w\n1,a,b\n2,"c\r\nd",e\r\n3,f,g\n',
};

/** Every string of up to `max` characters from `alphabet`. */
function strings(alphabet: readonly string[], max: number): string[] {
  const out = [''];
  for (let start = 0, length = 1; length <= max; length++) {
    const end = out.length;
    for (let i = start; i < end; i++) for (const c of alphabet) out.push(out[i] + c);
    start = end;
  }
  return out;
}

/** Rows as a multiset: bronze keeps no order, so both sides are sorted the same way. */
const canonical = (rows: readonly Record<string, unknown>[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const fileOf = (row: Row) => String(row['_source_file']).split('/').pop() as string;

/**
 * One bronze run per engine (one config row per corpus file, all into one table, plus the edge
 * files into a second), then one query per table: Spark pays its per-table statements twice.
 */
for (const target of await enginesUnderTest()) {
  describeEngine(target, `delimited files as RFC 4180 reads them, on ${target.name}`, () => {
    // The e2e_ prefix: the live suite drops the schemas of the catalogs so named when it ends.
    const catalog = `e2e_${target.name}_${process.pid}_rfc`;
    let engine: Engine;
    let summary: RunSummary;
    let spectrum: Row[];
    let edge: Row[];
    const outcome = (name: string) => summary.files.find((f) => f.path.endsWith(`/${name}`));

    beforeAll(async () => {
      // Where the engine reads (a volume for the live Databricks suite): the corpus copied as it is, then the edge files.
      const scratch = target.scratch();
      for (const name of NAMES) scratch.write(`raw/spectrum/${name}.csv`, readFileSync(`${CORPUS}csvs/${name}.csv`));
      for (const [name, content] of Object.entries(EDGE)) scratch.write(`raw/edge/${name}`, content);
      const config = scratch.config([
        // Files without a date in their name are dated by modification time, which a fresh copy has in this window.
        ...NAMES.map((name) => `spectrum,csv,${name},${name}.csv,${scratch.path('raw', 'spectrum')}/,delimited,",",true,${catalog},spectrum_bronze,spectrum_raw,true`),
        `spectrum,rfc,edge,r_*.csv,${scratch.path('raw', 'edge')}/,delimited,",",true,${catalog},spectrum_bronze,edge_raw,true`,
      ]);
      engine = await target.open();
      summary = await runBronze({ beginDate: '1970-01-01' }, { engine, configPath: config });
      const rowsOf = (table: string) => engine.query(sql`SELECT * FROM ${sql.raw(engine.dialect.tableName(catalog, 'spectrum_bronze', table))}`);
      spectrum = await rowsOf('spectrum_raw').catch(() => []);
      edge = await rowsOf('edge_raw').catch(() => []);
    });
    afterAll(async () => {
      await engine?.close();
    });

    it('loads every csv-spectrum file with exactly the rows its JSON expects', () => {
      expect(NAMES).toHaveLength(11);
      // The table has every file's columns; a file's rows hold its own and NULL in the others.
      const columns = [...new Set(NAMES.flatMap((name) => (EXPECTED[name] ?? []).flatMap((row) => Object.keys(row))))];
      const expected = Object.fromEntries(NAMES.map((name) => [name, canonical((EXPECTED[name] ?? []).map((row) => Object.fromEntries(columns.map((c) => [c, row[c] ?? null]))))]));
      const actual = Object.fromEntries(
        NAMES.map((name) => {
          const file = outcome(`${name}.csv`);
          if (file?.status !== 'SUCCESS') return [name, `${file?.status ?? 'not listed'}: ${file?.reason ?? ''}`];
          const rows = spectrum.filter((r) => fileOf(r) === `${name}.csv`).map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !LINEAGE.has(k))));
          return [name, canonical(rows)];
        }),
      );
      // One comparison, so a failure shows every file that differs.
      expect(actual).toEqual(expected);
      expect(Object.fromEntries(NAMES.map((name) => [name, outcome(`${name}.csv`)?.rows]))).toEqual(Object.fromEntries(NAMES.map((name) => [name, EXPECTED[name]?.length])));
    });

    it('reads a quoted empty field ("") as an empty string and an unquoted empty field as NULL', () => {
      expect(outcome('r_20240309_empty_fields.csv')).toMatchObject({ status: 'SUCCESS', rows: 3 });
      const rows = edge.filter((r) => fileOf(r) === 'r_20240309_empty_fields.csv').map((r) => ({ a: r['a'], b: r['b'], c: r['c'] }));
      expect(canonical(rows)).toEqual(
        canonical([
          { a: '1', b: '', c: null },
          { a: '2', b: null, c: '' },
          { a: '', b: '3', c: null },
        ]),
      );
    });

    it('loads quoted line breaks, doubled quotes and delimiters as written, up to a field closed at the end of the file', () => {
      expect(outcome('r_20240309_good.csv')).toMatchObject({ status: 'SUCCESS', rows: 3 });
      expect(canonical(edge.filter((r) => fileOf(r) === 'r_20240309_good.csv').map((r) => ({ id: r['id'], v: r['v'], w: r['w'] })))).toEqual(
        canonical([
          { id: '9', v: 'x\ny', w: 'z' },
          { id: '10', v: 'a "quoted" word, and\n\na blank line', w: 'w' },
          { id: '11', v: 'v', w: 'closed at the end\nof the file' },
        ]),
      );
    });

    // Spark finds a quote never closed with regexes over lines (quoteTransition); they must read every line as the tokenizer does.
    if (target.name === 'spark') it('reads quotes per line as the hub\'s tokenizer does, for every short line, with three delimiters', async () => {
      for (const [delimiter, lines] of [[',', strings(['a', ',', '"'], 6)], ['|', strings(['a', '|', ',', '"'], 4)], ['\t', strings(['a', '\t', ' ', '"'], 4)]] as const) {
        const values = sql.join(lines.map((line, i) => sql`(${sql.literal(i)}, ${sql.literal(line)})`));
        const rows = await engine.query(sql`SELECT i, ${quoteTransition(sql.raw('line'), delimiter)} AS t FROM VALUES ${values} AS v(i, line) ORDER BY i`);
        // Bit 0: ends inside a quote read from a record's start; bit 1: read from inside a quoted field (a leading quote puts the tokenizer there).
        const expected = lines.map((line, i) => ({ i, t: (endsInsideQuote(Buffer.from(line), delimiter) ? 1 : 0) + (endsInsideQuote(Buffer.from(`"${line}`), delimiter) ? 2 : 0) }));
        expect(rows.map((r) => ({ i: Number(r['i']), t: Number(r['t']) })), `delimiter ${JSON.stringify(delimiter)}`).toEqual(expected);
      }
    });

    it('quarantines a quote never closed with the line it opens on, and a bad record with the line it starts on', () => {
      const reasons = Object.fromEntries(
        Object.keys(EDGE)
          .filter((name) => !['r_20240309_empty_fields.csv', 'r_20240309_good.csv'].includes(name))
          .map((name) => [name, [outcome(name)?.status, outcome(name)?.rows, outcome(name)?.reason?.split(':').slice(0, 2).join(':')]]),
      );
      expect(reasons).toEqual({
        'r_20240309_open_last.csv': ['QUARANTINED', 0, 'line 3: unterminated quote'],
        'r_20240309_open_after_multiline.csv': ['QUARANTINED', 0, 'line 5: unterminated quote'],
        // The engines word a wrong number of fields differently; the line is the same where the hub reads the file (after a record over
        // several lines Databricks, whose files the hub cannot read, names the record).
        'r_20240309_short_after_multiline.csv': ['QUARANTINED', 0, expect.stringMatching(target.name === 'databricks' ? /^record 2: / : /^line 5: /)],
        'r_20240309_wide_crlf.csv': ['QUARANTINED', 0, expect.stringMatching(target.name === 'databricks' ? /^record 2: / : /^line 5: /)],
        'r_20240309_header_spans.csv': ['QUARANTINED', 0, 'line 1: the header has a quoted column name that goes on past the end of the line'],
        'r_20240309_mixed_endings.csv': ['QUARANTINED', 0, 'line 4: mixed line endings'],
      });
      // None of their rows landed.
      expect([...new Set(edge.map(fileOf))].sort()).toEqual(['r_20240309_empty_fields.csv', 'r_20240309_good.csv']);
    });
  });
}

import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DatabricksDialect, SparkDialect, sql, type CompiledStatement, type Engine, type JsonColumn, type SqlValue } from '@org/hub-core';
import { applyDdl, COLUMN_MIGRATIONS, LeaseTable, LoadTracker, runExecutor, textScan, upsertFileConfig, type FileConfigRow } from '@org/hub-bronze';
import { createRecordingEngine, inlineParameters, maskLiterals, recordScenario, scenarioMatrix, textScanOf } from '@org/hub-testing';
import { describeEngine, enginesUnderTest } from './support/engines.js';

/** The metadata tables a run creates: one file each in ddl/delta/. */
const DELTA_DDL_FILES = readdirSync(new URL('../ddl/delta/', import.meta.url)).filter((f) => f.endsWith('.sql'));

/** The engines reachable here; Spark among them when it runs, or is required (then its cases fail when it cannot be opened). */
const targets = await enginesUnderTest();

const CONFIG: FileConfigRow[] = [
  { lob: 'falcon', category: 'transactions', subcategory: 'credit', filePattern: 'transactions_*.csv', sourcePath: "abfss://raw@acct.dfs.core.windows.net/it's/", fileFormat: 'delimited', delimiter: ',', hasHeader: true, destCatalog: 'dev', destSchema: 'falcon_bronze', destTable: 'credit_raw', isActive: true },
  { lob: 'eagle', category: 'web', subcategory: 'clicks', filePattern: '*.parquet', sourcePath: '/Volumes/dev/raw/landing/web/', fileFormat: 'parquet', delimiter: null, hasHeader: false, destCatalog: 'dev', destSchema: 'eagle_bronze', destTable: 'clicks_raw', isActive: true },
];

/** The statements the Spark and Databricks engines share, issued through the code a run uses. */
async function sharedStatements(engine: Engine): Promise<void> {
  await applyDdl(engine, 'dev');
  await upsertFileConfig(runExecutor(engine), 'dev', CONFIG);
  const tracker = new LoadTracker(engine, 'dev');
  const leases = new LeaseTable(engine, 'dev');
  await leases.acquire('dev.falcon_bronze.credit_raw', 'run-1', { ttlMs: 120_000 });
  await leases.renew('dev.falcon_bronze.credit_raw', 'run-1', 120_000);
  await tracker.reconcile(sql.raw(engine.dialect.tableName('dev', 'falcon_bronze', 'credit_raw')), 'dev.falcon_bronze.credit_raw', CONFIG[0] as FileConfigRow);
  const file = { config: CONFIG[0] as FileConfigRow, name: 'a.csv', path: "abfss://raw@acct.dfs.core.windows.net/it's/a.csv", sizeBytes: 10, modifiedAt: new Date('2024-03-09T10:00:00Z'), fileDate: '2024-03-09', rows: 2 };
  await tracker.intend('run-1', 'dev.falcon_bronze.credit_raw', [file], new Date('2024-03-10T00:00:00Z'));
  await tracker.record('run-1', 'dev.falcon_bronze.credit_raw', [{ ...file, status: 'SUCCESS', reason: null }, { ...file, name: 'b.csv', path: `${file.path}b`, status: 'QUARANTINED', rows: 0, reason: 'line 2: x' }], new Date('2024-03-10T00:00:00Z'));
  await tracker.supersede('dev.falcon_bronze.credit_raw', [file.path], 'run-1');
  await leases.release('dev.falcon_bronze.credit_raw', 'run-1');
  await tracker.recent(20);
}

/** A recording engine for a dialect that answers the reads of sharedStatements. */
function recorder(dialect: SparkDialect) {
  return createRecordingEngine(dialect, {
    respond: (s) => (s.sql.startsWith('SELECT dest_table, run_id') ? [{ dest_table: 'dev.falcon_bronze.credit_raw', run_id: 'run-1', holder: 'host:1', acquired_at: new Date(), expires_at: new Date() }] : s.sql.startsWith("SELECT 'untracked' AS kind") ? [{ kind: 'untracked', n: 1 }, { kind: 'stale', n: 1 }, { kind: 'loading', n: 1 }] : []),
  });
}

describe('the statements Spark and Databricks share', () => {
  it('are the same text on both engines apart from parameter markers, so the Spark e2e suite executes what a warehouse runs', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2024-03-10T12:00:00Z'));
    try {
      const spark = recorder(new SparkDialect());
      const databricks = recorder(new DatabricksDialect());
      await sharedStatements(spark.engine);
      await sharedStatements(databricks.engine);
      expect(databricks.statements).toHaveLength(spark.statements.length);
      // DDL (the schema and one table per file in ddl/delta/), a DESCRIBE per migrated table and an ALTER per migrated column (the recorder's
      // DESCRIBE lists none), config MERGE, lease MERGE, SELECT, renewal UPDATE and SELECT, and DELETE, reconcile count, stale MERGE, INSERT and LOADING
      // DELETE, tracker INSERTs (LOADING, then the outcomes) and the DELETE of the LOADING rows, supersede, status.
      const migrated = new Set(COLUMN_MIGRATIONS.map((m) => m.table)).size;
      expect(databricks.statements).toHaveLength(1 + DELTA_DDL_FILES.length + migrated + COLUMN_MIGRATIONS.length + 15);
      expect(databricks.statements.filter((x) => x.sql.startsWith('ALTER TABLE'))).toHaveLength(COLUMN_MIGRATIONS.length);
      const sparkDialect = new SparkDialect();
      // Spark folds catalog.schema into one database: map the names back to compare the rest.
      const unfold = (text: string) => text.replace(/`spark_catalog`\.`([A-Za-z0-9]+)__([A-Za-z0-9_]+)`/g, '`$1`.`$2`');
      databricks.statements.forEach((s, i) => {
        expect(unfold(inlineParameters(s, sparkDialect))).toBe(unfold((spark.statements[i] as CompiledStatement).sql));
      });
      // What makes this worth asserting: Databricks binds the values (none inline), Spark inlines them.
      for (const s of databricks.statements.filter((x) => !/^(CREATE|DESCRIBE|ALTER|SELECT lob|SELECT load_timestamp)/.test(x.sql))) expect(Object.keys(s.params).length, s.sql).toBeGreaterThan(0);
      for (const s of spark.statements) expect(s.params).toEqual({});
      for (const s of databricks.statements) expect(s.sql).not.toContain("it\\'s");
    } finally {
      vi.useRealTimers();
    }
  });
});

/** Rows with every value kind a JSON array carries, and strings a literal function must escape. */
const JSON_COLUMNS: JsonColumn[] = [
  { name: 'text', type: 'string' },
  { name: 'n', type: 'bigint' },
  { name: 'flag', type: 'boolean' },
  { name: 'at', type: 'timestamp' },
  { name: 'day', type: 'date' },
];
const JSON_VALUES: SqlValue[][] = [
  ["it's a \\ \"quote\"\nline two\r\u0001 é 日本 '); DROP TABLE t; --", 9_007_199_254_740_991, true, new Date('2024-03-09T23:59:59.123Z'), '2024-03-09'],
  [null, null, null, null, null],
  ['', -1, false, new Date('1970-01-01T00:00:00.000Z'), '1999-12-31'],
];

for (const target of targets) {
  describeEngine(target, `shared statement shapes executed on ${target.name}`, () => {
    it('expands rows bound as one JSON value back into the exact values', async () => {
      const engine = await target.open();
      try {
        const rows = await engine.query(sql`SELECT * FROM (${engine.dialect.jsonRows(JSON_COLUMNS, JSON_VALUES)}) AS r ORDER BY n NULLS FIRST`);
        const day = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : v === null ? null : String(v).slice(0, 10));
        expect(rows.map((r) => [r['text'], r['n'] === null ? null : Number(r['n']), r['flag'], r['at'] instanceof Date ? r['at'].toISOString() : r['at'], day(r['day'])])).toEqual([
          [null, null, null, null, null],
          ['', -1, false, '1970-01-01T00:00:00.000Z', '1999-12-31'],
          [JSON_VALUES[0]?.[0], 9_007_199_254_740_991, true, '2024-03-09T23:59:59.123Z', '2024-03-09'],
        ]);
        const contains = await engine.query(sql`SELECT ${engine.dialect.jsonContains(["it's", 'b'], sql`${"it's"}`)} AS yes, ${engine.dialect.jsonContains(['a'], sql`${'b'}`)} AS no`);
        expect(contains).toEqual([{ yes: true, no: false }]);
      } finally {
        await engine.close();
      }
    });

    it('reads the status with LIMIT as an INT', async () => {
      const engine = await target.open();
      const catalog = `e2e_${target.name}_${process.pid}_sql`;
      try {
        await engine.prepareCatalogs([catalog]);
        await applyDdl(engine, catalog);
        const tracker = new LoadTracker(engine, catalog);
        const file = { config: CONFIG[0] as FileConfigRow, name: 'a.csv', path: '/x/a.csv', sizeBytes: 10, modifiedAt: new Date('2024-03-09T10:00:00Z'), fileDate: '2024-03-09', rows: 2, status: 'SUCCESS' as const, reason: null };
        await tracker.record('run-1', 'dev.s.t', [file, { ...file, name: 'b.csv', path: '/x/b.csv' }, { ...file, name: 'c.csv', path: '/x/c.csv' }], new Date());
        expect((await tracker.recent(2)).map((r) => r['file_path'])).toEqual(['/x/a.csv', '/x/b.csv']);
      } finally {
        if (target.name === 'spark') await engine.run(`DROP DATABASE IF EXISTS ${engine.dialect.schemaName(catalog, 'bronze_metadata')} CASCADE`).catch(() => undefined);
        await engine.close();
      }
    });
  });
}

/** Analysis errors EXPLAIN may report for a Databricks statement on OSS Spark: a Databricks-only function, catalog or table. */
const UNRESOLVED = /^(TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND|CATALOG_NOT_FOUND|UNRESOLVABLE_TABLE_VALUED_FUNCTION|UNRESOLVED_ROUTINE|REQUIRES_SINGLE_PART_NAMESPACE)/;

const sparkTarget = targets.find((t) => t.name === 'spark');
if (sparkTarget) {
  describeEngine(sparkTarget, 'Spark\'s parser over every Databricks statement', () => {
    const engines: Engine[] = [];
    afterAll(async () => {
      for (const engine of engines) await engine.close();
    });

    it('parses every distinct statement of the recorded Databricks runs but COPY INTO and LIST', async () => {
      const engine = await sparkTarget.open();
      engines.push(engine);
      const sparkDialect = new SparkDialect();
      // One statement per shape (text without its literals' contents), the longest of each: values travel through the literal function, tested on its own.
      const shapes = new Map<string, string>();
      for (const scenario of scenarioMatrix()) {
        for (const s of (await recordScenario(scenario)).statements) {
          if (/^(COPY INTO|LIST)\b/.test(s.sql)) continue;
          const text = inlineParameters(s, sparkDialect);
          const shape = maskLiterals(s.sql).replace(/'\s*'/g, "''").replace(/:p\d+/g, ':p');
          if ((shapes.get(shape)?.length ?? -1) < text.length) shapes.set(shape, text);
        }
      }
      expect(shapes.size).toBeGreaterThan(20);
      const problems: string[] = [];
      for (const text of shapes.values()) {
        let plan = '';
        try {
          plan = (await engine.query(`EXPLAIN ${text}`)).map((r) => String(r['plan'])).join('\n');
        } catch (error) {
          problems.push(`${(error instanceof Error ? error.message : String(error)).split('\n')[0]}\n  in: ${text.slice(0, 300)}`);
          continue;
        }
        const errorClass = /AnalysisException: \[([A-Z_.]+)\]/.exec(plan)?.[1];
        if (/PARSE_SYNTAX_ERROR|ParseException/.test(plan) || (errorClass !== undefined && !UNRESOLVED.test(errorClass))) problems.push(`${plan.split('\n').slice(0, 2).join(' ')}\n  in: ${text.slice(0, 300)}`);
      }
      expect(problems).toEqual([]);
    });
  });
}

/** The csv-spectrum corpus beside the repository (../shared, as CI's clone has it). */
const CORPUS = new URL('../../shared/corpora/csv-spectrum/csvs/', import.meta.url);

/** Files whose lines end, quote and decode in every way the text scan must tell apart. */
const TEXT_CASES: Record<string, Buffer> = Object.fromEntries(
  Object.entries({
    lf: 'a,b\n1,2\n',
    crlf_quoted_crlf: 'a,b\r\n1,"x\r\ny"\r\n2,z\r\n',
    cr_only: 'a,b\r1,"x\ry"\r3,4\r',
    cr_unterminated: 'a,b\r1,2',
    ends_with_cr_after_crlf: 'a,b\r\n1,2\r',
    lf_then_crlf: 'a,b\n1,2\r\n3,4\n',
    crlf_then_lf_last: 'a,b\r\n1,2\r\n3,4\n',
    cr_then_lf: 'a,b\r1,2\n3,4\r',
    blank_lines: 'a,b\n\n1,2\n\n\n3,4\n',
    header_spans: 'a,"b\nc"\n1,2\n',
    open_last: 'id,v,w\n1,5" pipe,x\n2,y,"never closed\n3,a,b\n',
    open_after_multiline: 'id,v,w\n1,"a\nb",c\n2,"5"" pipe",x\n3,y,"open\n4,z,w\n',
    closed_at_end: 'id,v\n9,"x\ny"',
    mixed_inside_quotes: 'id,v,w\n1,a,b\n2,"c\r\nd",e\r\n3,f,g\n',
    only_header: 'a,b',
    spaces: 'a,b\n  \n1,2\n',
  }).map(([name, text]) => [name, Buffer.from(text)]),
);
// Invalid UTF-8 on a later line, in files whose lines end in each way; a valid U+FFFD before it is not mistaken for it.
for (const [ending, br] of [['lf', '\n'], ['crlf', '\r\n'], ['cr', '\r']] as const) {
  TEXT_CASES[`utf8_${ending}`] = Buffer.concat([Buffer.from(`a,b${br}1,\uFFFD${br}2,`), Buffer.from([0xff, 0xfe]), Buffer.from(`${br}3,4${br}`)]);
}

/** Short files over a small alphabet, from a fixed seed: every way quotes, delimiters and line breaks meet. */
function generatedCases(count: number): Record<string, Buffer> {
  const alphabet = ['a', ',', '"', '\n', '\r', '\r\n', '""'];
  let seed = 20240309;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const out: Record<string, Buffer> = {};
  for (let i = 0; i < count; i++) {
    const parts = Array.from({ length: 1 + Math.floor(next() * 14) }, () => alphabet[Math.floor(next() * alphabet.length)] as string);
    out[`gen_${i}`] = Buffer.from(`a${parts.join('')}`);
  }
  return out;
}

/** The records `read_files(..., format => 'text', lineSep => '\\n')` gives a file: its bytes split at LF, no record after a last LF. */
function lfRecords(content: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < content.length; i++) {
    if (content[i] !== 0x0a) continue;
    out.push(content.subarray(start, i));
    start = i + 1;
  }
  if (start < content.length) out.push(content.subarray(start));
  return out;
}

if (sparkTarget) {
  describeEngine(sparkTarget, 'the Databricks text scan, executed on Spark', () => {
    it('finds first lines, line endings, invalid UTF-8, quotes never closed and where records stop being lines, as the hub\'s tokenizer does', async () => {
      const files: Record<string, Buffer> = { ...TEXT_CASES, ...generatedCases(300) };
      for (const name of readdirSync(CORPUS).filter((f) => f.endsWith('.csv'))) files[`spectrum_${name}`] = readFileSync(new URL(name, CORPUS));
      // The rows read_files would give, as a VALUES relation in place of read_files: the rest of the statement is the one the warehouse runs.
      let id = 0;
      const rows = Object.entries(files).flatMap(([name, content]) =>
        lfRecords(content).map((record) => sql`(${sql.literal(name)}, ${sql.raw(String(++id))}, ${sql.raw(String(content.length))}, CAST(X'${sql.raw(record.toString('hex'))}' AS STRING))`),
      );
      const records = sql`(SELECT name, id, size, value FROM VALUES ${sql.join(rows)} AS r(name, id, size, value))`;
      const engine = await sparkTarget.open();
      try {
        const got = await engine.query(textScan(records, ','));
        const number = (v: unknown) => (v === null || v === undefined ? null : Number(v));
        const actual = Object.fromEntries(
          got.map((r) => [
            String(r['name']),
            { first_line: r['first_line'], first_ending: r['first_ending'], utf8_line: number(r['utf8_line']), open_quote_line: number(r['open_quote_line']), mixed_line: number(r['mixed_line']), mixed_ending: r['mixed_ending'], shift_line: number(r['shift_line']) },
          ]),
        );
        const expected = Object.fromEntries(Object.entries(files).map(([name, content]) => [name, textScanOf(content, ',')]));
        expect(actual).toEqual(expected);
        // And for the hand-made cases, what each file holds, written from the file itself (not from the tokenizer): a scan that numbers,
        // orders or folds its lines wrongly fails here even where the reference would be wrong the same way.
        const none = { utf8_line: null, open_quote_line: null, mixed_line: null, mixed_ending: null, shift_line: null };
        const written: Record<string, Record<string, unknown>> = {
          lf: { ...none, first_line: 'a,b', first_ending: 'LF' },
          crlf_quoted_crlf: { ...none, first_line: 'a,b', first_ending: 'CRLF', shift_line: 3 },
          cr_only: { ...none, first_line: 'a,b', first_ending: 'CR', shift_line: 3 },
          cr_unterminated: { ...none, first_line: 'a,b', first_ending: 'CR' },
          ends_with_cr_after_crlf: { ...none, first_line: 'a,b', first_ending: 'CRLF', mixed_line: 2, mixed_ending: 'CR' },
          lf_then_crlf: { ...none, first_line: 'a,b', first_ending: 'LF', mixed_line: 2, mixed_ending: 'CRLF' },
          crlf_then_lf_last: { ...none, first_line: 'a,b', first_ending: 'CRLF', mixed_line: 3, mixed_ending: 'LF' },
          cr_then_lf: { ...none, first_line: 'a,b', first_ending: 'CR', mixed_line: 2, mixed_ending: 'LF' },
          blank_lines: { ...none, first_line: 'a,b', first_ending: 'LF', shift_line: 2 },
          header_spans: { ...none, first_line: 'a,"b', first_ending: 'LF', shift_line: 2 },
          open_last: { ...none, first_line: 'id,v,w', first_ending: 'LF', open_quote_line: 3, shift_line: 4 },
          open_after_multiline: { ...none, first_line: 'id,v,w', first_ending: 'LF', open_quote_line: 5, shift_line: 3 },
          closed_at_end: { ...none, first_line: 'id,v', first_ending: 'LF', shift_line: 3 },
          mixed_inside_quotes: { ...none, first_line: 'id,v,w', first_ending: 'LF', mixed_line: 4, mixed_ending: 'CRLF', shift_line: 4 },
          only_header: { ...none, first_line: 'a,b', first_ending: null },
          spaces: { ...none, first_line: 'a,b', first_ending: 'LF' },
          utf8_lf: { ...none, first_line: 'a,b', first_ending: 'LF', utf8_line: 3 },
          utf8_crlf: { ...none, first_line: 'a,b', first_ending: 'CRLF', utf8_line: 3 },
          utf8_cr: { ...none, first_line: 'a,b', first_ending: 'CR', utf8_line: 3 },
        };
        expect(Object.keys(written).sort()).toEqual(Object.keys(TEXT_CASES).sort());
        expect(Object.fromEntries(Object.keys(written).map((name) => [name, actual[name]]))).toEqual(written);
        // The cases hold what they are there for.
        expect(expected['cr_then_lf']).toMatchObject({ first_ending: 'CR', mixed_line: 2, mixed_ending: 'LF' });
        expect(expected['crlf_then_lf_last']).toMatchObject({ first_ending: 'CRLF', mixed_line: 3, mixed_ending: 'LF' });
        expect(expected['mixed_inside_quotes']).toMatchObject({ first_ending: 'LF', mixed_line: 4, mixed_ending: 'CRLF' });
        expect(expected['open_after_multiline']).toMatchObject({ open_quote_line: 5, shift_line: 3 });
        expect(expected['utf8_cr']).toMatchObject({ first_ending: 'CR', utf8_line: 3 });
        expect(expected['cr_only']).toMatchObject({ first_ending: 'CR', mixed_line: null, shift_line: 3 });
      } finally {
        await engine.close();
      }
    });
  });
}

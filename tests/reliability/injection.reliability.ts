import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { configCsv, inspect, plainLines, rowsPerFile, runCli, summaryOf, tempDir, writeFile, type ConfigLine, type ProcResult } from './support.js';

const CATALOG = 'inj';
const AS_OF = '2024-03-10';
const CANARY = `${CATALOG}.falcon_bronze.canary`;
const META_CANARY = `${CATALOG}.bronze_metadata.canary`;

/** A warehouse whose catalog already holds two canary tables (one beside the bronze tables, one beside the tracker). */
async function warehouseWithCanary(): Promise<string> {
  const warehouse = tempDir('wh-inj');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`ATTACH '${join(warehouse, `${CATALOG}.duckdb`)}' AS ${CATALOG}`);
    for (const table of [CANARY, META_CANARY]) {
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${table.split('.').slice(0, 2).join('.')}`);
      await connection.run(`CREATE TABLE ${table} AS SELECT 1 AS alive`);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return warehouse;
}

async function expectCanaryAlive(warehouse: string): Promise<void> {
  await inspect(warehouse, [CATALOG], async (q) => {
    for (const table of [CANARY, META_CANARY]) expect((await q(`SELECT alive FROM ${table}`)).map((r) => r['alive']), table).toEqual([1]);
  });
}

interface Scenario {
  readonly dir: string;
  readonly warehouse: string;
  readonly raw: string;
  readonly config: string;
}

/** Source files under raw/, a config with one delimited row over them (overridable), and a canary warehouse. */
async function scenario(files: Record<string, string>, line: Partial<ConfigLine> = {}): Promise<Scenario> {
  const dir = tempDir('inj');
  const raw = line.source ?? `${join(dir, 'raw')}/`;
  for (const [name, content] of Object.entries(files)) writeFile(join(raw, name), content);
  const config = writeFile(
    join(dir, 'config.csv'),
    configCsv([{ category: 'inj', subcategory: 'inj', pattern: '*.csv', source: raw, format: 'delimited', catalog: CATALOG, table: 'inj_raw', ...line }]),
  );
  return { dir, warehouse: await warehouseWithCanary(), raw, config };
}

const run = (s: Scenario, extra: readonly string[] = [], config = s.config): Promise<ProcResult> =>
  runCli(['bronze', 'run', '--json', '--config', config, '--as-of', AS_OF, '--warehouse', s.warehouse, ...extra]);

const CSV = 'id,note\n1,plain\n2,"it\'s; DROP TABLE inj.falcon_bronze.canary; --"\n';

/** Rejected before anything runs: exit 1, a message naming the offending value, canary alive, nothing loaded. */
async function expectRejected(s: Scenario, result: ProcResult, message: RegExp): Promise<void> {
  expect(result.code, result.stderr).toBe(1);
  expect(plainLines(result.stderr).join('\n')).toMatch(message);
  await expectCanaryAlive(s.warehouse);
  expect(await inspect(s.warehouse, [CATALOG], (q) => rowsPerFile(q, CATALOG, 'inj_raw'))).toEqual(new Map());
}

/** Handled literally: exit 0, exactly these files loaded with their own rows, canary alive. */
async function expectLoadedLiterally(s: Scenario, result: ProcResult, expected: Record<string, string[]>, table = 'inj_raw'): Promise<void> {
  expect(result.code, result.stderr).toBe(0);
  await expectCanaryAlive(s.warehouse);
  await inspect(s.warehouse, [CATALOG], async (q) => {
    const rows = await q(`SELECT _source_file AS f, list(id ORDER BY id) AS ids FROM ${CATALOG}.falcon_bronze.${table} GROUP BY 1 ORDER BY 1`);
    const got = Object.fromEntries(rows.map((r) => [String(r['f']), (r['ids'] as unknown[]).map(String)]));
    expect(got, `loaded: ${JSON.stringify(got)}`).toEqual(expected);
  });
}

/**
 * SQL and shell metacharacters through every input a user controls: config values, job
 * parameters, --var values and file names. Each attempt is rejected with a clear error or
 * handled literally, and two canary tables survive all of them.
 */
describe('injection', () => {
  // --- config values ---
  it('config dest_table "x;DROP TABLE canary" is rejected by validation', async () => {
    const s = await scenario({ 'f_20240309.csv': CSV }, { table: 'x;DROP TABLE inj.falcon_bronze.canary' });
    await expectRejected(s, await run(s), /config\.csv:2: dest_table: .* is not a valid identifier/);
  });

  it('config dest_schema with a double quote and a comment is rejected by validation', async () => {
    const s = await scenario({ 'f_20240309.csv': CSV }, { schema: 'falcon_bronze"; DROP TABLE inj.falcon_bronze.canary; --' });
    await expectRejected(s, await run(s), /config\.csv:2: dest_schema: .* is not a valid identifier/);
  });

  it('config file_pattern with quotes matches file names literally', async () => {
    const s = await scenario({ "it's_20240309.csv": 'id\n1\n', 'its_20240309.csv': 'id\n2\n' }, { pattern: "it's_*.csv" });
    await expectLoadedLiterally(s, await run(s), { [`${s.raw}it's_20240309.csv`]: ['1'] });
  });

  it("config source_path with ' ; and -- is read as a folder name", async () => {
    const dir = tempDir('inj-src');
    const s = await scenario({ 'f_20240309.csv': 'id\n7\n' }, { source: `${join(dir, "o'brien; DROP TABLE inj.falcon_bronze.canary; --")}/` });
    await expectLoadedLiterally(s, await run(s), { [`${s.raw}f_20240309.csv`]: ['7'] });
  });

  it('config source_path with glob brackets reads that folder, not the folder the glob matches', async () => {
    const dir = tempDir('inj-src');
    writeFile(join(dir, 'a1', 'f_20240309.csv'), 'id\n999\n');
    const s = await scenario({ 'f_20240309.csv': 'id\n8\n' }, { source: `${join(dir, 'a[1]')}/` });
    await expectLoadedLiterally(s, await run(s), { [`${s.raw}f_20240309.csv`]: ['8'] });
  });

  // --- job parameters ---
  it("--category \"' OR 1=1 --\" is rejected as an unknown category", async () => {
    const s = await scenario({ 'f_20240309.csv': CSV });
    await expectRejected(s, await run(s, ['--category', "' OR 1=1 --"]), /category.*OR 1=1/);
  });

  it("--subcategory \"'; DROP TABLE ...; --\" is rejected as an unknown subcategory", async () => {
    const s = await scenario({ 'f_20240309.csv': CSV });
    await expectRejected(s, await run(s, ['--subcategory', "'; DROP TABLE inj.falcon_bronze.canary; --"]), /subcategory.*DROP TABLE/);
  });

  it("--file-name \"' OR 1=1 --\" selects no file (it is compared as a name): no such file, exit 1", async () => {
    const s = await scenario({ 'f_20240309.csv': CSV, 'g_20240309.csv': CSV });
    const result = await run(s, ['--file-name', "' OR 1=1 --"]);
    expect(result.code, result.stderr).toBe(1);
    expect(summaryOf(result).error?.message).toMatch(/^parameter file_name: no file named ' OR 1=1 -- in the source folder \S+: the 2 closest names are f_20240309\.csv \(edit distance 14\), g_20240309\.csv \(edit distance 14\)$/);
    await expectCanaryAlive(s.warehouse);
    expect(await inspect(s.warehouse, [CATALOG], (q) => rowsPerFile(q, CATALOG, 'inj_raw'))).toEqual(new Map());
  });

  it('--file-name naming a file with quotes and SQL in its name loads that one file', async () => {
    const name = "x'); DROP TABLE inj.falcon_bronze.canary; --.csv";
    const s = await scenario({ [name]: 'id\n3\n', 'f_20240309.csv': 'id\n4\n' });
    await expectLoadedLiterally(s, await run(s, ['--file-name', name]), { [`${s.raw}${name}`]: ['3'] });
  });

  it("--begin-date \"2024-03-01' OR '1'='1\" is rejected as an invalid date", async () => {
    const s = await scenario({ 'f_20240309.csv': CSV });
    await expectRejected(s, await run(s, ['--begin-date', "2024-03-01' OR '1'='1"]), /begin_date/);
  });

  it('--job-params JSON with an injected category is rejected', async () => {
    const s = await scenario({ 'f_20240309.csv': CSV });
    await expectRejected(s, await run(s, ['--job-params', JSON.stringify({ category: "inj' OR '1'='1", begin_date: '' })]), /category/);
  });

  // --- --var values and flags ---
  it('--var catalog="inj; DROP TABLE ..." is rejected as an identifier', async () => {
    const s = await scenario({ 'f_20240309.csv': CSV }, { catalog: '${catalog}' });
    await expectRejected(s, await run(s, ['--var', 'catalog=inj; DROP TABLE inj.falcon_bronze.canary']), /dest_catalog: .* is not a valid identifier/);
  });

  it("--var substituted into source_path with ' and $ is used literally", async () => {
    const dir = tempDir('inj-var');
    const folder = join(dir, "it's $HOME; --");
    const s = await scenario({}, { source: '${root}' });
    writeFile(join(folder, 'f_20240309.csv'), 'id\n5\n');
    await expectLoadedLiterally(s, await run(s, ['--var', `root=${folder}/`]), { [`${folder}/f_20240309.csv`]: ['5'] });
  });

  it('--metadata-catalog with a quote and SQL is rejected as an identifier', async () => {
    const s = await scenario({ 'f_20240309.csv': CSV });
    await expectRejected(s, await run(s, ['--metadata-catalog', 'inj"; DROP TABLE inj.falcon_bronze.canary; --']), /invalid identifier/);
  });

  it("--source-root mapping onto a folder with ' and ; in its name is used literally", async () => {
    const dir = tempDir('inj-root');
    const local = join(dir, "lake'; DROP TABLE x; --");
    writeFile(join(local, 'txn', 'f_20240309.csv'), 'id\n6\n');
    const s = await scenario({}, { source: 'abfss://raw@acct.dfs.core.windows.net/txn/' });
    await expectLoadedLiterally(s, await run(s, ['--source-root', `abfss://raw@acct.dfs.core.windows.net/=${local}`]), {
      'abfss://raw@acct.dfs.core.windows.net/txn/f_20240309.csv': ['6'],
    });
  });

  // --- file names and file contents ---
  const names: [string, string][] = [
    ['SQL with quotes', "a';DROP TABLE inj.falcon_bronze.canary;--_20240309.csv"],
    ['backticks', 'a`touch pwned`_20240309.csv'],
    ['double quotes', 'a"b"; DROP TABLE x; --_20240309.csv'],
    ['dollar signs', 'a$(id)${HOME}$1_20240309.csv'],
    ['percent signs', 'a%27%20OR%201=1_%_20240309.csv'],
    ['unicode', 'données_日本語_🚀_20240309.csv'],
  ];
  for (const [label, name] of names) {
    it(`a file named with ${label} loads verbatim under its own name`, async () => {
      const s = await scenario({ [name]: CSV });
      const result = await run(s);
      await expectLoadedLiterally(s, result, { [`${s.raw}${name}`]: ['1', '2'] });
      await inspect(s.warehouse, [CATALOG], async (q) => {
        const notes = await q(`SELECT note FROM ${CATALOG}.falcon_bronze.inj_raw ORDER BY id`);
        expect(notes.map((r) => r['note'])).toEqual(['plain', "it's; DROP TABLE inj.falcon_bronze.canary; --"]);
        const tracked = await q(`SELECT file_name, load_status FROM ${CATALOG}.bronze_metadata.load_tracker`);
        expect(tracked).toEqual([{ file_name: name, load_status: 'SUCCESS' }]);
      });
    });
  }

  it('files named with glob brackets each load their own rows (a[1]_… beside a1_…)', async () => {
    const s = await scenario({ 'a[1]_20240309.csv': 'id\n1\n', 'a1_20240309.csv': 'id\n2\n3\n' });
    await expectLoadedLiterally(s, await run(s), { [`${s.raw}a1_20240309.csv`]: ['2', '3'], [`${s.raw}a[1]_20240309.csv`]: ['1'] });
  });

  it('files named with * and ? each load their own rows (b*_… beside bX_…)', async () => {
    const s = await scenario({ 'b*_20240309.csv': 'id\n1\n', 'bX_20240309.csv': 'id\n2\n', 'c?_20240309.csv': 'id\n3\n', 'cY_20240309.csv': 'id\n4\n' });
    await expectLoadedLiterally(s, await run(s), {
      [`${s.raw}b*_20240309.csv`]: ['1'],
      [`${s.raw}bX_20240309.csv`]: ['2'],
      [`${s.raw}c?_20240309.csv`]: ['3'],
      [`${s.raw}cY_20240309.csv`]: ['4'],
    });
  });

  it('a header whose column names hold quotes and SQL becomes literal column names', async () => {
    const s = await scenario({ 'h_20240309.csv': 'id,"v""; DROP TABLE inj.falcon_bronze.canary; --",`w`\n1,a,b\n' });
    const result = await run(s);
    await expectLoadedLiterally(s, result, { [`${s.raw}h_20240309.csv`]: ['1'] });
    await inspect(s.warehouse, [CATALOG], async (q) => {
      const columns = await q(`SELECT column_name FROM information_schema.columns WHERE table_catalog = '${CATALOG}' AND table_name = 'inj_raw' ORDER BY ordinal_position`);
      expect(columns.map((c) => c['column_name']).slice(0, 3)).toEqual(['id', 'v"; DROP TABLE inj.falcon_bronze.canary; --', '`w`']);
    });
  });

  // --- checks files: values, names and `where` ---
  /** A loaded table (the CSV above plus a column whose header is SQL) beside the canaries, and a checks file to run on it. */
  async function checked(checksYaml: string, extra: readonly string[] = []): Promise<{ s: Scenario; result: ProcResult }> {
    const s = await scenario({ 'f_20240309.csv': 'id,note,"v""; DROP TABLE inj.falcon_bronze.canary; --"\n1,plain,a\n2,"it\'s; DROP TABLE inj.falcon_bronze.canary; --",b\n' });
    const loaded = await run(s);
    expect(loaded.code, loaded.stderr).toBe(0);
    writeFile(join(s.dir, 'checks.yml'), `checks:\n${checksYaml}`);
    const result = await runCli(['quality', 'run', '--json', '--checks', join(s.dir, 'checks.yml'), '--warehouse', s.warehouse, ...extra]);
    return { s, result };
  }
  const resultsOf = (result: ProcResult) => (JSON.parse(result.stdout) as { results: { name: string; rowsEvaluated: number | null; rowsFailed: number | null }[] }).results.map((r) => [r.name, r.rowsEvaluated, r.rowsFailed]);

  it('checks: accepted values with quotes and SQL are compared as values', async () => {
    const { s, result } = await checked(
      `  - { table: inj.falcon_bronze.inj_raw, name: known, check: accepted_values, column: note, values: [plain, "it's; DROP TABLE inj.falcon_bronze.canary; --"] }\n` +
        `  - { table: inj.falcon_bronze.inj_raw, name: unknown, check: accepted_values, column: note, values: ["x'); DROP TABLE inj.falcon_bronze.canary; --"] }\n`,
    );
    expect(result.code, result.stderr).toBe(2);
    expect(resultsOf(result)).toEqual([['known', 2, 0], ['unknown', 2, 2]]);
    await expectCanaryAlive(s.warehouse);
  });

  it('checks: a regex pattern with quotes and SQL is a pattern', async () => {
    // It matches the note that holds the same text, and not the other one.
    const { s, result } = await checked(`  - { table: inj.falcon_bronze.inj_raw, name: pattern, check: regex, column: note, pattern: "'s; DROP TABLE inj[.]falcon_bronze[.]canary; --$" }\n`);
    expect(result.code, result.stderr).toBe(2);
    expect(resultsOf(result)).toEqual([['pattern', 2, 1]]);
    await expectCanaryAlive(s.warehouse);
  });

  it('checks: a column named with quotes and SQL is that column; an injected column name is an unknown column', async () => {
    const { s, result } = await checked(`  - { table: inj.falcon_bronze.inj_raw, name: quoted, check: not_null, column: 'v"; DROP TABLE inj.falcon_bronze.canary; --' }\n`);
    expect(result.code, result.stderr).toBe(0);
    expect(resultsOf(result)).toEqual([['quoted', 2, 0]]);
    const bad = await runCli(['quality', 'run', '--checks', writeFile(join(s.dir, 'bad.yml'), 'checks:\n  - { table: inj.falcon_bronze.inj_raw, check: not_null, column: \'id" IS NULL OR 1=1; DROP TABLE inj.falcon_bronze.canary; --\' }\n'), '--warehouse', s.warehouse]);
    expect(bad.code).toBe(1);
    expect(plainLines(bad.stderr).join('\n')).toMatch(/bad\.yml:2: column: column "id\\" IS NULL OR 1=1; DROP TABLE .*" is not in inj\.falcon_bronze\.inj_raw/);
    await expectCanaryAlive(s.warehouse);
  });

  it('checks: table and check names with SQL are rejected as names', async () => {
    const { s, result } = await checked(
      `  - { table: "inj.falcon_bronze.inj_raw; DROP TABLE inj.falcon_bronze.canary", check: not_null, column: id }\n` +
        `  - { table: inj.falcon_bronze.inj_raw, name: "x'; DROP TABLE inj.falcon_bronze.canary; --", check: not_null, column: id }\n`,
    );
    expect(result.code).toBe(1);
    expect(plainLines(result.stderr).map((l) => l.replace(/^deltalake-hub: /, '').replace(/^.*checks\.yml/, 'checks.yml'))).toEqual([
      'checks.yml:2: table: "inj.falcon_bronze.inj_raw; DROP TABLE inj.falcon_bronze.canary" is not a three-part name catalog.schema.table (letters, digits and _ each)',
      `checks.yml:3: name: "x'; DROP TABLE inj.falcon_bronze.canary; --" is not a valid name: letters, digits, _, . and -, at most 128`,
    ]);
    await expectCanaryAlive(s.warehouse);
  });

  const wheres: [string, RegExp][] = [
    ["note = 'plain'; DROP TABLE inj.falcon_bronze.canary", /contains ";"/],
    ["note = 'plain' -- and the rest", /contains "--"/],
    ["note = 'plain' /* x */", /contains "\/\*"/],
    ['1 = 1) OR (1 = 1', /without its "\("/],
    ["id IN (SELECT id FROM inj.falcon_bronze.canary)", /contains SELECT/],
    ["note = 'x\\' OR 1=1 OR note = '", /backslash/],
    ['note = `note`', /quoted identifiers/],
  ];
  for (const [where, message] of wheres) {
    it(`checks: where ${JSON.stringify(where)} is rejected before anything runs`, async () => {
      const { s, result } = await checked(`  - table: inj.falcon_bronze.inj_raw\n    check: not_null\n    column: id\n    where: ${JSON.stringify(where)}\n`);
      expect(result.code).toBe(1);
      expect(plainLines(result.stderr).join('\n')).toMatch(message);
      await expectCanaryAlive(s.warehouse);
      await inspect(s.warehouse, [CATALOG], async (q) => expect(await q(`SELECT COUNT(*) AS n FROM ${CATALOG}.bronze_metadata.quality_results`)).toEqual([{ n: 0n }]));
    });
  }

  it("checks: a where with quotes and SQL inside its string literal is that literal", async () => {
    const { s, result } = await checked(`  - table: inj.falcon_bronze.inj_raw\n    name: scoped\n    check: not_null\n    column: id\n    where: "note = 'it''s; DROP TABLE inj.falcon_bronze.canary; --'"\n`);
    expect(result.code, result.stderr).toBe(0);
    expect(resultsOf(result)).toEqual([['scoped', 1, 0]]);
    await expectCanaryAlive(s.warehouse);
  });

  it("checks: --batch \"b' OR '1'='1\" and --var catalog with SQL are values and names, not SQL", async () => {
    const { s, result } = await checked(`  - { table: inj.falcon_bronze.inj_raw, name: ids, check: not_null, column: id, on_fail: quarantine }\n`, ['--batch', "b' OR '1'='1"]);
    expect(result.code, result.stderr).toBe(0);
    expect(resultsOf(result)).toEqual([['ids', 0, 0]]);
    const injected = await runCli(['quality', 'run', '--checks', writeFile(join(s.dir, 'var.yml'), 'checks:\n  - table: ${catalog}.falcon_bronze.inj_raw\n    check: not_null\n    column: id\n'), '--var', 'catalog=inj; DROP TABLE inj.falcon_bronze.canary', '--warehouse', s.warehouse]);
    expect(injected.code).toBe(1);
    expect(plainLines(injected.stderr).join('\n')).toMatch(/var\.yml:2: table: "inj; DROP TABLE inj\.falcon_bronze\.canary\.falcon_bronze\.inj_raw" is not a three-part name/);
    await expectCanaryAlive(s.warehouse);
  });
});

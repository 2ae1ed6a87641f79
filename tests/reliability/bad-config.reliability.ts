import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECKS_CASE_FILE, CHECKS_CASES, CONFIG_CASE_FILE, CONFIG_CASES, SEED_CONFIG_CSV, type ConfigCase } from '@org/hub-testing';
import { CLI_BATCH, configCsv, inspect, plainLines, runCli, spawnNode, tempDir, writeFile } from './support.js';

const CATALOG = 'dev_catalog';
const INVALID = CONFIG_CASES.filter((c) => c.expected.length > 0);

/**
 * Every malformed config of the shared case table, through the CLI as a user meets it:
 * `validate` and `bronze run` exit 1 and report exactly the expected `file:line: column: message`
 * lines on stderr, and a warehouse whose file_config already has rows is left as it was.
 * All cases go through the CLI's entry point in one batch process (cli-batch.mjs); every sixth
 * case also through the bin in processes of its own, exit status and all.
 */
describe('bad-config', () => {
  let seeded: string;
  let fileConfigBefore: string;
  let batch: BatchResult[];
  const prepared: Prepared[] = [];

  interface BatchResult {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
  }
  interface Prepared {
    readonly dir: string;
    readonly warehouse: string;
    readonly vars: string[];
  }

  const fileConfig = (warehouse: string) =>
    inspect(warehouse, [CATALOG], async (q) => JSON.stringify(await q(`SELECT * FROM ${CATALOG}.bronze_metadata.file_config ORDER BY ALL`), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));

  /** A case's config in a folder of its own, and a copy of the seeded warehouse for its `bronze run`. */
  function prepare(testCase: ConfigCase): Prepared {
    const dir = tempDir('cfg');
    writeFile(join(dir, CONFIG_CASE_FILE), testCase.csv);
    const warehouse = tempDir('wh-cfg');
    copyFileSync(join(seeded, `${CATALOG}.duckdb`), join(warehouse, `${CATALOG}.duckdb`));
    const vars = Object.entries(testCase.variables ?? {}).flatMap(([k, v]) => ['--var', `${k}=${v}`]);
    return { dir, warehouse, vars };
  }
  const validateArgs = (p: Prepared) => ['validate', CONFIG_CASE_FILE, ...p.vars];
  const runArgs = (p: Prepared) => ['bronze', 'run', '--config', CONFIG_CASE_FILE, ...p.vars, '--warehouse', p.warehouse, '--metadata-catalog', CATALOG, '--as-of', '2024-03-10'];

  beforeAll(async () => {
    expect(INVALID.length, 'the shared table must keep at least 30 malformed configs').toBeGreaterThanOrEqual(30);
    // A warehouse whose file_config holds the seed's four rows (the files themselves do not exist: nothing to load).
    seeded = tempDir('wh-seeded');
    const dir = tempDir('cfg-seed');
    writeFile(join(dir, 'config.csv'), SEED_CONFIG_CSV);
    // Its source folders exist and are empty: a folder that is missing is a config row not done (exit 2), not a quiet day.
    for (const [, folder] of SEED_CONFIG_CSV.matchAll(/abfss:\/\/raw@storage\.dfs\.core\.windows\.net\/([^,]*)/g)) mkdirSync(join(dir, folder as string), { recursive: true });
    const run = await runCli(['bronze', 'run', '--json', '--config', 'config.csv', '--var', `catalog=${CATALOG}`, '--warehouse', seeded, '--as-of', '2024-03-10', '--source-root', `abfss://raw@storage.dfs.core.windows.net/=${dir}/`], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    fileConfigBefore = await fileConfig(seeded);
    expect(JSON.parse(fileConfigBefore)).toHaveLength(4);

    for (const testCase of INVALID) prepared.push(prepare(testCase));
    const jobs = prepared.flatMap((p) => [{ cwd: p.dir, args: validateArgs(p) }, { cwd: p.dir, args: runArgs(p) }]);
    const io = tempDir('cfg-batch');
    writeFile(join(io, 'jobs.json'), JSON.stringify(jobs));
    const done = await spawnNode([CLI_BATCH, join(io, 'jobs.json'), join(io, 'results.json')], { timeoutMs: 240_000 });
    expect(done.code, done.stderr).toBe(0);
    batch = JSON.parse(readFileSync(join(io, 'results.json'), 'utf8')) as BatchResult[];
    expect(batch).toHaveLength(jobs.length);
  });

  /** The issue lines of a failed CLI run: stderr without log lines, the CLI's prefix removed. */
  const issueLines = (stderr: string) => plainLines(stderr).map((l) => l.replace(/^deltalake-hub: /, ''));

  INVALID.forEach((testCase, i) => {
    const alsoSpawned = i % 6 === 0;
    it(`case ${i + 1}: ${testCase.name}${alsoSpawned ? ' (also through the bin)' : ''}`, async () => {
      const validate = batch[2 * i] as BatchResult;
      expect(validate.code, validate.stderr).toBe(1);
      expect(validate.stdout).toBe('');
      expect(issueLines(validate.stderr)).toEqual(testCase.expected);
      const run = batch[2 * i + 1] as BatchResult;
      expect(run.code, run.stderr).toBe(1);
      expect(issueLines(run.stderr)).toEqual(testCase.expected);
      expect(await fileConfig((prepared[i] as Prepared).warehouse)).toBe(fileConfigBefore);

      if (alsoSpawned) {
        const p = prepare(testCase);
        const spawnedValidate = await runCli(validateArgs(p), { cwd: p.dir });
        expect(spawnedValidate.code, spawnedValidate.stderr).toBe(1);
        expect(issueLines(spawnedValidate.stderr)).toEqual(testCase.expected);
        const spawnedRun = await runCli(runArgs(p), { cwd: p.dir });
        expect(spawnedRun.code, spawnedRun.stderr).toBe(1);
        expect(issueLines(spawnedRun.stderr)).toEqual(testCase.expected);
        expect(await fileConfig(p.warehouse)).toBe(fileConfigBefore);
      }
    });
  });
});

/**
 * Every malformed checks file of the shared case table (packages/hub-testing/src/cases/bad-checks-cases.ts)
 * through `quality run`, in one batch process: exit 1, exactly the expected `file:line: key: message`
 * lines, and nothing written (the engine is not even opened: the warehouse stays empty). Every
 * sixth case also through `bronze run --checks`, which must load nothing.
 */
describe('bad-config: checks files', () => {
  let batch: { code: number; stdout: string; stderr: string }[];
  const prepared: { dir: string; warehouse: string; vars: string[] }[] = [];
  const issueLines = (stderr: string) => plainLines(stderr).map((l) => l.replace(/^deltalake-hub: /, ''));
  const qualityArgs = (p: (typeof prepared)[number]) => ['quality', 'run', '--checks', CHECKS_CASE_FILE, ...p.vars, '--warehouse', p.warehouse];

  beforeAll(async () => {
    expect(CHECKS_CASES.length, 'the shared table must keep at least 20 malformed checks files').toBeGreaterThanOrEqual(20);
    for (const testCase of CHECKS_CASES) {
      const dir = tempDir('chk');
      writeFile(join(dir, CHECKS_CASE_FILE), testCase.yaml);
      prepared.push({ dir, warehouse: tempDir('wh-chk'), vars: Object.entries(testCase.variables ?? {}).flatMap(([k, v]) => ['--var', `${k}=${v}`]) });
    }
    const io = tempDir('chk-batch');
    writeFile(join(io, 'jobs.json'), JSON.stringify(prepared.map((p) => ({ cwd: p.dir, args: qualityArgs(p) }))));
    const done = await spawnNode([CLI_BATCH, join(io, 'jobs.json'), join(io, 'results.json')], { timeoutMs: 120_000 });
    expect(done.code, done.stderr).toBe(0);
    batch = JSON.parse(readFileSync(join(io, 'results.json'), 'utf8')) as typeof batch;
  });

  CHECKS_CASES.forEach((testCase, i) => {
    const alsoBronze = i % 6 === 0;
    it(`checks case ${i + 1}: ${testCase.name}${alsoBronze ? ' (also through bronze run --checks)' : ''}`, async () => {
      const result = batch[i] as (typeof batch)[number];
      const p = prepared[i] as (typeof prepared)[number];
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toBe('');
      expect(issueLines(result.stderr)).toEqual(testCase.expected);
      expect(readdirSync(p.warehouse)).toEqual([]);
      if (alsoBronze) {
        writeFile(join(p.dir, 'raw', 'orders_20240309.csv'), 'id\n1\n');
        writeFile(join(p.dir, 'config.csv'), configCsv([{ category: 'c', subcategory: 's', pattern: '*.csv', source: `${join(p.dir, 'raw')}/`, format: 'delimited', catalog: 'cat', table: 'orders' }]));
        const run = await runCli(['bronze', 'run', '--config', 'config.csv', '--checks', CHECKS_CASE_FILE, ...p.vars, '--var', 'catalog=cat', '--warehouse', p.warehouse, '--as-of', '2024-03-10'], { cwd: p.dir });
        expect(run.code, run.stderr).toBe(1);
        expect(issueLines(run.stderr)).toEqual(testCase.expected);
        expect(readdirSync(p.warehouse)).toEqual([]);
      }
    });
  });

  it('a column the table does not have: exit 1 with its line, before any result is written', async () => {
    const dir = tempDir('chk-col');
    const warehouse = tempDir('wh-chk-col');
    writeFile(join(dir, 'raw', 'orders_20240309.csv'), 'id,amount\n1,2\n');
    writeFile(join(dir, 'config.csv'), configCsv([{ category: 'c', subcategory: 's', pattern: '*.csv', source: `${join(dir, 'raw')}/`, format: 'delimited', catalog: 'cat', table: 'orders' }]));
    const load = await runCli(['bronze', 'run', '--config', 'config.csv', '--warehouse', warehouse, '--as-of', '2024-03-10'], { cwd: dir });
    expect(load.code, load.stderr).toBe(0);
    writeFile(join(dir, CHECKS_CASE_FILE), 'checks:\n  - table: cat.falcon_bronze.orders\n    check: not_null\n    column: id\n  - table: cat.falcon_bronze.orders\n    check: in_range\n    column: amout\n    min: 0\n');
    const result = await runCli(['quality', 'run', '--checks', CHECKS_CASE_FILE, '--warehouse', warehouse], { cwd: dir });
    expect(result.code, result.stderr).toBe(1);
    expect(issueLines(result.stderr)).toEqual([`${CHECKS_CASE_FILE}:5: column: column "amout" is not in cat.falcon_bronze.orders (its columns: id, amount, _source_file, _batch_id, _ingested_at)`]);
    expect(await inspect(warehouse, ['cat'], (q) => q('SELECT COUNT(*) AS n FROM cat.bronze_metadata.quality_results'))).toEqual([{ n: 0n }]);
  });
});

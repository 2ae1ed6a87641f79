import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_CASE_FILE, CONFIG_CASES, SEED_CONFIG_CSV, type ConfigCase } from '../../packages/hub-bronze/src/config/bad-config-cases.js';
import { CLI_BATCH, inspect, plainLines, runCli, spawnNode, tempDir, writeFile } from './support.js';

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

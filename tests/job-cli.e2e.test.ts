import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { MINI_FILES, MINI_RAW_PREFIX, writeMiniSpoke } from '@org/hub-testing';
import { generateSampleData } from '../spokes/falcon/src/sample-data.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'packages', 'deltalake-hub', 'bin', 'deltalake-hub.js');
const FALCON = join(ROOT, 'spokes', 'falcon');
const FALCON_RAW = 'abfss://raw@storage.dfs.core.windows.net/';

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, DELTALAKE_HUB_LOG_LEVEL: 'warn', ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** One read-only query on a catalog file, opened after the CLI exited. */
async function query(file: string, text: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`ATTACH '${file}' AS db (READ_ONLY)`);
    return (await connection.runAndReadAll(text)).getRowObjects() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

interface StepDocument {
  name: string;
  status: string;
  durationMs: number | null;
  tasks: { name: string; status: string }[];
}

describe('deltalake-hub job run: one trigger, the whole chain, on the embedded engine', () => {
  let raw: string;
  beforeAll(async () => {
    raw = mkdtempSync(join(tmpdir(), 'job-cli-raw-'));
    await generateSampleData({ root: raw, asOf: '2024-01-07', days: 1, rowsPerFile: 5, seed: 3 });
  });
  const falcon = (warehouse: string, ...more: string[]) => ['job', 'run', '--spoke', FALCON, '--warehouse', warehouse, '--source-root', `${FALCON_RAW}=${raw}`, '--as-of', '2024-01-07', ...more];
  const warehouse = () => mkdtempSync(join(tmpdir(), 'job-cli-wh-'));

  it('loads bronze, runs silver, gold and downstream in the bundle\'s order, and says so: exit 0', () => {
    const run = cli(falcon(warehouse()));
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^job falcon_transforms on duckdb \(target dev\): SUCCESS, exit 0, \d+\.\ds$/);
    expect(lines.slice(1, 5).map((l) => l.trim().split(/\s+/).slice(0, 2))).toEqual([['bronze', 'SUCCESS'], ['silver', 'SUCCESS'], ['gold', 'SUCCESS'], ['downstream', 'SUCCESS']]);
    expect(lines[2]).toMatch(/silver_transactions \d+\.\ds, silver_web_events \d+\.\ds, silver_quality_checks \d+\.\ds$/);
    // Bronze's own summary and the checks of configs/quality (found by convention) follow.
    expect(run.stdout).toMatch(/\nrun \S+ on duckdb \(hub \d+\.\d+\.\d+\S*\): SUCCESS, window 2024-01-01\.\.2024-01-07, /);
    expect(run.stdout).toContain('quality run ');
    // Progress, on stderr: the parameters the chain passes on, then each step.
    expect(run.stderr).toContain("job: bronze: loading (category='', subcategory='', file_name='', begin_date='', end_date='')\n");
    expect(run.stderr.match(/^job: (\w+): SUCCESS in /gm)).toEqual(['job: bronze: SUCCESS in ', 'job: silver: SUCCESS in ', 'job: gold: SUCCESS in ', 'job: downstream: SUCCESS in ']);
  });

  it('continues after a partial bronze run and exits 2; --json prints one document', () => {
    const partialRaw = mkdtempSync(join(tmpdir(), 'job-cli-partial-'));
    cpSync(raw, partialRaw, { recursive: true });
    writeFileSync(join(partialRaw, 'falcon', 'pageviews', 'pageviews_20240106.parquet'), 'not parquet at all');
    const run = cli(['job', 'run', '--spoke', FALCON, '--warehouse', warehouse(), '--source-root', `${FALCON_RAW}=${partialRaw}`, '--as-of', '2024-01-07', '--json']);
    expect(run.code, run.stderr).toBe(2);
    const doc = JSON.parse(run.stdout) as { status: string; exitCode: number; onPartial: string; steps: StepDocument[]; bronze: { files: { path: string; status: string }[] } };
    expect([doc.status, doc.exitCode, doc.onPartial]).toEqual(['PARTIAL', 2, 'continue']);
    expect(doc.steps.map((s) => [s.name, s.status])).toEqual([['bronze', 'PARTIAL'], ['silver', 'SUCCESS'], ['gold', 'SUCCESS'], ['downstream', 'SUCCESS']]);
    expect(doc.bronze.files.filter((f) => f.status !== 'SUCCESS').map((f) => [f.path, f.status])).toEqual([[`${FALCON_RAW}falcon/pageviews/pageviews_20240106.parquet`, 'QUARANTINED']]);

    // The spoke's setting (the bundle variable on_partial_bronze) stops the chain there; so does --on-partial.
    for (const how of [['--var', 'on_partial_bronze=stop'], ['--on-partial', 'stop']]) {
      const stopped = cli(['job', 'run', '--spoke', FALCON, '--warehouse', warehouse(), '--source-root', `${FALCON_RAW}=${partialRaw}`, '--as-of', '2024-01-07', '--json', ...how]);
      expect(stopped.code, stopped.stderr).toBe(2);
      const after = JSON.parse(stopped.stdout) as { status: string; onPartial: string; steps: StepDocument[] };
      expect([after.status, after.onPartial], how.join(' ')).toEqual(['STOPPED', 'stop']);
      expect(after.steps.map((s) => [s.name, s.status, s.durationMs])).toEqual([['bronze', 'PARTIAL', after.steps[0]?.durationMs], ['silver', 'NOT_RUN', null], ['gold', 'NOT_RUN', null], ['downstream', 'NOT_RUN', null]]);
      expect(stopped.stderr).toContain('job: stopped: bronze was PARTIAL and on_partial_bronze is stop\n');
    }
  });

  it('exits 3 when bronze is held by another process, and runs nothing after it', async () => {
    const held = warehouse();
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(`ATTACH '${join(held, 'dev_catalog.duckdb')}' AS held`);
      const run = cli(falcon(held), { DELTALAKE_HUB_DUCKDB_LOCK_TIMEOUT_MS: '0' });
      expect(run.code, run.stderr).toBe(3);
      const lines = run.stdout.split('\n');
      expect(lines[0]).toMatch(/^job falcon_transforms on duckdb \(target dev\): FAILED, exit 3, /);
      expect(lines.slice(1, 5).map((l) => l.trim().split(/\s+/).slice(0, 2))).toEqual([['bronze', 'HELD'], ['silver', 'NOT_RUN'], ['gold', 'NOT_RUN'], ['downstream', 'NOT_RUN']]);
      expect(run.stdout).toContain(`bronze: the warehouse catalog ${join(held, 'dev_catalog.duckdb')} is in use by another process`);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('exits 4 when a step after bronze fails, naming the file and line; what ran before it stands', async () => {
    const spoke = writeMiniSpoke();
    spoke.edit('src/gold/summary.sql', (t) => t.replace('SUM(total) AS total', 'SUM(totals) AS total'));
    const wh = warehouse();
    const run = cli(['job', 'run', '--spoke', spoke.dir, '--warehouse', wh, '--source-root', `${MINI_RAW_PREFIX}=${spoke.raw}`, '--as-of', '2024-03-07']);
    expect(run.code, run.stderr).toBe(4);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^job mini_transforms on duckdb \(target dev\): FAILED, exit 4, /);
    expect(lines.slice(1, 4).map((l) => l.trim().split(/\s+/).slice(0, 2))).toEqual([['bronze', 'SUCCESS'], ['silver', 'SUCCESS'], ['gold', 'FAILED']]);
    expect(lines[4]).toMatch(new RegExp(`^gold: ${join(spoke.dir, 'src/gold/summary.sql').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:2: statement failed: `));
    expect(run.stderr).toContain('job: gold: mini_gold.gold_summary FAILED: ');
    // Silver, built before gold failed, stands: one row per loaded file.
    expect(await query(join(wh, 'mini_dev.duckdb'), 'SELECT COUNT(*) AS n FROM db.mini_silver.totals')).toEqual([{ n: BigInt(Object.keys(MINI_FILES).length) }]);
  });

  it('exits 1 on a chain the bundle does not order, before anything is opened or written', () => {
    const spoke = writeMiniSpoke();
    spoke.edit('resources/mini_transforms_job.yml', (t) => t.replace('          depends_on: [{ task_key: silver }]\n', ''));
    const wh = join(warehouse(), 'not-yet');
    const run = cli(['job', 'run', '--spoke', spoke.dir, '--warehouse', wh, '--source-root', `${MINI_RAW_PREFIX}=${spoke.raw}`, '--json']);
    expect(run.code).toBe(1);
    const file = join(spoke.dir, 'resources/mini_transforms_job.yml');
    const message = `${file}:${spoke.lineOf('resources/mini_transforms_job.yml', 'task_key: silver')}: job mini_transforms: tasks gold and silver have no order between them (Databricks would start them together): add depends_on: [{ task_key: gold }] to silver`;
    expect(JSON.parse(run.stdout)).toEqual({ status: 'FAILED', error: { code: 'CONFIG_INVALID', message } });
    expect(run.stderr).toContain(`deltalake-hub: ${message}\n`);
    expect(existsSync(wh) ? readdirSync(wh) : []).toEqual([]);
  });

  it('job plan shows the chain from the bundle and runs nothing', () => {
    const run = cli(['job', 'plan', '--spoke', FALCON, '--target', 'prod', '--begin-date', '2024-01-01']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n').slice(0, 4)).toEqual([
      "falcon_transforms \"[Falcon] [prod] Silver, gold and downstream after the bronze load\" (target prod), after bronze, with category='', subcategory='', file_name='', begin_date=2024-01-01, end_date=''",
      '1. silver (job falcon_silver)',
      '   silver_transactions: src/silver/transactions.sql',
      '   silver_web_events: src/silver/web_events.sql',
    ]);
    expect(run.stdout).toContain('   silver_quality_checks: src/quality/falcon_silver_checks.sql (the checks of configs/quality/falcon_checks.yml)\n2. gold (job falcon_gold)\n');
    expect(run.stdout).toContain('3. downstream (job falcon_downstream)\n   customer_daily_export: src/downstream/customer_daily_export.sql\n');
  });
});

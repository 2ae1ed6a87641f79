import { resolve, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DuckDbDialect, SqlEngine, type Engine, type Driver } from '@org/hub-core';
import { runBronze, type RunSummary } from '@org/hub-bronze';
import { DuckDbDriver } from '@org/hub-core/drivers';
import { buildDataset, type Dataset } from './dataset.js';
import { BeforeOnlyDriver, FlakyDriver } from './flaky-driver.js';
import { consistencyProblems, prng, randInt, SEED, tempDir, writeFile, type ExpectedTable } from './support.js';

/** The embedded engine's contract over a given driver: what createDuckDbEngine builds, minus its lock wait. */
async function engineOver(warehouse: string, wrap: (real: DuckDbDriver) => Driver): Promise<Engine> {
  const real = await DuckDbDriver.open({});
  const dialect = new DuckDbDialect();
  return new SqlEngine(
    'duckdb',
    dialect,
    wrap(real),
    { bindParameters: true, localFilesOnly: true, transactions: true, concurrentWriters: false, maxFilesPerStatement: 100_000 },
    {
      // Backoff takes no wall-clock time here.
      retry: { sleep: async () => {} },
      // ATTACH goes to the real driver: catalog files are local, not behind a flaky network.
      prepareCatalog: async (catalog) => {
        await real.execute({ sql: `ATTACH IF NOT EXISTS ${dialect.literal(resolve(warehouse, `${catalog}.duckdb`))} AS ${dialect.quoteIdentifier(catalog)}`, params: {} });
      },
    },
  );
}

/**
 * Runs through a flaky engine end consistent: a run either completes (and is then exact), or
 * fails cleanly, and the next run on a healthy engine recovers with no duplicate and no loss.
 */
describe('transient', () => {
  let data: Dataset;
  let expected: readonly ExpectedTable[];
  let badFile: string;

  beforeAll(async () => {
    data = await buildDataset({ creditFiles: 12, creditRows: 200, debitFiles: 8, debitRows: 100, eventFiles: 6, eventRows: 100 }, SEED + 2, 'flaky');
    // A bad file: the quarantine path runs under faults too, it must never land, and once a run has recorded its quarantine, later runs count it without checking it again.
    badFile = writeFile(join(data.root, 'raw', 'credit', 'transactions_20240309_bad.csv'), 'id,amount,note,ts\n1,2,3,4,5\n');
    expected = data.expected;
  });

  async function run(warehouse: string, driver: (real: DuckDbDriver) => Driver, force = false): Promise<{ summary?: RunSummary; error?: unknown; engine: Engine }> {
    const engine = await engineOver(warehouse, driver);
    try {
      return { summary: await runBronze({ asOf: data.asOf, force }, { engine, configPath: data.config }), engine };
    } catch (error) {
      return { error, engine };
    } finally {
      await engine.close();
    }
  }

  /** The files a healthy run still finds to do besides the bad one: none. */
  const pendingOf = (summary: RunSummary | undefined) => (summary?.files ?? []).filter((f) => f.path !== badFile).map((f) => `${f.path} ${f.status}`);

  const random = prng(SEED ^ 0x7a11);
  for (let trial = 1; trial <= 15; trial++) {
    const rate = 0.04 + random() * 0.3;
    const flakyRuns = randInt(random, 1, 3);
    const seed = Math.floor(random() * 2 ** 31);
    // The last trials reload a loaded window with --force: supersede, delete and insert under faults.
    const force = trial > 12;
    it(`trial ${trial}: ${flakyRuns} ${force ? '--force ' : ''}run(s) failing ${(rate * 100).toFixed(1)}% of statements (seed ${seed}), then a healthy run`, async () => {
      const warehouse = tempDir('wh-flaky');
      if (force) expect((await run(warehouse, (real) => real)).error).toBeUndefined();
      const faults = prng(seed);
      let injected = 0;
      for (let i = 0; i < flakyRuns; i++) {
        const holder: { flaky?: FlakyDriver } = {};
        const result = await run(warehouse, (real) => (holder.flaky = new FlakyDriver(real, faults, rate)), force);
        injected += (holder.flaky?.before ?? 0) + (holder.flaky?.after ?? 0);
        if (result.summary && result.summary.files.every((f) => f.status === 'SUCCESS' || f.path === badFile)) {
          // A run that reports every good file loaded must have left bronze and the tracker exact already.
          expect(await consistencyProblems(warehouse, data.catalog, expected), 'after a flaky run that reported success').toEqual([]);
        }
      }
      const healthy = await run(warehouse, (real) => real);
      expect(healthy.error).toBeUndefined();
      expect(await consistencyProblems(warehouse, data.catalog, expected)).toEqual([]);
      const final = await run(warehouse, (real) => real);
      expect(pendingOf(final.summary)).toEqual([]);
      // The healthy run left its quarantine recorded (or found it recorded): the next run counts it, unchanged, and checks nothing.
      expect(final.summary?.files).toEqual([]);
      expect(final.summary?.stillQuarantined.flatMap((q) => q.paths.map((p) => p.path))).toEqual([badFile]);
      expect(injected).toBeGreaterThan(0);
    });
  }

  it('faults only before statements run, on idempotent statements alone: the run completes exactly', async () => {
    const warehouse = tempDir('wh-flaky');
    // Fails the first attempt of every read and every statement the engine may retry; never after execution.
    const retriable = (text: string) => /^\s*(SELECT|WITH|DESCRIBE|CREATE OR REPLACE TEMP TABLE|CREATE SCHEMA IF NOT EXISTS|CREATE TABLE IF NOT EXISTS|DROP TABLE IF EXISTS|DELETE|UPDATE)/i.test(text);
    const holder: { driver?: BeforeOnlyDriver } = {};
    const result = await run(warehouse, (real) => (holder.driver = new BeforeOnlyDriver(real, retriable)));
    expect(result.error).toBeUndefined();
    expect(holder.driver?.before).toBeGreaterThan(10);
    expect(result.engine.retryCount).toBe(holder.driver?.before);
    expect(pendingOf(result.summary).filter((f) => !f.endsWith('SUCCESS'))).toEqual([]);
    expect(await consistencyProblems(warehouse, data.catalog, expected)).toEqual([]);
  });
});

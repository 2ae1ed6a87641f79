import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SqlEngine, type Engine, loadSettings, SparkDialect, type Driver } from '@org/hub-core';
import { runBronze, type RunSummary } from '@org/hub-bronze';
import { SPARK_CAPABILITIES, SPARK_SESSION_CONF, SparkDriver } from '@org/hub-core/drivers';
import { buildDataset } from './dataset.js';
import { BeforeOnlyDriver, FlakyDriver } from './flaky-driver.js';
import { freshCatalogConfig, spark, sparkConsistencyProblems, sparkPort } from './spark.js';
import { prng, SEED, writeFile } from './support.js';

/** The Spark engine's contract over a given driver: what createSparkEngine builds, with backoff that takes no wall-clock time. */
async function engineOver(wrap: (real: SparkDriver) => Driver): Promise<Engine> {
  const real = new SparkDriver({ host: loadSettings({ engine: 'spark', sparkPort: sparkPort() }).sparkHost, port: sparkPort(), sessionConf: SPARK_SESSION_CONF });
  await real.connect();
  return new SqlEngine('spark', new SparkDialect(), wrap(real), SPARK_CAPABILITIES, { retry: { sleep: async () => {} } });
}

/**
 * transient.reliability.ts on Spark + Delta, kept small (one shared server): runs through the
 * real Spark engine whose driver fails statements with retryable errors before or after they ran
 * (seeded), then a run that must recover: every file exactly once, the tracker equal to bronze.
 */
// Each trial runs 3 or 4 Spark runs on a shared server: more time than the suite's 180 s default.
describe.skipIf(spark.state === 'absent')('transient on spark', { timeout: 600_000 }, () => {
  /** One table (credit_raw) of the small data set, on a catalog of this process's own. */
  async function setup(seed: number): Promise<{ catalog: string; config: string; asOf: string; expected: Awaited<ReturnType<typeof buildDataset>>['expected'] }> {
    const data = await buildDataset({ creditFiles: 4, creditRows: 30, debitFiles: 1, debitRows: 5, eventFiles: 1, eventRows: 5 }, seed, 'flaky');
    const [header, ...rows] = readFileSync(data.config, 'utf8').trim().split('\n');
    const only = writeFile(`${data.config}.credit.csv`, `${[header, ...rows.filter((r) => r.includes(',credit_raw,'))].join('\n')}\n`);
    const { catalog, config } = freshCatalogConfig(only, data.catalog, 'relt');
    return { catalog, config, asOf: data.asOf, expected: data.expected.filter((t) => t.table === 'credit_raw') };
  }

  /** A run on an engine of its own; a failed run's lease (left when its release failed) expires within 20 s (shorter, a renewal slower than the lifetime on a loaded server counts as a lost lease). */
  async function run(config: string, asOf: string, driver: (real: SparkDriver) => Driver, force = false): Promise<{ summary?: RunSummary; error?: unknown; engine: Engine }> {
    const engine = await engineOver(driver);
    try {
      return { summary: await runBronze({ asOf, force }, { engine, configPath: config, leaseTtlMs: 20_000, leaseWaitMs: 90_000 }), engine };
    } catch (error) {
      return { error, engine };
    } finally {
      await engine.close();
    }
  }

  /** The statements the engine retries (reads, and the writes it runs as idempotent), by their opening words. */
  const retriable = (text: string) =>
    /^\s*(SELECT|WITH|SHOW|DESCRIBE|DELETE|CREATE SCHEMA IF NOT EXISTS|CREATE TABLE IF NOT EXISTS|CREATE OR REPLACE TEMPORARY VIEW)\b/i.test(text) && !/^\s*(SELECT|WITH)[\s\S]*\bINSERT\s+INTO\b/i.test(text);

  const random = prng(SEED ^ 0x5a4c);
  const trials = [1, 2].map((trial) => ({ trial, rate: 0.1 + random() * 0.25, seed: Math.floor(random() * 2 ** 31) }));

  const [first, second] = trials as [(typeof trials)[number], (typeof trials)[number]];
  it(`trial ${first.trial}: 2 runs failing ${(first.rate * 100).toFixed(1)}% of statements (seed ${first.seed}), then a run whose every retriable statement fails once before it runs: it completes exactly`, async () => {
    const { catalog, config, asOf, expected } = await setup(SEED + 5);
    const holder: { flaky?: FlakyDriver; before?: BeforeOnlyDriver } = {};
    const faults = prng(first.seed);
    for (let i = 1; i <= 2; i++) {
      const flaky = await run(config, asOf, (real) => (holder.flaky = new FlakyDriver(real, faults, first.rate)));
      expect((holder.flaky?.before ?? 0) + (holder.flaky?.after ?? 0), `faults injected in flaky run ${i}`).toBeGreaterThan(0);
      if (flaky.summary?.files.every((f) => f.status === 'SUCCESS')) expect(await sparkConsistencyProblems(catalog, expected), 'after a flaky run that reported success').toEqual([]);
    }
    const recovery = await run(config, asOf, (real) => (holder.before = new BeforeOnlyDriver(real, retriable)));
    expect(recovery.error).toBeUndefined();
    expect(holder.before?.before).toBeGreaterThan(5);
    expect(recovery.engine.retryCount).toBe(holder.before?.before);
    expect(recovery.summary?.files.filter((f) => f.status !== 'SUCCESS')).toEqual([]);
    expect(await sparkConsistencyProblems(catalog, expected)).toEqual([]);
  });

  it(`trial ${second.trial}: a --force reload failing ${(second.rate * 100).toFixed(1)}% of statements (seed ${second.seed}), then a healthy run, then one that finds nothing`, async () => {
    const { catalog, config, asOf, expected } = await setup(SEED + 6);
    const loaded = await run(config, asOf, (real) => real);
    expect(loaded.error).toBeUndefined();
    const holder: { flaky?: FlakyDriver } = {};
    const flaky = await run(config, asOf, (real) => (holder.flaky = new FlakyDriver(real, prng(second.seed), second.rate)), true);
    expect((holder.flaky?.before ?? 0) + (holder.flaky?.after ?? 0), 'faults injected in the flaky run').toBeGreaterThan(0);
    if (flaky.summary?.files.every((f) => f.status === 'SUCCESS')) expect(await sparkConsistencyProblems(catalog, expected), 'after a flaky run that reported success').toEqual([]);
    const healthy = await run(config, asOf, (real) => real);
    expect(healthy.error).toBeUndefined();
    expect(await sparkConsistencyProblems(catalog, expected)).toEqual([]);
    const final = await run(config, asOf, (real) => real);
    expect(final.summary?.status).toBe('NOTHING_TO_LOAD');
  });
});

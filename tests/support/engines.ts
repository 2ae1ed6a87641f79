import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'vitest';
import { createDuckDbEngine, createEngine, loadSettings, type Engine, type EngineName, type Logger } from '@org/hub-core';
import { sparkForTests } from '@org/hub-testing';
import { Scratch } from './fixtures.js';

/** The live suite's support, loaded only when it runs (it loads the Databricks connector). */
const live = process.env['DELTALAKE_HUB_ENGINES'] === 'databricks' ? await import('./databricks-live.js') : null;

export interface EngineUnderTest {
  readonly name: EngineName;
  /** Why this engine's cases cannot run here (its server is absent and not required): describeEngine reports them skipped. */
  readonly absent?: string | undefined;
  /** A fresh engine; on DuckDB with its own warehouse, on Spark with its own catalog prefix. */
  open(logger?: Logger): Promise<Engine>;
  /** A folder for a test's source files where this engine reads them (a Unity Catalog volume for Databricks). */
  scratch(): Scratch;
}

/**
 * Every engine of the suite, the way Kysely's tests loop over dialects. When Spark is required
 * but not reachable, its cases are still declared and each fails when it opens the engine; when
 * it is simply absent, its cases are declared skipped (describeEngine), so a run shows what it
 * did not test. `pnpm test:databricks` sets DELTALAKE_HUB_ENGINES=databricks: then the one engine
 * is a live SQL warehouse.
 */
export async function enginesUnderTest(): Promise<EngineUnderTest[]> {
  if (live) return [{ name: 'databricks', open: (logger) => live.openLiveEngine(logger), scratch: () => new live.VolumeScratch() }];
  const engines: EngineUnderTest[] = [
    {
      name: 'duckdb',
      open: (logger) => createDuckDbEngine({ warehouse: mkdtempSync(join(tmpdir(), 'dlh-wh-')), lockTimeoutMs: 0, logger }),
      scratch: () => new Scratch(),
    },
  ];
  const spark = await sparkForTests();
  if (spark.state === 'up') {
    engines.push({
      name: 'spark',
      open: (logger) => createEngine('spark', { settings: loadSettings({ engine: 'spark', sparkHost: spark.host, sparkPort: spark.port }), logger }),
      scratch: () => new Scratch(),
    });
  } else if (spark.state === 'down') {
    engines.push({ name: 'spark', open: () => Promise.reject(spark.error), scratch: () => new Scratch() });
  } else {
    engines.push({ name: 'spark', absent: spark.reason, open: () => Promise.reject(new Error(`spark is absent: ${spark.reason}`)), scratch: () => new Scratch() });
  }
  return engines;
}

/** Declares an engine's cases; an absent engine's are skipped, the reason in the suite's name. */
export function describeEngine(target: EngineUnderTest, title: string, cases: () => void): void {
  if (target.absent === undefined) describe(title, cases);
  else describe.skip(`${title} (skipped: ${target.absent})`, cases);
}

/** Runs `fn` on a fresh engine of the target and closes it after. */
export async function withEngine<T>(target: EngineUnderTest, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await target.open();
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

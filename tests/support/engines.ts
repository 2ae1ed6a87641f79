import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbEngine, createEngine, loadSettings, type Engine, type EngineName, type Logger } from '@org/hub-core';
import { sparkForTests } from '@org/hub-testing';
import { Scratch } from './fixtures.js';

/** The live suite's support, loaded only when it runs (it loads the Databricks connector). */
const live = process.env['DELTALAKE_HUB_ENGINES'] === 'databricks' ? await import('./databricks-live.js') : null;

export interface EngineUnderTest {
  readonly name: EngineName;
  /** A fresh engine; on DuckDB with its own warehouse, on Spark with its own catalog prefix. */
  open(logger?: Logger): Promise<Engine>;
  /** A folder for a test's source files where this engine reads them (a Unity Catalog volume for Databricks). */
  scratch(): Scratch;
}

/**
 * Every engine reachable here, the way Kysely's tests loop over dialects. When Spark is required
 * but not reachable, its cases are still declared and each fails when it opens the engine.
 * `pnpm test:databricks` sets DELTALAKE_HUB_ENGINES=databricks: then the one engine is a live SQL warehouse.
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
  }
  return engines;
}


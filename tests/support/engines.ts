import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDuckDbEngine, createEngine, loadSettings, type Engine, type EngineName, type Logger } from '@org/hub-core';
import { sparkForTests } from './spark.js';

export interface EngineUnderTest {
  readonly name: EngineName;
  /** A fresh engine; on DuckDB with its own warehouse, on Spark with its own catalog prefix. */
  open(logger?: Logger): Promise<Engine>;
}

/**
 * Every engine reachable here, the way Kysely's tests loop over dialects. When Spark is required
 * but not reachable, its cases are still declared and each fails when it opens the engine.
 */
export async function enginesUnderTest(): Promise<EngineUnderTest[]> {
  const engines: EngineUnderTest[] = [
    {
      name: 'duckdb',
      open: (logger) => createDuckDbEngine({ warehouse: mkdtempSync(join(tmpdir(), 'dlh-wh-')), lockTimeoutMs: 0, logger }),
    },
  ];
  const spark = await sparkForTests();
  if (spark.state === 'up') {
    engines.push({ name: 'spark', open: (logger) => createEngine('spark', { settings: loadSettings({ engine: 'spark', sparkHost: spark.host, sparkPort: spark.port }), logger }) });
  } else if (spark.state === 'down') {
    engines.push({ name: 'spark', open: () => Promise.reject(spark.error) });
  }
  return engines;
}

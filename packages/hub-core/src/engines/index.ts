import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Settings } from '../settings.js';
import type { EngineName } from './dialect.js';
import type { Engine } from './engine.js';
import type { DuckDbEngineOptions } from './duckdb/duckdb-engine.js';

export interface EngineContext {
  readonly settings: Settings;
  readonly logger?: Logger | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** For commands that write nothing: the embedded engine attaches catalogs READ_ONLY and creates no file. */
  readonly readOnly?: DuckDbEngineOptions['readOnly'];
}

/**
 * The one explicit name-to-factory map. Drivers load on demand, so a run on the embedded
 * engine never loads the Databricks connector.
 */
export const engineFactories: Record<EngineName, (context: EngineContext) => Promise<Engine>> = {
  duckdb: async ({ settings, logger, readOnly }) =>
    createDuckDbEngine({
      readOnly,
      warehouse: settings.warehouse,
      memoryLimit: settings.duckdbMemoryLimit,
      threads: settings.duckdbThreads,
      lockTimeoutMs: settings.duckdbLockTimeoutMs,
      logger,
    }),
  spark: async ({ settings, logger }) => {
    const { createSparkEngine } = await import('./spark/spark-engine.js');
    return createSparkEngine({ host: settings.sparkHost, port: settings.sparkPort ?? recordedSparkPort() ?? 10000, logger });
  },
  databricks: async ({ settings, logger, env }) => {
    const { createDatabricksEngine } = await import('./databricks/databricks-engine.js');
    return createDatabricksEngine({
      env: env ?? process.env,
      logger,
      statementTimeoutSeconds: settings.databricksStatementTimeoutSeconds,
      statementDeadlineSeconds: settings.databricksStatementDeadlineSeconds,
    });
  },
};

/** The embedded engine from explicit options; DuckDB's native binding loads on this call, not on import. */
export async function createDuckDbEngine(options: DuckDbEngineOptions): Promise<Engine> {
  const duckdb = await import('./duckdb/duckdb-engine.js');
  return duckdb.createDuckDbEngine(options);
}

/** The port a local `pnpm spark:start` wrote, looked up from the working directory upwards. */
function recordedSparkPort(): number | undefined {
  let dir = process.cwd();
  for (let i = 0; i < 5; i++) {
    const file = join(dir, '.cache', 'spark', 'run', 'port');
    if (existsSync(file)) return Number(readFileSync(file, 'utf8').trim()) || undefined;
    dir = dirname(dir);
  }
  return undefined;
}

export function createEngine(name: EngineName, context: EngineContext): Promise<Engine> {
  return engineFactories[name](context);
}

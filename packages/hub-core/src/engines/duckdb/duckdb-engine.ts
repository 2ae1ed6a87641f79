import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { EngineError, HubError } from '../../errors.js';
import { Engine, type RetryPolicy } from '../engine.js';
import { DuckDbDialect } from './duckdb-dialect.js';
import { DuckDbDriver } from './duckdb-driver.js';

export interface DuckDbEngineOptions {
  /** Folder holding one `<catalog>.duckdb` file per catalog. */
  readonly warehouse: string;
  /** DuckDB `memory_limit`, e.g. `2GB`. */
  readonly memoryLimit?: string | undefined;
  readonly threads?: number | undefined;
  /** How long to wait for another process to release a catalog file before failing. */
  readonly lockTimeoutMs?: number | undefined;
  readonly logger?: Logger | undefined;
  readonly retry?: Partial<RetryPolicy> | undefined;
}

/** The embedded engine: an in-process DuckDB, each catalog a file attached under its own name. */
export async function createDuckDbEngine(options: DuckDbEngineOptions): Promise<Engine> {
  const warehouse = resolve(options.warehouse);
  mkdirSync(warehouse, { recursive: true });
  const config: Record<string, string> = {};
  if (options.memoryLimit) config['memory_limit'] = options.memoryLimit;
  if (options.threads) config['threads'] = String(options.threads);
  // Bronze rows have no order (none on Delta either): unordered inserts load in parallel with less memory; ORDER BY still sorts.
  config['preserve_insertion_order'] = 'false';
  const driver = await DuckDbDriver.open(config);
  const dialect = new DuckDbDialect();
  const lockTimeoutMs = options.lockTimeoutMs ?? 0;
  const engine: Engine = new Engine(
    'duckdb',
    dialect,
    driver,
    { bindParameters: true, localFilesOnly: true, transactions: true, concurrentWriters: false, maxFilesPerStatement: 100_000 },
    {
      logger: options.logger,
      retry: options.retry,
      prepareCatalog: async (catalog) => {
        const file = resolve(warehouse, `${catalog}.duckdb`);
        const attach = `ATTACH IF NOT EXISTS ${dialect.literal(file)} AS ${dialect.quoteIdentifier(catalog)}`;
        const deadline = Date.now() + lockTimeoutMs;
        let waiting = false;
        for (;;) {
          try {
            await driver.execute({ sql: attach, params: {} });
            return;
          } catch (cause) {
            const message = cause instanceof Error ? cause.message : String(cause);
            if (!/lock/i.test(message)) throw new EngineError({ engine: 'duckdb', statement: attach, cause, retryable: false });
            if (Date.now() >= deadline) {
              throw new HubError(
                'WAREHOUSE_LOCKED',
                `the warehouse catalog ${file} is in use by another process (${firstLine(message)}); wait for that run to finish, or use another --warehouse`,
                { cause },
              );
            }
            // Said once, so a run that seems stuck says why.
            if (!waiting) options.logger?.info({ file, timeoutMs: lockTimeoutMs }, `waiting up to ${lockTimeoutMs} ms for the warehouse catalog ${file}, in use by another process`);
            waiting = true;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
      },
    },
  );
  return engine;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

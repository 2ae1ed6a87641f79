import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { EngineError, HubError } from '../../errors.js';
import { ENGINE_CAPABILITIES } from '../capabilities.js';
import { SqlEngine, type Engine, type RetryPolicy } from '../engine.js';
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
  /**
   * Read-only commands (`status`, `sql`, `bronze plan`): catalog files are attached READ_ONLY and
   * nothing is created. A missing one is an error that says what to run first, or, for a plan,
   * an empty in-memory catalog (nothing loaded yet).
   */
  readonly readOnly?: { readonly missingCatalog: 'error' | 'empty' } | undefined;
}

/** The embedded engine: an in-process DuckDB, each catalog a file attached under its own name. */
export async function createDuckDbEngine(options: DuckDbEngineOptions): Promise<Engine> {
  const warehouse = resolve(options.warehouse);
  const readOnly = options.readOnly;
  if (!readOnly) mkdirSync(warehouse, { recursive: true });
  const config: Record<string, string> = {};
  if (options.memoryLimit) config['memory_limit'] = options.memoryLimit;
  if (options.threads) config['threads'] = String(options.threads);
  // Bronze rows have no order (none on Delta either): unordered inserts load in parallel with less memory; ORDER BY still sorts.
  // Read-only queries keep it: a subquery's ORDER BY then holds under the row limit of `deltalake-hub sql`.
  if (!readOnly) config['preserve_insertion_order'] = 'false';
  const driver = await DuckDbDriver.open(config);
  const dialect = new DuckDbDialect();
  const lockTimeoutMs = options.lockTimeoutMs ?? 0;
  const engine: Engine = new SqlEngine(
    'duckdb',
    dialect,
    driver,
    ENGINE_CAPABILITIES.duckdb,
    {
      logger: options.logger,
      retry: options.retry,
      prepareCatalog: async (catalog) => {
        const file = catalogFile(warehouse, catalog);
        let attach = `ATTACH IF NOT EXISTS ${dialect.literal(file)} AS ${dialect.quoteIdentifier(catalog)}`;
        if (readOnly && !existsSync(file)) {
          if (readOnly.missingCatalog === 'error') throw missingCatalog(catalog, file, warehouse);
          options.logger?.info({ file }, `${file} does not exist yet: nothing is loaded in catalog ${catalog} (bronze run creates it)`);
          attach = `ATTACH IF NOT EXISTS ':memory:' AS ${dialect.quoteIdentifier(catalog)}`;
        } else if (readOnly) {
          attach += ' (READ_ONLY)';
        }
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

/**
 * A catalog's file: `<catalog>.duckdb`, the name in lower case as every engine uses it, or the file
 * an older hub made for the same catalog spelled with capitals (`Dev.duckdb` for `--var catalog=Dev`),
 * so an upgrade finds what it loaded instead of starting an empty catalog beside it.
 */
function catalogFile(warehouse: string, catalog: string): string {
  const name = `${catalog.toLowerCase()}.duckdb`;
  if (existsSync(resolve(warehouse, name)) || !existsSync(warehouse)) return resolve(warehouse, name);
  const older = readdirSync(warehouse).find((f) => f.toLowerCase() === name);
  return resolve(warehouse, older ?? name);
}

/** What a read-only command says when the catalog it needs has no file: where it looked and what to run first. */
export function missingCatalog(catalog: string, file: string, warehouse: string): HubError {
  return new HubError(
    'CATALOG_MISSING',
    `no catalog ${catalog} in the warehouse ${warehouse} (${file} does not exist): run \`deltalake-hub bronze run\` or \`deltalake-hub ddl apply --catalog ${catalog}\` first, or name the warehouse that holds it with --warehouse or DELTALAKE_HUB_WAREHOUSE`,
  );
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

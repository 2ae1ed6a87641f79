import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, loadSettings, type Engine } from '@org/deltalake-hub';
import { statementCounts, type StatementsResult } from './statements.js';
import { errorMessage, log, REPO_ROOT } from './util.js';

export type SparkResult = ({ readonly available: true; readonly host: string; readonly port: number } & { readonly statements: StatementsResult }) | { readonly available: false; readonly reason: string };

/** The server `pnpm spark:start` runs: DELTALAKE_HUB_SPARK_PORT, else the port in its state file. */
export function sparkServer(): { host: string; port: number } | null {
  const host = process.env['DELTALAKE_HUB_SPARK_HOST'] || '127.0.0.1';
  let port = Number(process.env['DELTALAKE_HUB_SPARK_PORT'] || 0);
  const stateFile = join(REPO_ROOT, '.cache', 'spark', 'run', 'port');
  if (!port && existsSync(stateFile)) port = Number(readFileSync(stateFile, 'utf8').trim());
  return port ? { host, port } : null;
}

/** The statement counts on Spark; any failure (no server, engine or adapter not ready) is reported, not thrown. */
export async function sparkStatements(folders: ReadonlyMap<number, string>, configDir: string): Promise<SparkResult> {
  const server = sparkServer();
  if (!server) return { available: false, reason: 'no Spark server: DELTALAKE_HUB_SPARK_PORT is unset and .cache/spark/run/port does not exist (pnpm spark:start)' };
  let engine: Engine;
  try {
    engine = await createEngine('spark', { settings: loadSettings({ engine: 'spark', sparkHost: server.host, sparkPort: server.port }) });
  } catch (error) {
    return { available: false, reason: `creating the spark engine at ${server.host}:${server.port} failed: ${errorMessage(error)}` };
  }
  // Catalog names of this process only, so concurrent benches and tests on the same server never share tables.
  const prefix = `bench_${process.pid}`;
  const catalogs: string[] = [];
  try {
    const statements = await statementCounts(
      engine,
      folders,
      (files) => {
        const catalog = `${prefix}_n${files}`;
        catalogs.push(catalog);
        return catalog;
      },
      configDir,
    );
    return { available: true, ...server, statements };
  } catch (error) {
    return { available: false, reason: `a bronze run on spark failed: ${errorMessage(error)}` };
  } finally {
    for (const catalog of catalogs) {
      for (const schema of ['bronze_metadata', 'bench_bronze']) {
        await engine.run(`DROP SCHEMA IF EXISTS ${engine.dialect.schemaName(catalog, schema)} CASCADE`).catch((error: unknown) => log(`  spark: could not drop ${catalog}.${schema}: ${errorMessage(error)}`));
      }
    }
    await engine.close().catch(() => undefined);
  }
}

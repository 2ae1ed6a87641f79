import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, loadSettings, runBronze, type Engine } from '@org/deltalake-hub';
import { AS_OF, type TransactionData } from './data.js';
import { statementCounts, type StatementsResult } from './statements.js';
import { captureLogger, configRow, slowest, type Format } from './throughput.js';
import { alternate, errorMessage, log, median, REPO_ROOT, round, rowsLabel, sqlString, timed, writeConfig } from './util.js';

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

export interface SparkLoadCase {
  readonly format: Format;
  readonly size: string;
  readonly files: number;
  readonly rows: number;
  readonly repetitions: number;
  /** runBronze through the spark engine (one connection, as a run makes), median seconds. */
  readonly hubSeconds: number;
  /** One `INSERT INTO t SELECT * FROM v` over a temporary view of the same files, median seconds. */
  readonly plainSeconds: number;
  /** hub seconds / plain seconds. */
  readonly slowdown: number;
  readonly hubStatements: number;
  readonly goal: string;
  readonly goalMet: boolean;
  readonly runs: { readonly hubSeconds: readonly number[]; readonly plainSeconds: readonly number[] };
  /** The hub's slowest statements in its median run (ms), from the engine's debug log. */
  readonly profile: readonly { readonly ms: number; readonly sql: string }[];
}

export type SparkLoadResult = { readonly available: true; readonly host: string; readonly port: number; readonly cases: SparkLoadCase[] } | { readonly available: false; readonly reason: string };

/**
 * The hub's load on Spark against the plainest Spark load of the same files in the same server:
 * a temporary view over the folder, an empty Delta table made from it (untimed), and one
 * `INSERT INTO ... SELECT * FROM view`. Alternating, each into its own fresh schema.
 */
export async function sparkLoads(datasets: readonly TransactionData[], repetitions: number, configDir: string, formats: readonly Format[] = ['csv', 'parquet']): Promise<SparkLoadResult> {
  const server = sparkServer();
  if (!server) return { available: false, reason: 'no Spark server: DELTALAKE_HUB_SPARK_PORT is unset and .cache/spark/run/port does not exist (pnpm spark:start)' };
  const statements: { ms: number; sql: string }[] = [];
  let engine: Engine;
  try {
    engine = await createEngine('spark', { settings: loadSettings({ engine: 'spark', sparkHost: server.host, sparkPort: server.port }), logger: captureLogger(statements) });
  } catch (error) {
    return { available: false, reason: `creating the spark engine at ${server.host}:${server.port} failed: ${errorMessage(error)}` };
  }
  const prefix = `bench_${process.pid}`;
  // Schemas made and not yet dropped: a failed round's are dropped at the end.
  const pending = new Set<string>();
  const drop = async (catalog: string, schema: string) => {
    await engine.run(`DROP SCHEMA IF EXISTS ${engine.dialect.schemaName(catalog, schema)} CASCADE`).catch((error: unknown) => log(`  spark: could not drop ${catalog}.${schema}: ${errorMessage(error)}`));
    pending.delete(`${catalog}\u0000${schema}`);
  };
  const cases: SparkLoadCase[] = [];
  let seq = 0;
  try {
    for (const data of datasets) {
      for (const format of formats) {
        const dir = format === 'csv' ? data.csvDir : data.parquetDir;
        const hub: { seconds: number; statements: { ms: number; sql: string }[] }[] = [];
        const plain: number[] = [];
        let hubStatements = 0;
        const hubRound = async () => {
          const catalog = `${prefix}_wp${++seq}`;
          pending.add(`${catalog}\u0000bench_bronze`).add(`${catalog}\u0000bronze_metadata`);
          const config = writeConfig(`${configDir}/${catalog}.csv`, [configRow(format, dir, catalog)]);
          statements.length = 0;
          const { value: summary, seconds } = await timed(() => runBronze({ asOf: AS_OF }, { engine, configPath: config }));
          const ran = [...statements];
          const loaded = summary.files.filter((f) => f.status === 'SUCCESS');
          const rows = loaded.reduce((n, f) => n + f.rows, 0);
          await drop(catalog, 'bench_bronze');
          await drop(catalog, 'bronze_metadata');
          if (summary.status !== 'SUCCESS' || loaded.length !== data.files || rows !== data.rows) throw new Error(`spark hub ${format}: expected ${data.files} files and ${data.rows} rows, got ${summary.status}, ${loaded.length} files, ${rows} rows`);
          hubStatements = summary.statements;
          hub.push({ seconds, statements: ran });
          log(`  spark ${format} ${rowsLabel(data.rows)} hub   ${seconds.toFixed(2)} s, ${summary.statements} statements`);
        };
        const plainRound = async () => {
          const catalog = `${prefix}_wp${++seq}`;
          pending.add(`${catalog}\u0000bench_bronze`);
          const schema = engine.dialect.schemaName(catalog, 'bench_bronze');
          const target = engine.dialect.tableName(catalog, 'bench_bronze', 'txn');
          const view = `bench_view_${process.pid}_${seq}`;
          const glob = sqlString(join(dir, `transactions_*.${format}`));
          await engine.prepareCatalogs([catalog]);
          await engine.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
          // The hub's read options: header, RFC 4180 quotes, every column a string (no inference pass).
          await engine.run(format === 'csv' ? `CREATE OR REPLACE TEMPORARY VIEW ${view} USING csv OPTIONS (path ${glob}, header 'true', quote '"', escape '"')` : `CREATE OR REPLACE TEMPORARY VIEW ${view} USING parquet OPTIONS (path ${glob})`);
          await engine.run(`CREATE TABLE ${target} USING delta AS SELECT * FROM ${view} LIMIT 0`);
          const { seconds } = await timed(() => engine.run(`INSERT INTO ${target} SELECT * FROM ${view}`));
          const [row] = await engine.query(`SELECT COUNT(*) AS n FROM ${target}`);
          await engine.run(`DROP VIEW IF EXISTS ${view}`);
          await drop(catalog, 'bench_bronze');
          if (Number(row?.['n']) !== data.rows) throw new Error(`spark plain ${format}: the table holds ${String(row?.['n'])} rows, expected ${data.rows}`);
          plain.push(seconds);
          log(`  spark ${format} ${rowsLabel(data.rows)} plain ${seconds.toFixed(2)} s`);
        };
        await alternate(repetitions, plainRound, hubRound);
        const hubSeconds = median(hub.map((h) => h.seconds));
        const plainSeconds = median(plain);
        const medianRun = [...hub].sort((a, b) => a.seconds - b.seconds)[Math.floor((hub.length - 1) / 2)];
        cases.push({
          format,
          size: rowsLabel(data.rows),
          files: data.files,
          rows: data.rows,
          repetitions,
          hubSeconds: round(hubSeconds),
          plainSeconds: round(plainSeconds),
          slowdown: round(hubSeconds / plainSeconds),
          hubStatements,
          goal: 'slowdown <= 1.3',
          goalMet: hubSeconds / plainSeconds <= 1.3,
          runs: { hubSeconds: hub.map((h) => round(h.seconds)), plainSeconds: plain.map((p) => round(p)) },
          profile: slowest(medianRun?.statements ?? [], 8),
        });
      }
    }
    return { available: true, ...server, cases };
  } catch (error) {
    return { available: false, reason: `a spark load failed: ${errorMessage(error)}` };
  } finally {
    for (const key of [...pending]) await drop(...(key.split('\u0000') as [string, string]));
    await engine.close().catch(() => undefined);
  }
}

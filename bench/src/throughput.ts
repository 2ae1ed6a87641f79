import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createDuckDbEngine, createLogger, runBronze, type Engine, type Logger, type RunSummary } from '@org/deltalake-hub';
import { AS_OF, type TransactionData } from './data.js';
import { DATA_DIR, freshDir, log, median, round, sqlString, timed, writeConfig } from './util.js';

export type Format = 'csv' | 'parquet';

export interface ThroughputResult {
  readonly files: number;
  readonly rows: number;
  readonly bytes: number;
  readonly repetitions: number;
  readonly hubSeconds: number;
  readonly engineSeconds: number;
  readonly hubRowsPerSec: number;
  readonly engineRowsPerSec: number;
  /** hub rows/s over engine rows/s (= engine seconds / hub seconds), from the medians of wall time. */
  readonly ratio: number;
  readonly goal: string;
  readonly goalMet: boolean;
  /** The same ratio from process CPU time (DuckDB runs in process): less sensitive to other load on the machine. */
  readonly hubCpuSeconds: number;
  readonly engineCpuSeconds: number;
  readonly cpuRatio: number;
  readonly hubStatements: number;
  /** Every repetition, in the order run, so a noisy figure can be seen for what it is. */
  readonly runs: { readonly hubSeconds: number[]; readonly engineSeconds: number[]; readonly hubCpuSeconds: number[]; readonly engineCpuSeconds: number[] };
  /** The hub statements that took longest in its median run (ms), for what bounds the ratio. */
  readonly profile: readonly { readonly ms: number; readonly sql: string }[];
}

const SCHEMA = 'bench_bronze';

interface Sample {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly statements: readonly { ms: number; sql: string }[];
}

/**
 * runBronze against one `INSERT INTO ... SELECT * FROM read_csv([...])` (or read_parquet) of the
 * same files, on the same in-process DuckDB, each into a fresh table of a fresh catalog file.
 * One untimed scan of every file warms the page cache, then the order alternates, so neither side is favoured.
 */
export async function throughput(format: Format, data: TransactionData, repetitions: number): Promise<ThroughputResult> {
  const dir = format === 'csv' ? data.csvDir : data.parquetDir;
  const physical = readdirSync(dir)
    .filter((n) => n.endsWith(`.${format}`))
    .sort()
    .map((n) => join(dir, n));
  const warehouse = freshDir(join(DATA_DIR, 'work', `throughput-${format}`));
  const statements: { ms: number; sql: string }[] = [];
  const engine = await createDuckDbEngine({ warehouse, logger: captureLogger(statements) });
  let seq = 0;
  const hub: Sample[] = [];
  const eng: Sample[] = [];
  let hubStatements = 0;
  try {
    const hubRound = async () => {
      const catalog = `tp_${format}_hub_${++seq}`;
      const config = writeConfig(join(warehouse, `${catalog}.csv`), [configRow(format, dir, catalog)]);
      statements.length = 0;
      const { value: summary, seconds, cpuSeconds } = await timedCpu(() => runBronze({ asOf: AS_OF }, { engine, configPath: config }));
      const ran = [...statements];
      checkRun(summary, physical.length, data.rows, `hub ${format}`);
      await checkCount(engine, catalog, `txn_${format}`, data.rows, `hub ${format}`);
      await dropCatalog(engine, warehouse, catalog);
      hubStatements = summary.statements;
      hub.push({ seconds, cpuSeconds, statements: ran });
      log(`  ${format} hub    ${seconds.toFixed(2)} s (cpu ${cpuSeconds.toFixed(2)} s), ${summary.statements} statements`);
    };
    const engineRound = async () => {
      const catalog = `tp_${format}_engine_${++seq}`;
      const sample = await engineLoad(engine, format, physical, catalog);
      await checkCount(engine, catalog, `txn_${format}`, data.rows, `engine ${format}`);
      await dropCatalog(engine, warehouse, catalog);
      eng.push(sample);
      log(`  ${format} engine ${sample.seconds.toFixed(2)} s (cpu ${sample.cpuSeconds.toFixed(2)} s)`);
    };
    const { seconds: warm } = await timed(() => engine.query(`SELECT count(*) AS n FROM ${engineReadSql(format, physical)}`));
    log(`  ${format} warm-up scan of every file ${warm.toFixed(2)} s`);
    for (let r = 0; r < repetitions; r++) {
      if (r % 2 === 0) {
        await engineRound();
        await hubRound();
      } else {
        await hubRound();
        await engineRound();
      }
    }
  } finally {
    await engine.close();
  }
  rmSync(warehouse, { recursive: true, force: true });
  const hubSec = median(hub.map((s) => s.seconds));
  const engSec = median(eng.map((s) => s.seconds));
  const hubCpu = median(hub.map((s) => s.cpuSeconds));
  const engCpu = median(eng.map((s) => s.cpuSeconds));
  const ratio = engSec / hubSec;
  const medianRun = [...hub].sort((a, b) => a.seconds - b.seconds)[Math.floor((hub.length - 1) / 2)];
  return {
    files: physical.length,
    rows: data.rows,
    bytes: format === 'csv' ? data.csvBytes : data.parquetBytes,
    repetitions,
    hubSeconds: round(hubSec),
    engineSeconds: round(engSec),
    hubRowsPerSec: Math.round(data.rows / hubSec),
    engineRowsPerSec: Math.round(data.rows / engSec),
    ratio: round(ratio),
    // Issue 14 raised the in-process goal from 0.85 to 0.92.
    goal: 'ratio >= 0.92',
    goalMet: ratio >= 0.92,
    hubCpuSeconds: round(hubCpu),
    engineCpuSeconds: round(engCpu),
    cpuRatio: round(engCpu / hubCpu),
    hubStatements,
    runs: {
      hubSeconds: hub.map((s) => round(s.seconds)),
      engineSeconds: eng.map((s) => round(s.seconds)),
      hubCpuSeconds: hub.map((s) => round(s.cpuSeconds)),
      engineCpuSeconds: eng.map((s) => round(s.cpuSeconds)),
    },
    profile: slowest(medianRun?.statements ?? []),
  };
}

/** Wall and process CPU time (user + system, every DuckDB thread included). */
export async function timedCpu<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number; cpuSeconds: number }> {
  const cpu = process.cpuUsage();
  const { value, seconds } = await timed(fn);
  const used = process.cpuUsage(cpu);
  return { value, seconds, cpuSeconds: (used.user + used.system) / 1e6 };
}

export function slowest(statements: readonly { ms: number; sql: string }[], n = 5): { ms: number; sql: string }[] {
  return [...statements]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, n)
    .map((e) => ({ ms: e.ms, sql: e.sql.replace(/\s+/g, ' ').slice(0, 160) }));
}

export function configRow(format: Format, dir: string, catalog: string, table = `txn_${format}`): string {
  return format === 'csv'
    ? `bench,transactions,${format},transactions_*.csv,${dir}/,delimited,",",true,${catalog},${SCHEMA},${table},true`
    : `bench,transactions,${format},transactions_*.parquet,${dir}/,parquet,,false,${catalog},${SCHEMA},${table},true`;
}

/** The engine alone: the hub's read options (delim, quote, escape, header, all_varchar), no staging, no lineage columns. */
export function engineReadSql(format: Format, physical: readonly string[]): string {
  const list = `[${physical.map(sqlString).join(', ')}]`;
  return format === 'csv' ? `read_csv(${list}, delim = ',', quote = '"', escape = '"', header = true, all_varchar = true)` : `read_parquet(${list})`;
}

async function engineLoad(engine: Engine, format: Format, physical: readonly string[], catalog: string): Promise<Sample> {
  await engine.prepareCatalogs([catalog]);
  const target = engine.dialect.tableName(catalog, SCHEMA, `txn_${format}`);
  await engine.run(`CREATE SCHEMA IF NOT EXISTS ${engine.dialect.schemaName(catalog, SCHEMA)}`);
  // The empty table is created untimed, so only the load itself is measured.
  await engine.run(`CREATE TABLE ${target} AS SELECT * FROM ${engineReadSql(format, physical.slice(0, 1))} LIMIT 0`);
  const { seconds, cpuSeconds } = await timedCpu(() => engine.run(`INSERT INTO ${target} SELECT * FROM ${engineReadSql(format, physical)}`));
  return { seconds, cpuSeconds, statements: [] };
}

function checkRun(summary: RunSummary, files: number, rows: number, what: string): void {
  const loaded = summary.files.filter((f) => f.status === 'SUCCESS');
  const total = loaded.reduce((n, f) => n + f.rows, 0);
  if (summary.status !== 'SUCCESS' || loaded.length !== files || total !== rows) {
    const bad = summary.files.find((f) => f.status !== 'SUCCESS');
    throw new Error(`${what}: expected ${files} files and ${rows} rows loaded, got ${summary.status}, ${loaded.length} files, ${total} rows${bad ? ` (${bad.path}: ${bad.reason})` : ''}`);
  }
}

async function checkCount(engine: Engine, catalog: string, table: string, rows: number, what: string): Promise<void> {
  const [row] = await engine.query(`SELECT COUNT(*) AS n FROM ${engine.dialect.tableName(catalog, SCHEMA, table)}`);
  const n = Number(row?.['n']);
  if (n !== rows) throw new Error(`${what}: the table holds ${n} rows, expected ${rows}`);
}

/** Detaches and deletes a catalog file, so each round writes a fresh one and the disk does not fill. */
async function dropCatalog(engine: Engine, warehouse: string, catalog: string): Promise<void> {
  await engine.run(`DETACH ${engine.dialect.quoteIdentifier(catalog)}`);
  rmSync(join(warehouse, `${catalog}.duckdb`), { force: true });
  rmSync(join(warehouse, `${catalog}.duckdb.wal`), { force: true });
}

/** The hub's own logger at debug level, keeping the engine's per-statement records (ms and SQL). */
export function captureLogger(entries: { ms: number; sql: string }[]): Logger {
  return createLogger({
    level: 'debug',
    pretty: false,
    destination: {
      write(line: string) {
        const record = JSON.parse(line) as { msg?: string; ms?: number; sql?: string };
        if (record.msg === 'statement') entries.push({ ms: Number(record.ms ?? 0), sql: String(record.sql ?? '') });
      },
    },
  });
}

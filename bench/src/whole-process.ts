import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createDuckDbEngine, runBronze } from '@org/deltalake-hub';
import { AS_OF, type TransactionData } from './data.js';
import { configRow, type Format } from './throughput.js';
import { alternate, DATA_DIR, freshDir, log, median, REPO_ROOT, round, rowsLabel, throughputGoal, timed, writeConfig } from './util.js';

/** The CLI as a user runs it: the package's bin, which loads the built bundle. */
export const CLI_BIN = join(REPO_ROOT, 'packages', 'deltalake-hub', 'bin', 'deltalake-hub.js');
const ENGINE_SCRIPT = join(REPO_ROOT, 'bench', 'dist', 'engine-load.js');
/** GNU time: the peak RSS of a child (wait4's ru_maxrss), whatever the child is. */
const GNU_TIME = '/usr/bin/time';

export interface ProcessSample {
  readonly seconds: number;
  /** Peak resident memory of the process, MiB (null without GNU time). */
  readonly peakRssMb: number | null;
  /** User + system CPU seconds of the process (null without GNU time). */
  readonly cpuSeconds: number | null;
}

export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly sample: ProcessSample;
}

export interface WholeProcessCase {
  readonly format: Format;
  readonly size: string;
  readonly files: number;
  readonly rows: number;
  readonly bytes: number;
  readonly repetitions: number;
  readonly hubSeconds: number;
  readonly engineSeconds: number;
  /** engine seconds / hub seconds (= hub rows/s over engine rows/s), from the medians. */
  readonly ratio: number;
  readonly hubPeakRssMb: number | null;
  readonly enginePeakRssMb: number | null;
  /** hub peak RSS / engine peak RSS, from the medians. */
  readonly rssRatio: number | null;
  readonly hubCpuSeconds: number | null;
  readonly engineCpuSeconds: number | null;
  /** engine CPU / hub CPU seconds: steadier than wall time when other work shares the machine. */
  readonly cpuRatio: number | null;
  readonly goal: string;
  readonly goalMet: boolean;
  readonly memoryGoal: string;
  readonly memoryGoalMet: boolean | null;
  readonly runs: { readonly hub: readonly ProcessSample[]; readonly engine: readonly ProcessSample[] };
}

export interface StartResult {
  readonly repetitions: number;
  /** `deltalake-hub --help`, whole process, median ms. */
  readonly helpMs: number;
  /** `node -e 0`, the floor any Node CLI pays. */
  readonly nodeMs: number;
  readonly helpPeakRssMb: number | null;
  readonly nodePeakRssMb: number | null;
  /** CPU seconds (user + system) of each, median, in ms: steadier than wall time on a busy machine. */
  readonly helpCpuMs: number | null;
  readonly nodeCpuMs: number | null;
  readonly goal: string;
  readonly goalMet: boolean;
  readonly runs: { readonly helpMs: readonly number[]; readonly nodeMs: readonly number[] };
}

export interface FixedCostResult {
  readonly repetitions: number;
  /** runBronze on an empty window, in process, on a warehouse an earlier run set up: median ms. */
  readonly inProcessMs: number;
  /** The same run as a whole `deltalake-hub bronze run` command, median ms. */
  readonly commandMs: number;
  readonly statements: number;
  readonly goal: string;
  readonly goalMet: boolean;
  readonly runs: { readonly inProcessMs: readonly number[]; readonly commandMs: readonly number[] };
  /** The slowest statements of the median in-process run (ms). */
  readonly profile: readonly { readonly ms: number; readonly sql: string }[];
}

/** Spawns `node args...` and waits for it, timing the whole process (wall time from spawn to exit) and reading its peak RSS. */
export async function spawnNode(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ProcessResult> {
  const withTime = existsSync(GNU_TIME);
  const timeFile = join(DATA_DIR, 'work', `time-${process.pid}.txt`);
  mkdirSync(join(DATA_DIR, 'work'), { recursive: true });
  const command = withTime ? GNU_TIME : process.execPath;
  const argv = withTime ? ['-f', '%M %U %S', '-o', timeFile, process.execPath, ...args] : [...args];
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const started = performance.now();
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(command, argv, { cwd: options.cwd ?? REPO_ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve(exitCode ?? -1));
  });
  const seconds = (performance.now() - started) / 1000;
  let peakRssMb: number | null = null;
  let cpuSeconds: number | null = null;
  if (withTime && existsSync(timeFile)) {
    // GNU time writes "Command exited with non-zero status N" before the format line when the child fails.
    const last = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1) ?? '';
    const [kb, user, system] = last.split(' ').map(Number);
    if (Number.isFinite(kb)) peakRssMb = round((kb as number) / 1024, 1);
    if (Number.isFinite(user) && Number.isFinite(system)) cpuSeconds = round((user as number) + (system as number), 2);
    rmSync(timeFile, { force: true });
  }
  return { code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), sample: { seconds: round(seconds), peakRssMb, cpuSeconds } };
}

function medianOf(samples: readonly ProcessSample[], pick: (s: ProcessSample) => number | null): number | null {
  const values = samples.map(pick).filter((v): v is number => v !== null);
  return values.length === samples.length && values.length > 0 ? median(values) : null;
}

/**
 * `deltalake-hub bronze run` spawned as a user runs it against a Node script doing only DuckDB's own
 * load of the same files, each into a fresh DuckDB file, alternating, after one untimed warm-up of each.
 */
export async function wholeProcess(format: Format, data: TransactionData, repetitions: number): Promise<WholeProcessCase> {
  const dir = format === 'csv' ? data.csvDir : data.parquetDir;
  const work = freshDir(join(DATA_DIR, 'work', `whole-${format}-${rowsLabel(data.rows)}`));
  const hub: ProcessSample[] = [];
  const engine: ProcessSample[] = [];
  let seq = 0;
  const hubRound = async (record: boolean) => {
    const catalog = `wp_${format}_hub_${++seq}`;
    const warehouse = freshDir(join(work, catalog));
    const config = writeConfig(join(work, `${catalog}.csv`), [configRow(format, dir, catalog)]);
    const result = await spawnNode([CLI_BIN, 'bronze', 'run', '--engine', 'duckdb', '--warehouse', warehouse, '--config', config, '--as-of', AS_OF, '--json'], { cwd: work });
    checkCommand(result, data, `hub ${format}`);
    await checkTable(join(warehouse, `${catalog}.duckdb`), `txn_${format}`, data.rows, `hub ${format}`);
    rmSync(warehouse, { recursive: true, force: true });
    if (record) hub.push(result.sample);
    log(`  ${format} ${rowsLabel(data.rows)} hub CLI    ${result.sample.seconds.toFixed(2)} s, peak ${result.sample.peakRssMb ?? '?'} MiB${record ? '' : ' (warm-up)'}`);
  };
  const engineRound = async (record: boolean) => {
    const dbFile = join(work, `wp_${format}_engine_${++seq}.duckdb`);
    const result = await spawnNode([ENGINE_SCRIPT, format, join(dir, `transactions_*.${format}`), dbFile], { cwd: work });
    if (result.code !== 0) throw new Error(`engine ${format}: exit ${result.code}: ${result.stderr.trim().slice(0, 400)}`);
    await checkTable(dbFile, 'txn', data.rows, `engine ${format}`);
    rmSync(dbFile, { force: true });
    rmSync(`${dbFile}.wal`, { force: true });
    if (record) engine.push(result.sample);
    log(`  ${format} ${rowsLabel(data.rows)} engine    ${result.sample.seconds.toFixed(2)} s, peak ${result.sample.peakRssMb ?? '?'} MiB${record ? '' : ' (warm-up)'}`);
  };
  // One untimed run of each warms the page cache (the files, node_modules, the DuckDB library).
  await engineRound(false);
  await hubRound(false);
  await alternate(
    repetitions,
    () => engineRound(true),
    () => hubRound(true),
  );
  rmSync(work, { recursive: true, force: true });
  const hubSeconds = median(hub.map((s) => s.seconds));
  const engineSeconds = median(engine.map((s) => s.seconds));
  const hubRss = medianOf(hub, (s) => s.peakRssMb);
  const engineRss = medianOf(engine, (s) => s.peakRssMb);
  const ratio = engineSeconds / hubSeconds;
  const goal = throughputGoal(data.rows);
  const rssRatio = hubRss !== null && engineRss !== null ? hubRss / engineRss : null;
  const memoryApplies = data.rows >= 10_000_000;
  const hubCpu = medianOf(hub, (s) => s.cpuSeconds);
  const engineCpu = medianOf(engine, (s) => s.cpuSeconds);
  return {
    format,
    size: rowsLabel(data.rows),
    files: data.files,
    rows: data.rows,
    bytes: format === 'csv' ? data.csvBytes : data.parquetBytes,
    repetitions,
    hubSeconds: round(hubSeconds),
    engineSeconds: round(engineSeconds),
    ratio: round(ratio),
    hubPeakRssMb: hubRss === null ? null : round(hubRss, 1),
    enginePeakRssMb: engineRss === null ? null : round(engineRss, 1),
    rssRatio: rssRatio === null ? null : round(rssRatio),
    hubCpuSeconds: hubCpu === null ? null : round(hubCpu, 2),
    engineCpuSeconds: engineCpu === null ? null : round(engineCpu, 2),
    cpuRatio: hubCpu !== null && engineCpu !== null ? round(engineCpu / hubCpu) : null,
    goal: `ratio >= ${goal}`,
    goalMet: ratio >= goal,
    memoryGoal: memoryApplies ? 'hub peak RSS <= 1.2 x engine peak RSS' : 'none below 10M rows (reported)',
    memoryGoalMet: memoryApplies && rssRatio !== null ? rssRatio <= 1.2 : null,
    runs: { hub, engine },
  };
}

/** `deltalake-hub --help` against `node -e 0`, alternating, after one warm-up of each. */
export async function startTime(repetitions: number): Promise<StartResult> {
  const help: ProcessSample[] = [];
  const node: ProcessSample[] = [];
  const helpRun = async (record: boolean) => {
    const result = await spawnNode([CLI_BIN, '--help']);
    if (result.code !== 0 || !result.stdout.includes('Usage: deltalake-hub')) throw new Error(`deltalake-hub --help: exit ${result.code}: ${result.stderr.slice(0, 300)}`);
    if (record) help.push(result.sample);
  };
  const nodeRun = async (record: boolean) => {
    const result = await spawnNode(['-e', '0']);
    if (record) node.push(result.sample);
  };
  await helpRun(false);
  await nodeRun(false);
  await alternate(
    repetitions,
    () => helpRun(true),
    () => nodeRun(true),
  );
  const helpMs = median(help.map((s) => s.seconds * 1000));
  const nodeMs = median(node.map((s) => s.seconds * 1000));
  return {
    repetitions,
    helpMs: Math.round(helpMs),
    nodeMs: Math.round(nodeMs),
    helpPeakRssMb: medianOf(help, (s) => s.peakRssMb),
    nodePeakRssMb: medianOf(node, (s) => s.peakRssMb),
    helpCpuMs: cpuMs(help),
    nodeCpuMs: cpuMs(node),
    goal: 'helpMs <= 120',
    goalMet: helpMs <= 120,
    runs: { helpMs: help.map((s) => Math.round(s.seconds * 1000)), nodeMs: node.map((s) => Math.round(s.seconds * 1000)) },
  };
}

/**
 * A DuckDB run's fixed cost: DDL, config merge, listing, lease and tracker with no file in the
 * window (the files are there, dated after it). In process on a warehouse an earlier run set up,
 * and as a whole command.
 */
export async function fixedCost(data: TransactionData, repetitions: number, captured: { ms: number; sql: string }[], logger: Parameters<typeof createDuckDbEngine>[0]['logger']): Promise<FixedCostResult> {
  const work = freshDir(join(DATA_DIR, 'work', 'fixed-cost'));
  const catalog = 'wp_fixed';
  const warehouse = freshDir(join(work, 'warehouse'));
  const config = writeConfig(join(work, `${catalog}.csv`), [configRow('csv', data.csvDir, catalog)]);
  // A window that ends before the first file's date: every file is listed, none is selected.
  const asOf = '2024-02-01';
  const inProcess: { ms: number; statements: { ms: number; sql: string }[] }[] = [];
  const command: number[] = [];
  let statements = 0;
  const engine = await createDuckDbEngine({ warehouse, logger });
  try {
    const once = async (record: boolean) => {
      captured.length = 0;
      const { value: summary, seconds } = await timed(() => runBronze({ asOf }, { engine, configPath: config }));
      if (summary.files.length !== 0) throw new Error(`fixed cost: expected an empty window, the run selected ${summary.files.length} files`);
      statements = summary.statements;
      if (record) inProcess.push({ ms: seconds * 1000, statements: [...captured] });
    };
    await once(false);
    for (let r = 0; r < repetitions; r++) await once(true);
  } finally {
    await engine.close();
  }
  // The CLI opens the same warehouse once the in-process engine has let go of it.
  const commandRun = async (record: boolean) => {
    const result = await spawnNode([CLI_BIN, 'bronze', 'run', '--engine', 'duckdb', '--warehouse', warehouse, '--config', config, '--as-of', asOf, '--json'], { cwd: work });
    if (result.code !== 0) throw new Error(`fixed cost command: exit ${result.code}: ${result.stderr.trim().slice(0, 400)}`);
    if (record) command.push(result.sample.seconds * 1000);
  };
  await commandRun(false);
  for (let r = 0; r < repetitions; r++) await commandRun(true);
  rmSync(work, { recursive: true, force: true });
  const inProcessMs = median(inProcess.map((s) => s.ms));
  const medianRun = [...inProcess].sort((a, b) => a.ms - b.ms)[Math.floor((inProcess.length - 1) / 2)];
  return {
    repetitions,
    inProcessMs: Math.round(inProcessMs),
    commandMs: Math.round(median(command)),
    statements,
    goal: 'inProcessMs <= 150',
    goalMet: inProcessMs <= 150,
    runs: { inProcessMs: inProcess.map((s) => Math.round(s.ms)), commandMs: command.map(Math.round) },
    profile: [...(medianRun?.statements ?? [])]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 6)
      .map((e) => ({ ms: e.ms, sql: e.sql.replace(/\s+/g, ' ').slice(0, 160) })),
  };
}

function cpuMs(samples: readonly ProcessSample[]): number | null {
  const cpu = medianOf(samples, (s) => s.cpuSeconds);
  return cpu === null ? null : Math.round(cpu * 1000);
}

/** The CLI's --json summary says every file loaded and how many rows. */
function checkCommand(result: ProcessResult, data: TransactionData, what: string): void {
  if (result.code !== 0) throw new Error(`${what}: exit ${result.code}: ${result.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 600)}`);
  const summary = JSON.parse(result.stdout) as { status?: string; files?: { status: string; rows: number }[] };
  const loaded = (summary.files ?? []).filter((f) => f.status === 'SUCCESS');
  const rows = loaded.reduce((n, f) => n + f.rows, 0);
  if (summary.status !== 'SUCCESS' || loaded.length !== data.files || rows !== data.rows) {
    throw new Error(`${what}: expected ${data.files} files and ${data.rows} rows loaded, got ${summary.status}, ${loaded.length} files, ${rows} rows`);
  }
}

/** Opens a loaded DuckDB file read-only in this process and counts the table's rows. */
async function checkTable(dbFile: string, table: string, rows: number, what: string): Promise<void> {
  const instance = await DuckDBInstance.create(dbFile, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(`SELECT count(*) AS n FROM bench_bronze.${table}`);
    const n = Number(reader.getRowObjects()[0]?.['n']);
    connection.closeSync();
    if (n !== rows) throw new Error(`${what}: ${dbFile} holds ${n} rows in bench_bronze.${table}, expected ${rows}`);
  } finally {
    instance.closeSync();
  }
}

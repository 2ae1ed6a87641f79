import { closeSync, existsSync, linkSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, loadSettings, runBronze, type Engine } from '@org/deltalake-hub';
import { sparkServer } from './spark.js';
import { DATA_DIR, errorMessage, freshDir, log, median, round, timed, writeConfig } from './util.js';
import { CLI_BIN, spawnNode, type ProcessSample } from './whole-process.js';

/**
 * Landing zones as they are (issue 26): a history of tiny files over years beside a folder of
 * only the window's files, in a flat folder and in date folders. A run's cost must follow the
 * window's files, not the history: the hub's CLI is run as a user runs it, on each pair of
 * folders, for a first run (it loads the window's files) and an idle rerun (nothing new).
 */

/** The window ends here; the history runs back from it. */
const AS_OF = '2024-03-07';
/** The default 7-day window. */
const WINDOW_DAYS = 7;

export interface LakeData {
  readonly root: string;
  readonly files: number;
  readonly days: number;
  readonly perDay: number;
  readonly windowFiles: number;
  /** Seconds the generation took (0 when the data was there from an earlier run). */
  readonly generatedSeconds: number;
  readonly folders: { readonly flatHistory: string; readonly flatWindow: string; readonly datedHistory: string; readonly datedWindow: string };
}

export interface LakeCase {
  readonly engine: 'duckdb' | 'spark';
  readonly layout: 'flat' | 'dated';
  readonly what: 'first run' | 'idle rerun';
  readonly repetitions: number;
  /** Median seconds (and peak RSS, MiB, on DuckDB) on the window-only folder and on the history. */
  readonly windowSeconds: number;
  readonly historySeconds: number;
  readonly ratio: number;
  readonly windowPeakRssMb: number | null;
  readonly historyPeakRssMb: number | null;
  readonly rssRatio: number | null;
  readonly goal: string;
  readonly goalMet: boolean | null;
}

export interface LakeResult {
  readonly data: Omit<LakeData, 'folders'>;
  readonly cases: LakeCase[];
  readonly spark: { readonly available: boolean; readonly reason?: string };
}

/** The goals of issue 26, per engine, layout and run: time ratio, peak memory ratio (DuckDB). */
const GOALS: Record<string, { time: number | null; rss: number | null }> = {
  'duckdb dated first run': { time: 1.1, rss: 1.1 },
  'duckdb dated idle rerun': { time: 1.1, rss: 1.1 },
  'duckdb flat first run': { time: 1.5, rss: 1.3 },
  'duckdb flat idle rerun': { time: 2, rss: 1.3 },
  'spark dated idle rerun': { time: 1.5, rss: null },
  // Reported, without a goal.
  'spark flat idle rerun': { time: null, rss: null },
};

function day(offset: number): { y: string; m: string; d: string } {
  const date = new Date(Date.parse(`${AS_OF}T00:00:00Z`) - offset * 86_400_000).toISOString();
  return { y: date.slice(0, 4), m: date.slice(5, 7), d: date.slice(8, 10) };
}

/**
 * Writes the history once under .cache/bench/lake/<files>-<days>/ (tiny files, `perDay` a day, the
 * newest day AS_OF), and the window's days again as their own folders. The date-folder layout and
 * the window copies are hard links of the flat history's files: one inode and block per file.
 */
export function lakeData(files: number, days: number): LakeData {
  const perDay = Math.ceil(files / days);
  const root = join(DATA_DIR, 'lake', `${files}-${days}`);
  const folders = { flatHistory: join(root, 'flat-history'), flatWindow: join(root, 'flat-window'), datedHistory: join(root, 'dated-history'), datedWindow: join(root, 'dated-window') };
  const done = join(root, '.complete');
  let generatedSeconds = 0;
  if (!existsSync(done)) {
    const started = performance.now();
    log(`lake: generating ${files} files over ${days} days in ${root} (once; kept for later runs)`);
    rmSync(root, { recursive: true, force: true });
    for (const folder of Object.values(folders)) mkdirSync(folder, { recursive: true });
    let written = 0;
    for (let offset = 0; offset < days && written < files; offset++) {
      const { y, m, d } = day(offset);
      const dated = join(folders.datedHistory, y, m, d);
      mkdirSync(dated, { recursive: true });
      const inWindow = offset < WINDOW_DAYS;
      const windowDated = join(folders.datedWindow, y, m, d);
      if (inWindow) mkdirSync(windowDated, { recursive: true });
      for (let i = 0; i < perDay && written < files; i++, written++) {
        const name = `tx_${y}${m}${d}_${String(i).padStart(4, '0')}.csv`;
        const flat = join(folders.flatHistory, name);
        const fd = openSync(flat, 'w');
        writeSync(fd, `id,amount\n${y}${m}${d}-${i},${i % 100}\n`);
        closeSync(fd);
        linkSync(flat, join(dated, name));
        if (inWindow) {
          linkSync(flat, join(folders.flatWindow, name));
          linkSync(flat, join(windowDated, name));
        }
      }
      if (offset % 250 === 0) log(`lake:   ${written} files`);
    }
    generatedSeconds = round((performance.now() - started) / 1000, 1);
    writeFileSync(done, `${generatedSeconds}\n`);
    log(`lake: generated in ${generatedSeconds} s`);
  }
  const windowFiles = readdirSync(folders.flatWindow).length;
  return { root, files, days, perDay, windowFiles, generatedSeconds, folders };
}

function configFor(work: string, name: string, layout: 'flat' | 'dated', folder: string): { config: string; catalog: string } {
  const catalog = name;
  const source = layout === 'flat' ? `${folder}/` : `${folder}/{yyyy}/{MM}/{dd}/`;
  return { catalog, config: writeConfig(join(work, `${name}.csv`), [`bench,lake,${layout},tx_*.csv,${source},delimited,",",true,${catalog},lake_bronze,tx,true`]) };
}

/**
 * DuckDB, whole process: per layout and repetition, a fresh warehouse on the window-only folder
 * and one on the history, each a first run then an idle rerun, alternating which goes first.
 */
async function duckdbCases(data: LakeData, repetitions: number): Promise<LakeCase[]> {
  const work = freshDir(join(DATA_DIR, 'work', 'lake'));
  const samples = new Map<string, ProcessSample[]>();
  const push = (key: string, sample: ProcessSample) => samples.set(key, [...(samples.get(key) ?? []), sample]);
  let seq = 0;
  const cli = async (layout: 'flat' | 'dated', side: 'window' | 'history') => {
    const folder = layout === 'flat' ? (side === 'window' ? data.folders.flatWindow : data.folders.flatHistory) : side === 'window' ? data.folders.datedWindow : data.folders.datedHistory;
    const { config } = configFor(work, `lake_${layout}_${side}_${++seq}`, layout, folder);
    const warehouse = freshDir(join(work, `wh_${seq}`));
    for (const what of ['first run', 'idle rerun'] as const) {
      const result = await spawnNode([CLI_BIN, 'bronze', 'run', '--warehouse', warehouse, '--config', config, '--as-of', AS_OF, '--json'], { cwd: work });
      const summary = JSON.parse(result.stdout) as { status: string; files: unknown[] };
      const expected = what === 'first run' ? data.windowFiles : 0;
      if (result.code !== 0 || summary.files.length !== expected) throw new Error(`lake ${layout} ${side} ${what}: exit ${result.code}, ${summary.files.length} files (expected ${expected}): ${result.stderr.trim().slice(0, 300)}`);
      push(`${layout} ${what} ${side}`, result.sample);
      log(`  lake duckdb ${layout} ${side.padEnd(7)} ${what.padEnd(10)} ${result.sample.seconds.toFixed(2)} s, peak ${result.sample.peakRssMb ?? '?'} MiB`);
    }
    rmSync(warehouse, { recursive: true, force: true });
  };
  for (const layout of ['dated', 'flat'] as const) {
    for (let r = 0; r < repetitions; r++) {
      const order = r % 2 === 0 ? (['window', 'history'] as const) : (['history', 'window'] as const);
      for (const side of order) await cli(layout, side);
    }
  }
  rmSync(work, { recursive: true, force: true });
  const cases: LakeCase[] = [];
  for (const layout of ['dated', 'flat'] as const) {
    for (const what of ['first run', 'idle rerun'] as const) {
      const w = samples.get(`${layout} ${what} window`) ?? [];
      const h = samples.get(`${layout} ${what} history`) ?? [];
      const rss = (s: readonly ProcessSample[]) => (s.every((x) => x.peakRssMb !== null) && s.length > 0 ? median(s.map((x) => x.peakRssMb as number)) : null);
      cases.push(caseOf('duckdb', layout, what, repetitions, median(w.map((s) => s.seconds)), median(h.map((s) => s.seconds)), rss(w), rss(h)));
    }
  }
  return cases;
}

function caseOf(engine: 'duckdb' | 'spark', layout: 'flat' | 'dated', what: 'first run' | 'idle rerun', repetitions: number, windowSeconds: number, historySeconds: number, windowRss: number | null, historyRss: number | null): LakeCase {
  const goal = GOALS[`${engine} ${layout} ${what}`] ?? { time: null, rss: null };
  const ratio = historySeconds / windowSeconds;
  const rssRatio = windowRss !== null && historyRss !== null ? historyRss / windowRss : null;
  const met = goal.time === null ? null : ratio <= goal.time && (goal.rss === null || rssRatio === null || rssRatio <= goal.rss);
  return {
    engine,
    layout,
    what,
    repetitions,
    windowSeconds: round(windowSeconds),
    historySeconds: round(historySeconds),
    ratio: round(ratio),
    windowPeakRssMb: windowRss === null ? null : round(windowRss, 1),
    historyPeakRssMb: historyRss === null ? null : round(historyRss, 1),
    rssRatio: rssRatio === null ? null : round(rssRatio),
    goal: goal.time === null ? 'reported' : `history / window ≤ ${goal.time}×${goal.rss === null ? '' : `, peak memory ≤ ${goal.rss}×`}`,
    goalMet: met,
  };
}

/** Spark: per layout, a first run (untimed) on each side, then timed idle reruns, in process on one connection. */
async function sparkCases(data: LakeData, repetitions: number): Promise<{ cases: LakeCase[]; available: boolean; reason?: string }> {
  const server = sparkServer();
  if (!server) return { cases: [], available: false, reason: 'no Spark server (pnpm spark:start, or DELTALAKE_HUB_SPARK_PORT)' };
  let engine: Engine;
  try {
    engine = await createEngine('spark', { settings: loadSettings({ engine: 'spark', sparkHost: server.host, sparkPort: server.port }) });
  } catch (error) {
    return { cases: [], available: false, reason: `connecting to Spark at ${server.host}:${server.port}: ${errorMessage(error)}` };
  }
  const work = freshDir(join(DATA_DIR, 'work', 'lake-spark'));
  const catalogs: string[] = [];
  const cases: LakeCase[] = [];
  try {
    for (const layout of ['dated', 'flat'] as const) {
      const seconds: Record<'window' | 'history', number[]> = { window: [], history: [] };
      for (const side of ['window', 'history'] as const) {
        const folder = layout === 'flat' ? (side === 'window' ? data.folders.flatWindow : data.folders.flatHistory) : side === 'window' ? data.folders.datedWindow : data.folders.datedHistory;
        const { config, catalog } = configFor(work, `lake_${process.pid}_${layout}_${side}`, layout, folder);
        catalogs.push(catalog);
        const first = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        if (first.files.length !== data.windowFiles) throw new Error(`spark ${layout} ${side}: the first run loaded ${first.files.length} files, expected ${data.windowFiles}`);
        for (let r = 0; r < repetitions; r++) {
          const { value, seconds: s } = await timed(() => runBronze({ asOf: AS_OF }, { engine, configPath: config }));
          if (value.status !== 'NOTHING_TO_LOAD') throw new Error(`spark ${layout} ${side}: an idle rerun was ${value.status}`);
          seconds[side].push(s);
          log(`  lake spark ${layout} ${side.padEnd(7)} idle rerun ${s.toFixed(2)} s`);
        }
      }
      cases.push(caseOf('spark', layout, 'idle rerun', repetitions, median(seconds.window), median(seconds.history), null, null));
    }
    return { cases, available: true };
  } finally {
    for (const catalog of catalogs) {
      for (const schema of ['bronze_metadata', 'lake_bronze']) await engine.run(`DROP SCHEMA IF EXISTS ${engine.dialect.schemaName(catalog, schema)} CASCADE`).catch(() => undefined);
    }
    await engine.close().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  }
}

/** DuckDB always; Spark when a server is up, as the other Spark benchmarks. */
export async function lake(files: number, days: number, repetitions: number): Promise<LakeResult> {
  const data = lakeData(files, days);
  const cases = await duckdbCases(data, repetitions);
  const spark = await sparkCases(data, repetitions);
  if (!spark.available) log(`lake: spark: ${spark.reason}`);
  const { folders: _folders, ...shown } = data;
  return { data: shown, cases: [...cases, ...spark.cases], spark: { available: spark.available, ...(spark.reason ? { reason: spark.reason } : {}) } };
}

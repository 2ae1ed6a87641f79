import { mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { createDuckDbEngine } from '@org/deltalake-hub';
import { listingData, statementData, transactionData } from './data.js';
import { memory, memoryChild, type MemoryJob, type MemoryResult } from './memory.js';
import { formatReport } from './report.js';
import { resolution, type ResolutionResult } from './resolution.js';
import { sparkLoads, sparkStatements, type SparkLoadResult, type SparkResult } from './spark.js';
import { statementCounts, type StatementsResult } from './statements.js';
import { throughput, type ThroughputResult } from './throughput.js';
import { whatIf, whatIfResolution, type ResolutionWhatIfResult, type WhatIfResult } from './what-if.js';
import { DATA_DIR, errorMessage, freshDir, log, parseRows, REPO_ROOT, round, rowsLabel, timed } from './util.js';
import { fixedCost, startTime, wholeProcess, type FixedCostResult, type StartResult, type WholeProcessCase } from './whole-process.js';
import { captureLogger } from './throughput.js';
import { lake, type LakeResult } from './lake.js';

const BENCHMARKS = ['whole-process', 'spark-load', 'throughput', 'statements', 'resolution', 'memory', 'spark', 'lake', 'what-if'] as const;
type Benchmark = (typeof BENCHMARKS)[number];
/** what-if is an investigation, not a figure with a goal: it runs when asked for. */
const DEFAULT_BENCHMARKS: readonly Benchmark[] = ['whole-process', 'spark-load', 'throughput', 'statements', 'resolution', 'memory', 'spark', 'lake'];

export interface Options {
  readonly json: boolean;
  readonly quick: boolean;
  readonly only: readonly Benchmark[];
  readonly seed: number;
  readonly files: number;
  readonly rowsPerFile: number;
  readonly repetitions: number;
  readonly statementFiles: readonly number[];
  readonly listingFiles: number;
  readonly listingFolders: number;
  readonly trackerRows: number;
  readonly memoryLimit: string;
  readonly smallFiles: number;
  /** Row counts of the whole-process loads (files of WHOLE_ROWS_PER_FILE rows). */
  readonly sizes: readonly number[];
  readonly sparkSizes: readonly number[];
  readonly formats: readonly ('csv' | 'parquet')[];
  /** The lake benchmark's history: files over days (the window's 7 days hold files / days each). */
  readonly lakeFiles: number;
  readonly lakeDays: number;
}

/** Whole-process and Spark loads use files of 10,000 rows: 1M rows are 100 files, 10M rows 1,000. */
const WHOLE_ROWS_PER_FILE = 10_000;

const USAGE = `pnpm bench [--json] [--quick] [--only a,b] [options]

  --json               one JSON document on stdout (progress stays on stderr)
  --quick              a small run for development (about a minute)
  --only LIST          any of ${BENCHMARKS.join(',')} (default: all but what-if)
  --files N            throughput files (default 200)
  --rows-per-file N    rows per throughput file (default 10000)
  --reps N             timed repetitions, median reported (default 5: this machine's timings vary by ±15%)
  --listing-files N    files listed by the resolution benchmark (default 100000)
  --tracker-rows N     tracker rows for the resolution benchmark (default 1000000)
  --memory-limit SIZE  DuckDB memory_limit in the memory benchmark (default 1GB)
  --small-files N      files of the small memory load, a power of ten (default 10)
  --seed N             data generator seed (default 42)
  --what-if            also time other spellings of the hub's load SQL (same as adding what-if to --only)
  --sizes LIST         whole-process loads, in rows (default 1M,10M; --quick 100k); files of 10,000 rows
  --spark-sizes LIST   spark-load sizes (default 1M; --quick 100k)
  --formats LIST       whole-process and spark-load formats (default csv,parquet)
  --lake-files N       files of the lake history (default 1000000; --quick 20000), generated once under .cache/bench/lake/
  --lake-days N        days the lake history spans (default 5000, 200 files a day; --quick 100)

Environment: BENCH_ONLY, BENCH_SIZES, BENCH_SPARK_SIZES and BENCH_REPS stand for --only, --sizes,
--spark-sizes and --reps when the flag is not given.`;

function parseArgs(argv: readonly string[]): Options {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${USAGE}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    const next = argv[i + 1];
    if (inline !== undefined) flags.set(name, inline);
    else if (['json', 'quick', 'what-if', 'help'].includes(name)) flags.set(name, true);
    else if (next !== undefined && !next.startsWith('--')) {
      flags.set(name, next);
      i++;
    } else throw new Error(`--${name} needs a value\n${USAGE}`);
  }
  if (flags.has('help')) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const known = new Set(['json', 'quick', 'what-if', 'only', 'files', 'rows-per-file', 'reps', 'listing-files', 'tracker-rows', 'memory-limit', 'small-files', 'seed', 'sizes', 'spark-sizes', 'formats', 'lake-files', 'lake-days']);
  for (const [name, variable] of [['only', 'BENCH_ONLY'], ['sizes', 'BENCH_SIZES'], ['spark-sizes', 'BENCH_SPARK_SIZES'], ['reps', 'BENCH_REPS']] as const) {
    const value = process.env[variable];
    if (!flags.has(name) && value) flags.set(name, value);
  }
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`unknown flag --${name}\n${USAGE}`);
  const quick = flags.get('quick') === true;
  const int = (name: string, fallback: number): number => {
    const value = flags.get(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: expected a positive whole number, got ${String(value)}`);
    return n;
  };
  const onlyFlag = flags.get('only');
  const only: string[] = typeof onlyFlag === 'string' ? onlyFlag.split(',').map((s) => s.trim()) : [...DEFAULT_BENCHMARKS];
  if (flags.get('what-if') === true && !only.includes('what-if')) only.push('what-if');
  for (const name of only) if (!(BENCHMARKS as readonly string[]).includes(name)) throw new Error(`--only: unknown benchmark ${name} (${BENCHMARKS.join(', ')})`);
  const smallFiles = int('small-files', quick ? 1 : 10);
  if (!/^10*$/.test(String(smallFiles))) throw new Error('--small-files: expected a power of ten (1, 10, 100)');
  const options: Options = {
    json: flags.get('json') === true,
    quick,
    only: only as Benchmark[],
    seed: int('seed', 42),
    files: int('files', quick ? 20 : 200),
    rowsPerFile: int('rows-per-file', quick ? 5_000 : 10_000),
    repetitions: int('reps', quick ? 1 : 5),
    statementFiles: quick ? [1, 10, 100] : [1, 10, 100, 1000],
    listingFiles: int('listing-files', quick ? 10_000 : 100_000),
    listingFolders: 4,
    trackerRows: int('tracker-rows', quick ? 100_000 : 1_000_000),
    memoryLimit: typeof flags.get('memory-limit') === 'string' ? (flags.get('memory-limit') as string) : '1GB',
    smallFiles,
    sizes: rowList(flags.get('sizes'), quick ? [100_000] : [1_000_000, 10_000_000], 'sizes'),
    sparkSizes: rowList(flags.get('spark-sizes'), quick ? [100_000] : [1_000_000], 'spark-sizes'),
    formats: formatList(flags.get('formats')),
    lakeFiles: int('lake-files', quick ? 20_000 : 1_000_000),
    lakeDays: int('lake-days', quick ? 100 : 5_000),
  };
  if (options.lakeDays < 8) throw new Error('--lake-days: at least 8 (the 7-day window and a day before it)');
  if (options.smallFiles > options.files) throw new Error('--small-files must not exceed --files');
  if (options.files > 10_000) throw new Error('--files: at most 10000 (file names carry a 4-digit index)');
  return options;
}

function rowList(value: string | true | undefined, fallback: number[], name: string): number[] {
  if (typeof value !== 'string') return fallback;
  return value.split(',').map((part) => {
    const rows = parseRows(part);
    if (rows % WHOLE_ROWS_PER_FILE !== 0 || rows / WHOLE_ROWS_PER_FILE > 10_000) throw new Error(`--${name}: ${part} is not a whole number of files of ${WHOLE_ROWS_PER_FILE} rows (at most 10000 files)`);
    return rows;
  });
}

function formatList(value: string | true | undefined): ('csv' | 'parquet')[] {
  if (typeof value !== 'string') return ['csv', 'parquet'];
  const formats = value.split(',').map((f) => f.trim());
  for (const f of formats) if (f !== 'csv' && f !== 'parquet') throw new Error(`--formats: expected csv or parquet, got ${f}`);
  return formats as ('csv' | 'parquet')[];
}

export interface BenchDocument {
  readonly benchmark: 'deltalake-hub';
  readonly startedAt: string;
  durationSeconds: number;
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly memoryGb: number; readonly node: string; readonly platform: string; loadAverage: { start: number[]; end: number[] } };
  /** Which code was measured: the commit, and product files changed but not committed when the run started. */
  readonly git: { readonly head: string; readonly uncommitted: readonly string[]; uncommittedAtEnd?: readonly string[] };
  readonly options: Omit<Options, 'json' | 'only'> & { readonly only: readonly string[] };
  /** The CLI spawned as a user runs it against a Node script doing only DuckDB's load; start time; fixed cost. */
  wholeProcess?: { start?: StartResult; fixedCost?: FixedCostResult; loads: WholeProcessCase[] };
  /** The hub's load on Spark against one plain INSERT ... SELECT over a view, in the same server. */
  sparkLoad?: SparkLoadResult;
  throughput?: { csv?: ThroughputResult; parquet?: ThroughputResult };
  /** Statements per run on the embedded engine, keyed by the number of files. */
  statements?: Record<string, number>;
  statementsDetail?: Omit<StatementsResult, 'counts'>;
  whatIf?: { csv?: WhatIfResult; parquet?: WhatIfResult; resolution?: ResolutionWhatIfResult };
  resolution?: ResolutionResult;
  memory?: MemoryResult;
  spark?:
    | { available: true; host: string; port: number; statements: Record<string, number>; seconds: Record<string, number>; incomplete: StatementsResult['incomplete']; goalMet: boolean }
    | { available: false; reason: string };
  /** A history of tiny files beside a folder of only the window's files: flat and date folders, DuckDB whole process and Spark's idle rerun. */
  lake?: LakeResult;
  goals: Record<string, { goal: string; met: boolean; value: number | string }>;
  errors: Record<string, string>;
  seconds: Record<string, number>;
}

function gitState(): { head: string; uncommitted: string[] } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    // Porcelain lines are "XY path": the status letters take the first three characters.
    const status = git('status', '--porcelain', '--', 'packages', 'ddl').split('\n').filter((l) => l.length > 3);
    return { head: git('rev-parse', '--short', 'HEAD').trim(), uncommitted: status.map((l) => l.slice(3)) };
  } catch {
    return { head: 'unknown', uncommitted: [] };
  }
}

async function main(): Promise<void> {
  const childAt = process.argv.indexOf('--memory-child');
  if (childAt >= 0) {
    await memoryChild(JSON.parse(process.argv[childAt + 1] ?? '{}') as MemoryJob);
    return;
  }
  const options = parseArgs(process.argv.slice(2));
  mkdirSync(DATA_DIR, { recursive: true });
  const started = performance.now();
  const doc: BenchDocument = {
    benchmark: 'deltalake-hub',
    startedAt: new Date().toISOString(),
    durationSeconds: 0,
    machine: {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: round(totalmem() / 2 ** 30, 1),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadAverage: { start: loadavg().map((l) => round(l, 2)), end: [] },
    },
    git: gitState(),
    options: { ...options, only: options.only },
    goals: {},
    errors: {},
    seconds: {},
  };
  const wants = (b: Benchmark) => options.only.includes(b);
  // Each benchmark runs on its own; one failing is reported and the others still run.
  const step = async (name: string, fn: () => Promise<void>) => {
    log(`${name} ...`);
    try {
      const { seconds } = await timed(fn);
      doc.seconds[name] = round(seconds, 1);
    } catch (error) {
      doc.errors[name] = errorMessage(error);
      log(`${name} FAILED: ${errorMessage(error)}`);
      if (process.env['BENCH_DEBUG']) console.error(error);
    }
  };

  const needsTransactions = wants('throughput') || wants('memory') || wants('what-if');
  const txn = needsTransactions ? await transactionData(options.files, options.rowsPerFile, options.seed) : undefined;
  const stmtFolders = wants('statements') || wants('spark') ? statementData(options.statementFiles, options.seed) : undefined;

  if (wants('whole-process')) {
    const section: NonNullable<BenchDocument['wholeProcess']> = { loads: [] };
    doc.wholeProcess = section;
    await step('whole-process.start', async () => {
      section.start = await startTime(Math.max(options.repetitions, 5) * 2);
      doc.goals['whole-process.start'] = { goal: section.start.goal, met: section.start.goalMet, value: `${section.start.helpMs} ms (node -e 0: ${section.start.nodeMs} ms)` };
    });
    for (const rows of options.sizes) {
      const data = await transactionData(rows / WHOLE_ROWS_PER_FILE, WHOLE_ROWS_PER_FILE, options.seed);
      if (rows === Math.min(...options.sizes)) {
        await step('whole-process.fixed-cost', async () => {
          const captured: { ms: number; sql: string }[] = [];
          section.fixedCost = await fixedCost(data, Math.max(options.repetitions, 5), captured, captureLogger(captured));
          doc.goals['whole-process.fixed-cost'] = { goal: section.fixedCost.goal, met: section.fixedCost.goalMet, value: `${section.fixedCost.inProcessMs} ms in process (${section.fixedCost.commandMs} ms as a command)` };
        });
      }
      for (const format of options.formats) {
        const name = `whole-process.${format}.${rowsLabel(rows)}`;
        await step(name, async () => {
          const result = await wholeProcess(format, data, options.repetitions);
          section.loads.push(result);
          doc.goals[name] = { goal: result.goal, met: result.goalMet, value: result.ratio };
          if (result.memoryGoalMet !== null) doc.goals[`${name}.memory`] = { goal: result.memoryGoal, met: result.memoryGoalMet, value: `${result.hubPeakRssMb} / ${result.enginePeakRssMb} MiB = ${result.rssRatio}` };
        });
      }
    }
  }
  if (wants('spark-load')) {
    await step('spark-load', async () => {
      const datasets = [];
      for (const rows of options.sparkSizes) datasets.push(await transactionData(rows / WHOLE_ROWS_PER_FILE, WHOLE_ROWS_PER_FILE, options.seed));
      const result = await sparkLoads(datasets, options.repetitions, freshDir(join(DATA_DIR, 'work', 'spark-load')), options.formats);
      doc.sparkLoad = result;
      if (result.available) {
        for (const c of result.cases) doc.goals[`spark-load.${c.format}.${c.size}`] = { goal: c.goal, met: c.goalMet, value: c.slowdown };
      } else log(`spark-load: unavailable: ${result.reason}`);
    });
  }
  if (wants('throughput') && txn) {
    doc.throughput = {};
    for (const format of ['csv', 'parquet'] as const) {
      await step(`throughput.${format}`, async () => {
        const result = await throughput(format, txn, options.repetitions);
        (doc.throughput as Record<string, ThroughputResult>)[format] = result;
        doc.goals[`throughput.${format}`] = { goal: result.goal, met: result.goalMet, value: result.ratio };
      });
    }
  }
  if (wants('what-if') && txn) {
    doc.whatIf = {};
    for (const format of ['csv', 'parquet'] as const) {
      await step(`what-if.${format}`, async () => {
        (doc.whatIf as Record<string, WhatIfResult>)[format] = await whatIf(format, txn, options.repetitions);
      });
    }
    await step('what-if.resolution', async () => {
      const listing = listingData(options.listingFiles, options.listingFolders, options.seed);
      (doc.whatIf as { resolution?: ResolutionWhatIfResult }).resolution = await whatIfResolution(listing, options.trackerRows, options.repetitions);
    });
  }
  if (wants('statements') && stmtFolders) {
    await step('statements', async () => {
      const warehouse = freshDir(join(DATA_DIR, 'work', 'statements'));
      const engine = await createDuckDbEngine({ warehouse });
      try {
        const { counts, ...detail } = await statementCounts(engine, stmtFolders, (n) => `stmt_n${n}`, warehouse);
        doc.statements = counts;
        doc.statementsDetail = detail;
        doc.goals['statements'] = { goal: detail.goal, met: detail.goalMet, value: JSON.stringify(counts) };
      } finally {
        await engine.close();
      }
    });
  }
  if (wants('resolution')) {
    await step('resolution', async () => {
      const listing = listingData(options.listingFiles, options.listingFolders, options.seed);
      const result = await resolution(listing, options.trackerRows, options.repetitions);
      doc.resolution = result;
      doc.goals['resolution'] = { goal: result.goal, met: result.goalMet, value: result.ratio };
    });
  }
  if (wants('memory') && txn) {
    await step('memory', async () => {
      const result = await memory(txn, options.smallFiles, options.memoryLimit, availableParallelism());
      doc.memory = result;
      doc.goals['memory'] = { goal: result.goal, met: result.goalMet, value: `${result.smallPeakRssMb} / ${result.largePeakRssMb} MiB peak RSS; ${result.small.loadedFiles}/${result.small.files} and ${result.large.loadedFiles}/${result.large.files} files loaded` };
    });
  }
  if (wants('spark') && stmtFolders) {
    await step('spark', async () => {
      const result: SparkResult = await sparkStatements(stmtFolders, freshDir(join(DATA_DIR, 'work', 'spark')));
      if (result.available) {
        const st = result.statements;
        doc.spark = { available: true, host: result.host, port: result.port, statements: st.counts, seconds: st.seconds, incomplete: st.incomplete, goalMet: st.goalMet };
        doc.goals['spark.statements'] = { goal: result.statements.goal, met: result.statements.goalMet, value: JSON.stringify(result.statements.counts) };
      } else {
        doc.spark = { available: false, reason: result.reason };
        log(`spark: unavailable: ${result.reason}`);
      }
    });
  }

  if (wants('lake')) {
    await step('lake', async () => {
      const result = await lake(options.lakeFiles, options.lakeDays, options.repetitions);
      doc.lake = result;
      for (const c of result.cases) {
        if (c.goalMet !== null) doc.goals[`lake.${c.engine}.${c.layout}.${c.what.replace(' ', '-')}`] = { goal: c.goal, met: c.goalMet, value: `${c.ratio}×${c.rssRatio === null ? '' : `, memory ${c.rssRatio}×`}` };
      }
    });
  }

  doc.durationSeconds = round((performance.now() - started) / 1000, 1);
  doc.machine.loadAverage.end = loadavg().map((l) => round(l, 2));
  // Another build in the same checkout during the run changes the code under it: say so.
  doc.git.uncommittedAtEnd = gitState().uncommitted;
  log(`done in ${doc.durationSeconds} s`);
  process.stdout.write(options.json ? `${JSON.stringify(doc, null, 2)}\n` : formatReport(doc));
  if (Object.keys(doc.errors).length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  log(`bench failed: ${errorMessage(error)}`);
  if (process.env['BENCH_DEBUG']) console.error(error);
  process.exitCode = 1;
});

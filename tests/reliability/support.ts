import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

/** The repository root, from this file's place in it (CI runs in a fresh clone elsewhere). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const HERE = fileURLToPath(new URL('./', import.meta.url));
/** The CLI as users run it: the committed bin shim over the built dist. */
export const CLI_BIN = join(REPO_ROOT, 'packages', 'deltalake-hub', 'bin', 'deltalake-hub.js');
/** A small runner over the built runBronze, with kill seams (see child-run.mjs). */
export const CHILD_RUN = join(HERE, 'child-run.mjs');
export const HOLD_WAREHOUSE = join(HERE, 'hold-warehouse.mjs');
/** Many CLI invocations in one process, through the CLI's `main` (see cli-batch.mjs). */
export const CLI_BATCH = join(HERE, 'cli-batch.mjs');

/** The seed for every random choice; set RELIABILITY_SEED to replay a failing run. */
export const SEED = Number(process.env['RELIABILITY_SEED'] ?? 20240310);

/** mulberry32: small, fast and good enough to pick kill points reproducibly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const randInt = (random: () => number, min: number, max: number): number => min + Math.floor(random() * (max - min + 1));

export interface ProcResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Whether the parent's timed kill fired before the child ended. */
  readonly killedByParent: boolean;
}

export interface SpawnOptions {
  readonly cwd?: string | undefined;
  /** Added to a clean environment (no DELTALAKE_HUB_* or DATABRICKS_* from the caller's shell). */
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** SIGKILL the child after this many milliseconds. */
  readonly killAfterMs?: number | undefined;
  /** A safety net so a hung child fails its test instead of the whole run. */
  readonly timeoutMs?: number | undefined;
}

/** The caller's environment without settings that would change what a child does. */
export function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(DELTALAKE_HUB_|DATABRICKS_|VITEST|NODE_OPTIONS$)/.test(key)) continue;
    env[key] = value;
  }
  env['NO_COLOR'] = '1';
  // The suites read log events as JSON lines (the default is one text line per event).
  env['DELTALAKE_HUB_LOG_FORMAT'] = 'json';
  return { ...env, ...extra };
}

export interface StartedProcess {
  readonly result: Promise<ProcResult>;
  /** Resolves once the child's stderr matches (rejects if it ends first). */
  waitForStderr(pattern: RegExp): Promise<void>;
  /** SIGKILL now (a no-op once it has ended); the result's killedByParent says whether it was still running. */
  kill(): void;
  /** What the child wrote on stderr so far. */
  stderr(): string;
}

export function startNode(args: readonly string[], options: SpawnOptions = {}): StartedProcess {
  const child = spawn(process.execPath, args, { cwd: options.cwd ?? REPO_ROOT, env: cleanEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let killedByParent = false;
  const watchers: { pattern: RegExp; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const w of watchers.filter((x) => x.pattern.test(stderr))) w.resolve();
  });
  const timers: NodeJS.Timeout[] = [];
  const kill = () => {
    killedByParent = child.exitCode === null && child.signalCode === null;
    child.kill('SIGKILL');
  };
  if (options.killAfterMs !== undefined) timers.push(setTimeout(kill, options.killAfterMs));
  timers.push(setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000));
  const result = new Promise<ProcResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      resolve({ code, signal, stdout, stderr, killedByParent });
    });
  });
  return {
    result,
    kill,
    stderr: () => stderr,
    waitForStderr: (pattern) =>
      new Promise<void>((resolve, reject) => {
        if (pattern.test(stderr)) return resolve();
        watchers.push({ pattern, resolve });
        void result.then((r) => reject(new Error(`the child ended (exit ${r.code}, ${r.signal}) before its stderr matched ${pattern}:\n${r.stderr.slice(-2000)}`)));
      }),
  };
}

export const spawnNode = (args: readonly string[], options: SpawnOptions = {}): Promise<ProcResult> => startNode(args, options).result;

/** `deltalake-hub <args>` through the bin shim. */
export const runCli = (args: readonly string[], options: SpawnOptions = {}): Promise<ProcResult> => spawnNode([CLI_BIN, ...args], options);

/** Options of child-run.mjs; see that file. */
export interface ChildRunOptions {
  readonly warehouse: string;
  readonly config: string;
  readonly asOf: string;
  readonly beginDate?: string;
  readonly category?: string;
  readonly force?: boolean;
  readonly variables?: Record<string, string>;
  readonly leaseWaitMs?: number;
  /** A table lease's lifetime (short in lease tests). */
  readonly leaseTtlMs?: number;
  /** duckdb (default) or spark on the Thrift server at sparkPort. */
  readonly engine?: 'duckdb' | 'spark';
  readonly sparkPort?: number;
  readonly runId?: string;
  /** After each table's load, run a statement that sleeps this long on the run's session (Spark). */
  readonly slowAfterLoadMs?: number;
  /** At most this many files per table (a bounded batch of a backfill). */
  readonly maxFiles?: number;
  /** Run this many times in a row, each on an engine of its own (default 1). */
  readonly runs?: number;
  readonly kill?:
    | { readonly at: 'statement'; readonly n: number }
    /** The nth (default 1) statement whose text matches, as it returns. */
    | { readonly at: 'sql'; readonly pattern: string; readonly nth?: number }
    | { readonly at: 'afterLoad'; readonly table: number }
    | { readonly at: 'tableStart'; readonly table: number }
    | { readonly at: 'tableDone'; readonly table: number };
}

export const runChild = (options: ChildRunOptions, spawnOptions: SpawnOptions = {}): Promise<ProcResult> =>
  spawnNode([CHILD_RUN, JSON.stringify(options)], spawnOptions);

export const startChild = (options: ChildRunOptions, spawnOptions: SpawnOptions = {}): StartedProcess => startNode([CHILD_RUN, JSON.stringify(options)], spawnOptions);

/**
 * What child-run.mjs reported, in order: `started`, then per table `listed <table>`, `loaded
 * <table>`, `tracked <table>`, then `done <status>`. Each line is written synchronously to a pipe
 * before the run goes on, so after a SIGKILL the last one says where the run was.
 */
export const progressOf = (stderr: string): string[] => [...stderr.matchAll(/^progress: (.+)$/gm)].map((m) => m[1] as string);

/** The one JSON document a `--json` run or child-run.mjs prints on stdout. */
export function summaryOf(result: ProcResult): { status: string; files: { path: string; status: string; rows: number; reason: string | null }[]; reconciled: number; statements: number; error?: { code: string; message: string } } {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`no JSON on stdout (exit ${result.code}, signal ${result.signal}):\nstdout: ${result.stdout}\nstderr: ${result.stderr.slice(-4000)}`);
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `dlh-rel-${prefix}-`));
}

export function writeFile(file: string, content: string | Buffer): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

export const CONFIG_HEADER = 'lob,category,subcategory,file_pattern,source_path,file_format,delimiter,has_header,dest_catalog,dest_schema,dest_table,is_active';

export interface ConfigLine {
  readonly category: string;
  readonly subcategory: string;
  readonly pattern: string;
  readonly source: string;
  readonly format: 'delimited' | 'parquet';
  readonly delimiter?: string;
  readonly header?: boolean;
  readonly catalog: string;
  readonly schema?: string;
  readonly table: string;
}

const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

export function configCsv(lines: readonly ConfigLine[], lob = 'falcon'): string {
  const rows = lines.map((l) =>
    [
      lob,
      l.category,
      l.subcategory,
      l.pattern,
      l.source,
      l.format,
      l.format === 'parquet' ? '' : (l.delimiter ?? ','),
      l.format === 'parquet' ? 'false' : String(l.header ?? true),
      l.catalog,
      l.schema ?? 'falcon_bronze',
      l.table,
      'true',
    ]
      .map(csvField)
      .join(','),
  );
  return `${CONFIG_HEADER}\n${rows.join('\n')}\n`;
}

export type Row = Record<string, unknown>;
export type Query = (text: string) => Promise<Row[]>;

/** Opens a warehouse's catalogs read-only in this process, runs `fn`, and closes (a run cannot start while it is open). */
export async function inspect<T>(warehouse: string, catalogs: readonly string[], fn: (query: Query) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (const catalog of catalogs) {
      await connection.run(`ATTACH '${join(warehouse, `${catalog}.duckdb`).replaceAll("'", "''")}' AS "${catalog}" (READ_ONLY)`);
    }
    return await fn(async (text) => (await connection.runAndReadAll(text)).getRowObjectsJS() as Row[]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** Whether a table exists in an attached catalog. */
export async function tableExists(query: Query, catalog: string, schema: string, table: string): Promise<boolean> {
  const rows = await query(`SELECT 1 FROM information_schema.tables WHERE table_catalog = '${catalog}' AND table_schema = '${schema}' AND table_name = '${table}'`);
  return rows.length > 0;
}

/** What a table must hold after a complete run: every file of the window, with its row count. */
export interface ExpectedTable {
  readonly table: string;
  /** `_source_file` value → number of data rows in that file. */
  readonly files: ReadonlyMap<string, number>;
}

/** A table's rows as read from an engine: per `_source_file`, its rows and distinct batches (empty when the table does not exist). */
export type BronzeCounts = ReadonlyMap<string, { readonly rows: number; readonly batches: number }>;

/** A SUCCESS row of the load tracker, as read from an engine. */
export interface TrackedSuccess {
  readonly destTable: string;
  readonly file: string;
  readonly rowCount: number;
}

/**
 * The exactly-once invariants over what an engine's reader found, as a list of problems (empty =
 * consistent), so a failure shows all of them: per file exactly one batch and its line count of
 * rows; no file lost or extra; exactly one SUCCESS tracker row per file, whose row_count equals
 * the rows in bronze. `bronze` maps each expected table to its counts.
 */
export function exactlyOnceProblems(
  catalog: string,
  schema: string,
  expected: readonly ExpectedTable[],
  bronze: ReadonlyMap<string, BronzeCounts>,
  tracker: readonly TrackedSuccess[],
): string[] {
  const problems: string[] = [];
  for (const { table, files } of expected) {
    const dest = `${catalog}.${schema}.${table}`;
    const inBronze = bronze.get(table) ?? new Map();
    for (const [file, rows] of files) {
      const got = inBronze.get(file);
      if (!got) problems.push(`${dest}: lost ${file} (no rows in bronze)`);
      else {
        if (got.rows !== rows) problems.push(`${dest}: ${file} has ${got.rows} rows in bronze, the file has ${rows}`);
        if (got.batches !== 1) problems.push(`${dest}: ${file} was loaded by ${got.batches} batches`);
      }
    }
    for (const file of inBronze.keys()) if (!files.has(file)) problems.push(`${dest}: unexpected rows from ${file}`);
    const byFile = new Map<string, number[]>();
    for (const t of tracker.filter((r) => r.destTable === dest)) byFile.set(t.file, [...(byFile.get(t.file) ?? []), t.rowCount]);
    for (const [file, counts] of byFile) {
      if (counts.length !== 1) problems.push(`${dest}: ${file} has ${counts.length} SUCCESS tracker rows`);
      const got = inBronze.get(file);
      if (!got) problems.push(`${dest}: tracker says SUCCESS for ${file}, which has no rows in bronze`);
      else if (counts.some((c) => c !== got.rows)) problems.push(`${dest}: tracker row_count ${counts.join('/')} for ${file}, bronze has ${got.rows}`);
    }
    for (const file of inBronze.keys()) if (!byFile.has(file)) problems.push(`${dest}: ${file} is in bronze but has no SUCCESS tracker row`);
  }
  return problems;
}

/** Bronze counts from rows of `SELECT _source_file AS f, COUNT(*) AS n, COUNT(DISTINCT _batch_id) AS batches ... GROUP BY`. */
export const bronzeCountsOf = (rows: readonly Row[]): BronzeCounts => new Map(rows.map((r) => [String(r['f']), { rows: Number(r['n']), batches: Number(r['batches']) }]));

/** Tracker rows from `SELECT dest_table, file_path, row_count ... WHERE load_status = 'SUCCESS'`. */
export const trackedOf = (rows: readonly Row[]): TrackedSuccess[] => rows.map((r) => ({ destTable: String(r['dest_table']), file: String(r['file_path']), rowCount: Number(r['row_count']) }));

/** The exactly-once invariants (exactlyOnceProblems) of a DuckDB warehouse's catalog, read in this process. */
export async function consistencyProblems(warehouse: string, catalog: string, expected: readonly ExpectedTable[], schema = 'falcon_bronze'): Promise<string[]> {
  return inspect(warehouse, [catalog], async (query) => {
    const tracker = await query(`SELECT dest_table, file_path, CAST(row_count AS BIGINT) AS row_count FROM "${catalog}".bronze_metadata.load_tracker WHERE load_status = 'SUCCESS'`);
    const bronze = new Map<string, BronzeCounts>();
    for (const { table } of expected) {
      const rows = (await tableExists(query, catalog, schema, table))
        ? await query(`SELECT _source_file AS f, CAST(COUNT(*) AS BIGINT) AS n, CAST(COUNT(DISTINCT _batch_id) AS BIGINT) AS batches FROM "${catalog}"."${schema}"."${table}" GROUP BY 1`)
        : [];
      bronze.set(table, bronzeCountsOf(rows));
    }
    return exactlyOnceProblems(catalog, schema, expected, bronze, trackedOf(tracker));
  });
}

/** Rows in a table per `_source_file` (empty map when the table does not exist). */
export async function rowsPerFile(query: Query, catalog: string, table: string, schema = 'falcon_bronze'): Promise<Map<string, number>> {
  if (!(await tableExists(query, catalog, schema, table))) return new Map();
  const rows = await query(`SELECT _source_file AS f, CAST(COUNT(*) AS BIGINT) AS n FROM "${catalog}"."${schema}"."${table}" GROUP BY 1`);
  return new Map(rows.map((r) => [String(r['f']), Number(r['n'])]));
}

/** Lines of a log stream that are not pino JSON lines. */
/** stderr without log lines (JSON) and without the line that says which warehouse or engine a command uses. */
export const plainLines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0 && !l.startsWith('{') && !/^(warehouse: |connecting to )/.test(l));

/** A process holding a warehouse catalog file open, as a run in progress does; `release` closes it. */
export async function holdWarehouse(file: string): Promise<{ release: () => Promise<void> }> {
  const child = spawn(process.execPath, [HOLD_WAREHOUSE, file], { cwd: REPO_ROOT, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('holding')) resolve();
    });
    child.on('close', (code) => reject(new Error(`hold-warehouse.mjs exited ${code}: ${stderr}`)));
  });
  return {
    release: async () => {
      child.stdin.end();
      await closed;
    },
  };
}

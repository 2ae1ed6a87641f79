import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDuckDbEngine, runBronze } from '@org/deltalake-hub';
import { AS_OF, type TransactionData } from './data.js';
import { configRow } from './throughput.js';
import { DATA_DIR, freshDir, log, writeConfig } from './util.js';

/** What the parent asks one child process to load. */
export interface MemoryJob {
  readonly label: string;
  readonly dir: string;
  /** A file_pattern selecting the files of this load. */
  readonly pattern: string;
  readonly files: number;
  readonly rows: number;
  readonly memoryLimit: string;
  readonly threads: number;
}

/** What a child reports on its stdout (one JSON line). */
export interface MemoryReport {
  readonly label: string;
  readonly files: number;
  readonly rows: number;
  readonly seconds: number;
  /** RSS after Node, the hub and DuckDB are loaded and the engine is open, before the run. */
  readonly baselineRssMb: number;
  readonly peakRssMb: number;
  readonly vmHwmMb: number | null;
  readonly status: string;
  readonly loadedFiles: number;
  readonly loadedRows: number;
  /** Why files did not load, when some did not (the first reason). */
  readonly reason: string | null;
}

export interface MemoryResult {
  readonly memoryLimit: string;
  readonly threads: number;
  readonly nodeOverheadMb: number;
  readonly boundMb: number;
  readonly smallPeakRssMb: number;
  readonly largePeakRssMb: number;
  readonly small: MemoryReport;
  readonly large: MemoryReport;
  readonly withinBound: boolean;
  readonly loadsCompleted: boolean;
  readonly goal: string;
  readonly goalMet: boolean;
}

/** Allowance for Node, the hub, the DuckDB library and the Node side of a run; the baseline before a run measures about 112 MiB. */
export const NODE_OVERHEAD_MB = 256;

export async function memory(data: TransactionData, smallFiles: number, memoryLimit: string, threads: number): Promise<MemoryResult> {
  const small = await inChild({
    label: 'small',
    dir: data.csvDir,
    // Indices are zero-padded to 4 digits: with smallFiles = 10^k, k wildcards select files 0..smallFiles-1.
    pattern: `transactions_*_${'0'.repeat(5 - String(smallFiles).length)}${'?'.repeat(String(smallFiles).length - 1)}.csv`,
    files: smallFiles,
    rows: smallFiles * data.rowsPerFile,
    memoryLimit,
    threads,
  });
  const large = await inChild({ label: 'large', dir: data.csvDir, pattern: 'transactions_*.csv', files: data.files, rows: data.rows, memoryLimit, threads });
  const boundMb = parseSizeMb(memoryLimit) + NODE_OVERHEAD_MB;
  return {
    memoryLimit,
    threads,
    nodeOverheadMb: NODE_OVERHEAD_MB,
    boundMb,
    smallPeakRssMb: small.peakRssMb,
    largePeakRssMb: large.peakRssMb,
    small,
    large,
    withinBound: small.peakRssMb <= boundMb && large.peakRssMb <= boundMb,
    loadsCompleted: [small, large].every((r) => r.loadedFiles === r.files),
    goal: `both loads complete with peak RSS <= memory limit + ${NODE_OVERHEAD_MB} MiB Node overhead (${boundMb} MiB)`,
    goalMet: small.peakRssMb <= boundMb && large.peakRssMb <= boundMb && [small, large].every((r) => r.loadedFiles === r.files),
  };
}

/** Runs one load in a fresh Node process, so its peak RSS is that load's alone. */
async function inChild(job: MemoryJob): Promise<MemoryReport> {
  const work = freshDir(join(DATA_DIR, 'work', `memory-${job.label}`));
  const script = fileURLToPath(new URL('./run.js', import.meta.url));
  const stdout: Buffer[] = [];
  // The child works in its own folder: an in-memory DuckDB spills to ./.tmp under its working folder.
  const child = spawn(process.execPath, [script, '--memory-child', JSON.stringify(job)], { cwd: work, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  rmSync(work, { recursive: true, force: true });
  const text = Buffer.concat(stdout).toString('utf8').trim();
  if (code !== 0) throw new Error(`memory ${job.label}: the child exited with ${code}: ${text.slice(0, 500)}`);
  const report = JSON.parse(text.split('\n').pop() ?? '') as MemoryReport;
  const outcome = report.loadedFiles === report.files ? 'loaded' : `only ${report.loadedFiles} loaded (${report.status}: ${report.reason ?? ''})`;
  log(`  memory ${job.label}: ${report.files} files, ${report.rows} rows, ${outcome} in ${report.seconds.toFixed(1)} s, peak RSS ${report.peakRssMb} MiB (baseline ${report.baselineRssMb} MiB)`);
  return report;
}

/** The child's side: load, then print peak RSS as one JSON line. */
export async function memoryChild(job: MemoryJob): Promise<void> {
  const warehouse = join(process.cwd(), 'warehouse');
  const engine = await createDuckDbEngine({ warehouse, memoryLimit: job.memoryLimit, threads: job.threads });
  const baselineRssMb = mb(process.memoryUsage.rss());
  const started = performance.now();
  let summary;
  try {
    const config = writeConfig(join(process.cwd(), 'config.csv'), [configRow('csv', job.dir, 'memory').replace('transactions_*.csv', job.pattern)]);
    summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
  } finally {
    await engine.close();
  }
  const loaded = summary.files.filter((f) => f.status === 'SUCCESS');
  if (summary.files.length !== job.files) throw new Error(`memory ${job.label}: expected ${job.files} files listed, the run saw ${summary.files.length}`);
  const report: MemoryReport = {
    label: job.label,
    files: job.files,
    rows: job.rows,
    seconds: Math.round(performance.now() - started) / 1000,
    baselineRssMb,
    // VmHWM first: Linux carries getrusage's maxRSS across exec, so a child of a large bench process reports the parent's size.
    peakRssMb: vmHwm() ?? Math.round(process.resourceUsage().maxRSS / 1024),
    vmHwmMb: vmHwm(),
    status: summary.status,
    loadedFiles: loaded.length,
    loadedRows: loaded.reduce((n, f) => n + f.rows, 0),
    reason: summary.files.find((f) => f.status !== 'SUCCESS')?.reason ?? null,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

function vmHwm(): number | null {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}

function mb(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}

/** DuckDB size strings (`512MB`, `1GB`, `1GiB`) in MiB, the unit every RSS figure here is in. */
export function parseSizeMb(size: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.exec(size.trim());
  if (!match) throw new Error(`not a size: ${size}`);
  const value = Number(match[1]);
  const unit = (match[2] as string).toUpperCase();
  // DuckDB reads KB/MB/GB as powers of 1000 and KiB/MiB/GiB as powers of 1024; RSS is reported in MiB.
  const bytes: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 2 ** 10, MIB: 2 ** 20, GIB: 2 ** 30, TIB: 2 ** 40 };
  return Math.round((value * (bytes[unit] ?? 1)) / 2 ** 20);
}

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

/** The repository root, from bench/dist/*.js, so the bench runs the same from any working folder. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Generated data and scratch warehouses: under the repository's git-ignored .cache/, kept between runs. */
export const DATA_DIR = join(REPO_ROOT, '.cache', 'bench');

export const CONFIG_HEADER = 'lob,category,subcategory,file_pattern,source_path,file_format,delimiter,has_header,dest_catalog,dest_schema,dest_table,is_active';

/** Progress goes to stderr so that `--json` leaves stdout with one document. */
export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - started) / 1000 };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** A spoke config CSV with the given rows, written beside the data it describes. */
export function writeConfig(file: string, rows: readonly string[]): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${CONFIG_HEADER}\n${rows.join('\n')}\n`);
  return file;
}

/** A scratch folder emptied before use: warehouses from an earlier run must not skew a fresh one. */
export function freshDir(path: string): string {
  rmSync(path, { recursive: true, force: true });
  mkdirSync(path, { recursive: true });
  return path;
}

export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? text).trim();
}

/**
 * Runs `a` and `b` `repetitions` times each, alternating which goes first (a b, b a, a b, ...),
 * so that neither side is always the one after a warm-up or a disturbance.
 */
export async function alternate(repetitions: number, a: () => Promise<void>, b: () => Promise<void>): Promise<void> {
  for (let r = 0; r < repetitions; r++) {
    const [first, second] = r % 2 === 0 ? [a, b] : [b, a];
    await first();
    await second();
  }
}

/** "1M", "10M", "100k" or "250000" as a row count. */
export function parseRows(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  if (!match) throw new Error(`expected a row count such as 1M, 10M or 100k, got ${JSON.stringify(text)}`);
  const scale = { '': 1, k: 1e3, m: 1e6 }[(match[2] ?? '').toLowerCase()] ?? 1;
  const rows = Math.round(Number(match[1]) * scale);
  if (rows < 1) throw new Error(`expected a positive row count, got ${JSON.stringify(text)}`);
  return rows;
}

/** 1000000 -> "1M", 100000 -> "100k". */
export function rowsLabel(rows: number): string {
  if (rows >= 1e6 && rows % 1e5 === 0) return `${rows / 1e6}M`;
  if (rows >= 1e3 && rows % 1e2 === 0) return `${rows / 1e3}k`;
  return String(rows);
}

/** The whole-process goal for a load of `rows`: 0.85 of the engine alone up to 1M rows, 0.92 from 10M. */
export function throughputGoal(rows: number): number {
  return rows >= 10_000_000 ? 0.92 : 0.85;
}

import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Anything that runs one SQL statement on DuckDB: a hub Engine on DuckDB qualifies. */
export interface SqlRunner {
  run(statement: string): Promise<unknown>;
}

export interface SampleDataOptions {
  /** Local folder standing for `abfss://raw@storage.dfs.core.windows.net/`. */
  readonly root: string;
  /** Last day to generate, yyyy-MM-dd. */
  readonly asOf: string;
  /** Days ending on `asOf`; default 7, the bronze run's default window. */
  readonly days?: number | undefined;
  readonly seed?: number | undefined;
  /** Base rows per transaction file; clickstream files hold 4x, page view files 2x. */
  readonly rowsPerFile?: number | undefined;
  /** DuckDB to write parquet with; an in-memory instance is opened when absent. */
  readonly engine?: SqlRunner | undefined;
}

export interface SampleDataResult {
  /** Every file of the window, in date order, whether written now or already present. */
  readonly files: string[];
  /** The files this call wrote (existing files are kept as they are). */
  readonly written: string[];
}

export type TxnKind = 'credit' | 'debit';

export interface TransactionRecord {
  readonly transaction_id: string;
  readonly account_id: string;
  readonly customer_id: string;
  readonly txn_ts: string;
  readonly amount: string;
  readonly currency: string;
  readonly merchant: string;
  readonly status: string;
}

export interface WebEventRecord {
  readonly event_id: string;
  readonly session_id: string;
  readonly customer_id: string | null;
  readonly event_ts: string;
  readonly page: string;
  /** Clickstream only. */
  readonly action?: string;
  readonly device?: string;
  /** Page views only. */
  readonly referrer?: string;
  readonly duration_ms?: number;
}

export const TRANSACTION_COLUMNS = ['transaction_id', 'account_id', 'customer_id', 'txn_ts', 'amount', 'currency', 'merchant', 'status'] as const;
export const DEFAULT_SEED = 20240101;
export const DEFAULT_ROWS_PER_FILE = 40;
/** Rows of the previous day each transaction file re-sends, so silver has something to dedupe. */
export const RESENT_PER_FILE = 2;

const MERCHANTS = ['Acme Hardware', 'Smith, Jones & Co', 'Blue Bottle Coffee', "Kim's Deli", 'Northwind Traders, Inc.', 'Contoso Fuel', 'City Transit'];
const PAGES = ['/home', '/offers', '/cards/credit', '/cards/debit', '/account/statements', '/support', '/checkout'];
const ACTIONS = ['click', 'scroll', 'add_to_cart', 'submit'];
const DEVICES = ['ios', 'android', 'web'];
const REFERRERS = ['google', 'direct', 'email', 'partner'];
const CUSTOMERS = 30;

/** Writes Falcon's raw files (two CSV feeds, two parquet feeds) for each day of the window. */
export async function generateSampleData(options: SampleDataOptions): Promise<SampleDataResult> {
  const seed = options.seed ?? DEFAULT_SEED;
  const rows = options.rowsPerFile ?? DEFAULT_ROWS_PER_FILE;
  const files: string[] = [];
  const written: string[] = [];
  const parquet: { file: string; statement: string }[] = [];

  for (const date of windowDates(options.asOf, options.days ?? 7)) {
    const paths = samplePaths(options.root, date);
    files.push(paths.credit, paths.debit, paths.clickstream, paths.pageviews);
    for (const kind of ['credit', 'debit'] as const) {
      const file = paths[kind];
      if (existsSync(file)) continue;
      await writeAtomically(file, toCsv(transactionRows(kind, date, seed, rows)));
      written.push(file);
    }
    if (!existsSync(paths.clickstream)) parquet.push({ file: paths.clickstream, statement: copyStatement(clickstreamRows(date, seed, rows * 4), 'click') });
    if (!existsSync(paths.pageviews)) parquet.push({ file: paths.pageviews, statement: copyStatement(pageviewRows(date, seed, rows * 2), 'pageview') });
  }

  if (parquet.length > 0) {
    const { runner, close } = options.engine ? { runner: options.engine, close: async () => {} } : await openDuckDb();
    try {
      for (const { file, statement } of parquet) {
        await mkdir(dirname(file), { recursive: true });
        const partial = `${file}.partial`;
        await runner.run(statement.replace('__TARGET__', sqlString(partial)));
        await rename(partial, file);
        written.push(file);
      }
    } finally {
      await close();
    }
  }
  return { files, written };
}

export interface SamplePaths {
  readonly credit: string;
  readonly debit: string;
  readonly clickstream: string;
  readonly pageviews: string;
}

/** Where each feed's file for `date` lives under `root`, mirroring the config's source paths. */
export function samplePaths(root: string, date: string): SamplePaths {
  const d = date.replaceAll('-', '');
  return {
    credit: join(root, 'falcon', 'txn', 'credit', `transactions_${d}.csv`),
    debit: join(root, 'falcon', 'txn', 'debit', `debit_${d}.csv`),
    clickstream: join(root, 'falcon', 'events', `clickstream_${d}.parquet`),
    pageviews: join(root, 'falcon', 'pageviews', `pageviews_${d}.parquet`),
  };
}

/** Rows in each file of one day: what a bronze run should report per file. */
export function sampleRowCounts(rowsPerFile: number = DEFAULT_ROWS_PER_FILE): { credit: number; debit: number; clickstream: number; pageviews: number } {
  return { credit: rowsPerFile + RESENT_PER_FILE, debit: rowsPerFile + RESENT_PER_FILE, clickstream: rowsPerFile * 4, pageviews: rowsPerFile * 2 };
}

/** The `days` dates ending on `asOf`, oldest first. */
export function windowDates(asOf: string, days: number): string[] {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(`${asOf}T00:00:00Z`))) {
    throw new Error(`asOf must be a date as yyyy-MM-dd, got ${JSON.stringify(asOf)}`);
  }
  if (!Number.isInteger(days) || days < 1) throw new Error(`days must be a whole number of 1 or more, got ${days}`);
  const end = Date.parse(`${asOf}T00:00:00Z`);
  return Array.from({ length: days }, (_, i) => new Date(end - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

/**
 * One day's transactions of one feed. Rows depend only on (kind, date, seed), so a file is the
 * same whatever window it was generated in. Each file ends with the first rows of the previous
 * day re-sent as posted, and holds one row whose amount cannot be typed.
 */
export function transactionRows(kind: TxnKind, date: string, seed: number, rowsPerFile: number): TransactionRecord[] {
  const base = baseTransactions(kind, date, seed, rowsPerFile);
  const previous = baseTransactions(kind, shiftDate(date, -1), seed, rowsPerFile)
    .filter((row) => row.amount !== 'n/a' && row.amount !== '')
    .slice(0, RESENT_PER_FILE)
    .map((row) => ({ ...row, status: 'posted' }));
  return [...base, ...previous];
}

function baseTransactions(kind: TxnKind, date: string, seed: number, n: number): TransactionRecord[] {
  const rand = prng(seed, `txn-${kind}`, date);
  const prefix = kind === 'credit' ? 'CR' : 'DB';
  const compact = date.replaceAll('-', '');
  return Array.from({ length: n }, (_, i) => {
    const customer = 1 + Math.floor(rand() * CUSTOMERS);
    const cents = kind === 'credit' ? 500 + Math.floor(rand() * 49_500) : 100 + Math.floor(rand() * 19_900);
    const currencyRoll = rand();
    const statusRoll = rand();
    const merchant = pick(rand, MERCHANTS);
    const ts = timeOfDay(rand);
    let amount = (cents / 100).toFixed(2);
    // One malformed value per file, as real feeds have: silver must drop it, bronze must keep it.
    if (i === 3) amount = kind === 'credit' ? 'n/a' : '';
    return {
      transaction_id: `${prefix}-${compact}-${String(i + 1).padStart(4, '0')}`,
      account_id: `AC-${String(customer).padStart(3, '0')}-${kind === 'credit' ? 1 : 2}`,
      customer_id: `C${String(customer).padStart(3, '0')}`,
      txn_ts: `${date} ${ts}`,
      amount,
      currency: currencyRoll < 0.85 ? 'USD' : currencyRoll < 0.93 ? 'usd' : 'EUR',
      merchant,
      status: statusRoll < 0.8 ? 'posted' : statusRoll < 0.92 ? 'pending' : 'declined',
    };
  });
}

export function clickstreamRows(date: string, seed: number, n: number): WebEventRecord[] {
  const rand = prng(seed, 'clickstream', date);
  const compact = date.replaceAll('-', '');
  return Array.from({ length: n }, (_, i) => {
    const session = Math.floor(i / 5);
    return {
      event_id: `CL-${compact}-${String(i + 1).padStart(5, '0')}`,
      session_id: `S-${compact}-${String(session + 1).padStart(4, '0')}`,
      customer_id: sessionCustomer(seed, date, session),
      event_ts: `${date} ${timeOfDay(rand)}`,
      page: pick(rand, PAGES),
      action: pick(rand, ACTIONS),
      device: pick(rand, DEVICES),
    };
  });
}

export function pageviewRows(date: string, seed: number, n: number): WebEventRecord[] {
  const rand = prng(seed, 'pageviews', date);
  const compact = date.replaceAll('-', '');
  return Array.from({ length: n }, (_, i) => {
    const session = Math.floor(i / 3);
    const page = pick(rand, PAGES);
    return {
      event_id: `PV-${compact}-${String(i + 1).padStart(5, '0')}`,
      session_id: `S-${compact}-${String(session + 1).padStart(4, '0')}`,
      customer_id: sessionCustomer(seed, date, session),
      event_ts: `${date} ${timeOfDay(rand)}`,
      // Some feeds send pages in upper case; silver lower-cases them.
      page: rand() < 0.1 ? page.toUpperCase() : page,
      referrer: pick(rand, REFERRERS),
      duration_ms: 500 + Math.floor(rand() * 119_500),
    };
  });
}

/** A session belongs to one customer, or to nobody (anonymous traffic, about one in five). */
function sessionCustomer(seed: number, date: string, session: number): string | null {
  const rand = prng(seed, `session-${session}`, date);
  const customer = 1 + Math.floor(rand() * CUSTOMERS);
  return rand() < 0.2 ? null : `C${String(customer).padStart(3, '0')}`;
}

/** CSV as a data provider writes it: a header, commas, quotes only where a field needs them. */
export function toCsv(rows: readonly TransactionRecord[]): string {
  const quote = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const lines = [TRANSACTION_COLUMNS.join(',')];
  for (const row of rows) lines.push(TRANSACTION_COLUMNS.map((c) => quote(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}

function copyStatement(rows: readonly WebEventRecord[], kind: 'click' | 'pageview'): string {
  const text = (v: string | null | undefined) => (v === null || v === undefined ? 'NULL' : sqlString(v));
  const values = rows.map((r) =>
    kind === 'click'
      ? `(${text(r.event_id)}, ${text(r.session_id)}, ${text(r.customer_id)}, ${text(r.event_ts)}, ${text(r.page)}, ${text(r.action)}, ${text(r.device)})`
      : `(${text(r.event_id)}, ${text(r.session_id)}, ${text(r.customer_id)}, ${text(r.event_ts)}, ${text(r.page)}, ${text(r.referrer)}, ${r.duration_ms ?? 'NULL'})`,
  );
  const select =
    kind === 'click'
      ? `SELECT event_id, session_id, CAST(customer_id AS VARCHAR) AS customer_id, CAST(event_ts AS TIMESTAMP) AS event_ts, page, action, device
         FROM (VALUES ${values.join(',\n')}) AS t(event_id, session_id, customer_id, event_ts, page, action, device)`
      : `SELECT event_id, session_id, CAST(customer_id AS VARCHAR) AS customer_id, CAST(event_ts AS TIMESTAMP) AS event_ts, page, referrer, CAST(duration_ms AS INTEGER) AS duration_ms
         FROM (VALUES ${values.join(',\n')}) AS t(event_id, session_id, customer_id, event_ts, page, referrer, duration_ms)`;
  // Ordered so that the file's row order is the generated order.
  return `COPY (${select} ORDER BY event_id) TO __TARGET__ (FORMAT parquet)`;
}

async function openDuckDb(): Promise<{ runner: SqlRunner; close: () => Promise<void> }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return {
    runner: { run: (statement: string) => connection.run(statement) },
    close: async () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Written under a temporary name first, so an interrupted run leaves no file that would be skipped. */
async function writeAtomically(file: string, content: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(`${file}.partial`, content, 'utf8');
  await rename(`${file}.partial`, file);
}

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function timeOfDay(rand: () => number): string {
  const seconds = Math.floor(rand() * 86_400);
  const hh = String(Math.floor(seconds / 3600)).padStart(2, '0');
  const mm = String(Math.floor((seconds % 3600) / 60)).padStart(2, '0');
  const ss = String(seconds % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}`;
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

/** mulberry32 seeded by FNV-1a of (seed, stream, date): reproducible on every platform. */
function prng(seed: number, stream: string, date: string): () => number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}|${stream}|${date}`) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  let a = h;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DATA_DIR, log, sqlString, timed } from './util.js';

/** Every generated file is dated inside the 7-day window ending here, so the default window selects them all. */
export const AS_OF = '2024-03-07';
export const WINDOW_BEGIN = '2024-03-01';
const WINDOW_DAYS = 7;

/** Bumped when the generators change, so stale data is regenerated rather than reused. */
const GENERATOR_VERSION = 2;

export interface TransactionData {
  readonly csvDir: string;
  readonly parquetDir: string;
  readonly files: number;
  readonly rowsPerFile: number;
  readonly rows: number;
  readonly csvBytes: number;
  readonly parquetBytes: number;
}

function fileDate(index: number): string {
  const day = new Date(Date.UTC(2024, 2, 1 + (index % WINDOW_DAYS)));
  return day.toISOString().slice(0, 10).replaceAll('-', '');
}

export function transactionFileName(index: number, ext: 'csv' | 'parquet'): string {
  return `transactions_${fileDate(index)}_${String(index).padStart(4, '0')}.${ext}`;
}

/** Reuses data generated earlier with the same parameters: generation is deterministic, so equal manifests mean equal bytes. */
function upToDate(manifestFile: string, manifest: object): boolean {
  if (!existsSync(manifestFile)) return false;
  try {
    const stored = JSON.parse(readFileSync(manifestFile, 'utf8')) as { params?: unknown };
    return JSON.stringify(stored.params) === JSON.stringify(manifest);
  } catch {
    return false;
  }
}

/**
 * A card-transactions feed: 14 realistic columns (ids, names, merchant with commas and quotes,
 * amounts, ISO timestamps, codes). Values come from integer mixing of the row number and the seed,
 * never random(), so the same seed gives the same files.
 */
const TRANSACTIONS_SELECT = (from: number, to: number, rowsPerFile: number, seed: number) => `
WITH base AS (
  SELECT i, i // ${rowsPerFile} AS file_idx,
    ((i + ${seed} * 7777777 + 1000003) * 2654435761) % 4294967291 AS h1,
    ((i + ${seed} * 7777777 + 2000003) * 40503) % 2147483647 AS h2,
    ((i + ${seed} * 7777777 + 3000017) * 69069) % 1000000007 AS h3
  FROM range(${from}, ${to}) AS t(i)
)
SELECT i, file_idx,
  'TXN-' || lpad(CAST(i AS VARCHAR), 10, '0') AS transaction_id,
  'AC' || lpad(CAST(h1 % 250000 AS VARCHAR), 7, '0') AS account_id,
  (['Olivia','Liam','Emma','Noah','Ava','Oliver','Sophia','Elijah','Isabella','James','Mia','Lucas','Amelia','Mateo','Harper','Ethan','Aria','Kenji','Priya','Chloé'])[1 + h2 % 20]
    || ' ' || (['Smith','García','Nguyen','Okafor','Müller','Rossi','Kowalski','Tanaka','Patel','Johnson','Brown','O''Brien','Silva','Cohen','Dubois','Ivanova'])[1 + h3 % 16] AS customer_name,
  (['VISA','MASTERCARD','AMEX','DISCOVER'])[1 + h1 % 4] AS card_type,
  (['Acme Grocery','Blue Bottle Coffee','Shell #4411','Smith, Jones & Co','Amazon Marketplace','Uber *Trip','Target T-1842','Home Depot','Joe''s "Famous" Pizza','Delta Air Lines','Netflix.com','Walgreens #09921'])[1 + h2 % 12] AS merchant_name,
  CAST(5000 + h3 % 1000 AS INTEGER) AS merchant_category_code,
  CAST((h1 % 2500000) / 100.0 AS DECIMAL(12, 2)) AS amount,
  (['USD','USD','USD','EUR','GBP','CAD'])[1 + h3 % 6] AS currency,
  TIMESTAMP '${WINDOW_BEGIN}' + to_days(CAST(file_idx % ${WINDOW_DAYS} AS INTEGER)) + to_seconds(h2 % 86400) AS transaction_ts,
  (['US','US','US','GB','DE','FR','CA','MX','JP','IN'])[1 + h1 % 10] AS country_code,
  (['New York','London','Berlin','Paris','Toronto','Mexico City','Tokyo','Mumbai','Chicago','San Francisco'])[1 + h3 % 10] AS city,
  CASE WHEN h2 % 100 < 94 THEN 'APPROVED' WHEN h2 % 100 < 98 THEN 'DECLINED' ELSE 'REVERSED' END AS status,
  (['POS','ONLINE','MOBILE','ATM'])[1 + h1 % 4] AS channel,
  CASE WHEN h3 % 50 = 0 THEN 'Refund, partial: "damaged item"' WHEN h3 % 7 = 0 THEN 'Recurring payment' ELSE 'Card purchase ref ' || CAST(h1 % 100000 AS VARCHAR) END AS description
FROM base`;

/** Writes `files` CSV and parquet files of `rowsPerFile` rows each (same rows in both formats). */
export async function transactionData(files: number, rowsPerFile: number, seed: number): Promise<TransactionData> {
  const dir = join(DATA_DIR, `txn-${files}x${rowsPerFile}-s${seed}`);
  const csvDir = join(dir, 'csv');
  const parquetDir = join(dir, 'parquet');
  const manifestFile = join(dir, 'manifest.json');
  const params = { version: GENERATOR_VERSION, files, rowsPerFile, seed };
  if (!upToDate(manifestFile, params)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(csvDir, { recursive: true });
    mkdirSync(parquetDir, { recursive: true });
    const { seconds } = await timed(async () => {
      const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
      const connection = await instance.connect();
      try {
        // One file at a time, from its own range of row numbers: the same rows as one big table split by file,
        // without holding every row in memory (10M rows make 1,000 files).
        for (let f = 0; f < files; f++) {
          const select = `SELECT * EXCLUDE (file_idx, i) FROM (${TRANSACTIONS_SELECT(f * rowsPerFile, (f + 1) * rowsPerFile, rowsPerFile, seed)}) ORDER BY i`;
          // DuckDB's CSV writer quotes fields holding the delimiter or quote and doubles embedded quotes: the hub's quote/escape settings.
          await connection.run(`COPY (${select}) TO ${sqlString(join(csvDir, transactionFileName(f, 'csv')))} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"')`);
          await connection.run(`COPY (${select}) TO ${sqlString(join(parquetDir, transactionFileName(f, 'parquet')))} (FORMAT parquet)`);
        }
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    });
    writeFileSync(manifestFile, JSON.stringify({ params, generatedSeconds: seconds }, null, 2));
    log(`generated ${files} CSV + ${files} parquet files of ${rowsPerFile} rows in ${seconds.toFixed(1)} s under ${dir}`);
  }
  const sizes = await folderBytes(csvDir, parquetDir);
  return { csvDir, parquetDir, files, rowsPerFile, rows: files * rowsPerFile, csvBytes: sizes[0] ?? 0, parquetBytes: sizes[1] ?? 0 };
}

async function folderBytes(...dirs: string[]): Promise<number[]> {
  const { readdirSync, statSync } = await import('node:fs');
  return dirs.map((d) => readdirSync(d).reduce((n, name) => n + statSync(join(d, name)).size, 0));
}

/** Small CSV files for counting statements: folders n1, n10, ... holding that many files of a few rows. */
export function statementData(counts: readonly number[], seed: number): Map<number, string> {
  const dir = join(DATA_DIR, `stmt-s${seed}`);
  const manifestFile = join(dir, 'manifest.json');
  const params = { version: GENERATOR_VERSION, counts, seed };
  const folders = new Map(counts.map((n) => [n, join(dir, `n${n}`)]));
  if (upToDate(manifestFile, params)) return folders;
  rmSync(dir, { recursive: true, force: true });
  for (const [n, folder] of folders) {
    mkdirSync(folder, { recursive: true });
    for (let f = 0; f < n; f++) {
      const rows = [0, 1, 2].map((r) => `${seed}-${n}-${f}-${r},${((f * 31 + r * 17 + seed) % 1000) / 10},${r % 2 === 0 ? 'APPROVED' : 'DECLINED'}`);
      writeFileSync(join(folder, transactionFileName(f, 'csv')), `transaction_id,amount,status\n${rows.join('\n')}\n`);
    }
  }
  writeFileSync(manifestFile, JSON.stringify({ params }, null, 2));
  log(`generated statement-count files (${counts.join(', ')}) under ${dir}`);
  return folders;
}

export interface ListingData {
  readonly dirs: readonly string[];
  readonly files: number;
  readonly seed: number;
}

/** Many tiny files in a few folders, for resolution: only their names, sizes and times matter. */
export function listingData(files: number, folders: number, seed: number): ListingData {
  const dir = join(DATA_DIR, `listing-${files}x${folders}-s${seed}`);
  const manifestFile = join(dir, 'manifest.json');
  const params = { version: GENERATOR_VERSION, files, folders, seed };
  const dirs = Array.from({ length: folders }, (_, d) => join(dir, `feed${d}`));
  if (upToDate(manifestFile, params)) return { dirs, files, seed };
  rmSync(dir, { recursive: true, force: true });
  for (const d of dirs) mkdirSync(d, { recursive: true });
  for (let f = 0; f < files; f++) {
    const file = join(dirs[f % folders] as string, listingFileName(f));
    writeFileSync(file, listingFileContent(f, seed));
    // A fixed modification time, so the tracker rows made from range() can match size and time exactly.
    utimesSync(file, LISTING_MTIME, LISTING_MTIME);
  }
  writeFileSync(manifestFile, JSON.stringify({ params }, null, 2));
  log(`generated ${files} listing files in ${folders} folders under ${dir}`);
  return { dirs, files, seed };
}

/** The modification time of every listing file (UTC). */
export const LISTING_MTIME = new Date('2024-03-07T00:00:00Z');

/** What listing file `index` holds; the resolution benchmark computes the same size in SQL. */
export function listingFileContent(index: number, seed: number): string {
  return `id,value\n${index},${(index * 7 + seed) % 101}\n`;
}

export function listingFileName(index: number): string {
  return `events_${fileDate(index)}_${String(index).padStart(7, '0')}.csv`;
}

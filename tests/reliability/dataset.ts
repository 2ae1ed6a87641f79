import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { configCsv, prng, randInt, tempDir, writeFile, type ExpectedTable } from './support.js';

export const AS_OF = '2024-03-10';
/** The default window for AS_OF (docs/bronze.md, Which files): the 7 days ending on it. */
const WINDOW_DAYS = ['04', '05', '06', '07', '08', '09', '10'];

export interface DatasetSize {
  readonly creditFiles: number;
  readonly creditRows: number;
  readonly debitFiles: number;
  readonly debitRows: number;
  readonly eventFiles: number;
  readonly eventRows: number;
}

/** Source files of three tables (comma CSV, pipe CSV, parquet), some outside the window, and their config. */
export interface Dataset {
  readonly root: string;
  readonly config: string;
  readonly catalog: string;
  readonly asOf: string;
  readonly expected: readonly ExpectedTable[];
  readonly files: number;
  readonly rows: number;
}

/**
 * Writes the data set once per suite; runs only read it. Row counts vary per file (seeded) so
 * that a file's rows landing under another file's name would show.
 */
export async function buildDataset(size: DatasetSize, seed: number, catalog = 'rel'): Promise<Dataset> {
  const random = prng(seed);
  const root = tempDir('data');
  const credit = new Map<string, number>();
  const debit = new Map<string, number>();
  const events = new Map<string, number>();
  const day = (i: number) => WINDOW_DAYS[i % WINDOW_DAYS.length] as string;

  for (let i = 0; i < size.creditFiles; i++) {
    const name = `transactions_202403${day(i)}_${String(i).padStart(3, '0')}.csv`;
    const rows = randInt(random, Math.floor(size.creditRows * 0.5), Math.floor(size.creditRows * 1.5));
    const lines = ['id,amount,note,ts'];
    for (let r = 0; r < rows; r++) lines.push(`c${i}-${r},${(r * 7) % 1000}.${r % 100},"note, with comma ${r}",2024-03-${day(i)}T10:${String(r % 60).padStart(2, '0')}:00`);
    credit.set(writeFile(join(root, 'raw', 'credit', name), `${lines.join('\n')}\n`), rows);
  }
  // Outside the window: must never load.
  for (const name of ['transactions_20240301_900.csv', 'transactions_20240302_901.csv']) writeFile(join(root, 'raw', 'credit', name), 'id,amount,note,ts\nold,1,x,y\n');

  for (let i = 0; i < size.debitFiles; i++) {
    const name = `debit_2024-03-${day(i)}_${String(i).padStart(3, '0')}.txt`;
    const rows = randInt(random, Math.floor(size.debitRows * 0.5), Math.floor(size.debitRows * 1.5));
    const lines = ['id|amount|merchant'];
    for (let r = 0; r < rows; r++) lines.push(`d${i}-${r}|${r % 500}|shop ${r % 37}`);
    debit.set(writeFile(join(root, 'raw', 'debit', name), `${lines.join('\n')}\n`), rows);
  }

  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    for (let i = 0; i < size.eventFiles; i++) {
      const name = `events_2024_03_${day(i)}_${String(i).padStart(3, '0')}.parquet`;
      const rows = randInt(random, Math.floor(size.eventRows * 0.5), Math.floor(size.eventRows * 1.5));
      const file = join(root, 'raw', 'events', name);
      writeFile(file, '');
      await connection.run(
        `COPY (SELECT ${i}::BIGINT * 1000000 + r AS id, 'page' || (r % 17) AS page, TIMESTAMP '2024-03-${day(i)} 00:00:00' + to_seconds(r) AS ts, r % 3 = 0 AS bounced FROM range(${rows}) t(r)) TO '${file}' (FORMAT parquet)`,
      );
      events.set(file, rows);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }

  const config = writeFile(
    join(root, 'config.csv'),
    configCsv([
      { category: 'transactions', subcategory: 'credit', pattern: 'transactions_*.csv', source: `${join(root, 'raw', 'credit')}/`, format: 'delimited', catalog, table: 'credit_raw' },
      { category: 'transactions', subcategory: 'debit', pattern: 'debit_*.txt', source: `${join(root, 'raw', 'debit')}/`, format: 'delimited', delimiter: '|', catalog, table: 'debit_raw' },
      { category: 'events', subcategory: 'clicks', pattern: 'events_*.parquet', source: `${join(root, 'raw', 'events')}/`, format: 'parquet', catalog, table: 'events_raw' },
    ]),
  );
  const expected = [
    { table: 'credit_raw', files: credit },
    { table: 'debit_raw', files: debit },
    { table: 'events_raw', files: events },
  ];
  const all = [...credit.values(), ...debit.values(), ...events.values()];
  return { root, config, catalog, asOf: AS_OF, expected, files: all.length, rows: all.reduce((a, b) => a + b, 0) };
}

import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSampleData, sampleRowCounts, transactionRows, windowDates } from '../src/sample-data.js';

const dirs: string[] = [];
function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'falcon-sample-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('generateSampleData', () => {
  it('writes the four feeds for each day of the window, named as the config expects', async () => {
    const root = tempRoot();
    const { files, written } = await generateSampleData({ root, asOf: '2024-03-01', days: 3, rowsPerFile: 10 });
    expect(files.map((f) => relative(root, f))).toEqual([
      'falcon/txn/credit/transactions_20240228.csv',
      'falcon/txn/debit/debit_20240228.csv',
      'falcon/events/clickstream_20240228.parquet',
      'falcon/pageviews/pageviews_20240228.parquet',
      'falcon/txn/credit/transactions_20240229.csv',
      'falcon/txn/debit/debit_20240229.csv',
      'falcon/events/clickstream_20240229.parquet',
      'falcon/pageviews/pageviews_20240229.parquet',
      'falcon/txn/credit/transactions_20240301.csv',
      'falcon/txn/debit/debit_20240301.csv',
      'falcon/events/clickstream_20240301.parquet',
      'falcon/pageviews/pageviews_20240301.parquet',
    ]);
    expect(written.sort()).toEqual([...files].sort());
    for (const file of files) expect(statSync(file).size).toBeGreaterThan(0);
  });

  it('is deterministic: the same seed twice gives identical CSV bytes', async () => {
    const a = tempRoot();
    const b = tempRoot();
    const ra = await generateSampleData({ root: a, asOf: '2024-01-07', days: 2, seed: 7 });
    await generateSampleData({ root: b, asOf: '2024-01-07', days: 2, seed: 7 });
    for (const file of ra.files.filter((f) => f.endsWith('.csv'))) {
      expect(readFileSync(join(b, relative(a, file)))).toEqual(readFileSync(file));
    }
    const other = tempRoot();
    const rc = await generateSampleData({ root: other, asOf: '2024-01-07', days: 1, seed: 8 });
    expect(readFileSync(rc.files[0] ?? '', 'utf8')).not.toEqual(readFileSync(join(a, relative(other, rc.files[0] ?? '')), 'utf8'));
  });

  it('skips files that already exist', async () => {
    const root = tempRoot();
    await generateSampleData({ root, asOf: '2024-01-07', days: 1 });
    const again = await generateSampleData({ root, asOf: '2024-01-07', days: 2 });
    expect(again.written.map((f) => basename(f))).toEqual(['transactions_20240106.csv', 'debit_20240106.csv', 'clickstream_20240106.parquet', 'pageviews_20240106.parquet']);
  });

  it('writes a header, quotes fields with commas, re-sends yesterday rows and keeps one bad amount', async () => {
    const root = tempRoot();
    const { files } = await generateSampleData({ root, asOf: '2024-01-07', days: 1, rowsPerFile: 20 });
    const text = readFileSync(files[0] ?? '', 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('transaction_id,account_id,customer_id,txn_ts,amount,currency,merchant,status');
    expect(lines).toHaveLength(1 + sampleRowCounts(20).credit);
    expect(text).toMatch(/"(Smith, Jones & Co|Northwind Traders, Inc\.)"/);
    const rows = transactionRows('credit', '2024-01-07', 20240101, 20);
    expect(rows.filter((r) => r.transaction_id.startsWith('CR-20240106-'))).toHaveLength(2);
    expect(rows.filter((r) => r.amount === 'n/a')).toHaveLength(1);
    for (const row of rows.slice(0, 20)) expect(row.txn_ts.startsWith('2024-01-07 ')).toBe(true);
  });

  it('computes the window of days ending on asOf, across month ends', () => {
    expect(windowDates('2024-03-02', 3)).toEqual(['2024-02-29', '2024-03-01', '2024-03-02']);
    expect(() => windowDates('2024-13-01', 1)).toThrow(/yyyy-MM-dd/);
  });
});

import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine, runSqlFiles, type CheckedRunSummary, type Engine } from '@org/deltalake-hub';
import { runFalconBronze } from '../src/bronze/falcon-bronze-runner.js';
import { RAW_PREFIX } from '../src/medallion.js';
import { generateSampleData, pageviewRows, sampleRowCounts, windowDates } from '../src/sample-data.js';

const spoke = fileURLToPath(new URL('..', import.meta.url));
/** The dev target's catalog (databricks.yml), which the runner reads. */
const CATALOG = 'dev_catalog';
const AS_OF = '2024-01-07';
const DAYS = 7;
const ROWS = 40;
const SEED = 424242;

const sqlFiles = (layer: string) =>
  readdirSync(join(spoke, 'src', layer))
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => join(spoke, 'src', layer, f));

let dir: string;
let engine: Engine;
let files: string[];
let summary: CheckedRunSummary;

/** A minimal RFC 4180 reader, so the expected figures do not come from the engine under test. */
function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  const [header = [], ...rows] = records;
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

interface Expected {
  silverRows: number;
  /** `date|type` → count and total in cents, declined excluded. */
  daily: Map<string, { count: number; cents: number }>;
  resentIds: string[];
}

/** Silver and gold figures computed from the CSV files: latest file wins, untypable rows dropped. */
function expectedFromCsv(csvFiles: string[]): Expected {
  const latest = new Map<string, Record<string, string> & { txn_type: string }>();
  const seen = new Map<string, number>();
  // Files sort by date within a feed, so a later file's row replaces an earlier one.
  for (const file of [...csvFiles].sort()) {
    const type = file.includes(`${join('txn', 'credit')}`) ? 'credit' : 'debit';
    for (const row of parseCsv(readFileSync(file, 'utf8'))) {
      if (!/^\d+(\.\d+)?$/.test(row['amount']?.trim() ?? '') || !row['txn_ts']) continue;
      const key = `${type}|${row['transaction_id']}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      latest.set(key, { ...row, txn_type: type });
    }
  }
  const daily = new Map<string, { count: number; cents: number }>();
  for (const row of latest.values()) {
    if (row['status'] === 'declined') continue;
    const key = `${row['txn_ts']?.slice(0, 10)}|${row.txn_type}`;
    const entry = daily.get(key) ?? { count: 0, cents: 0 };
    entry.count += 1;
    entry.cents += Math.round(Number(row['amount']) * 100);
    daily.set(key, entry);
  }
  const resentIds = [...seen].filter(([, n]) => n > 1).map(([key]) => key.split('|')[1] ?? '');
  return { silverRows: latest.size, daily, resentIds };
}

const cents = (value: number) => `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'falcon-transforms-'));
  ({ files } = await generateSampleData({ root: join(dir, 'raw'), asOf: AS_OF, days: DAYS, rowsPerFile: ROWS, seed: SEED }));
  engine = await createDuckDbEngine({ warehouse: join(dir, 'warehouse') });
  // The whole medallion flow: the spoke's own runner loads bronze, then the SQL layers run.
  summary = await runFalconBronze({ argv: ['--as-of', AS_OF], engine, sourceRoots: { [RAW_PREFIX]: join(dir, 'raw') }, env: {} });
  expect(summary.status).toBe('SUCCESS');
  expect(summary.files).toHaveLength(DAYS * 4);
  await runSqlFiles(engine, [...sqlFiles('silver'), ...sqlFiles('gold'), ...sqlFiles('downstream')], { catalog: CATALOG });
});

afterAll(async () => {
  await engine?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the falcon medallion flow on DuckDB: runner, silver, gold, downstream', () => {
  const csv = () => files.filter((f) => f.endsWith('.csv'));

  it('bronze holds every generated row, bad ones included, with lineage to the abfss path', async () => {
    const [row] = await engine.query<{ n: number; files: number; prefixed: number }>(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT _source_file) AS files, SUM(CASE WHEN _source_file LIKE '${RAW_PREFIX}falcon/txn/credit/transactions_%' THEN 1 ELSE 0 END) AS prefixed FROM ${CATALOG}.falcon_bronze.credit_transactions_raw`,
    );
    expect(row).toEqual({ n: DAYS * sampleRowCounts(ROWS).credit, files: DAYS, prefixed: DAYS * sampleRowCounts(ROWS).credit });
    const [click] = await engine.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${CATALOG}.falcon_bronze.clickstream_raw`);
    expect(click?.n).toBe(DAYS * sampleRowCounts(ROWS).clickstream);
  });

  it('silver.transactions is typed, cleaned and deduplicated on transaction_id', async () => {
    const expected = expectedFromCsv(csv());
    expect(expected.resentIds.length).toBe(2 * 2 * (DAYS - 1));
    const [count] = await engine.query<{ n: number; ids: number }>(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT transaction_id) AS ids FROM ${CATALOG}.falcon_silver.transactions`,
    );
    expect(count).toEqual({ n: expected.silverRows, ids: expected.silverRows });
    const columns = await engine.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = '${CATALOG}' AND table_name = 'transactions' ORDER BY ordinal_position`,
    );
    expect(Object.fromEntries(columns.map((c) => [c.column_name, c.data_type]))).toMatchObject({
      txn_ts: 'TIMESTAMP',
      txn_date: 'DATE',
      amount: 'DECIMAL(18,2)',
    });
    const [odd] = await engine.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${CATALOG}.falcon_silver.transactions WHERE currency <> UPPER(currency) OR currency LIKE '% %'`,
    );
    expect(odd?.n).toBe(0);
    const [dropped] = await engine.query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM ${CATALOG}.falcon_silver.transactions WHERE transaction_id LIKE '%-0004'`,
    );
    // Row 4 of every file has an amount that cannot be typed: it stays in bronze only.
    expect(dropped?.n).toBe(0);
  });

  it('a re-sent transaction keeps its latest version', async () => {
    const id = expectedFromCsv(csv()).resentIds[0] ?? '';
    const rows = await engine.query<{ status: string; source: string }>(
      `SELECT status, _source_file AS source FROM ${CATALOG}.falcon_silver.transactions WHERE transaction_id = '${id}'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.status).toBe('posted');
    // The id carries its original day (CR-yyyyMMdd-n); the kept row came from the next day's file.
    const day = Date.parse(`${id.slice(3, 7)}-${id.slice(7, 9)}-${id.slice(9, 11)}T00:00:00Z`);
    const next = new Date(day + 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
    expect(basename(rows[0]?.source ?? '')).toContain(next);
  });

  it('gold.daily_transaction_summary matches the totals computed from the CSV files', async () => {
    const expected = expectedFromCsv(csv());
    const rows = await engine.query<{ d: string; txn_type: string; txn_count: number; total: string }>(
      `SELECT CAST(txn_date AS VARCHAR) AS d, txn_type, txn_count, CAST(total_amount AS VARCHAR) AS total
       FROM ${CATALOG}.falcon_gold.daily_transaction_summary ORDER BY 1, 2`,
    );
    const actual = new Map(rows.map((r) => [`${r.d}|${r.txn_type}`, { count: r.txn_count, total: r.total }]));
    expect(actual.size).toBe(expected.daily.size);
    for (const [key, { count, cents: total }] of expected.daily) {
      expect(actual.get(key), key).toEqual({ count, total: cents(total) });
    }
    // The as-of day, spelled out: credit total equals the sum taken straight from the files.
    expect(actual.get(`${AS_OF}|credit`)?.total).toBe(cents(expected.daily.get(`${AS_OF}|credit`)?.cents ?? -1));
  });

  it('silver.web_events and gold.daily_web_activity count every event once', async () => {
    const perDay = sampleRowCounts(ROWS);
    const [events] = await engine.query<{ n: number; upper: number }>(
      `SELECT COUNT(*) AS n, SUM(CASE WHEN page <> LOWER(page) THEN 1 ELSE 0 END) AS upper FROM ${CATALOG}.falcon_silver.web_events`,
    );
    expect(events).toEqual({ n: DAYS * (perDay.clickstream + perDay.pageviews), upper: 0 });
    const daily = await engine.query<{ d: string; event_type: string; event_count: number }>(
      `SELECT CAST(event_date AS VARCHAR) AS d, event_type, event_count FROM ${CATALOG}.falcon_gold.daily_web_activity ORDER BY 1, 2`,
    );
    expect(daily).toEqual(
      windowDates(AS_OF, DAYS).flatMap((d) => [
        { d, event_type: 'click', event_count: perDay.clickstream },
        { d, event_type: 'pageview', event_count: perDay.pageviews },
      ]),
    );
  });

  it('gold.customer_daily_activity and the downstream export agree with silver', async () => {
    const expected = expectedFromCsv(csv());
    const allCents = [...expected.daily.values()].reduce((sum, e) => sum + e.cents, 0);
    const knownPageViews = windowDates(AS_OF, DAYS)
      .flatMap((d) => pageviewRows(d, SEED, sampleRowCounts(ROWS).pageviews))
      .filter((r) => r.customer_id !== null).length;
    const [activity] = await engine.query<{ total: string; page_views: number; n: number }>(
      `SELECT CAST(SUM(credit_amount + debit_amount) AS VARCHAR) AS total, SUM(page_views) AS page_views, COUNT(*) AS n
       FROM ${CATALOG}.falcon_gold.customer_daily_activity`,
    );
    expect(activity?.total).toBe(cents(allCents));
    expect(activity?.page_views).toBe(knownPageViews);
    const [exported] = await engine.query<{ n: number; total: string; kinds: number }>(
      `SELECT COUNT(*) AS n, CAST(SUM(total_amount) AS VARCHAR) AS total, COUNT(DISTINCT engagement) AS kinds
       FROM ${CATALOG}.falcon_downstream.customer_daily_export`,
    );
    expect(exported).toEqual({ n: activity?.n, total: cents(allCents), kinds: 3 });
  });

  it('running the transforms again replaces the tables instead of adding to them', async () => {
    const before = await engine.query(`SELECT COUNT(*) AS n FROM ${CATALOG}.falcon_downstream.customer_daily_export`);
    const results = await runSqlFiles(engine, [...sqlFiles('silver'), ...sqlFiles('gold'), ...sqlFiles('downstream')], { catalog: CATALOG });
    expect(results.map((r) => r.statements)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(await engine.query(`SELECT COUNT(*) AS n FROM ${CATALOG}.falcon_downstream.customer_daily_export`)).toEqual(before);
  });

  it("the runner ran the spoke's bronze checks on its load's rows, with failures as the files hold them", () => {
    const rows = (feed: string) => csv().filter((f) => f.includes(`/txn/${feed}/`)).flatMap((f) => parseCsv(readFileSync(f, 'utf8')));
    const credit = rows('credit');
    const notAmount = (v: string) => v !== '' && !(/^[0-9]+(\.[0-9]+)?$/.test(v) && Number(v) <= 100000);
    const results = Object.fromEntries(summary.quality.results.map((r) => [r.name, [r.passed, r.rowsEvaluated, r.rowsFailed]]));
    expect(summary.quality.batchId).toBe(summary.runId);
    expect(results['credit_amount_is_a_positive_number']).toEqual([false, credit.length, credit.filter((r) => notAmount(r['amount'] ?? '')).length]);
    expect(results['credit_currency_known']).toEqual([false, credit.length, credit.filter((r) => !['USD', 'EUR'].includes(r['currency'] ?? '')).length]);
    expect(results['credit_transaction_id_present']).toEqual([true, credit.length, 0]);
    expect(results['click_event_id_unique']).toEqual([true, DAYS * sampleRowCounts(ROWS).clickstream, 0]);
    // Warnings only: the load's exit code stands; silver is checked after silver, not after bronze.
    expect(summary.quality.status).toBe('WARNED');
    expect(summary.quality.skipped.map((s) => s.table)).toEqual([`${CATALOG}.falcon_silver.transactions`, `${CATALOG}.falcon_silver.web_events`]);
    expect(summary.quality.quarantined).toEqual([]);
    // No alert URL is set here: each alert is reported as not sent, and nothing failed because of it.
    expect(summary.quality.alerts).toEqual([{ type: 'webhook', event: 'check_failed', urlEnv: 'FALCON_QUALITY_WEBHOOK', delivered: false, attempts: 0, error: 'environment variable FALCON_QUALITY_WEBHOOK is not set' }]);
  });
});

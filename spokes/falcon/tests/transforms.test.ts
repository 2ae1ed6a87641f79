import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine, type ChainSummary, type CheckedRunSummary, type Engine } from '@org/deltalake-hub';
import { RAW_PREFIX, runFalconJob } from '../src/falcon-job.js';
import { generateSampleData, pageviewRows, sampleRowCounts, windowDates } from '../src/sample-data.js';
import { cents, expectedFromCsv, parseCsv } from './support/expected.js';

/** The dev target's catalog (databricks.yml), which the runner reads. */
const CATALOG = 'dev_catalog';
const AS_OF = '2024-01-07';
const DAYS = 7;
const ROWS = 40;
const SEED = 424242;

let dir: string;
let engine: Engine;
let files: string[];
let chain: ChainSummary;
let summary: CheckedRunSummary;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'falcon-transforms-'));
  ({ files } = await generateSampleData({ root: join(dir, 'raw'), asOf: AS_OF, days: DAYS, rowsPerFile: ROWS, seed: SEED }));
  engine = await createDuckDbEngine({ warehouse: join(dir, 'warehouse') });
  // One trigger, the whole chain: the spoke's runner loads bronze, then the bundle's steps run.
  chain = await runFalconJob({ argv: ['--as-of', AS_OF], engine, sourceRoots: { [RAW_PREFIX]: join(dir, 'raw') }, env: {} });
  summary = chain.bronze as CheckedRunSummary;
  expect([chain.status, chain.exitCode]).toEqual(['SUCCESS', 0]);
  expect(summary.files).toHaveLength(DAYS * 4);
});

afterAll(async () => {
  await engine?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('one trigger of the falcon job on DuckDB: bronze, silver, gold, downstream', () => {
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

  it('ran the steps of resources/falcon_transforms_job.yml in its order, each job\'s SQL tasks in theirs', () => {
    expect(chain.steps.map((s) => [s.name, s.job, s.status, s.tasks.map((t) => t.name)])).toEqual([
      ['bronze', null, 'SUCCESS', []],
      ['silver', 'falcon_silver', 'SUCCESS', ['falcon_silver.silver_transactions', 'falcon_silver.silver_web_events', 'falcon_silver.silver_quality_checks']],
      ['gold', 'falcon_gold', 'SUCCESS', ['falcon_gold.gold_daily_transaction_summary', 'falcon_gold.gold_daily_web_activity', 'falcon_gold.gold_customer_daily_activity']],
      ['downstream', 'falcon_downstream', 'SUCCESS', ['falcon_downstream.customer_daily_export']],
    ]);
    // Every SQL file ran its two statements (a schema, a table); the checks ran as checks.
    expect(chain.steps.flatMap((s) => s.tasks).filter((t) => !t.name.endsWith('quality_checks')).map((t) => t.statements)).toEqual([2, 2, 2, 2, 2, 2]);
    for (const step of chain.steps) expect(step.durationMs, step.name).toBeGreaterThanOrEqual(0);
  });

  it('the silver job\'s checks task recorded one passing row per silver check', async () => {
    const rows = await engine.query<{ check_name: string; passed: boolean }>(
      `SELECT check_name, passed FROM ${CATALOG}.bronze_metadata.quality_results WHERE table_name LIKE '%falcon_silver.%' ORDER BY check_name`,
    );
    expect(rows).toEqual(['silver_amount_total_positive', 'silver_declined_keep_amount', 'silver_event_unique', 'silver_transaction_unique'].map((check_name) => ({ check_name, passed: true })));
  });

  it('a second trigger loads nothing and rebuilds the tables instead of adding to them', async () => {
    const before = await engine.query(`SELECT COUNT(*) AS n FROM ${CATALOG}.falcon_downstream.customer_daily_export`);
    const again = await runFalconJob({ argv: ['--as-of', AS_OF], engine, sourceRoots: { [RAW_PREFIX]: join(dir, 'raw') }, env: {} });
    expect(again.steps.map((s) => [s.name, s.status])).toEqual([['bronze', 'NOTHING_TO_LOAD'], ['silver', 'SUCCESS'], ['gold', 'SUCCESS'], ['downstream', 'SUCCESS']]);
    expect(again.exitCode).toBe(0);
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

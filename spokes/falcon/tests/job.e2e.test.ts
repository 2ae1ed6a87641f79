import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql, type ChainSummary, type Engine } from '@org/deltalake-hub';
import { describeEngine, enginesUnderTest } from '../../../tests/support/engines.js';
import { RAW_PREFIX, runFalconJob } from '../src/falcon-job.js';
import { generateSampleData } from '../src/sample-data.js';
import { cents, expectedFromCsv } from './support/expected.js';

// Lean on purpose (Spark pays seconds per statement): two days of 8 rows per feed, one trigger.
const AS_OF = '2024-01-07';
const DAYS = 2;
const ROWS = 8;

for (const target of await enginesUnderTest()) {
  describeEngine(target, `one trigger of the falcon job on ${target.name}: bronze, then the bundle's silver, gold and downstream`, () => {
    const catalog = `falcon_job_${target.name}_${process.pid}`;
    const dir = mkdtempSync(join(tmpdir(), 'falcon-job-'));
    let engine: Engine;
    let files: string[];
    let chain: ChainSummary;
    const table = (schema: string, name: string) => sql.raw(engine.dialect.tableName(catalog, schema, name));

    beforeAll(async () => {
      ({ files } = await generateSampleData({ root: join(dir, 'raw'), asOf: AS_OF, days: DAYS, rowsPerFile: ROWS, seed: 7 }));
      engine = await target.open();
      chain = await runFalconJob({ argv: ['--as-of', AS_OF], engine, variables: { catalog }, sourceRoots: { [RAW_PREFIX]: join(dir, 'raw') }, env: {} });
    });

    afterAll(async () => {
      if (engine && target.name !== 'duckdb') {
        for (const schema of ['falcon_bronze', 'falcon_silver', 'falcon_gold', 'falcon_downstream', 'bronze_metadata']) {
          await engine.run(`DROP SCHEMA IF EXISTS ${engine.dialect.schemaName(catalog, schema)} CASCADE`).catch(() => undefined);
        }
      }
      await engine?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('succeeds, every step in the bundle\'s order, each with its duration', () => {
      expect([chain.status, chain.exitCode, chain.error]).toEqual(['SUCCESS', 0, null]);
      expect(chain.steps.map((s) => [s.name, s.status])).toEqual([['bronze', 'SUCCESS'], ['silver', 'SUCCESS'], ['gold', 'SUCCESS'], ['downstream', 'SUCCESS']]);
      for (const step of chain.steps) expect(step.durationMs, step.name).toBeGreaterThan(0);
      expect(chain.bronze?.files.map((f) => f.status)).toEqual(Array(DAYS * 4).fill('SUCCESS'));
    });

    it('silver, gold and downstream hold what the CSV files say', async () => {
      const expected = expectedFromCsv(files.filter((f) => f.endsWith('.csv')));
      expect(await engine.query(sql`SELECT COUNT(*) AS n FROM ${table('falcon_silver', 'transactions')}`)).toEqual([{ n: expected.silverRows }]);
      const daily = await engine.query(
        sql`SELECT CAST(txn_date AS STRING) AS d, txn_type, txn_count, CAST(total_amount AS STRING) AS total FROM ${table('falcon_gold', 'daily_transaction_summary')} ORDER BY d, txn_type`,
      );
      expect(daily.map((r) => [`${String(r['d'])}|${String(r['txn_type'])}`, Number(r['txn_count']), r['total']])).toEqual(
        [...expected.daily].sort(([a], [b]) => a.localeCompare(b)).map(([key, e]) => [key, e.count, cents(e.cents)]),
      );
      const allCents = [...expected.daily.values()].reduce((sum, e) => sum + e.cents, 0);
      const [activity] = await engine.query(sql`SELECT COUNT(*) AS n FROM ${table('falcon_gold', 'customer_daily_activity')}`);
      const [exported] = await engine.query(sql`SELECT COUNT(*) AS n, CAST(SUM(total_amount) AS STRING) AS total FROM ${table('falcon_downstream', 'customer_daily_export')}`);
      expect([Number(exported?.['n']), exported?.['total']]).toEqual([Number(activity?.['n']), cents(allCents)]);
    });

    it("the silver job's checks task recorded a passing row per silver check", async () => {
      const rows = await engine.query(sql`SELECT check_name, passed FROM ${table('bronze_metadata', 'quality_results')} WHERE table_name LIKE '%falcon_silver.%' ORDER BY check_name`);
      expect(rows).toEqual(['silver_amount_total_positive', 'silver_declined_keep_amount', 'silver_event_unique', 'silver_transaction_unique'].map((check_name) => ({ check_name, passed: true })));
    });
  });
}

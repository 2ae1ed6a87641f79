import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { sql, type Engine } from '@org/hub-core';
import { applyDdl } from '@org/hub-bronze';
import { parseChecksFile, profileTable, runChecks, SAMPLE_ROWS, suggestChecksFile, type QualityReport } from '@org/hub-quality';
import { runSqlFiles } from '@org/deltalake-hub';
import { describeEngine, enginesUnderTest } from './support/engines.js';
import { createOrderTables, CUSTOMERS, expectedQuarantine, expectedResults, isNumber, ordersChecksYaml, orderRows, ORDER_COLUMNS, type OrderRow } from './support/quality-data.js';

const NOW = new Date();
const SILVER_SCRIPT = fileURLToPath(new URL('../spokes/falcon/src/quality/falcon_silver_checks.sql', import.meta.url));

/**
 * Every kind on one table per engine, against results computed in JavaScript from the rows the
 * test wrote. Three quality runs per engine (whole table; a batch with a crash between the
 * quarantine's INSERT and DELETE; the rerun) keep Spark's share of the suite small.
 */
for (const target of await enginesUnderTest()) {
  describeEngine(target, `quality checks on ${target.name}`, () => {
    const catalog = `qual_${target.name}_${process.pid}`;
    const rows = orderRows(40, NOW);
    const checks = parseChecksFile(ordersChecksYaml(), 'orders_checks.yml', { variables: { catalog } });
    let engine: Engine;
    let whole: QualityReport;

    beforeAll(async () => {
      engine = await target.open();
      await createOrderTables(engine, catalog, rows);
      whole = await runChecks(engine, checks, { now: NOW, alerts: false });
    });
    afterAll(async () => {
      // The Spark server is shared: leave it as it was.
      if (target.name !== 'duckdb') for (const schema of ['s', 'bronze_metadata']) await engine.run(`DROP SCHEMA IF EXISTS ${engine.dialect.schemaName(catalog, schema)} CASCADE`).catch(() => undefined);
      await engine?.close();
    });

    const table = () => sql.raw(engine.dialect.tableName(catalog, 's', 'orders'));

    it('every kind finds exactly the failures the rows hold (whole table)', () => {
      const expected = expectedResults(rows, null, NOW);
      const got = Object.fromEntries(whole.results.map((r) => [r.name, { evaluated: r.rowsEvaluated, failed: r.rowsFailed, passed: r.passed }]));
      expect(got).toEqual(expected);
      // The data was built so that most kinds fail: the expectations are not vacuous.
      expect(Object.values(expected).filter((e) => !e.passed).length).toBeGreaterThanOrEqual(14);
      expect(whole.status).toBe('FAILED');
      expect(whole.quarantined).toEqual([]);
      expect(whole.results.find((r) => r.name === 'id_present')?.message).toMatch(/not quarantined: quarantine moves the rows of one batch/);
    });

    it('samples hold up to 10 failing rows with their failing values, and say why', () => {
      const byName = new Map(whole.results.map((r) => [r.name, r]));
      const amount = byName.get('amount_range');
      const failing = rows.filter((r) => r.status !== null && r.status !== 'void' && r.amount !== null && (!isNumber(r.amount) || Number(r.amount.trim()) < 0 || Number(r.amount.trim()) > 100));
      expect(amount?.sample).toHaveLength(Math.min(SAMPLE_ROWS, failing.length));
      for (const entry of amount?.sample ?? []) {
        expect(failing.map((r) => r.amount)).toContain(entry['amount']);
        expect(entry['_source_file']).toMatch(/^\/raw\/orders_b[12]\.csv$/);
        const value = String(entry['amount']);
        expect(entry['reason']).toBe(!isNumber(value) ? 'not a number' : Number(value.trim()) < 0 ? 'below 0' : 'above 100');
      }
      const ids = byName.get('id_present');
      expect(ids?.sample.every((e) => e['id'] === null && e['reason'] === 'null')).toBe(true);
      // unique: the duplicated keys with how often they appear.
      expect(byName.get('id_unique')?.sample.map((e) => [e['id'], e['reason']]).sort()).toEqual([
        ['O15', 'appears 3 times'],
        ['O5', 'appears 2 times'],
      ]);
      // A dataset-level failure is one result with what was measured, never a list of rows.
      expect(byName.get('rows_too_few')?.sample).toEqual([{ row_count: rows.length, min: 100000 }]);
      expect(byName.get('exact_columns')?.sample).toEqual([{ missing: ['nope'], unexpected: ['amount', 'qty', 'created', 'ts', 'code', 'customer_id'] }]);
      expect(byName.get('amount_sum')?.message).toMatch(/values are not numbers$/);
    });

    it('quality suggest profiles the table in three statements, with figures computed from the rows', async () => {
      const profile = await profileTable(engine, { catalog, schema: 's', table: 'customers', name: `${catalog}.s.customers` });
      expect(profile.statements).toBe(3);
      expect(profile.rows).toBe(3);
      const shape = (values: string[]) => {
        const shapes = new Set(values.map((v) => v.replace(/[0-9]/g, '9').replace(/[A-Za-z]/g, 'A')));
        return shapes.size === 1 ? [...shapes][0] : null;
      };
      const names = CUSTOMERS.map((c) => `name of ${c}`);
      expect(profile.columns.map((c) => [c.name, c.nonNull, c.distinct, c.numbers, c.shape])).toEqual([
        ['id', CUSTOMERS.length, new Set(CUSTOMERS).size, 0, shape(CUSTOMERS)],
        ['name', names.length, new Set(names).size, 0, shape(names)],
      ]);
      expect(profile.columns[0]?.values?.map((v) => v.value).sort()).toEqual(['C1', 'C2', 'C3']);
      const suggested = parseChecksFile(suggestChecksFile(profile), 'suggested.yml');
      expect(suggested.checks.map((c) => c.name)).toEqual(['has_rows', 'id_not_null', 'id_unique', 'id_values', 'name_not_null', 'name_unique', 'name_values']);
    });

    it('records one row per check per run in bronze_metadata.quality_results', async () => {
      const results = sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'quality_results'));
      const stored = await engine.query(sql`SELECT check_name, check_kind, criticality, on_fail, passed, rows_evaluated, rows_failed, sample, batch_id FROM ${results} WHERE run_id = ${whole.runId}`);
      expect(stored).toHaveLength(checks.checks.length);
      for (const result of whole.results) {
        const row = stored.find((r) => r['check_name'] === result.name) as Record<string, unknown>;
        expect([row['check_kind'], row['criticality'], row['on_fail'], row['passed'], row['batch_id']]).toEqual([result.check, result.criticality, result.onFail, result.passed, null]);
        expect(row['rows_failed'] === null ? null : Number(row['rows_failed'])).toBe(result.rowsFailed);
        expect(JSON.parse(String(row['sample']))).toEqual(result.sample);
      }
    });

    it('--batch limits row-level kinds to the batch; quarantine converges after a crash between its INSERT and DELETE', async () => {
      // The first attempt dies after the INSERT: on Delta the rows are then in both tables, on DuckDB the transaction undoes it.
      await expect(
        runChecks(engine, checks, {
          batchId: 'b2',
          now: NOW,
          alerts: false,
          hooks: {
            afterQuarantineInsert: () => {
              throw new Error('crash between INSERT and DELETE');
            },
          },
        }),
      ).rejects.toThrow('crash between INSERT and DELETE');
      const rerun = await runChecks(engine, checks, { batchId: 'b2', now: NOW, alerts: false });

      const expected = expectedResults(rows, 'b2', NOW);
      const got = Object.fromEntries(rerun.results.map((r) => [r.name, { evaluated: r.rowsEvaluated, failed: r.rowsFailed, passed: r.passed }]));
      expect(got).toEqual(expected);

      const moved = expectedQuarantine(rows, 'b2');
      expect(moved.length).toBeGreaterThan(2);
      expect(rerun.quarantined).toEqual([{ table: `${catalog}.s.orders`, quarantineTable: `${catalog}.s.orders_quarantine`, rows: moved.length, checks: ['id_present', 'code_pattern'] }]);
      // Every moved row is in the quarantine exactly once, with the checks it failed; none is left in the table.
      const key = (r: Pick<OrderRow, 'id' | 'code' | 'amount' | 'created' | 'status'>) => JSON.stringify([r.id, r.status, r.amount, r.created, r.code]);
      const quarantine = sql.raw(engine.dialect.tableName(catalog, 's', 'orders_quarantine'));
      const held = await engine.query(sql`SELECT id, status, amount, created, code, _failed_checks, _quality_run_id, _batch_id FROM ${quarantine}`);
      expect(held.map((r) => key(r as never)).sort()).toEqual(moved.map((m) => key(m.row)).sort());
      for (const h of held) {
        const m = moved.find((x) => key(x.row) === key(h as never));
        expect([...(h['_failed_checks'] as string[])].sort()).toEqual([...(m?.failed ?? [])].sort());
        expect(h['_batch_id']).toBe('b2');
      }
      const left = await engine.query(sql`SELECT id, status, amount, created, code FROM ${table()}`);
      expect(left).toHaveLength(rows.length - moved.length);
      expect(left.map((r) => key(r as never)).filter((k) => moved.some((m) => key(m.row) === k))).toEqual([]);

      expect(await engine.query(sql`SELECT COUNT(*) AS n FROM ${quarantine}`)).toEqual([{ n: moved.length }]);
    });

    it('columns of the quarantine table are the table\'s plus _failed_checks and _quality_run_id', async () => {
      const quarantine = sql.raw(engine.dialect.tableName(catalog, 's', 'orders_quarantine'));
      const one = (await engine.query(sql`SELECT * FROM ${quarantine} LIMIT 1`))[0] ?? {};
      expect(Object.keys(one).map((k) => k.toLowerCase())).toEqual([...ORDER_COLUMNS, '_source_file', '_batch_id', '_ingested_at', '_failed_checks', '_quality_run_id']);
    });
  });

  // The falcon bundle's silver SQL task (Spark SQL, as a Databricks warehouse runs it; not DuckDB).
  if (target.name !== 'duckdb') {
    describe(`the falcon silver checks as a SQL task script on ${target.name}`, () => {
      it('records one row per check, fails the task when an on_fail: fail check fails and succeeds when none does', async () => {
        const catalog = `qsql${process.pid}`;
        const engine = await target.open();
        try {
          await engine.prepareCatalogs([catalog]);
          const format = ' USING DELTA';
          await engine.run(`CREATE SCHEMA IF NOT EXISTS ${engine.dialect.schemaName(catalog, 'falcon_silver')}`);
          const transactions: [string, string, string, number | null][] = [['credit', 'T1', 'posted', 10], ['credit', 'T1', 'posted', 12], ['debit', 'T2', 'declined', null], ['debit', 'T3', 'pending', -30]];
          const events: [string, string][] = [['click', 'E1'], ['pageview', 'E1'], ['click', 'E2']];
          const t = sql.raw(engine.dialect.tableName(catalog, 'falcon_silver', 'transactions'));
          const w = sql.raw(engine.dialect.tableName(catalog, 'falcon_silver', 'web_events'));
          await engine.run(sql`CREATE OR REPLACE TABLE ${t} (txn_type STRING, transaction_id STRING, status STRING, amount DECIMAL(18,2))${sql.raw(format)}`);
          await engine.run(sql`INSERT INTO ${t} VALUES ${sql.join(transactions.map((r) => sql`(${r[0]}, ${r[1]}, ${r[2]}, CAST(${r[3]} AS DECIMAL(18,2)))`))}`);
          await engine.run(sql`CREATE OR REPLACE TABLE ${w} (event_type STRING, event_id STRING)${sql.raw(format)}`);
          await engine.run(sql`INSERT INTO ${w} VALUES ${sql.join(events.map((r) => sql`(${r[0]}, ${r[1]})`))}`);
          await applyDdl(engine, catalog, ['quality_results.sql']);

          await expect(runSqlFiles(engine, [SILVER_SCRIPT], { catalog })).rejects.toThrow(/data quality checks failed: silver_transaction_unique/);

          const keys = transactions.map((r) => `${r[0]}|${r[1]}`);
          const duplicated = keys.filter((k) => keys.indexOf(k) !== keys.lastIndexOf(k)).length;
          const sum = transactions.reduce((n, r) => n + (r[3] ?? 0), 0);
          const declinedWithout = transactions.filter((r) => r[2] === 'declined' && r[3] === null).length;
          const rows = await engine.query(
            sql`SELECT check_name, passed, rows_evaluated, rows_failed, message FROM ${sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'quality_results'))} WHERE run_id LIKE 'sql-%' ORDER BY check_name`,
          );
          expect(rows.map((r) => [r['check_name'], r['passed'], r['rows_evaluated'], r['rows_failed']])).toEqual([
            ['silver_amount_total_positive', sum >= 0, transactions.filter((r) => r[3] !== null).length, null],
            ['silver_declined_keep_amount', declinedWithout === 0, transactions.length, declinedWithout],
            ['silver_event_unique', true, events.length, 0],
            ['silver_transaction_unique', duplicated === 0, transactions.length, duplicated],
          ]);
          expect(rows[0]?.['message']).toBe(`sum ${sum.toFixed(1)} is below 0`);

          // Without the duplicate, no on_fail: fail check fails, and the script succeeds.
          await engine.run(sql`DELETE FROM ${t} WHERE transaction_id = 'T1' AND amount = 12`);
          await expect(runSqlFiles(engine, [SILVER_SCRIPT], { catalog })).resolves.toHaveLength(1);
          const latest = await engine.query(
            sql`SELECT check_name, passed FROM ${sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'quality_results'))} WHERE run_id = (SELECT MAX(run_id) FROM ${sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'quality_results'))} WHERE run_id LIKE 'sql-%') AND on_fail = 'fail' ORDER BY check_name`,
          );
          expect(latest).toEqual([{ check_name: 'silver_event_unique', passed: true }, { check_name: 'silver_transaction_unique', passed: true }]);
        } finally {
          for (const schema of ['falcon_silver', 'bronze_metadata']) await engine.run(`DROP SCHEMA IF EXISTS ${engine.dialect.schemaName(catalog, schema)} CASCADE`).catch(() => undefined);
          await engine.close();
        }
      });
    });
  }
}

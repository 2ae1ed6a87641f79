import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createDuckDbEngine, createLogger, DatabricksDialect, createRecordingEngine } from '@org/hub-core';
import { checks, formatChecks, raiseAlerts, runChecks } from './index.js';

describe('data quality checks', () => {
  it('counts the rows that break each rule, on a real DuckDB', async () => {
    const engine = await createDuckDbEngine({ warehouse: mkdtempSync(join(tmpdir(), 'dlh-q-')) });
    try {
      await engine.prepareCatalogs(['qc']);
      await engine.run('CREATE SCHEMA qc.s');
      await engine.run(`CREATE TABLE qc.s.t AS SELECT * FROM (VALUES (1, 'credit', 10.0), (2, 'debit', -5.0), (2, 'debit', 3.0), (NULL, 'refund', 1.0)) v(id, kind, amount)`);
      const results = await runChecks(engine, { catalog: 'qc', schema: 's', table: 't' }, [
        checks.notNull('id'),
        checks.unique(['id']),
        checks.rowCount(5),
        checks.acceptedValues('kind', ['credit', 'debit']),
        checks.between('amount', 0, 100),
        checks.rowCount(1),
      ]);
      expect(results.map((r) => [r.check, r.failures, r.passed])).toEqual([
        ['not_null(id)', 1, false],
        ['unique(id)', 1, false],
        ['row_count >= 5', 1, false],
        ['accepted_values(kind)', 1, false],
        ['between(amount, 0, 100)', 1, false],
        ['row_count >= 1', 0, true],
      ]);
      const lines: string[] = [];
      const logger = createLogger({ destination: new Writable({ write: (c, _e, cb) => { lines.push(String(c)); cb(); } }), pretty: false });
      const outcome = raiseAlerts(results, logger);
      expect(outcome.blocking).toBe(true);
      expect(outcome.failed).toHaveLength(5);
      expect(lines.filter((l) => l.includes('"level":50'))).toHaveLength(4);
      expect(lines.filter((l) => l.includes('"level":40'))).toHaveLength(1);
      expect(formatChecks(results).split('\n')[5]).toBe('PASS  qc.s.t  row_count >= 1');
    } finally {
      await engine.close();
    }
  });

  it('binds accepted values as parameters on Databricks', async () => {
    const { engine, statements } = createRecordingEngine(new DatabricksDialect(), { respond: () => [{ failures: 0 }] });
    await runChecks(engine, { catalog: 'c', schema: 's', table: 't' }, [checks.acceptedValues('kind', ["x'; DROP TABLE t; --"])]);
    expect(statements[0]).toEqual({ sql: 'SELECT COUNT(*) AS failures FROM `c`.`s`.`t` WHERE `kind` IS NOT NULL AND `kind` NOT IN (:p1)', params: { p1: "x'; DROP TABLE t; --" } });
  });
});

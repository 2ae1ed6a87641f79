import { describe, expect, it } from 'vitest';
import { DatabricksDialect, type CompiledStatement, type Row } from '@org/hub-core';
import { createRecordingEngine, DATABRICKS_WAREHOUSE_RULES, WarehouseRules, type WarehouseRule } from '@org/hub-testing';
import { parseChecksFile } from './checks-file.js';
import { renderChecksSql } from './render-sql.js';
import { runChecks } from './run-checks.js';
import { profileTable } from './suggest.js';

const COLUMNS = ['id', 'status', 'amount', 'qty', 'created', 'ts', 'code', 'customer_id', '_source_file', '_batch_id', '_ingested_at'];

/** Answers like a warehouse would in shape: DESCRIBE lists columns, scans say every check failed once. */
function respond(statement: CompiledStatement): Row[] {
  const text = statement.sql;
  if (text.startsWith('DESCRIBE TABLE')) {
    if (text.includes('_quarantine')) throw new Error('[TABLE_OR_VIEW_NOT_FOUND] The table or view cannot be found.');
    return (text.includes('customers') ? ['id', 'name'] : COLUMNS).map((c) => ({ col_name: c, data_type: c === '_ingested_at' ? 'timestamp' : 'string' }));
  }
  // Counts and measures: 1 for every alias; the GROUP BY and sample statements return one row per check index.
  const indexes = [...text.matchAll(/SELECT (\d+) AS check_index/g)].map((m) => Number(m[1]));
  if (indexes.length > 0) return indexes.map((i) => ({ check_index: i, evaluated: 3, failed: 2, reason: 'appears 2 times', v0: 'x' }));
  return [new Proxy({}, { get: (_t, key) => (key === 'then' ? undefined : key === 'check_index' ? 0 : 1) }) as Row];
}

function checksFile(extra: number, values: number): string {
  const lines = [
    'checks:',
    "  - { table: 'cat.s.orders', name: id_present, check: not_null, column: id, on_fail: quarantine }",
    `  - { table: 'cat.s.orders', name: status_values, check: accepted_values, column: status, values: [${Array.from({ length: values }, (_, i) => `v${i}`).join(', ')}] }`,
    "  - { table: 'cat.s.orders', name: amount_range, check: in_range, column: amount, min: 0, max: 100, where: \"status <> 'void'\" }",
    "  - { table: 'cat.s.orders', name: code_pattern, check: regex, column: code, pattern: '^ACC[0-9]{6}$', on_fail: quarantine }",
    "  - { table: 'cat.s.orders', name: created_date, check: is_date, column: created }",
    "  - { table: 'cat.s.orders', name: ts_timestamp, check: is_timestamp, column: ts, format: 'yyyy-MM-dd HH:mm:ss.SSS' }",
    "  - { table: 'cat.s.orders', name: void_rule, check: expression, expression: \"status <> 'void' OR amount IS NULL\" }",
    "  - { table: 'cat.s.orders', name: customer_known, check: foreign_key, column: customer_id, references: { table: 'cat.s.customers', column: id } }",
    "  - { table: 'cat.s.orders', name: id_unique, check: unique, columns: [id, status] }",
    "  - { table: 'cat.s.orders', name: rows, check: row_count, min: 1, max: 1000 }",
    "  - { table: 'cat.s.orders', name: fresh, check: freshness, max_age_hours: 2 }",
    "  - { table: 'cat.s.orders', name: cols, check: schema, columns: [id, status] }",
    "  - { table: 'cat.s.orders', name: amount_sum, check: aggregate, column: amount, function: sum, min: 0 }",
  ];
  for (let i = 0; i < extra; i++) lines.push(`  - { table: 'cat.s.orders', name: range_${i}, check: in_range, column: qty, min: ${i}, max: ${i + 100} }`);
  return `${lines.join('\n')}\n`;
}

describe('the Databricks rendering of a quality run', () => {
  it('keeps every statement within a SQL warehouse\'s rules, however many checks and values', async () => {
    for (const [extra, values] of [
      [0, 3],
      [150, 600],
    ] as const) {
      // The recording engine holds every statement to a SQL warehouse's rules (at most 256 parameters, LIMIT as an INT, ...): a broken one fails the run with the rule's name.
      const { engine, statements, rules } = createRecordingEngine(new DatabricksDialect(), { respond });
      expect(rules).toBe(DATABRICKS_WAREHOUSE_RULES);
      const checks = parseChecksFile(checksFile(extra, values), 'orders_checks.yml');
      const report = await runChecks(engine, checks, { batchId: 'b2', alerts: false, now: new Date('2024-03-10T00:00:00Z') });
      expect(report.results).toHaveLength(13 + extra);
      for (const statement of statements) {
        // Values of the checks file are bound (a `where` is SQL the team wrote, and stays text).
        expect(statement.sql).not.toMatch(/ACC\[0-9\]|'v0'/);
      }
      const kinds = statements.map((s) => s.sql.split(/\s+/).slice(0, 2).join(' '));
      // Statements depend on tables and checks, never on rows: DESCRIBE x2, scans, samples, quarantine, DDL, results.
      expect(kinds.filter((k) => k === 'DESCRIBE TABLE')).toHaveLength(3);
      expect(statements.filter((s) => s.sql.startsWith('MERGE INTO'))).toHaveLength(1);
      expect(statements.filter((s) => s.sql.startsWith('INSERT INTO `cat`.`bronze_metadata`.`quality_results`'))).toHaveLength(1);
      if (extra > 0) expect(statements.filter((s) => s.sql.includes('AS e0')).length + statements.filter((s) => /AS e1\d\d,/.test(s.sql)).length).toBeGreaterThan(1);
    }
  });

  it('fails a quality run whose statement breaks a warehouse rule, naming the rule', async () => {
    // A warehouse that took at most 2 bound parameters: the run's first statement with more stops it, the error not swallowed as a failed check.
    const lowCap: WarehouseRule = { name: 'max-2-bound-parameters', why: 'a stricter warehouse', check: (s) => (Object.keys(s.params).length > 2 ? `${Object.keys(s.params).length} bound parameters` : null) };
    const { engine } = createRecordingEngine(new DatabricksDialect(), { respond, rules: new WarehouseRules([...DATABRICKS_WAREHOUSE_RULES.rules, lowCap]) });
    await expect(runChecks(engine, parseChecksFile(checksFile(0, 3), 'orders_checks.yml'), { batchId: 'b2', alerts: false })).rejects.toThrow(/warehouse rule max-2-bound-parameters broken: \d+ bound parameters/);
  });

  it('profiles a table for quality suggest within the warehouse rules, in three statements', async () => {
    const { engine, statements, rules } = createRecordingEngine(new DatabricksDialect(), { respond });
    expect(rules).toBe(DATABRICKS_WAREHOUSE_RULES);
    const profile = await profileTable(engine, { catalog: 'cat', schema: 's', table: 'orders', name: 'cat.s.orders' });
    expect(profile.columns.map((c) => c.name)).toEqual(COLUMNS.filter((c) => !c.startsWith('_')));
    // DESCRIBE, one aggregate scan, one bounded GROUP BY per column with few values (LIMIT as an INT, or the engine would have thrown).
    expect(statements.map((s) => s.sql.split(/\s+/).slice(0, 2).join(' '))).toEqual(['DESCRIBE TABLE', 'SELECT COUNT(*)', 'SELECT *']);
    expect(statements[2]?.sql).toMatch(/ LIMIT 11\) AS v0/);
  });

  it('renders a SQL task\'s script whose every statement keeps the warehouse rules', () => {
    const script = renderChecksSql(parseChecksFile(checksFile(0, 3).replace(/^.*check: schema.*\n/m, ''), 'orders_checks.yml'));
    const statements = script
      .split('\n')
      .filter((line) => !line.startsWith('--'))
      .join('\n')
      .split(/;\n/)
      .map((text) => text.trim())
      .filter((text) => text.length > 0);
    // The results INSERT, then the gate that fails the task.
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/^INSERT INTO /);
    expect(statements[1]).toContain('raise_error(');
    for (const text of statements) expect(() => DATABRICKS_WAREHOUSE_RULES.enforce({ sql: text, params: {} })).not.toThrow();
  });

  it('renders the SQL the warehouse runs: RLIKE, try_cast, array_compact, explode, a JSON array of results', async () => {
    const { engine, statements } = createRecordingEngine(new DatabricksDialect(), { respond });
    await runChecks(engine, parseChecksFile(checksFile(0, 3), 'orders_checks.yml'), { batchId: 'b2', alerts: false });
    const all = statements.map((s) => s.sql).join('\n');
    expect(all).toContain('RLIKE :p');
    expect(all).toContain("try_cast(CAST(t.`amount` AS STRING) AS DOUBLE)");
    expect(all).toContain('array_contains(from_json(:p');
    expect(all).toContain('explode(array_compact(array(');
    expect(all).toContain('row_number() OVER (PARTITION BY check_index ORDER BY check_index) AS sample_row FROM');
    expect(all).toContain('WHERE sample_row <= 10');
    expect(all).toContain('CREATE TABLE IF NOT EXISTS `cat`.`s`.`orders_quarantine` USING DELTA AS SELECT t.*, CAST(NULL AS ARRAY<STRING>) AS _failed_checks');
    expect(all).toMatch(/NOT EXISTS \(SELECT 1 FROM `cat`\.`s`\.`orders_quarantine` AS prior WHERE prior\._batch_id = :p\d+ AND prior\.`id` IS NOT DISTINCT FROM t\.`id`/);
    expect(all).toContain('WHEN MATCHED THEN DELETE');
    const results = statements.find((s) => s.sql.includes('`quality_results`') && s.sql.startsWith('INSERT')) as CompiledStatement;
    expect(results.sql).toContain("inline(from_json(:p2, 'ARRAY<STRUCT<run_id: STRING");
    expect(Object.keys(results.params)).toEqual(['p1', 'p2']);
    expect((JSON.parse(String(results.params['p2'])) as unknown[]).length).toBe(13);
  });
});

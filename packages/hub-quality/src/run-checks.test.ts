import { describe, expect, it } from 'vitest';
import { DatabricksDialect, type CompiledStatement, type Row } from '@org/hub-core';
import { createRecordingEngine, DATABRICKS_WAREHOUSE_RULES, WarehouseRules, type WarehouseRule } from '@org/hub-testing';
import { parseChecksFile } from './checks-file.js';
import { renderChecksSql } from './render-sql.js';
import { runChecks } from './run-checks.js';
import { profileTable } from './suggest.js';

const COLUMNS = ['id', 'status', 'amount', 'qty', 'created', 'ts', 'code', 'customer_id', '_source_file', '_batch_id', '_ingested_at'];

/** DESCRIBE as a warehouse answers it; a quarantine table does not exist yet. */
function describeAnswer(text: string): Row[] {
  if (text.includes('_quarantine')) throw new Error('[TABLE_OR_VIEW_NOT_FOUND] The table or view cannot be found.');
  return (text.includes('customers') ? ['id', 'name'] : COLUMNS).map((c) => ({ col_name: c, data_type: c === '_ingested_at' ? 'timestamp' : 'string' }));
}

/**
 * What the warehouse says of each row-level check, chosen here: rows in the check's scope and rows
 * failing it. Every count differs from every other, so an answer read for the wrong check, or a
 * scope counted for the wrong check, shows in the results. `range_<i>` are the extra checks.
 */
const ROW_ANSWERS: Readonly<Record<string, { readonly evaluated: number; readonly failed: number }>> = {
  id_present: { evaluated: 101, failed: 3 },
  status_values: { evaluated: 102, failed: 0 },
  amount_range: { evaluated: 57, failed: 5 },
  code_pattern: { evaluated: 104, failed: 7 },
  created_date: { evaluated: 105, failed: 0 },
  ts_timestamp: { evaluated: 106, failed: 11 },
  void_rule: { evaluated: 107, failed: 13 },
  customer_known: { evaluated: 108, failed: 17 },
};
const rowAnswer = (name: string) => {
  const extra = /^range_(\d+)$/.exec(name);
  if (extra) {
    const i = Number(extra[1]);
    return { evaluated: 1000 + i, failed: i % 3 === 0 ? 0 : 200 + i };
  }
  const answer = ROW_ANSWERS[name];
  if (!answer) throw new Error(`no answer chosen for ${name}`);
  return answer;
};
/** Rows the first scan says a quarantine moves (a row failing id_present and code_pattern moves once). */
const QUARANTINE_ROWS = 9;
/** The scope each row check's `evaluated` count must be taken over (its `where`). */
const scopeOf = (name: string) => (name === 'amount_range' ? "(status <> 'void')" : 'TRUE');
/** Dataset measures, in the order the kind reads them: row_count [rows]; freshness [newest, fresh 0/1, rows]; aggregate [value, evaluated, not numbers]. */
const MEASURE_ANSWERS: Readonly<Record<string, readonly unknown[]>> = {
  rows: [1500],
  fresh: ['2024-03-09 20:00:00', 0, 77],
  amount_sum: [250.5, 60, 4],
};
/** unique over (id, status): rows with both keys, rows sharing their key with another. */
const UNIQUE_ANSWER = { evaluated: 90, failed: 8 };

/** A single-column row check's column → its name; the expression check reads no `t.` column, the extra checks read qty. */
const BY_COLUMN: Readonly<Record<string, string>> = {
  id: 'id_present',
  status: 'status_values',
  amount: 'amount_range',
  code: 'code_pattern',
  created: 'created_date',
  ts: 'ts_timestamp',
  customer_id: 'customer_known',
};

/** Which check a failing condition belongs to, read from the SQL (and, for the extra checks, the bound min). */
function checkOf(condition: string, params: Readonly<Record<string, unknown>>): string {
  const columns = [...new Set([...condition.matchAll(/t\.`(\w+)`/g)].map((m) => m[1] as string))];
  if (columns.length === 0 && condition.includes("NOT COALESCE((status <> 'void' OR amount IS NULL), FALSE)")) return 'void_rule';
  if (columns.length === 1 && columns[0] === 'qty') {
    const min = /< CAST\(:(p\d+) AS BIGINT\)/.exec(condition)?.[1];
    return `range_${String(params[min ?? ''])}`;
  }
  const name = columns.length === 1 ? BY_COLUMN[columns[0] as string] : undefined;
  if (!name) throw new Error(`no check reads ${columns.join(', ') || 'no column'}: ${condition}`);
  return name;
}

/** A select list's items by alias, for aliases matching `alias`. */
function selectItems(text: string, alias: RegExp): [string, string][] {
  const parts = text.split(new RegExp(` AS (${alias.source})(?=, |\n|$)`));
  const items: [string, string][] = [];
  for (let i = 1; i < parts.length; i += 2) items.push([parts[i] as string, (parts[i - 1] as string).replace(/^(SELECT |, )/, '')]);
  return items;
}

/**
 * Answers each statement kind of a quality run the way a warehouse holding ROW_ANSWERS,
 * MEASURE_ANSWERS and UNIQUE_ANSWER would; a statement it does not know is an error.
 */
function respond(statement: CompiledStatement): Row[] {
  const text = statement.sql;
  const params = statement.params;
  if (text.startsWith('DESCRIBE TABLE')) return describeAnswer(text);
  if (/^(CREATE|INSERT|MERGE|ALTER) /.test(text)) return [];
  // Row-level scan: COUNT(...) AS e<i> (in scope), COUNT(...) AS f<i> (failing), [quarantine_rows].
  if (/^SELECT COUNT\(CASE WHEN .* AS e\d+, /.test(text)) {
    const items = new Map(selectItems(text.split('\nFROM ')[0] as string, /e\d+|f\d+|quarantine_rows/));
    const row: Row = {};
    for (const [alias, expression] of items) {
      if (!alias.startsWith('f')) continue;
      const i = alias.slice(1);
      const name = checkOf(expression, params);
      expect(items.get(`e${i}`), `e${i} counts ${name}'s scope`).toBe(`COUNT(CASE WHEN ${scopeOf(name)} THEN 1 END)`);
      row[`e${i}`] = rowAnswer(name).evaluated;
      row[alias] = rowAnswer(name).failed;
    }
    if (items.has('quarantine_rows')) row['quarantine_rows'] = QUARANTINE_ROWS;
    return [row];
  }
  // Dataset measures: <measure> AS m<k>_<j>, the check told by what it measures.
  if (/^SELECT .* AS m\d+_0[,\n]/.test(text)) {
    const row: Row = {};
    const byCheck = new Map<string, [string, string][]>();
    for (const [alias, expression] of selectItems(text.split('\nFROM ')[0] as string, /m\d+_\d+/)) {
      const k = alias.split('_')[0] as string;
      byCheck.set(k, [...(byCheck.get(k) ?? []), [alias, expression]]);
    }
    for (const parts of byCheck.values()) {
      const first = (parts[0] as [string, string])[1];
      const name = parts.length === 1 && first === 'COUNT(CASE WHEN TRUE THEN 1 END)' ? 'rows' : first.includes('t.`_ingested_at`') ? 'fresh' : first.startsWith('SUM(') && first.includes('t.`amount`') ? 'amount_sum' : null;
      if (!name) throw new Error(`no measure answers ${first}`);
      expect(parts).toHaveLength((MEASURE_ANSWERS[name] as unknown[]).length);
      parts.forEach(([alias], j) => (row[alias] = (MEASURE_ANSWERS[name] as unknown[])[j]));
    }
    return [row];
  }
  // unique: one GROUP BY per check, its index as check_index.
  if (text.includes(' AS evaluated, ')) {
    return text.split('\nUNION ALL\n').map((branch) => {
      const index = Number(/^SELECT (\d+) AS check_index/.exec(branch)?.[1]);
      expect(branch).toContain('GROUP BY t.`id`, t.`status`) AS g');
      return { check_index: index, ...UNIQUE_ANSWER };
    });
  }
  // Samples of unique: keys that repeat.
  if (text.includes('HAVING COUNT(*) > 1')) {
    return text.split('\nUNION ALL\n').map((branch) => ({ check_index: Number(/AS s(\d+)$/.exec(branch)?.[1]), reason: 'appears 4 times', v0: 'id@dup', v1: 'status@dup' }));
  }
  // Samples of row-level checks: one failing row per check, each value telling its column, each reason its check.
  if (text.includes('explode(array_compact(array(')) {
    const items = text.slice(text.indexOf('explode(array_compact(array(') + 'explode(array_compact(array('.length, text.indexOf(' AS check_index'));
    const conditions = items.split(/ THEN (\d+) END/);
    const values = Object.fromEntries([...text.matchAll(/CAST\(t\.`(\w+)` AS STRING\) AS (v\d+)/g)].map((m) => [m[2] as string, `${m[1]}@failing`]));
    const rows: Row[] = [];
    for (let k = 1; k < conditions.length; k += 2) {
      const i = Number(conditions[k]);
      rows.push({ check_index: i, [`r${i}`]: `why ${checkOf(conditions[k - 1] as string, params)}`, ...values, sample_row: 1 });
    }
    return rows;
  }
  throw new Error(`the test's warehouse has no answer for: ${text.slice(0, 200)}`);
}

/** What the answers above imply for each check's result, worked out here, not by the code under test. */
function expectedResults(checks: readonly { readonly name: string; readonly check: string; readonly onFail: string; readonly columns: readonly string[] }[]) {
  return checks.map((check) => {
    const base = { name: check.name };
    switch (check.check) {
      case 'unique':
        return { ...base, passed: false, rowsEvaluated: UNIQUE_ANSWER.evaluated, rowsFailed: UNIQUE_ANSWER.failed, rowsQuarantined: 0, sample: [{ id: 'id@dup', status: 'status@dup', reason: 'appears 4 times' }] };
      case 'schema':
        // The table has both columns the check names.
        return { ...base, passed: true, rowsEvaluated: null, rowsFailed: null, rowsQuarantined: 0, sample: [] };
      case 'row_count':
        // 1500 rows, above max 1000.
        return { ...base, passed: false, rowsEvaluated: 1500, rowsFailed: null, rowsQuarantined: 0, sample: [{ row_count: 1500, min: 1, max: 1000 }] };
      case 'freshness':
        // Not fresh (0), over 77 rows.
        return { ...base, passed: false, rowsEvaluated: 77, rowsFailed: null, rowsQuarantined: 0, sample: [{ newest: '2024-03-09 20:00:00', max_age_hours: 2, cutoff: '2024-03-09T22:00:00.000Z' }] };
      case 'aggregate':
        // 4 values are not numbers: a failure, counted.
        return { ...base, passed: false, rowsEvaluated: 60, rowsFailed: 4, rowsQuarantined: 0, sample: [{ sum: 250.5, min: 0, not_numbers: 4 }] };
      default: {
        const { evaluated, failed } = rowAnswer(check.name);
        // The sample shows the check's own columns (all of the table's for an expression that names none) and the source file.
        const shown = check.check === 'expression' && check.columns.length === 0 ? COLUMNS.filter((c) => !c.startsWith('_')) : check.columns;
        const sample = failed === 0 ? [] : [{ ...Object.fromEntries([...shown, '_source_file'].map((c) => [c, `${c}@failing`])), reason: `why ${check.name}` }];
        return { ...base, passed: failed === 0, rowsEvaluated: evaluated, rowsFailed: failed, rowsQuarantined: check.onFail === 'quarantine' ? failed : 0, sample };
      }
    }
  });
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
      // Each check's result is what the warehouse answered for that check, whichever statement and alias carried it.
      expect(report.results.map((r) => ({ name: r.name, passed: r.passed, rowsEvaluated: r.rowsEvaluated, rowsFailed: r.rowsFailed, rowsQuarantined: r.rowsQuarantined, sample: r.sample }))).toEqual(
        expectedResults(checks.checks),
      );
      expect(report.results.filter((r) => !r.passed).length).toBeGreaterThan(5);
      expect(report.results.filter((r) => r.passed).length).toBeGreaterThan(2);
      expect(report.quarantined).toEqual([{ table: 'cat.s.orders', quarantineTable: 'cat.s.orders_quarantine', rows: QUARANTINE_ROWS, checks: ['id_present', 'code_pattern'] }]);
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
    // Only the statements are checked here: any answer will do (1 for every alias), after the DESCRIBE.
    const anything = (statement: CompiledStatement): Row[] =>
      statement.sql.startsWith('DESCRIBE TABLE') ? describeAnswer(statement.sql) : [new Proxy({}, { get: (_t, key) => (key === 'then' ? undefined : key === 'check_index' ? 0 : 1) }) as Row];
    const { engine, statements, rules } = createRecordingEngine(new DatabricksDialect(), { respond: anything });
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
    // Tables by the task's catalog parameter, a marker the warehouse binds (never ${catalog} text substitution).
    expect(statements[0]).toMatch(/^INSERT INTO IDENTIFIER\(:catalog \|\| '\.bronze_metadata\.quality_results'\) /);
    expect(script).not.toContain('${');
    for (const text of statements) expect(() => DATABRICKS_WAREHOUSE_RULES.enforce({ sql: text, params: { catalog: 'dev' } })).not.toThrow();
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

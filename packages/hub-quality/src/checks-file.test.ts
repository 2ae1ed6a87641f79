import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue } from '@org/hub-core';
import { CHECKS_CASE_FILE, CHECKS_CASES } from '@org/hub-testing';
import { parseChecksFile } from './checks-file.js';
import { parseDateFormat } from './date-format.js';
import { predicateProblem } from './predicate.js';

const issuesOf = (yaml: string, variables: Record<string, string> = {}): string[] => {
  try {
    parseChecksFile(yaml, CHECKS_CASE_FILE, { variables });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map(formatIssue);
    throw error;
  }
  return [];
};

describe('reading a checks file', () => {
  it('reads every kind with its defaults, substituting ${var} in values', () => {
    const file = parseChecksFile(
      `checks:
  - table: \${catalog}.falcon_bronze.txn
    check: not_null
    column: id
  - { table: '\${catalog}.falcon_bronze.txn', name: ok_status, check: accepted_values, column: status, values: [new, 1, true], criticality: warn }
  - { table: 'c.s.t', check: in_range, column: amount, min: 0 }
  - { table: 'c.s.t', check: regex, column: code, pattern: '^A[0-9]+$', on_fail: quarantine }
  - { table: 'c.s.t', check: is_date, column: d }
  - { table: 'c.s.t', check: is_timestamp, column: ts, format: "yyyy-MM-dd'T'HH:mm:ss.SSS" }
  - { table: 'c.s.t', check: expression, expression: "a <> 'x' OR b IS NULL", where: "c = 'it''s'" }
  - { table: 'c.s.t', check: foreign_key, column: cid, references: { table: 'c.s.customers', column: id } }
  - { table: 'c.s.t', check: unique, column: id }
  - { table: 'c.s.t', check: row_count, min: 1, on_fail: fail }
  - { table: 'c.s.t', check: freshness, max_age_hours: 26 }
  - { table: 'c.s.t', check: schema, columns: [id, amount], no_others: true }
  - { table: 'c.s.t', check: aggregate, column: amount, function: sum, max: 1e6 }
alerts:
  - { type: slack, url: '\${env:FALCON_SLACK}', on: check_failed }
  - { type: webhook, url: '\${env:HOOK}', on: [run_failed, file_quarantined, run_failed] }
`,
      'falcon_checks.yml',
      { variables: { catalog: 'dev_catalog' } },
    );
    expect(file.checks.map((c) => [c.name, c.check, c.table.name, c.columns, c.criticality, c.onFail, c.source.line])).toEqual([
      ['not_null_id', 'not_null', 'dev_catalog.falcon_bronze.txn', ['id'], 'error', 'record', 2],
      ['ok_status', 'accepted_values', 'dev_catalog.falcon_bronze.txn', ['status'], 'warn', 'record', 5],
      ['in_range_amount', 'in_range', 'c.s.t', ['amount'], 'error', 'record', 6],
      ['regex_code', 'regex', 'c.s.t', ['code'], 'error', 'quarantine', 7],
      ['is_date_d', 'is_date', 'c.s.t', ['d'], 'error', 'record', 8],
      ['is_timestamp_ts', 'is_timestamp', 'c.s.t', ['ts'], 'error', 'record', 9],
      ['expression', 'expression', 'c.s.t', [], 'error', 'record', 10],
      ['foreign_key_cid', 'foreign_key', 'c.s.t', ['cid'], 'error', 'record', 11],
      ['unique_id', 'unique', 'c.s.t', ['id'], 'error', 'record', 12],
      ['row_count', 'row_count', 'c.s.t', [], 'error', 'fail', 13],
      ['freshness', 'freshness', 'c.s.t', [], 'error', 'record', 14],
      ['schema_id_amount', 'schema', 'c.s.t', ['id', 'amount'], 'error', 'record', 15],
      ['aggregate_amount', 'aggregate', 'c.s.t', ['amount'], 'error', 'record', 16],
    ]);
    expect(file.checks[4]?.args).toEqual({ format: 'yyyy-MM-dd' });
    expect(file.checks[1]?.args).toEqual({ values: ['new', 1, true] });
    expect(file.checks[7]?.args['references']).toEqual({ table: { catalog: 'c', schema: 's', table: 'customers', name: 'c.s.customers' }, column: 'id' });
    expect(file.checks[6]?.where).toBe("c = 'it''s'");
    expect(file.alerts).toEqual([
      { type: 'slack', urlEnv: 'FALCON_SLACK', on: ['check_failed'], source: { file: 'falcon_checks.yml', line: 18 } },
      { type: 'webhook', urlEnv: 'HOOK', on: ['run_failed', 'file_quarantined'], source: { file: 'falcon_checks.yml', line: 19 } },
    ]);
  });

  for (const testCase of CHECKS_CASES) {
    it(`reports ${testCase.name} as file:line: key: message`, () => {
      expect(issuesOf(testCase.yaml, testCase.variables)).toEqual(testCase.expected);
    });
  }
});

describe('where and expression predicates', () => {
  it('accepts predicates with quoted text holding what is rejected outside it', () => {
    for (const ok of ["status <> 'void'", "note = 'a; b -- c /* d */'", "(a > 1 AND b < 2) OR c IS NULL", "name = 'O''Brien'", 'lower(status) IN (\'a\', \'b\')', 'updated_at >= current_date']) {
      expect(predicateProblem(ok), ok).toBeUndefined();
    }
  });
  it('rejects separators, comments, escapes and statements', () => {
    const cases: [string, RegExp][] = [
      ['1 = 1; DROP TABLE t', /";"/],
      ['a = 1 --', /"--"/],
      ['a = 1 /* x */', /"\/\*"/],
      ["a = 'x", /not closed/],
      ['a = 1) OR (1 = 1', /without its "\("/],
      ['(a = 1', /without its "\)"/],
      ["a = 'x\\' OR 1=1", /backslash/],
      ['"a" = 1', /quoted identifiers/],
      ['`a` = 1', /quoted identifiers/],
      ['a = $1', /parameter markers/],
      ['a = :p1', /parameter markers/],
      ['a::int = 1', /parameter markers/],
      ['a IN (SELECT 1)', /SELECT/],
      ['1 = 1 UNION ALL', /UNION/],
      ['   ', /empty/],
    ];
    for (const [text, message] of cases) expect(predicateProblem(text), text).toMatch(message);
  });
});

describe('date formats', () => {
  it('become one anchored pattern with a group per field', () => {
    expect(parseDateFormat('yyyy-MM-dd', 'date')).toEqual({ regex: '^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\\z', groups: { year: { index: 1, pad: false }, month: { index: 2, pad: false }, day: { index: 3, pad: false } } });
    const ts = parseDateFormat("dd/M/yyyy'T'HH:mm:ss.SSS", 'timestamp');
    expect(typeof ts === 'object' && ts.regex).toBe('^(0[1-9]|[12][0-9]|3[01])/([1-9]|1[0-2])/([0-9]{4})T([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])\\.([0-9]{3})\\z');
    const pattern = typeof ts === 'object' ? new RegExp(ts.regex.replace('\\z', '$')) : /x/;
    expect(pattern.test('05/1/2024T23:59:59.123')).toBe(true);
    expect(pattern.test('05/01/2024T23:59:59.123')).toBe(false);
    expect(pattern.test('05/1/2024T24:00:00.000')).toBe(false);
  });
  it('say what cannot be checked the same way on every engine', () => {
    expect(parseDateFormat('yyyy-MM-dd HH:mm', 'date')).toMatch(/has time fields; use is_timestamp/);
    expect(parseDateFormat('yyyy-MM-dd', 'timestamp')).toMatch(/needs HH and mm/);
    expect(parseDateFormat('yyyy-MM', 'date')).toMatch(/needs a day/);
    expect(parseDateFormat('EEE yyyy-MM-dd', 'date')).toMatch(/"E" is not supported/);
    expect(parseDateFormat('yyyy-MM-dd HH:mm:ss.SSSSSSS', 'timestamp')).toMatch(/at most 6 fraction digits/);
  });
});

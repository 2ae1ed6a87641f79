/**
 * Malformed checks files and the exact `file:line: key: message` lines each must produce: one
 * table for the unit test (checks-file.test.ts) and the reliability suite (bad-config), so the
 * messages a user reads are asserted in both places.
 */
export interface ChecksCase {
  readonly name: string;
  readonly yaml: string;
  readonly variables?: Readonly<Record<string, string>>;
  readonly expected: readonly string[];
}

export const CHECKS_CASE_FILE = 'checks.yml';
const F = CHECKS_CASE_FILE;
const T = 'cat.s.orders';

export const CHECKS_CASES: readonly ChecksCase[] = [
  { name: 'YAML that does not parse', yaml: `checks:\n  - table: ${T}\n   check: not_null\n`, expected: [`${F}:3: invalid YAML: Sequence item without - indicator`] },
  { name: 'a tab indentation', yaml: `checks:\n\t- table: ${T}\n`, expected: [`${F}:2: invalid YAML: Tabs are not allowed as indentation`] },
  { name: 'no checks list', yaml: 'alerts: []\n', expected: [`${F}:1: expected a non-empty list under "checks:"`] },
  { name: 'an unknown top-level key', yaml: `check:\n  - table: ${T}\n`, expected: [`${F}:1: unknown key "check" (expected checks and alerts)`, `${F}:1: expected a non-empty list under "checks:"`] },
  {
    name: 'an unknown kind',
    yaml: `checks:\n  - table: ${T}\n    check: not_nul\n    column: id\n`,
    expected: [`${F}:3: check: unknown check kind "not_nul" (known: not_null, accepted_values, in_range, regex, is_date, is_timestamp, expression, foreign_key, unique, row_count, freshness, schema, aggregate)`],
  },
  { name: 'a missing argument', yaml: `checks:\n  - table: ${T}\n    check: regex\n    column: code\n`, expected: [`${F}:2: pattern: is required for regex`] },
  { name: 'a missing column', yaml: `checks:\n  - table: ${T}\n    check: not_null\n`, expected: [`${F}:3: column: not_null checks one column: give column`] },
  {
    name: 'an argument of another kind',
    yaml: `checks:\n  - table: ${T}\n    check: not_null\n    column: id\n    values: [a]\n`,
    expected: [`${F}:5: values: unknown key "values" for not_null (known: table, name, check, column, columns, criticality, on_fail, where)`],
  },
  { name: 'a number that is text', yaml: `checks:\n  - table: ${T}\n    check: in_range\n    column: amount\n    min: zero\n`, expected: [`${F}:5: min: expected a number, got "zero"`] },
  { name: 'min above max', yaml: `checks:\n  - table: ${T}\n    check: row_count\n    min: 10\n    max: 1\n`, expected: [`${F}:5: max: max (1) is below min (10)`] },
  {
    name: 'a duplicate name',
    yaml: `checks:\n  - table: ${T}\n    name: ids\n    check: not_null\n    column: id\n  - table: ${T}\n    name: ids\n    check: unique\n    columns: [id]\n`,
    expected: [`${F}:7: name: duplicate name "ids": already on line 2`],
  },
  {
    name: 'an unknown variable',
    yaml: 'checks:\n  - table: ${catalog}.s.orders\n    check: not_null\n    column: id\n',
    variables: { env: 'dev' },
    expected: [`${F}:2: table: unknown variable \${catalog}; known variables: env`],
  },
  { name: 'a two-part table name', yaml: 'checks:\n  - table: s.orders\n    check: not_null\n    column: id\n', expected: [`${F}:2: table: "s.orders" is not a three-part name catalog.schema.table (letters, digits and _ each)`] },
  { name: 'an unknown criticality', yaml: `checks:\n  - table: ${T}\n    check: not_null\n    column: id\n    criticality: fatal\n`, expected: [`${F}:5: criticality: expected one of error, warn; got "fatal"`] },
  {
    name: 'quarantine on a dataset-level kind',
    yaml: `checks:\n  - table: ${T}\n    check: row_count\n    min: 1\n    on_fail: quarantine\n`,
    expected: [`${F}:5: on_fail: quarantine moves failing rows; row_count is a dataset-level check (use record or fail)`],
  },
  { name: 'fail on a warning', yaml: `checks:\n  - table: ${T}\n    check: not_null\n    column: id\n    criticality: warn\n    on_fail: fail\n`, expected: [`${F}:6: on_fail: fail needs criticality: error (a warning does not fail the job)`] },
  { name: 'a date format with month names', yaml: `checks:\n  - table: ${T}\n    check: is_date\n    column: d\n    format: dd-MMM-yyyy\n`, expected: [`${F}:5: format: format "dd-MMM-yyyy": month names (MMM) are not supported; use MM`] },
  { name: 'a regex with lookahead', yaml: `checks:\n  - table: ${T}\n    check: regex\n    column: c\n    pattern: '^(?!X)'\n`, expected: [`${F}:5: pattern: lookaround ((?=, (?!, (?<=, (?<!) is not available on DuckDB (RE2)`] },
  { name: 'where with a statement separator', yaml: `checks:\n  - table: ${T}\n    check: not_null\n    column: id\n    where: "1 = 1; DROP TABLE x"\n`, expected: [`${F}:5: where: contains ";": a predicate is one expression, not statements`] },
  { name: 'where with a comment', yaml: `checks:\n  - table: ${T}\n    check: not_null\n    column: id\n    where: "status = 'a' -- all"\n`, expected: [`${F}:5: where: contains "--": comments are not allowed in a predicate`] },
  { name: 'where that closes the statement', yaml: `checks:\n  - table: ${T}\n    check: not_null\n    column: id\n    where: "1 = 1) OR (1 = 1"\n`, expected: [`${F}:5: where: has a ")" without its "(": a predicate cannot close the statement around it`] },
  {
    name: 'expression with a subquery',
    yaml: `checks:\n  - table: ${T}\n    check: expression\n    expression: "id IN (SELECT id FROM cat.s.other)"\n`,
    expected: [`${F}:4: expression: contains SELECT: a predicate cannot hold a statement or a subquery`],
  },
  {
    name: 'an alert URL written into the file',
    yaml: `checks:\n  - table: ${T}\n    check: not_null\n    column: id\nalerts:\n  - type: slack\n    url: https://hooks.slack.com/services/T0/B0/secret\n    on: check_failed\n`,
    expected: [`${F}:7: url: write the URL as \${env:NAME}: a webhook URL is a secret and stays out of the file`],
  },
  {
    name: 'an unknown alert type and event',
    yaml: `checks:\n  - table: ${T}\n    check: not_null\n    column: id\nalerts:\n  - type: pager\n    url: \${env:PAGER_URL}\n    on: [check_failed, nightly]\n`,
    expected: [`${F}:6: type: expected webhook, slack or teams; got "pager"`, `${F}:8: on: expected check_failed, file_quarantined, run_failed or a list of them; got ["check_failed","nightly"]`],
  },
  {
    name: 'several problems at once, in line order',
    yaml: `checks:\n  - table: ${T}\n    check: in_range\n    column: a\n  - table: \${nope}.s.t\n    check: not_null\n    column: a\n  - table: ${T}\n    check: unique\n`,
    variables: { catalog: 'cat' },
    expected: [`${F}:2: min: give min, max or both`, `${F}:5: table: unknown variable \${nope}; known variables: catalog`, `${F}:9: columns: unique needs column or columns`],
  },
];

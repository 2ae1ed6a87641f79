import { sql, type Engine } from '@org/hub-core';

/**
 * A bronze-like table for the quality tests: STRING columns as delimited files land, the lineage
 * columns, two batches, and values that break every kind in the ways engines disagree on
 * (NaN, 1_000, 1d, 24:00:00, 2024-1-5, 2024-02-30). Expected results are computed from these rows
 * in JavaScript (expectations below), never read back from the code under test.
 */
export interface OrderRow {
  readonly id: string | null;
  readonly status: string | null;
  readonly amount: string | null;
  readonly qty: string;
  readonly created: string | null;
  readonly ts: string | null;
  readonly code: string | null;
  readonly customer_id: string | null;
  readonly _source_file: string;
  readonly _batch_id: string;
  readonly _ingested_at: Date;
}

export const ORDER_COLUMNS = ['id', 'status', 'amount', 'qty', 'created', 'ts', 'code', 'customer_id'] as const;
export const CUSTOMERS = ['C1', 'C2', 'C3'];

const cycle = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

export function orderRows(count: number, now: Date): OrderRow[] {
  const statuses = ['new', 'paid', 'void', 'PAID', null, 'unknown', 'paid'];
  const amounts = ['12.50', 'n/a', '-3', '1e3', 'NaN', '1_000', ' 7 ', '', null, '99.99', '100', '0', '1d', '.5', '5.', 'Infinity'];
  const created = ['2024-01-05', '2024-02-30', '2024/01/05', '2024-1-5', null, '2024-02-29', '2023-02-29', '2024-12-31', '2024/02/30'];
  const ts = ['2024-01-05 10:00:00', '2024-01-05 24:00:00', '2024-01-05T10:00:00', '2024-01-06 23:59:59', '2024-01-05 10:00', null, '2024-01-06 00:00:00\n'];
  const codes = ['ACC123456', 'acc123456', 'ACC12345', 'XACC123456', null, 'ACC000001', "ACC'; DROP TABLE x; --"];
  const customers = ['C1', 'C2', 'C9', null, 'C3', "C1' OR '1'='1"];
  const rows: OrderRow[] = [];
  for (let i = 0; i < count; i++) {
    const batch = i < Math.floor(count * 0.6) ? 'b1' : 'b2';
    // Duplicates: O5 twice, O15 three times; NULL ids in both batches.
    const id = i === 10 || i === 20 || i === 30 ? null : i === 6 ? 'O5' : i === 16 || i === 17 ? 'O15' : `O${i}`;
    rows.push({
      id,
      status: cycle(statuses, i),
      amount: cycle(amounts, i),
      qty: String((i % 7) + 1),
      created: cycle(created, i),
      ts: cycle(ts, i),
      code: cycle(codes, i),
      customer_id: cycle(customers, i),
      _source_file: `/raw/orders_${batch}.csv`,
      _batch_id: batch,
      _ingested_at: new Date(now.getTime() - (batch === 'b1' ? 50 : 1) * 3_600_000),
    });
  }
  return rows;
}

/** Creates `<catalog>.s.orders` and `<catalog>.s.customers` with these rows, in a few statements. */
export async function createOrderTables(engine: Engine, catalog: string, rows: readonly OrderRow[]): Promise<void> {
  await engine.prepareCatalogs([catalog]);
  const format = engine.name === 'duckdb' ? '' : ' USING DELTA';
  const str = engine.dialect.types.string;
  await engine.run(sql`CREATE SCHEMA IF NOT EXISTS ${sql.raw(engine.dialect.schemaName(catalog, 's'))}`);
  for (const table of ['orders', 'orders_quarantine', 'customers']) await engine.run(`DROP TABLE IF EXISTS ${engine.dialect.tableName(catalog, 's', table)}`);
  const orders = sql.raw(engine.dialect.tableName(catalog, 's', 'orders'));
  await engine.run(
    sql`CREATE TABLE ${orders} (${sql.raw(ORDER_COLUMNS.map((c) => `${c} ${str}`).join(', '))}, _source_file ${sql.raw(str)}, _batch_id ${sql.raw(str)}, _ingested_at TIMESTAMP)${sql.raw(format)}`,
  );
  for (let start = 0; start < rows.length; start += 100) {
    const values = rows.slice(start, start + 100).map((r) => sql`(${sql.join([...ORDER_COLUMNS.map((c) => sql`${r[c]}`), sql`${r._source_file}`, sql`${r._batch_id}`, sql`${r._ingested_at}`])})`);
    await engine.run(sql`INSERT INTO ${orders} VALUES ${sql.join(values)}`);
  }
  const customers = sql.raw(engine.dialect.tableName(catalog, 's', 'customers'));
  await engine.run(sql`CREATE TABLE ${customers} (id ${sql.raw(str)}, name ${sql.raw(str)})${sql.raw(format)}`);
  await engine.run(sql`INSERT INTO ${customers} VALUES ${sql.join(CUSTOMERS.map((c) => sql`(${c}, ${`name of ${c}`})`))}`);
}

/** The checks file of the tests: every kind at least once, on one table. */
export function ordersChecksYaml(): string {
  return `checks:
  - { table: '\${catalog}.s.orders', name: id_present, check: not_null, column: id, on_fail: quarantine }
  - { table: '\${catalog}.s.orders', name: status_values, check: accepted_values, column: status, values: [new, paid, void] }
  - table: \${catalog}.s.orders
    name: amount_range
    check: in_range
    column: amount
    min: 0
    max: 100
    where: "status <> 'void'"
  - { table: '\${catalog}.s.orders', name: code_pattern, check: regex, column: code, pattern: '^ACC[0-9]{6}$', on_fail: quarantine }
  - { table: '\${catalog}.s.orders', name: created_date, check: is_date, column: created, criticality: warn }
  - { table: '\${catalog}.s.orders', name: created_slashed, check: is_date, column: created, format: yyyy/MM/dd, criticality: warn }
  - { table: '\${catalog}.s.orders', name: ts_timestamp, check: is_timestamp, column: ts, format: 'yyyy-MM-dd HH:mm:ss' }
  - { table: '\${catalog}.s.orders', name: void_has_no_amount, check: expression, expression: "status <> 'void' OR amount IS NULL", columns: [status, amount] }
  - { table: '\${catalog}.s.orders', name: customer_known, check: foreign_key, column: customer_id, references: { table: '\${catalog}.s.customers', column: id } }
  - { table: '\${catalog}.s.orders', name: id_unique, check: unique, columns: [id] }
  - { table: '\${catalog}.s.orders', name: id_status_unique, check: unique, columns: [id, status], where: "qty <> '1'" }
  - { table: '\${catalog}.s.orders', name: rows_enough, check: row_count, min: 1, max: 1000 }
  - { table: '\${catalog}.s.orders', name: rows_too_few, check: row_count, min: 100000, criticality: warn }
  - { table: '\${catalog}.s.orders', name: ingested_recently, check: freshness, max_age_hours: 2 }
  - { table: '\${catalog}.s.orders', name: ts_recent, check: freshness, column: ts, format: 'yyyy-MM-dd HH:mm:ss', max_age_hours: 24, criticality: warn }
  - { table: '\${catalog}.s.orders', name: has_columns, check: schema, columns: [id, status, amount] }
  - { table: '\${catalog}.s.orders', name: exact_columns, check: schema, columns: [id, status, nope], no_others: true, criticality: warn }
  - { table: '\${catalog}.s.orders', name: amount_sum, check: aggregate, column: amount, function: sum, min: 0 }
  - { table: '\${catalog}.s.orders', name: qty_max, check: aggregate, column: qty, function: max, max: 5 }
  - { table: '\${catalog}.s.orders', name: qty_avg, check: aggregate, column: qty, function: avg, min: 1, max: 7 }
`;
}

// --- expectations, from the rows ---

/** A decimal number as docs/quality.md defines it. */
export const isNumber = (v: string): boolean => /^[ \t]*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?[ \t]*$/.test(v) && !v.includes('\n');
const validDate = (y: number, m: number, d: number) => {
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
};
export function isIsoDate(v: string, separator = '-'): boolean {
  const m = new RegExp(`^(\\d{4})${separator}(\\d{2})${separator}(\\d{2})$`).exec(v);
  return m !== null && validDate(Number(m[1]), Number(m[2]), Number(m[3]));
}
export function isIsoTimestamp(v: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(v);
  return m !== null && isIsoDate(m[1] as string) && Number(m[2]) < 24 && Number(m[3]) < 60 && Number(m[4]) < 60;
}

interface Expected {
  readonly evaluated: number | null;
  readonly failed: number | null;
  readonly passed: boolean;
}

/** Each check's expected outcome; `batch` limits the row-level kinds as --batch does. */
export function expectedResults(all: readonly OrderRow[], batch: string | null, now: Date): Record<string, Expected> {
  const rows = batch === null ? all : all.filter((r) => r._batch_id === batch);
  const row = (scope: (r: OrderRow) => boolean, fails: (r: OrderRow) => boolean): Expected => {
    const inScope = rows.filter(scope);
    const failed = inScope.filter(fails).length;
    return { evaluated: inScope.length, failed, passed: failed === 0 };
  };
  const always = () => true;
  const unique = (scope: (r: OrderRow) => boolean, key: (r: OrderRow) => (string | null)[]): Expected => {
    const counts = new Map<string, number>();
    const keyed = all.filter(scope).filter((r) => key(r).every((k) => k !== null));
    for (const r of keyed) counts.set(JSON.stringify(key(r)), (counts.get(JSON.stringify(key(r))) ?? 0) + 1);
    const failed = [...counts.values()].filter((n) => n > 1).reduce((a, b) => a + b, 0);
    return { evaluated: keyed.length, failed, passed: failed === 0 };
  };
  const numbers = (column: 'amount' | 'qty') => all.map((r) => r[column]).filter((v): v is string => v !== null);
  const qty = numbers('qty').map(Number);
  const validTs = all.map((r) => r.ts).filter((v): v is string => v !== null && isIsoTimestamp(v)).sort();
  const newestTs = validTs[validTs.length - 1] as string;
  const newestIngested = Math.max(...all.map((r) => r._ingested_at.getTime()));
  return {
    id_present: row(always, (r) => r.id === null),
    status_values: row(always, (r) => r.status !== null && !['new', 'paid', 'void'].includes(r.status)),
    // where "status <> 'void'": a NULL status is not in scope (the predicate is NULL).
    amount_range: row(
      (r) => r.status !== null && r.status !== 'void',
      (r) => r.amount !== null && (!isNumber(r.amount) || Number(r.amount.trim()) < 0 || Number(r.amount.trim()) > 100),
    ),
    code_pattern: row(always, (r) => r.code !== null && !/^ACC[0-9]{6}$/.test(r.code)),
    created_date: row(always, (r) => r.created !== null && !isIsoDate(r.created)),
    created_slashed: row(always, (r) => r.created !== null && !isIsoDate(r.created, '/')),
    ts_timestamp: row(always, (r) => r.ts !== null && !isIsoTimestamp(r.ts)),
    // NOT COALESCE(status <> 'void' OR amount IS NULL, FALSE), in SQL's three-valued logic.
    void_has_no_amount: row(always, (r) => !(r.amount === null || (r.status !== null && r.status !== 'void'))),
    customer_known: row(always, (r) => r.customer_id !== null && !CUSTOMERS.includes(r.customer_id)),
    id_unique: unique(always, (r) => [r.id]),
    id_status_unique: unique((r) => r.qty !== '1', (r) => [r.id, r.status]),
    rows_enough: { evaluated: all.length, failed: null, passed: all.length >= 1 && all.length <= 1000 },
    rows_too_few: { evaluated: all.length, failed: null, passed: all.length >= 100000 },
    ingested_recently: { evaluated: all.length, failed: null, passed: newestIngested >= now.getTime() - 2 * 3_600_000 },
    ts_recent: { evaluated: all.length, failed: null, passed: Date.parse(`${newestTs.replace(' ', 'T')}Z`) >= now.getTime() - 24 * 3_600_000 },
    has_columns: { evaluated: null, failed: null, passed: true },
    exact_columns: { evaluated: null, failed: null, passed: false },
    amount_sum: (() => {
      const bad = numbers('amount').filter((v) => !isNumber(v)).length;
      return { evaluated: numbers('amount').length, failed: bad > 0 ? bad : null, passed: bad === 0 };
    })(),
    qty_max: { evaluated: qty.length, failed: null, passed: Math.max(...qty) <= 5 },
    qty_avg: { evaluated: qty.length, failed: null, passed: qty.reduce((a, b) => a + b, 0) / qty.length >= 1 && qty.reduce((a, b) => a + b, 0) / qty.length <= 7 },
  };
}

/** The names of the quarantine checks (id_present, code_pattern) each row of `batch` fails, by row. */
export function expectedQuarantine(all: readonly OrderRow[], batch: string): { row: OrderRow; failed: string[] }[] {
  return all
    .filter((r) => r._batch_id === batch)
    .map((row) => ({ row, failed: [...(row.id === null ? ['id_present'] : []), ...(row.code !== null && !/^ACC[0-9]{6}$/.test(row.code) ? ['code_pattern'] : [])] }))
    .filter((x) => x.failed.length > 0);
}

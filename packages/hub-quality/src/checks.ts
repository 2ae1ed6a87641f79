import { sql, type Engine, type Sql, type SqlValue } from '@org/hub-core';

export interface TableRef {
  readonly catalog: string;
  readonly schema: string;
  readonly table: string;
}

export type Severity = 'error' | 'warn';

/** A check is one set-based statement that counts the rows breaking a rule. */
export interface QualityCheck {
  readonly name: string;
  readonly severity: Severity;
  /** Renders `SELECT <n> AS failures ...` for the table. */
  render(table: Sql): Sql;
}

export interface CheckResult {
  readonly check: string;
  readonly table: string;
  readonly severity: Severity;
  readonly failures: number;
  readonly passed: boolean;
}

export const checks = {
  /** No row has NULL in the column. */
  notNull(column: string, severity: Severity = 'error'): QualityCheck {
    return { name: `not_null(${column})`, severity, render: (t) => sql`SELECT COUNT(*) AS failures FROM ${t} WHERE ${sql.column(column)} IS NULL` };
  },
  /** The columns identify a row: the number of surplus rows over distinct keys. */
  unique(columns: readonly string[], severity: Severity = 'error'): QualityCheck {
    const cols = sql.join(columns.map((c) => sql.column(c)));
    return {
      name: `unique(${columns.join(', ')})`,
      severity,
      render: (t) => sql`SELECT COALESCE(SUM(n - 1), 0) AS failures FROM (SELECT COUNT(*) AS n FROM ${t} GROUP BY ${cols}) AS g WHERE n > 1`,
    };
  },
  /** At least `min` rows (a load that produced nothing is usually a problem upstream). */
  rowCount(min: number, severity: Severity = 'error'): QualityCheck {
    return { name: `row_count >= ${min}`, severity, render: (t) => sql`SELECT CASE WHEN COUNT(*) >= ${min} THEN 0 ELSE 1 END AS failures FROM ${t}` };
  },
  /** Every non-NULL value is one of `values`. */
  acceptedValues(column: string, values: readonly SqlValue[], severity: Severity = 'error'): QualityCheck {
    return {
      name: `accepted_values(${column})`,
      severity,
      render: (t) => sql`SELECT COUNT(*) AS failures FROM ${t} WHERE ${sql.column(column)} IS NOT NULL AND ${sql.column(column)} NOT IN (${sql.join(values.map((v) => sql`${v}`))})`,
    };
  },
  /** Every value lies in [min, max]. */
  between(column: string, min: number, max: number, severity: Severity = 'warn'): QualityCheck {
    return { name: `between(${column}, ${min}, ${max})`, severity, render: (t) => sql`SELECT COUNT(*) AS failures FROM ${t} WHERE ${sql.column(column)} < ${min} OR ${sql.column(column)} > ${max}` };
  },
};

/** Runs each check as one statement on the engine; rows never come back to Node, only counts. */
export async function runChecks(engine: Engine, table: TableRef, list: readonly QualityCheck[]): Promise<CheckResult[]> {
  const target = sql.raw(engine.dialect.tableName(table.catalog, table.schema, table.table));
  const name = `${table.catalog}.${table.schema}.${table.table}`;
  const results: CheckResult[] = [];
  for (const check of list) {
    const rows = await engine.query(check.render(target));
    const failures = Number(rows[0]?.['failures'] ?? 0);
    results.push({ check: check.name, table: name, severity: check.severity, failures, passed: failures === 0 });
  }
  return results;
}

import { sql, type Sql } from '@org/hub-core';
import { z } from 'zod';
import { parseDateFormat, type ParsedFormat } from './date-format.js';
import type { QualitySql, TableColumn } from './engine-sql.js';
import type { KindName, QualityCheck, SampleEntry, TableName } from './types.js';

/**
 * The registry of check kinds (DQX's check_funcs, our names): each kind is declared once, with the
 * arguments it takes and the SQL that decides it, so `check: in_range` in a checks file resolves to
 * one place. The runner (run-checks.ts) puts the kinds of one table into a few set-based statements.
 *
 * Shapes:
 * - `row`: a condition that is true for each failing row; counted, sampled and quarantined per row.
 * - `measure`: aggregates over the table, judged against bounds: one result, never copied onto rows.
 * - `group`: `unique`, a GROUP BY over the key columns.
 * - `schema`: judged from the table's columns.
 */

/** A decimal number as every engine reads it: engines disagree on NaN, inf, 1_000 and 1d, so those are not numbers. */
export const NUMBER_PATTERN = '^[ \\t]*[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?[ \\t]*\\z';
export const LINEAGE = ['_source_file', '_batch_id', '_ingested_at'] as const;

/** What a kind's SQL is built from: the table's rows are `t`, values of the check's arguments are bound. */
export interface KindContext {
  readonly q: QualitySql;
  readonly stringType: string;
  /** `t."column"`. */
  column(name: string): Sql;
  /** The key column of the relation a check joins (foreign_key). */
  joined(check: QualityCheck): Sql;
  /** The timestamp `hours` before now: a bound value from the runner's clock, or the engine's clock in a SQL script. */
  hoursAgo(hours: number): Sql;
}

export interface Verdict {
  readonly passed: boolean;
  readonly rowsEvaluated: number | null;
  readonly rowsFailed: number | null;
  readonly sample: readonly SampleEntry[];
  readonly message: string | null;
}

interface KindBase {
  readonly name: KindName;
  /** The kind's own keys of a checks-file item, beyond table, name, check, column(s), criticality, on_fail and where. */
  readonly args: z.ZodRawShape;
  readonly columns: 'one' | 'many' | 'none' | 'optional';
  /** Checks on arguments that a schema cannot say, as `[key, message]`. */
  validate?(args: Record<string, unknown>): readonly (readonly [string, string])[];
}

export interface RowKind extends KindBase {
  readonly shape: 'row';
  /** True exactly for the rows that fail (never NULL: a NULL would count as passing). */
  failure(ctx: KindContext, check: QualityCheck): Sql;
  /** Text saying why a failing row failed, for the sample. */
  reason(ctx: KindContext, check: QualityCheck): Sql;
  /** The table and column a check joins (foreign_key): one DISTINCT relation joined in the same scan. */
  reference?(check: QualityCheck): { readonly table: TableName; readonly column: string };
}

export interface MeasureKind extends KindBase {
  readonly shape: 'measure';
  /** Aggregates over the rows in scope (`scope` is a boolean SQL expression), in the order judge reads them. */
  measures(ctx: KindContext, check: QualityCheck, scope: Sql): Sql[];
  judge(values: readonly unknown[], check: QualityCheck, now: Date): Verdict;
  /** The same verdict in SQL, over the measures' columns (a SQL task's script, render-sql.ts). */
  verdictSql?(values: readonly Sql[], check: QualityCheck): { passed: Sql; rowsEvaluated: Sql; rowsFailed: Sql; message: Sql };
}

export interface GroupKind extends KindBase {
  readonly shape: 'group';
}

export interface SchemaKind extends KindBase {
  readonly shape: 'schema';
  judge(columns: readonly TableColumn[], check: QualityCheck): Verdict;
}

export type Kind = RowKind | MeasureKind | GroupKind | SchemaKind;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const bound = z.number().optional();

const text = (ctx: KindContext, column: string): Sql => sql`CAST(${ctx.column(column)} AS ${sql.raw(ctx.stringType)})`;
const first = (check: QualityCheck): string => check.columns[0] as string;

/** The value as a number when it is one, else NULL: `try_cast` only where the text is a decimal number. */
export function numberOf(ctx: KindContext, value: Sql): Sql {
  // Patterns the hub writes itself are literals (constant patterns compile once); a spoke's values are bound.
  return sql`CASE WHEN ${ctx.q.matches(value, sql.literal(NUMBER_PATTERN))} THEN try_cast(${value} AS DOUBLE) END`;
}

/** The value as a DATE or TIMESTAMP when it is one in `format`, else NULL (see date-format.ts). */
export function temporalOf(ctx: KindContext, value: Sql, format: ParsedFormat, type: 'DATE' | 'TIMESTAMP'): Sql {
  const group = (role: keyof ParsedFormat['groups'], fallback: string): Sql => {
    const g = format.groups[role];
    if (!g) return sql.raw(`'${fallback}'`);
    const extracted = sql`regexp_extract(${value}, ${sql.literal(format.regex)}, ${sql.raw(String(g.index))})`;
    return g.pad ? sql`lpad(${extracted}, 2, '0')` : extracted;
  };
  const parts = [group('year', ''), sql.raw(`'-'`), group('month', ''), sql.raw(`'-'`), group('day', '')];
  if (type === 'TIMESTAMP') {
    parts.push(sql.raw(`' '`), group('hour', '00'), sql.raw(`':'`), group('minute', '00'), sql.raw(`':'`), group('second', '00'));
    if (format.groups.fraction) parts.push(sql.raw(`'.'`), group('fraction', '0'));
  }
  return sql`CASE WHEN ${ctx.q.matches(value, sql.literal(format.regex))} THEN try_cast(concat(${sql.join(parts)}) AS ${sql.raw(type)}) END`;
}

/** `min`/`max` of in_range, row_count and aggregate: at least one, and in order. */
function bounds(args: Record<string, unknown>): [string, string][] {
  const { min, max } = args as { min?: number; max?: number };
  if (min === undefined && max === undefined) return [['min', 'give min, max or both']];
  if (min !== undefined && max !== undefined && min > max) return [['max', `max (${max}) is below min (${min})`]];
  return [];
}

function dateFormatProblem(kind: 'date' | 'timestamp', format: unknown): [string, string][] {
  const parsed = parseDateFormat(String(format), kind);
  return typeof parsed === 'string' ? [['format', parsed]] : [];
}

export const DEFAULT_FORMATS = { is_date: 'yyyy-MM-dd', is_timestamp: 'yyyy-MM-dd HH:mm:ss' } as const;

function formatOf(check: QualityCheck, kind: 'date' | 'timestamp'): ParsedFormat {
  const parsed = parseDateFormat(String(check.args['format']), kind);
  if (typeof parsed === 'string') throw new Error(parsed); // validated when the file was read
  return parsed;
}

/** Regex syntax that one engine has and the other lacks (RE2 on DuckDB, Java on Spark). */
export function regexProblem(pattern: string): string | undefined {
  if (/\(\?<?[=!]/.test(pattern)) return 'lookaround ((?=, (?!, (?<=, (?<!) is not available on DuckDB (RE2)';
  if (/\\[1-9]|\\k</.test(pattern)) return 'backreferences are not available on DuckDB (RE2)';
  if (/\(\?>|[*+?}]\+/.test(pattern)) return 'atomic groups and possessive quantifiers are not available on DuckDB (RE2)';
  if (/\(\?P/.test(pattern)) return '(?P<name>...) is not available on Spark (Java); use (?<name>...)';
  try {
    new RegExp(pattern);
  } catch (error) {
    return `not a valid regular expression: ${error instanceof Error ? error.message : String(error)}`;
  }
  return undefined;
}

/** Kinds other than not_null let NULL pass: a missing value is not_null's to report. */
const present = (ctx: KindContext, check: QualityCheck) => sql`${ctx.column(first(check))} IS NOT NULL`;

const notNull: RowKind = {
  name: 'not_null',
  shape: 'row',
  columns: 'one',
  args: {},
  failure: (ctx, check) => sql`${ctx.column(first(check))} IS NULL`,
  reason: () => sql`'null'`,
};

const acceptedValues: RowKind = {
  name: 'accepted_values',
  shape: 'row',
  columns: 'one',
  args: { values: z.array(scalar).min(1) },
  // Compared as text, so `values: [1, 2]` means the strings '1' and '2' of a STRING column. One bound JSON array, however many values.
  failure: (ctx, check) =>
    sql`(${present(ctx, check)} AND NOT ${ctx.q.inList(text(ctx, first(check)), sql`${JSON.stringify((check.args['values'] as unknown[]).map(String))}`)})`,
  reason: () => sql`'not an accepted value'`,
};

const inRange: RowKind = {
  name: 'in_range',
  shape: 'row',
  columns: 'one',
  args: { min: bound, max: bound },
  validate: bounds,
  failure: (ctx, check) => {
    const n = numberOf(ctx, text(ctx, first(check)));
    const { min, max } = check.args as { min?: number; max?: number };
    const out = [sql`${n} IS NULL`];
    if (min !== undefined) out.push(sql`${n} < ${min}`);
    if (max !== undefined) out.push(sql`${n} > ${max}`);
    return sql`(${present(ctx, check)} AND (${sql.join(out, sql` OR `)}))`;
  },
  reason: (ctx, check) => {
    const n = numberOf(ctx, text(ctx, first(check)));
    const { min, max } = check.args as { min?: number; max?: number };
    const low = min !== undefined ? sql` WHEN ${n} < ${min} THEN ${`below ${min}`}` : sql.empty;
    const high = max !== undefined ? sql` WHEN ${n} > ${max} THEN ${`above ${max}`}` : sql.empty;
    return sql`CASE WHEN ${n} IS NULL THEN 'not a number'${low}${high} END`;
  },
};

const regex: RowKind = {
  name: 'regex',
  shape: 'row',
  columns: 'one',
  args: { pattern: z.string().min(1) },
  validate: (args) => {
    const problem = regexProblem(String(args['pattern']));
    return problem ? [['pattern', problem]] : [];
  },
  failure: (ctx, check) => sql`(${present(ctx, check)} AND NOT ${ctx.q.matches(text(ctx, first(check)), sql`${String(check.args['pattern'])}`)})`,
  reason: () => sql`'does not match the pattern'`,
};

function temporalKind(name: 'is_date' | 'is_timestamp'): RowKind {
  const kind = name === 'is_date' ? 'date' : 'timestamp';
  const type = name === 'is_date' ? 'DATE' : 'TIMESTAMP';
  return {
    name,
    shape: 'row',
    columns: 'one',
    args: { format: z.string().min(1).default(DEFAULT_FORMATS[name]) },
    validate: (args) => dateFormatProblem(kind, args['format']),
    failure: (ctx, check) => sql`(${present(ctx, check)} AND ${temporalOf(ctx, text(ctx, first(check)), formatOf(check, kind), type)} IS NULL)`,
    reason: (_ctx, check) => sql`${`not a ${kind} in format ${String(check.args['format'])}`}`,
  };
}

const expression: RowKind = {
  name: 'expression',
  shape: 'row',
  // Columns, when given, are what the sample shows of a failing row.
  columns: 'optional',
  args: { expression: z.string().min(1) },
  // A row whose predicate is NULL has not satisfied it.
  failure: (_ctx, check) => sql`NOT COALESCE((${sql.raw(String(check.args['expression']))}), FALSE)`,
  reason: () => sql`'expression is false or null'`,
};

const reference = z.strictObject({ table: z.string().min(1), column: z.string().min(1) });

const foreignKey: RowKind = {
  name: 'foreign_key',
  shape: 'row',
  columns: 'one',
  args: { references: reference },
  failure: (ctx, check) => sql`(${present(ctx, check)} AND ${ctx.joined(check)} IS NULL)`,
  reason: (_ctx, check) => {
    const ref = check.args['references'] as { table: TableName; column: string };
    return sql`${`not in ${ref.table.name}.${ref.column}`}`;
  },
  reference: (check) => {
    const ref = check.args['references'] as { table: TableName; column: string };
    return { table: ref.table, column: ref.column };
  },
};

const unique: GroupKind = { name: 'unique', shape: 'group', columns: 'many', args: {} };

const rowCount: MeasureKind = {
  name: 'row_count',
  shape: 'measure',
  columns: 'none',
  args: { min: z.number().int().nonnegative().optional(), max: z.number().int().nonnegative().optional() },
  validate: bounds,
  measures: (_ctx, _check, scope) => [sql`COUNT(CASE WHEN ${scope} THEN 1 END)`],
  verdictSql: ([n], check) => {
    const { min, max } = check.args as { min?: number; max?: number };
    const low = min !== undefined ? sql`${n as Sql} < ${min}` : sql.raw('FALSE');
    const high = max !== undefined ? sql`${n as Sql} > ${max}` : sql.raw('FALSE');
    return {
      passed: sql`NOT (${low} OR ${high})`,
      rowsEvaluated: sql`${n as Sql}`,
      rowsFailed: sql.raw('CAST(NULL AS BIGINT)'),
      message: sql`CASE${min !== undefined ? sql` WHEN ${low} THEN concat(CAST(${n as Sql} AS STRING), ${` rows, fewer than ${min}`})` : sql.empty}${max !== undefined ? sql` WHEN ${high} THEN concat(CAST(${n as Sql} AS STRING), ${` rows, more than ${max}`})` : sql.empty} END`,
    };
  },
  judge: ([count], check) => {
    const n = Number(count ?? 0);
    const { min, max } = check.args as { min?: number; max?: number };
    const low = min !== undefined && n < min;
    const high = max !== undefined && n > max;
    return {
      passed: !low && !high,
      rowsEvaluated: n,
      rowsFailed: null,
      sample: [{ row_count: n, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) }],
      message: low ? `${n} rows, fewer than ${min}` : high ? `${n} rows, more than ${max}` : null,
    };
  },
};

const freshness: MeasureKind = {
  name: 'freshness',
  shape: 'measure',
  columns: 'optional',
  args: { max_age_hours: z.number().positive(), format: z.string().min(1).optional() },
  validate: (args) => (args['format'] === undefined ? [] : dateFormatProblem('timestamp', args['format'])),
  measures: (ctx, check, scope) => {
    const column = check.columns[0] ?? '_ingested_at';
    const format = check.args['format'];
    // A timestamp column casts to itself; text is read in the given format, or as ISO text.
    const ts = format === undefined ? sql`try_cast(${ctx.column(column)} AS TIMESTAMP)` : temporalOf(ctx, text(ctx, column), formatOf(check, 'timestamp'), 'TIMESTAMP');
    const newest = sql`MAX(CASE WHEN ${scope} THEN ${ts} END)`;
    return [sql`CAST(${newest} AS ${sql.raw(ctx.stringType)})`, sql`CASE WHEN ${newest} >= ${ctx.hoursAgo(Number(check.args['max_age_hours']))} THEN 1 ELSE 0 END`, sql`COUNT(CASE WHEN ${scope} THEN 1 END)`];
  },
  verdictSql: ([newest, fresh, rows], check) => ({
    passed: sql`${fresh as Sql} = 1`,
    rowsEvaluated: sql`${rows as Sql}`,
    rowsFailed: sql.raw('CAST(NULL AS BIGINT)'),
    message: sql`CASE WHEN ${fresh as Sql} = 1 THEN NULL WHEN ${newest as Sql} IS NULL THEN 'no timestamp found' ELSE concat('newest ', ${newest as Sql}, ${` is older than ${Number(check.args['max_age_hours'])} hours`}) END`,
  }),
  judge: ([newest, fresh, rows], check, now) => {
    const cutoff = cutoffOf(check, now).toISOString();
    const passed = Number(fresh) === 1;
    const hours = Number(check.args['max_age_hours']);
    return {
      passed,
      rowsEvaluated: Number(rows ?? 0),
      rowsFailed: null,
      sample: [{ newest: newest ?? null, max_age_hours: hours, cutoff }],
      message: passed ? null : newest === null || newest === undefined ? 'no timestamp found' : `newest ${String(newest)} is older than ${hours} hours`,
    };
  },
};

function cutoffOf(check: QualityCheck, now: Date): Date {
  return new Date(now.getTime() - Number(check.args['max_age_hours']) * 3_600_000);
}

const AGGREGATES = ['sum', 'avg', 'min', 'max'] as const;

const aggregate: MeasureKind = {
  name: 'aggregate',
  shape: 'measure',
  columns: 'one',
  args: { function: z.enum(AGGREGATES), min: bound, max: bound },
  validate: bounds,
  measures: (ctx, check, scope) => {
    const value = text(ctx, first(check));
    const n = numberOf(ctx, value);
    const fn = sql.raw(String(check.args['function']).toUpperCase());
    return [
      sql`${fn}(CASE WHEN ${scope} THEN ${n} END)`,
      sql`COUNT(CASE WHEN ${scope} AND ${value} IS NOT NULL THEN 1 END)`,
      // A value that is not a number cannot be summed: it is a failure, counted as such.
      sql`COUNT(CASE WHEN ${scope} AND ${value} IS NOT NULL AND ${n} IS NULL THEN 1 END)`,
    ];
  },
  verdictSql: ([value, evaluated, bad], check) => {
    const { min, max } = check.args as { min?: number; max?: number };
    const fn = String(check.args['function']);
    const low = min !== undefined ? sql`${value as Sql} < ${min}` : sql.raw('FALSE');
    const high = max !== undefined ? sql`${value as Sql} > ${max}` : sql.raw('FALSE');
    return {
      passed: sql`(${bad as Sql} = 0 AND ${value as Sql} IS NOT NULL AND NOT (${low} OR ${high}))`,
      rowsEvaluated: sql`${evaluated as Sql}`,
      rowsFailed: sql`CASE WHEN ${bad as Sql} > 0 THEN ${bad as Sql} END`,
      message: sql`CASE WHEN ${bad as Sql} > 0 THEN concat(CAST(${bad as Sql} AS STRING), ' values are not numbers') WHEN ${value as Sql} IS NULL THEN ${`no values to take the ${fn} of`}${min !== undefined ? sql` WHEN ${low} THEN concat(${`${fn} `}, CAST(${value as Sql} AS STRING), ${` is below ${min}`})` : sql.empty}${max !== undefined ? sql` WHEN ${high} THEN concat(${`${fn} `}, CAST(${value as Sql} AS STRING), ${` is above ${max}`})` : sql.empty} END`,
    };
  },
  judge: ([result, evaluated, notNumbers], check) => {
    const { min, max } = check.args as { min?: number; max?: number };
    const fn = String(check.args['function']);
    const value = result === null || result === undefined ? null : Number(result);
    const bad = Number(notNumbers ?? 0);
    const low = value !== null && min !== undefined && value < min;
    const high = value !== null && max !== undefined && value > max;
    const message =
      bad > 0 ? `${bad} values are not numbers` : value === null ? `no values to take the ${fn} of` : low ? `${fn} ${value} is below ${min}` : high ? `${fn} ${value} is above ${max}` : null;
    return {
      passed: message === null,
      rowsEvaluated: Number(evaluated ?? 0),
      rowsFailed: bad > 0 ? bad : null,
      sample: [{ [fn]: value, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), ...(bad > 0 ? { not_numbers: bad } : {}) }],
      message,
    };
  },
};

const schema: SchemaKind = {
  name: 'schema',
  shape: 'schema',
  columns: 'many',
  args: { no_others: z.boolean().default(false) },
  judge: (columns, check) => {
    const present = new Set(columns.map((c) => c.name.toLowerCase()));
    const required = new Set(check.columns.map((c) => c.toLowerCase()));
    const missing = check.columns.filter((c) => !present.has(c.toLowerCase()));
    const lineage = new Set<string>(LINEAGE);
    const unexpected = check.args['no_others'] === true ? columns.map((c) => c.name).filter((c) => !required.has(c.toLowerCase()) && !lineage.has(c.toLowerCase())) : [];
    const problems = [missing.length ? `missing ${missing.join(', ')}` : '', unexpected.length ? `unexpected ${unexpected.join(', ')}` : ''].filter(Boolean);
    return {
      passed: problems.length === 0,
      rowsEvaluated: null,
      rowsFailed: null,
      sample: problems.length ? [{ missing, unexpected }] : [],
      message: problems.length ? problems.join('; ') : null,
    };
  },
};

/** Every kind by the name a checks file uses. */
export const KINDS: Readonly<Record<KindName, Kind>> = {
  not_null: notNull,
  accepted_values: acceptedValues,
  in_range: inRange,
  regex,
  is_date: temporalKind('is_date'),
  is_timestamp: temporalKind('is_timestamp'),
  expression,
  foreign_key: foreignKey,
  unique,
  row_count: rowCount,
  freshness,
  schema,
  aggregate,
};

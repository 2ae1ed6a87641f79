import { HubError, sql, type Engine, type Sql } from '@org/hub-core';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { YAMLMap, YAMLSeq } from 'yaml';
import { parseDateFormat, type ParsedFormat } from './date-format.js';
import { qualitySql, isMissingTable, type TableColumn } from './engine-sql.js';
import { DEFAULT_FORMATS, LINEAGE, numberOf, temporalOf, type KindContext } from './kinds.js';
import type { TableName } from './types.js';

/** yaml loads on first use (about 50 ms of CPU), so commands that read no YAML, `--help` and `bronze run` among them, never pay for it. */
let yamlModule: typeof Yaml | undefined;
const yaml = (): typeof Yaml => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

/** What `quality suggest` measured of one column. */
export interface ColumnProfile {
  readonly name: string;
  readonly type: string;
  readonly nonNull: number;
  /** Approximate: approx_count_distinct on every engine. */
  readonly distinct: number;
  readonly numbers: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly dates: number;
  readonly timestamps: number;
  /** The value's shape (digits as 9, letters as A) when every value has the same one. */
  readonly shape: string | null;
  /** The values with their counts, when there are few of them. */
  readonly values: readonly { readonly value: string; readonly count: number }[] | null;
}

export interface TableProfile {
  readonly table: string;
  readonly rows: number;
  readonly columns: readonly ColumnProfile[];
  readonly statements: number;
}

/** A column with at most this many distinct values gets accepted_values. */
const FEW_VALUES = 10;
const MAX_SHAPE = 40;

/**
 * Profiles a table in three statements whatever its width or size (DESCRIBE, one aggregate scan,
 * one bounded GROUP BY for columns with few values): null rates, distinct counts, numeric ranges,
 * dates and timestamps in the default formats, value shapes.
 */
export async function profileTable(engine: Engine, table: TableName): Promise<TableProfile> {
  const q = qualitySql(engine.name);
  const statementsAtStart = engine.statementCount;
  await engine.prepareCatalogs([table.catalog]);
  const target = sql.raw(engine.dialect.tableName(table.catalog, table.schema, table.table));
  let columns: TableColumn[];
  try {
    columns = q.readColumns(await engine.query(q.describe(target)));
  } catch (error) {
    if (isMissingTable(error)) throw new HubError('CONFIG_INVALID', `table ${table.name} does not exist`, { cause: error });
    throw error;
  }
  const profiled = columns.filter((c) => !(LINEAGE as readonly string[]).includes(c.name.toLowerCase()));
  const ctx: KindContext = { q, stringType: engine.dialect.types.string, column: (name) => sql`t.${sql.column(name)}`, joined: () => sql.empty, hoursAgo: () => sql.empty };
  const text = (name: string): Sql => sql`CAST(${ctx.column(name)} AS ${sql.raw(ctx.stringType)})`;
  const date = parseDateFormat(DEFAULT_FORMATS.is_date, 'date') as ParsedFormat;
  const timestamp = parseDateFormat(DEFAULT_FORMATS.is_timestamp, 'timestamp') as ParsedFormat;
  const shape = (name: string) => q.replaceAll(q.replaceAll(text(name), sql.literal('[0-9]'), sql.literal('9')), sql.literal('[A-Za-z]'), sql.literal('A'));
  const items = profiled.flatMap((c, i) => {
    const n = numberOf(ctx, text(c.name));
    return [
      sql`COUNT(${ctx.column(c.name)}) AS ${sql.raw(`nn${i}`)}`,
      sql`approx_count_distinct(${ctx.column(c.name)}) AS ${sql.raw(`d${i}`)}`,
      sql`COUNT(${n}) AS ${sql.raw(`num${i}`)}`,
      sql`MIN(${n}) AS ${sql.raw(`lo${i}`)}`,
      sql`MAX(${n}) AS ${sql.raw(`hi${i}`)}`,
      sql`COUNT(${temporalOf(ctx, text(c.name), date, 'DATE')}) AS ${sql.raw(`dt${i}`)}`,
      sql`COUNT(${temporalOf(ctx, text(c.name), timestamp, 'TIMESTAMP')}) AS ${sql.raw(`ts${i}`)}`,
      sql`MIN(${shape(c.name)}) AS ${sql.raw(`sl${i}`)}`,
      sql`MAX(${shape(c.name)}) AS ${sql.raw(`sh${i}`)}`,
    ];
  });
  const row = (await engine.query(sql`SELECT COUNT(*) AS row_count${items.length ? sql`, ${sql.join(items)}` : sql.empty} FROM ${target} AS t`))[0] ?? {};
  const num = (key: string) => (row[key] === null || row[key] === undefined ? null : Number(row[key]));

  const few = profiled.map((c, i) => ({ c, i })).filter(({ i }) => (num(`nn${i}`) ?? 0) > 0 && (num(`d${i}`) ?? 0) <= FEW_VALUES);
  const values = new Map<number, { value: string; count: number }[]>();
  if (few.length > 0) {
    // approx_count_distinct may undercount: one more row than allowed tells a column with too many values.
    const branches = few.map(
      ({ c, i }) =>
        sql`SELECT * FROM (SELECT ${sql.raw(String(i))} AS column_index, ${text(c.name)} AS value, COUNT(*) AS n FROM ${target} AS t WHERE ${ctx.column(c.name)} IS NOT NULL GROUP BY ${text(c.name)} ORDER BY n DESC LIMIT ${sql.raw(String(FEW_VALUES + 1))}) AS ${sql.raw(`v${i}`)}`,
    );
    for (const r of await engine.query(sql.join(branches, sql`\nUNION ALL\n`))) {
      const i = Number(r['column_index']);
      values.set(i, [...(values.get(i) ?? []), { value: String(r['value']), count: Number(r['n']) }]);
    }
  }
  return {
    table: table.name,
    rows: Number(row['row_count'] ?? 0),
    statements: engine.statementCount - statementsAtStart,
    columns: profiled.map((c, i) => {
      const lo = row[`sl${i}`];
      const list = values.get(i);
      return {
        name: c.name,
        type: c.type,
        nonNull: num(`nn${i}`) ?? 0,
        distinct: num(`d${i}`) ?? 0,
        numbers: num(`num${i}`) ?? 0,
        min: num(`lo${i}`),
        max: num(`hi${i}`),
        dates: num(`dt${i}`) ?? 0,
        timestamps: num(`ts${i}`) ?? 0,
        shape: lo !== null && lo !== undefined && lo === row[`sh${i}`] ? String(lo) : null,
        values: list && list.length <= FEW_VALUES ? list.sort((a, b) => b.count - a.count || a.value.localeCompare(b.value)) : null,
      };
    }),
  };
}

/** A checks file to start from: what the profile says holds today, each item commented with the figures behind it. */
export function suggestChecksFile(profile: TableProfile, tableText = profile.table): string {
  const doc = new (yaml().Document)({ checks: [] as unknown[] });
  const checks = doc.get('checks') as YAMLSeq;
  const add = (item: Record<string, unknown>, comment: string) => {
    const node = doc.createNode(item) as YAMLMap;
    node.commentBefore = ` ${comment}`;
    checks.add(node);
  };
  add({ table: tableText, name: 'has_rows', check: 'row_count', min: 1 }, `${profile.rows} rows today`);
  for (const c of profile.columns) {
    const id = c.name.replace(/[^A-Za-z0-9_]/g, '_');
    const nullPct = profile.rows === 0 ? 0 : (100 * (profile.rows - c.nonNull)) / profile.rows;
    const facts = `${c.name}: ${nullPct.toFixed(1)}% null, ~${c.distinct} distinct`;
    if (c.nonNull === profile.rows && profile.rows > 0) add({ table: tableText, name: `${id}_not_null`, check: 'not_null', column: c.name }, `${facts}`);
    if (c.nonNull === 0) continue;
    if (c.distinct >= c.nonNull && c.nonNull === profile.rows && c.nonNull > 1) {
      add({ table: tableText, name: `${id}_unique`, check: 'unique', columns: [c.name], criticality: 'warn' }, `${c.name}: every value differs`);
    }
    if (c.values) {
      add({ table: tableText, name: `${id}_values`, check: 'accepted_values', column: c.name, values: c.values.map((v) => v.value), criticality: 'warn' }, `${c.name}: ${c.values.map((v) => `${v.value} (${v.count})`).join(', ')}`);
    } else if (c.numbers === c.nonNull && c.min !== null && c.max !== null) {
      add({ table: tableText, name: `${id}_range`, check: 'in_range', column: c.name, min: c.min, max: c.max, criticality: 'warn' }, `${c.name}: numbers from ${c.min} to ${c.max}`);
    } else if (c.dates === c.nonNull) {
      add({ table: tableText, name: `${id}_date`, check: 'is_date', column: c.name, format: DEFAULT_FORMATS.is_date }, `${c.name}: every value is a date`);
    } else if (c.timestamps === c.nonNull) {
      add({ table: tableText, name: `${id}_timestamp`, check: 'is_timestamp', column: c.name, format: DEFAULT_FORMATS.is_timestamp }, `${c.name}: every value is a timestamp`);
    } else if (c.shape !== null && c.shape.length <= MAX_SHAPE) {
      add({ table: tableText, name: `${id}_pattern`, check: 'regex', column: c.name, pattern: shapeRegex(c.shape), criticality: 'warn' }, `${c.name}: every value looks like ${c.shape}`);
    }
  }
  doc.commentBefore = ` Suggested by deltalake-hub quality suggest from ${profile.rows} rows of ${profile.table}.\n Review every check before relying on it: it says what holds today, not what must.`;
  return doc.toString({ lineWidth: 0 });
}

/** `AAA999` → `^[A-Za-z]{3}[0-9]{3}$`. */
export function shapeRegex(shape: string): string {
  let out = '^';
  for (const run of shape.match(/(9+|A+|[^9A]+)/g) ?? []) {
    if (run[0] === '9') out += `[0-9]${run.length > 1 ? `{${run.length}}` : ''}`;
    else if (run[0] === 'A') out += `[A-Za-z]${run.length > 1 ? `{${run.length}}` : ''}`;
    else out += run.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return `${out}$`;
}

import type { Row } from './engine.js';

/**
 * One shape for result values on every engine, decided by the column's SQL type:
 *
 * | type | value |
 * |---|---|
 * | NULL (any type) | `null` |
 * | BIGINT, INT, SMALLINT, TINYINT | a number when it is a safe integer (within ±(2^53 − 1)), else its digits as a string |
 * | DECIMAL(p, s), p ≤ 15 | a number (a double holds every such value as written) |
 * | DECIMAL(p, s), p > 15 | a string in plain notation with the column's scale, e.g. `'12345678901234567.89'`: no digit is lost |
 * | TIMESTAMP | a `Date` (the instant; microseconds truncated to milliseconds) |
 * | DATE | a `Date` at 00:00 UTC of that day |
 *
 * A DECIMAL's JS type depends on its declared precision, not on the value, so one column has one
 * JS type. The Spark and Databricks drivers describe their columns with `hiveColumnShapes`; the
 * DuckDB driver, whose client already converts by type, only needs the BIGINT rule.
 */
export type ValueKind = 'integer' | 'decimal' | 'timestamp' | 'date' | 'other';

export interface ColumnShape {
  readonly name: string;
  readonly kind: ValueKind;
  /** DECIMAL's declared precision and scale, when the engine reports them. */
  readonly precision?: number | undefined;
  readonly scale?: number | undefined;
}

/** The most digits a double holds exactly, whatever the value: the limit for DECIMAL as a number. */
export const EXACT_DOUBLE_DIGITS = 15;

/** Normalises a row; with column shapes, by each column's type and in column order. */
export function normalizeRow(row: Row, columns?: readonly ColumnShape[]): Row {
  const out: Row = {};
  if (columns) {
    for (const column of columns) out[column.name] = normalizeValue(row[column.name], column);
    return out;
  }
  for (const [key, value] of Object.entries(row)) out[key] = normalizeValue(value);
  return out;
}

export function normalizeValue(value: unknown, column?: ColumnShape): unknown {
  if (value === null || value === undefined) return null;
  switch (column?.kind) {
    case 'integer':
      return integer(value);
    case 'decimal':
      return decimal(value, column.precision, column.scale);
    case 'timestamp':
      return timestamp(value);
    case 'date':
      return date(value);
    default:
      return typeof value === 'bigint' ? integer(value) : value;
  }
}

function integer(value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

function decimal(value: unknown, precision: number | undefined, scale: number | undefined): unknown {
  let text: string;
  if (typeof value === 'string') text = plainDecimal(value);
  // A number here was already rounded by the client (a column-based result): it keeps the type and scale, not lost digits.
  else if (typeof value === 'number') text = scale !== undefined && Math.abs(value) < 1e21 ? value.toFixed(scale) : plainDecimal(String(value));
  else if (typeof value === 'bigint') text = value.toString();
  else return value;
  const digits = precision ?? significantDigits(text);
  if (digits > EXACT_DOUBLE_DIGITS) return text;
  const number = Number(text);
  return Number.isNaN(number) ? text : number + 0; // + 0 turns -0 into 0
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Decimal text without exponent (`1.5E-7` -> `0.00000015`, as Java's BigDecimal.toString may print it), keeping the given scale. */
export function plainDecimal(text: string): string {
  const m = DECIMAL_TEXT.exec(text.trim());
  if (!m) return text;
  const [, sign = '', whole = '', fraction = '', exponent] = m;
  if (!whole && !fraction) return text;
  const negative = sign === '-';
  if (exponent === undefined) return `${negative ? '-' : ''}${whole || '0'}${fraction ? `.${fraction}` : ''}`;
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  let integerPart: string;
  let fractionPart: string;
  if (point <= 0) {
    integerPart = '0';
    fractionPart = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    integerPart = digits + '0'.repeat(point - digits.length);
    fractionPart = '';
  } else {
    integerPart = digits.slice(0, point);
    fractionPart = digits.slice(point);
  }
  integerPart = integerPart.replace(/^0+(?=\d)/, '');
  return `${negative ? '-' : ''}${integerPart}${fractionPart ? `.${fractionPart}` : ''}`;
}

function significantDigits(text: string): number {
  return text.replace(/[-+.]/g, '').replace(/^0+/, '').length;
}

function timestamp(value: unknown): unknown {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  if (typeof value === 'string') return parseTimestamp(value);
  return value;
}

function date(value: unknown): unknown {
  if (value instanceof Date) return new Date(Date.UTC(value.getUTCFullYear(), value.getUTCMonth(), value.getUTCDate()));
  if (typeof value === 'string') return parseTimestamp(/^-?\d{4,}-\d{2}-\d{2}$/.test(value) ? `${value} 00:00:00` : value);
  return value;
}

const TIMESTAMP_TEXT = /^(-?\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z?$/;

/**
 * A TIMESTAMP as the Thrift servers render it, `yyyy-MM-dd HH:mm:ss[.ffffff]` in the session
 * time zone, which both drivers set to UTC; text that is not a timestamp is returned as it is.
 */
export function parseTimestamp(text: string): Date | string {
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) return text;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac ? Number(frac.padEnd(3, '0').slice(0, 3)) : 0;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear puts them back.
  date.setUTCFullYear(Number(y));
  return date;
}

/** HiveServer2's column description, the same in hive-driver (Spark) and @databricks/sql (TTableSchema). */
export interface HiveTableSchema {
  readonly columns: readonly {
    readonly columnName: string;
    readonly position: number;
    readonly typeDesc: {
      readonly types: readonly {
        readonly primitiveEntry?: {
          readonly type: number;
          readonly typeQualifiers?: { readonly qualifiers?: Readonly<Record<string, { readonly i32Value?: number | null } | null | undefined>> | null } | null;
        } | null;
      }[];
    };
  }[];
}

/** HiveServer2's TTypeId numbers for the types whose shape is normalised. */
const HIVE_KINDS: ReadonlyMap<number, ValueKind> = new Map<number, ValueKind>([
  [1, 'integer'], // TINYINT
  [2, 'integer'], // SMALLINT
  [3, 'integer'], // INT
  [4, 'integer'], // BIGINT
  [8, 'timestamp'], // TIMESTAMP
  [15, 'decimal'], // DECIMAL
  [17, 'date'], // DATE
]);

/** The columns of a HiveServer2 result in position order, with what their type means for the row shape. */
export function hiveColumnShapes(schema: HiveTableSchema | null | undefined): ColumnShape[] {
  if (!schema) return [];
  return [...schema.columns]
    .sort((a, b) => a.position - b.position)
    .map((column) => {
      const entry = column.typeDesc.types[0]?.primitiveEntry;
      const kind = (entry ? HIVE_KINDS.get(entry.type) : undefined) ?? 'other';
      const qualifiers = kind === 'decimal' ? entry?.typeQualifiers?.qualifiers : undefined;
      return { name: column.columnName, kind, precision: qualifiers?.['precision']?.i32Value ?? undefined, scale: qualifiers?.['scale']?.i32Value ?? undefined };
    });
}

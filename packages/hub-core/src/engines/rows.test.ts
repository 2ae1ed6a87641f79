import { describe, expect, it } from 'vitest';
import { hiveColumnShapes, normalizeRow, parseTimestamp, plainDecimal, type ColumnShape } from './rows.js';

describe('result row shapes', () => {
  it('writes DECIMAL text in plain notation, keeping its scale, as Java may print it with an exponent', () => {
    expect(plainDecimal('1E-7')).toBe('0.0000001');
    expect(plainDecimal('1.500E-7')).toBe('0.0000001500');
    expect(plainDecimal('-1.25E+3')).toBe('-1250');
    expect(plainDecimal('12345678901234567.89')).toBe('12345678901234567.89');
    expect(plainDecimal('+0.10')).toBe('0.10');
    expect(plainDecimal('not a number')).toBe('not a number');
  });

  it('makes DECIMAL a number up to 15 digits of precision and exact text beyond, by column', () => {
    const columns: ColumnShape[] = [
      { name: 'narrow', kind: 'decimal', precision: 15, scale: 2 },
      { name: 'wide', kind: 'decimal', precision: 16, scale: 2 },
      { name: 'negative_zero', kind: 'decimal', precision: 10, scale: 2 },
      { name: 'unknown_precision', kind: 'decimal' },
    ];
    expect(normalizeRow({ narrow: '1234567890123.45', wide: '1.20', negative_zero: '-0.00', unknown_precision: '12345678901234567' }, columns)).toEqual({
      narrow: 1234567890123.45,
      wide: '1.20',
      negative_zero: 0,
      unknown_precision: '12345678901234567',
    });
  });

  it('makes integers numbers while safe and digits beyond, timestamps and dates Dates in UTC, NULL null', () => {
    const columns: ColumnShape[] = [
      { name: 'safe', kind: 'integer' },
      { name: 'big', kind: 'integer' },
      { name: 'at', kind: 'timestamp' },
      { name: 'day', kind: 'date' },
      { name: 'day_from_arrow', kind: 'date' },
      { name: 'missing', kind: 'timestamp' },
    ];
    expect(
      normalizeRow({ safe: 9007199254740991n, big: -9007199254740993n, at: '2024-03-09 10:26:40.123456', day: '0099-01-02', day_from_arrow: new Date('2024-03-09T00:00:00Z'), missing: undefined }, columns),
    ).toEqual({
      safe: 9007199254740991,
      big: '-9007199254740993',
      at: new Date('2024-03-09T10:26:40.123Z'),
      day: new Date('0099-01-02T00:00:00.000Z'),
      day_from_arrow: new Date('2024-03-09T00:00:00.000Z'),
      missing: null,
    });
    expect(parseTimestamp('yesterday')).toBe('yesterday');
  });

  it('reads column kinds and DECIMAL precision from a HiveServer2 schema, in position order', () => {
    const schema = {
      columns: [
        { columnName: 'd', position: 2, typeDesc: { types: [{ primitiveEntry: { type: 15, typeQualifiers: { qualifiers: { precision: { i32Value: 38 }, scale: { i32Value: 2 } } } } }] } },
        { columnName: 'n', position: 1, typeDesc: { types: [{ primitiveEntry: { type: 4 } }] } },
        { columnName: 's', position: 3, typeDesc: { types: [{ primitiveEntry: { type: 7 } }] } },
      ],
    };
    expect(hiveColumnShapes(schema)).toEqual([
      { name: 'n', kind: 'integer', precision: undefined, scale: undefined },
      { name: 'd', kind: 'decimal', precision: 38, scale: 2 },
      { name: 's', kind: 'other', precision: undefined, scale: undefined },
    ]);
  });
});

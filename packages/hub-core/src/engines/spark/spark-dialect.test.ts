import { describe, expect, it } from 'vitest';
import { isSparkLiteralOf, readSparkString } from '@org/hub-testing';
import { HubError } from '../../errors.js';
import { sql } from '../sql.js';
import { SparkDialect } from './spark-dialect.js';

describe('SparkDialect catalog mapping (no server)', () => {
  const dialect = new SparkDialect();

  it('maps catalog.schema.table onto spark_catalog with database catalog__schema', () => {
    expect(dialect.tableName('dev', 'bronze', 'falcon_orders')).toBe('`spark_catalog`.`dev__bronze`.`falcon_orders`');
    expect(dialect.tableName('main', 'bronze_metadata', 'load_tracker')).toBe('`spark_catalog`.`main__bronze_metadata`.`load_tracker`');
  });

  it('maps catalog.schema onto the same database', () => {
    expect(dialect.schemaName('dev', 'bronze_metadata')).toBe('`spark_catalog`.`dev__bronze_metadata`');
  });

  it('validates every part before mapping', () => {
    expect(() => dialect.tableName('dev', 'bronze', 'x`y')).toThrow(/invalid identifier/);
    expect(() => dialect.tableName('dev', 'a b', 't')).toThrow(/invalid identifier/);
    expect(() => dialect.schemaName('de;v', 'bronze')).toThrow(/invalid identifier/);
  });

  it('rejects catalogs that would make the mapping ambiguous', () => {
    // `a__b`.`c` and `a`.`b__c` would both become database a__b__c; `a_`.`_b` and `a`.`__b` would meet too.
    for (const catalog of ['a__b', 'dev_']) {
      const error = (() => {
        try {
          dialect.tableName(catalog, 'c', 't');
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(HubError);
      expect((error as HubError).code).toBe('CONFIG_INVALID');
      expect((error as HubError).message).toMatch(/may not contain "__" or end with "_"/);
    }
    expect(dialect.tableName('dev', '_private', 't')).toBe('`spark_catalog`.`dev___private`.`t`');
  });

  it('lets a subclass with real catalogs restore three-part names by overriding namespace', () => {
    class ThreePart extends SparkDialect {
      protected override namespace(catalog: string, schema: string): readonly [string, string] {
        return [catalog, schema];
      }
    }
    const threePart = new ThreePart();
    expect(threePart.tableName('main', 'bronze', 't')).toBe('`main`.`bronze`.`t`');
    expect(threePart.schemaName('main', 'bronze')).toBe('`main`.`bronze`');
  });

  it('leaves sql.id as plain quoting: tableName is the way to name a table', () => {
    expect(dialect.compile(sql`SELECT 1 FROM ${sql.id('s', 't')}`).sql).toBe('SELECT 1 FROM `s`.`t`');
  });
});

describe('SparkDialect literals (no server)', () => {
  const dialect = new SparkDialect();

  it('escapes backslash before quote, and newlines, so any string is one literal', () => {
    expect(dialect.literal("it's")).toBe("'it\\'s'");
    expect(dialect.literal('a\\b')).toBe("'a\\\\b'");
    expect(dialect.literal("\\'; DROP TABLE t; --")).toBe("'\\\\\\'; DROP TABLE t; --'");
    expect(dialect.literal('l1\nl2\r')).toBe("'l1\\nl2\\r'");
    // The property these renderings exist for: read by Spark's literal rules, each is one token holding the input.
    const nasty = ["it's", 'a\\b', "\\'; DROP TABLE t; --", 'l1\nl2\r', "'", '\\', "\\\\'", 'tab\there', "end\\", "é😀 ' \\' -- /* */ ;"];
    for (const value of nasty) expect([value, isSparkLiteralOf(dialect.literal(value), value)]).toEqual([value, true]);
  });

  it('renders the other value types', () => {
    expect(dialect.literal(null)).toBe('NULL');
    expect(dialect.literal(true)).toBe('TRUE');
    expect(dialect.literal(42)).toBe('42L');
    expect(dialect.literal(2.5)).toBe('CAST(2.5 AS DOUBLE)');
    expect(dialect.literal(9007199254740993n)).toBe('9007199254740993L');
    expect(dialect.literal(new Date('2024-05-06T07:08:09.123Z'))).toBe("TIMESTAMP '2024-05-06 07:08:09.123Z'");
    expect(() => dialect.literal(Number.NaN)).toThrow(/non-finite/);
  });

  it('inlines every value, so compiled statements carry no parameters', () => {
    const compiled = dialect.compile(sql`SELECT ${'x'} AS a, ${5} AS b`);
    expect(compiled).toEqual({ sql: "SELECT 'x' AS a, 5L AS b", params: {} });
    const injected = dialect.compile(sql`SELECT ${"x' OR '1'='1"} AS a`).sql;
    expect(readSparkString(injected, injected.indexOf("'"))).toEqual({ value: "x' OR '1'='1", end: injected.length - ' AS a'.length });
  });
});

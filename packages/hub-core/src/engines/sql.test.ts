import { describe, expect, it } from 'vitest';
import { readSparkString } from '@org/hub-testing';
import { DuckDbDialect } from './duckdb/duckdb-dialect.js';
import { SparkDialect } from './spark/spark-dialect.js';
import { sql } from './sql.js';

describe('sql fragments compile per dialect', () => {
  const q = sql`SELECT * FROM ${sql.id('cat', 'sch', 'tbl')} WHERE a = ${'x'} AND b = ${5} AND c = ${sql.literal("o'k")}`;

  it('binds values on DuckDB and quotes identifiers with double quotes', () => {
    expect(new DuckDbDialect().compile(q)).toEqual({
      sql: `SELECT * FROM "cat"."sch"."tbl" WHERE a = $p1 AND b = CAST($p2 AS BIGINT) AND c = 'o''k'`,
      params: { p1: 'x', p2: 5 },
    });
    // The property: every value is bound, one marker per parameter; no value is spelled in the text but the one sql.literal.
    const { sql: text, params } = new DuckDbDialect().compile(sql`SELECT ${"x' OR 1=1 --"} AS a, ${7} AS b`);
    expect([...text.matchAll(/\$(p\d+)/g)].map((m) => m[1])).toEqual(Object.keys(params));
    expect(text).not.toContain('OR 1=1');
    expect(Object.values(params)).toEqual(["x' OR 1=1 --", 7]);
  });

  it('renders literals on Spark, which takes no bound parameters', () => {
    expect(new SparkDialect().compile(q)).toEqual({
      sql: "SELECT * FROM `cat`.`sch`.`tbl` WHERE a = 'x' AND b = 5L AND c = 'o\\'k'",
      params: {},
    });
    // The property: the inlined value is one literal that reads back as the value, so nothing after it is SQL from data.
    const text = new SparkDialect().compile(sql`SELECT ${"x\\' OR 1=1 --"} AS a`).sql;
    expect(readSparkString(text, 'SELECT '.length)).toEqual({ value: "x\\' OR 1=1 --", end: text.length - ' AS a'.length });
  });

  it('rejects identifiers outside the identifier pattern', () => {
    for (const bad of ['a b', '1abc', 'x;DROP', 'a`b', 'a"b', '']) {
      expect(() => new SparkDialect().compile(sql`SELECT 1 FROM ${sql.id(bad)}`)).toThrow(/invalid identifier/);
      expect(() => new DuckDbDialect().compile(sql`SELECT 1 FROM ${sql.id(bad)}`)).toThrow(/invalid identifier/);
    }
  });

  it('escapes data column names instead of rejecting them', () => {
    expect(new DuckDbDialect().quoteColumn('Customer "ID"')).toBe('"Customer ""ID"""');
    expect(new SparkDialect().quoteColumn('a`b')).toBe('`a``b`');
  });

  it('escapes backslashes before quotes in Spark literals', () => {
    expect(new SparkDialect().literal("a\\'; DROP TABLE x; --")).toBe("'a\\\\\\'; DROP TABLE x; --'");
  });

  it('joins a list of 200,000 values without overflowing the call stack', () => {
    const paths = Array.from({ length: 200_000 }, (_, i) => sql`${`/raw/f${i}.csv`}`);
    const compiled = new DuckDbDialect().compile(sql`SELECT 1 WHERE p IN (${sql.join(paths)})`);
    expect(Object.keys(compiled.params)).toHaveLength(200_000);
    expect(compiled.params['p200000']).toBe('/raw/f199999.csv');
  });
});

import { describe, expect, it } from 'vitest';
import { readSparkString } from '@org/hub-testing';
import { sql } from '../sql.js';
import { SparkDialect } from '../spark/spark-dialect.js';
import { DatabricksDialect } from './databricks-dialect.js';

describe('DatabricksDialect', () => {
  const dialect = new DatabricksDialect();
  const at = new Date('2024-03-14T09:26:53.589Z');

  it('binds values as named markers and quotes a true three-part name', () => {
    const statement = sql`SELECT * FROM ${sql.raw(dialect.tableName('main', 'bronze', 'falcon_orders'))} WHERE category = ${"x'); DROP TABLE t; --"} AND n > ${42} AND loaded_at >= ${at} AND flag = ${true} AND note IS NOT DISTINCT FROM ${null}`;
    expect(dialect.compile(statement)).toEqual({
      sql: 'SELECT * FROM `main`.`bronze`.`falcon_orders` WHERE category = :p1 AND n > CAST(:p2 AS BIGINT) AND loaded_at >= CAST(:p3 AS TIMESTAMP) AND flag = :p4 AND note IS NOT DISTINCT FROM :p5',
      params: { p1: "x'); DROP TABLE t; --", p2: 42, p3: at, p4: true, p5: null },
    });
    // The property: every value is bound (one marker per parameter, in order), none is spelled in the text.
    const { sql: text, params } = dialect.compile(statement);
    expect([...text.matchAll(/:(p\d+)\b/g)].map((m) => m[1])).toEqual(Object.keys(params));
    expect(text).not.toMatch(/DROP TABLE|42|2024/);
  });

  it('keeps three-part identifiers in sql.id and the schema name', () => {
    expect(dialect.compile(sql`DESCRIBE ${sql.id('cat', 'sch', 'tbl')}`).sql).toBe('DESCRIBE `cat`.`sch`.`tbl`');
    expect(dialect.schemaName('cat', 'sch')).toBe('`cat`.`sch`');
    expect(() => dialect.tableName('cat', 'sch', 'x`y')).toThrow(/invalid identifier/);
  });

  it('renders literals exactly as Spark does, for places that take no marker (COPY INTO file lists)', () => {
    const spark = new SparkDialect();
    for (const value of ["it's", 'a\\b', 7, 1.5, 10n, false, null, at]) expect(dialect.literal(value)).toBe(spark.literal(value));
    const copy = sql`COPY INTO ${sql.id('c', 's', 't')} FROM ${sql.literal('abfss://raw@acct.dfs.core.windows.net/falcon/')} FILES = (${sql.join([sql.literal("o'k.csv")])})`;
    expect(dialect.compile(copy)).toEqual({
      sql: "COPY INTO `c`.`s`.`t` FROM 'abfss://raw@acct.dfs.core.windows.net/falcon/' FILES = ('o\\'k.csv')",
      params: {},
    });
    // The property: each inline value reads back, by Spark's literal rules, as exactly the path and the file name.
    const text = dialect.compile(copy).sql;
    const from = readSparkString(text, text.indexOf("'"));
    expect(from.value).toBe('abfss://raw@acct.dfs.core.windows.net/falcon/');
    expect(readSparkString(text, text.indexOf('FILES = (') + 'FILES = ('.length)).toEqual({ value: "o'k.csv", end: text.length - 1 });
  });

  it('is named databricks and uses Spark types', () => {
    expect(dialect.name).toBe('databricks');
    expect(dialect.types).toEqual(new SparkDialect().types);
  });
});

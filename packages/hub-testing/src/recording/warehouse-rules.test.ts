import { describe, expect, it } from 'vitest';
import { DatabricksDialect, SparkDialect, sql } from '@org/hub-core';
import { createRecordingEngine } from './recording-engine.js';
import { maskLiterals } from './sql-text.js';
import { DATABRICKS_WAREHOUSE_RULES, noMarkerInDdl } from './warehouse-rules.js';

// The rules the first contact with a workspace taught (docs/engines.md, "First contact"): each
// broken one fails with its name; what keeps it passes.
describe('warehouse rules learnt at first contact', () => {
  const { engine } = createRecordingEngine(new DatabricksDialect());

  it('information-schema-lower-case: Unity Catalog holds names in lower case, so a capitalised one finds nothing', async () => {
    const columns = (schema: string, table: string) => sql`SELECT column_name FROM ${sql.id('dev', 'information_schema', 'columns')} WHERE table_schema = ${schema} AND table_name = ${table}`;
    await expect(engine.query(columns('falcon_bronze', 'Credit_Raw'))).rejects.toThrow(/warehouse rule information-schema-lower-case broken: table_name compared with "Credit_Raw"/);
    await expect(engine.query(sql.raw("SELECT 1 FROM `dev`.`information_schema`.`tables` WHERE table_schema = 'Falcon_Bronze'"))).rejects.toThrow(/information-schema-lower-case broken: table_schema compared with "Falcon_Bronze"/);
    await expect(engine.query(columns('falcon_bronze', 'credit_raw'))).resolves.toEqual([]);
    // The dialect writes a table's parts in lower case whatever the config's spelling.
    const [catalog, schema, table] = engine.dialect.tableParts('Dev', 'Falcon_Bronze', 'Credit_Raw');
    await expect(engine.query(sql`SELECT 1 FROM ${sql.id(catalog, 'information_schema', 'tables')} WHERE table_schema = ${schema} AND table_name = ${table}`)).resolves.toEqual([]);
  });

  it('delta-column-names-need-column-mapping: a header with a space needs a table created with column mapping', async () => {
    const create = (properties: string) => sql.raw(`CREATE TABLE IF NOT EXISTS \`dev\`.\`b\`.\`t\` (\`Transaction Date\` STRING, \`Amount (USD)\` STRING, _source_file STRING) USING DELTA${properties}`);
    await expect(engine.run(create(''))).rejects.toThrow(/warehouse rule delta-column-names-need-column-mapping broken: column "Transaction Date" in a table created without column mapping/);
    await expect(engine.run(create(" TBLPROPERTIES ('delta.columnMapping.mode' = 'name')"))).resolves.toBeUndefined();
    // On Spark's Delta too.
    const spark = createRecordingEngine(new SparkDialect()).engine;
    await expect(spark.run(create(''))).rejects.toThrow(/delta-column-names-need-column-mapping/);
    // A name Delta takes without mapping, and a literal that only looks like one, break nothing.
    await expect(engine.run(sql.raw("CREATE TABLE `dev`.`b`.`u` (`amount_usd` STRING COMMENT 'Amount (USD)') USING DELTA"))).resolves.toBeUndefined();
  });

  it('no-parameter-marker-in-ddl: markers name a DDL statement\'s subject through IDENTIFIER() only', () => {
    const enforce = (text: string, params: Record<string, string>) => () => DATABRICKS_WAREHOUSE_RULES.enforce({ sql: text, params });
    expect(enforce("CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.s.t') AS SELECT * FROM IDENTIFIER(:catalog || '.s.u')", { catalog: 'dev' })).not.toThrow();
    expect(enforce("CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:catalog || '.s')", { catalog: 'dev' })).not.toThrow();
    expect(enforce('CREATE VIEW `dev`.`s`.`v` AS SELECT * FROM `dev`.`s`.`t` WHERE region = :region', { region: 'eu' })).toThrow(/warehouse rule no-parameter-marker-in-ddl broken: marker :region in CREATE outside IDENTIFIER\(\.\.\.\)/);
    expect(enforce('ALTER TABLE `dev`.`s`.`t` ALTER COLUMN c SET DEFAULT :p1', { p1: 'x' })).toThrow(/no-parameter-marker-in-ddl broken: marker :p1 in ALTER/);
    // A column type's field is not a marker; a DML statement may bind values.
    const struct = 'ALTER TABLE `dev`.`s`.`t` ADD COLUMNS (`c` struct<a:int>)';
    expect(noMarkerInDdl.check({ sql: struct, params: {} }, maskLiterals(struct))).toBeNull();
    expect(enforce('INSERT INTO `dev`.`s`.`t` SELECT :p1', { p1: 'x' })).not.toThrow();
  });
});

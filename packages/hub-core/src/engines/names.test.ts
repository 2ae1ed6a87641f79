import { describe, expect, it } from 'vitest';
import { DatabricksDialect } from './databricks/databricks-dialect.js';
import { DuckDbDialect } from './duckdb/duckdb-dialect.js';
import { SparkDialect } from './spark/spark-dialect.js';

describe('catalog, schema and table names are case-insensitive: every dialect writes them in lower case', () => {
  it('as Unity Catalog stores them, whatever the config spells', () => {
    expect(new DatabricksDialect().tableName('Dev', 'Falcon_Bronze', 'Credit_Raw')).toBe('`dev`.`falcon_bronze`.`credit_raw`');
    expect(new DatabricksDialect().tableParts('Dev', 'Falcon_Bronze', 'Credit_Raw')).toEqual(['dev', 'falcon_bronze', 'credit_raw']);
    expect(new SparkDialect().tableName('Dev', 'Falcon_Bronze', 'Credit_Raw')).toBe('`spark_catalog`.`dev__falcon_bronze`.`credit_raw`');
    expect(new DuckDbDialect().tableName('Dev', 'Falcon_Bronze', 'Credit_Raw')).toBe('"dev"."falcon_bronze"."credit_raw"');
    expect(new SparkDialect().schemaName('Dev', 'Falcon_Bronze')).toBe('`spark_catalog`.`dev__falcon_bronze`');
  });

  it('leaves a data column\'s name as the file header writes it', () => {
    expect(new SparkDialect().quoteColumn('Amount (USD)')).toBe('`Amount (USD)`');
    expect(new DuckDbDialect().quoteColumn('Transaction Date')).toBe('"Transaction Date"');
  });
});

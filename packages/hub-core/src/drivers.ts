// @org/hub-core/drivers: the engine implementations, which load their driver (the DuckDB binding,
// hive-driver, the Databricks connector) when imported. The index reaches them only through
// createEngine's dynamic imports, so importing it loads no driver; tests that build an engine
// around a wrapped or fake driver import them from here. Internal: the bundle never imports it.
export { DuckDbDriver } from './engines/duckdb/duckdb-driver.js';
export { SparkDriver } from './engines/spark/spark-driver.js';
export { SPARK_CAPABILITIES, SPARK_SESSION_CONF, createSparkEngine } from './engines/spark/spark-engine.js';
export type { SparkEngineOptions } from './engines/spark/spark-engine.js';
export { DATABRICKS_CAPABILITIES, createDatabricksEngine } from './engines/databricks/databricks-engine.js';
export type { DatabricksEngineOptions } from './engines/databricks/databricks-engine.js';

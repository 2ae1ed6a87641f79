// @org/hub-testing: what the hub's tests share, kept out of the product packages so the published
// bundle holds none of it (tests/test-infrastructure.test.ts holds the tree to that). Tests import
// it from source (tsconfig.json paths, the vitest alias); it is never built or packed.

// The recording engine: the real dialect, the rules of its engine, no database behind it.
export { createRecordingEngine } from './recording/recording-engine.js';
export type { RecordingEngine, RecordingOptions } from './recording/recording-engine.js';
export type { Responder } from './recording/recording-driver.js';
export { DATABRICKS_WAREHOUSE_RULES, SPARK_RULES, WarehouseRules, WarehouseRuleError, rulesFor } from './recording/warehouse-rules.js';
export type { WarehouseRule } from './recording/warehouse-rules.js';
export { inlineParameters, maskLiterals, parameterMarkers } from './recording/sql-text.js';

// Bad-input case tables, shared by the unit tests and the reliability suite.
export { CONFIG_CASE_FILE, CONFIG_CASES, HEADER, SEED_CONFIG_CSV, SEED_ROWS, SEED_VARIABLES } from './cases/bad-config-cases.js';
export type { ConfigCase } from './cases/bad-config-cases.js';
export { CHECKS_CASE_FILE, CHECKS_CASES } from './cases/bad-checks-cases.js';
export type { ChecksCase } from './cases/bad-checks-cases.js';

// Databricks: a SQL warehouse at the Thrift wire, and a model of one for recorded runs.
export { ThriftWarehouse, TYPED_SAMPLE, connectorErrors, httpError, networkError } from './databricks/thrift-warehouse.js';
export type { HiveType, Method, ResultColumn, StatementAnswer, SubmittedStatement, ThriftWarehouseOptions } from './databricks/thrift-warehouse.js';
export {
  CONFIG_HEADER,
  SOURCES,
  WarehouseModel,
  contentFile,
  delimitedText,
  populate,
  recordScenario,
  recordingWarehouse,
  scenarioMatrix,
  textScanOf,
  unescapeLiteral,
} from './databricks/warehouse-model.js';
export type { ExpectedFile, FileSpec, RecordedScenario, Scenario, TextScanRow, TrackerRow } from './databricks/warehouse-model.js';

// Jobs: a Databricks Jobs API on localhost, and a small spoke whose chain it runs.
export { startJobsApi } from './jobs/jobs-api.js';
export type { Fault, FixtureJob, JobsApi, JobsApiOptions, RecordedRequest, RunSnapshot } from './jobs/jobs-api.js';
export { MINI_FILES, MINI_RAW_PREFIX, writeMiniSpoke } from './jobs/mini-spoke.js';
export type { MiniSpoke } from './jobs/mini-spoke.js';

// Spark: its string literals read as Spark's parser does, and the server the Spark cases run on.
export { isSparkLiteralOf, readSparkString } from './spark-literal.js';
export { REQUIRED_SPARK_WAIT_MS, sparkForTests } from './spark.js';
export type { SparkForTests, SparkLookup } from './spark.js';

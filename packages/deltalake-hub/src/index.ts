// The public API of @org/deltalake-hub: what spokes, job runners and CLI users need, named on
// purpose. Anything exported here is covered by semver (docs/releasing.md); its shape is recorded
// in etc/deltalake-hub.api.md, which `pnpm api:check` holds the build to (`pnpm api:update` after
// a deliberate change). The internal packages are bundled in and are not a contract.

// The version that loaded a file (run summaries and tracker rows record it).
export { HUB_VERSION } from '@org/hub-core';

// Errors: every failure a run reports is a HubError with a stable code.
export { HubError, ConfigError, ParameterError, SettingsError, EngineError, LeaseHeldError, LeaseLostError, formatIssue, isHubError } from '@org/hub-core';
export type { HubErrorCode, ConfigIssue } from '@org/hub-core';

// Settings, job parameters and logging: how a runner is configured.
export { loadSettings, readJobParameters, createLogger } from '@org/hub-core';
export type { Settings, JobParameters, ParameterSources, LogFormat, Logger, LoggerSettings } from '@org/hub-core';

// Engines: DuckDB (embedded), Spark + Delta, a Databricks SQL warehouse; drivers load on demand.
export { createEngine, createDuckDbEngine, sql } from '@org/hub-core';
export type { Engine, EngineName, EngineContext, DuckDbEngineOptions, RetryPolicy, Sql, SqlPart, SqlValue, CompiledStatement, Row, QueryOptions, ExecuteOptions, JournalEntry, StatementListener, Capabilities, Dialect, DialectTypes, JsonColumn, JsonType, TableRef } from '@org/hub-core';

// Bronze: the config CSV, the metadata tables, a plan and a run.
export { runBronze, planBronze, exitCodeFor, exitCodeForError, readConfig, CONFIG_COLUMNS, applyDdl, DDL_FILES, parseSourceRoots } from '@org/hub-bronze';
export type { DdlFile } from '@org/hub-bronze';
export type {
  AlreadyLoaded,
  BronzePlan,
  ConfigRowRef,
  Deferred,
  OutsideWindowFolders,
  PatternMiss,
  StillQuarantined,
  Subfolders,
  PlannedStatement,
  FileConfigRow,
  FileFormat,
  FileResult,
  FileStatus,
  ListedFile,
  LoadWindow,
  OutsideWindow,
  PlannedTable,
  ProgressEvent,
  ReadConfigOptions,
  RunBronzeOptions,
  RunStatus,
  RunSummary,
  SourceProblem,
} from '@org/hub-bronze';

// Quality: checks a spoke declares in configs/quality/<lob>_checks.yml, run as SQL on the engine.
export { readChecksFile, parseChecksFile, runChecks, runBronzeWithChecks, exitCodeWithChecks, formatQualityReport, qualityExitCode, profileTable, suggestChecksFile, sendAlerts, renderChecksSql, KIND_NAMES } from '@org/hub-quality';
export type { ChecksFile, QualityCheck, QualityReport, CheckResult, CheckedRunSummary, RunChecksOptions, AlertOptions, BronzeWithChecksOptions, TableProfile, ColumnProfile, RenderOptions } from '@org/hub-quality';
export type { AlertEvent, AlertMessage, AlertOutcome, AlertTarget, AlertType, Criticality, DeliveryPolicy, KindName, OnFail, QualityStatus, QuarantineOutcome, ReadChecksOptions, SampleEntry, SourceLine, TableName } from '@org/hub-quality';

// What a spoke's runner and tests use beside the run.
export { formatSummary } from './summary.js';
export { bundleTargets, bundleVariables, bundleDefaultTarget } from './bundle.js';
export { planSpokeChain, AFTER_BRONZE_TAG } from './jobs/bundle-chain.js';
export type { ChainPlan, PlannedStep, PlannedSqlTask, SpokeChain, SpokeChainOptions, JobParameter, BundleTask, BundleJob } from './jobs/bundle-chain.js';
export { runSpokeChain, runJobChain, formatChainSummary, triggerParameters, onPartialSetting, CHAIN_EXIT, TRANSFORMS_JOB_ID_ENV } from './jobs/run-chain.js';
export type { ChainSummary, ChainStepResult, ChainTaskResult, ChainStatus, StepStatus, ChainExitCode, OnPartial, RunJobChainOptions, SpokeChainRunOptions, DatabricksTransforms } from './jobs/run-chain.js';
export { JobsClient, JobsApiError, jobsClientFor } from './jobs/jobs-client.js';
export type { JobsClientOptions, JobRun, TaskRun, JobSummary, RunState, WaitOptions } from './jobs/jobs-client.js';
export type { WorkspaceUser } from './jobs/deployed-name.js';
export type { BundleYaml } from './bundle.js';
export type { DatabricksConnection, DatabricksAuth } from '@org/hub-core';
export { runSqlFiles } from './transforms/run-sql-files.js';
export type { RunSqlFilesOptions, SqlFileEngine, SqlFileResult } from './transforms/run-sql-files.js';
export { checkSpoke } from './spoke/check-spoke.js';
export type { CheckSpokeOptions, CheckSpokeResult, ReadConfigFunction } from './spoke/check-spoke.js';
export { createSpoke } from './spoke/create-spoke.js';
export type { CreateSpokeOptions, CreateSpokeResult } from './spoke/create-spoke.js';

// The CLI, callable in process: returns the exit code (EXIT) instead of exiting.
export { main as runCli, EXIT } from './cli.js';

export { runBronze, planBronze } from './run/run-bronze.js';
export type { BronzePlan, PlannedTable } from './run/run-bronze.js';
export { exitCodeFor, exitCodeForError } from './run/summary.js';
export type { PlannedStatement } from './executor.js';
export type { ListedFile } from './files.js';
export { readConfig, parseConfig, findPlaceholders, CONFIG_COLUMNS } from './config/read-config.js';
export type { ReadConfigOptions } from './config/read-config.js';
export { applyDdl, ddlStatements, metadataTable, METADATA_SCHEMA } from './metadata/ddl.js';
export { DDL_FILES } from './metadata/ddl.js';
export type { DdlFile } from './metadata/ddl.js';
export { substituteVariables } from './config/variables.js';
export type { Substitution } from './config/variables.js';
export { LoadTracker } from './metadata/load-tracker.js';
export { LeaseTable, leaseTtlMs, DEFAULT_LEASE_TTL_SECONDS } from './metadata/lease.js';
export type { LeaseRow } from './metadata/lease.js';
export { loadWindow } from './window.js';
export type { LoadWindow } from './window.js';
export { parseSourceRoots, locateSource } from './source-roots.js';
export type { SourceRoots } from './source-roots.js';
export type { AlreadyLoaded, ConfigRowRef, Deferred, FileConfigRow, FileFormat, FileResult, FileStatus, OutsideWindow, OutsideWindowFolders, PatternMiss, RunStatus, RunSummary, RunBronzeOptions, ProgressEvent, SourceProblem, StillQuarantined, Subfolders } from './types.js';
export { loaderFor } from './loaders/index.js';
export type { Loader, Sight } from './loaders/loader.js';
// Parts of a run that tests hold to the engines (the SQL a warehouse receives, the hub's CSV
// tokenizer as the reference for the text scan); internal, like everything here that
// @org/deltalake-hub does not re-export.
export { LineTracker, endsInsideQuote } from './rules/csv-lines.js';
export { quoteTransition } from './loaders/spark-csv.js';
export { textScan } from './loaders/databricks/scan.js';
export { COLUMN_MIGRATIONS } from './metadata/ddl.js';
export { selectConfigRows, upsertFileConfig } from './metadata/file-config.js';
export { runExecutor } from './executor.js';

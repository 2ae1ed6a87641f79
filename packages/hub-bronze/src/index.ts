export { runBronze, planBronze, exitCodeFor, exitCodeForError } from './run-bronze.js';
export type { BronzePlan, PlannedTable } from './run-bronze.js';
export type { ListedFile } from './loaders/bronze-adapter.js';
export { readConfig, parseConfig, findPlaceholders, CONFIG_COLUMNS } from './config/read-config.js';
export type { ReadConfigOptions } from './config/read-config.js';
export { applyDdl, ddlStatements, metadataTable, METADATA_SCHEMA } from './ddl.js';
export { DDL_FILES } from './ddl.js';
export type { DdlFile } from './ddl.js';
export { substituteVariables } from './config/variables.js';
export type { Substitution } from './config/variables.js';
export { LoadTracker } from './load-tracker.js';
export { LeaseTable, leaseTtlMs, DEFAULT_LEASE_TTL_SECONDS } from './lease.js';
export type { LeaseRow } from './lease.js';
export { loadWindow } from './window.js';
export type { LoadWindow } from './window.js';
export { parseSourceRoots, locateSource } from './source-roots.js';
export type { SourceRoots } from './source-roots.js';
export type { FileConfigRow, FileFormat, FileResult, FileStatus, OutsideWindow, RunStatus, RunSummary, RunBronzeOptions, ProgressEvent, SourceProblem } from './types.js';
// Parts of a run that tests hold to the engines (the SQL a warehouse receives, the hub's CSV
// tokenizer as the reference for the text scan); internal, like everything here that
// @org/deltalake-hub does not re-export.
export { LineTracker, endsInsideQuote } from './loaders/csv-lines.js';
export { quoteTransition } from './loaders/csv-sql.js';
export { textScan } from './loaders/databricks-bronze.js';
export { COLUMN_MIGRATIONS } from './ddl.js';
export { selectConfigRows, upsertFileConfig } from './metadata-resolver.js';

import type { Engine, JobParameters, Logger } from '@org/hub-core';

export type FileFormat = 'delimited' | 'parquet';

/** One row of a spoke's config CSV, after validation and `${var}` substitution. */
export interface FileConfigRow {
  readonly lob: string;
  readonly category: string;
  readonly subcategory: string;
  readonly filePattern: string;
  readonly sourcePath: string;
  readonly fileFormat: FileFormat;
  /** null for parquet. */
  readonly delimiter: string | null;
  readonly hasHeader: boolean;
  readonly destCatalog: string;
  readonly destSchema: string;
  readonly destTable: string;
  readonly isActive: boolean;
  /** Where the row came from, for error messages. */
  readonly source?: { readonly file: string; readonly line: number } | undefined;
  /**
   * `catalog.schema.table` as the CSV spells it, when not in lower case (the `dest_*` values are):
   * an older hub tracked the table under this spelling, so the run brings those rows to lower case.
   */
  readonly writtenAs?: string | undefined;
}

export type FileStatus = 'SUCCESS' | 'FAILED' | 'QUARANTINED' | 'SKIPPED';
export type RunStatus = 'SUCCESS' | 'PARTIAL' | 'FAILED' | 'NOTHING_TO_LOAD';

export interface FileResult {
  readonly lob: string;
  readonly category: string;
  readonly subcategory: string;
  readonly path: string;
  readonly destTable: string;
  readonly status: FileStatus;
  readonly rows: number;
  readonly reason: string | null;
  readonly fileDate: string | null;
  readonly sizeBytes: number | null;
}

export interface RunSummary {
  readonly runId: string;
  /** The @org/deltalake-hub version that ran it (also in each tracker row it wrote). */
  readonly hubVersion: string;
  readonly status: RunStatus;
  readonly engine: string;
  readonly statements: number;
  readonly durationMs: number;
  readonly window: { readonly begin: string; readonly end: string } | null;
  readonly files: readonly FileResult[];
  /** Files already loaded that changed on disk since: reported, never silently reloaded. */
  readonly changedSinceLoad: readonly { readonly path: string; readonly destTable: string }[];
  /** Bronze rows found without a tracker entry (a crash between load and track), now recorded. */
  readonly reconciled: number;
  /** Config rows whose source folder could not be listed (missing, not a folder, unreadable): the run is PARTIAL. */
  readonly sourceProblems: readonly SourceProblem[];
  /** Per config row, unloaded files that match its pattern but fall outside the window. */
  readonly outsideWindow: readonly OutsideWindow[];
  /** Per templated config row, date folders outside the window from which nothing was loaded (never listed). */
  readonly outsideWindowFolders: readonly OutsideWindowFolders[];
  /** Per table, files quarantined by an earlier run and unchanged since: not checked again (--retry-quarantined checks them). */
  readonly stillQuarantined: readonly StillQuarantined[];
  /** Per table, files beyond --max-files: not loaded by this run, the next one continues with them. */
  readonly deferred: readonly Deferred[];
  /** Per flat config row, folders inside its source folder: never read. */
  readonly subfolders: readonly Subfolders[];
  /** Per config row, a file_pattern that matches none of the files its listed folders hold. */
  readonly patternMisses: readonly PatternMiss[];
  /** Files named by --file-name that are loaded already (unchanged): when and by which run; --force reloads them. */
  readonly alreadyLoaded: readonly AlreadyLoaded[];
}

/** Which config row a report is about. */
export interface ConfigRowRef {
  readonly lob: string;
  readonly category: string;
  readonly subcategory: string;
  readonly destTable: string;
  /** As configured (the logical path, with its date tokens). */
  readonly sourcePath: string;
}

export interface OutsideWindowFolders extends ConfigRowRef {
  /** Date folders outside the window none of whose days has a loaded file, counted where the listing saw them (a year, a month or a day folder is one). */
  readonly folders: number;
  /** yyyy-MM-dd: the first and last day those folders can hold. */
  readonly oldest: string;
  readonly newest: string;
  /** The CLI flags that would take them in (job parameters: begin_date, end_date). */
  readonly flag: string;
}

export interface StillQuarantined {
  readonly destTable: string;
  readonly files: number;
  /** The runs that quarantined them, with how many each, and the files with their reasons. */
  readonly runs: readonly { readonly runId: string; readonly files: number }[];
  readonly paths: readonly { readonly path: string; readonly runId: string; readonly reason: string }[];
}

export interface Deferred {
  readonly destTable: string;
  readonly files: number;
  /** yyyy-MM-dd file dates of the oldest and newest of them. */
  readonly oldest: string;
  readonly newest: string;
  readonly maxFiles: number;
}

export interface Subfolders extends ConfigRowRef {
  readonly folders: number;
}

export interface PatternMiss extends ConfigRowRef {
  readonly filePattern: string;
  /** Files in the listed folders (the flat folder, or the window's date folders), and the first few of their names. */
  readonly files: number;
  readonly names: readonly string[];
}

export interface AlreadyLoaded {
  readonly path: string;
  readonly destTable: string;
  readonly runId: string | null;
  /** ISO time of that load, when the tracker has it. */
  readonly loadedAt: string | null;
}

export interface SourceProblem {
  readonly lob: string;
  readonly category: string;
  readonly subcategory: string;
  /** As configured (the logical path). */
  readonly sourcePath: string;
  readonly destTable: string;
  readonly reason: string;
}

export interface OutsideWindow {
  readonly lob: string;
  readonly category: string;
  readonly subcategory: string;
  readonly destTable: string;
  readonly files: number;
  /** yyyy-MM-dd file dates of the oldest and newest of them. */
  readonly oldest: string;
  readonly newest: string;
  /** The CLI flags that would take them in (job parameters: begin_date, end_date). */
  readonly flag: string;
}

export interface RunBronzeOptions {
  readonly engine: Engine;
  /** The spoke's config CSV; `params.configPath` is used when absent. */
  readonly configPath?: string | undefined;
  /** Values for `${var}` placeholders in the config (a bundle target's variables). */
  readonly variables?: Readonly<Record<string, string>> | undefined;
  /** Catalog holding `bronze_metadata`; defaults to the `catalog` variable. */
  readonly metadataCatalog?: string | undefined;
  /** Maps cloud prefixes to local folders for engines that read local files. */
  readonly sourceRoots?: Readonly<Record<string, string>> | undefined;
  readonly logger?: Logger | undefined;
  /** Called as each destination table starts and finishes (progress on a TTY). */
  readonly onProgress?: ((event: ProgressEvent) => void) | undefined;
  /** Run id; generated when absent. */
  readonly runId?: string | undefined;
  /** How long to wait for another run's lease on a table (default: fail at once). */
  readonly leaseWaitMs?: number | undefined;
  /** A table lease's lifetime without renewal (default DELTALAKE_HUB_LEASE_TTL_SECONDS, else 120 s); the run renews it every quarter of that. */
  readonly leaseTtlMs?: number | undefined;
  /** At most this many files per table, oldest file date first; the rest are deferred to the next run (default DELTALAKE_HUB_MAX_FILES, else no limit). */
  readonly maxFiles?: number | undefined;
  /** Check again the files quarantined by earlier runs and unchanged since (default DELTALAKE_HUB_RETRY_QUARANTINED). */
  readonly retryQuarantined?: boolean | undefined;
}

export type ProgressEvent =
  | { readonly kind: 'table-listing'; readonly table: string; readonly sources: number }
  | { readonly kind: 'table-start'; readonly table: string; readonly files: number }
  /** The table's rows are written; its tracker rows are next. */
  | { readonly kind: 'table-loaded'; readonly table: string; readonly files: number }
  | { readonly kind: 'table-done'; readonly table: string; readonly loaded: number; readonly quarantined: number; readonly rows: number }
  /** `bronze run --checks`: the checks on the run's batch, after the loads. */
  | { readonly kind: 'checks-start'; readonly checks: number; readonly tables: number }
  | { readonly kind: 'checks-done'; readonly passed: number; readonly failed: number };

export type { JobParameters };

import type { Capabilities, Sql, TableRef } from '@org/hub-core';
import type { Executor } from '../executor.js';
import type { ListedFile } from '../files.js';
import type { FileVerdicts } from '../rules/verdicts.js';
import type { SourceLocation } from '../source-roots.js';
import type { FileConfigRow } from '../types.js';
import type { LoadWindow } from '../window.js';

export type { TableRef };

export interface ListRequest {
  readonly config: FileConfigRow;
  readonly location: SourceLocation;
  /** The tracker table, for the anti-join; null for a listing of the files as they are now. */
  readonly tracker: Sql | null;
  readonly destTable: string;
  readonly window: LoadWindow;
  /** When given, only this file is selected, whatever its date. */
  readonly fileName?: string | undefined;
  /** Return loaded files too (a forced reload); otherwise only new files and loaded ones changed on disk. */
  readonly force?: boolean | undefined;
}

/** One table's files to load, as resolution decided them. */
export interface LoadRequest {
  readonly table: TableRef;
  readonly files: readonly ListedFile[];
  readonly runId: string;
  readonly ingestedAt: Date;
  /** Files whose earlier rows are replaced (forced reload). */
  readonly replacePaths: readonly string[];
  /** The table's columns (lower-case name to type) before the run; empty when it does not exist. */
  readonly tableColumns: ReadonlyMap<string, string>;
}

/** What a loader's reads found and the rules decided: `apply` issues the writes, and the reads of what they wrote. */
export interface PreparedLoad {
  /** Files the load writes rows of, after the rules set the others aside. */
  readonly files: readonly ListedFile[];
  apply(executor: Executor): Promise<void>;
}

/**
 * What the rules can see on an engine: docs/bronze.md's Quarantine table says the same per engine,
 * and tests/docs-sight.test.ts holds the two together.
 */
export interface Sight {
  /** Zero-byte files are listed, so each is set aside with its reason; otherwise never seen at all. */
  readonly emptyFiles: boolean;
  /** A delimited file's columns are compared with the table's before the load (the wrong delimiter). */
  readonly headerAgainstTable: boolean;
  /** Which files' values are fitted to the table's column types before the load. */
  readonly valueFit: 'every file' | 'parquet only';
  /** Where a malformed record is: its line; or its line until a record over several lines, its number after; or its number. */
  readonly malformedAt: 'line' | 'line until a multi-line record' | 'record number';
}

/**
 * How bronze work is spelled on one engine: `list.ts` lists a source path, `scan.ts` reads a
 * table's files into facts (which the rules in rules/ judge), `load.ts` writes the rows. Reads and
 * writes are apart: a run lists and scans (resolution), then applies; so does a plan, which shows
 * the writes instead of executing them. Each method issues a fixed number of statements,
 * whatever the number of files.
 */
export interface Loader {
  sight(capabilities: Capabilities): Sight;
  listFiles(executor: Executor, request: ListRequest): Promise<ListedFile[]>;
  /**
   * Why a source folder cannot be listed (missing, not a folder, unreadable), or null when it can.
   * Asked only when a listing found nothing or failed, so a quiet day costs no extra statement.
   */
  sourceProblem(executor: Executor, location: SourceLocation): Promise<string | null>;
  /** The table's columns, lower-case name to type; empty when the table does not exist. */
  tableColumns(executor: Executor, table: TableRef): Promise<Map<string, string>>;
  /** Reads the files (every read before the load) and sets aside what the rules refuse. */
  prepare(executor: Executor, request: LoadRequest, verdicts: FileVerdicts): Promise<PreparedLoad>;
}

export const LINEAGE_COLUMNS = ['_source_file', '_batch_id', '_ingested_at'] as const;

/** The table's data columns (lower case), without the lineage columns. */
export function dataColumns(tableColumns: ReadonlyMap<string, string>): Set<string> {
  return new Set([...tableColumns.keys()].filter((c) => !(LINEAGE_COLUMNS as readonly string[]).includes(c)));
}

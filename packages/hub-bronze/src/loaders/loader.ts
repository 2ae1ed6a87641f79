import type { Capabilities, TableRef } from '@org/hub-core';
import type { Executor } from '../executor.js';
import type { ListedFile } from '../files.js';
import type { FileVerdicts } from '../rules/verdicts.js';
import type { SourceLocation } from '../source-roots.js';

export type { TableRef };

/** A file or a folder of a listed folder. Size and time are there when the engine's listing gives them for free (LIST). */
export interface FolderEntry {
  readonly name: string;
  readonly folder: boolean;
  readonly sizeBytes?: number | undefined;
  readonly modifiedAt?: Date | undefined;
}

/** A file's size and modification time as they are now. */
export interface FileStat {
  readonly sizeBytes: number;
  readonly modifiedAt: Date;
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
 * How bronze work is spelled on one engine: `list.ts` lists a folder, `scan.ts` reads a
 * table's files into facts (which the rules in rules/ judge), `load.ts` writes the rows. Reads and
 * writes are apart: a run lists and scans (resolution), then applies; so does a plan, which shows
 * the writes instead of executing them. Each method issues a fixed number of statements,
 * whatever the number of files.
 */
export interface Loader {
  sight(capabilities: Capabilities): Sight;
  /**
   * The entries of one folder (a physical path ending with `/`), names first: the hub matches
   * names and dates before it asks for sizes and times. Throws when the folder cannot be listed.
   */
  eachEntry(executor: Executor, folder: string, visit: (entry: FolderEntry) => void): Promise<void>;
  /** Size and time of files by physical path, null for a file that is not there: for the files a run needs, and again after their load. */
  fileStats(executor: Executor, paths: readonly string[]): Promise<Map<string, FileStat | null>>;
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

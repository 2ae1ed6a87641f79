import type { Engine, Sql } from '@org/hub-core';
import type { LoadWindow } from '../window.js';
import type { SourceLocation } from '../source-roots.js';
import type { FileConfigRow, FileFormat } from '../types.js';

/** A file found by listing, with what the tracker knows about it. */
export interface ListedFile {
  readonly config: FileConfigRow;
  /** The logical path, as configured (what `_source_file` and the tracker hold). */
  readonly path: string;
  /** What the engine opens. */
  readonly physical: string;
  readonly name: string;
  readonly sizeBytes: number;
  readonly modifiedAt: Date;
  /** yyyy-MM-dd: from a date token in the name, else the modification time (UTC). */
  readonly fileDate: string;
  /** Size and modification time of its last SUCCESS load, if any. */
  readonly loaded: { readonly sizeBytes: number | null; readonly modifiedAt: Date | null } | null;
}

export interface ListRequest {
  readonly config: FileConfigRow;
  readonly location: SourceLocation;
  /** null when the tracker does not exist yet (a plan on a fresh warehouse). */
  readonly tracker: Sql | null;
  readonly destTable: string;
  readonly window: LoadWindow;
  /** When given, only this file is selected, whatever its date. */
  readonly fileName?: string | undefined;
  /** Return loaded files too (a forced reload); otherwise only new files and loaded ones changed on disk. */
  readonly force?: boolean | undefined;
}

export interface TableRef {
  readonly catalog: string;
  readonly schema: string;
  readonly table: string;
}

export interface LoadRequest {
  readonly table: TableRef;
  readonly files: readonly ListedFile[];
  readonly runId: string;
  readonly ingestedAt: Date;
  /** Files whose earlier rows are replaced (forced reload). */
  readonly replacePaths: readonly string[];
}

export type FileOutcome = { readonly status: 'SUCCESS'; readonly rows: number } | { readonly status: 'QUARANTINED' | 'FAILED'; readonly rows: 0; readonly reason: string };

export interface LoadResult {
  readonly outcomes: ReadonlyMap<string, FileOutcome>;
}

/**
 * How bronze work is spelled on one engine: list a source path, load a table's files.
 * Each method issues a fixed number of statements, whatever the number of files.
 */
export interface BronzeAdapter {
  listStatement(engine: Engine, request: ListRequest): Sql;
  listFiles(engine: Engine, request: ListRequest): Promise<ListedFile[]>;
  load(engine: Engine, request: LoadRequest): Promise<LoadResult>;
  tableExists(engine: Engine, table: TableRef): Promise<boolean>;
  /**
   * Why a source folder cannot be listed (missing, not a folder, unreadable), or null when it can.
   * Asked only when a listing found nothing or failed, so a quiet day costs no extra statement.
   */
  sourceProblem(engine: Engine, location: SourceLocation): Promise<string | null>;
}

export const LINEAGE_COLUMNS = ['_source_file', '_batch_id', '_ingested_at'] as const;

/** Date tokens in file names: yyyyMMdd, yyyy-MM-dd, yyyy_MM_dd, not inside a longer run of digits. */
export const DATE_TOKEN_PATTERN = '(?:^|[^0-9])([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}_[0-9]{2}_[0-9]{2}|[0-9]{8})(?:[^0-9]|$)';

export function formatOf(files: readonly ListedFile[]): FileFormat {
  return files[0]?.config.fileFormat ?? 'delimited';
}

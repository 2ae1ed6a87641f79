import type { JobParameters, Logger, Sql, TableRef } from '@org/hub-core';
import type { Loader } from '../loaders/loader.js';
import type { SourceRoots } from '../source-roots.js';
import type { FileConfigRow, ProgressEvent } from '../types.js';
import type { LoadWindow } from '../window.js';

/** One destination table of a run and the config rows that feed it. */
export interface TableWork {
  readonly ref: TableRef;
  /** catalog.schema.table, as the tracker and the lease name it. */
  readonly name: string;
  readonly configs: readonly FileConfigRow[];
}

/** What every step of a run reads: its parameters, checked before anything is written. */
export interface RunContext {
  readonly runId: string;
  readonly params: JobParameters;
  readonly window: LoadWindow;
  readonly metadataCatalog: string;
  /** The validated config CSV, every row. */
  readonly csvRows: readonly FileConfigRow[];
  /** The destination tables of the selected config rows, in the config's order. */
  readonly tables: readonly TableWork[];
  readonly loader: Loader;
  readonly tracker: Sql;
  readonly sourceRoots: SourceRoots;
  readonly logger: Logger | undefined;
  readonly onProgress: ((event: ProgressEvent) => void) | undefined;
  readonly leaseTtlMs: number;
  readonly leaseWaitMs: number | undefined;
  /** At most this many files per table (oldest first); undefined: no bound. */
  readonly maxFiles: number | undefined;
  /** Check again the files quarantined before and unchanged since. */
  readonly retryQuarantined: boolean;
}

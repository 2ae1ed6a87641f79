import type { Loader } from '../loader.js';
import { eachEntry, fileStats, sourceProblem } from './list.js';
import { prepare, tableColumns } from './scan.js';

/**
 * A Databricks SQL warehouse: `LIST` per folder, `read_files` scans, `COPY INTO ... FILES = (...)`.
 * Everything else (MERGE, tracker, lease, reconcile) is the Spark SQL that OSS Spark + Delta runs in CI.
 */
export const databricksLoader: Loader = {
  // LIST gives a folder size 0 too, so no entry of size 0 is a file; the hub cannot read the warehouse's files, only scan them.
  sight: () => ({ emptyFiles: false, headerAgainstTable: false, valueFit: 'parquet only', malformedAt: 'line until a multi-line record' }),
  eachEntry,
  fileStats,
  sourceProblem,
  tableColumns,
  prepare,
};

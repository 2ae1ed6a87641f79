import type { Loader } from '../loader.js';
import { listFiles, sourceProblem } from './list.js';
import { prepare, tableColumns } from './scan.js';

/** Embedded DuckDB: local folders, `read_blob` listings, `read_csv`/`read_parquet` scans, one transaction per table. */
export const duckDbLoader: Loader = {
  sight: () => ({ emptyFiles: true, headerAgainstTable: true, valueFit: 'every file', malformedAt: 'line' }),
  listFiles,
  sourceProblem: (_executor, location) => sourceProblem(location.physical),
  tableColumns,
  prepare,
};

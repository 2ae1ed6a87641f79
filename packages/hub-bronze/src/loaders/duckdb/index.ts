import type { Loader } from '../loader.js';
import { eachEntry, fileStats, sourceProblem } from './list.js';
import { prepare, tableColumns } from './scan.js';

/** Embedded DuckDB: local folders listed by the hub, `read_csv`/`read_parquet` scans, one transaction per table. */
export const duckDbLoader: Loader = {
  sight: () => ({ emptyFiles: true, headerAgainstTable: true, valueFit: 'every file', malformedAt: 'line' }),
  eachEntry,
  fileStats,
  sourceProblem: (_executor, location) => sourceProblem(location.physical),
  tableColumns,
  prepare,
};

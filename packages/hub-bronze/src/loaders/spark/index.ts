import type { Loader } from '../loader.js';
import { eachEntry, fileStats, sourceProblem } from './list.js';
import { prepare, tableColumns } from './scan.js';

/** OSS Spark + Delta: local folders listed by the hub, a temporary view per group of files, one INSERT per group. */
export const sparkLoader: Loader = {
  // Where the hub reads the engine's files it finds empty files and the lines of malformed records itself.
  sight: (capabilities) => ({
    emptyFiles: capabilities.localFilesOnly,
    headerAgainstTable: true,
    valueFit: 'every file',
    malformedAt: capabilities.localFilesOnly ? 'line' : 'record number',
  }),
  eachEntry,
  fileStats,
  sourceProblem,
  tableColumns,
  prepare,
};

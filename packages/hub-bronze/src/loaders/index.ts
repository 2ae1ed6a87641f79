import type { EngineName } from '@org/hub-core';
import { databricksLoader } from './databricks/index.js';
import { duckDbLoader } from './duckdb/index.js';
import type { Loader } from './loader.js';
import { sparkLoader } from './spark/index.js';

/** One explicit map from engine to how bronze work is spelled there. */
const loaders: Record<EngineName, Loader> = {
  duckdb: duckDbLoader,
  spark: sparkLoader,
  databricks: databricksLoader,
};

export function loaderFor(engine: EngineName): Loader {
  return loaders[engine];
}

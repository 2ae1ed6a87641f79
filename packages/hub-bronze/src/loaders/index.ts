import type { EngineName } from '@org/hub-core';
import type { BronzeAdapter } from './bronze-adapter.js';
import { databricksBronze } from './databricks-bronze.js';
import { duckDbBronze } from './duckdb-bronze.js';
import { sparkBronze } from './spark-bronze.js';

/** One explicit map from engine to how bronze work is spelled there. */
const adapters: Partial<Record<EngineName, BronzeAdapter>> = {
  duckdb: duckDbBronze,
  spark: sparkBronze,
  databricks: databricksBronze,
};

export function bronzeAdapterFor(engine: EngineName): BronzeAdapter {
  const adapter = adapters[engine];
  if (!adapter) throw new Error(`no bronze adapter for engine ${engine}`);
  return adapter;
}

/** What an engine can do, as data: the bronze code branches on these flags, never on the engine's name. */
export interface Capabilities {
  /** Values travel as bound parameters; otherwise the dialect renders literals. */
  readonly bindParameters: boolean;
  /** The engine reads local paths, so cloud prefixes must be mapped with source roots. */
  readonly localFilesOnly: boolean;
  /** `COPY INTO ... FILES = (...)` is available for loading. */
  readonly copyInto: boolean;
  /** The most files one load statement may name. */
  readonly maxFilesPerStatement: number;
  /** BEGIN/COMMIT around several statements is atomic. */
  readonly transactions: boolean;
  /** Separate processes can write the same tables at once (Delta optimistic concurrency). */
  readonly concurrentWriters: boolean;
}

/** New flags get a default here, so adding one breaks no engine. */
export const defaultCapabilities: Capabilities = {
  bindParameters: true,
  localFilesOnly: false,
  copyInto: false,
  maxFilesPerStatement: 1000,
  transactions: false,
  concurrentWriters: true,
};

export function withDefaults(overrides: Partial<Capabilities>): Capabilities {
  return { ...defaultCapabilities, ...overrides };
}

/** What each engine can do, as data (the engines are made with these; docs and tests read them). */
export const ENGINE_CAPABILITIES = {
  duckdb: withDefaults({ bindParameters: true, localFilesOnly: true, transactions: true, concurrentWriters: false, maxFilesPerStatement: 100_000 }),
  spark: withDefaults({
    // The Thrift server takes no bound parameters: SparkDialect.literal renders every value.
    bindParameters: false,
    // A local Spark reads local paths; cloud prefixes are mapped by source roots.
    localFilesOnly: true,
    copyInto: false,
    maxFilesPerStatement: 1000,
    transactions: false,
    // Delta's optimistic concurrency lets separate runs write the same tables.
    concurrentWriters: true,
  }),
  databricks: withDefaults({ bindParameters: true, localFilesOnly: false, copyInto: true, maxFilesPerStatement: 1000, transactions: false, concurrentWriters: true }),
} as const satisfies Record<'duckdb' | 'spark' | 'databricks', Capabilities>;

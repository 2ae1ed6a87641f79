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

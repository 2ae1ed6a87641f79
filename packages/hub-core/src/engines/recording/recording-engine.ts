import type { Capabilities } from '../capabilities.js';
import type { Dialect } from '../dialect.js';
import { Engine } from '../engine.js';
import type { CompiledStatement } from '../sql.js';
import { RecordingDriver, type Responder } from './recording-driver.js';

export interface RecordingEngine {
  readonly engine: Engine;
  /** Every statement the engine was asked to run, compiled for its dialect. */
  readonly statements: CompiledStatement[];
}

/** For unit tests of SQL shape: the real dialect, no database behind it. */
export function createRecordingEngine(dialect: Dialect, options: { respond?: Responder; capabilities?: Partial<Capabilities> } = {}): RecordingEngine {
  const driver = new RecordingDriver(options.respond);
  const engine = new Engine(dialect.name, dialect, driver, options.capabilities ?? {});
  return { engine, statements: driver.statements };
}

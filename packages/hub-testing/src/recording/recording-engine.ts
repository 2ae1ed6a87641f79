import { SqlEngine, type Capabilities, type CompiledStatement, type Dialect, type Engine, type QueryOptions, type Row, type Sql } from '@org/hub-core';
import { RecordingDriver, type Responder } from './recording-driver.js';
import { rulesFor, type WarehouseRules } from './warehouse-rules.js';

export interface RecordingEngine {
  readonly engine: Engine;
  /** Every statement the engine was asked to run, compiled for its dialect. */
  readonly statements: CompiledStatement[];
  /** The rules every statement was held to. */
  readonly rules: WarehouseRules;
}

export interface RecordingOptions {
  readonly respond?: Responder | undefined;
  readonly capabilities?: Partial<Capabilities> | undefined;
  /** Defaults to the rules of the engine the dialect stands for (a SQL warehouse's for Databricks). */
  readonly rules?: WarehouseRules | undefined;
}

/** Holds each statement to the rules before the driver sees it; the rule error is not an engine failure, so no caller turns it into a FAILED file. */
class RuleBoundEngine extends SqlEngine {
  private readonly rules: WarehouseRules;
  constructor(dialect: Dialect, driver: RecordingDriver, capabilities: Partial<Capabilities>, rules: WarehouseRules) {
    super(dialect.name, dialect, driver, capabilities);
    this.rules = rules;
  }

  override async query<T extends Row = Row>(query: Sql | string, options: QueryOptions = {}): Promise<T[]> {
    this.rules.enforce(this.compile(query));
    return super.query<T>(query, options);
  }

  override async run(query: Sql | string, options: QueryOptions = {}): Promise<void> {
    this.rules.enforce(this.compile(query));
    return super.run(query, options);
  }
}

/** For unit tests of SQL shape: the real dialect and the rules of its engine, no database behind it. */
export function createRecordingEngine(dialect: Dialect, options: RecordingOptions = {}): RecordingEngine {
  const driver = new RecordingDriver(options.respond);
  const rules = options.rules ?? rulesFor(dialect.name);
  const engine = new RuleBoundEngine(dialect, driver, options.capabilities ?? {}, rules);
  return { engine, statements: driver.statements, rules };
}

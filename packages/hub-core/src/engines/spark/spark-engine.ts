import type { Logger } from 'pino';
import { HubError } from '../../errors.js';
import { ENGINE_CAPABILITIES, type Capabilities } from '../capabilities.js';
import { SqlEngine, type Engine, type RetryPolicy } from '../engine.js';
import { SparkDialect } from './spark-dialect.js';
import { SparkConnectionError, SparkDriver } from './spark-driver.js';

export interface SparkEngineOptions {
  readonly host: string;
  readonly port: number;
  readonly logger?: Logger | undefined;
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Connect plus OpenSession timeout in ms (default 30 000). */
  readonly connectTimeoutMs?: number | undefined;
  /** Extra Spark session settings applied with SET on every (re)connect, e.g. `spark.sql.ansi.enabled`. */
  readonly sessionConf?: Readonly<Record<string, string>> | undefined;
}

export const SPARK_CAPABILITIES: Capabilities = ENGINE_CAPABILITIES.spark;

/** Full CSV parsing, so a row with the wrong number of fields is always flagged as malformed (the bronze quarantine relies on it). */
export const SPARK_SESSION_CONF: Readonly<Record<string, string>> = { 'spark.sql.csv.parser.columnPruning.enabled': 'false' };

/** Apache Spark + Delta Lake through Spark's Thrift server (start one with `pnpm spark:start`). */
export async function createSparkEngine(options: SparkEngineOptions): Promise<Engine> {
  const driver = new SparkDriver({
    host: options.host,
    port: options.port,
    logger: options.logger,
    connectTimeoutMs: options.connectTimeoutMs,
    sessionConf: { ...SPARK_SESSION_CONF, ...options.sessionConf },
  });
  try {
    await driver.connect();
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const hint = cause instanceof SparkConnectionError ? '; start one with `pnpm spark:start` and set DELTALAKE_HUB_SPARK_HOST/DELTALAKE_HUB_SPARK_PORT' : '';
    throw new HubError('ENGINE_UNAVAILABLE', `the spark engine is not available at ${options.host}:${options.port}: ${reason}${hint}`, { cause });
  }
  return new SqlEngine('spark', new SparkDialect(), driver, SPARK_CAPABILITIES, { logger: options.logger, retry: options.retry });
}

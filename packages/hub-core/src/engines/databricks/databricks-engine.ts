import type { Logger } from 'pino';
import type { Capabilities } from '../capabilities.js';
import { Engine, type RetryPolicy } from '../engine.js';
import { describeConnection, resolveDatabricksConnection } from './databricks-auth.js';
import { DatabricksDialect } from './databricks-dialect.js';
import { DatabricksDriver, type DatabricksClientFactory } from './databricks-driver.js';

export interface DatabricksEngineOptions {
  /** Where DATABRICKS_* settings are read from (unified auth); usually `process.env`. */
  readonly env: NodeJS.ProcessEnv;
  readonly logger?: Logger | undefined;
  /** Backoff for transient failures (throttling, a starting warehouse); tests inject a no-op sleep. */
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Builds the connector client; tests pass one of the connector's shape. Defaults to `DBSQLClient`. */
  readonly client?: DatabricksClientFactory | undefined;
  /** How names are spelled; the live test suite maps each test's catalog into one real catalog. Defaults to `DatabricksDialect`. */
  readonly dialect?: DatabricksDialect | undefined;
}

export const DATABRICKS_CAPABILITIES: Capabilities = {
  bindParameters: true,
  localFilesOnly: false,
  copyInto: true,
  maxFilesPerStatement: 1000,
  transactions: false,
  concurrentWriters: true,
};

/** The production engine: a Databricks SQL warehouse through `@databricks/sql`. */
export async function createDatabricksEngine(options: DatabricksEngineOptions): Promise<Engine> {
  const connection = resolveDatabricksConnection(options.env);
  const driver = await DatabricksDriver.open(connection, { logger: options.logger, client: options.client, retry: options.retry });
  options.logger?.debug({ engine: 'databricks', warehouse: describeConnection(connection) }, 'session open');
  return new Engine('databricks', options.dialect ?? new DatabricksDialect(), driver, DATABRICKS_CAPABILITIES, { logger: options.logger, retry: options.retry });
}

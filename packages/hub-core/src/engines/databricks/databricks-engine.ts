import type { Logger } from 'pino';
import { ENGINE_CAPABILITIES, type Capabilities } from '../capabilities.js';
import { SqlEngine, type Engine, type RetryPolicy } from '../engine.js';
import { describeConnection, resolveDatabricksConnection } from './databricks-auth.js';
import { DatabricksDialect } from './databricks-dialect.js';
import { DEADLINE_MARGIN_SECONDS, DEFAULT_STATEMENT_TIMEOUT_SECONDS, DatabricksDriver, type DatabricksClientFactory } from './databricks-driver.js';

export interface DatabricksEngineOptions {
  /** Where DATABRICKS_* settings are read from (unified auth); usually `process.env`. */
  readonly env: NodeJS.ProcessEnv;
  readonly logger?: Logger | undefined;
  /** Backoff for transient failures (throttling, a starting warehouse); tests inject a no-op sleep. */
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Builds the connector client; tests pass a real `DBSQLClient` over a recorded warehouse. Defaults to `DBSQLClient`. */
  readonly client?: DatabricksClientFactory | undefined;
  /** The session's STATEMENT_TIMEOUT in seconds (default 3600; 0 keeps the warehouse's). */
  readonly statementTimeoutSeconds?: number | undefined;
  /** The hub's deadline per statement in seconds, queueing included (default: the timeout plus 10 minutes; 0: none). */
  readonly statementDeadlineSeconds?: number | undefined;
  /** How names are spelled; the live test suite maps each test's catalog into one real catalog. Defaults to `DatabricksDialect`. */
  readonly dialect?: DatabricksDialect | undefined;
}

export const DATABRICKS_CAPABILITIES: Capabilities = ENGINE_CAPABILITIES.databricks;

/** The production engine: a Databricks SQL warehouse through `@databricks/sql`. */
export async function createDatabricksEngine(options: DatabricksEngineOptions): Promise<Engine> {
  const connection = resolveDatabricksConnection(options.env);
  const timeout = options.statementTimeoutSeconds ?? DEFAULT_STATEMENT_TIMEOUT_SECONDS;
  const deadline = options.statementDeadlineSeconds ?? (timeout > 0 ? timeout + DEADLINE_MARGIN_SECONDS : 0);
  const driver = await DatabricksDriver.open(connection, {
    logger: options.logger,
    client: options.client,
    retry: options.retry,
    statementTimeoutSeconds: timeout,
    statementDeadlineMs: deadline * 1000,
    // Unified auth's name for the Entra tenant, used where the connector authenticates OAuth through Entra ID.
    azureTenantId: options.env['ARM_TENANT_ID']?.trim() || undefined,
  });
  options.logger?.debug({ engine: 'databricks', warehouse: describeConnection(connection) }, 'session open');
  return new SqlEngine('databricks', options.dialect ?? new DatabricksDialect(), driver, DATABRICKS_CAPABILITIES, { logger: options.logger, retry: options.retry });
}

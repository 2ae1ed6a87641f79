import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { HubError } from '../../errors.js';
import { createSparkEngine } from './spark-engine.js';
import { SparkConnectionError, SparkDriver, SparkSqlError, cleanMessage } from './spark-driver.js';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('spark driver (no server)', () => {
  it('keeps Spark error class and text, drops the Thrift wrapper and the Java stack', () => {
    const raw = [
      'org.apache.hive.service.cli.HiveSQLException: Error running query: [DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE] org.apache.spark.sql.delta.DeltaUnsupportedOperationException: [DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE] Cannot perform Merge as multiple source rows matched',
      'target row in the Delta table.',
      '\tat org.apache.spark.sql.hive.thriftserver.HiveThriftServerErrors$.runningQueryError(HiveThriftServerErrors.scala:43)',
      '\tat java.base/java.lang.Thread.run(Thread.java:840)',
    ].join('\n');
    expect(cleanMessage(raw)).toBe('[DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE] Cannot perform Merge as multiple source rows matched\ntarget row in the Delta table.');
    expect(cleanMessage('Error running query: [X_Y] org.apache.spark.SparkException: plain text')).toBe('[X_Y] plain text');
    expect(cleanMessage('something else')).toBe('something else');
  });

  it('classifies transport failures and Delta commit conflicts as retryable, SQL errors not', () => {
    const driver = new SparkDriver({ host: '127.0.0.1', port: 1 });
    expect(driver.isRetryable(new SparkConnectionError('reset', 'ECONNRESET'))).toBe(true);
    expect(driver.isRetryable(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(driver.isRetryable(new SparkSqlError('[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added'))).toBe(true);
    expect(driver.isRetryable(new SparkSqlError('[PARSE_SYNTAX_ERROR] Syntax error'))).toBe(false);
    expect(driver.isRetryable(new Error('anything'))).toBe(false);
  });

  it('fails engine creation with ENGINE_UNAVAILABLE and a hint when nothing listens', async () => {
    const port = await closedPort();
    const error = await createSparkEngine({ host: '127.0.0.1', port }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HubError);
    expect((error as HubError).code).toBe('ENGINE_UNAVAILABLE');
    expect((error as HubError).message).toMatch(/ECONNREFUSED/);
    expect((error as HubError).message).toMatch(/pnpm spark:start/);
  });

  it('refuses bound parameters, which SparkDialect never produces', async () => {
    const driver = new SparkDriver({ host: '127.0.0.1', port: await closedPort() });
    await expect(driver.execute({ sql: 'SELECT :p1', params: { p1: 1 } })).rejects.toThrow(/no bound parameters/);
    await driver.close();
  });

  it('fails fast and without retry once closed', async () => {
    const driver = new SparkDriver({ host: '127.0.0.1', port: await closedPort() });
    await driver.close();
    const error = await driver.execute({ sql: 'SELECT 1', params: {} }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/closed/);
    expect(driver.isRetryable(error)).toBe(false);
  });
});

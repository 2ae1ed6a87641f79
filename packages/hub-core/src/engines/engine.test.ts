import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createRecordingEngine } from '@org/hub-testing';
import { EngineError } from '../errors.js';
import { createLogger } from '../logger.js';
import { DuckDbDialect } from './duckdb/duckdb-dialect.js';
import { SqlEngine, type Driver, type RetryPolicy, type Row } from './engine.js';
import { SparkDialect } from './spark/spark-dialect.js';
import { sql, type CompiledStatement } from './sql.js';

class Transient extends Error {}

/** A driver that fails with the scripted errors first, then answers; it counts every attempt. */
class ScriptedDriver implements Driver {
  readonly attempts: CompiledStatement[] = [];
  readonly failures: unknown[];
  closed = false;
  constructor(failures: unknown[] = [], private readonly rows: Row[] = [{ ok: 1 }]) {
    this.failures = failures;
  }
  async execute(statement: CompiledStatement): Promise<Row[]> {
    this.attempts.push(statement);
    if (this.failures.length > 0) throw this.failures.shift();
    return this.rows;
  }
  isRetryable(error: unknown): boolean {
    return error instanceof Transient;
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function engineWith(driver: Driver, retry: Partial<RetryPolicy> = {}, extra: { logger?: ReturnType<typeof createLogger>; prepareCatalog?: (catalog: string) => Promise<void> } = {}) {
  const sleeps: number[] = [];
  const engine = new SqlEngine('duckdb', new DuckDbDialect(), driver, {}, {
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 250, random: () => 1, sleep: async (ms) => void sleeps.push(ms), ...retry },
    ...extra,
  });
  return { engine, sleeps };
}

describe('Engine: counting and retries', () => {
  it('counts statements, not attempts, and retries a transient failure of a read with capped exponential backoff', async () => {
    const driver = new ScriptedDriver([new Transient('throttled'), new Transient('throttled')]);
    const { engine, sleeps } = engineWith(driver);
    expect(await engine.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    await engine.run('SELECT 2');
    expect(engine.statementCount).toBe(2);
    expect(engine.retryCount).toBe(2);
    expect(driver.attempts).toHaveLength(4);
    // random() = 1 takes the whole window: 100, then 200.
    expect(sleeps).toEqual([100, 200]);
  });

  it('caps the backoff and jitters it', async () => {
    const driver = new ScriptedDriver([new Transient('a'), new Transient('b'), new Transient('c')]);
    const { engine, sleeps } = engineWith(driver, { maxAttempts: 4, random: () => 0.5 });
    await engine.query('SELECT 1');
    expect(sleeps).toEqual([50, 100, 125]);
  });

  it('stops at maxAttempts and throws a retryable EngineError', async () => {
    const driver = new ScriptedDriver([new Transient('1'), new Transient('2'), new Transient('3'), new Transient('4')]);
    const { engine } = engineWith(driver);
    const error = await engine.query('SELECT 1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect((error as EngineError).retryable).toBe(true);
    expect(driver.attempts).toHaveLength(3);
    expect(engine.retryCount).toBe(2);
  });

  it('detects reads as safe to retry, whatever their case or leading whitespace', async () => {
    for (const statement of ['select 1', '  WITH x AS (SELECT 1) SELECT * FROM x', '\nSHOW TABLES', 'DESCRIBE t', 'DESC t', "LIST 'abfss://c@a.dfs.core.windows.net/'", 'EXPLAIN SELECT 1']) {
      const driver = new ScriptedDriver([new Transient('t')]);
      const { engine } = engineWith(driver);
      await engine.query(statement);
      expect([statement, driver.attempts.length]).toEqual([statement, 2]);
    }
  });

  it('never retries a write on its own: it may have committed before the failure', async () => {
    const writes = [
      'INSERT INTO t VALUES (1)',
      'MERGE INTO t USING s ON t.k = s.k WHEN NOT MATCHED THEN INSERT *',
      'UPDATE t SET a = 1',
      'DELETE FROM t',
      'CREATE TABLE t (a INT)',
      "COPY INTO t FROM 'x'",
      'WITH s AS (SELECT 1 AS a) INSERT INTO t SELECT a FROM s',
      'EXPLAIN ANALYZE INSERT INTO t VALUES (1)',
    ];
    for (const statement of writes) {
      const driver = new ScriptedDriver([new Transient('t')]);
      const { engine } = engineWith(driver);
      const error = await engine.run(statement).catch((e: unknown) => e);
      expect([statement, driver.attempts.length, (error as EngineError).retryable]).toEqual([statement, 1, true]);
      expect(engine.retryCount).toBe(0);
    }
  });

  it('retries a write the caller marks idempotent, and not a read the caller marks otherwise', async () => {
    const merge = new ScriptedDriver([new Transient('t')]);
    await engineWith(merge).engine.run('MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN UPDATE SET *', { idempotent: true });
    expect(merge.attempts).toHaveLength(2);
    const read = new ScriptedDriver([new Transient('t')]);
    await expect(engineWith(read).engine.query('SELECT 1', { idempotent: false })).rejects.toBeInstanceOf(EngineError);
    expect(read.attempts).toHaveLength(1);
  });

  it('does not retry a failure the driver does not call transient', async () => {
    const driver = new ScriptedDriver([new Error('syntax error')]);
    const { engine, sleeps } = engineWith(driver);
    const error = (await engine.query('SELECT nonsense').catch((e: unknown) => e)) as EngineError;
    expect(error.retryable).toBe(false);
    expect(driver.attempts).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('logs each retry as a warning', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const { engine } = engineWith(new ScriptedDriver([new Transient('throttled')]), {}, { logger: createLogger({ destination, level: 'warn' }) });
    await engine.query('SELECT 1');
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ level: 40, msg: 'transient failure, retrying', engine: 'duckdb', attempt: 1, error: 'throttled' }),
    ]);
  });
});

describe('Engine: EngineError wrapping', () => {
  it('wraps a driver failure with the engine, the compiled statement, its parameters and the cause', async () => {
    const cause = new Error('Binder Error: column "b" not found');
    const { engine } = engineWith(new ScriptedDriver([cause]));
    const error = (await engine.query(sql`SELECT b FROM ${sql.id('c', 's', 't')} WHERE a = ${'x'} AND n = ${3}`).catch((e: unknown) => e)) as EngineError;
    expect(error).toBeInstanceOf(EngineError);
    expect(error.code).toBe('ENGINE_ERROR');
    expect(error.engine).toBe('duckdb');
    expect(error.statement).toBe('SELECT b FROM "c"."s"."t" WHERE a = $p1 AND n = CAST($p2 AS BIGINT)');
    expect(error.params).toEqual({ p1: 'x', p2: 3 });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('Failed query on duckdb: Binder Error: column "b" not found\nquery: SELECT b FROM "c"."s"."t" WHERE a = $p1 AND n = CAST($p2 AS BIGINT)');
  });

  it('passes an EngineError from the driver through unchanged, and its retryable flag decides', async () => {
    const fromDriver = new EngineError({ engine: 'duckdb', statement: 'SELECT 1', cause: new Error('x'), retryable: true });
    const driver = new ScriptedDriver([fromDriver]);
    const { engine } = engineWith(driver);
    await engine.query('SELECT 1');
    expect(driver.attempts).toHaveLength(2);

    const permanent = new EngineError({ engine: 'duckdb', statement: 'SELECT 1', cause: new Transient('looks transient'), retryable: false });
    const second = engineWith(new ScriptedDriver([permanent])).engine;
    expect(await second.query('SELECT 1').catch((e: unknown) => e)).toBe(permanent);
  });

  it('redacts parameters whose names look like credentials', () => {
    const error = new EngineError({ engine: 'databricks', statement: 's', params: { token: 't0k', client_secret: 's', Authorization: 'Bearer x', sas: '?sig', p1: 'kept' }, cause: 'boom', retryable: false });
    expect(error.params).toEqual({ token: '[REDACTED]', client_secret: '[REDACTED]', Authorization: '[REDACTED]', sas: '[REDACTED]', p1: 'kept' });
    expect(error.message).toBe('Failed query on databricks: boom\nquery: s');
  });
});

describe('Engine: catalogs, compile and close', () => {
  it('prepares each catalog once, validates its name first, and retries a catalog whose preparation failed', async () => {
    const prepared: string[] = [];
    let failNext = true;
    const { engine } = engineWith(new ScriptedDriver(), {}, {
      prepareCatalog: async (catalog) => {
        if (catalog === 'flaky' && failNext) {
          failNext = false;
          throw new Error('locked');
        }
        prepared.push(catalog);
      },
    });
    await engine.prepareCatalogs(['a', 'b', 'a']);
    await engine.prepareCatalogs(['b']);
    await expect(engine.prepareCatalogs(['x;y'])).rejects.toThrow(/invalid identifier/);
    await expect(engine.prepareCatalogs(['flaky'])).rejects.toThrow('locked');
    await engine.prepareCatalogs(['flaky']);
    expect(prepared).toEqual(['a', 'b', 'flaky']);
  });

  it('compiles a string as trusted text and closes its driver', async () => {
    const driver = new ScriptedDriver();
    const { engine } = engineWith(driver);
    expect(engine.compile('SELECT 1')).toEqual({ sql: 'SELECT 1', params: {} });
    await engine.close();
    expect(driver.closed).toBe(true);
  });

  it('records statements compiled for its dialect without running them (recording engine)', async () => {
    const { engine, statements } = createRecordingEngine(new SparkDialect(), { respond: (s) => (s.sql.startsWith('SELECT') ? [{ n: 1 }] : []) });
    await engine.run(sql`DELETE FROM ${sql.id('c', 's', 't')} WHERE k = ${"it's"}`);
    expect(await engine.query('SELECT count(*) AS n FROM x')).toEqual([{ n: 1 }]);
    expect(statements).toEqual([
      { sql: "DELETE FROM `c`.`s`.`t` WHERE k = 'it\\'s'", params: {} },
      { sql: 'SELECT count(*) AS n FROM x', params: {} },
    ]);
    expect(engine.statementCount).toBe(2);
  });
});

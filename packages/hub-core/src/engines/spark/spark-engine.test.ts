import { existsSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { sparkForTests } from '@org/hub-testing';
import { EngineError } from '../../errors.js';
import type { Engine } from '../engine.js';
import { sql } from '../sql.js';
import { createSparkEngine } from './spark-engine.js';

// Runs against the server of `pnpm spark:start`, found (and, when required, waited for) by the shared helper.
const spark = await sparkForTests();
const host = spark.state === 'up' ? spark.host : '127.0.0.1';
const port = spark.state === 'up' ? spark.port : 0;

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  return error as EngineError;
}

/** A TCP proxy in front of the server, so a test can cut the connection while a statement runs. */
async function tcpProxy(): Promise<{ proxy: Server; cut: () => void; port: number }> {
  const sockets = new Set<Socket>();
  const proxy = createServer((client) => {
    const upstream = connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  const address = proxy.address();
  return { proxy, cut: () => sockets.forEach((s) => s.destroy()), port: typeof address === 'object' && address ? address.port : 0 };
}

// Skipped only when Spark is neither running nor required (the helper says so); required and unreachable, every case fails.
describe.skipIf(spark.state === 'absent')('spark engine on a real Spark + Delta Thrift server', () => {
  // A catalog of its own per run: the server's warehouse is shared with other test files and users.
  const catalog = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  let engine: Engine;
  let opened: Promise<Engine> | undefined;
  const table = (name: string) => sql.raw(engine.dialect.tableName(catalog, 'bronze', name));

  async function open(): Promise<Engine> {
    if (spark.state === 'down') throw spark.error;
    const created = await createSparkEngine({ host, port, retry: { sleep: async () => undefined } });
    await created.run(sql`CREATE SCHEMA IF NOT EXISTS ${sql.raw(created.dialect.schemaName(catalog, 'bronze'))}`, { idempotent: true });
    return created;
  }

  // Per case, not beforeAll: a failing beforeAll marks its cases skipped, and these must fail.
  beforeEach(async () => {
    engine = await (opened ??= open());
  });

  afterAll(async () => {
    if (!engine) return;
    await engine.run(sql`DROP SCHEMA IF EXISTS ${sql.raw(engine.dialect.schemaName(catalog, 'bronze'))} CASCADE`, { idempotent: true }).catch(() => undefined);
    await engine.close();
  });

  it('creates Delta tables through the catalog mapping, with CREATE TABLE and with CTAS', async () => {
    await engine.run(sql`CREATE TABLE ${table('plain')} (k STRING, v STRING)`);
    await engine.run(sql`CREATE TABLE ${table('ctas')} AS SELECT 1 AS id`);
    const databases = await engine.query<{ namespace: string }>(sql`SHOW DATABASES LIKE ${sql.literal(`${catalog}__bronze`)}`);
    expect(databases).toEqual([{ namespace: `${catalog}__bronze` }]);
    for (const name of ['plain', 'ctas']) {
      const [detail] = await engine.query<{ format: string; location: string; name: string }>(sql`DESCRIBE DETAIL ${table(name)}`);
      expect(detail?.format).toBe('delta');
      expect(detail?.name).toBe(`spark_catalog.${catalog}__bronze.${name}`);
      const location = fileURLToPath(detail?.location ?? '');
      expect(existsSync(join(location, '_delta_log'))).toBe(true);
    }
  });

  it('round-trips a string with quote, backslash, semicolon, comment and newline verbatim through literals', async () => {
    const nasty = "it's a \\ back\\\\slash; -- not a comment\n'); DROP TABLE x; -- \\' é😀";
    await engine.run(sql`CREATE TABLE ${table('strings')} (id BIGINT, s STRING)`);
    await engine.run(sql`INSERT INTO ${table('strings')} VALUES (${1}, ${nasty}), (${2}, ${sql.literal(nasty)})`);
    const rows = await engine.query(sql`SELECT id, s, s = ${nasty} AS same FROM ${table('strings')} ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, s: nasty, same: true },
      { id: 2, s: nasty, same: true },
    ]);
    expect(await engine.query(sql`SELECT ${nasty} AS s`)).toEqual([{ s: nasty }]);
  });

  it('returns numbers, bigints, timestamps (UTC) and dates in the shapes the DuckDB engine uses', async () => {
    const at = new Date('2024-05-06T07:08:09.123Z');
    const rows = await engine.query(
      sql`SELECT ${42} AS n, ${9007199254740993n} AS big, ${2.5} AS d, ${true} AS b, ${null} AS z, ${at} AS at, DATE '2024-05-06' AS day, CAST(1.25 AS DECIMAL(10,2)) AS dec, array('a') AS arr`,
    );
    expect(rows).toEqual([{ n: 42, big: '9007199254740993', d: 2.5, b: true, z: null, at, day: new Date('2024-05-06T00:00:00Z'), dec: 1.25, arr: ['a'] }]);
  });

  it('fails MERGE when two source rows match one target row, as an EngineError carrying the statement', async () => {
    await engine.run(sql`CREATE TABLE ${table('merge_target')} (k STRING, v STRING)`);
    await engine.run(sql`INSERT INTO ${table('merge_target')} VALUES (${'a'}, ${'old'})`);
    const merge = sql`MERGE INTO ${table('merge_target')} AS t
      USING (SELECT * FROM VALUES (${'a'}, ${'one'}), (${'a'}, ${'two'}) AS s(k, v)) AS s
      ON t.k = s.k
      WHEN MATCHED THEN UPDATE SET v = s.v
      WHEN NOT MATCHED THEN INSERT *`;
    const error = await failure(engine.run(merge, { idempotent: true }));
    expect(error.message).toMatch(/DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE/);
    expect(error.message).not.toMatch(/\tat org\.apache/);
    expect(error.engine).toBe('spark');
    expect(error.retryable).toBe(false);
    expect(error.statement).toContain('MERGE INTO `spark_catalog`.');
    expect(error.statement).toContain("'two'");
    expect(await engine.query(sql`SELECT k, v FROM ${table('merge_target')}`)).toEqual([{ k: 'a', v: 'old' }]);
  });

  it('needs the allowColumnDefaults table feature for a column DEFAULT', async () => {
    const error = await failure(engine.run(sql`CREATE TABLE ${table('defaults_off')} (k STRING, n BIGINT DEFAULT 5)`));
    expect(error.message).toMatch(/WRONG_COLUMN_DEFAULTS_FOR_DELTA_FEATURE_NOT_ENABLED|allowColumnDefaults/);
    await engine.run(sql`CREATE TABLE ${table('defaults_on')} (k STRING, n BIGINT DEFAULT 5, at TIMESTAMP DEFAULT current_timestamp())
      TBLPROPERTIES ('delta.feature.allowColumnDefaults' = 'supported')`);
    await engine.run(sql`INSERT INTO ${table('defaults_on')} (k) VALUES (${'a'})`);
    const [row] = await engine.query<{ k: string; n: number; at: Date }>(sql`SELECT k, n, at FROM ${table('defaults_on')}`);
    expect(row?.k).toBe('a');
    expect(row?.n).toBe(5);
    expect(row?.at).toBeInstanceOf(Date);
  });

  it('rejects a generated column with uuid()', async () => {
    const error = await failure(engine.run(sql`CREATE TABLE ${table('generated_uuid')} (k STRING, id STRING GENERATED ALWAYS AS (uuid())) USING DELTA`));
    expect(error.message).toMatch(/generated column/i);
  });

  it('quirk: OSS Spark 3.5 + Delta 3.3 rejects every SQL generated column, deterministic ones too', async () => {
    // Databricks accepts GENERATED ALWAYS AS (upper(k)); here DeltaCatalog lacks the capability, so DDL must not use them.
    const error = await failure(engine.run(sql`CREATE TABLE ${table('generated_upper')} (k STRING, kk STRING GENERATED ALWAYS AS (upper(k))) USING DELTA`));
    expect(error.message).toMatch(/does not support generated columns/);
  });

  it('runs concurrent calls one at a time on its one session, in call order', async () => {
    await engine.run(sql`CREATE TEMPORARY VIEW session_view AS SELECT 7 AS n`);
    const results = await Promise.all([1, 2, 3].map((i) => engine.query(sql`SELECT n + ${i} AS n FROM session_view`)));
    expect(results).toEqual([[{ n: 8 }], [{ n: 9 }], [{ n: 10 }]]);
  });

  it('reconnects and retries a read when the connection drops mid-statement', async () => {
    const { proxy, cut, port: proxyPort } = await tcpProxy();
    const proxied = await createSparkEngine({ host: '127.0.0.1', port: proxyPort, retry: { sleep: async () => undefined } });
    try {
      // reflect() runs Thread.sleep on the server, so the statement is still in flight when the socket is cut.
      const slow = proxied.query(sql`SELECT reflect('java.lang.Thread', 'sleep', 1500L) IS NOT NULL AS slept, 1 AS ok`);
      setTimeout(cut, 500);
      expect(await slow).toEqual([{ slept: true, ok: 1 }]);
      expect(proxied.retryCount).toBe(1);
      expect(proxied.statementCount).toBe(1);
    } finally {
      await proxied.close();
      await new Promise<void>((done) => proxy.close(() => done()));
    }
  });

  it('does not retry a write on a dropped connection unless it is marked idempotent', async () => {
    const { proxy, cut, port: proxyPort } = await tcpProxy();
    const proxied = await createSparkEngine({ host: '127.0.0.1', port: proxyPort, retry: { sleep: async () => undefined } });
    try {
      await proxied.run(sql`CREATE TABLE IF NOT EXISTS ${table('writes')} (k STRING)`);
      const write = proxied.run(sql`INSERT INTO ${table('writes')} SELECT CAST(reflect('java.lang.Thread', 'sleep', 1500L) AS STRING)`);
      setTimeout(cut, 500);
      const error = await failure(write);
      expect(error.retryable).toBe(true);
      expect(proxied.retryCount).toBe(0);
    } finally {
      await proxied.close();
      await new Promise<void>((done) => proxy.close(() => done()));
    }
  });
});

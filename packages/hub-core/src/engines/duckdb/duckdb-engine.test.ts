import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { HubError } from '../../errors.js';
import type { Engine } from '../engine.js';
import { sql } from '../sql.js';
import { createDuckDbEngine } from './duckdb-engine.js';

const root = mkdtempSync(join(tmpdir(), 'duckdb-engine-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const open: Engine[] = [];
afterEach(async () => {
  for (const engine of open.splice(0)) await engine.close();
});

async function engineAt(warehouse: string, lockTimeoutMs = 0): Promise<Engine> {
  const engine = await createDuckDbEngine({ warehouse, lockTimeoutMs });
  open.push(engine);
  return engine;
}

async function closeEngine(engine: Engine): Promise<void> {
  open.splice(open.indexOf(engine), 1);
  await engine.close();
}

describe('DuckDB engine: catalogs as files in a warehouse', () => {
  it('resolves three-part names across two catalogs, and the data persists after reopening', async () => {
    const warehouse = join(root, 'two-catalogs');
    const engine = await engineAt(warehouse);
    await engine.prepareCatalogs(['cat_a', 'cat_b']);
    const source = sql.raw(engine.dialect.tableName('cat_a', 's', 'src'));
    const target = sql.raw(engine.dialect.tableName('cat_b', 's', 'dst'));
    await engine.run(sql`CREATE SCHEMA ${sql.raw(engine.dialect.schemaName('cat_a', 's'))}`);
    await engine.run(sql`CREATE SCHEMA ${sql.id('cat_b', 's')}`);
    await engine.run(sql`CREATE TABLE ${source} (id BIGINT, name VARCHAR)`);
    await engine.run(sql`CREATE TABLE ${target} (id BIGINT, name VARCHAR)`);
    await engine.run(sql`INSERT INTO ${source} VALUES (${1}, ${'one'}), (${2}, ${'two'})`);
    await engine.run(sql`INSERT INTO ${target} SELECT id * 10, upper(name) FROM ${source} WHERE id >= ${1}`);

    expect(existsSync(join(warehouse, 'cat_a.duckdb'))).toBe(true);
    expect(existsSync(join(warehouse, 'cat_b.duckdb'))).toBe(true);
    expect(await engine.query(sql`SELECT id, name FROM ${target} ORDER BY id`)).toEqual([
      { id: 10, name: 'ONE' },
      { id: 20, name: 'TWO' },
    ]);
    await closeEngine(engine);

    const reopened = await engineAt(warehouse);
    await reopened.prepareCatalogs(['cat_b', 'cat_a']);
    expect(await reopened.query(sql`SELECT id, name FROM ${sql.id('cat_b', 's', 'dst')} ORDER BY id`)).toEqual([
      { id: 10, name: 'ONE' },
      { id: 20, name: 'TWO' },
    ]);
    expect(await reopened.query(sql`SELECT count(*) AS n FROM ${sql.id('cat_a', 's', 'src')}`)).toEqual([{ n: 2 }]);
  });

  it('stores a bound value full of SQL syntax verbatim, and the table survives', async () => {
    const engine = await engineAt(join(root, 'injection'));
    await engine.prepareCatalogs(['cat']);
    const table = sql.id('cat', 'main', 't');
    await engine.run(sql`CREATE TABLE ${table} (v VARCHAR, n BIGINT, loaded_at TIMESTAMP)`);
    const hostile = "x'); DROP TABLE t; --\n$p1 \\' \"";
    const at = new Date('2024-03-14T09:26:53.589Z');
    await engine.run(sql`INSERT INTO ${table} VALUES (${hostile}, ${9007199254740993n}, ${at})`);
    const rows = await engine.query(sql`SELECT v, CAST(n AS VARCHAR) AS n, strftime(loaded_at, '%Y-%m-%dT%H:%M:%S.%g') AS at FROM ${table} WHERE v = ${hostile}`);
    expect(rows).toEqual([{ v: hostile, n: '9007199254740993', at: '2024-03-14T09:26:53.589' }]);
    expect(await engine.query(sql`SELECT count(*) AS n FROM ${table}`)).toEqual([{ n: 1 }]);
  });

  it('binds 6,000 parameters each to its own placeholder, and the last statement of a script', async () => {
    const engine = await engineAt(join(root, 'many-parameters'));
    const values = Array.from({ length: 2_000 }, (_, i) => [`file_${i}.csv`, i * 7, i % 3 === 0 ? null : new Date(Date.UTC(2024, 0, 1, 0, 0, i))] as const);
    const rows = await engine.query(
      sql`SELECT name, CAST(n AS BIGINT) AS n, strftime(CAST(ts AS TIMESTAMP), '%H:%M:%S') AS ts FROM (VALUES ${sql.join(values.map(([name, n, ts]) => sql`(${name}, ${n}, ${ts})`))}) AS v(name, n, ts)`,
    );
    expect(rows).toHaveLength(2_000);
    expect(new Set(rows.map((r) => r['name'])).size).toBe(2_000);
    expect(rows.find((r) => r['name'] === 'file_1234.csv')).toEqual({ name: 'file_1234.csv', n: 8_638, ts: '00:20:34' });
    expect(rows.find((r) => r['name'] === 'file_1233.csv')).toEqual({ name: 'file_1233.csv', n: 8_631, ts: null });
    const script = await engine.query(sql`CREATE TEMP TABLE earlier AS SELECT 41 AS n; SELECT n + ${1} AS n, ${'last'} AS tag FROM earlier`);
    expect(script).toEqual([{ n: 42, tag: 'last' }]);
  });

  it('prepares each catalog once and rejects a catalog name that is not an identifier', async () => {
    const engine = await engineAt(join(root, 'names'));
    await engine.prepareCatalogs(['c1', 'c1']);
    await engine.prepareCatalogs(['c1']);
    expect(await engine.query(`SELECT count(*) AS n FROM duckdb_databases() WHERE database_name = 'c1'`)).toEqual([{ n: 1 }]);
    await expect(engine.prepareCatalogs(['bad name'])).rejects.toThrow(/invalid identifier "bad name"/);
    await expect(engine.prepareCatalogs(["x' AS y; --"])).rejects.toThrow(/invalid identifier/);
  });
});

describe('DuckDB engine: a catalog held by another process', () => {
  const warehouse = join(root, 'locked');
  const dist = fileURLToPath(new URL('../../../dist/index.js', import.meta.url));
  let holder: { child: ChildProcess; exited: Promise<unknown> } | undefined;

  afterAll(async () => {
    holder?.child.kill();
    await holder?.exited;
  });

  /** Starts a second hub process that attaches `cat_a` and keeps it open until killed. */
  async function startHolder(): Promise<{ child: ChildProcess; exited: Promise<unknown> }> {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`pnpm build\` before this test`);
    const script = join(root, 'hold-catalog.mjs');
    writeFileSync(
      script,
      [
        `import { createDuckDbEngine } from ${JSON.stringify(dist)};`,
        `const engine = await createDuckDbEngine({ warehouse: process.argv[2], lockTimeoutMs: 0 });`,
        `await engine.prepareCatalogs(['cat_a']);`,
        `await engine.run('CREATE TABLE IF NOT EXISTS cat_a.main.t (x INTEGER)');`,
        `process.stdout.write('ready\\n');`,
        `setInterval(() => {}, 1000);`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, [script, warehouse], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`holder exited with ${code}: ${stderr}`)));
    });
    return { child, exited };
  }

  async function lockError(lockTimeoutMs: number): Promise<HubError> {
    const engine = await engineAt(warehouse, lockTimeoutMs);
    const error = await engine.prepareCatalogs(['cat_a']).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HubError);
    return error as HubError;
  }

  it('fails with WAREHOUSE_LOCKED naming the file and what to do, then attaches once the holder is gone', async () => {
    holder = await startHolder();
    const file = join(warehouse, 'cat_a.duckdb');
    for (const timeout of [0, 300]) {
      const error = await lockError(timeout);
      expect(error.code).toBe('WAREHOUSE_LOCKED');
      expect(error.message).toContain(file);
      expect(error.message).toMatch(/in use by another process/);
      expect(error.message).toMatch(/wait for that run to finish, or use another --warehouse/);
      expect(String((error.cause as Error).message)).toMatch(/lock/i);
    }

    // The failed attach leaves this process's engine usable for other catalogs.
    const engine = await engineAt(warehouse);
    await engine.prepareCatalogs(['cat_b']);
    expect(await engine.query('SELECT 41 + 1 AS answer')).toEqual([{ answer: 42 }]);

    holder.child.kill();
    await holder.exited;
    await engine.prepareCatalogs(['cat_a']);
    expect(await engine.query(`SELECT count(*) AS n FROM cat_a.main.t`)).toEqual([{ n: 0 }]);
  });
});

describe('DuckDB engine: transactions', () => {
  it('commits the work of a transaction, and rolls back every statement of one that fails, DDL included', async () => {
    const engine = await engineAt(join(root, 'transactions'));
    await engine.prepareCatalogs(['cat']);
    await engine.run(sql`CREATE SCHEMA ${sql.id('cat', 's')}`);
    const table = sql.raw(engine.dialect.tableName('cat', 's', 't'));
    await engine.run(sql`CREATE TABLE ${table} (id BIGINT)`);
    const committed = await engine.transaction(async () => {
      await engine.run(sql`INSERT INTO ${table} VALUES (1)`);
      return 'done';
    });
    expect(committed).toBe('done');
    await expect(
      engine.transaction(async () => {
        await engine.run(sql`ALTER TABLE ${table} ADD COLUMN extra VARCHAR`);
        await engine.run(sql`INSERT INTO ${table} VALUES (2, 'x')`);
        await engine.run(sql`SELECT * FROM no_such_table`);
      }),
    ).rejects.toThrow(/no_such_table/);
    expect(await engine.query(sql`SELECT * FROM ${table}`)).toEqual([{ id: 1 }]);
    // The connection is usable afterwards: no transaction was left open.
    await engine.transaction(() => engine.run(sql`INSERT INTO ${table} VALUES (3)`));
    expect(await engine.query(sql`SELECT id FROM ${table} ORDER BY id`)).toEqual([{ id: 1 }, { id: 3 }]);
  });
});

describe('DuckDB engine: the statement journal', () => {
  it('journals every statement in order, values inline: query as a read, run as a write', async () => {
    const engine = await engineAt(join(root, 'journal'));
    await engine.prepareCatalogs(['jc']);
    const table = sql.raw(engine.dialect.tableName('jc', 's', 't'));
    await engine.run(sql`CREATE SCHEMA ${sql.id('jc', 's')}`);
    await engine.run(sql`CREATE TABLE ${table} (id BIGINT, name VARCHAR)`);
    const entries: { text: string; kind: string; values: readonly unknown[] }[] = [];
    const stop = engine.observe((e) => entries.push({ text: e.text, kind: e.kind, values: e.values }));
    await engine.run(sql`INSERT INTO ${table} VALUES (${1}, ${"it's"})`);
    const rows = await engine.query(sql`SELECT name FROM ${table} WHERE id = ${1}`);
    stop();
    await engine.run(sql.raw('SELECT 1'));
    expect(rows).toEqual([{ name: "it's" }]);
    expect(entries).toEqual([
      { text: `INSERT INTO "jc"."s"."t" VALUES (1, 'it''s')`, kind: 'write', values: [1, "it's"] },
      { text: `SELECT name FROM "jc"."s"."t" WHERE id = 1`, kind: 'read', values: [1] },
    ]);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDuckDbEngine, sql, type Engine } from '@org/hub-core';
import { planExecutor, runExecutor } from './executor.js';

describe('the executors: a run executes every statement, a plan runs the reads and shows the rest', () => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  async function newTable(): Promise<{ engine: Engine; t: ReturnType<typeof sql.raw> }> {
    engine = await createDuckDbEngine({ warehouse: mkdtempSync(join(tmpdir(), 'dlh-exec-')), lockTimeoutMs: 0 });
    await engine.prepareCatalogs(['jc']);
    await engine.run(sql`CREATE SCHEMA ${sql.id('jc', 's')}`);
    await engine.run(sql`CREATE TABLE ${sql.id('jc', 's', 't')} (id BIGINT, name VARCHAR)`);
    return { engine, t: sql.raw('"jc"."s"."t"') };
  }

  it('a plan executes reads and temporary views, shows writes and checks without executing them, and writes nothing', async () => {
    const { engine, t } = await newTable();
    const recording = planExecutor(engine);
    const x = recording.executor;
    await x.write(sql`INSERT INTO ${t} VALUES (${2}, ${'b'})`);
    await x.read(sql.raw('CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 42 AS answer'));
    const answer = await x.read(sql.raw('SELECT answer FROM v'));
    const predicted = await x.check(sql`SELECT COUNT(*) AS n FROM ${t} WHERE id = ${2}`, [{ n: 1 }]);
    const standIn = await x.check(sql`SELECT COUNT(*) AS n FROM ${t}`, sql.raw('SELECT 7 AS n'));
    const section = x.section('jc.s.t');
    const present = await section.read(sql`SELECT COUNT(*) AS n FROM ${t}`, { ifAbsent: [{ n: -1 }] });
    const absentRows = await section.read(sql.raw('DESCRIBE "jc"."s"."absent"'), { ifAbsent: [{ column_name: 'x' }] });
    const absentRead = await section.read(sql.raw('SELECT COUNT(*) AS n FROM "jc"."s"."absent"'), { ifAbsent: sql.raw('SELECT 0 AS n') });
    await section.transaction(() => section.write(sql`DELETE FROM ${t}`));

    expect(await engine.query(sql`SELECT COUNT(*) AS n FROM ${t}`)).toEqual([{ n: 0 }]);
    expect([answer, predicted, standIn, present, absentRows, absentRead]).toEqual([[{ answer: 42 }], [{ n: 1 }], [{ n: 7 }], [{ n: 0 }], [{ column_name: 'x' }], [{ n: 0 }]]);
    expect(await x.heartbeatSession()).toBeNull();
    const shown = (name: string) => (recording.sections.get(name) ?? []).map((e) => [e.kind, e.notRun ?? 'run', e.text]);
    expect(shown('metadata')).toEqual([
      ['write', 'write', `INSERT INTO "jc"."s"."t" VALUES (2, 'b')`],
      ['read', 'run', 'CREATE OR REPLACE TEMPORARY VIEW v AS SELECT 42 AS answer'],
      ['read', 'run', 'SELECT answer FROM v'],
      ['read', 'depends', `SELECT COUNT(*) AS n FROM "jc"."s"."t" WHERE id = 2`],
      ['read', 'instead', `SELECT COUNT(*) AS n FROM "jc"."s"."t"`],
    ]);
    expect(shown('jc.s.t')).toEqual([
      ['read', 'run', `SELECT COUNT(*) AS n FROM "jc"."s"."t"`],
      ['read', 'depends', 'DESCRIBE "jc"."s"."absent"'],
      ['read', 'instead', 'SELECT COUNT(*) AS n FROM "jc"."s"."absent"'],
      ['write', 'write', 'BEGIN TRANSACTION'],
      ['write', 'write', `DELETE FROM "jc"."s"."t"`],
      ['write', 'write', 'COMMIT'],
    ]);
  });

  it('a run executes writes and checks, and a read fails where its table is absent', async () => {
    const { engine, t } = await newTable();
    const x = runExecutor(engine);
    const journal: string[] = [];
    engine.observe((e) => journal.push(`${e.kind}: ${e.text}`));
    await x.write(sql`INSERT INTO ${t} VALUES (${1}, ${'a'})`);
    expect(await x.check(sql`SELECT COUNT(*) AS n FROM ${t}`, [{ n: 99 }])).toEqual([{ n: 1 }]);
    await expect(x.read(sql.raw('SELECT COUNT(*) AS n FROM "jc"."s"."absent"'), { ifAbsent: [{ n: 0 }] })).rejects.toThrow(/absent/);
    expect(x.section('anything')).toBe(x);
    expect(journal).toEqual([`write: INSERT INTO "jc"."s"."t" VALUES (1, 'a')`, 'read: SELECT COUNT(*) AS n FROM "jc"."s"."t"', 'read: SELECT COUNT(*) AS n FROM "jc"."s"."absent"']);
  });
});

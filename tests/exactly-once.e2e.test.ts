// Exactly once at the edges of a run, on every engine: a file that changes while it loads, and a
// run whose every file FAILED (status FAILED, exit 1).
import { appendFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { exitCodeFor, runBronze } from '@org/deltalake-hub';
import { sql, type Engine } from '@org/hub-core';
import { describeEngine, enginesUnderTest } from './support/engines.js';
import { csvFile } from './support/fixtures.js';

const AS_OF = '2024-03-10';

for (const target of await enginesUnderTest()) {
  describeEngine(target, `exactly once on ${target.name}`, () => {
    let seq = 0;
    const freshCatalog = () => `eo_${target.name}_${process.pid}_${++seq}`;
    async function withEngine<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
      const engine = await target.open();
      try {
        return await fn(engine);
      } finally {
        await engine.close();
      }
    }
    const table = (engine: Engine, catalog: string) => sql.raw(engine.dialect.tableName(catalog, 'falcon_bronze', 'credit_raw'));

    function setup(days: readonly string[]) {
      const scratch = target.scratch();
      for (const day of days) scratch.write(`raw/credit/transactions_${day}.csv`, csvFile(['id', 'amount'], [[`${day}-1`, 10], [`${day}-2`, 20]]));
      const catalog = freshCatalog();
      const config = scratch.config([`falcon,transactions,credit,transactions_*.csv,${scratch.path('raw', 'credit')}/,delimited,",",true,${catalog},falcon_bronze,credit_raw,true`]);
      return { scratch, catalog, config };
    }

    it('quarantines a file appended to while it loads, keeps none of its rows, and loads its whole content next run', async () => {
      const { scratch, catalog, config } = setup(['20240308', '20240309']);
      const grown = scratch.path('raw', 'credit', 'transactions_20240309.csv');
      await withEngine(async (engine) => {
        const first = await runBronze({ asOf: AS_OF }, { engine, configPath: config, onProgress: (event) => event.kind === 'table-loaded' && appendFileSync(grown, '20240309-3,30\n') });
        const byName = new Map(first.files.map((f) => [f.path.split('/').pop(), f]));
        expect(byName.get('transactions_20240308.csv')).toMatchObject({ status: 'SUCCESS', rows: 2 });
        expect(byName.get('transactions_20240309.csv')).toMatchObject({ status: 'QUARANTINED', rows: 0 });
        expect(byName.get('transactions_20240309.csv')?.reason).toMatch(/^the file changed while it was being loaded \(\d+ bytes modified .*, then \d+ bytes modified .*\); none of its rows were kept, the next run loads it$/);
        expect(first.status).toBe('PARTIAL');
        const rows = async () => (await engine.query(sql`SELECT id FROM ${table(engine, catalog)} ORDER BY id`)).map((r) => r['id']);
        expect(await rows()).toEqual(['20240308-1', '20240308-2']);
        const next = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(next.files.map((f) => [f.path.split('/').pop(), f.status, f.rows])).toEqual([['transactions_20240309.csv', 'SUCCESS', 3]]);
        expect(await rows()).toEqual(['20240308-1', '20240308-2', '20240309-1', '20240309-2', '20240309-3']);
      });
    });

    it('reports a run whose every file FAILED as FAILED (exit 1), and loads them once the cause is gone', async () => {
      const { catalog, config } = setup(['20240308', '20240309']);
      await withEngine(async (engine) => {
        // A bronze table whose lineage column cannot hold a timestamp: every INSERT fails, naming no file.
        await engine.prepareCatalogs([catalog]);
        await engine.run(sql.raw(`CREATE SCHEMA IF NOT EXISTS ${engine.dialect.schemaName(catalog, 'falcon_bronze')}`));
        const using = target.name === 'duckdb' ? '' : ' USING DELTA';
        await engine.run(sql`CREATE TABLE ${table(engine, catalog)} (id STRING, amount STRING, _source_file STRING, _batch_id STRING, _ingested_at BOOLEAN)${sql.raw(using)}`);
        const failed = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(failed.files.map((f) => f.status)).toEqual(['FAILED', 'FAILED']);
        expect(failed.status).toBe('FAILED');
        expect(exitCodeFor(failed)).toBe(1);
        await engine.run(sql`DROP TABLE ${table(engine, catalog)}`);
        const retried = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(retried.status).toBe('SUCCESS');
        expect(retried.files.map((f) => f.rows)).toEqual([2, 2]);
      });
    });
  });
}

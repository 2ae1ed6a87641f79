import { describe, expect, it } from 'vitest';
import { runBronze, type RunSummary } from '@org/deltalake-hub';
import { sql, type Engine } from '@org/hub-core';
import { enginesUnderTest } from './support/engines.js';
import { csvFile, Scratch } from './support/fixtures.js';

const AS_OF = '2024-03-10';

for (const target of enginesUnderTest()) {
  describe(`bronze on ${target.name}`, () => {
    async function withEngine<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
      const engine = await target.open();
      try {
        return await fn(engine);
      } finally {
        await engine.close();
      }
    }

    function credit(scratch: Scratch, catalog = 'cat_e2e') {
      return scratch.config([`falcon,transactions,credit,transactions_*.csv,${scratch.path('raw', 'credit')}/,delimited,",",true,${catalog},falcon_bronze,credit_raw,true`]);
    }

    it('loads every file in the window once, and nothing the second time', async () => {
      const scratch = new Scratch();
      for (const day of ['20240304', '20240308', '20240310', '20240301']) {
        scratch.write(`raw/credit/transactions_${day}.csv`, csvFile(['id', 'amount'], [[`${day}-1`, 10], [`${day}-2`, 20]]));
      }
      const config = credit(scratch);
      await withEngine(async (engine) => {
        const first: RunSummary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(first.status).toBe('SUCCESS');
        expect(first.files.map((f) => f.path.split('/').pop()).sort()).toEqual(['transactions_20240304.csv', 'transactions_20240308.csv', 'transactions_20240310.csv']);
        expect(first.files.every((f) => f.rows === 2)).toBe(true);
        const rows = await engine.query(sql`SELECT id, amount, _source_file, _batch_id FROM ${sql.raw(engine.dialect.tableName('cat_e2e', 'falcon_bronze', 'credit_raw'))} ORDER BY id`);
        expect(rows).toHaveLength(6);
        expect(rows[0]).toMatchObject({ id: '20240304-1', amount: '10', _batch_id: first.runId });
        const second = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(second.status).toBe('NOTHING_TO_LOAD');
        expect(second.files).toHaveLength(0);
      });
    });
  });
}

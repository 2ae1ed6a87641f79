// What a real workspace taught (docs/engines.md, "First contact"), on every engine: one rule for
// the case of catalog, schema and table names (lower case) through a crash, a rerun and an
// upgrade from a hub that kept the config's spelling; and CSV headers Delta holds only with
// column mapping, which load under the same names everywhere.
import { renameSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runBronze } from '@org/deltalake-hub';
import { createDuckDbEngine, sql, type Engine, type Sql } from '@org/hub-core';
import { describeEngine, enginesUnderTest, withEngine } from './support/engines.js';
import { CONFIG_HEADER, csvFile } from './support/fixtures.js';

const AS_OF = '2024-03-10';

/** The engine, except that the tracker write of a load's outcomes fails: the runner died after the rows committed. */
function dyingBeforeTracking(engine: Engine): Engine {
  return new Proxy(engine, {
    get(target, property) {
      if (property === 'run') {
        return async (query: Sql | string, options?: object) => {
          const text = target.render(query);
          if (/^INSERT INTO \S+load_tracker/.test(text.replace(/["`]/g, '')) && text.includes('"load_status":"SUCCESS"')) throw new Error('simulated: the runner died before the tracker write');
          return target.run(query, options);
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

for (const target of await enginesUnderTest()) {
  describeEngine(target, `first contact on ${target.name}`, () => {
    let seq = 0;
    const freshCatalog = () => `fc_${target.name}_${process.pid}_${++seq}`;

    /** Two files of two rows and one row, and a config that spells the destination with capitals. */
    function mixedCase() {
      const scratch = target.scratch();
      scratch.write('raw/credit/transactions_20240308.csv', csvFile(['id', 'amount'], [['a', 10], ['b', 20]]));
      scratch.write('raw/credit/transactions_20240309.csv', csvFile(['id', 'amount'], [['c', 30]]));
      const catalog = freshCatalog();
      const row = (schema: string, table: string) => `falcon,transactions,credit,transactions_*.csv,${scratch.path('raw', 'credit')}/,delimited,",",true,\${catalog},${schema},${table},true`;
      // Two config files of one spoke: as a hub before 27 ran it, and as this one does.
      return { scratch, catalog, capitalised: scratch.config([row('Falcon_Bronze', 'Credit_Raw')]), lower: scratch.write('lower.csv', `${CONFIG_HEADER}\n${row('falcon_bronze', 'credit_raw')}\n`) };
    }

    const rowsPerFile = async (engine: Engine, catalog: string) =>
      (await engine.query(sql`SELECT _source_file AS f, COUNT(*) AS n FROM ${sql.raw(engine.dialect.tableName(catalog, 'falcon_bronze', 'credit_raw'))} GROUP BY _source_file ORDER BY f`)).map((r) => [String(r['f']).split('/').pop(), Number(r['n'])]);
    const trackedSuccess = async (engine: Engine, catalog: string) =>
      (await engine.query(sql`SELECT dest_table, file_name FROM ${sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'load_tracker'))} WHERE load_status = 'SUCCESS' ORDER BY file_name`)).map((r) => [r['dest_table'], r['file_name']]);

    it('loads a config that spells Falcon_Bronze.Credit_Raw exactly once through a crash before the tracker write and a rerun, under the lower-case name', async () => {
      const { catalog, capitalised } = mixedCase();
      await withEngine(target, async (engine) => {
        const variables = { catalog: catalog.toUpperCase() };
        await expect(runBronze({ asOf: AS_OF }, { engine: dyingBeforeTracking(engine), configPath: capitalised, variables })).rejects.toThrow(/the runner died before the tracker write/);
        const rerun = await runBronze({ asOf: AS_OF }, { engine, configPath: capitalised, variables });
        expect([rerun.status, rerun.files.length, rerun.reconciled]).toEqual(['NOTHING_TO_LOAD', 0, 2]);
        expect(await rowsPerFile(engine, catalog)).toEqual([['transactions_20240308.csv', 2], ['transactions_20240309.csv', 1]]);
        const table = `${catalog}.falcon_bronze.credit_raw`;
        expect(await trackedSuccess(engine, catalog)).toEqual([[table, 'transactions_20240308.csv'], [table, 'transactions_20240309.csv']]);
      });
    });

    it('after an upgrade, finds what an older hub tracked under the capitalised spelling: nothing reloaded, nothing recorded twice', async () => {
      const { catalog, capitalised, lower } = mixedCase();
      await withEngine(target, async (engine) => {
        await runBronze({ asOf: AS_OF }, { engine, configPath: lower, variables: { catalog } });
        // What a hub before 27 left: the names as the CSV spelt them, in file_config, the tracker and a lease of a run that died.
        const meta = (table: string) => sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', table));
        const older = `${catalog}.Falcon_Bronze.Credit_Raw`;
        await engine.run(sql`UPDATE ${meta('load_tracker')} SET dest_table = ${older}`);
        await engine.run(sql`UPDATE ${meta('file_config')} SET dest_schema = 'Falcon_Bronze', dest_table = 'Credit_Raw'`);
        await engine.run(sql`INSERT INTO ${meta('load_lease')} (dest_table, run_id, acquired_at, expires_at, holder) VALUES (${older}, 'run-of-an-older-hub', ${new Date(Date.now() - 600_000)}, ${new Date(Date.now() - 300_000)}, 'old-host:1')`);
        const upgraded = await runBronze({ asOf: AS_OF }, { engine, configPath: capitalised, variables: { catalog } });
        expect([upgraded.status, upgraded.files.length, upgraded.reconciled]).toEqual(['NOTHING_TO_LOAD', 0, 0]);
        const table = `${catalog}.falcon_bronze.credit_raw`;
        expect(await trackedSuccess(engine, catalog)).toEqual([[table, 'transactions_20240308.csv'], [table, 'transactions_20240309.csv']]);
        expect((await engine.query(sql`SELECT dest_schema, dest_table FROM ${meta('file_config')}`)).map((r) => [r['dest_schema'], r['dest_table']])).toEqual([['falcon_bronze', 'credit_raw']]);
        expect((await engine.query(sql`SELECT dest_table FROM ${meta('load_lease')}`)).map((r) => r['dest_table'])).toEqual([]);
        expect(await rowsPerFile(engine, catalog)).toEqual([['transactions_20240308.csv', 2], ['transactions_20240309.csv', 1]]);
      });
    });

    it('loads headers with spaces and parentheses under the same column names, and quarantines one that names a column twice but for case', async () => {
      const scratch = target.scratch();
      scratch.write('raw/cards/cards_20240308.csv', 'Transaction Date,Amount (USD),Card=Type\n2024-03-08,10.50,visa\n');
      scratch.write('raw/cards/cards_20240309.csv', 'id,Amount,amount\n1,2,3\n');
      const catalog = freshCatalog();
      const config = scratch.config([`falcon,cards,all,cards_*.csv,${scratch.path('raw', 'cards')}/,delimited,",",true,${catalog},falcon_bronze,cards_raw,true`]);
      await withEngine(target, async (engine) => {
        const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(summary.files.map((f) => [f.path.split('/').pop(), f.status, f.rows, f.reason])).toEqual([
          ['cards_20240308.csv', 'SUCCESS', 1, null],
          ['cards_20240309.csv', 'QUARANTINED', 0, 'line 1: header columns 2 and 3 are named "Amount" and "amount", which differ only in case: column names ignore case on every engine, so no table can hold both'],
        ]);
        const cards = sql.raw(engine.dialect.tableName(catalog, 'falcon_bronze', 'cards_raw'));
        const [row] = await engine.query(sql`SELECT ${sql.column('Transaction Date')} AS d, ${sql.column('Amount (USD)')} AS a, ${sql.column('Card=Type')} AS t FROM ${cards}`);
        expect(row).toEqual({ d: '2024-03-08', a: '10.50', t: 'visa' });
      });
    });

    if (target.name === 'spark') {
      it('turns column mapping on for a bronze table an older hub created without it, when a new header needs it, and loads', async () => {
        const scratch = target.scratch();
        scratch.write('raw/cards/cards_20240309.csv', 'id,Amount (USD)\n1,10.50\n');
        const catalog = freshCatalog();
        const config = scratch.config([`falcon,cards,all,cards_*.csv,${scratch.path('raw', 'cards')}/,delimited,",",true,${catalog},falcon_bronze,cards_raw,true`]);
        await withEngine(target, async (engine) => {
          const cards = sql.raw(engine.dialect.tableName(catalog, 'falcon_bronze', 'cards_raw'));
          await engine.run(sql.raw(`CREATE SCHEMA IF NOT EXISTS ${engine.dialect.schemaName(catalog, 'falcon_bronze')}`));
          await engine.run(sql`CREATE TABLE ${cards} (id STRING, _source_file STRING, _batch_id STRING, _ingested_at TIMESTAMP) USING DELTA`);
          const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
          expect(summary.files.map((f) => [f.status, f.rows, f.reason])).toEqual([['SUCCESS', 1, null]]);
          const properties = new Map((await engine.query(sql`SHOW TBLPROPERTIES ${cards}`)).map((r) => [r['key'], r['value']]));
          expect(properties.get('delta.columnMapping.mode')).toBe('name');
          expect(await engine.query(sql`SELECT id, ${sql.column('Amount (USD)')} AS amount FROM ${cards}`)).toEqual([{ id: '1', amount: '10.50' }]);
        });
      });
    }

    if (target.name === 'duckdb') {
      it('opens the catalog file an older hub named with capitals (Dev.duckdb for --var catalog=Dev) instead of starting an empty one', async () => {
        const { catalog, capitalised, lower } = mixedCase();
        const warehouse = mkdtempSync(join(tmpdir(), 'dlh-wh-case-'));
        const first = await createDuckDbEngine({ warehouse, lockTimeoutMs: 0 });
        try {
          await runBronze({ asOf: AS_OF }, { engine: first, configPath: lower, variables: { catalog } });
        } finally {
          await first.close();
        }
        const older = `${catalog.slice(0, 1).toUpperCase()}${catalog.slice(1)}`;
        renameSync(join(warehouse, `${catalog}.duckdb`), join(warehouse, `${older}.duckdb`));
        const engine = await createDuckDbEngine({ warehouse, lockTimeoutMs: 0 });
        try {
          const again = await runBronze({ asOf: AS_OF }, { engine, configPath: capitalised, variables: { catalog: older } });
          expect([again.status, again.files.length]).toEqual(['NOTHING_TO_LOAD', 0]);
          expect(await rowsPerFile(engine, catalog)).toEqual([['transactions_20240308.csv', 2], ['transactions_20240309.csv', 1]]);
        } finally {
          await engine.close();
        }
      });
    }
  });
}

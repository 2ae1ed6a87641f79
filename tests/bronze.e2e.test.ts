import { expect, it } from 'vitest';
import { applyDdl, ConfigError, ParameterError, runBronze, type RunSummary } from '@org/deltalake-hub';
import { createLogger, HubError, sql, type Engine, type Logger } from '@org/hub-core';
import { describeEngine, enginesUnderTest } from './support/engines.js';
import { csvFile } from './support/fixtures.js';

const AS_OF = '2024-03-10';
const DAYS = ['20240301', '20240304', '20240308', '20240310'];

/** Every bronze scenario, with the same assertions on every engine available. */
for (const target of await enginesUnderTest()) {
  describeEngine(target, `bronze on ${target.name}`, () => {
    let catalogSeq = 0;
    /** For scenarios a SQL warehouse cannot stage (a file's modification time, local paths, SQL listings): shown as skipped in the live suite. */
    const notOnDatabricks = target.name === 'databricks' ? it.skip : it;
    /** A catalog of its own per test, so tests share an engine's server but not its tables. */
    const freshCatalog = () => `e2e_${target.name}_${process.pid}_${++catalogSeq}`;

    async function withEngine<T>(fn: (engine: Engine) => Promise<T>, logger?: Logger): Promise<T> {
      const engine = await target.open(logger);
      try {
        return await fn(engine);
      } finally {
        await engine.close();
      }
    }

    const table = (engine: Engine, catalog: string, name = 'credit_raw') => sql.raw(engine.dialect.tableName(catalog, 'falcon_bronze', name));
    const count = async (engine: Engine, catalog: string, name = 'credit_raw', where = sql.raw('1 = 1')) =>
      Number((await engine.query(sql`SELECT COUNT(*) AS n FROM ${table(engine, catalog, name)} WHERE ${where}`))[0]?.['n']);
    const trackerRows = (engine: Engine, catalog: string) =>
      engine.query(sql`SELECT file_name, load_status, row_count, batch_id, error_message FROM ${sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'load_tracker'))} ORDER BY file_name, load_timestamp`);

    function creditSetup(days = DAYS) {
      const scratch = target.scratch();
      for (const day of days) scratch.write(`raw/credit/transactions_${day}.csv`, csvFile(['id', 'amount'], [[`${day}-1`, 10], [`${day}-2`, 20]]));
      const catalog = freshCatalog();
      const row = (extra = '') => `falcon,transactions,credit,transactions_*.csv,${scratch.path('raw', 'credit')}/,delimited,",",true,${catalog},falcon_bronze,credit_raw,true${extra}`;
      const config = scratch.config([row()]);
      return { scratch, catalog, config };
    }

    it('loads the files of the 7-day window once, and nothing on the second run', async () => {
      const { catalog, config } = creditSetup();
      await withEngine(async (engine) => {
        const first: RunSummary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(first.status).toBe('SUCCESS');
        expect(first.window).toEqual({ begin: '2024-03-04', end: '2024-03-10' });
        expect(first.files.map((f) => f.path.split('/').pop()).sort()).toEqual(['transactions_20240304.csv', 'transactions_20240308.csv', 'transactions_20240310.csv']);
        expect(first.files.every((f) => f.status === 'SUCCESS' && f.rows === 2)).toBe(true);
        const rows = await engine.query(sql`SELECT id, amount, _source_file, _batch_id FROM ${table(engine, catalog)} ORDER BY id`);
        expect(rows).toHaveLength(6);
        expect(rows[0]).toMatchObject({ id: '20240304-1', amount: '10', _batch_id: first.runId });
        expect(String(rows[0]?.['_source_file'])).toMatch(/raw\/credit\/transactions_20240304\.csv$/);
        const second = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(second.status).toBe('NOTHING_TO_LOAD');
        expect(await count(engine, catalog)).toBe(6);
        const tracked = await trackerRows(engine, catalog);
        expect(tracked.map((t) => [t['file_name'], t['load_status'], Number(t['row_count'])])).toEqual([
          ['transactions_20240304.csv', 'SUCCESS', 2],
          ['transactions_20240308.csv', 'SUCCESS', 2],
          ['transactions_20240310.csv', 'SUCCESS', 2],
        ]);
      });
    });

    it('applies begin_date, end_date and file_name as docs/bronze.md (Which files) says', async () => {
      const { config } = creditSetup();
      await withEngine(async (engine) => {
        const names = (s: RunSummary) => s.files.map((f) => f.path.split('/').pop()).sort();
        const onlyEnd = await runBronze({ asOf: AS_OF, endDate: '2024-03-04', force: true }, { engine, configPath: config });
        expect(onlyEnd.window).toEqual({ begin: '2024-02-27', end: '2024-03-04' });
        expect(names(onlyEnd)).toEqual(['transactions_20240301.csv', 'transactions_20240304.csv']);
        const onlyBegin = await runBronze({ asOf: AS_OF, beginDate: '2024-03-08' }, { engine, configPath: config });
        expect(names(onlyBegin)).toEqual(['transactions_20240308.csv', 'transactions_20240310.csv']);
        const byName = await runBronze({ asOf: '2030-01-01', fileName: 'transactions_20240301.csv', force: true }, { engine, configPath: config });
        expect(names(byName)).toEqual(['transactions_20240301.csv']);
        await expect(runBronze({ beginDate: '2024-03-09', endDate: '2024-03-01' }, { engine, configPath: config })).rejects.toBeInstanceOf(ParameterError);
        await expect(runBronze({ beginDate: '2024-02-30' }, { engine, configPath: config })).rejects.toThrow(/begin_date: expected a date yyyy-MM-dd/);
      });
    });

    notOnDatabricks('dates a file by its modification time (UTC) when its name has no date', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      const file = scratch.write('raw/ev/export.csv', csvFile(['a'], [[1]]));
      const { utimesSync } = await import('node:fs');
      const when = new Date('2024-03-09T23:30:00Z');
      utimesSync(file, when, when);
      const config = scratch.config([`falcon,events,misc,*.csv,${scratch.path('raw', 'ev')}/,delimited,",",true,${catalog},falcon_bronze,misc_raw,true`]);
      await withEngine(async (engine) => {
        const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(summary.files.map((f) => [f.path.split('/').pop(), f.fileDate])).toEqual([['export.csv', '2024-03-09']]);
      });
    });

    it('upserts the config: changed rows updated, rows gone from the CSV deactivated, other LOBs untouched', async () => {
      const { scratch, catalog, config } = creditSetup();
      const fileConfig = (engine: Engine) =>
        engine.query(sql`SELECT lob, subcategory, file_pattern, is_active, config_id, updated_ts FROM ${sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'file_config'))} ORDER BY lob, subcategory`);
      await withEngine(async (engine) => {
        const other = scratch.write('other.csv', `${'lob,category,subcategory,file_pattern,source_path,file_format,delimiter,has_header,dest_catalog,dest_schema,dest_table,is_active'}\neagle,orders,web,*.csv,${scratch.path('raw', 'eagle')}/,delimited,",",true,${catalog},eagle_bronze,orders_raw,true\n`);
        await runBronze({ asOf: AS_OF }, { engine, configPath: other });
        await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        const before = await fileConfig(engine);
        expect(before.map((r) => [r['lob'], r['subcategory'], r['is_active']])).toEqual([['eagle', 'web', true], ['falcon', 'credit', true]]);
        // Same CSV again: nothing changes, not even updated_ts.
        await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(await fileConfig(engine)).toEqual(before);
        const lines = (await import('node:fs')).readFileSync(config, 'utf8').trim().split('\n');
        const changed = scratch.write('config2.csv', `${lines[0]}\n${(lines[1] as string).replace('transactions_*.csv', 'transactions_2024*.csv').replace(',credit,', ',credit,')}\nfalcon,transactions,debit,debit_*.csv,${scratch.path('raw', 'debit')}/,delimited,|,true,${catalog},falcon_bronze,debit_raw,true\n`);
        await runBronze({ asOf: AS_OF }, { engine, configPath: changed });
        const after = await fileConfig(engine);
        expect(after.map((r) => [r['lob'], r['subcategory'], r['file_pattern'], r['is_active']])).toEqual([
          ['eagle', 'web', '*.csv', true],
          ['falcon', 'credit', 'transactions_2024*.csv', true],
          ['falcon', 'debit', 'debit_*.csv', true],
        ]);
        expect(after[1]?.['config_id']).toBe(before[1]?.['config_id']);
        expect(after[0]?.['updated_ts']).toEqual(before[0]?.['updated_ts']);
        const onlyDebit = scratch.write('config3.csv', `${lines[0]}\nfalcon,transactions,debit,debit_*.csv,${scratch.path('raw', 'debit')}/,delimited,|,true,${catalog},falcon_bronze,debit_raw,true\n`);
        await runBronze({ asOf: AS_OF }, { engine, configPath: onlyDebit });
        const last = await fileConfig(engine);
        expect(last.map((r) => [r['lob'], r['subcategory'], r['is_active']])).toEqual([['eagle', 'web', true], ['falcon', 'credit', false], ['falcon', 'debit', true]]);
      });
    });

    /** The schemas a catalog holds, read from the engine's own catalog (independently of the hub's code). */
    async function schemasOf(engine: Engine, catalog: string): Promise<string[]> {
      if (target.name === 'spark') {
        const rows = await engine.query(sql`SHOW DATABASES LIKE ${sql.literal(`${catalog}__*`)}`);
        return rows.map((r) => String(r['namespace']).slice(`${catalog}__`.length)).sort();
      }
      if (target.name === 'databricks') {
        // The live suite folds each test's catalog into schemas `<catalog>__<schema>` of one real catalog.
        const [real] = engine.dialect.tableParts(catalog, 'any', 'any');
        const rows = await engine.query(sql`SHOW SCHEMAS IN ${sql.id(real)} LIKE ${sql.literal(`${catalog}__*`)}`);
        return rows.map((r) => String(r['databaseName'] ?? r['namespace']).slice(`${catalog}__`.length)).sort();
      }
      const rows = await engine.query(sql`SELECT schema_name FROM information_schema.schemata WHERE catalog_name = ${catalog} AND schema_name <> 'main'`);
      return rows.map((r) => String(r['schema_name'])).sort();
    }

    it('rejects an invalid config and unknown categories before writing anything', async () => {
      const { scratch, catalog } = creditSetup();
      const bad = scratch.config([`falcon,transactions,credit,transactions_*.csv,${scratch.path('raw')}/,delimited,",",maybe,${catalog},falcon_bronze,credit_raw,true`]);
      await withEngine(async (engine) => {
        const error = await runBronze({ asOf: AS_OF }, { engine, configPath: bad }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).message).toContain(`${bad}:2: has_header:`);
        const unknown = creditSetup();
        await expect(runBronze({ asOf: AS_OF, category: 'nope' }, { engine, configPath: unknown.config })).rejects.toThrow(/category: no active config row has category "nope"/);
        // Each run wrote nothing to the catalog it names: not even the metadata schema.
        expect(await schemasOf(engine, catalog)).toEqual([]);
        expect(await schemasOf(engine, unknown.catalog)).toEqual([]);
        // The same check sees a run's first write (the metadata DDL), so the empty lists above are not a query that cannot see.
        await applyDdl(engine, unknown.catalog);
        expect(await schemasOf(engine, unknown.catalog)).toEqual(['bronze_metadata']);
      });
    });

    notOnDatabricks('fails clearly on an unmapped cloud path and loads it through --source-root', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      scratch.write('lake/falcon/txn/credit/transactions_20240309.csv', csvFile(['id'], [[1], [2]]));
      const config = scratch.config([`falcon,transactions,credit,transactions_*.csv,abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/,delimited,",",true,${catalog},falcon_bronze,credit_raw,true`]);
      await withEngine(async (engine) => {
        const error = await runBronze({ asOf: AS_OF }, { engine, configPath: config }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(HubError);
        expect((error as Error).message).toContain('abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/');
        expect((error as Error).message).toContain('--source-root abfss://raw@storage.dfs.core.windows.net/=');
        const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config, sourceRoots: { 'abfss://raw@storage.dfs.core.windows.net/': scratch.path('lake') } });
        expect(summary.files.map((f) => [f.path, f.rows])).toEqual([['abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/transactions_20240309.csv', 2]]);
        const lineage = await engine.query(sql`SELECT DISTINCT _source_file FROM ${table(engine, catalog)}`);
        expect(lineage).toEqual([{ _source_file: 'abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/transactions_20240309.csv' }]);
      });
    });

    it('quarantines each broken file with its reason while the good files load', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      scratch.write('raw/q/data_20240309_good.csv', csvFile(['id', 'v'], [[1, 'a'], [2, 'b']]));
      scratch.write('raw/q/data_20240309_wide.csv', 'id,v\n1,a\n2,b,extra\n3,c\n');
      scratch.write('raw/q/data_20240309_utf8.csv', Buffer.concat([Buffer.from('id,v\n1,ok\n2,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
      scratch.write('raw/q/data_20240309_empty.csv', '');
      scratch.write('raw/q/data_20240309_quote.csv', 'id,v\n1,"never closed\n2,b\n');
      const config = scratch.config([`falcon,q,q,*.csv,${scratch.path('raw', 'q')}/,delimited,",",true,${catalog},falcon_bronze,q_raw,true`]);
      await withEngine(async (engine) => {
        const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(summary.status).toBe('PARTIAL');
        const byName = Object.fromEntries(summary.files.map((f) => [f.path.split('/').pop(), f]));
        expect(byName['data_20240309_good.csv']).toMatchObject({ status: 'SUCCESS', rows: 2 });
        expect(byName['data_20240309_wide.csv']).toMatchObject({ status: 'QUARANTINED', rows: 0 });
        expect(byName['data_20240309_wide.csv']?.reason).toMatch(/line 3/);
        expect(byName['data_20240309_utf8.csv']?.status).toBe('QUARANTINED');
        expect(byName['data_20240309_utf8.csv']?.reason).toMatch(/line 3/);
        // Spark's file scans skip zero-byte files, so the hub finds them in the folder itself; Databricks' LIST cannot tell one from a directory (docs/engines.md).
        if (target.name === 'databricks') expect(byName['data_20240309_empty.csv']).toBeUndefined();
        else expect(byName['data_20240309_empty.csv']).toMatchObject({ status: 'QUARANTINED', reason: 'zero bytes: the file is empty' });
        expect(byName['data_20240309_quote.csv']?.status).toBe('QUARANTINED');
        const sources = await engine.query(sql`SELECT _source_file, COUNT(*) AS n FROM ${table(engine, catalog, 'q_raw')} GROUP BY _source_file`);
        expect(sources.map((s) => [String(s['_source_file']).split('/').pop(), Number(s['n'])])).toEqual([['data_20240309_good.csv', 2]]);
        const tracked = await trackerRows(engine, catalog);
        expect(tracked.filter((t) => t['load_status'] === 'QUARANTINED')).toHaveLength(target.name === 'databricks' ? 3 : 4);
        // The tracker keeps each file's reason (NULL for the good one), the same text the summary gives.
        const trackedReason = new Map(tracked.map((t) => [String(t['file_name']), t['error_message']]));
        expect(trackedReason.get('data_20240309_good.csv')).toBeNull();
        expect(trackedReason.get('data_20240309_wide.csv')).toMatch(/line 3/);
        expect(trackedReason.get('data_20240309_utf8.csv')).toMatch(/line 3/);
        expect(trackedReason.get('data_20240309_quote.csv')).toMatch(/\S/);
        if (target.name !== 'databricks') expect(trackedReason.get('data_20240309_empty.csv')).toBe('zero bytes: the file is empty');
        for (const file of summary.files) expect(trackedReason.get(file.path.split('/').pop() as string), file.path).toBe(file.reason);
      });
    });

    it('loads parquet with its types, quarantines corrupt parquet and a type clash with the table', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      await withEngine(async (engine) => {
        await scratch.parquet('raw/pq/events_20240308.parquet', `SELECT 1::BIGINT AS id, 'a' AS page, TIMESTAMP '2024-03-08 10:00:00' AS ts UNION ALL SELECT 2, 'b', TIMESTAMP '2024-03-08 11:00:00'`);
        const config = scratch.config([`falcon,events,pq,events_*.parquet,${scratch.path('raw', 'pq')}/,parquet,,false,${catalog},falcon_bronze,events_raw,true`]);
        const first = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(first.files.map((f) => [f.status, f.rows, f.reason])).toEqual([['SUCCESS', 2, null]]);
        const typed = await engine.query(sql`SELECT id + 1 AS next_id, ts FROM ${table(engine, catalog, 'events_raw')} ORDER BY id`);
        expect(typed.map((r) => Number(r['next_id']))).toEqual([2, 3]);
        await scratch.parquet('raw/pq/events_20240309.parquet', `SELECT 'not-a-number' AS id, 'c' AS page, TIMESTAMP '2024-03-09 10:00:00' AS ts`);
        await scratch.parquet('raw/pq/events_20240310.parquet', `SELECT 3::BIGINT AS id, 'd' AS page, TIMESTAMP '2024-03-10 10:00:00' AS ts, 'web' AS channel`);
        scratch.write('raw/pq/events_20240310b.parquet', 'PAR1 this is not really parquet PAR1');
        const second = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        const byName = Object.fromEntries(second.files.map((f) => [f.path.split('/').pop(), f]));
        expect(byName['events_20240309.parquet']?.status).toBe('QUARANTINED');
        expect(byName['events_20240309.parquet']?.reason).toMatch(/type clash.*id/);
        expect(byName['events_20240310b.parquet']?.status).toBe('QUARANTINED');
        expect(byName['events_20240310.parquet']).toMatchObject({ status: 'SUCCESS', rows: 1 });
        // Schema evolution: the new column is added, older rows have NULL in it.
        const rows = await engine.query(sql`SELECT id, channel FROM ${table(engine, catalog, 'events_raw')} ORDER BY id`);
        expect(rows.map((r) => [Number(r['id']), r['channel']])).toEqual([[1, null], [2, null], [3, 'web']]);
      });
    });

    it('handles any delimiter and names headerless columns _c0, _c1, ...', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      scratch.write('raw/pipe/p_20240309.txt', 'id|name\n1|a,b\n');
      scratch.write('raw/semi/s_20240309.txt', 'id;name\n2;c\n');
      scratch.write('raw/tab/t_20240309.tsv', 'id\tname\n3\td\n');
      scratch.write('raw/nohdr/n_20240309.csv', '4,e\n5,f\n');
      const config = scratch.config([
        `falcon,d,pipe,*.txt,${scratch.path('raw', 'pipe')}/,delimited,|,true,${catalog},falcon_bronze,delim_raw,true`,
        `falcon,d,semi,*.txt,${scratch.path('raw', 'semi')}/,delimited,;,true,${catalog},falcon_bronze,delim_raw,true`,
        `falcon,d,tab,*.tsv,${scratch.path('raw', 'tab')}/,delimited,\t,true,${catalog},falcon_bronze,delim_raw,true`,
        `falcon,d,nohdr,*.csv,${scratch.path('raw', 'nohdr')}/,delimited,",",false,${catalog},falcon_bronze,nohdr_raw,true`,
      ]);
      await withEngine(async (engine) => {
        const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(summary.status).toBe('SUCCESS');
        const rows = await engine.query(sql`SELECT id, name FROM ${table(engine, catalog, 'delim_raw')} ORDER BY id`);
        expect(rows).toEqual([{ id: '1', name: 'a,b' }, { id: '2', name: 'c' }, { id: '3', name: 'd' }]);
        const nohdr = await engine.query(sql`SELECT _c0, _c1 FROM ${table(engine, catalog, 'nohdr_raw')} ORDER BY _c0`);
        expect(nohdr).toEqual([{ _c0: '4', _c1: 'e' }, { _c0: '5', _c1: 'f' }]);
      });
    });

    it('--force replaces a file\'s earlier rows instead of duplicating them, and a rewritten file is reported', async () => {
      const { scratch, catalog, config } = creditSetup(['20240309']);
      await withEngine(async (engine) => {
        await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        scratch.write('raw/credit/transactions_20240309.csv', csvFile(['id', 'amount'], [['x-1', 1], ['x-2', 2], ['x-3', 3]]));
        scratch.touch('raw/credit/transactions_20240309.csv', new Date(Date.now() + 60_000));
        const unforced = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(unforced.status).toBe('NOTHING_TO_LOAD');
        expect(unforced.changedSinceLoad.map((c) => c.path.split('/').pop())).toEqual(['transactions_20240309.csv']);
        expect(await count(engine, catalog)).toBe(2);
        const forced = await runBronze({ asOf: AS_OF, force: true }, { engine, configPath: config });
        expect(forced.files.map((f) => [f.status, f.rows])).toEqual([['SUCCESS', 3]]);
        const ids = await engine.query(sql`SELECT id FROM ${table(engine, catalog)} ORDER BY id`);
        expect(ids.map((r) => r['id'])).toEqual(['x-1', 'x-2', 'x-3']);
        const statuses = (await trackerRows(engine, catalog)).map((t) => t['load_status']).sort();
        expect(statuses).toEqual(['REPLACED', 'SUCCESS']);
      });
    });

    notOnDatabricks('asks the tracker only about the files a run acts on: none once all are loaded, the rewritten one, or all when forced', async () => {
      const { scratch, config } = creditSetup(['20240308', '20240309']);
      // Rows each tracker lookup of listed files returned, from the engine's debug log.
      const listed: number[] = [];
      const logger = createLogger({
        level: 'debug',
        pretty: false,
        destination: {
          write(line: string) {
            const record = JSON.parse(line) as { msg?: string; sql?: string; rows?: number };
            if (record.msg === 'statement' && /^WITH c AS/.test(record.sql ?? '')) listed.push(Number(record.rows));
          },
        },
      });
      await withEngine(async (engine) => {
        await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        // The lookup of the two new files (the check after the load reads their sizes and times again, no statement).
        expect(listed).toEqual([2]);
        await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        // Nothing to load.
        expect(listed).toEqual([2, 0]);
        const { utimesSync } = await import('node:fs');
        scratch.write('raw/credit/transactions_20240309.csv', csvFile(['id', 'amount'], [['x-1', 1]]));
        const later = new Date(Date.now() + 60_000);
        utimesSync(scratch.path('raw', 'credit', 'transactions_20240309.csv'), later, later);
        const rerun = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(listed).toEqual([2, 0, 1]);
        expect(rerun.changedSinceLoad.map((c) => c.path.split('/').pop())).toEqual(['transactions_20240309.csv']);
        await runBronze({ asOf: AS_OF, force: true }, { engine, configPath: config });
        expect(listed.slice(3)).toEqual([2]);
      }, logger);
    });

    it('maps each file by its own header: reordered, extra and missing columns, LF, CRLF and CR line endings', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      const files: Record<string, string> = {
        'h_20240305_lf.csv': 'id,amount\na1,1\na2,2\n',
        'h_20240306_reordered.csv': 'amount,id\n3,b1\n',
        'h_20240307_extra.csv': 'id,amount,note\nc1,4,hello\n',
        'h_20240308_missing.csv': 'id\nd1\n',
        'h_20240309_crlf.csv': 'id,amount\r\ne1,5\r\ne2,6\r\n',
        'h_20240310_cr.csv': 'id,amount\rf1,7\rf2,8\r',
      };
      for (const [name, content] of Object.entries(files)) scratch.write(`raw/h/${name}`, content);
      const config = scratch.config([`falcon,transactions,credit,h_*.csv,${scratch.path('raw', 'h')}/,delimited,",",true,${catalog},falcon_bronze,credit_raw,true`]);
      await withEngine(async (engine) => {
        const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(summary.files.map((f) => [f.path.split('/').pop(), f.status, f.rows]).sort(), JSON.stringify(summary.files.map((f) => f.reason))).toEqual([
          ['h_20240305_lf.csv', 'SUCCESS', 2],
          ['h_20240306_reordered.csv', 'SUCCESS', 1],
          ['h_20240307_extra.csv', 'SUCCESS', 1],
          ['h_20240308_missing.csv', 'SUCCESS', 1],
          ['h_20240309_crlf.csv', 'SUCCESS', 2],
          ['h_20240310_cr.csv', 'SUCCESS', 2],
        ]);
        const rows = await engine.query(sql`SELECT id, amount, note FROM ${table(engine, catalog)} ORDER BY id`);
        expect(rows.map((r) => [r['id'], r['amount'], r['note']])).toEqual([
          ['a1', '1', null],
          ['a2', '2', null],
          ['b1', '3', null],
          ['c1', '4', 'hello'],
          ['d1', null, null],
          ['e1', '5', null],
          ['e2', '6', null],
          ['f1', '7', null],
          ['f2', '8', null],
        ]);
      });
    });

    it('recovers a crash between load and tracker write without duplicating rows', async () => {
      const { catalog, config } = creditSetup();
      await withEngine(async (engine) => {
        // The crash comes as the table's rows are in, before its tracker rows (the table-loaded progress event).
        const crash = runBronze({ asOf: AS_OF }, { engine, configPath: config, onProgress: (event) => { if (event.kind === 'table-loaded') throw new Error('simulated crash'); } });
        await expect(crash).rejects.toThrow('simulated crash');
        // The lease of the crashed run is released by its finally; a killed process leaves it to expire.
        expect(await count(engine, catalog)).toBe(6);
        // Only the LOADING rows written before the load: no file counts as loaded yet.
        expect((await trackerRows(engine, catalog)).map((t) => t['load_status'])).toEqual(['LOADING', 'LOADING', 'LOADING']);
        const recovery = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(recovery.reconciled).toBe(3);
        expect(recovery.status).toBe('NOTHING_TO_LOAD');
        expect(await count(engine, catalog)).toBe(6);
        const tracked = await trackerRows(engine, catalog);
        expect(tracked.map((t) => [t['load_status'], Number(t['row_count'])])).toEqual([['SUCCESS', 2], ['SUCCESS', 2], ['SUCCESS', 2]]);
      });
    });

    it('reconciles each file under the config row that listed it, for a table fed by two config rows', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      scratch.write('raw/credit/transactions_20240309.csv', csvFile(['id', 'amount'], [['c1', 10], ['c2', 20]]));
      scratch.write('raw/debit/debits_20240309.csv', csvFile(['id', 'amount'], [['d1', 30]]));
      const credit = `${scratch.path('raw', 'credit')}/`;
      const debit = `${scratch.path('raw', 'debit')}/`;
      const config = scratch.config([
        `falcon,transactions,credit,transactions_*.csv,${credit},delimited,",",true,${catalog},falcon_bronze,money_raw,true`,
        `falcon,payments,debit,debits_*.csv,${debit},delimited,",",true,${catalog},falcon_bronze,money_raw,true`,
      ]);
      await withEngine(async (engine) => {
        const crash = runBronze({ asOf: AS_OF }, { engine, configPath: config, onProgress: (event) => { if (event.kind === 'table-loaded') throw new Error('simulated crash'); } });
        await expect(crash).rejects.toThrow('simulated crash');
        const recovery = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(recovery.reconciled).toBe(2);
        const tracker = sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'load_tracker'));
        const rows = await engine.query(sql`SELECT file_name, lob, category, subcategory, source_path, load_status, row_count FROM ${tracker} ORDER BY file_name`);
        expect(rows.map((r) => [r['file_name'], r['lob'], r['category'], r['subcategory'], r['source_path'], r['load_status'], Number(r['row_count'])])).toEqual([
          ['debits_20240309.csv', 'falcon', 'payments', 'debit', debit, 'SUCCESS', 1],
          ['transactions_20240309.csv', 'falcon', 'transactions', 'credit', credit, 'SUCCESS', 2],
        ]);
      });
    });

    it('issues the same number of statements for 1 file and for 50 files', async () => {
      const one = creditSetup(['20240309']);
      const fifty = creditSetup(Array.from({ length: 50 }, (_, i) => `202403${String(1 + (i % 9)).padStart(2, '0')}`).map((d, i) => `${d}_${i}`));
      await withEngine(async (engine) => {
        const a = await runBronze({ asOf: AS_OF, beginDate: '2024-03-01' }, { engine, configPath: one.config });
        const b = await runBronze({ asOf: AS_OF, beginDate: '2024-03-01' }, { engine, configPath: fifty.config });
        expect(a.files).toHaveLength(1);
        expect(b.files).toHaveLength(50);
        expect(b.statements).toBe(a.statements);
      });
    });

    notOnDatabricks('issues the same number of statements for 1 file and for 7 files per date folder of the window', async () => {
      const setup = (perDay: number) => {
        const scratch = target.scratch();
        const catalog = freshCatalog();
        for (let i = 0; i < 7 * perDay; i++) scratch.write(`lake/t/2024/03/${String(4 + (i % 7)).padStart(2, '0')}/f_${i}.csv`, csvFile(['id'], [[i]]));
        return scratch.config([`falcon,t,t,*.csv,${scratch.path('lake', 't')}/{yyyy}/{MM}/{dd}/,delimited,",",true,${catalog},falcon_bronze,t_raw,true`]);
      };
      await withEngine(async (engine) => {
        const one = await runBronze({ asOf: AS_OF }, { engine, configPath: setup(1) });
        const seven = await runBronze({ asOf: AS_OF }, { engine, configPath: setup(7) });
        expect([one.files.length, seven.files.length]).toEqual([7, 49]);
        // Statements may grow with the window's days (Spark reads a view per folder), never with the files in them.
        expect(seven.statements).toBe(one.statements);
      });
    });

    // Separate sessions writing one Delta table; the embedded engine admits one process per warehouse (tests/reliability covers it).
    if (target.name === 'duckdb') it('loads 40 files with 40 different headers under a 512MB memory limit (scans are batched, not one per file)', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      for (let i = 0; i < 40; i++) scratch.write(`raw/m/m_20240309_${i}.csv`, `id,c${i}\n${i},x${i}\n`);
      const config = scratch.config([`falcon,transactions,credit,m_*.csv,${scratch.path('raw', 'm')}/,delimited,",",true,${catalog},falcon_bronze,credit_raw,true`]);
      const { createDuckDbEngine } = await import('@org/hub-core');
      const engine = await createDuckDbEngine({ warehouse: scratch.path('wh'), memoryLimit: '512MB', lockTimeoutMs: 0 });
      try {
        const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(summary.status, JSON.stringify(summary.files.find((f) => f.status !== 'SUCCESS'))).toBe('SUCCESS');
        expect(summary.files.every((f) => f.rows === 1)).toBe(true);
        const rows = await engine.query(sql`SELECT id, c7, c39 FROM ${table(engine, catalog)} WHERE id IN ('7', '39') ORDER BY id`);
        expect(rows).toEqual([{ id: '39', c7: null, c39: 'x39' }, { id: '7', c7: 'x7', c39: null }]);
      } finally {
        await engine.close();
      }
    });

    if (target.name !== 'duckdb') it('loads every file exactly once when two runs of the same job start at once', async () => {
      const days = Array.from({ length: 6 }, (_, i) => `2024030${i + 4}`);
      const { catalog, config } = creditSetup(days);
      const runs = await Promise.all(
        [1, 2].map(() => withEngine((engine) => runBronze({ asOf: AS_OF }, { engine, configPath: config, leaseWaitMs: 300_000 }))),
      );
      const loaded = runs.flatMap((r) => r.files.filter((f) => f.status === 'SUCCESS').map((f) => f.path)).sort();
      expect(loaded).toHaveLength(6);
      expect(new Set(loaded).size).toBe(6);
      await withEngine(async (engine) => {
        const perFile = await engine.query(sql`SELECT _source_file, COUNT(*) AS n, COUNT(DISTINCT _batch_id) AS batches FROM ${table(engine, catalog)} GROUP BY _source_file`);
        expect(perFile).toHaveLength(6);
        expect(perFile.every((r) => Number(r['n']) === 2 && Number(r['batches']) === 1)).toBe(true);
        const tracked = await trackerRows(engine, catalog);
        expect(tracked.filter((t) => t['load_status'] === 'SUCCESS')).toHaveLength(6);
        const again = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(again.status).toBe('NOTHING_TO_LOAD');
      });
    });

    it('loads a legal file name with quotes and SQL in it verbatim, and a canary table survives', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      const name = "a';DROP TABLE canary;--_20240309.csv";
      scratch.write(`raw/inj/${name}`, csvFile(['id', 'note'], [[1, "it's"], [2, '"quoted; --"']]));
      // Glob characters in a name match only themselves: b[1] is not b1, b* is not b1.
      scratch.write('raw/inj/b[1]_20240309.csv', csvFile(['id', 'note'], [[10, 'bracket']]));
      scratch.write('raw/inj/b1_20240309.csv', csvFile(['id', 'note'], [[11, 'plain'], [12, 'plain']]));
      scratch.write('raw/inj/b*_20240309.csv', csvFile(['id', 'note'], [[13, 'star']]));
      const config = scratch.config([`falcon,inj,inj,*.csv,${scratch.path('raw', 'inj')}/,delimited,",",true,${catalog},falcon_bronze,inj_raw,true`]);
      await withEngine(async (engine) => {
        await engine.prepareCatalogs([catalog]);
        await engine.run(sql`CREATE SCHEMA IF NOT EXISTS ${sql.raw(engine.dialect.schemaName(catalog, 'falcon_bronze'))}`);
        await engine.run(sql`CREATE TABLE ${table(engine, catalog, 'canary')} AS SELECT 1 AS alive`);
        const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(summary.files.map((f) => [f.path.split('/').pop(), f.status, f.rows]).sort()).toEqual([
          [name, 'SUCCESS', 2],
          ['b*_20240309.csv', 'SUCCESS', 1],
          ['b1_20240309.csv', 'SUCCESS', 2],
          ['b[1]_20240309.csv', 'SUCCESS', 1],
        ]);
        const rows = await engine.query(sql`SELECT note, _source_file FROM ${table(engine, catalog, 'inj_raw')} ORDER BY CAST(id AS INT)`);
        expect(rows.map((r) => [r['note'], String(r['_source_file']).split('/').pop()])).toEqual([
          ["it's", name],
          ['quoted; --', name],
          ['bracket', 'b[1]_20240309.csv'],
          ['plain', 'b1_20240309.csv'],
          ['plain', 'b1_20240309.csv'],
          ['star', 'b*_20240309.csv'],
        ]);
        expect(await count(engine, catalog, 'canary')).toBe(1);
      });
    });
  });
}

import { rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { parseChecksFile, runBronze, runBronzeWithChecks, type RunSummary } from '@org/deltalake-hub';
import { sql, type Engine } from '@org/hub-core';
import { describeEngine, enginesUnderTest } from './support/engines.js';
import { csvFile } from './support/fixtures.js';

const AS_OF = '2024-03-10';
const name = (path: string) => path.split('/').pop() as string;

/** Landing zones as they are (issue 26): date folders, compressed files, bounded runs; and a quarantined file checked once (issue 28). */
for (const target of await enginesUnderTest()) {
  if (target.name === 'databricks') continue;
  describeEngine(target, `landing zones on ${target.name}`, () => {
    let seq = 0;
    const freshCatalog = () => `lz_${target.name}_${process.pid}_${++seq}`;
    async function withEngine<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
      const engine = await target.open();
      try {
        return await fn(engine);
      } finally {
        await engine.close();
      }
    }
    const table = (engine: Engine, catalog: string, t: string) => sql.raw(engine.dialect.tableName(catalog, 'falcon_bronze', t));
    const tracker = (engine: Engine, catalog: string) => sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'load_tracker'));
    const rowsPerFile = async (engine: Engine, catalog: string, t: string) =>
      (await engine.query(sql`SELECT _source_file, COUNT(*) AS n FROM ${table(engine, catalog, t)} GROUP BY _source_file ORDER BY _source_file`)).map((r) => [name(String(r['_source_file'])), Number(r['n'])]);
    const row = (catalog: string, sub: string, pattern: string, path: string, t: string) => `falcon,credit,${sub},${pattern},${path},delimited,",",true,${catalog},falcon_bronze,${t},true`;

    it('a date-templated path loads only the window\'s folders, dates files by their folder, counts the folders outside it', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      // 2024-03-04..2024-03-10 is the window. Folders: 2023/12/31 (a year outside), 2024/02/28 (a month outside),
      // 2024/03/01 and 2024/03/03 (days outside), 2024/03/04, 03/09, 03/10 (in it; 03/05..03/08 have no folder).
      const days = ['2023/12/31', '2024/02/28', '2024/03/01', '2024/03/03', '2024/03/04', '2024/03/09', '2024/03/10'];
      for (const day of days) scratch.write(`lake/credit/${day}/part_a.csv`, csvFile(['id', 'day'], [[`${day}-a`, day]]));
      // A name with another date: the folder's day wins.
      scratch.write('lake/credit/2024/03/09/export_20230101.csv', csvFile(['id', 'day'], [['named-2023', 'x'], ['y', 'z']]));
      // Not date folders: left alone.
      scratch.write('lake/credit/2024/03/notaday/part_z.csv', csvFile(['id', 'day'], [['z', 'z']]));
      scratch.write('lake/credit/archive/part_y.csv', csvFile(['id', 'day'], [['y', 'y']]));
      const config = scratch.config([row(catalog, 'dated', '*.csv', `${scratch.path('lake', 'credit')}/{yyyy}/{MM}/{dd}/`, 'credit_raw')]);
      await withEngine(async (engine) => {
        const first = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(first.status).toBe('SUCCESS');
        expect(first.files.map((f) => [f.path.slice(scratch.path('lake', 'credit').length + 1), f.fileDate, f.rows])).toEqual([
          ['2024/03/04/part_a.csv', '2024-03-04', 1],
          ['2024/03/09/export_20230101.csv', '2024-03-09', 2],
          ['2024/03/09/part_a.csv', '2024-03-09', 1],
          ['2024/03/10/part_a.csv', '2024-03-10', 1],
        ]);
        // The year 2023, the month 2024/02 and the days 03/01 and 03/03: four folders, none of them entered.
        expect(first.outsideWindowFolders).toEqual([
          {
            lob: 'falcon',
            category: 'credit',
            subcategory: 'dated',
            destTable: `${catalog}.falcon_bronze.credit_raw`,
            sourcePath: `${scratch.path('lake', 'credit')}/{yyyy}/{MM}/{dd}/`,
            folders: 4,
            oldest: '2023-01-01',
            newest: '2024-03-03',
            flag: '--begin-date 2023-01-01',
          },
        ]);
        expect(first.outsideWindow).toEqual([]);
        // The flag it names takes them in, and then nothing is left outside.
        const wider = await runBronze({ asOf: AS_OF, beginDate: '2023-01-01' }, { engine, configPath: config });
        expect(wider.files.map((f) => [name(f.path), f.fileDate])).toEqual([
          ['part_a.csv', '2023-12-31'],
          ['part_a.csv', '2024-02-28'],
          ['part_a.csv', '2024-03-01'],
          ['part_a.csv', '2024-03-03'],
        ]);
        const again = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(again.status).toBe('NOTHING_TO_LOAD');
        expect(again.outsideWindowFolders).toEqual([]);
        // --file-name finds a file by the date in its name, outside the window, without the window's folders.
        scratch.write('lake/credit/2024/01/15/late_20240115.csv', csvFile(['id', 'day'], [['late', 'x']]));
        const named = await runBronze({ asOf: AS_OF, fileName: 'late_20240115.csv' }, { engine, configPath: config });
        expect(named.files.map((f) => [name(f.path), f.status, f.fileDate])).toEqual([['late_20240115.csv', 'SUCCESS', '2024-01-15']]);
        expect((await rowsPerFile(engine, catalog, 'credit_raw')).reduce((n, [, c]) => n + Number(c), 0)).toBe(1 + 2 + 1 + 1 + 4 + 1);
      });
    });

    it('a date={yyyy}-{MM}-{dd} folder per day; a window day without a folder is no error, a template root that is missing is a source problem', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      scratch.write('lake/orders/date=2024-03-08/o.csv', csvFile(['id'], [[1]]));
      scratch.write('lake/orders/date=2024-03-10/o.csv', csvFile(['id'], [[2], [3]]));
      scratch.write('lake/orders/date=2024-02-01/o.csv', csvFile(['id'], [[4]]));
      const config = scratch.config([
        row(catalog, 'orders', 'o.csv', `${scratch.path('lake', 'orders')}/date={yyyy}-{MM}-{dd}/`, 'orders_raw'),
        row(catalog, 'typo', 'o.csv', `${scratch.path('lake', 'ordres')}/date={yyyy}-{MM}-{dd}/`, 'typo_raw'),
      ]);
      await withEngine(async (engine) => {
        const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(summary.status).toBe('PARTIAL');
        expect(summary.files.map((f) => [f.path.slice(scratch.path('lake').length + 1), f.rows])).toEqual([
          ['orders/date=2024-03-08/o.csv', 1],
          ['orders/date=2024-03-10/o.csv', 2],
        ]);
        expect(summary.sourceProblems.map((p) => p.reason)).toEqual([`the source folder ${scratch.path('lake', 'ordres')}/ does not exist`]);
        expect(summary.outsideWindowFolders.map((o) => [o.folders, o.oldest, o.newest])).toEqual([[1, '2024-02-01', '2024-02-01']]);
      });
    });

    if (target.name === 'duckdb') it('reads hourly folders below day folders ({yyyy}{MM}{dd}/{HH}/), dated by their day', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      for (const [folder, id] of [['20240309/00', 'a'], ['20240309/23', 'b'], ['20240310/07', 'c'], ['20240302/12', 'old'], ['20240309/24', 'no hour']]) scratch.write(`lake/ev/${folder}/e.csv`, csvFile(['id'], [[id as string]]));
      const config = scratch.config([row(catalog, 'ev', 'e.csv', `${scratch.path('lake', 'ev')}/{yyyy}{MM}{dd}/{HH}/`, 'ev_raw')]);
      await withEngine(async (engine) => {
        const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(summary.files.map((f) => [f.path.slice(scratch.path('lake', 'ev').length + 1), f.fileDate, f.rows])).toEqual([
          ['20240309/00/e.csv', '2024-03-09', 1],
          ['20240309/23/e.csv', '2024-03-09', 1],
          ['20240310/07/e.csv', '2024-03-10', 1],
        ]);
        expect(summary.outsideWindowFolders.map((o) => [o.folders, o.oldest, o.newest])).toEqual([[1, '2024-03-02', '2024-03-02']]);
      });
    });

    it('loads a .gz file as its uncompressed twin: same status, rows and reason; another codec is set aside naming it', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      const twins: Record<string, Buffer> = {
        'good_20240309.csv': Buffer.from('id,v\n1,a\n2,"b,c"\n3,d\n'),
        'wide_20240309.csv': Buffer.from('id,v\n1,a\n2,b,extra\n3,c\n'),
        'quote_20240309.csv': Buffer.from('id,v\n1,"never closed\n2,b\n'),
        'mixed_20240309.csv': Buffer.from('id,v\n1,a\r\n2,b\n'),
      };
      for (const [file, bytes] of Object.entries(twins)) {
        scratch.write(`raw/gz/plain/${file}`, bytes);
        scratch.write(`raw/gz/zipped/${file}.gz`, gzipSync(bytes));
      }
      scratch.write('raw/gz/zipped/other_20240309.csv.zst', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0]));
      const config = scratch.config([
        row(catalog, 'plain', '*_20240309.csv', `${scratch.path('raw', 'gz', 'plain')}/`, 'plain_raw'),
        row(catalog, 'zipped', '*_20240309.csv*', `${scratch.path('raw', 'gz', 'zipped')}/`, 'zipped_raw'),
      ]);
      await withEngine(async (engine) => {
        const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        const of = (sub: string) => new Map(summary.files.filter((f) => f.subcategory === sub).map((f) => [name(f.path).replace(/\.gz$/, ''), [f.status, f.rows, f.reason]]));
        const plain = of('plain');
        const zipped = of('zipped');
        expect(plain.get('good_20240309.csv')).toEqual(['SUCCESS', 3, null]);
        expect(plain.get('wide_20240309.csv')?.[0]).toBe('QUARANTINED');
        expect(plain.get('quote_20240309.csv')).toEqual(['QUARANTINED', 0, 'line 2: unterminated quote: the quoted field that opens on this line is never closed']);
        expect(plain.get('mixed_20240309.csv')).toEqual(['QUARANTINED', 0, 'line 2: mixed line endings: this line ends with CRLF, the first line with LF; a file must end all its lines the same way']);
        for (const file of Object.keys(twins)) expect(zipped.get(file), file).toEqual(plain.get(file));
        expect(zipped.get('other_20240309.csv.zst')).toEqual(['QUARANTINED', 0, 'compressed with zstd (.zst), which not every engine reads: only gzip (.gz) is read as its content; decompress the file or gzip it']);
        expect(await rowsPerFile(engine, catalog, 'zipped_raw')).toEqual([['good_20240309.csv.gz', 3]]);
        const values = await engine.query(sql`SELECT id, v FROM ${table(engine, catalog, 'zipped_raw')} ORDER BY id`);
        expect(values).toEqual([{ id: '1', v: 'a' }, { id: '2', v: 'b,c' }, { id: '3', v: 'd' }]);
      });
    });

    it('a quarantined file is checked once: unchanged, later runs count it; --retry-quarantined checks it again; a changed file loads', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      scratch.write('raw/q/q_20240309_good.csv', csvFile(['id'], [[1]]));
      scratch.write('raw/q/q_20240309_bad.csv', 'id,v\n1,"never closed\n');
      const config = scratch.config([row(catalog, 'q', 'q_*.csv', `${scratch.path('raw', 'q')}/`, 'q_raw')]);
      const trackerStatuses = async (engine: Engine) => (await engine.query(sql`SELECT load_status, batch_id FROM ${tracker(engine, catalog)} WHERE file_name = 'q_20240309_bad.csv' ORDER BY load_timestamp`)).map((r) => [r['load_status'], r['batch_id']]);
      await withEngine(async (engine) => {
        const first = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(first.status).toBe('PARTIAL');
        expect(first.files.map((f) => [name(f.path), f.status])).toEqual([['q_20240309_bad.csv', 'QUARANTINED'], ['q_20240309_good.csv', 'SUCCESS']]);
        const second: RunSummary = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(second.status).toBe('NOTHING_TO_LOAD');
        expect(second.files).toEqual([]);
        expect(second.stillQuarantined).toEqual([
          {
            destTable: `${catalog}.falcon_bronze.q_raw`,
            files: 1,
            runs: [{ runId: first.runId, files: 1 }],
            paths: [{ path: `${scratch.path('raw', 'q')}/q_20240309_bad.csv`, runId: first.runId, reason: 'line 2: unterminated quote: the quoted field that opens on this line is never closed' }],
          },
        ]);
        expect(await trackerStatuses(engine)).toEqual([['QUARANTINED', first.runId]]);
        const retried = await runBronze({ asOf: AS_OF }, { engine, configPath: config, retryQuarantined: true });
        expect(retried.status).toBe('PARTIAL');
        expect(retried.files.map((f) => [name(f.path), f.status])).toEqual([['q_20240309_bad.csv', 'QUARANTINED']]);
        expect(await trackerStatuses(engine)).toEqual([['QUARANTINED', first.runId], ['QUARANTINED', retried.runId]]);
        // The newest check names the run.
        expect((await runBronze({ asOf: AS_OF }, { engine, configPath: config })).stillQuarantined[0]?.runs).toEqual([{ runId: retried.runId, files: 1 }]);
        scratch.write('raw/q/q_20240309_bad.csv', 'id,v\n1,"closed now"\n');
        scratch.touch('raw/q/q_20240309_bad.csv', new Date(Date.now() + 60_000));
        const fixed = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(fixed.files.map((f) => [name(f.path), f.status, f.rows])).toEqual([['q_20240309_bad.csv', 'SUCCESS', 1]]);
        expect(fixed.stillQuarantined).toEqual([]);
      });
    });

    if (target.name === 'duckdb') it('alerts fire when a file is quarantined, not on the runs that find it still quarantined', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      scratch.write('raw/q/q_20240309_good.csv', csvFile(['id'], [[1]]));
      scratch.write('raw/q/q_20240309_bad.csv', 'id\n"never closed\n');
      const config = scratch.config([row(catalog, 'q', 'q_*.csv', `${scratch.path('raw', 'q')}/`, 'q_raw')]);
      const received: { event: string; files: { path: string }[] }[] = [];
      const server = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        request.on('end', () => {
          received.push(JSON.parse(body) as { event: string; files: { path: string }[] });
          response.end('ok');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const checks = parseChecksFile(`checks:\n  - { table: '${catalog}.falcon_bronze.q_raw', check: row_count, min: 0, criticality: warn }\nalerts:\n  - { type: webhook, url: '\${env:LZ_HOOK}', on: [file_quarantined] }\n`, 'checks.yml');
      try {
        await withEngine(async (engine) => {
          const options = { engine, configPath: config, checks, alerts: { env: { LZ_HOOK: url } } };
          const first = await runBronzeWithChecks({ asOf: AS_OF }, options);
          expect(first.alerts.map((a) => a.delivered)).toEqual([true]);
          const second = await runBronzeWithChecks({ asOf: AS_OF }, options);
          expect(second.stillQuarantined.map((q) => q.files)).toEqual([1]);
          expect(second.alerts).toEqual([]);
        });
      } finally {
        server.close();
      }
      expect(received.map((r) => [r.event, r.files.map((f) => name(f.path))])).toEqual([['file_quarantined', ['q_20240309_bad.csv']]]);
    });

    it('--max-files loads the oldest files first, defers the rest, and the next runs continue: every file once', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      const days = ['20240304', '20240305', '20240306', '20240308', '20240310'];
      for (const day of days) scratch.write(`raw/m/m_${day}.csv`, csvFile(['id'], [[day], [`${day}b`]]));
      const config = scratch.config([row(catalog, 'm', 'm_*.csv', `${scratch.path('raw', 'm')}/`, 'm_raw')]);
      await withEngine(async (engine) => {
        const batches: string[][] = [];
        const deferred: unknown[] = [];
        for (let i = 0; i < 3; i++) {
          const summary = await runBronze({ asOf: AS_OF }, { engine, configPath: config, maxFiles: 2 });
          expect(summary.status).toBe('SUCCESS');
          batches.push(summary.files.map((f) => name(f.path)));
          deferred.push(summary.deferred.map((d) => [d.files, d.oldest, d.newest, d.maxFiles]));
        }
        expect(batches).toEqual([['m_20240304.csv', 'm_20240305.csv'], ['m_20240306.csv', 'm_20240308.csv'], ['m_20240310.csv']]);
        expect(deferred).toEqual([[[3, '2024-03-06', '2024-03-10', 2]], [[1, '2024-03-10', '2024-03-10', 2]], []]);
        expect((await runBronze({ asOf: AS_OF }, { engine, configPath: config, maxFiles: 2 })).status).toBe('NOTHING_TO_LOAD');
        expect(await rowsPerFile(engine, catalog, 'm_raw')).toEqual(days.map((d) => [`m_${d}.csv`, 2]));
      });
    });

    it('counts subfolders of a flat folder, says when the pattern matches none of its files, and counts outside files against the tracker', async () => {
      const scratch = target.scratch();
      const catalog = freshCatalog();
      scratch.write('raw/f/credit_20240309.csv', csvFile(['id'], [[1]]));
      scratch.write('raw/f/credit_20240201.csv', csvFile(['id'], [[2]]));
      scratch.write('raw/f/credit_20240202.csv', csvFile(['id'], [[3]]));
      scratch.write('raw/f/2024/03/09/credit_20240309_b.csv', csvFile(['id'], [[4]]));
      scratch.write('raw/f/old/x.csv', csvFile(['id'], [[5]]));
      scratch.write('raw/other/orders_20240309.csv', csvFile(['id'], [[6]]));
      scratch.write('raw/other/orders_20240310.csv', csvFile(['id'], [[7]]));
      const config = scratch.config([
        row(catalog, 'f', 'credit_*.csv', `${scratch.path('raw', 'f')}/`, 'f_raw'),
        row(catalog, 'typo', 'order_*.csv', `${scratch.path('raw', 'other')}/`, 'other_raw'),
      ]);
      await withEngine(async (engine) => {
        const first = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
        expect(first.files.map((f) => name(f.path))).toEqual(['credit_20240309.csv']);
        expect(first.subfolders.map((s) => [s.subcategory, s.folders])).toEqual([['f', 2]]);
        expect(first.patternMisses.map((m) => [m.subcategory, m.filePattern, m.files, m.names])).toEqual([['typo', 'order_*.csv', 2, ['orders_20240309.csv', 'orders_20240310.csv']]]);
        expect(first.outsideWindow.map((o) => [o.files, o.oldest, o.newest])).toEqual([[2, '2024-02-01', '2024-02-02']]);
        await runBronze({ asOf: AS_OF, beginDate: '2024-02-01' }, { engine, configPath: config });
        expect((await runBronze({ asOf: AS_OF }, { engine, configPath: config })).outsideWindow).toEqual([]);
        // Loaded files moved away and a late file of the same day: only the late one is outside and not loaded.
        rmSync(scratch.path('raw', 'f', 'credit_20240201.csv'));
        scratch.write('raw/f/credit_20240201_late.csv', csvFile(['id'], [[8]]));
        expect((await runBronze({ asOf: AS_OF }, { engine, configPath: config })).outsideWindow.map((o) => [o.files, o.oldest, o.newest])).toEqual([[1, '2024-02-01', '2024-02-01']]);
      });
    });
  });
}

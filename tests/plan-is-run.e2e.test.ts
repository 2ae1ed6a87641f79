// Issue 16: a run executes exactly the statements its plan shows, and a plan writes nothing. On
// every engine, for a fresh warehouse, a new file, and a forced reload, the plan's statements are
// compared with what the same run then issues (its own journal, two independent executions).
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { planBronze, runBronze, type JobParameters, type JournalEntry } from '@org/deltalake-hub';
import { createDuckDbEngine, sql, type Engine } from '@org/hub-core';
import { describeEngine, enginesUnderTest } from './support/engines.js';
import { csvFile } from './support/fixtures.js';

const AS_OF = '2024-03-10';

for (const target of await enginesUnderTest()) {
  describeEngine(target, `bronze plan is the run on ${target.name}`, () => {
    it('shows, in order, every statement the run then issues, and writes nothing (fresh warehouse, a new file, a forced reload)', async () => {
      const scratch = target.scratch();
      scratch.write('raw/credit/transactions_20240308.csv', csvFile(['id', 'amount'], [['a1', 10], ['a2', 20]]));
      scratch.write('raw/credit/transactions_20240309.csv', csvFile(['id', 'amount'], [['b1', 30]]));
      await scratch.parquet('raw/events/events_20240309.parquet', "SELECT * FROM (VALUES (1, 'click'), (2, 'view'), (3, 'click')) AS t(id, kind)");
      const catalog = `pir_${target.name}_${process.pid}`;
      const config = scratch.config([
        `falcon,transactions,credit,transactions_*.csv,${scratch.path('raw', 'credit')}/,delimited,",",true,${catalog},falcon_bronze,credit_raw,true`,
        `falcon,clickstream,events,events_*.parquet,${scratch.path('raw', 'events')}/,parquet,,false,${catalog},falcon_bronze,events_raw,true`,
      ]);

      // DuckDB: the plan opens the warehouse read-only, as `bronze plan` does; the run opens it to write. Spark: one session for both.
      const warehouse = mkdtempSync(join(tmpdir(), 'dlh-pir-wh-'));
      const shared = target.name === 'duckdb' ? null : await target.open();
      const open = async (planning: boolean): Promise<Engine> =>
        shared ?? (await createDuckDbEngine({ warehouse, lockTimeoutMs: 0, ...(planning ? { readOnly: { missingCatalog: 'empty' as const } } : {}) }));
      const done = async (engine: Engine) => {
        if (!shared) await engine.close();
      };
      /** What a plan must leave as it was: the warehouse's files (DuckDB); the catalog's databases, tables and each table's Delta version (Spark). */
      const written = async (): Promise<string[]> => {
        if (!shared) return readdirSync(warehouse).map((f) => `${f} ${statSync(join(warehouse, f)).size} ${statSync(join(warehouse, f)).mtimeMs}`);
        const databases = (await shared.query(sql.raw(`SHOW DATABASES LIKE '${catalog}__*'`))).map((r) => String(Object.values(r)[0]));
        const tables: string[] = [];
        for (const db of databases.sort()) {
          // SHOW TABLES also lists the session's temporary views, which a plan creates to read files.
          for (const row of (await shared.query(sql.raw(`SHOW TABLES IN \`${db}\``))).filter((r) => String(r['isTemporary']) !== 'true' && String(r['database'] ?? r['namespace'] ?? '') !== '')) {
            const name = `\`${db}\`.\`${String(row['tableName'])}\``;
            const [latest] = await shared.query(sql.raw(`DESCRIBE HISTORY ${name} LIMIT 1`));
            tables.push(`${db}.${String(row['tableName'])} version ${String(latest?.['version'])}`);
          }
        }
        return [...databases, ...tables.sort()];
      };

      /** Plans, checks nothing was written, runs with the journal on; returns both statement lists, normalised. */
      const planThenRun = async (params: JobParameters) => {
        const before = await written();
        const planEngine = await open(true);
        const { plan, summary: planned } = await planBronze(params, { engine: planEngine, configPath: config });
        await done(planEngine);
        expect(await written()).toEqual(before);

        const runEngine = await open(false);
        const journal: JournalEntry[] = [];
        const stop = runEngine.observe((entry) => journal.push(entry));
        const summary = await runBronze(params, { engine: runEngine, configPath: config });
        stop();
        const dialect = runEngine.dialect;
        await done(runEngine);
        // Only what two executions must differ in: the run id, and the times each takes from the clock (lease, load, tracker).
        const normalise = (entries: readonly JournalEntry[], runId: string) =>
          entries.map((e) => {
            let text = e.text.replaceAll(runId, '<run id>');
            for (const value of e.values) if (value instanceof Date) text = text.replaceAll(dialect.literal(value), '<now>');
            return `${e.kind}: ${text}`;
          });
        const shown = [...plan.metadata, ...plan.tables.flatMap((t) => t.statements)];
        // The plan counts what it shows; the run, executed apart, issues as many.
        expect(planned.statements).toBe(journal.length);
        expect(summary.statements).toBe(journal.length);
        return { plan, planned, summary, shown: normalise(shown, planned.runId), ran: normalise(journal, summary.runId), raw: shown };
      };
      const names = (files: readonly { path: string }[]) => files.map((f) => f.path.split('/').pop());

      // (a) A fresh warehouse: no catalog, no table, no tracker.
      const first = await planThenRun({ asOf: AS_OF });
      expect(first.ran).toEqual(first.shown);
      // Tables in the config SELECT's order (lob, category, subcategory): clickstream before transactions.
      expect(names(first.planned.files)).toEqual(['events_20240309.parquet', 'transactions_20240308.csv', 'transactions_20240309.csv']);
      expect(first.summary.files.map((f) => [f.path.split('/').pop(), f.status, f.rows])).toEqual([
        ['events_20240309.parquet', 'SUCCESS', 3],
        ['transactions_20240308.csv', 'SUCCESS', 2],
        ['transactions_20240309.csv', 'SUCCESS', 1],
      ]);
      // By hand, for the credit table: lease first, the tracker's LOADING rows before the load's INSERT, its SUCCESS rows after, release last.
      const credit = (first.plan.tables.find((t) => t.destTable.endsWith('credit_raw'))?.statements ?? []).map((e) => e.text);
      const at = (pattern: RegExp) => credit.findIndex((s) => pattern.test(s));
      const bronzeInsert = at(/^INSERT INTO \S+credit_raw/);
      expect(at(/^MERGE INTO \S+load_lease/)).toBe(0);
      expect(credit.at(-1)).toMatch(/^DELETE FROM \S+load_lease/);
      expect(at(/^INSERT INTO \S+load_tracker[\s\S]*LOADING/)).toBeGreaterThan(0);
      expect(at(/^INSERT INTO \S+load_tracker[\s\S]*LOADING/)).toBeLessThan(bronzeInsert);
      expect(at(/^INSERT INTO \S+load_tracker[\s\S]*"load_status":"SUCCESS","row_count":2/)).toBeGreaterThan(bronzeInsert);
      // Values inline for reading; nothing left unbound.
      expect(credit.join(String.fromCharCode(10))).not.toMatch(/\$p\d/);
      // The plan ran no write and said so; the reads it could not run are marked.
      expect(first.raw.filter((e) => e.kind === 'write').every((e) => e.notRun === 'write')).toBe(true);
      expect(first.raw.filter((e) => e.kind === 'read' && e.notRun === 'write')).toEqual([]);

      // What the plans below must leave alone is there now: the catalog file, or the metadata and bronze tables.
      expect((await written()).join('\n')).toContain(shared ? `${catalog}__bronze_metadata.load_tracker` : `${catalog}.duckdb`);

      // (b) One new file: only it is planned and loaded.
      scratch.write('raw/credit/transactions_20240310.csv', csvFile(['id', 'amount'], [['c1', 40], ['c2', 50], ['c3', 60]]));
      const second = await planThenRun({ asOf: AS_OF });
      expect(second.ran).toEqual(second.shown);
      expect(names(second.planned.files)).toEqual(['transactions_20240310.csv']);
      expect(second.summary.files.map((f) => [f.path.split('/').pop(), f.status, f.rows])).toEqual([['transactions_20240310.csv', 'SUCCESS', 3]]);

      // (c) A forced reload of one loaded file (its category only, to keep the Spark case short): its earlier rows are replaced, its earlier load superseded.
      const third = await planThenRun({ asOf: AS_OF, category: 'transactions', fileName: 'transactions_20240308.csv', force: true });
      expect(third.ran).toEqual(third.shown);
      expect(third.summary.files.map((f) => [f.path.split('/').pop(), f.status, f.rows])).toEqual([['transactions_20240308.csv', 'SUCCESS', 2]]);
      // One delete of bronze rows (DuckDB a DELETE, Spark a MERGE ... WHEN MATCHED THEN DELETE), naming the forced file and no other.
      const forced = scratch.path('raw', 'credit', 'transactions_20240308.csv');
      const deletes = third.raw.filter((e) => e.kind === 'write' && /^(DELETE FROM|MERGE INTO) \S*credit_raw\S* /.test(e.text) && /\bDELETE\b/.test(e.text));
      expect(deletes.map((e) => e.text.split(' ').slice(0, 2).join(' '))).toEqual([shared ? 'MERGE INTO' : 'DELETE FROM']);
      // The paths among its values: bound one by one (DuckDB) or as one JSON array (Spark).
      const named = (deletes[0]?.values ?? []).flatMap((v) => (typeof v !== 'string' ? [] : v.startsWith('[') ? (JSON.parse(v) as { file_path: string }[]).map((r) => r.file_path) : v.startsWith('/') ? [v] : []));
      expect(named).toEqual([forced]);
      // What the table holds after the three runs: the forced file's rows from the third, each other file's from the run that loaded it.
      const reader = await open(false);
      await reader.prepareCatalogs([catalog]);
      const held = await reader.query(sql.raw(`SELECT _source_file, _batch_id, COUNT(*) AS n FROM ${reader.dialect.tableName(catalog, 'falcon_bronze', 'credit_raw')} GROUP BY 1, 2 ORDER BY 1, 2`));
      await done(reader);
      expect(held.map((r) => [String(r['_source_file']).split('/').pop(), r['_batch_id'], Number(r['n'])])).toEqual([
        ['transactions_20240308.csv', third.summary.runId, 2],
        ['transactions_20240309.csv', first.summary.runId, 1],
        ['transactions_20240310.csv', second.summary.runId, 3],
      ]);
      expect(third.shown.some((s) => /^write: MERGE INTO \S+load_tracker[\s\S]*REPLACED/.test(s))).toBe(true);

      if (shared) await shared.close();
    });
  });
}

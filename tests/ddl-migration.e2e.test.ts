// A metadata-table change ships with its migration (docs/releasing.md): a load_tracker an older hub
// created (no hub_version column) gets the column from applyDdl, ends up shaped like a fresh one,
// keeps its rows, and records the loading hub's version from then on; on every engine.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { applyDdl, runBronze } from '@org/deltalake-hub';
import { sql, type Engine } from '@org/hub-core';
import { describeEngine, enginesUnderTest } from './support/engines.js';
import { csvFile, Scratch } from './support/fixtures.js';

const ROOT = join(import.meta.dirname, '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'packages', 'deltalake-hub', 'package.json'), 'utf8')) as { version: string }).version;

/** load_tracker as the hub created it before hub_version existed: today's DDL file without that column. */
function trackerDdlBeforeHubVersion(engine: Engine, catalog: string): string {
  const file = join(ROOT, 'ddl', engine.name === 'duckdb' ? 'duckdb' : 'delta', 'load_tracker.sql');
  const today = readFileSync(file, 'utf8');
  const before = today.replace(/,\n\s*-- [^\n]*\n\s*hub_version\s+\w+\n/, '\n');
  expect(before).not.toContain('hub_version');
  return before
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .replace('{catalog}.bronze_metadata.load_tracker', engine.dialect.tableName(catalog, 'bronze_metadata', 'load_tracker'))
    .trim()
    .replace(/;$/, '');
}

/** The columns of a fresh load_tracker, in order, as today's DDL file declares them. */
function declaredColumns(engine: Engine): string[] {
  const text = readFileSync(join(ROOT, 'ddl', engine.name === 'duckdb' ? 'duckdb' : 'delta', 'load_tracker.sql'), 'utf8');
  return [...text.matchAll(/^ {4}([a-z_]+)\s+[A-Z]/gm)].map((m) => m[1] ?? '');
}

async function columns(engine: Engine, catalog: string): Promise<string[]> {
  const rows = await engine.query(sql`DESCRIBE ${sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'load_tracker'))}`);
  return rows.map((r) => String(r['column_name'] ?? r['col_name'])).filter((name) => name && !name.startsWith('#'));
}

for (const target of await enginesUnderTest()) {
  describeEngine(target, `metadata table migration on ${target.name}`, () => {
    it('adds hub_version to an older load_tracker, once, keeping its rows; new rows record the hub version', async () => {
      const catalog = `mig_${target.name}_${process.pid}`;
      const engine = await target.open();
      try {
        await engine.prepareCatalogs([catalog]);
        const tracker = sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'load_tracker'));
        await engine.run(sql.raw(`CREATE SCHEMA IF NOT EXISTS ${engine.dialect.schemaName(catalog, 'bronze_metadata')}`));
        await engine.run(sql.raw(trackerDdlBeforeHubVersion(engine, catalog)));
        await engine.run(sql`INSERT INTO ${tracker} (tracker_id, load_status, file_path, dest_table, row_count) VALUES ('old-1', 'SUCCESS', '/raw/old.csv', 'x.y.z', 7)`);
        const before = await columns(engine, catalog);
        expect(before).not.toContain('hub_version');

        const applied = await applyDdl(engine, catalog);
        expect(applied.filter((s) => /^ALTER TABLE/.test(s))).toHaveLength(1);
        expect(applied.find((s) => /^ALTER TABLE/.test(s))).toMatch(/ADD COLUMN [`"]hub_version[`"] (VARCHAR|STRING)$/);
        expect(await columns(engine, catalog)).toEqual([...before, 'hub_version']);
        // Shaped like a table created today.
        expect(declaredColumns(engine)).toHaveLength(19);
        expect(await columns(engine, catalog)).toEqual(declaredColumns(engine));

        // Idempotent: a second apply alters nothing.
        expect((await applyDdl(engine, catalog)).filter((s) => /^ALTER TABLE/.test(s))).toEqual([]);
        const old = await engine.query(sql`SELECT tracker_id, row_count, hub_version FROM ${tracker}`);
        expect(old.map((r) => [r['tracker_id'], Number(r['row_count']), r['hub_version'] ?? null])).toEqual([['old-1', 7, null]]);

        // A run on the migrated catalog records the loading hub's version, in the tracker and the summary.
        const scratch = new Scratch();
        scratch.write('raw/t/transactions_20240301.csv', csvFile(['id', 'amount'], [['a', 1], ['b', 2]]));
        const config = scratch.config([`mig,transactions,daily,transactions_*.csv,${scratch.path('raw', 't')}/,delimited,",",true,${catalog},mig_bronze,t_raw,true`]);
        const summary = await runBronze({ asOf: '2024-03-02' }, { engine, configPath: config });
        expect(summary.status).toBe('SUCCESS');
        expect(summary.hubVersion).toBe(VERSION);
        const rows = await engine.query(sql`SELECT tracker_id, hub_version FROM ${tracker} ORDER BY tracker_id`);
        expect(rows.map((r) => r['hub_version'] ?? null).sort()).toEqual([VERSION, null].sort());
      } finally {
        await engine.close();
      }
    });
  });
}

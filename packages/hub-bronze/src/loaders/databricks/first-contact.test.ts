// What a real workspace does to a run that the rendering matrix does not stage (docs/engines.md,
// "First contact"), against the model of a SQL warehouse: Unity Catalog's permission errors,
// its lower-case names through a crash, and headers Delta holds only with column mapping.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_HEADER, contentFile, recordingWarehouse, SOURCES, WarehouseModel } from '@org/hub-testing';
import { runBronze } from '../../run/run-bronze.js';

function configFile(lines: readonly string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'dlh-first-contact-')), 'config.csv');
  writeFileSync(file, `${CONFIG_HEADER}\n${lines.join('\n')}\n`);
  return file;
}

const csv = (text: string) => Buffer.from(text);
const AS_OF = { asOf: '2024-03-10' };

describe('Unity Catalog permission errors on a source folder are that config row\'s source problem, not the end of the run', () => {
  // The warehouse's own texts (Databricks error conditions INSUFFICIENT_PERMISSIONS and LIST_FILES_AUTHORIZATION_ERROR, SQLSTATE 42501).
  const VOLUME = '/Volumes/dev/raw/restricted/falcon/';
  const DENIED_PATH = `${SOURCES.abfss}denied/`;
  const INSUFFICIENT = "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have READ VOLUME on Volume 'dev.raw.restricted'. SQLSTATE: 42501";
  const LIST_FILES = `[LIST_FILES_AUTHORIZATION_ERROR.ON_PATH] Not authorized to call list_files. You do not have permissions to list the source path \`${DENIED_PATH}\`. SQLSTATE: 42501`;

  function setup(denied: ReadonlyMap<string, string>) {
    const model = new WarehouseModel();
    const ok = `${SOURCES.abfss}ok/`;
    model.addFile(ok, contentFile('transactions_20240309.csv', csv('id,amount\n1,10\n2,20\n')));
    for (const [folder, message] of denied) model.listErrors.set(folder, message);
    const row = (subcategory: string, folder: string) => `falcon,transactions,${subcategory},transactions_*,${folder},delimited,",",true,dev,falcon_bronze,${subcategory}_raw,true`;
    const config = configFile([row('ok', ok), row('volume', VOLUME), row('denied', DENIED_PATH), row('missing', `${SOURCES.abfss}missing/`)]);
    return { model, config, ...recordingWarehouse(model) };
  }

  it('reports INSUFFICIENT_PERMISSIONS, LIST_FILES_AUTHORIZATION_ERROR and a missing folder per config row, loads the rest: PARTIAL, exit 2', async () => {
    const { engine, config } = setup(new Map([[VOLUME, INSUFFICIENT], [DENIED_PATH, LIST_FILES]]));
    const summary = await runBronze(AS_OF, { engine, configPath: config, variables: { catalog: 'dev' }, runId: 'run-1' });
    expect(summary.status).toBe('PARTIAL');
    expect(summary.files.map((f) => [f.destTable, f.status, f.rows])).toEqual([['dev.falcon_bronze.ok_raw', 'SUCCESS', 2]]);
    expect(summary.sourceProblems.map((p) => [p.subcategory, p.reason])).toEqual([
      ['denied', `the source folder ${DENIED_PATH} cannot be read: no permission to list it (${LIST_FILES})`],
      ['missing', `the source folder ${SOURCES.abfss}missing/ does not exist`],
      ['volume', `the source folder ${VOLUME} cannot be read: no permission to list it (${INSUFFICIENT})`],
    ]);
  });

  it('ends the run on a LIST error of another class, and on one that only says forbidden in words: errors are told by their class', async () => {
    for (const message of ['[INTERNAL_ERROR] The warehouse could not complete LIST. SQLSTATE: XX000', 'Forbidden (403): the request was refused']) {
      const { engine, config } = setup(new Map([[VOLUME, message]]));
      await expect(runBronze(AS_OF, { engine, configPath: config, variables: { catalog: 'dev' }, runId: 'run-1' })).rejects.toThrow(message);
    }
  });
});

describe('a config that spells names with capitals (dest_table = Credit_Raw), on Unity Catalog', () => {
  it('loads each file exactly once through a crash between COPY INTO and the tracker write and a rerun: reconcile finds the table under its lower-case name', async () => {
    const model = new WarehouseModel();
    const folder = `${SOURCES.abfss}credit/`;
    model.addFile(folder, contentFile('transactions_20240308.csv', csv('id,amount\n1,10\n2,20\n')));
    model.addFile(folder, contentFile('transactions_20240309.csv', csv('id,amount\n3,30\n')));
    const config = configFile([`falcon,transactions,credit,transactions_*,${folder},delimited,",",true,\${catalog},Falcon_Bronze,Credit_Raw,true`]);
    const { engine } = recordingWarehouse(model);
    const run = (runId: string) => runBronze(AS_OF, { engine, configPath: config, variables: { catalog: 'Dev' }, runId });

    model.crashBeforeTracking = true;
    await expect(run('run-1')).rejects.toThrow(/the runner died after COPY INTO/);
    // The rows landed, under the table Unity Catalog stores in lower case; the tracker has no outcome for them.
    expect([...model.tables.keys()].filter((k) => k.includes('falcon_bronze'))).toEqual(['`dev`.`falcon_bronze`.`credit_raw`']);
    expect(model.tracker.filter((t) => t.load_status === 'SUCCESS')).toEqual([]);

    const rerun = await run('run-2');
    expect(rerun.reconciled).toBe(2);
    expect(rerun.files).toEqual([]);
    expect(model.rowsByFile('`dev`.`falcon_bronze`.`credit_raw`')).toEqual(new Map([[`${folder}transactions_20240308.csv`, 2], [`${folder}transactions_20240309.csv`, 1]]));
    const success = model.tracker.filter((t) => t.load_status === 'SUCCESS');
    expect(success.map((t) => [t.dest_table, t.file_path.split('/').pop(), t.row_count]).sort()).toEqual([
      ['dev.falcon_bronze.credit_raw', 'transactions_20240308.csv', 2],
      ['dev.falcon_bronze.credit_raw', 'transactions_20240309.csv', 1],
    ]);
    const third = await run('run-3');
    expect([third.status, third.files.length, third.reconciled]).toEqual(['NOTHING_TO_LOAD', 0, 0]);
  });
});

describe('headers with the characters Delta refuses without column mapping', () => {
  const HEADER = 'Transaction Date,Amount (USD)';

  it('load into a table created with column mapping, under their own names', async () => {
    const model = new WarehouseModel();
    const folder = `${SOURCES.volume}cards/`;
    model.addFile(folder, contentFile('transactions_20240309.csv', csv(`${HEADER}\n2024-03-09,10.50\n`)));
    const { engine, statements } = recordingWarehouse(model);
    const config = configFile([`falcon,transactions,cards,transactions_*,${folder},delimited,",",true,dev,falcon_bronze,cards_raw,true`]);
    const summary = await runBronze(AS_OF, { engine, configPath: config, runId: 'run-1' });
    expect(summary.files.map((f) => [f.status, f.rows, f.reason])).toEqual([['SUCCESS', 1, null]]);
    expect(statements.find((s) => s.sql.startsWith('CREATE TABLE IF NOT EXISTS `dev`.`falcon_bronze`.`cards_raw`'))?.sql).toBe(
      "CREATE TABLE IF NOT EXISTS `dev`.`falcon_bronze`.`cards_raw` (_source_file STRING, _batch_id STRING, _ingested_at TIMESTAMP) USING DELTA TBLPROPERTIES ('delta.columnMapping.mode' = 'name')",
    );
    expect([...(model.tables.get('`dev`.`falcon_bronze`.`cards_raw`')?.columns.keys() ?? [])]).toEqual(['_source_file', '_batch_id', '_ingested_at', 'Transaction Date', 'Amount (USD)']);
  });

  it('turn column mapping on first for a table an older hub created without it, once a new column needs it', async () => {
    const model = new WarehouseModel();
    const folder = `${SOURCES.volume}cards/`;
    model.addFile(folder, contentFile('transactions_20240309.csv', csv(`${HEADER}\n2024-03-09,10.50\n`)));
    const table = '`dev`.`falcon_bronze`.`cards_raw`';
    model.tables.set(table, { columns: new Map([['id', 'string'], ['_source_file', 'string'], ['_batch_id', 'string'], ['_ingested_at', 'timestamp']]), rows: [], columnMapping: false });
    const { engine, statements } = recordingWarehouse(model);
    const config = configFile([`falcon,transactions,cards,transactions_*,${folder},delimited,",",true,dev,falcon_bronze,cards_raw,true`]);
    const summary = await runBronze(AS_OF, { engine, configPath: config, runId: 'run-1' });
    expect(summary.files.map((f) => [f.status, f.rows])).toEqual([['SUCCESS', 1]]);
    const alter = statements.findIndex((s) => s.sql === `ALTER TABLE ${table} SET TBLPROPERTIES ('delta.columnMapping.mode' = 'name')`);
    expect(alter).toBeGreaterThan(-1);
    expect(alter).toBeLessThan(statements.findIndex((s) => s.sql.startsWith('COPY INTO')));
    expect(model.tables.get(table)?.columnMapping).toBe(true);
  });

  it('quarantine a file whose header names two columns equal but for case: no engine\'s table can hold both', async () => {
    const model = new WarehouseModel();
    const folder = `${SOURCES.volume}cards/`;
    model.addFile(folder, contentFile('transactions_20240308.csv', csv('id,Amount,amount\n1,10,11\n')));
    model.addFile(folder, contentFile('transactions_20240309.csv', csv('id,amount\n2,20\n')));
    const { engine } = recordingWarehouse(model);
    const config = configFile([`falcon,transactions,cards,transactions_*,${folder},delimited,",",true,dev,falcon_bronze,cards_raw,true`]);
    const summary = await runBronze(AS_OF, { engine, configPath: config, runId: 'run-1' });
    expect(summary.files.map((f) => [f.path.split('/').pop(), f.status, f.reason])).toEqual([
      ['transactions_20240308.csv', 'QUARANTINED', 'line 1: header columns 2 and 3 are named "Amount" and "amount", which differ only in case: column names ignore case on every engine, so no table can hold both'],
      ['transactions_20240309.csv', 'SUCCESS', null],
    ]);
  });
});

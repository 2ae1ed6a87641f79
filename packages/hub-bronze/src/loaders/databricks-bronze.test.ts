import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRecordingEngine, DatabricksDialect, type CompiledStatement, type Row } from '@org/hub-core';
import { runBronze } from '../run-bronze.js';

const RAW = 'abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/';
const HEADER = 'lob,category,subcategory,file_pattern,source_path,file_format,delimiter,has_header,dest_catalog,dest_schema,dest_table,is_active';

function configFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dlh-dbx-'));
  const file = join(dir, 'falcon_config.csv');
  writeFileSync(file, `${HEADER}\nfalcon,transactions,credit,transactions_*.csv,${RAW},delimited,",",true,\${catalog},falcon_bronze,credit_transactions_raw,true\n`);
  return file;
}

/** Answers the reads a run makes, as a warehouse would; everything else returns no rows. */
function warehouse(files: number): (s: CompiledStatement) => Row[] {
  const names = Array.from({ length: files }, (_, i) => `transactions_202403${String(4 + (i % 6)).padStart(2, '0')}_${i}.csv`);
  return (s) => {
    if (s.sql.startsWith('LIST')) return names.map((name) => ({ path: RAW + name, name, size: 120, modification_time: Date.UTC(2024, 2, 9) }));
    if (s.sql.startsWith('SELECT lob, category')) {
      return [{ lob: 'falcon', category: 'transactions', subcategory: 'credit', file_pattern: 'transactions_*.csv', source_path: RAW, file_format: 'delimited', delimiter: ',', has_header: true, dest_catalog: 'dev_catalog', dest_schema: 'falcon_bronze', dest_table: 'credit_transactions_raw', is_active: true }];
    }
    if (s.sql.startsWith('SELECT run_id')) return [{ run_id: 'run-1', expires_at: new Date() }];
    if (s.sql.includes('FROM read_files')) return names.map((name) => ({ path: RAW + name, row_count: 3, bad_rows: name.endsWith('_1.csv') ? 2 : 0 }));
    if (s.sql.includes('information_schema')) return [{ n: 0 }];
    // A tracker already migrated: DESCRIBE lists hub_version, so no ALTER follows.
    if (s.sql.startsWith('DESCRIBE')) return ['tracker_id', 'load_status', 'file_path', 'hub_version'].map((col_name) => ({ col_name, data_type: 'string' }));
    return [];
  };
}

describe('the Databricks rendering of a bronze run', () => {
  it('renders every statement of a run for the SQL warehouse', async () => {
    const { engine, statements } = createRecordingEngine(new DatabricksDialect(), { respond: warehouse(3), capabilities: { localFilesOnly: false, copyInto: true } });
    const summary = await runBronze({ asOf: '2024-03-10' }, { engine, configPath: configFile(), variables: { catalog: 'dev_catalog' }, runId: 'run-1' });
    expect(summary.files.map((f) => [f.path.split('/').pop(), f.status, f.rows])).toEqual([
      ['transactions_20240304_0.csv', 'SUCCESS', 3],
      ['transactions_20240305_1.csv', 'QUARANTINED', 0],
      ['transactions_20240306_2.csv', 'SUCCESS', 3],
    ]);
    const kinds = statements.map((s) => s.sql.split(/\s+/).slice(0, 3).join(' '));
    expect(kinds).toEqual([
      'CREATE SCHEMA IF',
      'CREATE TABLE IF',
      'CREATE TABLE IF',
      'CREATE TABLE IF',
      'CREATE TABLE IF',
      'DESCRIBE `dev_catalog`.`bronze_metadata`.`load_tracker`',
      'MERGE INTO `dev_catalog`.`bronze_metadata`.`file_config`',
      'SELECT lob, category,',
      'MERGE INTO `dev_catalog`.`bronze_metadata`.`load_lease`',
      'SELECT run_id, expires_at',
      'SELECT COUNT(*) AS',
      'LIST \'abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/\'',
      'SELECT t.file_path, t.file_size,',
      'CREATE SCHEMA IF',
      'CREATE TABLE IF',
      'SELECT _metadata.file_path AS',
      'COPY INTO `dev_catalog`.`falcon_bronze`.`credit_transactions_raw`',
      'INSERT INTO `dev_catalog`.`bronze_metadata`.`load_tracker`',
      'DELETE FROM `dev_catalog`.`bronze_metadata`.`load_lease`',
    ]);
    const byStart = (prefix: string) => statements.find((s) => s.sql.startsWith(prefix)) as CompiledStatement;
    expect(byStart('LIST').sql).toBe(`LIST '${RAW}'`);
    expect(byStart('SELECT _metadata').sql).toBe(
      `SELECT _metadata.file_path AS path, COUNT(*) AS row_count, COUNT_IF(_rescued_data IS NOT NULL) AS bad_rows
FROM read_files('${RAW}{transactions_20240304_0.csv,transactions_20240305_1.csv,transactions_20240306_2.csv}', format => 'csv', header => 'true', sep => ',', quote => '"', escape => '"', inferSchema => 'false', multiLine => 'true', nullValue => '\u0000', mode => 'PERMISSIVE', rescuedDataColumn => '_rescued_data')
GROUP BY _metadata.file_path`,
    );
    const copy = byStart('COPY INTO');
    expect(copy.sql).toBe(`COPY INTO \`dev_catalog\`.\`falcon_bronze\`.\`credit_transactions_raw\`
FROM (SELECT *, _metadata.file_path AS _source_file, 'run-1' AS _batch_id, ${copy.sql.match(/TIMESTAMP '[^']+'/)?.[0]} AS _ingested_at FROM '${RAW}')
FILEFORMAT = CSV
FILES = ('transactions_20240304_0.csv', 'transactions_20240306_2.csv')
FORMAT_OPTIONS ('header' = 'true', 'sep' = ',', 'quote' = '"', 'escape' = '"', 'inferSchema' = 'false', 'multiLine' = 'true', 'nullValue' = '\u0000', 'mergeSchema' = 'true', 'mode' = 'PERMISSIVE')
COPY_OPTIONS ('mergeSchema' = 'true', 'force' = 'false')`);
    expect(copy.params).toEqual({});
    // Values are bound as named parameters everywhere the warehouse accepts them.
    const merge = byStart('MERGE INTO `dev_catalog`.`bronze_metadata`.`file_config`');
    expect(merge.sql).toContain('VALUES (:p1, :p2, :p3, :p4, :p5, :p6, :p7, :p8, :p9, :p10, :p11, :p12)');
    expect(merge.params).toMatchObject({ p1: 'falcon', p2: 'transactions', p3: 'credit', p5: RAW, p9: 'dev_catalog' });
    expect(merge.sql).toContain('WHEN NOT MATCHED BY SOURCE AND t.lob IN (:p13) AND t.is_active THEN UPDATE SET is_active = false');
    const tracker = byStart('INSERT INTO `dev_catalog`.`bronze_metadata`.`load_tracker`');
    expect(Object.values(tracker.params)).toContain('QUARANTINED');
    expect(tracker.sql).not.toContain('transactions_2024');
  });

  it('issues the same statements for 1 file and for 1000 files, and chunks COPY INTO at 1000', async () => {
    const counts: number[] = [];
    for (const files of [1, 1000, 1001]) {
      const { engine, statements } = createRecordingEngine(new DatabricksDialect(), { respond: warehouse(files), capabilities: { localFilesOnly: false, copyInto: true } });
      await runBronze({ asOf: '2024-03-10' }, { engine, configPath: configFile(), variables: { catalog: 'dev_catalog' }, runId: 'run-1' });
      counts.push(statements.length);
      const copies = statements.filter((s) => s.sql.startsWith('COPY INTO'));
      expect(copies).toHaveLength(Math.ceil(files / 1000));
      for (const copy of copies) expect((copy.sql.match(/FILES = \((.*)\)/)?.[1] ?? '').split("', '").length).toBeLessThanOrEqual(1000);
    }
    expect(counts[0]).toBe(counts[1]);
  });
});

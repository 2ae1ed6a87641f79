import { describe, expect, it } from 'vitest';
import { SparkDialect, type CompiledStatement, type Engine, type Row } from '@org/hub-core';
import { createRecordingEngine } from '@org/hub-testing';
import { runExecutor } from '../../executor.js';
import type { ListedFile } from '../../files.js';
import { FileVerdicts } from '../../rules/verdicts.js';
import type { FileConfigRow } from '../../types.js';
import type { LoadRequest } from '../loader.js';
import { sparkLoader } from './index.js';

/**
 * The Spark loader's failure path, on a recording engine held to Spark's rules: a file the
 * engine cannot read is set aside and its group's statements run again without it. The files
 * are remote (the hub reads none of them), so only the engine's errors say which file is bad.
 */
const DIR = 'abfss://raw@acct.dfs.core.windows.net/falcon/';
const config: FileConfigRow = {
  lob: 'falcon',
  category: 'c',
  subcategory: 's',
  filePattern: '*.csv',
  sourcePath: DIR,
  fileFormat: 'delimited',
  delimiter: ',',
  hasHeader: true,
  destCatalog: 'dev',
  destSchema: 'falcon_bronze',
  destTable: 't',
  isActive: true,
};
const file = (name: string): ListedFile => ({ config, path: `${DIR}${name}`, physical: `${DIR}${name}`, name, sizeBytes: 10, modifiedAt: new Date('2024-03-09T00:00:00Z'), fileDate: '2024-03-09', loaded: null });
const FILES = ['a_20240309.csv', 'b_20240309.csv', 'c_20240309.csv'].map(file);
const TABLE = new Map(['id', 'v', 'w', '_source_file', '_batch_id', '_ingested_at'].map((c) => [c, c === '_ingested_at' ? 'timestamp' : 'string']));
const requestOf = (files: readonly ListedFile[]): LoadRequest => ({ table: { catalog: 'dev', schema: 'falcon_bronze', table: 't' }, files, runId: 'run-1', ingestedAt: new Date('2024-03-10T00:00:00Z'), replacePaths: [], tableColumns: TABLE });
const columns = (names: readonly string[]): Row[] => names.map((n) => ({ col_name: n, data_type: 'string' }));

/** A Spark whose table exists, whose files each hold one good row, and whose INSERT fails with `insertError` while `failing(files of the stage view)` says so. */
function spark(options: { insertError: (staged: string) => string | null; unreadable?: readonly string[]; files?: readonly ListedFile[] }) {
  const files = options.files ?? FILES;
  let staged = '';
  const recording = createRecordingEngine(new SparkDialect(), {
    capabilities: { localFilesOnly: false },
    respond: (s: CompiledStatement) => {
      if (s.sql.startsWith('DESCRIBE __hub_probe')) return columns(['id', 'v', 'w']);
      if (/TEMPORARY VIEW __hub_stage/.test(s.sql)) staged = s.sql;
      if (s.sql.startsWith('SELECT COUNT(*) AS n FROM text.')) {
        const bad = (options.unreadable ?? []).find((n) => s.sql.includes(n));
        if (bad) throw new Error(`[PATH_NOT_FOUND] Path does not exist: ${DIR}${bad}.`);
        return [{ n: 2 }];
      }
      if (s.sql.includes('AS row_count')) return files.filter((f) => staged.includes(f.name)).map((f) => ({ name: f.name, row_count: 1, bad_record: null, bad_text: null, mixed_record: null }));
      if (s.sql.startsWith('INSERT INTO')) {
        const error = options.insertError(staged);
        if (error) throw new Error(error);
      }
      return [];
    },
  });
  const of = (prefix: string) => recording.statements.filter((s) => s.sql.startsWith(prefix));
  return { engine: recording.engine, inserts: () => of('INSERT INTO'), probes: () => of('SELECT COUNT(*) AS n FROM text.'), stages: () => of('CREATE OR REPLACE TEMPORARY VIEW __hub_stage') };
}

/** The loader's reads, then its writes, as a run issues them; each file's verdict. */
async function load(engine: Engine, files: readonly ListedFile[] = FILES): Promise<Record<string, string>> {
  const executor = runExecutor(engine);
  const verdicts = new FileVerdicts();
  const prepared = await sparkLoader.prepare(executor, requestOf(files), verdicts);
  await prepared.apply(executor);
  return Object.fromEntries([...verdicts.all()].map(([path, o]) => [path.slice(DIR.length), 'reason' in o ? `${o.status}: ${o.reason}` : `${o.status} ${o.rows}`]));
}
const outcomesOf = (engine: Engine) => load(engine);

describe('the Spark loader: a file the engine cannot read', () => {
  it('is set aside when the error names it, and its group loads without it; nothing is probed', async () => {
    const s = spark({
      insertError: (staged) =>
        staged.includes('b_20240309.csv')
          ? `org.apache.spark.SparkException: Job aborted due to stage failure: Lost task 1.0: org.apache.spark.SparkFileNotFoundException: File ${DIR}b_20240309.csv does not exist\nIt is possible the underlying files have been updated.`
          : null,
    });
    expect(await outcomesOf(s.engine)).toEqual({
      'a_20240309.csv': 'SUCCESS 1',
      'b_20240309.csv': `QUARANTINED: could not read the file: File ${DIR}b_20240309.csv does not exist`,
      'c_20240309.csv': 'SUCCESS 1',
    });
    expect(s.inserts()).toHaveLength(2);
    expect(s.probes()).toHaveLength(0);
    // The second attempt's view reads only the files left.
    const last = s.stages().at(-1)?.sql ?? '';
    expect([FILES.map((f) => last.includes(f.name))]).toEqual([[true, false, true]]);
  });

  it('when a read error names no file, reads each file of the group on its own to find it (on that failure path only)', async () => {
    const s = spark({
      insertError: (staged) => (staged.includes('c_20240309.csv') ? 'org.apache.spark.SparkException: Job aborted due to stage failure: [FAILED_READ_FILE] Error while reading file' : null),
      unreadable: ['c_20240309.csv'],
    });
    expect(await outcomesOf(s.engine)).toEqual({
      'a_20240309.csv': 'SUCCESS 1',
      'b_20240309.csv': 'SUCCESS 1',
      'c_20240309.csv': `QUARANTINED: could not read the file: [PATH_NOT_FOUND] Path does not exist: ${DIR}c_20240309.csv.`,
    });
    expect(s.probes().map((p) => FILES.findIndex((f) => p.sql.includes(f.name)))).toEqual([0, 1, 2]);
    expect(s.inserts()).toHaveLength(2);
  });

  it('fails the table as before when the error is not a file\'s (nothing probed, nothing set aside)', async () => {
    const s = spark({ insertError: () => '[DELTA_CONCURRENT_APPEND] ConcurrentAppendException: Files were added to the root of the table by a concurrent update.' });
    await expect(load(s.engine)).rejects.toThrow(/DELTA_CONCURRENT_APPEND/);
    expect(s.probes()).toHaveLength(0);
    expect(s.inserts()).toHaveLength(1);
  });

  it('fails the table when a read error names no file and every file reads on its own', async () => {
    const s = spark({ insertError: () => 'org.apache.spark.SparkException: [FAILED_READ_FILE] Error while reading file' });
    await expect(load(s.engine)).rejects.toThrow(/FAILED_READ_FILE/);
    expect(s.probes()).toHaveLength(3);
    expect(s.inserts()).toHaveLength(1);
  });

  it('takes the longest path an error names first, so a.csv is not taken for a.csv.1', async () => {
    const files = ['b_20240309.csv', 'b_20240309.csv.1', 'c_20240309.csv'].map(file);
    const s = spark({
      files,
      insertError: (staged) => (staged.includes('b_20240309.csv.1') ? `org.apache.spark.SparkFileNotFoundException: File ${DIR}b_20240309.csv.1 does not exist` : null),
    });
    expect(await load(s.engine, files)).toEqual({
      'b_20240309.csv': 'SUCCESS 1',
      'b_20240309.csv.1': `QUARANTINED: could not read the file: File ${DIR}b_20240309.csv.1 does not exist`,
      'c_20240309.csv': 'SUCCESS 1',
    });
  });
});

import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Engine, type Sql } from '@org/hub-core';
import { runBronze, type ProgressEvent } from '@org/hub-bronze';
import { writeParquet } from '../support/parquet.js';
import { AS_OF, HEADER, KINDS, PARQUET_GOOD2, type Kind } from './bad-data-kinds.js';
import { configCsv, tempDir, writeFile } from './support.js';

/**
 * Every bad-data kind in ONE run per engine: each broken file beside good files of its table
 * (delimited with a header, headerless, parquet), so a slow engine pays for one run, not one per
 * kind. Two cases beyond the kinds: a file removed after the hub read its first line and before
 * its table's INSERT (the engine itself cannot read it), and '007' from a CSV into a BIGINT column.
 */
export const REMOVED_BEFORE_INSERT = 'a file removed after its first line was read, before its INSERT';
export const ZERO_SEVEN = "'007' from a CSV into a BIGINT column";

/** Where a broken file goes: its table's folder, file prefix and extension. */
interface Place {
  readonly folder: 'd' | 'h' | 'p' | 'z';
  readonly table: 'q_raw' | 'h_raw' | 'p_raw' | 'z_raw';
  readonly prefix: string;
  readonly ext: 'csv' | 'parquet';
}
const placeOf = (kind: Pick<Kind, 'format' | 'header'>): Place =>
  kind.format === 'parquet' ? { folder: 'p', table: 'p_raw', prefix: 'e', ext: 'parquet' } : kind.header === false ? { folder: 'h', table: 'h_raw', prefix: 'h', ext: 'csv' } : { folder: 'd', table: 'q_raw', prefix: 'd', ext: 'csv' };

const GOOD: Record<'d' | 'h' | 'p', { first: string; second: string; rows: [number, number] }> = {
  d: { first: `${HEADER}\n1,a,x\n2,b,y\n3,c,z\n`, second: `${HEADER}\n4,d,x\n5,"e, quoted",y\n`, rows: [3, 2] },
  h: { first: '', second: '4,d,x\n5,"e, quoted",y\n', rows: [0, 2] },
  p: { first: '', second: '', rows: [2, 1] },
};
const PARQUET_GOOD1 = `SELECT 1::BIGINT AS id, 'a' AS page, TIMESTAMP '2024-03-08 10:00:00' AS ts UNION ALL SELECT 2, 'b', TIMESTAMP '2024-03-08 11:00:00'`;

export interface FileOutcome {
  readonly status: string | undefined;
  readonly rows: number | undefined;
  /** The summary's reason, with the batch's folder written `<dir>` (each engine has its own folder). */
  readonly reason: string;
  /** The tracker's row for the file (status, error_message), the same way. */
  readonly tracked: readonly string[];
}

export interface Batch {
  readonly dir: string;
  readonly status: string;
  /** Per broken file, by kind name. */
  readonly broken: ReadonlyMap<string, FileOutcome>;
  /** Good files of the second run, by path: their outcome. */
  readonly good: ReadonlyMap<string, FileOutcome>;
  /** Rows per `_source_file`, per table, as the engine counts them. */
  readonly rows: Readonly<Record<string, Record<string, number>>>;
  /** Rows per `_source_file` the test expects: the good files' only. */
  readonly expectedRows: Readonly<Record<string, Record<string, number>>>;
  /** The ids that landed from the '007' file. */
  readonly zeroSevenIds: readonly unknown[];
}

/** Runs the batch on `engine`: a first run of good files (the tables exist, as the kinds assume), then every broken file at once. */
export async function runBatch(engine: Engine, catalog: string): Promise<Batch> {
  const dir = tempDir('bdb');
  const folder = (f: Place['folder']) => join(dir, 'raw', f);
  const rowsOf = (place: Place['folder'], table: string, pattern: string, format: 'delimited' | 'parquet', header = true) => ({
    category: place,
    subcategory: table,
    pattern,
    source: `${folder(place)}/`,
    format,
    header,
    catalog,
    table,
  });
  // Tables the kinds need to exist (the wrong delimiter is judged against the table's columns, a type clash against its types).
  const configRows = [rowsOf('d', 'q_raw', 'd_*.csv', 'delimited'), rowsOf('p', 'p_raw', 'e_*.parquet', 'parquet')];
  const config = writeFile(join(dir, 'config.csv'), configCsv(configRows));
  const expectedRows: Record<string, Record<string, number>> = { q_raw: {}, h_raw: {}, p_raw: {}, z_raw: {} };
  for (const f of ['d', 'p'] as const) {
    const place = placeOf(f === 'p' ? { format: 'parquet' } : { format: 'delimited', header: true });
    const first = join(folder(f), `${place.prefix}_20240308_good1.${place.ext}`);
    if (f === 'p') await writeParquet(writeFile(first, ''), PARQUET_GOOD1);
    else writeFile(first, GOOD[f].first);
    (expectedRows[place.table] as Record<string, number>)[first] = GOOD[f].rows[0];
  }
  const first = await runBronze({ asOf: AS_OF }, { engine, configPath: config });
  if (first.status !== 'SUCCESS') throw new Error(`the batch's first run: ${first.status} ${JSON.stringify(first.files)}`);
  // A table made with a BIGINT column (as a spoke's own DDL may), which delimited files load into.
  await engine.run(sql`CREATE SCHEMA IF NOT EXISTS ${sql.raw(engine.dialect.schemaName(catalog, 'falcon_bronze'))}`);
  const text = sql.raw(engine.name === 'spark' ? 'STRING' : 'VARCHAR');
  await engine.run(
    sql`CREATE TABLE ${sql.raw(engine.dialect.tableName(catalog, 'falcon_bronze', 'z_raw'))} (id BIGINT, v ${text}, w ${text}, _source_file ${text}, _batch_id ${text}, _ingested_at TIMESTAMP)${sql.raw(engine.name === 'spark' ? ' USING DELTA' : '')}`,
  );
  // Tables that need no earlier load join for the second run only: each table of a run costs Spark several seconds of tracker and lease work.
  writeFile(config, configCsv([...configRows, rowsOf('h', 'h_raw', 'h_*.csv', 'delimited', false), rowsOf('z', 'z_raw', 'z_*.csv', 'delimited')]));

  // The second run's files: the good ones, every broken kind, and the two extra cases.
  const good: string[] = [];
  for (const f of ['d', 'h', 'p'] as const) {
    const place = placeOf(f === 'p' ? { format: 'parquet' } : { format: 'delimited', header: f === 'd' });
    const second = join(folder(f), `${place.prefix}_20240309_good2.${place.ext}`);
    if (f === 'p') await writeParquet(writeFile(second, ''), PARQUET_GOOD2);
    else writeFile(second, GOOD[f].second);
    (expectedRows[place.table] as Record<string, number>)[second] = GOOD[f].rows[1];
    good.push(second);
  }
  const paths = new Map<string, string>();
  const duringRun: { file: string; table: string; fn: (file: string) => void }[] = [];
  for (const [i, kind] of KINDS.entries()) {
    const place = placeOf(kind);
    const path = writeFile(join(folder(place.folder), `${place.prefix}_20240309_k${String(i).padStart(2, '0')}.${place.ext}`), '');
    await kind.write(path);
    paths.set(kind.name, path);
    if (kind.duringRun) duringRun.push({ file: path, table: place.table, fn: kind.duringRun });
  }
  const removed = writeFile(join(folder('d'), 'd_20240309_removed.csv'), `${HEADER}\n6,f,x\n7,g,y\n`);
  paths.set(REMOVED_BEFORE_INSERT, removed);
  const zeroSeven = writeFile(join(folder('z'), 'z_20240309_zero_seven.csv'), `${HEADER}\n007,c,x\n`);
  (expectedRows['z_raw'] as Record<string, number>)[zeroSeven] = 1;
  good.push(zeroSeven);

  const onProgress = (event: ProgressEvent) => {
    if (event.kind === 'table-start') for (const d of duringRun) if (event.table.endsWith(`.${d.table}`)) d.fn(d.file);
  };
  const restore = removeBeforeInsert(engine, removed);
  let second;
  try {
    second = await runBronze({ asOf: AS_OF }, { engine, configPath: config, onProgress });
  } finally {
    restore();
  }

  const trackerName = sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'load_tracker'));
  const tracked = await engine.query(sql`SELECT file_path, load_status, error_message FROM ${trackerName} WHERE batch_id = ${second.runId}`);
  const local = (text: unknown) => String(text ?? '').replaceAll(dir, '<dir>');
  const outcome = (path: string): FileOutcome => {
    const f = second.files.find((x) => x.path === path);
    const t = tracked.filter((r) => r['file_path'] === path).map((r) => `${String(r['load_status'])}: ${local(r['error_message'])}`);
    return { status: f?.status, rows: f?.rows, reason: local(f?.reason), tracked: t };
  };
  const rows: Record<string, Record<string, number>> = {};
  for (const table of ['q_raw', 'h_raw', 'p_raw', 'z_raw']) {
    const name = sql.raw(engine.dialect.tableName(catalog, 'falcon_bronze', table));
    const counted = await engine.query(sql`SELECT _source_file AS f, COUNT(*) AS n FROM ${name} GROUP BY _source_file`);
    rows[table] = Object.fromEntries(counted.map((r) => [String(r['f']), Number(r['n'])]));
  }
  const p = sql.raw(engine.dialect.tableName(catalog, 'falcon_bronze', 'z_raw'));
  const ids = await engine.query(sql`SELECT CAST(id AS STRING) AS id FROM ${p} WHERE _source_file = ${zeroSeven}`);
  return {
    dir,
    status: second.status,
    broken: new Map([...paths].map(([name, path]) => [name, outcome(path)])),
    good: new Map(good.map((path) => [path, outcome(path)])),
    rows,
    expectedRows,
    zeroSevenIds: ids.map((r) => r['id']),
  };
}

/**
 * Removes `file` just before the first INSERT that reads it: on DuckDB the INSERT names the
 * files; on Spark it reads its group's stage view, whose statement named them. The hub has read
 * the file (its first line, the checks) by then, so only the engine's INSERT finds it gone.
 */
function removeBeforeInsert(engine: Engine, file: string): () => void {
  const name = file.slice(file.lastIndexOf('/') + 1);
  const views = new Map<string, string>();
  let done = false;
  const watch = (query: Sql | string) => {
    let text = '';
    try {
      text = engine.render(query);
    } catch {
      // A statement that cannot be rendered fails in the engine's own call, as without this hook.
    }
    const view = /TEMPORARY VIEW\s+(__hub_stage_\d+)\b/i.exec(text)?.[1];
    if (view) views.set(view, text);
    const from = /\bFROM\s+(__hub_stage_\d+)\b/i.exec(text)?.[1];
    if (!done && /^\s*INSERT\s+INTO/i.test(text) && (text.includes(name) || (from !== undefined && (views.get(from) ?? '').includes(name)))) {
      done = true;
      unlinkSync(file);
    }
  };
  const query = engine.query.bind(engine);
  const run = engine.run.bind(engine);
  Object.assign(engine, {
    query: (q: Sql | string, options?: Parameters<Engine['query']>[1]) => (watch(q), query(q, options)),
    run: (q: Sql | string, options?: Parameters<Engine['run']>[1]) => (watch(q), run(q, options)),
  });
  return () => {
    delete (engine as { query?: unknown }).query;
    delete (engine as { run?: unknown }).run;
  };
}

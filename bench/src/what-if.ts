import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { applyDdl, createDuckDbEngine, type Engine } from '@org/deltalake-hub';
import type { ListingData, TransactionData } from './data.js';
import { CATALOG, fillTracker, SCHEMA } from './resolution.js';
import { engineReadSql, timedCpu, type Format } from './throughput.js';
import { DATA_DIR, freshDir, log, median, round, sqlString } from './util.js';

/** One way of spelling the load, timed on the same files as the throughput benchmark. */
interface Shape {
  readonly name: string;
  readonly describe: string;
  /** Statements to time; `$T` is the target table, created empty (untimed) from `create`. */
  readonly create: string;
  readonly load: readonly string[];
}

export interface WhatIfResult {
  readonly format: Format;
  readonly repetitions: number;
  readonly shapes: readonly { readonly name: string; readonly describe: string; readonly seconds: number; readonly cpuSeconds: number; readonly ratioToEngine: number; readonly cpuRatioToEngine: number }[];
}

const CSV_OPTIONS = `delim = ',', quote = '"', escape = '"', header = true, all_varchar = true`;
const LINEAGE = (source: string) => `* EXCLUDE (${source}), ${source} AS _source_file, 'batch-1' AS _batch_id, TIMESTAMP '2024-03-07 12:00:00' AS _ingested_at`;

/**
 * The hub's load today (loaders/duckdb-bronze.ts: a temp stage built from one scan per file,
 * UNION ALL BY NAME, then INSERT from the stage) and the alternatives, to see what bounds the ratio.
 */
function shapes(format: Format, physical: readonly string[]): Shape[] {
  const perFile = (extra: string) =>
    physical
      .map((f) => (format === 'csv' ? `SELECT *, ${sqlString(f)} AS __src FROM read_csv(${sqlString(f)}, ${CSV_OPTIONS}${extra})` : `SELECT *, ${sqlString(f)} AS __src FROM read_parquet(${sqlString(f)})`))
      .join('\nUNION ALL BY NAME\n');
  const list = `[${physical.map(sqlString).join(', ')}]`;
  const multi = format === 'csv' ? `read_csv(${list}, ${CSV_OPTIONS}, filename = true, store_rejects = true)` : `read_parquet(${list}, filename = true, union_by_name = true)`;
  const emptyLineage = `CREATE TABLE $T AS SELECT ${LINEAGE('__src')} FROM (SELECT *, '' AS __src FROM ${engineReadSql(format, physical.slice(0, 1))}) LIMIT 0`;
  const rejects = format === 'csv' ? ', store_rejects = true' : '';
  return [
    { name: 'engine', describe: 'INSERT INTO t SELECT * FROM read_*([...]) (the baseline)', create: `CREATE TABLE $T AS SELECT * FROM ${engineReadSql(format, physical.slice(0, 1))} LIMIT 0`, load: [`INSERT INTO $T SELECT * FROM ${engineReadSql(format, physical)}`] },
    {
      name: 'per-file-stage',
      describe: 'CREATE TEMP TABLE stage AS <one scan per file, UNION ALL BY NAME>; INSERT INTO t BY NAME SELECT ... FROM stage (the hub up to commit 2880994)',
      create: emptyLineage,
      load: [`CREATE OR REPLACE TEMP TABLE __stage AS ${perFile(rejects)}`, `INSERT INTO $T BY NAME SELECT ${LINEAGE('__src')} FROM __stage`, 'DROP TABLE __stage'],
    },
    { name: 'per-file-direct', describe: 'INSERT INTO t BY NAME SELECT ... FROM <one scan per file, UNION ALL BY NAME> (no stage)', create: emptyLineage, load: [`INSERT INTO $T BY NAME SELECT ${LINEAGE('__src')} FROM (${perFile(rejects)})`] },
    {
      name: 'multi-file-direct',
      describe: `INSERT INTO t BY NAME SELECT * EXCLUDE (filename), filename AS _source_file, ... FROM ${format === 'csv' ? 'read_csv([...], filename, store_rejects)' : 'read_parquet([...], filename, union_by_name)'} (one scan, no stage)`,
      create: emptyLineage,
      load: [`INSERT INTO $T BY NAME SELECT ${LINEAGE('filename')} FROM ${multi}`],
    },
    {
      name: 'proposed',
      describe:
        format === 'csv'
          ? 'multi-file-direct plus what per-file quarantine needs: headers from read_text (to group files by header), BEGIN; INSERT; rejects per file; DELETE rows of rejected files; rows per file from the table; COMMIT'
          : 'multi-file-direct plus what per-file checks need: parquet_schema of every file (type clashes), BEGIN; INSERT; rows per file from the table; COMMIT',
      create: emptyLineage,
      load: [
        format === 'csv'
          ? `SELECT filename, split_part(content, chr(10), 1) AS header FROM read_text(${list})`
          : `SELECT file_name, name, type FROM parquet_schema(${list})`,
        'BEGIN TRANSACTION',
        `INSERT INTO $T BY NAME SELECT ${LINEAGE('filename')} FROM ${multi}`,
        ...(format === 'csv'
          ? [
              'CREATE OR REPLACE TEMP TABLE __rejected AS SELECT DISTINCT s.file_path FROM reject_errors AS e JOIN reject_scans AS s ON e.scan_id = s.scan_id AND e.file_id = s.file_id',
              `DELETE FROM $T WHERE _batch_id = 'batch-1' AND _source_file IN (SELECT file_path FROM __rejected)`,
            ]
          : []),
        `SELECT _source_file, count(*) AS n FROM $T WHERE _batch_id = 'batch-1' GROUP BY _source_file`,
        'COMMIT',
      ],
    },
  ];
}

/** Times each shape `repetitions` times, rotating the order every round. */
export async function whatIf(format: Format, data: TransactionData, repetitions: number): Promise<WhatIfResult> {
  const dir = format === 'csv' ? data.csvDir : data.parquetDir;
  const physical = readdirSync(dir)
    .filter((n) => n.endsWith(`.${format}`))
    .sort()
    .map((n) => join(dir, n));
  const warehouse = freshDir(join(DATA_DIR, 'work', `what-if-${format}`));
  const engine = await createDuckDbEngine({ warehouse });
  const list = shapes(format, physical);
  const samples = new Map<string, { seconds: number; cpuSeconds: number }[]>(list.map((s) => [s.name, []]));
  let seq = 0;
  try {
    await engine.query(`SELECT count(*) AS n FROM ${engineReadSql(format, physical)}`);
    for (let r = 0; r < repetitions; r++) {
      const order = list.map((_, i) => list[(i + r) % list.length] as Shape);
      for (const shape of order) {
        const catalog = `whatif_${format}_${++seq}`;
        const sample = await timeShape(engine, warehouse, catalog, shape);
        samples.get(shape.name)?.push(sample);
        log(`  what-if ${format} ${shape.name.padEnd(17)} ${sample.seconds.toFixed(2)} s (cpu ${sample.cpuSeconds.toFixed(2)} s)`);
      }
    }
  } finally {
    await engine.close();
    rmSync(warehouse, { recursive: true, force: true });
  }
  const med = (name: string, key: 'seconds' | 'cpuSeconds') => median((samples.get(name) ?? []).map((s) => s[key]));
  return {
    format,
    repetitions,
    shapes: list.map((s) => ({
      name: s.name,
      describe: s.describe,
      seconds: round(med(s.name, 'seconds')),
      cpuSeconds: round(med(s.name, 'cpuSeconds')),
      ratioToEngine: round(med('engine', 'seconds') / med(s.name, 'seconds')),
      cpuRatioToEngine: round(med('engine', 'cpuSeconds') / med(s.name, 'cpuSeconds')),
    })),
  };
}

async function timeShape(engine: Engine, warehouse: string, catalog: string, shape: Shape): Promise<{ seconds: number; cpuSeconds: number }> {
  await engine.prepareCatalogs([catalog]);
  const target = engine.dialect.tableName(catalog, 'main', 't');
  await engine.run(shape.create.replaceAll('$T', target));
  const { seconds, cpuSeconds } = await timedCpu(async () => {
    for (const statement of shape.load) await engine.run(statement.replaceAll('$T', target));
  });
  await engine.run(`DETACH ${engine.dialect.quoteIdentifier(catalog)}`);
  rmSync(join(warehouse, `${catalog}.duckdb`), { force: true });
  rmSync(join(warehouse, `${catalog}.duckdb.wal`), { force: true });
  return { seconds, cpuSeconds };
}

export interface ResolutionWhatIfResult {
  readonly files: number;
  readonly trackerRows: number;
  readonly repetitions: number;
  readonly shapes: readonly { readonly name: string; readonly describe: string; readonly ms: number; readonly rowsToNode: number; readonly ratioToListing: number }[];
}

/** The hub's date token pattern (loaders/bronze-adapter.ts DATE_TOKEN_PATTERN). */
const DATE_TOKEN = '(?:^|[^0-9])([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}_[0-9]{2}_[0-9]{2}|[0-9]{8})(?:[^0-9]|$)';

/**
 * The hub's per-folder listing statement (loaders/duckdb-bronze.ts listStatement, as of dd0581e),
 * taken apart: what the stat per file, the date, the tracker join and the rows sent to Node each cost.
 */
function listingShapes(dir: string, destTable: string, tracker: string): { name: string; describe: string; sql: string }[] {
  const glob = sqlString(`${dir}/events_*.csv`);
  const folder = sqlString(`${dir}/`);
  const dated = `WITH listing AS (SELECT filename AS physical, size, last_modified FROM read_blob(${glob})),
dated AS (SELECT physical, size, last_modified, regexp_extract(physical, '[^/]+$', 0) AS name,
  COALESCE(CAST(try_strptime(replace(replace(regexp_extract(regexp_extract(physical, '[^/]+$', 0), ${sqlString(DATE_TOKEN)}, 1), '-', ''), '_', ''), '%Y%m%d') AS DATE),
    CAST(timezone('UTC', last_modified) AS DATE)) AS file_date FROM listing)`;
  const summary = `SELECT file_path, MAX(file_size) AS file_size, MAX(modification_time) AS modification_time FROM ${tracker} WHERE dest_table = ${sqlString(destTable)} AND load_status = 'SUCCESS' GROUP BY file_path`;
  const full = `${dated}
SELECT ${folder} || d.name AS path, d.physical, d.name, d.size AS size_bytes, d.last_modified AS modified_at, strftime(d.file_date, '%Y-%m-%d') AS file_date,
  t.file_path IS NOT NULL AS loaded, t.file_size AS loaded_size, t.modification_time AS loaded_modified_at
FROM dated AS d LEFT JOIN (${summary}) AS t ON t.file_path = ${folder} || d.name
WHERE d.file_date BETWEEN DATE '2024-03-01' AND DATE '2024-03-07'`;
  const changed = `loaded_size IS DISTINCT FROM size_bytes OR abs(epoch(CAST(timezone('UTC', modified_at) AS TIMESTAMP)) - epoch(loaded_modified_at)) >= 1`;
  return [
    { name: 'listing', describe: "SELECT count(*) FROM read_blob('<dir>/*') (the baseline)", sql: `SELECT count(*) AS n FROM read_blob(${sqlString(`${dir}/*`)})` },
    { name: 'listing+stat', describe: 'count, sum(size), max(last_modified) from read_blob: one stat per file, which the hub needs', sql: `SELECT count(*) AS n, sum(size) AS b, max(last_modified) AS m FROM read_blob(${glob})` },
    { name: 'dated', describe: '+ the file date from the name (regexp) or the time', sql: `${dated} SELECT count(*) AS n, max(file_date) AS d FROM dated` },
    { name: 'joined-in-sql', describe: '+ the tracker anti-join: the whole hub statement, counted in SQL', sql: `SELECT count(*) AS n, count(loaded_size) AS l FROM (${full})` },
    { name: 'all-to-node', describe: 'the hub statement up to commit 2880994: every listed file sent to Node (loaded or not), ordered', sql: `${full} ORDER BY file_date, name` },
    { name: 'new-or-changed', describe: 'the hub statement now: only files to load or changed since load are sent (size/time compared in SQL)', sql: `SELECT * FROM (${full}) WHERE NOT loaded OR ${changed} ORDER BY file_date, name` },
  ];
}

export async function whatIfResolution(data: ListingData, trackerRows: number, repetitions: number): Promise<ResolutionWhatIfResult> {
  const warehouse = freshDir(join(DATA_DIR, 'work', 'what-if-resolution'));
  const engine = await createDuckDbEngine({ warehouse });
  const tracker = engine.dialect.tableName(CATALOG, 'bronze_metadata', 'load_tracker');
  const samples = new Map<string, number[]>();
  const rows = new Map<string, number>();
  let names: { name: string; describe: string }[] = [];
  try {
    await applyDdl(engine, CATALOG);
    await fillTracker(engine, data, trackerRows);
    for (let r = 0; r <= repetitions; r++) {
      const totals = new Map<string, number>();
      for (const [d, dir] of data.dirs.entries()) {
        const shapesOfDir = listingShapes(dir, `${CATALOG}.${SCHEMA}.events_feed${d}`, tracker);
        names = shapesOfDir;
        const order = shapesOfDir.map((_, i) => shapesOfDir[(i + r) % shapesOfDir.length] as (typeof shapesOfDir)[number]);
        for (const shape of order) {
          const { value, seconds } = await timedCpu(() => engine.query(shape.sql));
          totals.set(shape.name, (totals.get(shape.name) ?? 0) + seconds * 1000);
          if (r === 0) rows.set(shape.name, (rows.get(shape.name) ?? 0) + value.length);
        }
      }
      // Round 0 warms the page cache and DuckDB; it is not recorded.
      if (r > 0) for (const [name, ms] of totals) samples.set(name, [...(samples.get(name) ?? []), ms]);
      log(`  what-if resolution round ${r === 0 ? 'warm-up' : r}: ${[...totals].map(([n, ms]) => `${n} ${ms.toFixed(0)} ms`).join(', ')}`);
    }
  } finally {
    await engine.close();
    rmSync(warehouse, { recursive: true, force: true });
  }
  const base = median(samples.get('listing') ?? []);
  return {
    files: data.files,
    trackerRows,
    repetitions,
    shapes: names.map((s) => {
      const ms = median(samples.get(s.name) ?? []);
      return { name: s.name, describe: s.describe, ms: Math.round(ms), rowsToNode: rows.get(s.name) ?? 0, ratioToListing: round(ms / base) };
    }),
  };
}

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { applyDdl, createDuckDbEngine, planBronze, type Engine, type ProgressEvent } from '@org/deltalake-hub';
import { AS_OF, LISTING_MTIME, type ListingData } from './data.js';
import { captureLogger, slowest } from './throughput.js';
import { DATA_DIR, freshDir, log, median, round, sqlString, timed, writeConfig } from './util.js';

export interface ResolutionResult {
  readonly files: number;
  readonly folders: number;
  readonly trackerRows: number;
  /** Tracker rows that are SUCCESS loads of listed files: those files drop out of the plan. */
  readonly trackerRowsMatching: number;
  readonly plannedFiles: number;
  readonly repetitions: number;
  readonly hubMs: number;
  /**
   * DuckDB's listing that reads no file, `read_blob('<folder>/*')`: each file's name, size and modification time (one
   * stat per file, which the hub needs), each consumed by an aggregate in the engine so no row transfer is timed.
   */
  readonly listingMs: number;
  readonly ratio: number;
  readonly goal: string;
  readonly goalMet: boolean;
  /** `SELECT count(*) FROM read_blob(...)`: names only, no stat, nothing returned; no loader can act on it. */
  readonly countOnlyMs: number;
  readonly ratioToCountOnly: number;
  /** Of hubMs, the time spent inside the engine running the listing/anti-join statements. */
  readonly hubSqlMs: number;
  readonly runs: { readonly hubMs: number[]; readonly listingMs: number[] };
  /** The statements of the hub's median run, slowest first (ms). */
  readonly profile: readonly { readonly ms: number; readonly sql: string }[];
}

export const CATALOG = 'resolution';
export const SCHEMA = 'bench_bronze';

/**
 * `bronze plan` over every listed file against a tracker of `trackerRows` rows, versus the
 * engine listing the same folders with names, sizes and modification times (DuckDB's `read_blob`
 * listing), one per folder as the hub lists one per config row.
 */
export async function resolution(data: ListingData, trackerRows: number, repetitions: number): Promise<ResolutionResult> {
  const warehouse = freshDir(join(DATA_DIR, 'work', 'resolution'));
  const statements: { ms: number; sql: string }[] = [];
  const engine = await createDuckDbEngine({ warehouse, logger: captureLogger(statements) });
  try {
    const config = writeConfig(
      join(warehouse, 'config.csv'),
      data.dirs.map((dir, d) => `bench,events,feed${d},events_*.csv,${dir}/,delimited,",",true,${CATALOG},${SCHEMA},events_feed${d},true`),
    );
    await applyDdl(engine, CATALOG);
    const matching = await fillTracker(engine, data, trackerRows);
    log(`  tracker: ${trackerRows} rows, ${matching} of them SUCCESS loads of listed files`);

    const hubMs: number[] = [];
    const listingMs: number[] = [];
    const countMs: number[] = [];
    const sqlMs: number[] = [];
    const profiles: { ms: number; sql: string }[][] = [];
    let plannedFiles = 0;
    const hubRound = async (record: boolean) => {
      statements.length = 0;
      // A plan goes on to read the files it would load (it issues the run's statements); resolution is everything but those spans.
      const loads: { started: number; ended: number; firstStatement: number; endStatement: number }[] = [];
      const onProgress = (event: ProgressEvent) => {
        if (event.kind === 'table-start') loads.push({ started: performance.now(), ended: Number.NaN, firstStatement: statements.length, endStatement: Number.NaN });
        const open = loads[loads.length - 1];
        if (event.kind === 'table-done' && open && Number.isNaN(open.ended)) Object.assign(open, { ended: performance.now(), endStatement: statements.length });
      };
      const { value, seconds: wall } = await timed(() => planBronze({ asOf: AS_OF }, { engine, configPath: config, onProgress }));
      for (const load of loads) if (Number.isNaN(load.ended)) Object.assign(load, { ended: performance.now(), endStatement: statements.length });
      const inLoads = new Set(loads.flatMap((l) => Array.from({ length: l.endStatement - l.firstStatement }, (_, i) => l.firstStatement + i)));
      const resolving = statements.filter((_, i) => !inLoads.has(i));
      statements.splice(0, statements.length, ...resolving);
      const seconds = wall - loads.reduce((n, l) => n + (l.ended - l.started), 0) / 1000;
      plannedFiles = value.summary.files.length;
      if (value.summary.changedSinceLoad.length > 0) throw new Error(`resolution: ${value.summary.changedSinceLoad.length} files reported as changed since load; the tracker fill is wrong`);
      if (record) {
        hubMs.push(seconds * 1000);
        sqlMs.push(statements.reduce((n, s) => n + s.ms, 0));
        profiles.push([...statements]);
      }
      log(`  plan    ${record ? '' : '(warm-up) '}${(seconds * 1000).toFixed(0)} ms resolving, ${(wall * 1000).toFixed(0)} ms with the load reads (${statements.length} statements, ${statements.reduce((n, s) => n + s.ms, 0)} ms in the engine), ${plannedFiles} files to load`);
    };
    const listingRound = async (record: boolean) => {
      const { value: listed, seconds } = await timed(async () => {
        let n = 0;
        for (const dir of data.dirs) {
          const [row] = await engine.query(`SELECT count(*) AS n, max(filename) AS last_name, sum(size) AS bytes, max(last_modified) AS newest FROM read_blob(${sqlString(`${dir}/*`)})`);
          n += Number(row?.['n']);
        }
        return n;
      });
      if (listed !== data.files) throw new Error(`resolution: the listing found ${listed} files, expected ${data.files}`);
      const { value: counted, seconds: count } = await timed(async () => {
        let n = 0;
        for (const dir of data.dirs) {
          const [row] = await engine.query(`SELECT count(*) AS n FROM read_blob(${sqlString(`${dir}/*`)})`);
          n += Number(row?.['n']);
        }
        return n;
      });
      if (counted !== data.files) throw new Error(`resolution: the count found ${counted} files, expected ${data.files}`);
      if (record) {
        listingMs.push(seconds * 1000);
        countMs.push(count * 1000);
      }
      log(`  listing ${record ? '' : '(warm-up) '}${(seconds * 1000).toFixed(0)} ms (names only, no stat: ${(count * 1000).toFixed(0)} ms)`);
    };
    await hubRound(false);
    await listingRound(false);
    for (let r = 0; r < repetitions; r++) {
      if (r % 2 === 0) {
        await listingRound(true);
        await hubRound(true);
      } else {
        await hubRound(true);
        await listingRound(true);
      }
    }
    const hub = median(hubMs);
    const listing = median(listingMs);
    const ratio = hub / listing;
    const expectedPlanned = data.files - matching;
    if (plannedFiles !== expectedPlanned) throw new Error(`resolution: the plan has ${plannedFiles} files, expected ${expectedPlanned}`);
    return {
      files: data.files,
      folders: data.dirs.length,
      trackerRows,
      trackerRowsMatching: matching,
      plannedFiles,
      repetitions,
      hubMs: Math.round(hub),
      listingMs: Math.round(listing),
      ratio: round(ratio),
      goal: 'ratio <= 1.5',
      goalMet: ratio <= 1.5,
      countOnlyMs: Math.round(median(countMs)),
      ratioToCountOnly: round(hub / median(countMs)),
      hubSqlMs: Math.round(median(sqlMs)),
      runs: { hubMs: hubMs.map((v) => Math.round(v)), listingMs: listingMs.map((v) => Math.round(v)) },
      profile: slowest(profiles[hubMs.indexOf([...hubMs].sort((a, b) => a - b)[Math.floor((hubMs.length - 1) / 2)] as number)] ?? []),
    };
  } finally {
    await engine.close();
    rmSync(warehouse, { recursive: true, force: true });
  }
}

/** One listed file in NEW_EVERY is new (not in the tracker): a daily run re-lists a week of files, most of them loaded. */
const NEW_EVERY = 20;

/**
 * All tracker rows come from range(). All but one in NEW_EVERY of the listed files get a SUCCESS
 * row with their exact path, size and time (so they are neither planned nor reported as changed);
 * the other rows are older files of these tables and files of other tables, matching no listed file.
 */
export async function fillTracker(engine: Engine, data: ListingData, trackerRows: number): Promise<number> {
  const tracker = engine.dialect.tableName(CATALOG, 'bronze_metadata', 'load_tracker');
  const columns = 'tracker_id, lob, category, subcategory, file_name, source_path, dest_table, load_status, load_timestamp, batch_id, row_count, file_path, file_size, modification_time, file_date, error_message, started_at, finished_at';
  const folders = data.dirs.length;
  const dirs = `[${data.dirs.map((d) => sqlString(`${d}/`)).join(', ')}]`;
  const mtime = LISTING_MTIME.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
  // Names and contents as data.ts writes them: listingFileName(f) and listingFileContent(f, seed).
  await engine.run(`INSERT INTO ${tracker} (${columns})
SELECT 'm-' || f, 'bench', 'events', 'feed' || (f % ${folders}), name, folder, '${CATALOG}.${SCHEMA}.events_feed' || (f % ${folders}), 'SUCCESS',
  TIMESTAMP '2024-03-07 06:00:00', 'batch-seed', 1, folder || name,
  length('id,value' || chr(10) || f || ',' || ((f * 7 + ${data.seed}) % 101) || chr(10)), TIMESTAMP '${mtime}', CAST(day AS DATE), NULL,
  TIMESTAMP '2024-03-07 06:00:00', TIMESTAMP '2024-03-07 06:00:01'
FROM (SELECT f, ${dirs}[1 + f % ${folders}] AS folder, DATE '2024-03-01' + CAST(f % 7 AS INTEGER) AS day,
  'events_' || strftime(DATE '2024-03-01' + CAST(f % 7 AS INTEGER), '%Y%m%d') || '_' || lpad(CAST(f AS VARCHAR), 7, '0') || '.csv' AS name
  FROM range(${data.files}) AS t(f))
WHERE (f // ${folders}) % ${NEW_EVERY} <> 0`);
  const [row] = await engine.query(`SELECT count(*) AS n FROM ${tracker}`);
  const matching = Number(row?.['n']);
  const rest = Math.max(0, trackerRows - matching);
  // Older files of the same feeds (60%) and files of 40 other tables (40%); a few QUARANTINED, as a real history has.
  await engine.run(`INSERT INTO ${tracker} (${columns})
SELECT 'h-' || i, 'bench', 'events', CASE WHEN i % 10 < 6 THEN 'feed' || (i % ${folders}) ELSE 'other' || (i % 40) END, name,
  folder, CASE WHEN i % 10 < 6 THEN '${CATALOG}.${SCHEMA}.events_feed' || (i % ${folders}) ELSE '${CATALOG}.${SCHEMA}.other_' || (i % 40) END,
  CASE WHEN i % 97 = 0 THEN 'QUARANTINED' ELSE 'SUCCESS' END, day + INTERVAL 6 HOUR, 'batch-' || (i // 5000), 1000 + i % 9000,
  folder || name, 2000 + i % 50000, day + INTERVAL 1 HOUR, CAST(day AS DATE), NULL, day + INTERVAL 6 HOUR, day + INTERVAL 7 HOUR
FROM (SELECT i, ${dirs}[1 + i % ${folders}] AS folder, TIMESTAMP '2021-01-01' + to_days(CAST(i % 1100 AS INTEGER)) AS day,
  'events_' || strftime(TIMESTAMP '2021-01-01' + to_days(CAST(i % 1100 AS INTEGER)), '%Y%m%d') || '_h' || lpad(CAST(i AS VARCHAR), 8, '0') || '.csv' AS name
  FROM range(${rest}) AS t(i))`);
  return matching;
}

import { randomUUID } from 'node:crypto';
import { HUB_VERSION, HubError, isHubError, ParameterError, runLogger, sql, type Engine, type JobParameters, type JournalEntry, type Logger } from '@org/hub-core';
import { readConfig } from './config/read-config.js';
import { applyDdl, metadataTable } from './ddl.js';
import { LeaseKeeper, LeaseTable, leaseTtlMs } from './lease.js';
import { LoadTracker, qualifiedName, type TrackedFile } from './load-tracker.js';
import type { BronzeAdapter, FileOutcome, ListedFile, ListRequest, TableRef } from './loaders/bronze-adapter.js';
import { deleteBatchFilesStatement } from './loaders/shared.js';
import { bronzeAdapterFor } from './loaders/index.js';
import { checkSelection, fileConfigMerge, selectConfigQuery, selectConfigRows, upsertFileConfig } from './metadata-resolver.js';
import { locateSource, type SourceRoots } from './source-roots.js';
import type { FileConfigRow, FileResult, OutsideWindow, RunBronzeOptions, RunStatus, RunSummary, SourceProblem } from './types.js';
import { loadWindow, type LoadWindow } from './window.js';

/**
 * What a plan shows: the statement journal of the run's own code path, executed over the engine in
 * plan mode (Engine.plan: reads run, writes are shown and not executed). Values are inline (the
 * dialect's literal function) for reading; a run binds them.
 */
export interface BronzePlan {
  readonly window: LoadWindow;
  /** DDL (IF NOT EXISTS) and its column checks, the file_config MERGE and the config SELECT, in the order a run issues them. */
  readonly metadata: readonly string[];
  /** The same statements as journal entries (read or write, and what the plan did not run). */
  readonly metadataJournal: readonly JournalEntry[];
  readonly tables: readonly PlannedTable[];
  readonly changedSinceLoad: readonly { readonly path: string; readonly destTable: string }[];
}

export interface PlannedTable {
  readonly destTable: string;
  /** The listing statements of the table's config rows (also in `statements`). */
  readonly listing: readonly string[];
  readonly files: readonly ListedFile[];
  /** Every statement of the table, in order: lease, reconcile, listing, tracker, load, tracker, release. */
  readonly statements: readonly string[];
  /** The same statements as journal entries. */
  readonly journal: readonly JournalEntry[];
}

interface TableWork {
  readonly ref: TableRef;
  readonly name: string;
  readonly configs: FileConfigRow[];
}

/**
 * The bronze run (docs/bronze.md): validate, upsert config, select, resolve, load, track, summarise.
 * Parameters and config are checked before anything is written.
 */
export async function runBronze(params: JobParameters, options: RunBronzeOptions): Promise<RunSummary> {
  if (options.dryRun) return (await planBronze(params, options)).summary;
  return (await execute(params, options)).summary;
}

/** The run's own code path over the engine in plan mode: what would load, and every statement a run issues, writing nothing. */
export async function planBronze(params: JobParameters, options: RunBronzeOptions): Promise<{ summary: RunSummary; plan: BronzePlan }> {
  const { engine } = options;
  const metadata: JournalEntry[] = [];
  let current = metadata;
  const stop = engine.observe((entry) => current.push(entry));
  try {
    const planned = await engine.plan(() => execute(params, { ...options, onTable: (statements) => (current = statements) }));
    return { summary: planned.summary, plan: { ...planned.plan, metadata: metadata.map((e) => e.text), metadataJournal: metadata } };
  } finally {
    stop();
  }
}

interface ExecuteOptions extends RunBronzeOptions {
  /** A plan collects each table's statements in the list it gets here. */
  readonly onTable?: ((statements: JournalEntry[]) => void) | undefined;
}

async function execute(params: JobParameters, options: ExecuteOptions): Promise<{ summary: RunSummary; plan: BronzePlan }> {
  const started = Date.now();
  const { engine } = options;
  const runId = options.runId ?? `${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomUUID().slice(0, 8)}`;
  const logger = options.logger ? runLogger(options.logger, runId) : undefined;
  const statementsAtStart = engine.statementCount;

  const window = loadWindow(params);
  const configPath = options.configPath ?? params.configPath;
  if (!configPath) throw new ParameterError('config_path', 'the spoke config CSV is required (--config or config_path)');
  const variables = options.variables ?? {};
  const csvRows = await readConfig(configPath, { variables });
  params = selectionFromLob(params, csvRows, logger);
  checkSelection(csvRows, params);
  const metadataCatalog = options.metadataCatalog ?? variables['catalog'] ?? csvRows[0]?.destCatalog;
  if (!metadataCatalog) throw new ParameterError('catalog', 'no metadata catalog: pass metadataCatalog or a catalog variable');
  const adapter = bronzeAdapterFor(engine.name);
  // Source paths are checked before anything is written, so an unmapped cloud path fails cleanly.
  for (const row of csvRows) if (row.isActive) locateSource(row.sourcePath, options.sourceRoots ?? {}, engine.capabilities.localFilesOnly);

  await engine.prepareCatalogs(new Set([metadataCatalog, ...csvRows.map((r) => r.destCatalog)]));
  // The summary says it all at the end; at info the run logs only events (debug has its start).
  logger?.debug({ engine: engine.name, hubVersion: HUB_VERSION, window, config: configPath }, engine.isPlanning ? 'bronze plan starting' : 'bronze run starting');
  const lobs = [...new Set(csvRows.map((r) => r.lob))];
  await applyDdl(engine, metadataCatalog);
  await upsertFileConfig(engine, fileConfigMerge(engine, metadataCatalog, csvRows));
  const selected = await selectConfigRows(engine, selectConfigQuery(engine, metadataCatalog, lobs, params));
  // A plan did not run the MERGE, so it selects from the CSV what a run selects from file_config after it, in the SELECT's order.
  const configs = engine.isPlanning ? byLobCategorySubcategory(csvRows.filter((r) => r.isActive && (!params.category || r.category === params.category) && (!params.subcategory || r.subcategory === params.subcategory))) : selected;
  const tracker = new LoadTracker(engine, metadataCatalog);
  const trackerTable = metadataTable(engine, metadataCatalog, 'load_tracker');
  const planTables: PlannedTable[] = [];

  const files: FileResult[] = [];
  const changedSinceLoad: { path: string; destTable: string }[] = [];
  const sourceProblems: SourceProblem[] = [];
  const outsideWindow: OutsideWindow[] = [];
  let reconciled = 0;
  const leases = new LeaseTable(engine, metadataCatalog);
  const leaseTtl = leaseTtlMs(options.leaseTtlMs);
  // The lease heartbeat's own session, opened at the first table (engines with one session renew nothing: see docs/bronze.md).
  let heartbeat: Engine | null | undefined;
  try {
    for (const work of groupByTable(configs)) {
      const statements: JournalEntry[] = [];
      options.onTable?.(statements);
      // The statements of the table's listings, which a plan also shows on their own.
      const listing: JournalEntry[] = [];
      const listFiles = async (request: ListRequest) => {
        const from = statements.length;
        try {
          return await adapter.listFiles(engine, request);
        } finally {
          listing.push(...statements.slice(from));
        }
      };
      let keeper: LeaseKeeper | undefined;
      const toLoad: ListedFile[] = [];
      try {
        const expiresAt = await leases.acquire(work.name, runId, { ttlMs: leaseTtl, waitMs: options.leaseWaitMs });
        if (engine.capabilities.concurrentWriters && heartbeat === undefined) heartbeat = await engine.openSibling();
        if (heartbeat) {
          const held = new LeaseKeeper(new LeaseTable(heartbeat, metadataCatalog), work.name, runId, leaseTtl, expiresAt, logger);
          keeper = held;
          held.start();
          engine.guardWrites(() => held.check());
        }
        const bronze = sql.raw(engine.dialect.tableName(work.ref.catalog, work.ref.schema, work.ref.table));
        if (await adapter.tableExists(engine, work.ref)) {
          reconciled += await tracker.reconcile(bronze, work.name, work.configs[0] as FileConfigRow);
        }
        const replacePaths: string[] = [];
        options.onProgress?.({ kind: 'table-listing', table: work.name, sources: work.configs.length });
        for (const config of work.configs) {
          const location = locateSource(config.sourcePath, options.sourceRoots ?? {}, engine.capabilities.localFilesOnly);
          // Listed over every date, windowed here: files outside the window are counted, never skipped silently.
          const request = { config, location, tracker: trackerTable, destTable: work.name, window: params.fileName ? window : EVERY_DATE, fileName: params.fileName, force: params.force };
          let listed: ListedFile[];
          try {
            listed = await listFiles(request);
          } catch (error) {
            const problem = await adapter.sourceProblem(engine, location).catch(() => null);
            if (problem === null) throw error;
            sourceProblems.push(sourceProblemOf(config, work.name, problem, logger));
            continue;
          }
          if (listed.length === 0) {
            const problem = await adapter.sourceProblem(engine, location);
            if (problem !== null) sourceProblems.push(sourceProblemOf(config, work.name, problem, logger));
            continue;
          }
          const outside: ListedFile[] = [];
          for (const file of listed) {
            if (!params.fileName && (file.fileDate < window.begin || file.fileDate > window.end)) {
              if (!file.loaded) outside.push(file);
              continue;
            }
            if (!file.loaded) toLoad.push(file);
            else if (params.force) {
              toLoad.push(file);
              replacePaths.push(file.path);
            } else if (changedOnDisk(file)) {
              changedSinceLoad.push({ path: file.path, destTable: work.name });
              logger?.warn({ path: file.path, table: work.name }, 'file changed since it was loaded; not reloaded (use --force to replace its rows)');
            }
          }
          if (outside.length > 0) outsideWindow.push(outsideWindowOf(config, work.name, outside, window));
        }
        if (toLoad.length === 0) {
          options.onProgress?.({ kind: 'table-done', table: work.name, loaded: 0, quarantined: 0, rows: 0 });
          continue;
        }
        if (params.fileName && toLoad.length > 1) {
          throw new ParameterError('file_name', `${params.fileName} matches ${toLoad.length} files in ${work.name}; name one file`);
        }
        options.onProgress?.({ kind: 'table-start', table: work.name, files: toLoad.length });
        const loadStarted = new Date();
        // Each file's size and time as listed, so a crash after the load leaves reconcile the file's state at load time.
        await tracker.intend(runId, work.name, toLoad, loadStarted);
        let outcomes: Map<string, FileOutcome>;
        try {
          outcomes = new Map((await adapter.load(engine, { table: work.ref, files: toLoad, runId, ingestedAt: loadStarted, replacePaths })).outcomes);
        } catch (error) {
          if (error instanceof HubError && error.code !== 'ENGINE_ERROR') throw error;
          const reason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
          logger?.error({ table: work.name, error: reason }, 'load failed');
          outcomes = new Map(toLoad.map((f) => [f.path, { status: 'FAILED' as const, rows: 0 as const, reason }]));
        }
        await options.hooks?.afterLoad?.(work.name);
        outcomes = await setAsideChangedFiles(engine, adapter, { work, toLoad, outcomes, runId, window, fileName: params.fileName, sourceRoots: options.sourceRoots ?? {}, logger });
        const tracked: (TrackedFile & { status: FileResult['status'] })[] = toLoad.map((f) => {
          const outcome = outcomes.get(f.path) ?? { status: 'FAILED' as const, rows: 0 as const, reason: 'no outcome recorded' };
          return { config: f.config, path: f.path, name: f.name, sizeBytes: f.sizeBytes, modifiedAt: f.modifiedAt, fileDate: f.fileDate, status: outcome.status, rows: outcome.rows, reason: 'reason' in outcome ? outcome.reason : null };
        });
        await tracker.record(runId, work.name, tracked, loadStarted);
        // Only now do the earlier loads of a forced reload stop counting: a crash before leaves them to reconcile.
        const replaced = new Set(replacePaths);
        await tracker.supersede(
          work.name,
          tracked.filter((t) => t.status === 'SUCCESS' && replaced.has(t.path)).map((t) => t.path),
          runId,
        );
        // A plan's SUCCESS is a file that would load; what its reads already set aside shows as the run would record it.
        files.push(...tracked.map((t) => (engine.isPlanning && t.status === 'SUCCESS' ? fileResult(t, work.name, 'SKIPPED', 0, 'plan: would load') : fileResult(t, work.name, t.status, t.rows, t.reason))));
        options.onProgress?.({
          kind: 'table-done',
          table: work.name,
          loaded: tracked.filter((t) => t.status === 'SUCCESS').length,
          quarantined: tracked.filter((t) => t.status !== 'SUCCESS').length,
          rows: tracked.reduce((n, t) => n + t.rows, 0),
        });
      } finally {
        if (keeper) {
          engine.guardWrites(undefined);
          await keeper.stop();
        }
        await tracker.releaseLease(work.name, runId);
        planTables.push({ destTable: work.name, listing: listing.map((e) => e.text), files: toLoad, statements: statements.map((e) => e.text), journal: statements });
      }
    }
  } finally {
    await heartbeat?.close();
  }

  const summary: RunSummary = {
    runId,
    hubVersion: HUB_VERSION,
    status: runStatus(files, sourceProblems, engine.isPlanning),
    engine: engine.name,
    statements: engine.statementCount - statementsAtStart,
    durationMs: Date.now() - started,
    window,
    files,
    changedSinceLoad,
    reconciled,
    sourceProblems,
    outsideWindow,
  };
  logger?.debug({ status: summary.status, statements: summary.statements, durationMs: summary.durationMs }, engine.isPlanning ? 'bronze plan finished' : 'bronze run finished');
  return { summary, plan: { window, metadata: [], metadataJournal: [], tables: planTables, changedSinceLoad } };
}

/**
 * The job parameters come in two shapes. LOB level, as the seed's trigger sends them:
 * `category=<lob>` (all of its categories) and `subcategory=<category>` (one of them). Config
 * level: `category=<category>`, `subcategory=<subcategory>`. The LOB shape applies when no config
 * row has a category named like the LOB; a value that fits neither shape says which would.
 */
export function selectionFromLob(params: JobParameters, rows: readonly FileConfigRow[], logger?: Logger): JobParameters {
  const lob = params.category;
  if (!lob || rows.some((r) => r.category === lob) || !rows.some((r) => r.lob === lob)) return params;
  const active = rows.filter((r) => r.isActive && r.lob === lob);
  const categories = [...new Set(active.map((r) => r.category))];
  const wanted = params.subcategory;
  if (!wanted) {
    logger?.info({ lob }, `category=${lob} names the LOB: loading all of its categories (${categories.join(', ')})`);
    return { ...params, category: undefined };
  }
  if (categories.includes(wanted)) {
    logger?.info({ lob, category: wanted }, `category=${lob} names the LOB, so subcategory=${wanted} names its category: loading ${active.filter((r) => r.category === wanted).map((r) => r.subcategory).join(', ')}`);
    return { ...params, category: wanted, subcategory: undefined };
  }
  const asSubcategory = active.find((r) => r.subcategory === wanted);
  const hint = asSubcategory
    ? `; ${JSON.stringify(wanted)} is a subcategory: use category=${asSubcategory.category}, subcategory=${wanted}`
    : `; config level: category=<one of ${categories.join(', ')}>, subcategory=<one of ${[...new Set(active.map((r) => r.subcategory))].join(', ')}>`;
  throw new ParameterError(
    'subcategory',
    `category=${lob} names the LOB, so subcategory must name one of its categories: ${categories.join(', ')} (got ${JSON.stringify(wanted)})${hint}`,
  );
}

/** The order of the config SELECT (ORDER BY lob, category, subcategory). */
function byLobCategorySubcategory(rows: readonly FileConfigRow[]): FileConfigRow[] {
  const key = (r: FileConfigRow) => [r.lob, r.category, r.subcategory];
  return [...rows].sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as string) < (y[i] as string) ? -1 : 1;
    return 0;
  });
}

function groupByTable(configs: readonly FileConfigRow[]): TableWork[] {
  const tables = new Map<string, TableWork>();
  for (const config of configs) {
    const name = qualifiedName(config);
    const work = tables.get(name) ?? { ref: { catalog: config.destCatalog, schema: config.destSchema, table: config.destTable }, name, configs: [] };
    work.configs.push(config);
    tables.set(name, work);
  }
  return [...tables.values()];
}

/** Dates wide enough for any file: the listing returns every date and the run windows in Node. */
const EVERY_DATE: LoadWindow = { begin: '0001-01-01', end: '9999-12-31' };

function sourceProblemOf(config: FileConfigRow, destTable: string, reason: string, logger: Logger | undefined): SourceProblem {
  logger?.warn({ table: destTable, sourcePath: config.sourcePath }, `${config.lob}/${config.category}/${config.subcategory}: ${reason}`);
  return { lob: config.lob, category: config.category, subcategory: config.subcategory, sourcePath: config.sourcePath, destTable, reason };
}

/** Unloaded files that match a config row but fall outside the window, with the flag that would include them. */
function outsideWindowOf(config: FileConfigRow, destTable: string, files: readonly ListedFile[], window: LoadWindow): OutsideWindow {
  const dates = files.map((f) => f.fileDate).sort();
  const oldest = dates[0] as string;
  const newest = dates[dates.length - 1] as string;
  const flag = newest > window.end ? `--begin-date ${oldest < window.begin ? oldest : window.begin} --end-date ${newest}` : `--begin-date ${oldest}`;
  return { lob: config.lob, category: config.category, subcategory: config.subcategory, destTable, files: files.length, oldest, newest, flag };
}

/**
 * Lists the table's folders again after its load: a file whose size or modification time is not
 * what it was when listed (or that is gone) changed while it was read, so the rows that landed may
 * not be its content. Its rows of this batch are deleted and it is QUARANTINED; the next run loads it.
 */
async function setAsideChangedFiles(
  engine: Engine,
  adapter: BronzeAdapter,
  args: {
    work: TableWork;
    toLoad: readonly ListedFile[];
    outcomes: Map<string, FileOutcome>;
    runId: string;
    window: LoadWindow;
    fileName: string | undefined;
    sourceRoots: SourceRoots;
    logger: Logger | undefined;
  },
): Promise<Map<string, FileOutcome>> {
  const { work, toLoad, outcomes } = args;
  const loaded = toLoad.filter((f) => outcomes.get(f.path)?.status === 'SUCCESS');
  if (loaded.length === 0) return outcomes;
  const now = new Map<string, ListedFile>();
  for (const config of work.configs.filter((c) => loaded.some((f) => f.config === c))) {
    const location = locateSource(config.sourcePath, args.sourceRoots, engine.capabilities.localFilesOnly);
    // No tracker: every file of the window, as it is now.
    const listed = await adapter.listFiles(engine, { config, location, tracker: null, destTable: work.name, window: args.window, fileName: args.fileName, force: true });
    for (const file of listed) now.set(file.path, file);
  }
  const changed = loaded
    .map((f) => {
      const after = now.get(f.path);
      if (!after) return { file: f, reason: 'the file was removed while it was being loaded; none of its rows were kept' };
      if (after.sizeBytes !== f.sizeBytes || after.modifiedAt.getTime() !== f.modifiedAt.getTime()) {
        return {
          file: f,
          reason: `the file changed while it was being loaded (${f.sizeBytes} bytes modified ${f.modifiedAt.toISOString()}, then ${after.sizeBytes} bytes modified ${after.modifiedAt.toISOString()}); none of its rows were kept, the next run loads it`,
        };
      }
      return null;
    })
    .filter((c) => c !== null);
  if (changed.length === 0) return outcomes;
  const target = sql.raw(engine.dialect.tableName(work.ref.catalog, work.ref.schema, work.ref.table));
  await engine.run(deleteBatchFilesStatement(engine, target, changed.map((c) => c.file.path), args.runId), { idempotent: true });
  const next = new Map(outcomes);
  for (const { file, reason } of changed) {
    args.logger?.warn({ path: file.path, table: work.name }, reason);
    next.set(file.path, { status: 'QUARANTINED', rows: 0, reason });
  }
  return next;
}

function changedOnDisk(file: ListedFile): boolean {
  const loaded = file.loaded;
  if (!loaded) return false;
  // A file recorded by reconcile has no size or time to compare against.
  const sizeChanged = loaded.sizeBytes !== null && loaded.sizeBytes !== file.sizeBytes;
  const timeChanged = loaded.modifiedAt !== null && Math.abs(loaded.modifiedAt.getTime() - file.modifiedAt.getTime()) >= 1000;
  return sizeChanged || timeChanged;
}

function fileResult(
  file: Pick<ListedFile, 'config' | 'path' | 'fileDate' | 'sizeBytes'>,
  destTable: string,
  status: FileResult['status'],
  rows: number,
  reason: string | null,
): FileResult {
  return {
    lob: file.config.lob,
    category: file.config.category,
    subcategory: file.config.subcategory,
    path: file.path,
    destTable,
    status,
    rows,
    reason,
    fileDate: file.fileDate,
    sizeBytes: file.sizeBytes,
  };
}

function runStatus(files: readonly FileResult[], sourceProblems: readonly SourceProblem[], dryRun: boolean): RunStatus {
  // A source folder that cannot be listed is a config row not done: never a quiet day.
  if (sourceProblems.length > 0) return 'PARTIAL';
  if (files.length === 0) return 'NOTHING_TO_LOAD';
  if (dryRun) return 'SUCCESS';
  const ok = files.filter((f) => f.status === 'SUCCESS').length;
  if (ok === files.length) return 'SUCCESS';
  // Every file FAILED (the engine could not load them): nothing of the run's work is done. All QUARANTINED stays PARTIAL: each was set aside with its reason.
  if (files.every((f) => f.status === 'FAILED')) return 'FAILED';
  return 'PARTIAL';
}

/** CLI exit codes of a finished run: 0 success or nothing to load, 2 partial, 1 failed. */
export function exitCodeFor(summary: Pick<RunSummary, 'status'>): 0 | 1 | 2 {
  switch (summary.status) {
    case 'SUCCESS':
    case 'NOTHING_TO_LOAD':
      return 0;
    case 'PARTIAL':
      return 2;
    case 'FAILED':
      return 1;
  }
}

/** The exit code of a run that threw: 3 when another run holds (or took over) a table's lease or holds the embedded warehouse, else 1. */
export function exitCodeForError(error: unknown): 1 | 3 {
  return isHubError(error) && (error.code === 'LEASE_HELD' || error.code === 'LEASE_LOST' || error.code === 'WAREHOUSE_LOCKED') ? 3 : 1;
}

import { randomUUID } from 'node:crypto';
import { HUB_VERSION, HubError, isHubError, ParameterError, runLogger, sql, type Engine, type JobParameters, type Logger } from '@org/hub-core';
import { readConfig } from './config/read-config.js';
import { applyDdl, METADATA_SCHEMA, metadataTable } from './ddl.js';
import { LeaseKeeper, LeaseTable, leaseTtlMs } from './lease.js';
import { LoadTracker, qualifiedName, type TrackedFile } from './load-tracker.js';
import type { BronzeAdapter, FileOutcome, ListedFile, TableRef } from './loaders/bronze-adapter.js';
import { deleteBatchFilesStatement } from './loaders/shared.js';
import { bronzeAdapterFor } from './loaders/index.js';
import { checkSelection, selectConfigRows, upsertFileConfig } from './metadata-resolver.js';
import { locateSource, type SourceRoots } from './source-roots.js';
import type { FileConfigRow, FileResult, RunBronzeOptions, RunStatus, RunSummary } from './types.js';
import { loadWindow, type LoadWindow } from './window.js';

/** What a plan shows: the files that would load and the statements that would load them. */
export interface BronzePlan {
  readonly window: LoadWindow;
  readonly tables: readonly { readonly destTable: string; readonly files: readonly ListedFile[]; readonly statements: readonly string[] }[];
  readonly changedSinceLoad: readonly { readonly path: string; readonly destTable: string }[];
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
  return (await execute(params, { ...options, dryRun: false })).summary;
}

/** Resolves what a run would load and renders its load statements, writing nothing. */
export async function planBronze(params: JobParameters, options: RunBronzeOptions): Promise<{ summary: RunSummary; plan: BronzePlan }> {
  return execute(params, { ...options, dryRun: true });
}

async function execute(params: JobParameters, options: RunBronzeOptions): Promise<{ summary: RunSummary; plan: BronzePlan }> {
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
  params = lobAsCategory(params, csvRows, logger);
  checkSelection(csvRows, params);
  const metadataCatalog = options.metadataCatalog ?? variables['catalog'] ?? csvRows[0]?.destCatalog;
  if (!metadataCatalog) throw new ParameterError('catalog', 'no metadata catalog: pass metadataCatalog or a catalog variable');
  const adapter = bronzeAdapterFor(engine.name);
  // Source paths are checked before anything is written, so an unmapped cloud path fails cleanly.
  for (const row of csvRows) if (row.isActive) locateSource(row.sourcePath, options.sourceRoots ?? {}, engine.capabilities.localFilesOnly);

  await engine.prepareCatalogs(new Set([metadataCatalog, ...csvRows.map((r) => r.destCatalog)]));
  logger?.info({ engine: engine.name, hubVersion: HUB_VERSION, window, config: configPath }, 'bronze run starting');
  if (!options.dryRun) {
    await applyDdl(engine, metadataCatalog);
    await upsertFileConfig(engine, metadataCatalog, csvRows);
  }
  const lobs = [...new Set(csvRows.map((r) => r.lob))];
  const configs = options.dryRun
    ? csvRows.filter((r) => r.isActive && (!params.category || r.category === params.category) && (!params.subcategory || r.subcategory === params.subcategory))
    : await selectConfigRows(engine, metadataCatalog, lobs, params);
  const tracker = new LoadTracker(engine, metadataCatalog);
  const trackerExists = !options.dryRun || (await adapter.tableExists(engine, { catalog: metadataCatalog, schema: METADATA_SCHEMA, table: 'load_tracker' }));
  const trackerTable = trackerExists ? metadataTable(engine, metadataCatalog, 'load_tracker') : null;
  const planTables: BronzePlan['tables'][number][] = [];

  const files: FileResult[] = [];
  const changedSinceLoad: { path: string; destTable: string }[] = [];
  let reconciled = 0;
  const leases = new LeaseTable(engine, metadataCatalog);
  const leaseTtl = leaseTtlMs(options.leaseTtlMs);
  // The lease heartbeat's own session, opened at the first table (engines with one session renew nothing: see docs/bronze.md).
  let heartbeat: Engine | null | undefined;
  try {
    for (const work of groupByTable(configs)) {
      const leaseTaken = !options.dryRun;
      let keeper: LeaseKeeper | undefined;
      try {
        if (leaseTaken) {
          const expiresAt = await leases.acquire(work.name, runId, { ttlMs: leaseTtl, waitMs: options.leaseWaitMs });
          if (engine.capabilities.concurrentWriters && heartbeat === undefined) heartbeat = await engine.openSibling();
          if (heartbeat) {
            const held = new LeaseKeeper(new LeaseTable(heartbeat, metadataCatalog), work.name, runId, leaseTtl, expiresAt, logger);
            keeper = held;
            held.start();
            engine.guardWrites(() => held.check());
          }
        }
        const bronze = sql.raw(engine.dialect.tableName(work.ref.catalog, work.ref.schema, work.ref.table));
        if (!options.dryRun && (await adapter.tableExists(engine, work.ref))) {
          reconciled += await tracker.reconcile(bronze, work.name, work.configs[0] as FileConfigRow);
        }
        const toLoad: ListedFile[] = [];
        const replacePaths: string[] = [];
        for (const config of work.configs) {
          const location = locateSource(config.sourcePath, options.sourceRoots ?? {}, engine.capabilities.localFilesOnly);
          const listed = await adapter.listFiles(engine, { config, location, tracker: trackerTable, destTable: work.name, window, fileName: params.fileName, force: params.force });
          for (const file of listed) {
            if (!file.loaded) toLoad.push(file);
            else if (params.force) {
              toLoad.push(file);
              replacePaths.push(file.path);
            } else if (changedOnDisk(file)) {
              changedSinceLoad.push({ path: file.path, destTable: work.name });
              logger?.warn({ path: file.path, table: work.name }, 'file changed since it was loaded; not reloaded (use --force to replace its rows)');
            }
          }
        }
        if (toLoad.length === 0) continue;
        if (params.fileName && toLoad.length > 1) {
          throw new ParameterError('file_name', `${params.fileName} matches ${toLoad.length} files in ${work.name}; name one file`);
        }
        options.onProgress?.({ kind: 'table-start', table: work.name, files: toLoad.length });
        if (options.dryRun) {
          files.push(...toLoad.map((f) => fileResult(f, work.name, 'SKIPPED', 0, 'plan: would load')));
          const request = { table: work.ref, files: toLoad, runId, ingestedAt: new Date(), replacePaths };
          planTables.push({ destTable: work.name, files: toLoad, statements: adapter.planLoad(engine, request).map((q) => engine.compile(q).sql) });
          continue;
        }
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
        files.push(...tracked.map((t) => fileResult(t, work.name, t.status, t.rows, t.reason)));
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
        if (leaseTaken) await tracker.releaseLease(work.name, runId);
      }
    }
  } finally {
    await heartbeat?.close();
  }

  const summary: RunSummary = {
    runId,
    hubVersion: HUB_VERSION,
    status: runStatus(files, options.dryRun === true),
    engine: engine.name,
    statements: engine.statementCount - statementsAtStart,
    durationMs: Date.now() - started,
    window,
    files,
    changedSinceLoad,
    reconciled,
  };
  logger?.info(
    { status: summary.status, files: files.length, rows: files.reduce((n, f) => n + f.rows, 0), statements: summary.statements, durationMs: summary.durationMs, reconciled },
    'bronze run finished',
  );
  return { summary, plan: { window, tables: planTables, changedSinceLoad } };
}

/**
 * The seed's bronze job passes the LOB as `category` by default ("falcon"). When no config row
 * has that category but it names one of this spoke's LOBs, it means all of that LOB's categories.
 */
function lobAsCategory(params: JobParameters, rows: readonly FileConfigRow[], logger: Logger | undefined): JobParameters {
  const category = params.category;
  if (!category || rows.some((r) => r.category === category) || !rows.some((r) => r.lob === category)) return params;
  logger?.info({ category }, 'category names the LOB: selecting all of its categories');
  return { ...params, category: undefined };
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

function runStatus(files: readonly FileResult[], dryRun: boolean): RunStatus {
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

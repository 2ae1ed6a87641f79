import { randomUUID } from 'node:crypto';
import { HUB_VERSION, ParameterError, runLogger, type Engine, type JobParameters } from '@org/hub-core';
import { readConfig } from '../config/read-config.js';
import { planExecutor, runExecutor, METADATA_SECTION, type Executor, type PlannedStatement } from '../executor.js';
import type { ListedFile } from '../files.js';
import { loaderFor } from '../loaders/index.js';
import { applyMetadataDdl, metadataTable } from '../metadata/ddl.js';
import { checkSelection, selectConfigRows, upsertFileConfig } from '../metadata/file-config.js';
import { LeaseTable, leaseTtlMs } from '../metadata/lease.js';
import { LoadTracker, qualifiedName } from '../metadata/load-tracker.js';
import { locateSource } from '../source-roots.js';
import type { FileConfigRow, FileResult, RunBronzeOptions, RunSummary } from '../types.js';
import { loadWindow, type LoadWindow } from '../window.js';
import { loadFiles, type LoadedFile } from './load-files.js';
import { resolveFiles, type ResolvedFiles } from './resolve-files.js';
import type { RunContext, TableWork } from './run-context.js';
import { namedFileNotFound } from './named-file.js';
import { selectionFromLob } from './selection.js';
import { fileResult, runStatus } from './summary.js';

/** What `bronze plan` shows: the run's statements in order, by section, and per table the files that would load. */
export interface BronzePlan {
  readonly window: LoadWindow;
  /** DDL (IF NOT EXISTS) and its column checks, then the file_config MERGE, in the order a run issues them. */
  readonly metadata: readonly PlannedStatement[];
  readonly tables: readonly PlannedTable[];
}

export interface PlannedTable {
  readonly destTable: string;
  /** The files a run would load (or set aside: their status and reason are in the summary). */
  readonly files: readonly ListedFile[];
  /** Every statement of the table, in order: lease, reconcile, listing, file reads, tracker, load, tracker, release. */
  readonly statements: readonly PlannedStatement[];
}

/** What loading one table did. */
interface TableResult {
  readonly table: TableWork;
  readonly resolved: ResolvedFiles | null;
  readonly loaded: readonly LoadedFile[];
  readonly reconciled: number;
}

/**
 * The bronze run (docs/bronze.md): check the parameters and config, make the metadata tables and
 * merge the config, then per destination table, under its lease: reconcile, list, read the files,
 * load, track. Nothing is written before the parameters and config are checked.
 */
export async function runBronze(params: JobParameters, options: RunBronzeOptions): Promise<RunSummary> {
  const { engine } = options;
  const before = engine.statementCount;
  const { run, tables, durationMs } = await bronze(params, options, runExecutor(engine), 'bronze run');
  const files = tables.flatMap((t) => t.loaded.map((f) => fileResult(f, t.table.name, f.outcome)));
  const summary = summarise(run, tables, files, runStatus(files, tables.flatMap((t) => t.resolved?.sourceProblems ?? [])), engine.statementCount - before, durationMs, engine);
  run.logger?.debug({ status: summary.status, statements: summary.statements, durationMs: summary.durationMs }, 'bronze run finished');
  return summary;
}

/**
 * The run's own steps, with every read executed and every write shown instead of executed: what
 * would load, and each statement a run issues, in order. It writes nothing.
 */
export async function planBronze(params: JobParameters, options: RunBronzeOptions): Promise<{ summary: RunSummary; plan: BronzePlan }> {
  const { engine } = options;
  const recording = planExecutor(engine);
  const { run, tables, durationMs } = await bronze(params, options, recording.executor, 'bronze plan');
  // A file that would load shows as such; what the plan's reads set aside shows as the run would record it.
  const files: FileResult[] = tables.flatMap((t) => t.loaded.map((f) => fileResult(f, t.table.name, f.outcome.status === 'SUCCESS' ? { status: 'SKIPPED', rows: 0, reason: 'plan: would load' } : f.outcome)));
  const sourceProblems = tables.flatMap((t) => t.resolved?.sourceProblems ?? []);
  const statements = [...recording.sections.values()].reduce((n, s) => n + s.length, 0);
  const status = sourceProblems.length > 0 ? 'PARTIAL' : files.length === 0 ? 'NOTHING_TO_LOAD' : 'SUCCESS';
  const summary = summarise(run, tables, files, status, statements, durationMs, engine);
  run.logger?.debug({ status: summary.status, statements: summary.statements, durationMs: summary.durationMs }, 'bronze plan finished');
  const plan: BronzePlan = {
    window: run.window,
    metadata: recording.sections.get(METADATA_SECTION) ?? [],
    tables: tables.map((t) => ({ destTable: t.table.name, files: t.loaded, statements: recording.sections.get(t.table.name) ?? [] })),
  };
  return { summary, plan };
}

/** The steps of a run, top to bottom; `executor` runs them (a run) or shows them (a plan). */
async function bronze(params: JobParameters, options: RunBronzeOptions, executor: Executor, what: string): Promise<{ run: RunContext; tables: TableResult[]; durationMs: number }> {
  const started = Date.now();
  const run = await prepareRun(params, options);
  run.logger?.debug({ engine: options.engine.name, hubVersion: HUB_VERSION, window: run.window, config: options.configPath ?? params.configPath }, `${what} starting`);
  await prepareMetadata(run, executor);
  const tables: TableResult[] = [];
  const heartbeat = new HeartbeatSession(executor);
  try {
    for (const table of run.tables) tables.push(await loadTable(run, executor.section(table.name), table, heartbeat));
  } finally {
    await heartbeat.close();
  }
  // A named file no selected folder holds is a mistake, not a quiet day (unless a folder could not be read).
  if (run.params.fileName && !tables.some((t) => t.resolved?.named.found || (t.resolved?.sourceProblems.length ?? 0) > 0)) {
    const folders = tables.flatMap((t) => (t.resolved?.named.folders ?? []).map((physical) => ({ physical, filePattern: t.resolved?.named.patterns.get(physical) ?? '*' })));
    throw await namedFileNotFound(run, executor, folders);
  }
  return { run, tables, durationMs: Date.now() - started };
}

/** Checks everything a run can check without a statement: the window, the config CSV, the selection, the catalogs, the source paths. */
async function prepareRun(params: JobParameters, options: RunBronzeOptions): Promise<RunContext> {
  const { engine } = options;
  const runId = options.runId ?? `${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomUUID().slice(0, 8)}`;
  const logger = options.logger ? runLogger(options.logger, runId) : undefined;
  const window = loadWindow(params);
  const configPath = options.configPath ?? params.configPath;
  if (!configPath) throw new ParameterError('config_path', 'the spoke config CSV is required (--config or config_path)');
  const variables = options.variables ?? {};
  const csvRows = await readConfig(configPath, { variables });
  const selection = selectionFromLob(params, csvRows, logger);
  checkSelection(csvRows, selection);
  const metadataCatalog = options.metadataCatalog ?? variables['catalog'] ?? csvRows[0]?.destCatalog;
  if (!metadataCatalog) throw new ParameterError('catalog', 'no metadata catalog: pass metadataCatalog or a catalog variable');
  const sourceRoots = options.sourceRoots ?? {};
  // Source paths are checked before anything is written, so an unmapped cloud path fails cleanly.
  for (const row of csvRows) if (row.isActive) locateSource(row.sourcePath, sourceRoots, engine.capabilities.localFilesOnly);
  return {
    runId,
    params: selection,
    window,
    metadataCatalog,
    csvRows,
    tables: byTable(selectConfigRows(csvRows, selection)),
    loader: loaderFor(engine.name),
    tracker: metadataTable(engine, metadataCatalog, 'load_tracker'),
    sourceRoots,
    logger,
    onProgress: options.onProgress,
    leaseTtlMs: leaseTtlMs(options.leaseTtlMs),
    leaseWaitMs: options.leaseWaitMs,
    maxFiles: maxFilesOf(options.maxFiles),
    retryQuarantined: options.retryQuarantined ?? envFlag('DELTALAKE_HUB_RETRY_QUARANTINED'),
  };
}

/** --max-files (or DELTALAKE_HUB_MAX_FILES): a whole number of files, 1 or more. */
function maxFilesOf(option: number | undefined): number | undefined {
  const env = process.env['DELTALAKE_HUB_MAX_FILES'];
  const value = option ?? (env === undefined || env.trim() === '' ? undefined : Number(env));
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1) throw new ParameterError('max_files', `expected a whole number of files, 1 or more, got ${option ?? JSON.stringify(env)}`);
  return value;
}

/** A true/false environment variable (also 1/0, yes/no); unset or empty is false. */
function envFlag(name: string): boolean {
  const value = process.env[name]?.trim().toLowerCase();
  if (value === undefined || value === '') return false;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new ParameterError(name, `expected true or false, got ${JSON.stringify(process.env[name])}`);
}

/** The metadata tables (created when missing, older ones migrated) and the spoke's rows in file_config. */
async function prepareMetadata(run: RunContext, executor: Executor): Promise<void> {
  await executor.engine.prepareCatalogs(new Set([run.metadataCatalog, ...run.csvRows.map((r) => r.destCatalog)]));
  await applyMetadataDdl(executor, run.metadataCatalog);
  await upsertFileConfig(executor, run.metadataCatalog, run.csvRows);
}

/** One destination table, under its lease: reconcile, list, load and track its files. */
async function loadTable(run: RunContext, executor: Executor, table: TableWork, heartbeat: HeartbeatSession): Promise<TableResult> {
  const leases = new LeaseTable(executor, run.metadataCatalog);
  const options = { ttlMs: run.leaseTtlMs, waitMs: run.leaseWaitMs, session: await heartbeat.open(), logger: run.logger };
  return leases.hold(table.name, run.runId, options, async () => {
    const columns = await run.loader.tableColumns(executor, table.ref);
    const reconciled = columns.size > 0 ? await new LoadTracker(executor, run.metadataCatalog).reconcile(executor.engine.dialect.table(table.ref), table.name, table.configs[0] as FileConfigRow) : 0;
    run.onProgress?.({ kind: 'table-listing', table: table.name, sources: table.configs.length });
    const resolved = await resolveFiles(run, executor, table);
    if (resolved.toLoad.length === 0) {
      run.onProgress?.({ kind: 'table-done', table: table.name, loaded: 0, quarantined: 0, rows: 0 });
      return { table, resolved, loaded: [], reconciled };
    }
    run.onProgress?.({ kind: 'table-start', table: table.name, files: resolved.toLoad.length });
    const loaded = await loadFiles(run, executor, table, resolved, columns);
    const ok = loaded.filter((f) => f.outcome.status === 'SUCCESS');
    run.onProgress?.({ kind: 'table-done', table: table.name, loaded: ok.length, quarantined: loaded.length - ok.length, rows: loaded.reduce((n, f) => n + f.outcome.rows, 0) });
    return { table, resolved, loaded, reconciled };
  });
}

/** The lease heartbeat's own session, opened at the first table where the engine has concurrent writers (DuckDB's file lock already admits one process). */
class HeartbeatSession {
  private session: Engine | null | undefined;
  constructor(private readonly executor: Executor) {}

  async open(): Promise<Engine | null> {
    if (this.session === undefined) this.session = this.executor.engine.capabilities.concurrentWriters ? await this.executor.heartbeatSession() : null;
    return this.session;
  }

  async close(): Promise<void> {
    await this.session?.close();
  }
}

function summarise(run: RunContext, tables: readonly TableResult[], files: readonly FileResult[], status: RunSummary['status'], statements: number, durationMs: number, engine: Engine): RunSummary {
  return {
    runId: run.runId,
    hubVersion: HUB_VERSION,
    status,
    engine: engine.name,
    statements,
    durationMs,
    window: run.window,
    files: [...files],
    changedSinceLoad: tables.flatMap((t) => t.resolved?.changedSinceLoad ?? []),
    reconciled: tables.reduce((n, t) => n + t.reconciled, 0),
    sourceProblems: tables.flatMap((t) => t.resolved?.sourceProblems ?? []),
    outsideWindow: tables.flatMap((t) => t.resolved?.outsideWindow ?? []),
    outsideWindowFolders: tables.flatMap((t) => t.resolved?.outsideWindowFolders ?? []),
    stillQuarantined: tables.flatMap((t) => (t.resolved?.stillQuarantined ? [t.resolved.stillQuarantined] : [])),
    deferred: tables.flatMap((t) => (t.resolved?.deferred ? [t.resolved.deferred] : [])),
    subfolders: tables.flatMap((t) => t.resolved?.subfolders ?? []),
    patternMisses: tables.flatMap((t) => t.resolved?.patternMisses ?? []),
    alreadyLoaded: tables.flatMap((t) => t.resolved?.alreadyLoaded ?? []),
  };
}

/** The config rows grouped by destination table, in the config's order. */
function byTable(configs: readonly FileConfigRow[]): TableWork[] {
  const tables = new Map<string, TableWork & { configs: FileConfigRow[] }>();
  for (const config of configs) {
    const name = qualifiedName(config);
    const work = tables.get(name) ?? { ref: { catalog: config.destCatalog, schema: config.destSchema, table: config.destTable }, name, configs: [] };
    work.configs.push(config);
    tables.set(name, work);
  }
  return [...tables.values()];
}

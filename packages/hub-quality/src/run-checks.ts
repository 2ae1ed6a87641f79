import { randomUUID } from 'node:crypto';
import { ConfigError, runLogger, sql, type ConfigIssue, type Engine, type Logger, type Sql } from '@org/hub-core';
import { applyDdl } from '@org/hub-bronze';
import { sendAlerts, type AlertOptions } from './alerts/index.js';
import { checkFailedMessage, runFailedMessage } from './alerts/message.js';
import { isMissingTable, qualitySql, type QualitySql, type TableColumn } from './engine-sql.js';
import { KINDS, LINEAGE, type KindContext, type MeasureKind, type RowKind, type SchemaKind, type Verdict } from './kinds.js';
import { quarantineRows } from './quarantine.js';
import { qualityStatus, recordResults } from './results.js';
import type { AlertOutcome, ChecksFile, CheckResult, QualityCheck, QualityReport, QuarantineOutcome, SampleEntry, TableName } from './types.js';

export interface RunChecksOptions {
  /** The quality run's id (results rows, `_quality_run_id`); generated when absent. */
  readonly runId?: string | undefined;
  /** Limits row-level kinds to this bronze run's rows (`_batch_id`); dataset-level kinds always see the whole table. */
  readonly batchId?: string | null | undefined;
  /** Catalog of `bronze_metadata.quality_results`; defaults to the first checked table's catalog. */
  readonly metadataCatalog?: string | undefined;
  /** Write the result rows (default true). */
  readonly record?: boolean | undefined;
  /** Only these tables (catalog.schema.table); checks of the others are reported as skipped, with `reason`. */
  readonly tables?: { readonly names: readonly string[]; readonly reason: string } | undefined;
  /** Sends the file's check_failed and run_failed alerts (default); false sends none. */
  readonly alerts?: AlertOptions | false | undefined;
  readonly logger?: Logger | undefined;
  /** The clock freshness is judged against. */
  readonly now?: Date | undefined;
  /** Test seam: called between the quarantine's INSERT and its DELETE. */
  readonly hooks?: { readonly afterQuarantineInsert?: ((table: string) => void | Promise<void>) | undefined } | undefined;
}

/** A sample holds at most this many rows; it is our constant, rendered as text (never a bound or `10L` literal). */
export const SAMPLE_ROWS = 10;
/** Most bound values per statement: a Databricks SQL warehouse takes 256. */
const MAX_PARAMETERS = 200;
/** The expression kind samples these many of a table's columns when it names none. */
const EXPRESSION_SAMPLE_COLUMNS = 20;

interface TableWork {
  readonly table: TableName;
  readonly target: Sql;
  readonly columns: readonly TableColumn[];
  /** How long its DESCRIBE took: the statement schema checks are judged from. */
  readonly describeMs: number;
  readonly checks: readonly QualityCheck[];
}

interface Evaluated {
  readonly verdict: Verdict;
  readonly durationMs: number;
  rowsQuarantined: number;
  note?: string;
}

/**
 * Runs a checks file's checks on an engine, as set-based SQL pushed down to it. For each table, in a fixed number of
 * set-based statements whatever its size: DESCRIBE, one scan for every row-level check, one for the
 * dataset measures, one GROUP BY per table for `unique`, one bounded statement for samples of what
 * failed, then the quarantine; one INSERT records every result. Rows never come back to Node,
 * only counts, measures and up to 10 sample rows per failed check.
 */
export async function runChecks(engine: Engine, checks: ChecksFile | readonly QualityCheck[], options: RunChecksOptions = {}): Promise<QualityReport> {
  const started = Date.now();
  const statementsAtStart = engine.statementCount;
  const file: ChecksFile = isChecksFile(checks) ? checks : { file: '', checks, alerts: [] };
  const runId = options.runId ?? newRunId();
  const logger = options.logger ? runLogger(options.logger, runId) : undefined;
  const batchId = options.batchId ?? null;
  const now = options.now ?? new Date();
  const wanted = options.tables ? new Set(options.tables.names.map((n) => n.toLowerCase())) : undefined;
  const selected = file.checks.filter((c) => !wanted || wanted.has(c.table.name.toLowerCase()));
  const skipped = [...new Set(file.checks.filter((c) => !selected.includes(c)).map((c) => c.table.name))].map((table) => ({ table, reason: options.tables?.reason ?? '' }));
  const metadataCatalog = options.metadataCatalog ?? selected[0]?.table.catalog;
  const q = qualitySql(engine.name);
  const evaluated = new Map<QualityCheck, Evaluated>();
  const quarantined: QuarantineOutcome[] = [];
  const alertOutcomes: AlertOutcome[] = [];
  try {
    // 1. The tables as they are, and the checks against them: every problem at once, before anything is written.
    //    (Inside the try: a column dropped under a scheduled run is a run_failed alert, not silence.)
    const described = await inspectTables(engine, selected, { batchId, extraCatalogs: metadataCatalog ? [metadataCatalog] : [] });
    logger?.debug({ engine: engine.name, checks: selected.length, batchId }, 'quality run starting');
    // 2. Each table: its statements, then its quarantine.
    for (const work of groupByTable(engine, selected, described)) {
      const outcome = await evaluateTable(engine, q, work, { batchId, runId, now, hooks: options.hooks });
      for (const [check, result] of outcome.evaluated) evaluated.set(check, result);
      if (outcome.quarantined) quarantined.push(outcome.quarantined);
    }
    const results = selected.map((check) => toResult(check, evaluated.get(check) as Evaluated, batchId));
    // 3. The results, as rows.
    if (options.record !== false && metadataCatalog && results.length > 0) {
      await applyDdl(engine, metadataCatalog, ['quality_results.sql']);
      await recordResults(engine, metadataCatalog, runId, new Date(), results);
    }
    const report: QualityReport = {
      runId,
      status: qualityStatus(results),
      engine: engine.name,
      batchId,
      statements: engine.statementCount - statementsAtStart,
      durationMs: Date.now() - started,
      results,
      quarantined,
      skipped,
      alerts: alertOutcomes,
    };
    if (options.alerts !== false && report.results.some((r) => !r.passed)) {
      alertOutcomes.push(...(await sendAlerts(file.alerts, checkFailedMessage(report), { ...options.alerts, logger })));
    }
    logger?.debug({ status: report.status, checks: results.length, failed: results.filter((r) => !r.passed).length, statements: report.statements }, 'quality run finished');
    return report;
  } catch (error) {
    if (options.alerts !== false) await sendAlerts(file.alerts, runFailedMessage(runId, error), { ...options.alerts, logger });
    throw error;
  }
}

function referenceOf(check: QualityCheck): { readonly table: TableName; readonly column: string } | undefined {
  const kind = KINDS[check.check];
  return kind.shape === 'row' ? kind.reference?.(check) : undefined;
}

export interface InspectOptions {
  readonly batchId?: string | null | undefined;
  /** Before a bronze load: a table that does not exist yet is not an error (the load may create it). */
  readonly allowMissingTables?: boolean | undefined;
  readonly extraCatalogs?: readonly string[] | undefined;
}

type Described = ReadonlyMap<string, { columns: TableColumn[] | null; durationMs: number }>;

/**
 * The columns of every table the checks read (one DESCRIBE each), and the checks held against
 * them: unknown columns, tables that do not exist, a batch on a table without `_batch_id`.
 * Throws one ConfigError with every problem.
 */
export async function inspectTables(engine: Engine, checks: readonly QualityCheck[], options: InspectOptions = {}): Promise<Described> {
  const q = qualitySql(engine.name);
  const tables = checks.flatMap((c) => [c.table, ...(referenceOf(c) ? [(referenceOf(c) as { table: TableName }).table] : [])]);
  await engine.prepareCatalogs(new Set([...tables.map((t) => t.catalog), ...(options.extraCatalogs ?? [])]));
  const described = new Map<string, { columns: TableColumn[] | null; durationMs: number }>();
  for (const table of tables) {
    const key = table.name.toLowerCase();
    if (!described.has(key)) described.set(key, await describe(engine, q, table));
  }
  const issues = checkAgainstTables(checks, described, options.batchId ?? null, options.allowMissingTables === true);
  if (issues.length > 0) throw new ConfigError(issues);
  return described;
}

function isChecksFile(value: ChecksFile | readonly QualityCheck[]): value is ChecksFile {
  return !Array.isArray(value);
}

export function newRunId(): string {
  return `q${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomUUID().slice(0, 8)}`;
}

async function describe(engine: Engine, q: QualitySql, table: TableName): Promise<{ columns: TableColumn[] | null; durationMs: number }> {
  const started = Date.now();
  try {
    const rows = await engine.query(q.describe(sql.raw(engine.dialect.tableName(table.catalog, table.schema, table.table))));
    return { columns: q.readColumns(rows), durationMs: Date.now() - started };
  } catch (error) {
    if (isMissingTable(error)) return { columns: null, durationMs: Date.now() - started };
    throw error;
  }
}

const find = (columns: readonly TableColumn[], name: string) => columns.find((c) => c.name.toLowerCase() === name.toLowerCase());

function checkAgainstTables(checks: readonly QualityCheck[], described: Described, batchId: string | null, allowMissing: boolean): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (check: QualityCheck, column: string, message: string) => issues.push({ file: check.source.file, line: check.source.line, column, message });
  for (const check of checks) {
    const kind = KINDS[check.check];
    const columns = described.get(check.table.name.toLowerCase())?.columns;
    if (!columns) {
      if (!allowMissing) add(check, 'table', `table ${check.table.name} does not exist`);
      continue;
    }
    const used = kind.shape === 'schema' ? [] : check.check === 'freshness' && check.columns.length === 0 ? ['_ingested_at'] : check.columns;
    for (const column of used) {
      if (!find(columns, column)) add(check, check.columns.length > 1 ? 'columns' : 'column', `column ${JSON.stringify(column)} is not in ${check.table.name} (its columns: ${columns.map((c) => c.name).join(', ')})`);
    }
    const reference = referenceOf(check);
    if (reference) {
      const refColumns = described.get(reference.table.name.toLowerCase())?.columns;
      if (!refColumns) {
        if (!allowMissing) add(check, 'references', `table ${reference.table.name} does not exist`);
      }
      else if (!find(refColumns, reference.column)) add(check, 'references', `column ${JSON.stringify(reference.column)} is not in ${reference.table.name}`);
    }
    if (kind.shape === 'row' && batchId !== null && !find(columns, '_batch_id')) {
      add(check, 'table', `${check.table.name} has no _batch_id column, so its rows cannot be limited to batch ${batchId}`);
    }
  }
  return issues.sort((a, b) => a.line - b.line);
}

function groupByTable(engine: Engine, checks: readonly QualityCheck[], described: Described): TableWork[] {
  const tables = new Map<string, TableWork & { checks: QualityCheck[] }>();
  for (const check of checks) {
    const key = check.table.name.toLowerCase();
    const work = tables.get(key) ?? {
      table: check.table,
      target: sql.raw(engine.dialect.tableName(check.table.catalog, check.table.schema, check.table.table)),
      columns: described.get(key)?.columns ?? [],
      describeMs: described.get(key)?.durationMs ?? 0,
      checks: [],
    };
    work.checks.push(check);
    tables.set(key, work);
  }
  return [...tables.values()];
}

interface TableOptions {
  readonly batchId: string | null;
  readonly runId: string;
  readonly now: Date;
  readonly hooks: RunChecksOptions['hooks'];
}

async function evaluateTable(engine: Engine, q: QualitySql, work: TableWork, options: TableOptions): Promise<{ evaluated: Map<QualityCheck, Evaluated>; quarantined?: QuarantineOutcome }> {
  const evaluated = new Map<QualityCheck, Evaluated>();
  const actual = (name: string) => find(work.columns, name)?.name ?? name;
  const joinIndex = new Map(work.checks.filter((c) => referenceOf(c)).map((c, i) => [c, i + 1] as const));
  const ctx: KindContext = {
    q,
    stringType: engine.dialect.types.string,
    column: (name) => sql`t.${sql.column(actual(name))}`,
    joined: (check) => sql.raw(`fk${joinIndex.get(check) ?? 0}._dlh_key`),
    // Bound like _ingested_at was written (a timestamp value), so both sides share a time zone.
    hoursAgo: (hours) => sql`${new Date(options.now.getTime() - hours * 3_600_000)}`,
  };
  const scopeOf = (check: QualityCheck): Sql => (check.where ? sql.raw(`(${check.where})`) : sql.raw('TRUE'));
  const rowChecks = work.checks.filter((c) => KINDS[c.check].shape === 'row');
  const measureChecks = work.checks.filter((c) => KINDS[c.check].shape === 'measure');
  const groupChecks = work.checks.filter((c) => KINDS[c.check].shape === 'group');
  const schemaChecks = work.checks.filter((c) => KINDS[c.check].shape === 'schema');

  // foreign_key: one DISTINCT relation per check, LEFT JOINed, so a row is never repeated.
  const joinFor = (check: QualityCheck): Sql => {
    const reference = referenceOf(check);
    if (!reference) return sql.empty;
    const alias = sql.raw(`fk${joinIndex.get(check)}`);
    const refTable = sql.raw(engine.dialect.tableName(reference.table.catalog, reference.table.schema, reference.table.table));
    const asText = (value: Sql) => sql`CAST(${value} AS ${sql.raw(ctx.stringType)})`;
    return sql`\nLEFT JOIN (SELECT DISTINCT ${asText(sql.column(reference.column))} AS _dlh_key FROM ${refTable}) AS ${alias} ON ${asText(ctx.column(check.columns[0] as string))} = ${alias}._dlh_key`;
  };
  const joinsOf = (checks: readonly QualityCheck[]) => sql.join(checks.map(joinFor), sql.empty);
  const inBatch = options.batchId !== null ? sql`\nWHERE t._batch_id = ${options.batchId}` : sql.empty;
  const failing = (check: QualityCheck) => sql`${scopeOf(check)} AND ${(KINDS[check.check] as RowKind).failure(ctx, check)}`;

  for (const check of schemaChecks) {
    evaluated.set(check, { verdict: (KINDS[check.check] as SchemaKind).judge(work.columns, check), durationMs: work.describeMs, rowsQuarantined: 0 });
  }

  // Row-level kinds: one scan (more only when the bound values would pass a warehouse's limit).
  const quarantining = options.batchId !== null ? rowChecks.filter((c) => c.onFail === 'quarantine') : [];
  let rowsToQuarantine = 0;
  const rowCounts = new Map<QualityCheck, { evaluated: number; failed: number; durationMs: number }>();
  const rowScan = (chunk: readonly QualityCheck[]): Sql => {
    const items = chunk.flatMap((check) => {
      const i = rowChecks.indexOf(check);
      return [sql`COUNT(CASE WHEN ${scopeOf(check)} THEN 1 END) AS ${sql.raw(`e${i}`)}`, sql`COUNT(CASE WHEN ${failing(check)} THEN 1 END) AS ${sql.raw(`f${i}`)}`];
    });
    // The first statement also counts the rows a quarantine will move (a row failing two checks moves once).
    const counting = chunk[0] === rowChecks[0] && quarantining.length > 0;
    if (counting) items.push(sql`COUNT(CASE WHEN ${sql.join(quarantining.map((c) => sql`(${failing(c)})`), sql` OR `)} THEN 1 END) AS quarantine_rows`);
    return sql`SELECT ${sql.join(items)}\nFROM ${work.target} AS t${joinsOf(counting ? [...new Set([...chunk, ...quarantining])] : chunk)}${inBatch}`;
  };
  for (const { checks: chunk, statement } of fit(rowChecks, rowScan)) {
    const { rows, durationMs } = await timed(engine, statement);
    const row = rows[0] ?? {};
    for (const check of chunk) {
      const i = rowChecks.indexOf(check);
      rowCounts.set(check, { evaluated: Number(row[`e${i}`] ?? 0), failed: Number(row[`f${i}`] ?? 0), durationMs });
    }
    if (row['quarantine_rows'] !== undefined) rowsToQuarantine = Number(row['quarantine_rows'] ?? 0);
  }

  // Dataset measures (row_count, freshness, aggregate): one scan of the whole table.
  const measuresOf = (check: QualityCheck) => (KINDS[check.check] as MeasureKind).measures(ctx, check, scopeOf(check));
  const measureScan = (chunk: readonly QualityCheck[]): Sql =>
    sql`SELECT ${sql.join(chunk.flatMap((check) => measuresOf(check).map((part, j) => sql`${part} AS ${sql.raw(`m${measureChecks.indexOf(check)}_${j}`)}`)))}\nFROM ${work.target} AS t`;
  for (const { checks: chunk, statement } of fit(measureChecks, measureScan)) {
    const { rows, durationMs } = await timed(engine, statement);
    const row = rows[0] ?? {};
    for (const check of chunk) {
      const values = measuresOf(check).map((_, j) => row[`m${measureChecks.indexOf(check)}_${j}`]);
      evaluated.set(check, { verdict: (KINDS[check.check] as MeasureKind).judge(values, check, options.now), durationMs, rowsQuarantined: 0 });
    }
  }

  // unique: a GROUP BY per check, all of a table's in one statement.
  const keysOf = (check: QualityCheck) => check.columns.map((c) => ctx.column(c));
  const keyed = (check: QualityCheck) => sql`${scopeOf(check)} AND ${sql.join(keysOf(check).map((k) => sql`${k} IS NOT NULL`), sql` AND `)}`;
  const groupCounts = new Map<QualityCheck, { evaluated: number; failed: number; durationMs: number }>();
  const groupScan = (chunk: readonly QualityCheck[]): Sql =>
    sql.join(
      chunk.map((check) => {
        const grouped = sql`SELECT COUNT(*) AS n FROM ${work.target} AS t WHERE ${keyed(check)} GROUP BY ${sql.join(keysOf(check))}`;
        return sql`SELECT ${sql.raw(String(groupChecks.indexOf(check)))} AS check_index, CAST(COALESCE(SUM(n), 0) AS BIGINT) AS evaluated, CAST(COALESCE(SUM(CASE WHEN n > 1 THEN n ELSE 0 END), 0) AS BIGINT) AS failed FROM (${grouped}) AS g`;
      }),
      sql`\nUNION ALL\n`,
    );
  for (const { statement } of fit(groupChecks, groupScan)) {
    const { rows, durationMs } = await timed(engine, statement);
    for (const row of rows) {
      const check = groupChecks[Number(row['check_index'])] as QualityCheck;
      groupCounts.set(check, { evaluated: Number(row['evaluated'] ?? 0), failed: Number(row['failed'] ?? 0), durationMs });
    }
  }

  // Samples: up to 10 failing rows of each failed check. Row-level kinds share one scan (each failing
  // row once per check it fails, numbered per check); unique's duplicated keys come from its GROUP BY.
  const samples = new Map<QualityCheck, SampleEntry[]>();
  const asText = (value: Sql) => sql`CAST(${value} AS ${sql.raw(ctx.stringType)})`;
  const limit = sql.raw(String(SAMPLE_ROWS));
  const sampleColumns = (check: QualityCheck): string[] => {
    const named = check.check === 'expression' && check.columns.length === 0 ? work.columns.map((c) => c.name).filter((c) => !(LINEAGE as readonly string[]).includes(c)).slice(0, EXPRESSION_SAMPLE_COLUMNS) : check.columns;
    const source = KINDS[check.check].shape === 'row' && find(work.columns, '_source_file') ? ['_source_file'] : [];
    return [...new Set([...named, ...source].map(actual))];
  };
  const failedRows = rowChecks.filter((c) => (rowCounts.get(c)?.failed ?? 0) > 0);
  const namesOf = (chunk: readonly QualityCheck[]) => [...new Set(chunk.flatMap(sampleColumns))];
  const rowSamples = (chunk: readonly QualityCheck[]): Sql => {
    const indexes = q.compact(chunk.map((c, i) => sql`CASE WHEN ${failing(c)} THEN ${sql.raw(String(i))} END`));
    const reasons = chunk.map((c, i) => sql`CASE WHEN ${failing(c)} THEN ${asText((KINDS[c.check] as RowKind).reason(ctx, c))} END AS ${sql.raw(`r${i}`)}`);
    const values = namesOf(chunk).map((name, k) => sql`${asText(ctx.column(name))} AS ${sql.raw(`v${k}`)}`);
    const anyFailing = sql.join(chunk.map((c) => sql`(${failing(c)})`), sql` OR `);
    const failingRows = sql`SELECT ${q.explode(indexes)} AS check_index, ${sql.join([...reasons, ...values])}\nFROM ${work.target} AS t${joinsOf(chunk)}${inBatch}${options.batchId !== null ? sql` AND ` : sql`\nWHERE `}(${anyFailing})`;
    return sql`SELECT * FROM (SELECT f.*, row_number() OVER (PARTITION BY check_index ORDER BY check_index) AS sample_row FROM (${failingRows}) AS f) AS n WHERE sample_row <= ${limit}`;
  };
  for (const { checks: chunk, statement } of fit(failedRows, rowSamples)) {
    const names = namesOf(chunk);
    for (const row of (await timed(engine, statement)).rows) {
      const i = Number(row['check_index']);
      const check = chunk[i] as QualityCheck;
      const entry: Record<string, unknown> = {};
      for (const name of sampleColumns(check)) entry[name] = row[`v${names.indexOf(name)}`] ?? null;
      entry['reason'] = row[`r${i}`] ?? null;
      samples.set(check, [...(samples.get(check) ?? []), entry]);
    }
  }
  const failedGroups = groupChecks.filter((c) => (groupCounts.get(c)?.failed ?? 0) > 0);
  const width = Math.max(0, ...failedGroups.map((c) => c.columns.length));
  const groupSamples = (chunk: readonly QualityCheck[]): Sql =>
    sql.join(
      chunk.map((check) => {
        const keys = keysOf(check);
        const values = Array.from({ length: width }, (_, k) => sql`${asText(keys[k] ?? sql.raw('NULL'))} AS ${sql.raw(`v${k}`)}`);
        const index = groupChecks.indexOf(check);
        return sql`SELECT * FROM (SELECT ${sql.raw(String(index))} AS check_index, concat('appears ', ${asText(sql.raw('COUNT(*)'))}, ' times') AS reason, ${sql.join(values)} FROM ${work.target} AS t WHERE ${keyed(check)} GROUP BY ${sql.join(keys)} HAVING COUNT(*) > 1 LIMIT ${limit}) AS ${sql.raw(`s${index}`)}`;
      }),
      sql`\nUNION ALL\n`,
    );
  for (const { statement } of fit(failedGroups, groupSamples)) {
    for (const row of (await timed(engine, statement)).rows) {
      const check = groupChecks[Number(row['check_index'])] as QualityCheck;
      const entry: Record<string, unknown> = {};
      check.columns.forEach((name, k) => (entry[actual(name)] = row[`v${k}`] ?? null));
      entry['reason'] = row['reason'] ?? null;
      samples.set(check, [...(samples.get(check) ?? []), entry]);
    }
  }

  for (const check of rowChecks) {
    const counts = rowCounts.get(check) ?? { evaluated: 0, failed: 0, durationMs: 0 };
    const passed = counts.failed === 0;
    evaluated.set(check, {
      verdict: { passed, rowsEvaluated: counts.evaluated, rowsFailed: counts.failed, sample: samples.get(check) ?? [], message: passed ? null : `${counts.failed} of ${counts.evaluated} rows failed` },
      durationMs: counts.durationMs,
      rowsQuarantined: 0,
    });
  }
  for (const check of groupChecks) {
    const counts = groupCounts.get(check) ?? { evaluated: 0, failed: 0, durationMs: 0 };
    const passed = counts.failed === 0;
    evaluated.set(check, {
      verdict: { passed, rowsEvaluated: counts.evaluated, rowsFailed: counts.failed, sample: samples.get(check) ?? [], message: passed ? null : `${counts.failed} of ${counts.evaluated} rows share their key with another row` },
      durationMs: counts.durationMs,
      rowsQuarantined: 0,
    });
  }

  // Quarantine: the batch's rows that failed a quarantine check move to <table>_quarantine.
  const moving = quarantining.filter((c) => (rowCounts.get(c)?.failed ?? 0) > 0);
  let quarantined: QuarantineOutcome | undefined;
  if (moving.length > 0 && options.batchId !== null) {
    quarantined = await quarantineRows(engine, {
      table: work.table,
      columns: work.columns,
      checks: moving.map((c) => ({ name: c.name, failing: failing(c) })),
      joins: joinsOf(moving),
      batchId: options.batchId,
      runId: options.runId,
      rows: rowsToQuarantine,
      afterInsert: options.hooks?.afterQuarantineInsert,
    });
    for (const check of moving) (evaluated.get(check) as Evaluated).rowsQuarantined = rowCounts.get(check)?.failed ?? 0;
  }
  if (options.batchId === null) {
    for (const check of rowChecks.filter((c) => c.onFail === 'quarantine' && (rowCounts.get(c)?.failed ?? 0) > 0)) {
      (evaluated.get(check) as Evaluated).note = 'not quarantined: quarantine moves the rows of one batch (--batch, or checks run after a bronze load)';
    }
  }
  return quarantined ? { evaluated, quarantined } : { evaluated };
}

function toResult(check: QualityCheck, evaluated: Evaluated, batchId: string | null): CheckResult {
  const { verdict } = evaluated;
  const message = [verdict.message, evaluated.note].filter(Boolean).join('; ') || null;
  return {
    table: check.table.name,
    name: check.name,
    check: check.check,
    criticality: check.criticality,
    onFail: check.onFail,
    passed: verdict.passed,
    rowsEvaluated: verdict.rowsEvaluated,
    rowsFailed: verdict.rowsFailed,
    rowsQuarantined: evaluated.rowsQuarantined,
    sample: verdict.sample,
    message,
    batchId: KINDS[check.check].shape === 'row' ? batchId : null,
    durationMs: evaluated.durationMs,
  };
}

async function timed(engine: Engine, statement: Sql): Promise<{ rows: Record<string, unknown>[]; durationMs: number }> {
  const started = Date.now();
  const rows = await engine.query(statement);
  return { rows, durationMs: Date.now() - started };
}

/** Bound values in a fragment (inlined as literals on engines that take none). */
function parameters(fragment: Sql): number {
  return fragment.parts.filter((p) => p.kind === 'value').length;
}

/**
 * Splits checks into the fewest statements whose bound values stay within MAX_PARAMETERS: one per
 * kind of work and table, unless a table has so many checks that a warehouse would refuse it.
 */
function fit(checks: readonly QualityCheck[], build: (chunk: readonly QualityCheck[]) => Sql): { checks: QualityCheck[]; statement: Sql }[] {
  const out: { checks: QualityCheck[]; statement: Sql }[] = [];
  let chunk: QualityCheck[] = [];
  let statement = sql.empty;
  for (const check of checks) {
    const candidate = build([...chunk, check]);
    if (chunk.length > 0 && parameters(candidate) > MAX_PARAMETERS) {
      out.push({ checks: chunk, statement });
      chunk = [check];
      statement = build(chunk);
    } else {
      chunk = [...chunk, check];
      statement = candidate;
    }
  }
  if (chunk.length > 0) out.push({ checks: chunk, statement });
  return out;
}

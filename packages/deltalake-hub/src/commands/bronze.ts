import { Command, InvalidArgumentError } from 'commander';
import { readJobParameters, type Engine, type JobParameters, type Logger } from '@org/hub-core';
import { exitCodeFor, parseSourceRoots, planBronze, type BronzePlan, type PlannedStatement, type RunSummary } from '@org/hub-bronze';
import { addEngineOptions, collect, openContext, progressReporter, withEngine, type Context, type EngineFlags } from './context.js';
import { formatNotices } from '../summary.js';
import { bronzeRunner, parseVariableFlags } from './quality.js';

interface BronzeFlags extends EngineFlags {
  config?: string;
  var: string[];
  sourceRoot: string[];
  metadataCatalog?: string;
  category?: string;
  subcategory?: string;
  fileName?: string;
  beginDate?: string;
  endDate?: string;
  asOf?: string;
  force?: boolean;
  maxFiles?: number;
  retryQuarantined?: boolean;
  jobParams?: string;
  leaseWait?: number;
}

export const EXIT_CODES_HELP = `
Exit codes:
  0  success, or nothing to load
  1  the run could not proceed. A bad config, bad parameters, an unknown category, an unmapped
     path or an unreachable engine is found before anything is written. A later failure (a
     --file-name matching several files of a table, an engine error outside a load) keeps what
     was done before it: the metadata tables, the merged file_config, and every table already
     loaded and tracked; the next run carries on from there. Also a --file-name that no selected
     folder holds (the error names the closest names), and a run in which every file FAILED
  2  partial: some file FAILED or was QUARANTINED by this run (the others loaded), or a config
     row's source folder could not be listed (missing, not a folder, unreadable). Files quarantined
     by an earlier run and unchanged since are counted in the summary, not checked again: they do
     not make a run partial (--retry-quarantined checks them again)
  3  another run holds the lease on a destination table (--lease-wait <seconds> waits for it;
     tables loaded before it stay loaded), or, on the embedded engine, the warehouse file
     (waited for up to DELTALAKE_HUB_DUCKDB_LOCK_TIMEOUT_MS, default 30000; nothing written);
     or this run lost its lease to another run and stopped (see deltalake-hub lease list)

With --json, stdout holds exactly one JSON document; logs and progress go to stderr.`;

const PARAMETERS_HELP = `
Job parameters, in either shape (as flags, DELTALAKE_HUB_* variables or --job-params):
  LOB level (the seed's trigger):  category=<lob> [subcategory=<category>]
  config level:                    category=<category> [subcategory=<subcategory>]
Files of the window that are not loaded yet load; matching files outside it are counted in the
summary, with the flag that would take them in.`;

const RUN_EXAMPLES = `
Examples:
  $ deltalake-hub bronze run --config configs/bronze/falcon_config.csv --var catalog=dev_catalog \\
      --source-root abfss://raw@storage.dfs.core.windows.net/=./sample-data
  $ deltalake-hub bronze run --config <csv> --var catalog=dev_catalog --job-params '{"category": "falcon", "subcategory": "transactions", "begin_date": "2024-01-01"}'
  $ deltalake-hub bronze run --config <csv> --var catalog=dev_catalog --engine spark --begin-date 2024-01-01 --end-date 2024-01-31 --json`;

const PLAN_EXAMPLES = `
Examples:
  $ deltalake-hub bronze plan --config configs/bronze/falcon_config.csv --var catalog=dev_catalog \\
      --source-root abfss://raw@storage.dfs.core.windows.net/=./sample-data
  $ deltalake-hub bronze plan --config <csv> --var catalog=dev_catalog --category transactions --json

A plan is the run's own code path with writes shown, not executed: it runs the reads (listings, file
checks) and prints every statement a run issues, in order, values inline for reading (a run binds
them). It writes nothing: no catalog file, no table, no lease. docs/cli.md says which statements a
run adds only when something goes wrong.`;

/** `bronze run` and `bronze plan`: the job parameters, the spoke's config and where its files are. */
function addBronzeOptions(command: Command): Command {
  return addEngineOptions(
    command
      .option('--config <csv>', 'the spoke config CSV (or config_path in the job parameters)')
      .option('--var <key=value>', 'value for a ${key} placeholder in the config, e.g. catalog=dev_catalog (repeatable)', collect, [])
      .option('--source-root <from=to>', 'map a cloud prefix to a local folder, e.g. abfss://raw@acct.dfs.core.windows.net/=./data (repeatable)', collect, [])
      .option('--metadata-catalog <name>', 'catalog holding bronze_metadata (default: the catalog variable)')
      .option('--category <name>', 'a category of the config, or the LOB (all its categories; --subcategory then names one)')
      .option('--subcategory <name>', 'a subcategory of --category, or a category when --category names the LOB')
      .option('--file-name <name>', 'load this one file, whatever its date')
      .option('--begin-date <yyyy-MM-dd>', 'first day of the window (file date)')
      .option('--end-date <yyyy-MM-dd>', 'last day of the window (default: the as-of date)')
      .option('--as-of <yyyy-MM-dd>', 'the day the default 7-day window ends (default: today, UTC)')
      .option('--force', 'reload files already loaded, replacing their earlier rows (and check quarantined files again)')
      .option('--max-files <n>', 'load at most n files per table, oldest file date first; the rest are deferred to the next run (or DELTALAKE_HUB_MAX_FILES)', fileCount)
      .option('--retry-quarantined', 'check again the files earlier runs quarantined that are unchanged since (or DELTALAKE_HUB_RETRY_QUARANTINED=true)')
      .option('--job-params <json>', 'Databricks-style job parameters as JSON, e.g. {"category":"falcon","subcategory":"transactions","begin_date":""}')
      .option('--lease-wait <seconds>', 'wait this long for another run holding a table lease (default 0: exit 3 at once)', seconds),
  );
}

/** A number of seconds, 0 or more: anything else would make a deadline that never comes. */
export function seconds(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError('expected a number of seconds, 0 or more (e.g. 300)');
  return parsed;
}

/** A number of files, 1 or more. */
export function fileCount(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || parsed < 1) throw new InvalidArgumentError('expected a whole number of files, 1 or more (e.g. 500)');
  return parsed;
}

/** `--var key=value` flags as variables. */
export const parseVars = parseVariableFlags;

function bronzeParams(flags: BronzeFlags, logger: Logger): JobParameters {
  return readJobParameters({
    logger,
    flags: {
      category: flags.category,
      subcategory: flags.subcategory,
      fileName: flags.fileName,
      beginDate: flags.beginDate,
      endDate: flags.endDate,
      asOf: flags.asOf,
      force: flags.force,
      configPath: flags.config,
    },
    jobParameters: flags.jobParams,
  });
}

function bronzeOptions(ctx: Context, flags: BronzeFlags, engine: Engine) {
  return {
    engine,
    configPath: flags.config,
    variables: parseVars(flags.var),
    metadataCatalog: flags.metadataCatalog,
    sourceRoots: parseSourceRoots(flags.sourceRoot),
    logger: ctx.logger,
    leaseWaitMs: flags.leaseWait === undefined ? undefined : flags.leaseWait * 1000,
    maxFiles: flags.maxFiles,
    retryQuarantined: flags.retryQuarantined,
  };
}

function print(ctx: Context, document: unknown, text: string): void {
  process.stdout.write(ctx.json ? `${JSON.stringify(document, null, 2)}\n` : `${text}\n`);
}

/** Why a plan shows a statement it did not execute as it stands (writes are never executed: the header says so). */
const NOT_RUN: Record<NonNullable<PlannedStatement['notRun']>, string | null> = {
  write: null,
  depends: '-- not run by the plan: it reads what the statements above write',
  instead: '-- the plan ran an equivalent read in its place: this one reads what the statements above write',
};

/** The conditional statements, named once when a table has files to load (docs/cli.md, bronze plan). */
export const CONDITIONAL_NOTE =
  "-- a run adds statements only when a write goes wrong: the load again without a file it could not read, or (DuckDB) the removal of rejected rows; the removal of a file's rows when it changed while loading, or (Databricks) did not land whole; the lease again while another run holds it";

function statementLines(entries: readonly PlannedStatement[]): string[] {
  return entries.flatMap((e) => {
    const note = e.notRun ? NOT_RUN[e.notRun] : null;
    return note ? [note, `${e.text.trim()};`] : [`${e.text.trim()};`];
  });
}

/** The plan as a person reads it: what would load, then every statement in the order a run issues it. */
export function formatPlan(summary: RunSummary, plan: BronzePlan): string {
  const files = plan.tables.reduce((n, t) => n + t.files.length, 0);
  const lines = [
    `plan on ${summary.engine} (hub ${summary.hubVersion}), window ${plan.window.begin}..${plan.window.end}: ${files === 0 ? 'nothing to load' : `${files} file(s) would load into ${plan.tables.filter((t) => t.files.length > 0).length} table(s)`}`,
    ...formatNotices(summary),
    '',
    `-- the ${summary.statements} statements a run issues, in order; the plan ran the reads and none of the writes`,
    '-- metadata: a run creates what is missing, merges the config, selects the rows',
    ...statementLines(plan.metadata),
  ];
  for (const table of plan.tables) {
    lines.push('', `-- ${table.destTable}: ${table.files.length === 0 ? 'nothing new to load' : `${table.files.length} file(s) to load`}`);
    for (const file of table.files) lines.push(`--   ${file.path} (${file.fileDate})`);
    lines.push(...statementLines(table.statements));
  }
  if (files > 0) lines.push('', CONDITIONAL_NOTE);
  return lines.join('\n');
}

/** `--json`: the statements as text, in order; `notRun` names those the plan shows but did not execute as they stand. */
function planDocument(plan: BronzePlan) {
  const notRun = (entries: readonly PlannedStatement[]) => entries.flatMap((e, index) => (e.notRun ? [{ index, reason: e.notRun }] : []));
  const texts = (entries: readonly PlannedStatement[]) => entries.map((e) => e.text);
  return {
    metadata: texts(plan.metadata),
    metadataNotRun: notRun(plan.metadata),
    tables: plan.tables.map((t) => ({ destTable: t.destTable, files: t.files.map((f) => f.path), statements: texts(t.statements), notRun: notRun(t.statements) })),
  };
}

export function addBronzeCommand(program: Command, setExit: (code: number) => void): Command {
  const bronze = program.command('bronze').description('bronze ingestion: plan shows what a run would do, run does it');

  addBronzeOptions(
    bronze
      .command('plan')
      .description('show what would load, and the statements that would load it, writing nothing')
      .addHelpText('after', `${PARAMETERS_HELP}\n${PLAN_EXAMPLES}\n${EXIT_CODES_HELP}`),
  ).action(async (flags: BronzeFlags) => {
    const ctx = openContext(flags);
    const params = bronzeParams(flags, ctx.logger);
    await withEngine(
      ctx,
      async (engine) => {
        const { summary, plan } = await planBronze(params, bronzeOptions(ctx, flags, engine));
        const document = { ...summary, plan: planDocument(plan) };
        print(ctx, document, formatPlan(summary, plan));
        setExit(exitCodeFor(summary));
      },
      { missingCatalog: 'empty' },
    );
  });

  addBronzeOptions(
    bronze
      .command('run')
      .description('load the files selected by the job parameters into their bronze tables')
      .option('--checks <yml>', "then run this checks file on the run's batch (results in the summary; a failed on_fail: fail check exits 2)")
      .addHelpText('after', `${PARAMETERS_HELP}\n${RUN_EXAMPLES}\n${EXIT_CODES_HELP}`),
  ).action(async (flags: BronzeFlags & { checks?: string }) => {
    const ctx = openContext(flags);
    const params = bronzeParams(flags, ctx.logger);
    const runner = await bronzeRunner(flags.checks, parseVars(flags.var));
    const summary: RunSummary = await withEngine(ctx, (engine) => runner.run(params, { ...bronzeOptions(ctx, flags, engine), onProgress: progressReporter() }));
    print(ctx, summary, runner.format(summary));
    setExit(runner.exitCode(summary));
  });
  return bronze;
}

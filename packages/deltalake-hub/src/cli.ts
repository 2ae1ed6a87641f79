import { Command, InvalidArgumentError, Option } from 'commander';
import {
  ConfigError,
  createEngine,
  createLogger,
  formatIssue,
  HUB_VERSION,
  isHubError,
  loadSettings,
  readJobParameters,
  type Engine,
  type JobParameters,
  type Logger,
  type Settings,
} from '@org/hub-core';
import {
  applyDdl,
  exitCodeForError,
  LoadTracker,
  parseSourceRoots,
  planBronze,
  readConfig,
  type ProgressEvent,
  type RunSummary,
} from '@org/hub-bronze';
import { addJobCommand } from './commands/job.js';
import { addLeaseCommand } from './commands/lease.js';
import { addQualityCommand, bronzeRunner } from './commands/quality.js';
import { checkSpoke } from './spoke/check-spoke.js';
import { createSpoke } from './spoke/create-spoke.js';

/** Exit codes (README, docs/bronze.md). */
export const EXIT = { ok: 0, cannotProceed: 1, partial: 2, leaseHeld: 3 } as const;

interface CommonFlags {
  engine?: string;
  warehouse?: string;
  var: string[];
  sourceRoot: string[];
  json?: boolean;
  logLevel?: string;
  metadataCatalog?: string;
}

interface BronzeFlags extends CommonFlags {
  config?: string;
  category?: string;
  subcategory?: string;
  fileName?: string;
  beginDate?: string;
  endDate?: string;
  asOf?: string;
  force?: boolean;
  jobParams?: string;
  leaseWait?: number;
}

const collect = (value: string, previous: string[]) => [...previous, value];

const EXIT_CODES_HELP = `
Exit codes:
  0  success, or nothing to load
  1  the run could not proceed. A bad config, bad parameters, an unknown category, an unmapped
     path or an unreachable engine is found before anything is written. A later failure (a
     --file-name matching several files of a table, an engine error outside a load) keeps what
     was done before it: the metadata tables, the merged file_config, and every table already
     loaded and tracked; the next run carries on from there. Also a run in which every file FAILED
  2  partial: some file FAILED or was QUARANTINED (the others loaded)
  3  another run holds the lease on a destination table (--lease-wait <seconds> waits for it;
     tables loaded before it stay loaded), or, on the embedded engine, the warehouse file
     (waited for up to DELTALAKE_HUB_DUCKDB_LOCK_TIMEOUT_MS, default 30000; nothing written);
     or this run lost its lease to another run and stopped (see deltalake-hub lease list)

With --json, stdout holds exactly one JSON document; logs go to stderr.`;

function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--engine <name>', 'engine to run on').choices(['duckdb', 'spark', 'databricks']))
    .option('--warehouse <dir>', 'embedded engine: folder of <catalog>.duckdb files (default .deltalake-hub/warehouse)')
    .option('--var <key=value>', 'value for a ${key} placeholder in the config (repeatable)', collect, [])
    .option('--source-root <from=to>', 'map a cloud prefix to a local folder, e.g. abfss://raw@acct.dfs.core.windows.net/=./data (repeatable)', collect, [])
    .option('--metadata-catalog <name>', 'catalog holding bronze_metadata (default: the catalog variable)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .option('--json', 'print one JSON document on stdout; logs go to stderr');
}

function addBronzeOptions(command: Command): Command {
  return addCommonOptions(command)
    .option('--config <csv>', 'the spoke config CSV (or config_path in the job parameters)')
    .option('--category <name>', 'only config rows of this category (empty = all)')
    .option('--subcategory <name>', 'only config rows of this subcategory (empty = all)')
    .option('--file-name <name>', 'load this one file, whatever its date')
    .option('--begin-date <yyyy-MM-dd>', 'first day of the window (file date)')
    .option('--end-date <yyyy-MM-dd>', 'last day of the window (default: the as-of date)')
    .option('--as-of <yyyy-MM-dd>', 'the day the default 7-day window ends (default: today, UTC)')
    .option('--force', 'reload files already loaded, replacing their earlier rows')
    .option('--job-params <json>', 'Databricks-style job parameters as JSON, e.g. {"category":"transactions","begin_date":""}')
    .option('--lease-wait <seconds>', 'wait this long for another run holding a table lease (default 0: exit 3 at once)', seconds);
}

/** A number of seconds, 0 or more: anything else would make a deadline that never comes. */
function seconds(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError('expected a number of seconds, 0 or more (e.g. 300)');
  return parsed;
}

function parseVars(values: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw new ConfigError([{ file: '--var', line: 0, message: `expected key=value, got ${JSON.stringify(value)}` }]);
    vars[value.slice(0, at)] = value.slice(at + 1);
  }
  return vars;
}

interface Context {
  settings: Settings;
  logger: Logger;
  json: boolean;
}

function context(flags: CommonFlags): Context {
  const settings = loadSettings({ engine: flags.engine, warehouse: flags.warehouse, logLevel: flags.logLevel });
  return { settings, logger: createLogger({ level: settings.logLevel }), json: flags.json === true };
}

async function withEngine<T>(ctx: Context, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await createEngine(ctx.settings.engine, { settings: ctx.settings, logger: ctx.logger });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

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

function progressPrinter(enabled: boolean): ((event: ProgressEvent) => void) | undefined {
  if (!enabled) return undefined;
  return (event) => {
    if (event.kind === 'table-start') process.stderr.write(`  ${event.table}: loading ${event.files} file(s)...\n`);
    else process.stderr.write(`  ${event.table}: ${event.loaded} loaded, ${event.quarantined} quarantined, ${event.rows} rows\n`);
  };
}

function print(ctx: Context, document: unknown, text: string): void {
  process.stdout.write(ctx.json ? `${JSON.stringify(document, null, 2)}\n` : `${text}\n`);
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('deltalake-hub')
    .description('Load raw files into Delta Lake bronze tables from a spoke config CSV, with SQL pushed down to DuckDB, Spark + Delta or Databricks.')
    .version(HUB_VERSION, '-V, --version', 'print the @org/deltalake-hub version')
    .showHelpAfterError()
    .addHelpText('after', EXIT_CODES_HELP);

  program
    .command('validate')
    .description('check a config CSV; every error is reported as file:line: column: message')
    .argument('<csv>', 'the config CSV')
    .option('--var <key=value>', 'value for a ${key} placeholder (repeatable)', collect, [])
    .option('--json', 'print the result as JSON')
    .action(async (csv: string, flags: { var: string[]; json?: boolean }) => {
      const rows = await readConfig(csv, { variables: parseVars(flags.var) });
      process.stdout.write(flags.json ? `${JSON.stringify({ valid: true, rows: rows.length })}\n` : `${csv}: valid (${rows.length} rows)\n`);
    });

  const bronze = program.command('bronze').description('bronze ingestion');
  addBronzeOptions(
    bronze
      .command('plan')
      .description('show what would load, and the SQL that would load it, without writing anything')
      .addHelpText('after', EXIT_CODES_HELP),
  ).action(async (flags: BronzeFlags) => {
    const ctx = context(flags);
    const params = bronzeParams(flags, ctx.logger);
    await withEngine(ctx, async (engine) => {
      const { summary, plan } = await planBronze(params, bronzeOptions(ctx, flags, engine));
      const text = [
        `window ${plan.window.begin}..${plan.window.end}`,
        ...plan.tables.flatMap((t) => [`${t.destTable}: ${t.files.length} file(s)`, ...t.files.map((f) => `  ${f.path} (${f.fileDate})`), ...t.statements.map((s) => `  SQL: ${s}`)]),
        ...plan.changedSinceLoad.map((c) => `changed since load (not reloaded): ${c.path}`),
        plan.tables.length === 0 ? 'nothing to load' : '',
      ].join('\n');
      print(ctx, { ...summary, plan: plan.tables.map((t) => ({ destTable: t.destTable, files: t.files.map((f) => f.path), statements: t.statements })) }, text);
    });
  });

  addBronzeOptions(
    bronze
      .command('run')
      .description('load the files selected by the job parameters into their bronze tables')
      .option('--checks <yml>', "then run this checks file on the run's batch (results in the summary; a failed on_fail: fail check exits 2)")
      .addHelpText('after', EXIT_CODES_HELP),
  ).action(async (flags: BronzeFlags & { checks?: string }) => {
    const ctx = context(flags);
    const params = bronzeParams(flags, ctx.logger);
    const runner = await bronzeRunner(flags.checks, parseVars(flags.var));
    const summary: RunSummary = await withEngine(ctx, (engine) =>
      runner.run(params, { ...bronzeOptions(ctx, flags, engine), onProgress: progressPrinter(!ctx.json && process.stderr.isTTY === true) }),
    );
    print(ctx, summary, runner.format(summary));
    setExit(runner.exitCode(summary));
  });

  const ddl = program.command('ddl').description('the hub metadata tables');
  addCommonOptions(ddl.command('apply').description('create {catalog}.bronze_metadata and its tables (idempotent)'))
    .option('--catalog <name>', 'the catalog (default: the catalog variable)')
    .action(async (flags: CommonFlags & { catalog?: string }) => {
      const ctx = context(flags);
      const catalog = flags.catalog ?? flags.metadataCatalog ?? parseVars(flags.var)['catalog'];
      if (!catalog) throw new ConfigError([{ file: '--catalog', line: 0, message: 'name the catalog with --catalog or --var catalog=<name>' }]);
      const statements = await withEngine(ctx, (engine) => applyDdl(engine, catalog));
      print(ctx, { catalog, statements: statements.length }, `applied ${statements.length} statements to ${catalog}.bronze_metadata`);
    });

  addCommonOptions(program.command('status').description('recent loads from the tracker'))
    .option('--catalog <name>', 'the metadata catalog (default: the catalog variable)')
    .option('--limit <n>', 'how many rows', '20')
    .action(async (flags: CommonFlags & { catalog?: string; limit: string }) => {
      const ctx = context(flags);
      const catalog = flags.catalog ?? flags.metadataCatalog ?? parseVars(flags.var)['catalog'];
      if (!catalog) throw new ConfigError([{ file: '--catalog', line: 0, message: 'name the catalog with --catalog or --var catalog=<name>' }]);
      const rows = await withEngine(ctx, async (engine) => {
        await engine.prepareCatalogs([catalog]);
        return new LoadTracker(engine, catalog).recent(Number(flags.limit));
      });
      const text = rows.length === 0 ? 'no loads recorded' : rows.map((r) => `${iso(r['load_timestamp'])}  ${String(r['load_status']).padEnd(11)} ${String(r['row_count'] ?? '').padStart(8)}  ${String(r['dest_table'])}  ${String(r['file_path'])}${r['error_message'] ? `  (${String(r['error_message'])})` : ''}`).join('\n');
      print(ctx, rows, text);
    });

  addQualityCommand(program, setExit);
  addJobCommand(program, setExit);
  addLeaseCommand(program, setExit);

  const spoke = program.command('spoke').description('spokes: the packages that pin the hub and own a config CSV');
  spoke
    .command('check')
    .description('check a spoke: config valid for every bundle target, runner parameters equal the bronze job\'s, resources parse and name what they must, no secrets in YAML')
    .argument('[dir]', 'the spoke folder', '.')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, flags: { json?: boolean }) => {
      const result = await checkSpoke(dir);
      process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : result.ok ? `${dir}: ok\n` : `${result.problems.join('\n')}\n`);
      if (!result.ok) setExit(EXIT.cannotProceed);
    });
  spoke
    .command('create')
    .description('create spokes/<name> from the reference spoke\'s template (config CSV, runner, bundle, tests, README)')
    .argument('<name>', 'the spoke name, e.g. eagle')
    .requiredOption('--lob <lob>', 'the line of business the spoke loads')
    .option('--dir <dir>', 'where to create it (default spokes/<name>)')
    .option('--hub-version <version>', 'the exact @org/deltalake-hub version to pin (default: this hub\'s version)')
    .option('--registry <url>', 'the npm registry (feed) holding @org packages, written to the spoke\'s .npmrc')
    .action(async (name: string, flags: { lob: string; dir?: string; hubVersion?: string; registry?: string }) => {
      const created = await createSpoke({ name, lob: flags.lob, targetDir: flags.dir, hubVersion: flags.hubVersion, registry: flags.registry });
      process.stdout.write(`created ${created.dir} (${created.files.length} files); next: pnpm install, then deltalake-hub spoke check ${created.dir}\n`);
    });

  return program;
}

function bronzeOptions(ctx: Context, flags: BronzeFlags, engine: Engine) {
  const variables = parseVars(flags.var);
  return {
    engine,
    configPath: flags.config,
    variables,
    metadataCatalog: flags.metadataCatalog,
    sourceRoots: parseSourceRoots(flags.sourceRoot),
    logger: ctx.logger,
    leaseWaitMs: flags.leaseWait === undefined ? undefined : flags.leaseWait * 1000,
  };
}

function iso(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it in process. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  // On every command: a subcommand's usage error must come back here, not end the process.
  const overrideExit = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(overrideExit);
  };
  overrideExit(program);
  try {
    await program.parseAsync(argv as string[]);
    return exitCode;
  } catch (error) {
    return reportError(error, argv.includes('--json'));
  }
}

function reportError(error: unknown, json: boolean): number {
  const commanderCode = (error as { code?: string }).code;
  if (commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version' || commanderCode === 'commander.help') return EXIT.ok;
  if (commanderCode?.startsWith('commander.')) {
    // Commander has printed the error and the usage; --json still gets its one document.
    if (json) process.stdout.write(`${JSON.stringify({ status: 'FAILED', error: { code: 'PARAMETERS_INVALID', message: (error as Error).message } }, null, 2)}\n`);
    return EXIT.cannotProceed;
  }
  const code = exitCodeForError(error);
  const message = error instanceof ConfigError ? error.issues.map(formatIssue).join('\n') : error instanceof Error ? error.message : String(error);
  if (json) {
    process.stdout.write(`${JSON.stringify({ status: 'FAILED', error: { code: isHubError(error) ? error.code : 'INTERNAL', message } }, null, 2)}\n`);
  }
  process.stderr.write(`deltalake-hub: ${message}\n`);
  return code;
}

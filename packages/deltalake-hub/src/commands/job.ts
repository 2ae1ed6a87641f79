import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createLogger, loadSettings, ParameterError, readJobParameters, type JobParameters, type Logger } from '@org/hub-core';
import { parseSourceRoots } from '@org/hub-bronze';
import { planSpokeChain, type SpokeChain } from '../jobs/bundle-chain.js';
import { formatChainSummary, runSpokeChain, TRANSFORMS_JOB_ID_ENV, triggerParameters, type ChainSummary } from '../jobs/run-chain.js';
import { seconds } from './bronze.js';
import { addOutputOptions, collect, openContext, progressReporter, withEngine } from './context.js';
import { bronzeRunner, parseVariableFlags } from './quality.js';

const JOB_EXIT_HELP = `
Exit codes (bronze's, and 4):
  0  bronze loaded (or had nothing to load) and every step after it succeeded
  1  the chain could not start (a bad bundle chain, bad parameters, an invalid checks file, the
     Databricks job not found, an engine that cannot be reached), or bronze could not proceed:
     no step after bronze ran
  2  bronze was partial (some file FAILED or QUARANTINED): the steps after it ran and succeeded,
     or did not run because on_partial_bronze is stop (or --on-partial stop); or a bronze check
     with on_fail: fail failed, which stops the chain
  3  bronze was held: another run holds a table's lease, or the embedded warehouse; nothing after
     bronze ran, retry later
  4  bronze loaded, then a step after it failed (or its Databricks run could not be followed to
     its end); running the same trigger again loads nothing twice and runs the steps again

With --json, stdout holds exactly one JSON document; progress and logs go to stderr.`;

interface JobFlags {
  spoke: string;
  target?: string;
  config?: string;
  checks?: string;
  category?: string;
  subcategory?: string;
  fileName?: string;
  beginDate?: string;
  endDate?: string;
  asOf?: string;
  force?: boolean;
  jobParams?: string;
  engine?: string;
  warehouse?: string;
  var: string[];
  sourceRoot: string[];
  metadataCatalog?: string;
  leaseWait?: number;
  onPartial?: string;
  jobId?: number;
  pollInterval?: number;
  waitTimeout?: number;
  logLevel?: string;
  logFormat?: string;
  json?: boolean;
}

function jobId(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a Databricks job id (a positive whole number)');
  return parsed;
}

function addChainOptions(command: Command): Command {
  return addOutputOptions(command
    .option('--spoke <dir>', 'the spoke folder: databricks.yml, resources/*.yml, configs/', '.')
    .option('--target <name>', "the bundle target (default: the target with default: true)")
    .option('--var <key=value>', 'override a bundle variable, e.g. catalog=my_catalog (repeatable)', collect, [])
    .option('--category <name>', 'job parameter category (empty = all)')
    .option('--subcategory <name>', 'job parameter subcategory (empty = all)')
    .option('--file-name <name>', 'job parameter file_name: load this one file, whatever its date')
    .option('--begin-date <yyyy-MM-dd>', 'job parameter begin_date')
    .option('--end-date <yyyy-MM-dd>', 'job parameter end_date')
    .option('--as-of <yyyy-MM-dd>', 'the day the default 7-day window ends (default: today, UTC)')
    .option('--force', 'reload files already loaded, replacing their earlier rows')
    .option('--job-params <json>', 'the job parameters as JSON, as a Databricks trigger passes them, e.g. {"category":"falcon","subcategory":"transactions","begin_date":""}'));
}

/** Adds `job run` and `job plan`: the trigger's whole chain, bronze then the bundle's steps. */
export function addJobCommand(program: Command, setExit: (code: number) => void): Command {
  const job = program.command('job').description("a spoke's whole chain: bronze, then the steps of its bundle's after-bronze job (silver, gold, downstream)");

  const run = addChainOptions(
    job.command('run').description('load bronze, then run the after-bronze job: its SQL tasks here on DuckDB and Spark, the deployed job (run-now, then polled) on Databricks'),
  )
    .addOption(new Option('--engine <name>', 'engine to run on (default: duckdb, or DELTALAKE_HUB_ENGINE)').choices(['duckdb', 'spark', 'databricks']))
    .option('--config <csv>', "the config CSV (default: the spoke's only configs/bronze/*.csv)")
    .option('--checks <yml>', "the checks file run on bronze's batch (default: the spoke's only configs/quality/*.yml, if any)")
    .option('--warehouse <dir>', 'embedded engine: folder of <catalog>.duckdb files (default: .deltalake-hub/warehouse beside the nearest package.json, or DELTALAKE_HUB_WAREHOUSE)')
    .option('--source-root <from=to>', 'map a cloud prefix to a local folder, e.g. abfss://raw@acct.dfs.core.windows.net/=./data (repeatable)', collect, [])
    .option('--metadata-catalog <name>', 'catalog holding bronze_metadata (default: the catalog variable)')
    .option('--lease-wait <seconds>', 'wait this long for another run holding a table lease (default 0: exit 3 at once)', seconds)
    .addOption(new Option('--on-partial <what>', 'after a partial bronze run: continue or stop (default: the target\'s on_partial_bronze variable, else continue)').choices(['continue', 'stop']))
    .option('--job-id <id>', `databricks: the deployed after-bronze job's id (or ${TRANSFORMS_JOB_ID_ENV}; default: found by its name)`, jobId)
    .option('--poll-interval <seconds>', 'databricks: seconds between two looks at the run (default 10)', seconds)
    .option('--wait-timeout <seconds>', 'databricks: stop waiting for the run after this long, exit 4; the run goes on (default 0: no limit)', seconds)
    .addHelpText('after', JOB_EXIT_HELP);
  run.action(async (flags: JobFlags) => {
    const ctx = openContext(flags);
    const logger = ctx.logger;
    const { params, chain } = readSpokeChain(flags, logger);
    const runner = await bronzeRunner(flags.checks ?? spokeFile(flags.spoke, 'configs/quality', /\.ya?ml$/, false), chain.variables);
    const configPath = flags.config ?? params.configPath ?? spokeFile(flags.spoke, 'configs/bronze', /\.csv$/, true);
    const summary: ChainSummary = await withEngine(ctx, (engine) =>
      runSpokeChain({
        chain,
        engine,
        onPartial: flags.onPartial,
        bronze: () =>
          runner.run(params, {
            engine,
            configPath,
            variables: chain.variables,
            metadataCatalog: flags.metadataCatalog,
            sourceRoots: parseSourceRoots(flags.sourceRoot),
            logger,
            leaseWaitMs: flags.leaseWait === undefined ? undefined : flags.leaseWait * 1000,
            onProgress: progressReporter(),
          }),
        databricks: { jobId: flags.jobId, pollIntervalMs: (flags.pollInterval ?? 10) * 1000, waitTimeoutMs: (flags.waitTimeout ?? 0) * 1000 },
        logger,
        progress: (line) => process.stderr.write(`job: ${line}\n`),
      }),
    );
    process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatChainSummary(summary, summary.bronze ? runner.format(summary.bronze) : undefined)}\n`);
    setExit(summary.exitCode);
  });

  addChainOptions(job.command('plan').description('show the chain a trigger runs, from the bundle: the steps in order, their SQL files and the parameters each receives; runs nothing')).action(async (flags: JobFlags) => {
    const settings = loadSettings({ logLevel: flags.logLevel, logFormat: flags.logFormat });
    const logger = createLogger({ level: settings.logLevel, format: settings.logFormat });
    const { plan, target } = readSpokeChain(flags, logger).chain;
    const text = [
      `${plan.job.key} "${plan.jobName}" (target ${target}), after bronze, with ${Object.entries(plan.parameters).map(([k, v]) => `${k}=${v === '' ? "''" : v}`).join(', ') || 'no parameters'}`,
      ...plan.steps.flatMap((s, i) => [`${i + 1}. ${s.name}${s.job ? ` (job ${s.job})` : ''}`, ...s.tasks.map((t) => `   ${t.task}: ${t.displayFile}${t.renderedChecks ? ` (the checks of ${t.renderedChecks.displaySource})` : ''}`)]),
    ].join('\n');
    const document = { job: plan.job.key, name: plan.jobName, target, parameters: plan.parameters, steps: plan.steps.map((s) => ({ name: s.name, job: s.job ?? null, tasks: s.tasks.map((t) => ({ name: t.name, file: t.displayFile, variables: t.variables })) })) };
    process.stdout.write(flags.json ? `${JSON.stringify(document, null, 2)}\n` : `${text}\n`);
  });
  return job;
}

/** The trigger's parameters and the bundle's chain for the target; every problem is reported before anything runs. */
function readSpokeChain(flags: JobFlags, logger: Logger): { params: JobParameters; chain: SpokeChain } {
  const params = readJobParameters({
    logger,
    flags: { category: flags.category, subcategory: flags.subcategory, fileName: flags.fileName, beginDate: flags.beginDate, endDate: flags.endDate, asOf: flags.asOf, force: flags.force, configPath: flags.config },
    jobParameters: flags.jobParams,
  });
  return { params, chain: planSpokeChain(flags.spoke, { target: flags.target, variables: parseVariableFlags(flags.var), parameters: triggerParameters(params) }) };
}

/** The spoke's one file in a folder (configs/bronze/*.csv), by convention; several are ambiguous. */
function spokeFile(dir: string, folder: string, pattern: RegExp, required: true): string;
function spokeFile(dir: string, folder: string, pattern: RegExp, required: false): string | undefined;
function spokeFile(dir: string, folder: string, pattern: RegExp, required: boolean): string | undefined {
  const path = join(dir, folder);
  const files = existsSync(path) ? readdirSync(path).filter((f) => pattern.test(f)).sort() : [];
  if (files.length === 1) return join(path, files[0] as string);
  if (files.length === 0 && !required) return undefined;
  const flag = folder.endsWith('bronze') ? '--config' : '--checks';
  throw new ParameterError(flag.slice(2), files.length === 0 ? `no file in ${path}: name one with ${flag}` : `${path} holds ${files.join(', ')}: name one with ${flag}`);
}

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  bundleVariables,
  createEngine,
  createLogger,
  exitCodeFor,
  exitCodeForError,
  formatSummary,
  loadSettings,
  parseSourceRoots,
  readJobParameters,
  runBronze,
  type Engine,
  type JobParameters,
  type Logger,
  type RunSummary,
  type Settings,
} from '@org/deltalake-hub';

/** The trigger's parameters, the seed's names; `spoke check` keeps them equal to those of resources/__LOB___transforms_job.yml. */
export const JOB_PARAMETERS = ['category', 'subcategory', 'file_name', 'begin_date', 'end_date'] as const;

/** Spoke-internal, as in the seed's job definition. */
export const CONFIG_PATH = fileURLToPath(new URL('../../configs/bronze/__LOB___config.csv', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../../databricks.yml', import.meta.url));

export interface RunOptions {
  readonly argv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** An engine already open (tests); otherwise one is created from settings. */
  readonly engine?: Engine;
  readonly logger?: Logger;
  readonly sourceRoots?: Record<string, string>;
  /** Overrides of the bundle target's variables, as `--var`. */
  readonly variables?: Record<string, string>;
}

/** A run's inputs, read from flags, DELTALAKE_HUB_* variables or Databricks-style job parameters. */
export interface SpokeRun {
  readonly params: JobParameters;
  readonly target: string;
  readonly variables: Record<string, string>;
  readonly settings: Settings;
  readonly logger: Logger;
  readonly env: NodeJS.ProcessEnv;
  readonly sourceRoots: Record<string, string>;
  /** `--on-partial`: read by the whole job (src/__NAME__-job.ts) only. */
  readonly onPartial: string | undefined;
}

export function readRun(options: RunOptions): SpokeRun {
  const { values } = parseArgs({
    args: [...(options.argv ?? [])],
    options: {
      category: { type: 'string' },
      subcategory: { type: 'string' },
      'file-name': { type: 'string' },
      'begin-date': { type: 'string' },
      'end-date': { type: 'string' },
      'as-of': { type: 'string' },
      force: { type: 'boolean' },
      'job-params': { type: 'string' },
      target: { type: 'string', default: 'dev' },
      engine: { type: 'string' },
      warehouse: { type: 'string' },
      'source-root': { type: 'string', multiple: true, default: [] },
      'on-partial': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger();
  // Logs at info which parameters came from DELTALAKE_HUB_* variables.
  const params = readJobParameters({
    logger,
    flags: {
      category: values.category,
      subcategory: values.subcategory,
      fileName: values['file-name'],
      beginDate: values['begin-date'],
      endDate: values['end-date'],
      asOf: values['as-of'],
      force: values.force,
    },
    env,
    jobParameters: values['job-params'],
  });
  const target = values.target ?? 'dev';
  return {
    params,
    target,
    variables: { ...bundleVariables(BUNDLE, target), ...options.variables },
    settings: loadSettings({ engine: values.engine, warehouse: values.warehouse }, env),
    logger,
    env,
    sourceRoots: { ...parseSourceRoots(values['source-root'] ?? []), ...options.sourceRoots },
    onPartial: values['on-partial'],
  };
}

/** The bronze step: runBronze with the spoke's config and the target's variables. */
export function loadBronze(run: SpokeRun, engine: Engine): Promise<RunSummary> {
  return runBronze(run.params, { engine, configPath: run.params.configPath ?? CONFIG_PATH, variables: run.variables, sourceRoots: run.sourceRoots, logger: run.logger });
}

/** Thin: job parameters in, runBronze out. */
export async function run__NAME_PASCAL__Bronze(options: RunOptions = {}): Promise<RunSummary> {
  const run = readRun(options);
  const engine = options.engine ?? (await createEngine(run.settings.engine, { settings: run.settings, logger: run.logger, env: run.env }));
  try {
    return await loadBronze(run, engine);
  } finally {
    if (!options.engine) await engine.close();
  }
}

// Run as a program: the exit code comes from the summary (0 ok, 2 partial), or from the error
// (3 another run holds a table's lease or the embedded warehouse: retry later; 1 could not proceed).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  run__NAME_PASCAL__Bronze({ argv })
    .then((summary) => {
      process.stdout.write(argv.includes('--json') ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
      process.exitCode = exitCodeFor(summary);
    })
    .catch((error: unknown) => {
      process.stderr.write(`__NAME__ bronze: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = exitCodeForError(error);
    });
}

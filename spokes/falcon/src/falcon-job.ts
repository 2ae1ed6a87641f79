import { fileURLToPath } from 'node:url';
import {
  createEngine,
  exitCodeForError,
  formatChainSummary,
  formatQualityReport,
  formatSummary,
  planSpokeChain,
  runSpokeChain,
  sql,
  triggerParameters,
  type ChainSummary,
  type Engine,
} from '@org/deltalake-hub';
import { loadFalconBronze, readFalconChecks, readFalconRun, type FalconRunOptions } from './bronze/falcon-bronze-runner.js';

/** The seed's storage prefix; local runs map it to a folder with a source root. */
export const RAW_PREFIX = 'abfss://raw@storage.dfs.core.windows.net/';

const SPOKE = fileURLToPath(new URL('../', import.meta.url));

export interface FalconJobOptions extends FalconRunOptions {
  /** One line per step, for stderr. */
  readonly progress?: (line: string) => void;
}

/**
 * One trigger, the whole chain: bronze (the runner, with its checks), then the steps of the
 * bundle's after-bronze job (resources/falcon_transforms_job.yml): silver, gold, downstream. The
 * order comes from the bundle, as `deltalake-hub job run` takes it; on Databricks the deployed job
 * is started after bronze with the same parameters.
 */
export async function runFalconJob(options: FalconJobOptions = {}): Promise<ChainSummary> {
  const run = readFalconRun(options);
  const chain = planSpokeChain(SPOKE, { target: run.target, variables: options.variables, parameters: triggerParameters(run.params) });
  const checks = await readFalconChecks(run.variables);
  const engine = options.engine ?? (await createEngine(run.settings.engine, { settings: run.settings, logger: run.logger, env: run.env }));
  try {
    return await runSpokeChain({
      chain,
      engine,
      onPartial: run.onPartial,
      bronze: () => loadFalconBronze(run, engine, checks),
      databricks: { env: run.env },
      logger: run.logger,
      progress: options.progress,
    });
  } finally {
    if (!options.engine) await engine.close();
  }
}

export async function countRows(engine: Engine, catalog: string, schema: string, table: string): Promise<number> {
  const rows = await engine.query(sql`SELECT COUNT(*) AS n FROM ${sql.raw(engine.dialect.tableName(catalog, schema, table))}`);
  return Number(rows[0]?.['n'] ?? 0);
}

// Run as a program, as a pipeline would: the chain's exit code (0 ok, 1 could not proceed, 2 bronze partial,
// 3 bronze held, 4 a step after bronze failed; docs/orchestration.md).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  runFalconJob({ argv, progress: (line) => process.stderr.write(`falcon job: ${line}\n`) })
    .then((summary) => {
      const { bronze } = summary;
      const bronzeText = bronze ? `${formatSummary(bronze)}${bronze.quality ? `\n${formatQualityReport(bronze.quality)}` : ''}` : undefined;
      process.stdout.write(argv.includes('--json') ? `${JSON.stringify(summary, null, 2)}\n` : `${formatChainSummary(summary, bronzeText)}\n`);
      process.exitCode = summary.exitCode;
    })
    .catch((error: unknown) => {
      process.stderr.write(`falcon job: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = exitCodeForError(error);
    });
}

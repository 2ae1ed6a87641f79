import { fileURLToPath } from 'node:url';
import { createEngine, exitCodeForError, formatChainSummary, formatSummary, planSpokeChain, runSpokeChain, triggerParameters, type ChainSummary } from '@org/deltalake-hub';
import { loadBronze, readRun, type RunOptions } from './bronze/__NAME__-bronze-runner.js';

const SPOKE = fileURLToPath(new URL('../', import.meta.url));

/**
 * One trigger, the whole chain: bronze, then the steps of the bundle's after-bronze job
 * (resources/__LOB___transforms_job.yml), in its order. On DuckDB and Spark the SQL files run here;
 * on Databricks the deployed job is started after bronze with the same parameters.
 */
export async function run__NAME_PASCAL__Job(options: RunOptions & { readonly progress?: (line: string) => void } = {}): Promise<ChainSummary> {
  const run = readRun(options);
  const chain = planSpokeChain(SPOKE, { target: run.target, variables: options.variables, parameters: triggerParameters(run.params) });
  const engine = options.engine ?? (await createEngine(run.settings.engine, { settings: run.settings, logger: run.logger, env: run.env }));
  try {
    return await runSpokeChain({ chain, engine, onPartial: run.onPartial, bronze: () => loadBronze(run, engine), databricks: { env: run.env }, logger: run.logger, progress: options.progress });
  } finally {
    if (!options.engine) await engine.close();
  }
}

// Run as a program (the pipeline's one step): 0 ok, 1 could not proceed, 2 bronze partial,
// 3 bronze held (retry later), 4 a step after bronze failed.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  run__NAME_PASCAL__Job({ argv, progress: (line) => process.stderr.write(`__NAME__ job: ${line}\n`) })
    .then((summary) => {
      process.stdout.write(argv.includes('--json') ? `${JSON.stringify(summary, null, 2)}\n` : `${formatChainSummary(summary, summary.bronze ? formatSummary(summary.bronze) : undefined)}\n`);
      process.exitCode = summary.exitCode;
    })
    .catch((error: unknown) => {
      process.stderr.write(`__NAME__ job: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = exitCodeForError(error);
    });
}

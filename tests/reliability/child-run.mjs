// A bronze run in its own process over the BUILT packages, with deterministic places to SIGKILL itself.
// Usage: node child-run.mjs '<json options>' (see ChildRunOptions in support.ts).
// Prints the run summary (an array of them with `runs` > 1) as one JSON document on stdout; exit codes as the CLI's (0, 1, 2, 3).
import { createEngine, createLogger, exitCodeFor, exitCodeForError, isHubError, loadSettings, runBronze } from '../../packages/deltalake-hub/dist/index.js';

const options = JSON.parse(process.argv[2] ?? '{}');
const kill = options.kill ?? null;
// Says where the run dies (`kill-point: <at> <where>`, written synchronously to the pipe), so a test can tell its seam's kill from any other end.
const die = (where) => {
  process.stderr.write(`kill-point: ${where}\n`);
  process.kill(process.pid, 'SIGKILL');
};

// Counts the engine's per-statement debug lines: the N-th is logged right after statement N returned.
let statements = 0;
let matches = 0;
const destination = {
  write(line) {
    const statement = line.includes('"msg":"statement"');
    if (statement) statements += 1;
    if (kill?.at === 'statement' && statement && statements === kill.n) die(`statement ${statements}`);
    // The nth (default first) statement whose text matches (e.g. a forced reload's DELETE of the old rows), as it returns.
    if (kill?.at === 'sql' && statement && new RegExp(kill.pattern).test(JSON.parse(line).sql ?? '') && ++matches === (kill.nth ?? 1)) die(`sql #${matches} after statement ${statements}`);
    if (/"level":(40|50|60)/.test(line)) process.stderr.write(line);
  },
};
const logger = createLogger({ level: 'debug', destination });

let tablesStarted = 0;
let tablesDone = 0;
let loads = 0;
// engine 'spark' runs on the Thrift server at sparkPort (the warehouse option is then unused).
const engineName = options.engine ?? 'duckdb';
const settings = loadSettings(engineName === 'spark' ? { engine: 'spark', sparkPort: options.sparkPort } : { engine: 'duckdb', warehouse: options.warehouse });

/**
 * Tells the parent where the run is: `started`, `listed <table>`, `loaded <table>`, `tracked <table>`,
 * `done <status>`. stderr is a pipe, so each line is written before the run goes on.
 */
const report = (phase) => process.stderr.write(`progress: ${phase}\n`);

/** One bronze run on an engine of its own, as one CLI invocation would do. */
async function runOnce() {
  const engine = await createEngine(engineName, { settings, logger });
  // slowAfterLoadMs: the write after a table's load (its tracker rows) waits behind a statement that sleeps on the run's own session (Spark: the server sleeps).
  let slowNext = false;
  const run = engine.run.bind(engine);
  engine.run = async (query, queryOptions) => {
    if (slowNext) {
      slowNext = false;
      await engine.query(`SELECT java_method('java.lang.Thread', 'sleep', CAST(${Number(options.slowAfterLoadMs)} AS BIGINT)) AS slept`);
    }
    return run(query, queryOptions);
  };
  try {
    report('started');
    const summary = await runBronze(
      { asOf: options.asOf, beginDate: options.beginDate, category: options.category, force: options.force },
      {
        engine,
        configPath: options.config,
        variables: options.variables,
        logger,
        leaseWaitMs: options.leaseWaitMs,
        leaseTtlMs: options.leaseTtlMs,
        runId: options.runId,
        maxFiles: options.maxFiles,
        onProgress: (event) => {
          // A table's files are listed (the run holds the warehouse), its rows are in, or its tracker rows are written.
          // Other events (a table's listing begins, checks) say nothing of where the load is.
          if (event.kind === 'table-start') report(`listed ${event.table}`);
          else if (event.kind === 'table-done') report(`tracked ${event.table}`);
          else if (event.kind === 'table-loaded') {
            report(`loaded ${event.table}`);
            if (options.slowAfterLoadMs) {
              report(`slow ${event.table}`);
              slowNext = true;
            }
            if (kill?.at === 'afterLoad' && ++loads === kill.table) die(`afterLoad ${event.table}`);
          }
          if (event.kind === 'table-start' && kill?.at === 'tableStart' && ++tablesStarted === kill.table) die(`tableStart ${event.table}`);
          if (event.kind === 'table-done' && kill?.at === 'tableDone' && ++tablesDone === kill.table) die(`tableDone ${event.table}`);
        },
      },
    );
    report(`done ${summary.status}`);
    return summary;
  } finally {
    await engine.close();
  }
}

// `runs` > 1 runs again after each run ends (a recovery run and the run after it, say) and prints an array.
const runs = options.runs ?? 1;
const summaries = [];
try {
  for (let i = 0; i < runs; i++) {
    const summary = await runOnce();
    summaries.push(summary);
    process.exitCode = exitCodeFor(summary);
  }
  process.stdout.write(`${JSON.stringify(runs === 1 ? summaries[0] : summaries)}\n`);
} catch (error) {
  const code = isHubError(error) ? error.code : 'INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  process.stdout.write(`${JSON.stringify({ status: 'FAILED', error: { code, message } })}\n`);
  process.stderr.write(`child-run: ${code}: ${message}\n`);
  process.exitCode = exitCodeForError(error);
}

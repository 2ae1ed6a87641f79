import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { applyDdl, createEngine, createLogger, formatChainSummary, formatQualityReport, formatSummary, isHubError, loadSettings, sql, type Engine } from '@org/deltalake-hub';
import { countRows, RAW_PREFIX, runFalconJob } from './falcon-job.js';
import { generateSampleData } from './sample-data.js';

const SAMPLE_ROOT = fileURLToPath(new URL('../sample-data/', import.meta.url));
const CATALOG = 'dev_catalog';

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      json: { type: 'boolean' },
      engine: { type: 'string' },
      warehouse: { type: 'string' },
      'as-of': { type: 'string' },
      'log-level': { type: 'string' },
    },
  });
  const asOf = values['as-of'] ?? new Date().toISOString().slice(0, 10);
  const json = values.json === true;
  const settings = loadSettings({ engine: values.engine, warehouse: values.warehouse, logLevel: values['log-level'] ?? 'warn' });
  const logger = createLogger({ level: settings.logLevel });
  const say = (line: string) => {
    if (!json) process.stdout.write(`${line}\n`);
  };

  const sample = await generateSampleData({ root: SAMPLE_ROOT, asOf });
  say(`sample data: ${sample.files.length} files for the 7 days to ${asOf} in ${SAMPLE_ROOT} (${sample.written.length} new)`);
  const engine: Engine = await createEngine(settings.engine, { settings, logger });
  try {
    await applyDdl(engine, CATALOG);
    say(`engine: ${engine.name}; metadata tables ready in ${CATALOG}.bronze_metadata`);
    say('one trigger: bronze, then the steps of resources/falcon_transforms_job.yml (silver, gold, downstream)');
    // The same chain `deltalake-hub job run --spoke spokes/falcon` runs: bronze with its checks, then the bundle's steps.
    const summary = await runFalconJob({
      argv: ['--as-of', asOf],
      engine,
      logger,
      sourceRoots: { [RAW_PREFIX]: SAMPLE_ROOT },
      progress: json ? undefined : (line) => process.stderr.write(`  ${line}\n`),
    });
    if (json) {
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    } else {
      const { bronze } = summary;
      say('');
      say(formatChainSummary(summary));
      if (bronze) {
        say('');
        say(formatSummary(bronze));
        if (bronze.status === 'NOTHING_TO_LOAD') say('  every file in the window was already loaded: nothing new (silver, gold and downstream were built again)');
        if (bronze.quality) {
          say('');
          say('checks on the load (configs/quality/falcon_checks.yml, bronze tables, this batch):');
          say(formatQualityReport(bronze.quality));
        }
      }
      if (summary.status !== 'FAILED' && summary.status !== 'STOPPED') await printFigures(engine, say);
    }
    return summary.exitCode;
  } finally {
    await engine.close();
  }
}

async function printFigures(engine: Engine, say: (line: string) => void): Promise<void> {
  say('');
  say('tables:');
  for (const [schema, table] of [
    ['falcon_bronze', 'credit_transactions_raw'],
    ['falcon_bronze', 'debit_transactions_raw'],
    ['falcon_bronze', 'clickstream_raw'],
    ['falcon_bronze', 'pageview_raw'],
    ['falcon_silver', 'transactions'],
    ['falcon_silver', 'web_events'],
    ['falcon_gold', 'daily_transaction_summary'],
    ['falcon_gold', 'daily_web_activity'],
    ['falcon_downstream', 'customer_daily_export'],
  ] as const) {
    say(`  ${`${schema}.${table}`.padEnd(44)} ${String(await countRows(engine, CATALOG, schema, table)).padStart(7)} rows`);
  }
  const gold = await engine.query(
    sql`SELECT CAST(txn_date AS VARCHAR(10)) AS day, txn_type, txn_count, CAST(total_amount AS VARCHAR(32)) AS total FROM ${sql.raw(engine.dialect.tableName(CATALOG, 'falcon_gold', 'daily_transaction_summary'))} ORDER BY txn_date DESC, txn_type LIMIT 6`,
  );
  say('');
  say('gold: daily transaction summary (latest days)');
  for (const row of gold) say(`  ${String(row['day'])}  ${String(row['txn_type']).padEnd(7)} ${String(row['txn_count']).padStart(5)} txns  ${String(row['total']).padStart(12)}`);
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    process.stderr.write(`demo: ${isHubError(error) ? `[${error.code}] ` : ''}${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });

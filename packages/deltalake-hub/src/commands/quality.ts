import { Command } from 'commander';
import { ConfigError, IDENTIFIER_PATTERN, type Engine, type JobParameters, type Logger } from '@org/hub-core';
import { exitCodeFor, runBronze, type RunBronzeOptions, type RunSummary } from '@org/hub-bronze';
import {
  exitCodeWithChecks,
  formatAlertOutcomes,
  formatQualityReport,
  profileTable,
  qualityExitCode,
  readChecksFile,
  renderChecksSql,
  runBronzeWithChecks,
  runChecks,
  suggestChecksFile,
  type CheckedRunSummary,
  type QualityReport,
} from '@org/hub-quality';
import { formatSummary } from '../summary.js';
import { addEngineOptions, collect, openContext, withEngine as openEngine, type EngineFlags } from './context.js';

/** `quality run` exit codes, as --help shows them. */
const QUALITY_EXIT_HELP = `
Exit codes:
  0  no check of criticality error failed (warnings may have)
  1  the checks file is invalid (every problem is listed as file:line: key: message), or the engine is unreachable; nothing was written
  2  a check of criticality error failed

With --json, stdout holds exactly one JSON document; logs go to stderr.`;

interface RunFlags extends EngineFlags {
  checks: string;
  var: string[];
  batch?: string;
  metadataCatalog?: string;
}

/** `--var key=value` flags as variables; a malformed one is reported like a config problem. */
export function parseVariableFlags(values: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const value of values) {
    const at = value.indexOf('=');
    if (at <= 0) throw new ConfigError([{ file: '--var', line: 0, message: `expected key=value, got ${JSON.stringify(value)}` }]);
    vars[value.slice(0, at)] = value.slice(at + 1);
  }
  return vars;
}

async function withEngine<T>(flags: EngineFlags, work: (engine: Engine, logger: Logger) => Promise<T>): Promise<T> {
  const ctx = openContext(flags);
  return openEngine(ctx, (engine) => work(engine, ctx.logger));
}

/** The report as `--json` prints it: `{ status, results: [...] }` and what else a pipeline may read. */
export function qualityDocument(report: QualityReport): Record<string, unknown> {
  return {
    status: report.status,
    runId: report.runId,
    engine: report.engine,
    batchId: report.batchId,
    statements: report.statements,
    durationMs: report.durationMs,
    results: report.results.map((r) => ({
      table: r.table,
      name: r.name,
      check: r.check,
      criticality: r.criticality,
      onFail: r.onFail,
      passed: r.passed,
      rowsEvaluated: r.rowsEvaluated,
      rowsFailed: r.rowsFailed,
      rowsQuarantined: r.rowsQuarantined,
      sample: r.sample,
      message: r.message,
    })),
    quarantined: report.quarantined,
    skipped: report.skipped,
    alerts: report.alerts,
  };
}

/** Adds `quality run` and `quality suggest` to the program. */
export function addQualityCommand(program: Command, setExit: (code: number) => void): Command {
  const quality = program.command('quality').description('data quality checks a spoke declares in configs/quality/<lob>_checks.yml');

  addEngineOptions(
    quality
      .command('run')
      .description('run a checks file: results in {catalog}.bronze_metadata.quality_results, quarantines, alerts')
      .requiredOption('--checks <yml>', 'the checks file')
      .option('--var <key=value>', 'value for a ${key} placeholder in the checks file (repeatable)', collect, [])
      .option('--batch <run id>', "limit row-level checks to one bronze run's rows (_batch_id); quarantine acts on that batch")
      .option('--metadata-catalog <name>', 'catalog holding bronze_metadata.quality_results (default: the catalog variable, else the first table\'s)')
      .addHelpText('after', QUALITY_EXIT_HELP),
  ).action(async (flags: RunFlags) => {
    const variables = parseVariableFlags(flags.var);
    // The file is read before the engine is opened: an invalid file runs nothing.
    const checks = await readChecksFile(flags.checks, { variables });
    const report = await withEngine(flags, (engine, logger) =>
      runChecks(engine, checks, { batchId: flags.batch ?? null, metadataCatalog: flags.metadataCatalog ?? variables['catalog'], logger }),
    );
    process.stdout.write(flags.json ? `${JSON.stringify(qualityDocument(report), null, 2)}\n` : `${formatQualityReport(report)}\n`);
    setExit(qualityExitCode(report));
  });

  addEngineOptions(
    quality
      .command('suggest')
      .description('profile a table (null rates, distinct counts, ranges, dates, value shapes) and print a checks file to start from')
      .requiredOption('--table <catalog.schema.table>', 'the table to profile'),
  ).action(async (flags: EngineFlags & { table: string }) => {
    const parts = flags.table.split('.');
    if (parts.length !== 3 || parts.some((p) => !IDENTIFIER_PATTERN.test(p))) {
      throw new ConfigError([{ file: '--table', line: 0, message: `${JSON.stringify(flags.table)} is not a three-part name catalog.schema.table` }]);
    }
    const [catalog, schema, table] = parts as [string, string, string];
    const profile = await withEngine(flags, (engine) => profileTable(engine, { catalog, schema, table, name: flags.table }));
    const yaml = suggestChecksFile(profile);
    process.stdout.write(flags.json ? `${JSON.stringify({ profile, checks: yaml }, null, 2)}\n` : yaml);
  });
  quality
    .command('render')
    .description("print a checks file as a SQL script for a Databricks SQL task (no Node there): results rows, then raise_error when an on_fail: fail check failed")
    .requiredOption('--checks <yml>', 'the checks file')
    .option('--schema <name>', 'only checks of tables in this schema (repeatable)', collect, [])
    .option('--var <key=value>', 'value for a ${key} placeholder; tables are written ${catalog}.schema.table whatever the catalog', collect, [])
    .action(async (flags: { checks: string; schema: string[]; var: string[] }) => {
      // The script names tables ${catalog}.schema.table, so any catalog value reads the file.
      const checks = await readChecksFile(flags.checks, { variables: { catalog: 'catalog', ...parseVariableFlags(flags.var) } });
      process.stdout.write(renderChecksSql(checks, { schemas: flags.schema.length > 0 ? flags.schema : undefined, source: flags.checks }));
    });
  return quality;
}

/**
 * What `bronze run` does with `--checks`: read the file before anything runs, load, then run the
 * checks on the run's batch. Without it, the plain run.
 */
export async function bronzeRunner(checksPath: string | undefined, variables: Readonly<Record<string, string>>) {
  if (checksPath === undefined) {
    return {
      run: (params: JobParameters, options: RunBronzeOptions): Promise<RunSummary> => runBronze(params, options),
      format: (summary: RunSummary) => formatSummary(summary),
      exitCode: (summary: RunSummary) => exitCodeFor(summary),
    };
  }
  const checks = await readChecksFile(checksPath, { variables });
  return {
    run: (params: JobParameters, options: RunBronzeOptions): Promise<RunSummary> => runBronzeWithChecks(params, { ...options, checks }),
    format: (summary: RunSummary) => {
      const checked = summary as CheckedRunSummary;
      return [formatSummary(summary), ...formatAlertOutcomes(checked.alerts), formatQualityReport(checked.quality)].join('\n');
    },
    exitCode: (summary: RunSummary) => exitCodeWithChecks(summary as CheckedRunSummary),
  };
}

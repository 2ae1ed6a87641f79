import { Command } from 'commander';
import { ConfigError, formatIssue, HUB_VERSION, isHubError } from '@org/hub-core';
import { exitCodeForError } from '@org/hub-bronze';
import { addBronzeCommand, EXIT_CODES_HELP } from './commands/bronze.js';
import { addDdlCommand } from './commands/ddl.js';
import { addJobCommand } from './commands/job.js';
import { addLeaseCommand } from './commands/lease.js';
import { addQualityCommand } from './commands/quality.js';
import { addSqlCommand } from './commands/sql.js';
import { addStatusCommand } from './commands/status.js';
import { addValidateCommand } from './commands/validate.js';
import { checkSpoke } from './spoke/check-spoke.js';
import { createSpoke } from './spoke/create-spoke.js';

/** Exit codes (README, docs/bronze.md). */
export const EXIT = { ok: 0, cannotProceed: 1, partial: 2, leaseHeld: 3 } as const;

const PROGRAM_HELP = `
Examples:
  $ deltalake-hub validate --config configs/bronze/falcon_config.csv --var catalog=dev_catalog
  $ deltalake-hub bronze plan --config configs/bronze/falcon_config.csv --var catalog=dev_catalog --source-root abfss://raw@storage.dfs.core.windows.net/=./sample-data
  $ deltalake-hub bronze run  --config configs/bronze/falcon_config.csv --var catalog=dev_catalog --source-root abfss://raw@storage.dfs.core.windows.net/=./sample-data
  $ deltalake-hub status --catalog dev_catalog
  $ deltalake-hub sql "SELECT count(*) FROM dev_catalog.falcon_bronze.credit_transactions_raw"

The embedded engine's warehouse is .deltalake-hub/warehouse beside the nearest package.json
(or --warehouse, or DELTALAKE_HUB_WAREHOUSE); every command that uses it says where it is.
${EXIT_CODES_HELP}`;

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('deltalake-hub')
    .description('Load raw files into Delta Lake bronze tables from a spoke config CSV, with SQL pushed down to DuckDB, Spark + Delta or Databricks.')
    .version(HUB_VERSION, '-V, --version', 'print the @org/deltalake-hub version')
    .addHelpText('after', PROGRAM_HELP);

  addValidateCommand(program, setExit);
  addBronzeCommand(program, setExit);
  addDdlCommand(program);
  addStatusCommand(program);
  addSqlCommand(program);
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

  // On every command: a usage error is one line and a hint, not the whole help.
  const quietErrors = (command: Command): void => {
    command.showHelpAfterError(`(run ${commandPath(command)} --help for usage)`);
    command.commands.forEach(quietErrors);
  };
  quietErrors(program);
  return program;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
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

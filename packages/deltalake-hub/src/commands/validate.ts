import { Command } from 'commander';
import { ConfigError, HubError } from '@org/hub-core';
import { readConfig } from '@org/hub-bronze';
import { collect } from './context.js';
import { parseVars } from './bronze.js';

const VALIDATE_HELP = `
Examples:
  $ deltalake-hub validate --config configs/bronze/falcon_config.csv --var catalog=dev_catalog
  $ deltalake-hub validate configs/bronze/falcon_config.csv --json

Reads the file only: no engine, no warehouse, nothing written.

Exit codes:
  0  valid
  1  invalid: every problem as file:line: column: message (with --json: "issues", one object each)`;

export function addValidateCommand(program: Command, setExit: (code: number) => void): Command {
  return program
    .command('validate')
    .description('check a config CSV; every error is reported as file:line: column: message')
    .argument('[csv]', 'the config CSV (or --config)')
    .option('--config <csv>', 'the config CSV')
    .option('--var <key=value>', 'value for a ${key} placeholder (repeatable)', collect, [])
    .option('--json', 'print the result as one JSON document: {"valid", "rows"} or {"valid": false, "issues": [{file, line, column, message}]}')
    .addHelpText('after', VALIDATE_HELP)
    .action(async (positional: string | undefined, flags: { config?: string; var: string[]; json?: boolean }) => {
      const csv = flags.config ?? positional;
      if (!csv) throw new HubError('PARAMETERS_INVALID', 'name the config CSV with --config <csv>');
      try {
        const rows = await readConfig(csv, { variables: parseVars(flags.var) });
        process.stdout.write(flags.json ? `${JSON.stringify({ valid: true, file: csv, rows: rows.length })}\n` : `${csv}: valid (${rows.length} rows)\n`);
      } catch (error) {
        if (!(error instanceof ConfigError) || !flags.json) throw error;
        const issues = error.issues.map((i) => ({ file: i.file, line: i.line, column: i.column ?? null, message: i.message }));
        process.stdout.write(`${JSON.stringify({ valid: false, file: csv, issues }, null, 2)}\n`);
        process.stderr.write(`deltalake-hub: ${csv}: ${issues.length} problem(s)\n`);
        setExit(1);
      }
    });
}

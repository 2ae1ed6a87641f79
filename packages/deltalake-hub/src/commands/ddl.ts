import { Command } from 'commander';
import { applyDdl } from '@org/hub-bronze';
import { addEngineOptions, openContext, withEngine, type EngineFlags } from './context.js';
import { catalogRequired } from './status.js';

const DDL_HELP = `
Examples:
  $ deltalake-hub ddl apply --catalog dev_catalog
  $ deltalake-hub ddl apply --catalog main --engine databricks

Writes {catalog}.bronze_metadata and its tables (file_config, load_tracker, load_lease,
quality_results) where missing, and adds columns a newer hub needs; a bronze run does the same
before it loads. On the embedded engine it creates <warehouse>/<catalog>.duckdb.

Exit codes:
  0  applied (or already there)
  1  no --catalog, or the engine's error`;

export function addDdlCommand(program: Command): Command {
  const ddl = program.command('ddl').description('the hub metadata tables');
  addEngineOptions(
    ddl
      .command('apply')
      .description('create {catalog}.bronze_metadata and its tables (idempotent)')
      .option('--catalog <name>', 'the catalog (required)')
      .addHelpText('after', DDL_HELP),
  ).action(async (flags: EngineFlags & { catalog?: string }) => {
    const catalog = catalogRequired(flags.catalog);
    const ctx = openContext(flags);
    const statements = await withEngine(ctx, (engine) => applyDdl(engine, catalog));
    process.stdout.write(ctx.json ? `${JSON.stringify({ catalog, statements: statements.length }, null, 2)}\n` : `applied ${statements.length} statements to ${catalog}.bronze_metadata\n`);
  });
  return ddl;
}

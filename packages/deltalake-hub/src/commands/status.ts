import { Command } from 'commander';
import { HubError, sql } from '@org/hub-core';
import { LoadTracker, metadataTable } from '@org/hub-bronze';
import { formatTable } from '../summary.js';
import { addEngineOptions, openContext, rowLimit, withEngine, type EngineFlags } from './context.js';
import { jsonValue } from './sql.js';

const STATUS_HELP = `
Examples:
  $ deltalake-hub status --catalog dev_catalog
  $ deltalake-hub status --catalog dev_catalog --limit 100 --json
  $ deltalake-hub status --catalog dev_catalog --engine spark

Reads {catalog}.bronze_metadata.load_tracker and writes nothing (the embedded engine opens the
catalog's file read-only).

Exit codes:
  0  the loads were listed (or none is recorded yet)
  1  no such catalog or no metadata tables in it (the message says where it looked and what to run first), or the engine's error`;

const COLUMNS = ['loaded_at', 'status', 'rows', 'table', 'file', 'error'] as const;

export function catalogRequired(catalog: string | undefined): string {
  if (!catalog) throw new HubError('PARAMETERS_INVALID', 'name the catalog with --catalog <name>, e.g. --catalog dev_catalog');
  return catalog;
}

export function addStatusCommand(program: Command): Command {
  return addEngineOptions(
    program
      .command('status')
      .description('recent loads from the tracker, newest first')
      .option('--catalog <name>', 'the catalog holding bronze_metadata (required)')
      .option('--limit <n>', 'how many loads to show', rowLimit, 20)
      .addHelpText('after', STATUS_HELP),
  ).action(async (flags: EngineFlags & { catalog?: string; limit: number }) => {
    const catalog = catalogRequired(flags.catalog);
    const ctx = openContext(flags);
    const { total, rows } = await withEngine(
      ctx,
      async (engine) => {
        await engine.prepareCatalogs([catalog]);
        const tracker = metadataTable(engine, catalog, 'load_tracker');
        let total: number;
        try {
          total = Number((await engine.query(sql`SELECT COUNT(*) AS n FROM ${tracker}`))[0]?.['n'] ?? 0);
        } catch (error) {
          if (!/does not exist|not found|TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND|cannot be found/i.test(String((error as Error).message))) throw error;
          const where = engine.name === 'duckdb' ? ` in the warehouse ${ctx.settings.warehouse}` : ` on ${engine.name}`;
          throw new HubError('CATALOG_MISSING', `no ${catalog}.bronze_metadata.load_tracker${where}: run \`deltalake-hub bronze run\` or \`deltalake-hub ddl apply --catalog ${catalog}\` first`, { cause: error });
        }
        return { total, rows: total === 0 ? [] : await new LoadTracker(engine, catalog).recent(flags.limit) };
      },
      { missingCatalog: 'error' },
    );
    const shown = rows.map((r) => ({
      loaded_at: r['load_timestamp'] instanceof Date ? r['load_timestamp'].toISOString() : String(r['load_timestamp']),
      status: String(r['load_status']),
      rows: r['row_count'] === null || r['row_count'] === undefined ? null : Number(r['row_count']),
      table: String(r['dest_table']),
      file: String(r['file_path']),
      error: r['error_message'] ?? null,
      batch_id: String(r['batch_id']),
    }));
    if (ctx.json) {
      process.stdout.write(`${JSON.stringify({ catalog, total, shown: shown.length, limit: flags.limit, loads: shown }, jsonValue, 2)}\n`);
      return;
    }
    if (total === 0) {
      process.stdout.write(`no loads recorded in ${catalog}.bronze_metadata.load_tracker\n`);
      return;
    }
    const footer = shown.length < total ? `showing ${shown.length} of ${total} loads (use --limit)` : `${total} load(s)`;
    process.stdout.write(`${formatTable(COLUMNS, shown.map((r) => ({ ...r, error: r.error ?? '' })))}\n${footer}\n`);
  });
}

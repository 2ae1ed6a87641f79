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
  $ deltalake-hub status --catalog dev_catalog --quarantined

Reads {catalog}.bronze_metadata.load_tracker and writes nothing (the embedded engine opens the
catalog's file read-only). --quarantined lists the files still quarantined (their last check
quarantined them and they have not loaded since), newest first, with the run and the reason: runs
do not check them again while they are unchanged (bronze run --retry-quarantined does).

Exit codes:
  0  the loads were listed (or none is recorded yet)
  1  no such catalog or no metadata tables in it (the message says where it looked and what to run first), or the engine's error`;

const COLUMNS = ['loaded_at', 'status', 'rows', 'table', 'file', 'error'] as const;
const QUARANTINED_COLUMNS = ['quarantined_at', 'table', 'file', 'run', 'reason'] as const;

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
      .option('--quarantined', 'list the files still quarantined, with their reasons, instead of the recent loads')
      .addHelpText('after', STATUS_HELP),
  ).action(async (flags: EngineFlags & { catalog?: string; limit: number; quarantined?: boolean }) => {
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
        const loads = new LoadTracker(engine, catalog);
        if (flags.quarantined) return { total, rows: total === 0 ? [] : await engine.query(loads.quarantinedStatement(flags.limit)) };
        return { total, rows: total === 0 ? [] : await loads.recent(flags.limit) };
      },
      { missingCatalog: 'error' },
    );
    if (flags.quarantined) {
      const files = rows.map((r) => ({
        quarantined_at: r['load_timestamp'] instanceof Date ? r['load_timestamp'].toISOString() : String(r['load_timestamp']),
        table: String(r['dest_table']),
        file: String(r['file_path']),
        run: String(r['batch_id']),
        reason: String(r['error_message'] ?? ''),
      }));
      if (ctx.json) process.stdout.write(`${JSON.stringify({ catalog, shown: files.length, limit: flags.limit, quarantined: files }, jsonValue, 2)}\n`);
      else if (files.length === 0) process.stdout.write(`no file is quarantined in ${catalog}.bronze_metadata.load_tracker\n`);
      else process.stdout.write(`${formatTable(QUARANTINED_COLUMNS, files)}\n${files.length === flags.limit ? `showing the newest ${files.length} (use --limit)` : `${files.length} file(s) still quarantined`}\n`);
      return;
    }
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

import { Command, Option } from 'commander';
import { ConfigError, createEngine, createLogger, loadSettings, type Engine } from '@org/hub-core';
import { applyDdl, LeaseTable, type LeaseRow } from '@org/hub-bronze';

const LEASE_HELP = `
A bronze run holds a lease on each table while it loads it, renewed every quarter of its
lifetime (DELTALAKE_HUB_LEASE_TTL_SECONDS, default 120) and deleted when the run is done. A run
that died leaves its lease until it expires; \`lease release\` frees the table at once.

Exit codes: 0 done, 1 bad arguments or an engine that cannot be reached, 3 (release) the table's
lease is not held by that run (nothing was changed).`;

interface LeaseFlags {
  engine?: string;
  warehouse?: string;
  logLevel?: string;
  catalog?: string;
  var: string[];
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function addLeaseOptions(command: Command): Command {
  return command
    .addOption(new Option('--engine <name>', 'engine to run on').choices(['duckdb', 'spark', 'databricks']))
    .option('--warehouse <dir>', 'embedded engine: folder of <catalog>.duckdb files (default .deltalake-hub/warehouse)')
    .option('--catalog <name>', 'the metadata catalog (default: the catalog variable)')
    .option('--var <key=value>', 'a config variable; catalog=<name> names the metadata catalog (repeatable)', collect, [])
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .option('--json', 'print one JSON document on stdout; logs go to stderr');
}

function catalogOf(flags: LeaseFlags): string {
  const fromVar = flags.var.find((v) => v.startsWith('catalog='))?.slice('catalog='.length);
  const catalog = flags.catalog ?? fromVar;
  if (!catalog) throw new ConfigError([{ file: '--catalog', line: 0, message: 'name the metadata catalog with --catalog or --var catalog=<name>' }]);
  return catalog;
}

async function withLeases<T>(flags: LeaseFlags, work: (leases: LeaseTable) => Promise<T>): Promise<T> {
  const settings = loadSettings({ engine: flags.engine, warehouse: flags.warehouse, logLevel: flags.logLevel });
  const catalog = catalogOf(flags);
  const engine: Engine = await createEngine(settings.engine, { settings, logger: createLogger({ level: settings.logLevel }) });
  try {
    // CREATE ... IF NOT EXISTS: a catalog no run has used yet has no leases rather than no table.
    await applyDdl(engine, catalog, ['load_lease.sql']);
    return await work(new LeaseTable(engine, catalog));
  } finally {
    await engine.close();
  }
}

const leaseJson = (l: LeaseRow) => ({ table: l.destTable, runId: l.runId, holder: l.holder, since: l.acquiredAt.toISOString(), expires: l.expiresAt.toISOString() });

function formatLeases(leases: readonly LeaseRow[], now: Date): string {
  if (leases.length === 0) return 'no table is leased';
  const rows = [['TABLE', 'RUN', 'HOLDER', 'SINCE', 'EXPIRES'], ...leases.map((l) => [l.destTable, l.runId, l.holder ?? '-', l.acquiredAt.toISOString(), `${l.expiresAt.toISOString()}${l.expiresAt <= now ? ' (expired)' : ''}`])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

/** `lease list` and `lease release <table> --run <id>`: who holds which table, and freeing a dead run's table. */
export function addLeaseCommand(program: Command, setExit: (code: number) => void): Command {
  const lease = program.command('lease').description("the per-table leases of bronze runs: who is loading which table, and freeing a dead run's").addHelpText('after', LEASE_HELP);

  addLeaseOptions(lease.command('list').description('every leased table: run id, holder host:pid, since, expires')).action(async (flags: LeaseFlags) => {
    const leases = await withLeases(flags, (l) => l.list());
    process.stdout.write(flags.json ? `${JSON.stringify({ leases: leases.map(leaseJson) }, null, 2)}\n` : `${formatLeases(leases, new Date())}\n`);
  });

  addLeaseOptions(
    lease
      .command('release')
      .description("delete a table's lease if the named run holds it (a run that died); a live run that loses its lease stops before writing more")
      .argument('<table>', 'the destination table, catalog.schema.table, as `lease list` shows it')
      .requiredOption('--run <id>', 'the run id holding the lease (from `lease list` or the lease error)'),
  ).action(async (written: string, flags: LeaseFlags & { run: string }) => {
    // Lease rows name tables in lower case, as every run writes them.
    const table = written.toLowerCase();
    const outcome = await withLeases(flags, async (leases) => {
      const before = await leases.holderOf(table);
      return { before, released: await leases.releaseIfHeld(table, flags.run) };
    });
    const held = outcome.before ? `it is held by run ${outcome.before.runId}${outcome.before.holder ? ` on ${outcome.before.holder}` : ''}` : 'no run holds it';
    const message = outcome.released ? `released the lease on ${table} held by run ${flags.run}` : `not released: ${table}'s lease is not held by run ${flags.run} (${held})`;
    process.stdout.write(flags.json ? `${JSON.stringify({ released: outcome.released, table, runId: flags.run, holder: outcome.before ? leaseJson(outcome.before) : null }, null, 2)}\n` : `${message}\n`);
    if (!outcome.released) setExit(3);
  });
  return lease;
}

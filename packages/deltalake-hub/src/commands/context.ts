import { Command, InvalidArgumentError, Option } from 'commander';
import { createEngine, createLogger, LOG_FORMATS, loadSettings, type Engine, type EngineContext, type Logger, type Settings } from '@org/hub-core';
import type { ProgressEvent } from '@org/hub-bronze';

/** The flags every command that opens an engine takes, and only those. */
export interface EngineFlags {
  engine?: string;
  warehouse?: string;
  logLevel?: string;
  logFormat?: string;
  json?: boolean;
}

export const collect = (value: string, previous: string[]) => [...previous, value];

/** `--limit`: a number of rows, 1 to 1,000,000. */
export function rowLimit(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 1_000_000) throw new InvalidArgumentError('expected a number of rows, 1 to 1000000');
  return n;
}

/** `--log-level`, `--log-format` and `--json`: what a command prints and where. */
export function addOutputOptions(command: Command): Command {
  return command
    .addOption(new Option('--log-level <level>', 'log level (default: info, or DELTALAKE_HUB_LOG_LEVEL)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .addOption(new Option('--log-format <format>', 'logs on stderr: one text line per event, or JSON lines for a log shipper (default: text, or DELTALAKE_HUB_LOG_FORMAT)').choices(LOG_FORMATS))
    .option('--json', 'print one JSON document on stdout; logs and progress go to stderr');
}

/** `--engine` and `--warehouse`, then the output options. */
export function addEngineOptions(command: Command): Command {
  return addOutputOptions(
    command
      .addOption(new Option('--engine <name>', 'engine to run on (default: duckdb, or DELTALAKE_HUB_ENGINE)').choices(['duckdb', 'spark', 'databricks']))
      .option('--warehouse <dir>', 'embedded engine: folder of <catalog>.duckdb files (default: .deltalake-hub/warehouse beside the nearest package.json, or DELTALAKE_HUB_WAREHOUSE)'),
  );
}

export interface Context {
  readonly settings: Settings;
  readonly logger: Logger;
  readonly json: boolean;
}

export function openContext(flags: EngineFlags): Context {
  const settings = loadSettings({ engine: flags.engine, warehouse: flags.warehouse, logLevel: flags.logLevel, logFormat: flags.logFormat });
  return { settings, logger: createLogger({ level: settings.logLevel, format: settings.logFormat }), json: flags.json === true };
}

/**
 * Opens the engine for one command and closes it after. Says on stderr, in one line, which
 * warehouse the embedded engine uses, or which remote engine it is connecting to (a connection
 * can take a while: the person waiting sees why).
 */
export async function withEngine<T>(ctx: Context, work: (engine: Engine) => Promise<T>, readOnly?: EngineContext['readOnly']): Promise<T> {
  process.stderr.write(`${engineLine(ctx.settings)}\n`);
  const engine = await createEngine(ctx.settings.engine, { settings: ctx.settings, logger: ctx.logger, readOnly });
  try {
    return await work(engine);
  } finally {
    await engine.close();
  }
}

function engineLine(settings: Settings): string {
  switch (settings.engine) {
    case 'duckdb':
      return `warehouse: ${settings.warehouse}`;
    case 'spark':
      return `connecting to Spark at ${settings.sparkHost}:${settings.sparkPort ?? 'the recorded port'}...`;
    case 'databricks':
      return `connecting to the Databricks SQL warehouse at ${process.env['DATABRICKS_HOST'] ?? 'the host of DATABRICKS_CONFIG_PROFILE'}...`;
  }
}

/**
 * Progress on stderr for work that lasts: a step's line appears once it has taken longer than
 * `afterMs` (DELTALAKE_HUB_PROGRESS_AFTER_MS, default 1000), on a terminal and in a pipeline's log
 * alike, and its table's closing line follows. Quick runs print nothing but their summary.
 */
export function progressReporter(afterMs: number = progressDelay()): (event: ProgressEvent) => void {
  let timer: NodeJS.Timeout | undefined;
  const shown = new Set<string>();
  const later = (table: string, line: string) => {
    if (timer) clearTimeout(timer);
    const write = () => {
      shown.add(table);
      process.stderr.write(`  ${line}\n`);
    };
    if (afterMs <= 0) write();
    else (timer = setTimeout(write, afterMs)).unref();
  };
  return (event) => {
    switch (event.kind) {
      case 'table-listing':
        later(event.table, `${event.table}: listing ${event.sources} source folder(s)...`);
        break;
      case 'table-start':
        later(event.table, `${event.table}: loading ${event.files} file(s)...`);
        break;
      case 'table-loaded':
        later(event.table, `${event.table}: ${event.files} file(s) loaded, recording them in the tracker...`);
        break;
      case 'table-done':
        if (timer) clearTimeout(timer);
        if (shown.has(event.table)) process.stderr.write(`  ${event.table}: ${event.loaded} loaded, ${event.quarantined} not loaded, ${event.rows} rows\n`);
        break;
      case 'checks-start':
        later('checks', `checks: ${event.checks} check(s) on the batch of ${event.tables} table(s)...`);
        break;
      case 'checks-done':
        if (timer) clearTimeout(timer);
        if (shown.has('checks')) process.stderr.write(`  checks: ${event.passed} passed, ${event.failed} failed\n`);
        break;
    }
  };
}

function progressDelay(): number {
  const value = Number(process.env['DELTALAKE_HUB_PROGRESS_AFTER_MS'] ?? '1000');
  return Number.isFinite(value) && value >= 0 ? value : 1000;
}

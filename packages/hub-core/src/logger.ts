import { createRequire } from 'node:module';
import type * as Pino from 'pino';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values are never logged, at any depth pino can address. */
const REDACT_PATHS = [
  'token', 'password', 'secret', 'clientSecret', 'client_secret', 'authorization', 'Authorization',
  '*.token', '*.password', '*.secret', '*.clientSecret', '*.client_secret', '*.authorization', '*.Authorization',
  '*.headers.authorization', '*.headers.Authorization', 'headers.authorization', 'headers.Authorization',
];

/** Environment variables whose values are scrubbed from every line, wherever they appear. */
const SECRET_ENV = ['DATABRICKS_TOKEN', 'DATABRICKS_CLIENT_SECRET', 'DATABRICKS_PASSWORD', 'AZURE_CLIENT_SECRET'];

/** `text`: one line per event, for people and pipeline logs; `json`: pino's JSON lines with ISO times, for log shippers. */
export type LogFormat = 'text' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

export interface LoggerSettings {
  readonly level?: string | undefined;
  /** Default: DELTALAKE_HUB_LOG_FORMAT, else text on stderr and JSON to a given destination. */
  readonly format?: LogFormat | undefined;
  /** @deprecated use `format`: true is text, false is JSON. */
  readonly pretty?: boolean | undefined;
  readonly destination?: DestinationStream | undefined;
  /** Further secret strings to scrub (a token read from a profile file, say). */
  readonly secrets?: readonly string[] | undefined;
}

const knownSecrets = new Set<string>();

/** Registers a secret value read at run time so that no later log line can contain it. */
export function registerSecret(value: string | undefined): void {
  // Very short values would scrub ordinary words; real tokens are long.
  if (value && value.length >= 6) knownSecrets.add(value);
}

export function scrubSecrets(text: string): string {
  let out = text.replace(/(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 [REDACTED]');
  for (const secret of knownSecrets) out = out.split(secret).join('[REDACTED]');
  return out;
}

let pinoModule: typeof Pino | undefined;
/** pino loads when the first logger is made (about 30 ms of CPU), so `--help` does not pay for it. */
function loadPino(): typeof Pino.pino {
  pinoModule ??= createRequire(import.meta.url)('pino') as typeof Pino;
  return pinoModule.pino;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const pino = loadPino();
  for (const name of SECRET_ENV) registerSecret(process.env[name]);
  for (const secret of settings.secrets ?? []) registerSecret(secret);
  const envFormat = process.env['DELTALAKE_HUB_LOG_FORMAT'];
  const format: LogFormat =
    settings.format ??
    (settings.pretty === undefined ? undefined : settings.pretty ? 'text' : 'json') ??
    (envFormat === 'json' || envFormat === 'text' ? envFormat : settings.destination === undefined ? 'text' : 'json');
  const options: LoggerOptions = {
    level: settings.level ?? process.env['DELTALAKE_HUB_LOG_LEVEL'] ?? 'info',
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    hooks: { streamWrite: scrubSecrets },
  };
  if (format === 'text') return pino(options, textStream(settings.destination));
  return pino(options, settings.destination ?? pino.destination({ fd: 2, sync: true }));
}

/**
 * One line per event: time, level, message, then its fields as compact JSON. Written synchronously,
 * so log lines, progress lines and the summary never interleave; coloured only on a terminal.
 */
function textStream(destination: DestinationStream | undefined): DestinationStream {
  // Loaded here, not at start-up: a command that logs nothing never pays for it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as (options: Record<string, unknown>) => DestinationStream;
  const tty = destination === undefined && process.stderr.isTTY === true;
  return pretty({
    destination: destination ?? 2,
    sync: true,
    singleLine: true,
    colorize: tty && process.env['NO_COLOR'] === undefined,
    // A terminal shows the time of day; a pipeline's log the full UTC time.
    translateTime: tty ? 'SYS:HH:MM:ss' : 'UTC:yyyy-mm-dd"T"HH:MM:ss.l"Z"',
    ignore: 'pid,hostname,runId',
  });
}

/** A child logger that stamps every line with the run id. */
export function runLogger(logger: Logger, runId: string): Logger {
  return logger.child({ runId });
}

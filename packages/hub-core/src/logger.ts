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

export interface LoggerSettings {
  readonly level?: string | undefined;
  /** Human-readable output; defaults to whether the destination is a TTY. */
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
  const destination = settings.destination ?? pino.destination({ fd: 2, sync: true });
  const pretty = settings.pretty ?? (settings.destination === undefined && process.stderr.isTTY === true);
  const options: LoggerOptions = {
    level: settings.level ?? process.env['DELTALAKE_HUB_LOG_LEVEL'] ?? 'info',
    base: undefined,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    hooks: { streamWrite: scrubSecrets },
  };
  if (pretty) {
    const stream = prettyStream();
    if (stream) return pino(options, stream);
  }
  return pino(options, destination);
}

function prettyStream(): DestinationStream | undefined {
  const pino = loadPino();
  try {
    // pino-pretty is synchronous here so progress lines and the summary do not interleave.
    return pino.transport({ target: 'pino-pretty', options: { destination: 2, colorize: true, ignore: 'runId', translateTime: 'HH:MM:ss' } }) as DestinationStream;
  } catch {
    return undefined;
  }
}

/** A child logger that stamps every line with the run id. */
export function runLogger(logger: Logger, runId: string): Logger {
  return logger.child({ runId });
}

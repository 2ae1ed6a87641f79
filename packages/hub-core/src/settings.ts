import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { SettingsError } from './errors.js';
import type { EngineName } from './engines/dialect.js';

/** The embedded engine's folder of `<catalog>.duckdb` files when none is given, under the project's root. */
export const DEFAULT_WAREHOUSE = '.deltalake-hub/warehouse';

/**
 * The default warehouse: `.deltalake-hub/warehouse` beside the nearest package.json from `cwd`
 * upwards (else in `cwd`), so every command run anywhere inside one project uses the same one.
 */
export function defaultWarehouse(cwd: string = process.cwd()): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, DEFAULT_WAREHOUSE);
    if (dirname(dir) === dir) return resolve(cwd, DEFAULT_WAREHOUSE);
  }
}

/** Everything configurable by environment, overridable by CLI flags. */
const SettingsSchema = z.object({
  engine: z.enum(['duckdb', 'spark', 'databricks']).default('duckdb'),
  warehouse: z.string().min(1).default(DEFAULT_WAREHOUSE),
  duckdbMemoryLimit: z.string().regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'a size such as 512MB or 4GB').optional(),
  duckdbThreads: z.coerce.number().int().positive('a positive whole number').optional(),
  duckdbLockTimeoutMs: z.coerce.number().int().nonnegative('milliseconds, 0 or more').default(30_000),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  logFormat: z.enum(['text', 'json']).default('text'),
  sparkHost: z.string().default('127.0.0.1'),
  /** When absent, the port `pnpm spark:start` recorded, else 10000. */
  sparkPort: z.coerce.number().int().min(1).max(65535).optional(),
  /** The Databricks session's STATEMENT_TIMEOUT (default 3600; 0 keeps the warehouse's, at most 2 days). */
  databricksStatementTimeoutSeconds: z.coerce.number().int().min(0, 'seconds, 0 to 172800').max(172_800, 'seconds, 0 to 172800').optional(),
  /** The hub's own deadline per Databricks statement, queueing included; default: the timeout plus 10 minutes. */
  databricksStatementDeadlineSeconds: z.coerce.number().nonnegative('seconds, 0 or more').optional(),
});

/** Everything configurable by environment, overridable by CLI flags (docs/cli.md, Settings). */
export interface Settings {
  readonly engine: 'duckdb' | 'spark' | 'databricks';
  readonly warehouse: string;
  readonly duckdbMemoryLimit?: string | undefined;
  readonly duckdbThreads?: number | undefined;
  readonly duckdbLockTimeoutMs: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly logFormat: 'text' | 'json';
  readonly sparkHost: string;
  /** When absent, the port `pnpm spark:start` recorded, else 10000. */
  readonly sparkPort?: number | undefined;
  /** The Databricks session's STATEMENT_TIMEOUT (default 3600; 0 keeps the warehouse's, at most 2 days). */
  readonly databricksStatementTimeoutSeconds?: number | undefined;
  /** The hub's own deadline per Databricks statement, queueing included; default: the timeout plus 10 minutes. */
  readonly databricksStatementDeadlineSeconds?: number | undefined;
}

// The schema parses exactly the Settings above: a field added to one and not the other fails the build.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const settingsMatchSchema: Same<Required<Settings>, Required<{ readonly [K in keyof z.infer<typeof SettingsSchema>]: z.infer<typeof SettingsSchema>[K] }>> = true;
void settingsMatchSchema;

/** Where each setting comes from in the environment; the name is used in error messages. */
export const SETTINGS_ENV: Record<keyof Settings, string> = {
  engine: 'DELTALAKE_HUB_ENGINE',
  warehouse: 'DELTALAKE_HUB_WAREHOUSE',
  duckdbMemoryLimit: 'DELTALAKE_HUB_DUCKDB_MEMORY_LIMIT',
  duckdbThreads: 'DELTALAKE_HUB_DUCKDB_THREADS',
  duckdbLockTimeoutMs: 'DELTALAKE_HUB_DUCKDB_LOCK_TIMEOUT_MS',
  logLevel: 'DELTALAKE_HUB_LOG_LEVEL',
  logFormat: 'DELTALAKE_HUB_LOG_FORMAT',
  sparkHost: 'DELTALAKE_HUB_SPARK_HOST',
  sparkPort: 'DELTALAKE_HUB_SPARK_PORT',
  databricksStatementTimeoutSeconds: 'DELTALAKE_HUB_DATABRICKS_STATEMENT_TIMEOUT_SECONDS',
  databricksStatementDeadlineSeconds: 'DELTALAKE_HUB_DATABRICKS_STATEMENT_DEADLINE_SECONDS',
};

/** Flags win over environment; empty strings count as not given. */
export function loadSettings(flags: Partial<Record<keyof Settings, unknown>> = {}, env: NodeJS.ProcessEnv = process.env): Settings {
  const raw: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  for (const key of Object.keys(SETTINGS_ENV) as (keyof Settings)[]) {
    const flag = flags[key];
    const fromEnv = env[SETTINGS_ENV[key]];
    if (flag !== undefined && flag !== '') {
      raw[key] = flag;
      origin[key] = `flag --${kebab(key)}`;
    } else if (fromEnv !== undefined && fromEnv !== '') {
      raw[key] = fromEnv;
      origin[key] = SETTINGS_ENV[key];
    }
  }
  // A given folder is taken from the working directory; the default from the project's root.
  raw['warehouse'] = typeof raw['warehouse'] === 'string' ? resolve(raw['warehouse']) : defaultWarehouse();
  const parsed = SettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const where = origin[key] ?? SETTINGS_ENV[key as keyof Settings] ?? key;
      return `${where}=${JSON.stringify(raw[key])}: expected ${issue.message}`;
    });
    throw new SettingsError(`invalid settings:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export function isEngineName(value: string): value is EngineName {
  return value === 'duckdb' || value === 'spark' || value === 'databricks';
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

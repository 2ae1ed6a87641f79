import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as Ini from 'ini';
import { SettingsError } from '../../errors.js';
import { registerSecret } from '../../logger.js';

export type DatabricksAuth =
  | { readonly kind: 'pat'; readonly token: string }
  | { readonly kind: 'oauth-m2m'; readonly clientId: string; readonly clientSecret: string };

/** Everything needed to open a session on a SQL warehouse, resolved the way Databricks unified auth does. */
export interface DatabricksConnection {
  /** Workspace host without scheme or trailing slash, e.g. `adb-123.4.azuredatabricks.net`. */
  readonly host: string;
  /** The warehouse's HTTP path, e.g. `/sql/1.0/warehouses/abc123`. */
  readonly path: string;
  readonly auth: DatabricksAuth;
  readonly catalog?: string | undefined;
  readonly schema?: string | undefined;
  /** The config-file profile that contributed values, if any (for messages). */
  readonly profile?: string | undefined;
}

/** Keys of a `~/.databrickscfg` profile that the hub reads. */
type ProfileKey = 'host' | 'token' | 'client_id' | 'client_secret' | 'warehouse_id' | 'http_path' | 'auth_type';

const ENV: Record<ProfileKey, string> = {
  host: 'DATABRICKS_HOST',
  token: 'DATABRICKS_TOKEN',
  client_id: 'DATABRICKS_CLIENT_ID',
  client_secret: 'DATABRICKS_CLIENT_SECRET',
  warehouse_id: 'DATABRICKS_WAREHOUSE_ID',
  http_path: 'DATABRICKS_HTTP_PATH',
  auth_type: 'DATABRICKS_AUTH_TYPE',
};

type Values = Partial<Record<ProfileKey, string>>;

const HOW_TO =
  'Set DATABRICKS_HOST, DATABRICKS_WAREHOUSE_ID (or DATABRICKS_HTTP_PATH) and DATABRICKS_TOKEN ' +
  '(or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET), or name a ~/.databrickscfg profile with DATABRICKS_CONFIG_PROFILE';

/**
 * Resolves the connection from environment variables and a config-file profile.
 * Environment values win over the profile's, key by key. Secrets are registered with the
 * logger as soon as they are read and never appear in an error message.
 */
export function resolveDatabricksConnection(env: NodeJS.ProcessEnv): DatabricksConnection {
  const fromEnv: Values = {};
  for (const key of Object.keys(ENV) as ProfileKey[]) {
    const value = env[ENV[key]]?.trim();
    if (value) fromEnv[key] = value;
  }
  const { values: fromProfile, profile, file } = readProfile(env);
  registerSecret(fromEnv.token);
  registerSecret(fromEnv.client_secret);
  registerSecret(fromProfile.token);
  registerSecret(fromProfile.client_secret);

  const where = (key: ProfileKey): string =>
    fromEnv[key] !== undefined ? ENV[key] : profile ? `${key} in profile [${profile}] of ${file}` : ENV[key];
  const missing: string[] = [];

  const rawHost = fromEnv.host ?? fromProfile.host;
  const host = rawHost === undefined ? undefined : normalizeHost(rawHost, where('host'));
  if (host === undefined) missing.push(`the workspace host (${ENV.host}, e.g. adb-1234567890123456.7.azuredatabricks.net)`);

  const path = warehousePath(fromEnv, where) ?? warehousePath(fromProfile, where);
  if (path === undefined) missing.push(`the SQL warehouse (${ENV.warehouse_id}, or ${ENV.http_path} such as /sql/1.0/warehouses/<id>)`);

  const auth = chooseAuth(authValues(fromEnv, fromProfile), fromEnv.auth_type ?? fromProfile.auth_type);
  if (auth === undefined) missing.push(`credentials (${ENV.token}, or ${ENV.client_id} and ${ENV.client_secret} for a service principal)`);

  if (host === undefined || path === undefined || auth === undefined) {
    const source = profile ? ` (read the environment and profile [${profile}] of ${file})` : ' (read the environment; no config-file profile found)';
    throw new SettingsError(`cannot connect to Databricks: missing ${missing.join('; ')}${source}. ${HOW_TO}`);
  }
  return {
    host,
    path,
    auth,
    catalog: env['DATABRICKS_CATALOG']?.trim() || undefined,
    schema: env['DATABRICKS_SCHEMA']?.trim() || undefined,
    profile,
  };
}

/** Reads the named profile (or DEFAULT) from DATABRICKS_CONFIG_FILE or ~/.databrickscfg. */
function readProfile(env: NodeJS.ProcessEnv): { values: Values; profile?: string | undefined; file: string } {
  const named = env['DATABRICKS_CONFIG_PROFILE']?.trim() || undefined;
  const file = env['DATABRICKS_CONFIG_FILE']?.trim() || join(env['HOME'] || env['USERPROFILE'] || homedir(), '.databrickscfg');
  if (!existsSync(file)) {
    if (named) throw new SettingsError(`DATABRICKS_CONFIG_PROFILE=${named} but the config file ${file} does not exist; create it or set DATABRICKS_CONFIG_FILE`);
    return { values: {}, file };
  }
  let sections: Record<string, unknown>;
  try {
    // ini loads when a profile file is read, not at every CLI start.
    sections = (createRequire(import.meta.url)('ini') as typeof Ini).parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new SettingsError(`cannot read the Databricks config file ${file}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  const profile = named ?? 'DEFAULT';
  const section = findSection(sections, profile);
  if (section === undefined) {
    // Without a named profile a missing DEFAULT section just means "use the environment".
    if (!named) return { values: {}, file };
    const known = Object.keys(sections).join(', ') || 'none';
    throw new SettingsError(`DATABRICKS_CONFIG_PROFILE=${named}: no profile [${named}] in ${file} (profiles: ${known})`);
  }
  const values: Values = {};
  for (const key of Object.keys(ENV) as ProfileKey[]) {
    const value = section[key];
    // ini turns `true`/`false` into booleans; every key we read is text.
    const text = value === undefined || value === null || typeof value === 'object' ? undefined : String(value).trim();
    if (text) values[key] = text;
  }
  return { values, profile, file };
}

/** ini nests dotted section names (`[a.b]` becomes `{a: {b: ...}}`), so a profile name is looked up both ways. */
function findSection(sections: Record<string, unknown>, profile: string): Record<string, unknown> | undefined {
  const direct = sections[profile];
  if (isRecord(direct)) return direct;
  let node: unknown = sections;
  for (const part of profile.split('.')) node = isRecord(node) ? node[part] : undefined;
  return isRecord(node) ? node : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function normalizeHost(raw: string, where: string): string {
  const host = raw.replace(/^https?:\/\//i, '').replace(/\/+$/, '');
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(host)) {
    throw new SettingsError(`${where}=${JSON.stringify(raw)}: expected a workspace host such as adb-1234567890123456.7.azuredatabricks.net (no path)`);
  }
  return host;
}

/** An explicit HTTP path wins over a warehouse id given at the same level. */
function warehousePath(values: Values, where: (key: ProfileKey) => string): string | undefined {
  if (values.http_path !== undefined) return values.http_path.startsWith('/') ? values.http_path : `/${values.http_path}`;
  if (values.warehouse_id === undefined) return undefined;
  if (!/^[A-Za-z0-9]+$/.test(values.warehouse_id)) {
    throw new SettingsError(`${where('warehouse_id')}=${JSON.stringify(values.warehouse_id)}: expected a warehouse id such as 1a2b3c4d5e6f7a8b`);
  }
  return `/sql/1.0/warehouses/${values.warehouse_id}`;
}

/**
 * Credentials in the environment replace the profile's: a token alone stands by itself, while a
 * client id or secret is completed from the profile (the other half may live there).
 */
function authValues(fromEnv: Values, fromProfile: Values): Values {
  const envOAuth = fromEnv.client_id !== undefined || fromEnv.client_secret !== undefined;
  if (fromEnv.token === undefined && !envOAuth) return fromProfile;
  if (!envOAuth) return { token: fromEnv.token };
  return {
    token: fromEnv.token,
    client_id: fromEnv.client_id ?? fromProfile.client_id,
    client_secret: fromEnv.client_secret ?? fromProfile.client_secret,
  };
}

function chooseAuth(values: Values, authType: string | undefined): DatabricksAuth | undefined {
  const { token, client_id: clientId, client_secret: clientSecret } = values;
  const hasOAuth = clientId !== undefined || clientSecret !== undefined;
  if (token === undefined && !hasOAuth) return undefined;
  if (token !== undefined && (!hasOAuth || authType === 'pat')) return { kind: 'pat', token };
  if (token !== undefined && authType !== 'oauth-m2m') {
    throw new SettingsError('both a token and a client id/secret are configured; remove one, or set DATABRICKS_AUTH_TYPE to pat or oauth-m2m');
  }
  if (clientId === undefined || clientSecret === undefined) {
    // Without a secret the connector would start a browser login, which a scheduled job cannot finish.
    const absent = clientId === undefined ? 'client id (DATABRICKS_CLIENT_ID or client_id)' : 'client secret (DATABRICKS_CLIENT_SECRET or client_secret)';
    throw new SettingsError(`incomplete service principal credentials: the ${absent} is missing`);
  }
  return { kind: 'oauth-m2m', clientId, clientSecret };
}

/** A one-line description without secrets, for logs and error messages. */
export function describeConnection(connection: DatabricksConnection): string {
  const auth = connection.auth.kind === 'pat' ? 'token' : `service principal ${connection.auth.clientId}`;
  return `${connection.host}${connection.path} (${auth}${connection.profile ? `, profile ${connection.profile}` : ''})`;
}

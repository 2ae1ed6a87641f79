import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HubError } from '../../errors.js';
import { scrubSecrets } from '../../logger.js';
import { resolveDatabricksConnection } from './databricks-auth.js';

const dir = mkdtempSync(join(tmpdir(), 'dbx-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NO_FILE = join(dir, 'does-not-exist.cfg');
const TOKEN = 'dapi0123456789abcdef-env';
const PROFILE_TOKEN = 'dapiprofile0123456789';
const SECRET = 'dose0123456789abcdefsecret';

function configFile(text: string): string {
  const file = join(dir, `cfg-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  return file;
}

function thrown(fn: () => unknown): HubError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HubError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('Databricks connection from the environment', () => {
  it('reads host, warehouse id, token, catalog and schema, normalising the host', () => {
    const connection = resolveDatabricksConnection({
      DATABRICKS_CONFIG_FILE: NO_FILE,
      DATABRICKS_HOST: 'https://adb-123.4.azuredatabricks.net/',
      DATABRICKS_WAREHOUSE_ID: 'abc123def',
      DATABRICKS_TOKEN: TOKEN,
      DATABRICKS_CATALOG: 'main',
      DATABRICKS_SCHEMA: 'bronze',
    });
    expect(connection).toEqual({
      host: 'adb-123.4.azuredatabricks.net',
      path: '/sql/1.0/warehouses/abc123def',
      auth: { kind: 'pat', token: TOKEN },
      catalog: 'main',
      schema: 'bronze',
      profile: undefined,
    });
  });

  it('takes an HTTP path and service-principal credentials', () => {
    const connection = resolveDatabricksConnection({
      DATABRICKS_CONFIG_FILE: NO_FILE,
      DATABRICKS_HOST: 'dbc-1.cloud.databricks.com',
      DATABRICKS_HTTP_PATH: 'sql/1.0/warehouses/xyz',
      DATABRICKS_CLIENT_ID: 'sp-client-id',
      DATABRICKS_CLIENT_SECRET: SECRET,
    });
    expect(connection.path).toBe('/sql/1.0/warehouses/xyz');
    expect(connection.auth).toEqual({ kind: 'oauth-m2m', clientId: 'sp-client-id', clientSecret: SECRET });
    expect(connection.catalog).toBeUndefined();
  });

  it('registers the token and client secret so no log line can carry them', () => {
    resolveDatabricksConnection({
      DATABRICKS_CONFIG_FILE: NO_FILE,
      DATABRICKS_HOST: 'h.example.com',
      DATABRICKS_WAREHOUSE_ID: 'w1',
      DATABRICKS_CLIENT_ID: 'id',
      DATABRICKS_CLIENT_SECRET: 'registered-only-here-0123456789',
    });
    expect(scrubSecrets('secret is registered-only-here-0123456789.')).toBe('secret is [REDACTED].');
  });

  it('names what is missing and how to set it, without any secret', () => {
    const error = thrown(() => resolveDatabricksConnection({ DATABRICKS_CONFIG_FILE: NO_FILE, DATABRICKS_TOKEN: TOKEN }));
    expect(error.code).toBe('SETTINGS_INVALID');
    expect(error.message).toContain('DATABRICKS_HOST');
    expect(error.message).toContain('DATABRICKS_WAREHOUSE_ID');
    expect(error.message).toContain('DATABRICKS_CONFIG_PROFILE');
    expect(error.message).not.toContain('credentials (');
    expect(error.message).not.toContain(TOKEN);
  });

  it('reports a missing warehouse alone when the host and token are there', () => {
    const error = thrown(() => resolveDatabricksConnection({ DATABRICKS_CONFIG_FILE: NO_FILE, DATABRICKS_HOST: 'h.example.com', DATABRICKS_TOKEN: TOKEN }));
    expect(error.message).toMatch(/missing the SQL warehouse \(DATABRICKS_WAREHOUSE_ID, or DATABRICKS_HTTP_PATH/);
    expect(error.message).not.toContain('workspace host (');
  });

  it('refuses a client id without its secret instead of starting a browser login', () => {
    const error = thrown(() =>
      resolveDatabricksConnection({ DATABRICKS_CONFIG_FILE: NO_FILE, DATABRICKS_HOST: 'h.example.com', DATABRICKS_WAREHOUSE_ID: 'w1', DATABRICKS_CLIENT_ID: 'id' }),
    );
    expect(error.code).toBe('SETTINGS_INVALID');
    expect(error.message).toMatch(/client secret \(DATABRICKS_CLIENT_SECRET/);
  });

  it('rejects a host with a path and a warehouse id that is not an id', () => {
    const base = { DATABRICKS_CONFIG_FILE: NO_FILE, DATABRICKS_TOKEN: TOKEN };
    expect(() => resolveDatabricksConnection({ ...base, DATABRICKS_HOST: 'https://h.example.com/sql/1.0', DATABRICKS_WAREHOUSE_ID: 'w1' })).toThrow(
      /DATABRICKS_HOST="https:\/\/h.example.com\/sql\/1.0": expected a workspace host/,
    );
    expect(() => resolveDatabricksConnection({ ...base, DATABRICKS_HOST: 'h.example.com', DATABRICKS_WAREHOUSE_ID: '../x' })).toThrow(
      /DATABRICKS_WAREHOUSE_ID="..\/x": expected a warehouse id/,
    );
  });
});

describe('Databricks connection from a config-file profile', () => {
  const file = configFile(
    [
      '[DEFAULT]',
      'host = https://default.cloud.databricks.com',
      `token = ${PROFILE_TOKEN}`,
      'warehouse_id = defaultwh',
      '',
      '[prod]',
      'host = https://prod.azuredatabricks.net/',
      'client_id = prod-sp',
      `client_secret = ${SECRET}`,
      'http_path = /sql/1.0/warehouses/prodwh',
      '',
      '[team.dev]',
      'host = dev.cloud.databricks.com',
      `token = ${PROFILE_TOKEN}`,
      'warehouse_id = devwh',
    ].join('\n'),
  );

  it('reads the profile named by DATABRICKS_CONFIG_PROFILE', () => {
    const connection = resolveDatabricksConnection({ DATABRICKS_CONFIG_FILE: file, DATABRICKS_CONFIG_PROFILE: 'prod' });
    expect(connection).toMatchObject({
      host: 'prod.azuredatabricks.net',
      path: '/sql/1.0/warehouses/prodwh',
      auth: { kind: 'oauth-m2m', clientId: 'prod-sp', clientSecret: SECRET },
      profile: 'prod',
    });
  });

  it('reads DEFAULT when no profile is named, and a dotted profile name', () => {
    expect(resolveDatabricksConnection({ DATABRICKS_CONFIG_FILE: file })).toMatchObject({ host: 'default.cloud.databricks.com', path: '/sql/1.0/warehouses/defaultwh', profile: 'DEFAULT' });
    // A token read from a file is no environment variable the logger knows, so reading it must register it.
    expect(scrubSecrets(`token=${PROFILE_TOKEN}`)).toBe('token=[REDACTED]');
    expect(resolveDatabricksConnection({ DATABRICKS_CONFIG_FILE: file, DATABRICKS_CONFIG_PROFILE: 'team.dev' }).path).toBe('/sql/1.0/warehouses/devwh');
  });

  it('finds ~/.databrickscfg through HOME when no file is named', () => {
    const home = mkdtempSync(join(dir, 'home-'));
    writeFileSync(join(home, '.databrickscfg'), `[DEFAULT]\nhost = home.example.com\ntoken = ${PROFILE_TOKEN}\nwarehouse_id = homewh\n`);
    expect(resolveDatabricksConnection({ HOME: home }).host).toBe('home.example.com');
  });

  it('lets environment variables override the profile key by key', () => {
    const connection = resolveDatabricksConnection({
      DATABRICKS_CONFIG_FILE: file,
      DATABRICKS_CONFIG_PROFILE: 'prod',
      DATABRICKS_HOST: 'override.azuredatabricks.net',
      DATABRICKS_WAREHOUSE_ID: 'envwh',
      DATABRICKS_CLIENT_SECRET: `${SECRET}-env`,
    });
    expect(connection).toMatchObject({
      host: 'override.azuredatabricks.net',
      // The environment's warehouse id beats the profile's http_path: the environment is one level up.
      path: '/sql/1.0/warehouses/envwh',
      auth: { kind: 'oauth-m2m', clientId: 'prod-sp', clientSecret: `${SECRET}-env` },
    });
  });

  it('uses a token from the environment instead of the profile service principal', () => {
    const connection = resolveDatabricksConnection({ DATABRICKS_CONFIG_FILE: file, DATABRICKS_CONFIG_PROFILE: 'prod', DATABRICKS_TOKEN: TOKEN });
    expect(connection.auth).toEqual({ kind: 'pat', token: TOKEN });
  });

  it('names the profile and the file when the profile lacks a value', () => {
    const partial = configFile('[ci]\nhost = ci.example.com\n');
    const error = thrown(() => resolveDatabricksConnection({ DATABRICKS_CONFIG_FILE: partial, DATABRICKS_CONFIG_PROFILE: 'ci' }));
    expect(error.message).toContain(`profile [ci] of ${partial}`);
    expect(error.message).toContain('the SQL warehouse');
    expect(error.message).toContain('credentials');
  });

  it('fails clearly on an unknown profile or a missing file', () => {
    expect(() => resolveDatabricksConnection({ DATABRICKS_CONFIG_FILE: file, DATABRICKS_CONFIG_PROFILE: 'nope' })).toThrow(/no profile \[nope\] in .*profiles: DEFAULT, prod, team/);
    expect(() => resolveDatabricksConnection({ DATABRICKS_CONFIG_FILE: NO_FILE, DATABRICKS_CONFIG_PROFILE: 'prod' })).toThrow(/does not exist/);
  });

  it('refuses a profile with both a token and a service principal unless the auth type says which', () => {
    const both = configFile(`[both]\nhost = h.example.com\nwarehouse_id = w\ntoken = ${PROFILE_TOKEN}\nclient_id = sp\nclient_secret = ${SECRET}\n`);
    const env = { DATABRICKS_CONFIG_FILE: both, DATABRICKS_CONFIG_PROFILE: 'both' };
    const error = thrown(() => resolveDatabricksConnection(env));
    expect(error.message).toMatch(/both a token and a client id\/secret/);
    expect(error.message).not.toContain(PROFILE_TOKEN);
    expect(error.message).not.toContain(SECRET);
    expect(resolveDatabricksConnection({ ...env, DATABRICKS_AUTH_TYPE: 'oauth-m2m' }).auth.kind).toBe('oauth-m2m');
    expect(resolveDatabricksConnection({ ...env, DATABRICKS_AUTH_TYPE: 'pat' }).auth.kind).toBe('pat');
  });
});

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configCsv, runCli, summaryOf, tempDir, writeFile, type ProcResult } from './support.js';

const TOKEN = 'dapiRELIABILITY0token0f00d0cafe0beef1234';
const CLIENT_ID = 'reliability-sp-client-id';
const CLIENT_SECRET = 'doseRELIABILITYclientSecret0ab12cd34ef56';
const PROFILE_TOKEN = 'dapiPROFILE0token0from0databrickscfg9876';

/** Every form a secret could leak in: as is, URL-encoded, base64 (alone or as Basic user:secret). */
function leakForms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), Buffer.from(`${CLIENT_ID}:${secret}`).toString('base64'), secret.slice(4, 24)];
}

function expectNoSecrets(result: ProcResult): void {
  const output = `${result.stdout}\n${result.stderr}`;
  for (const secret of [TOKEN, CLIENT_SECRET, PROFILE_TOKEN]) {
    for (const form of leakForms(secret)) expect(output.includes(form), `secret form ${form} leaked:\n${output.slice(0, 4000)}`).toBe(false);
  }
}

const SECRET_ENV = { DATABRICKS_TOKEN: TOKEN, DATABRICKS_CLIENT_SECRET: CLIENT_SECRET, DATABRICKS_CLIENT_ID: CLIENT_ID };

/**
 * Debug logs and error paths of runs with distinctive credentials in the environment (and in a
 * ~/.databrickscfg profile): no form of a secret reaches stdout or stderr.
 */
describe('secrets', () => {
  let dir: string;
  let config: string;
  let cloudConfig: string;

  beforeAll(() => {
    dir = tempDir('sec');
    const raw = join(dir, 'raw');
    writeFile(join(raw, 't_20240309.csv'), 'id,v\n1,a\n2,b\n');
    writeFile(join(raw, 't_20240308.csv'), 'id,v\n3,c,extra\n');
    config = writeFile(join(dir, 'config.csv'), configCsv([{ category: 't', subcategory: 't', pattern: 't_*.csv', source: `${raw}/`, format: 'delimited', catalog: 'sec', table: 't_raw' }]));
    cloudConfig = writeFile(
      join(dir, 'cloud.csv'),
      configCsv([{ category: 't', subcategory: 't', pattern: 't_*.csv', source: 'abfss://raw@acct.dfs.core.windows.net/t/', format: 'delimited', catalog: 'main', table: 't_raw' }]),
    );
  });

  const bronzeRun = (extra: readonly string[], env: Record<string, string>, cfg = config) =>
    runCli(['bronze', 'run', '--config', cfg, '--as-of', '2024-03-10', '--log-level', 'debug', ...extra], { env: { ...SECRET_ENV, ...env } });

  it('duckdb bronze run at debug level (with a quarantined file): no secret in the output', async () => {
    const result = await bronzeRun(['--warehouse', tempDir('wh-sec')], {});
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/"msg":"statement"/);
    expectNoSecrets(result);
  });

  it('duckdb bronze run with --json at trace level: no secret in the JSON or the logs', async () => {
    const result = await runCli(['bronze', 'run', '--json', '--config', config, '--as-of', '2024-03-10', '--log-level', 'trace', '--warehouse', tempDir('wh-sec')], { env: SECRET_ENV });
    expect(summaryOf(result).status).toBe('PARTIAL');
    expectNoSecrets(result);
  });

  it('databricks with a token, warehouse unreachable (connection refused, retried): exit 1, no secret', async () => {
    const result = await bronzeRun(['--engine', 'databricks'], { DATABRICKS_HOST: '127.0.0.1', DATABRICKS_WAREHOUSE_ID: 'abc123', DATABRICKS_CLIENT_SECRET: '', DATABRICKS_CLIENT_ID: '' }, cloudConfig);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/cannot open a session on Databricks SQL warehouse 127\.0\.0\.1/);
    expectNoSecrets(result);
  });

  it('databricks with a token, host with a port (127.0.0.1:1): exit 1, no secret', async () => {
    const result = await bronzeRun(['--engine', 'databricks', '--json'], { DATABRICKS_HOST: '127.0.0.1:1', DATABRICKS_WAREHOUSE_ID: 'abc123', DATABRICKS_CLIENT_SECRET: '', DATABRICKS_CLIENT_ID: '' }, cloudConfig);
    expect(result.code, result.stderr).toBe(1);
    expect(summaryOf(result)).toMatchObject({ status: 'FAILED' });
    expectNoSecrets(result);
  });

  it('databricks with a service principal (OAuth M2M) that cannot sign in: exit 1, no secret', async () => {
    const result = await bronzeRun(['--engine', 'databricks'], { DATABRICKS_HOST: '127.0.0.1', DATABRICKS_HTTP_PATH: '/sql/1.0/warehouses/abc123', DATABRICKS_TOKEN: '' }, cloudConfig);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/service principal reliability-sp-client-id/);
    expectNoSecrets(result);
  });

  it('databricks with the token in a ~/.databrickscfg profile: exit 1, no secret', async () => {
    const home = tempDir('home');
    writeFile(join(home, '.databrickscfg'), `[reliability]\nhost = 127.0.0.1\ntoken = ${PROFILE_TOKEN}\nwarehouse_id = abc123\n`);
    const result = await bronzeRun(['--engine', 'databricks'], { HOME: home, DATABRICKS_CONFIG_PROFILE: 'reliability', DATABRICKS_TOKEN: '', DATABRICKS_CLIENT_SECRET: '', DATABRICKS_CLIENT_ID: '' }, cloudConfig);
    expect(result.code, result.stderr).toBe(1);
    expectNoSecrets(result);
  });

  it('databricks with credentials but no warehouse: a settings error listing what is missing, no secret', async () => {
    const result = await bronzeRun(['--engine', 'databricks'], { DATABRICKS_HOST: 'adb-1234567890123456.7.azuredatabricks.net', DATABRICKS_CLIENT_SECRET: '', DATABRICKS_CLIENT_ID: '' }, cloudConfig);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/missing .*SQL warehouse/);
    expectNoSecrets(result);
  });

  it('databricks with both a token and a client secret: an ambiguity error, no secret', async () => {
    const result = await bronzeRun(['--engine', 'databricks'], { DATABRICKS_HOST: 'adb-1234567890123456.7.azuredatabricks.net', DATABRICKS_WAREHOUSE_ID: 'abc123' }, cloudConfig);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/both a token and a client/);
    expectNoSecrets(result);
  });

  it('databricks `status` and `ddl apply` error paths at debug level: no secret', async () => {
    const env = { ...SECRET_ENV, DATABRICKS_HOST: '127.0.0.1', DATABRICKS_WAREHOUSE_ID: 'abc123', DATABRICKS_CLIENT_SECRET: '', DATABRICKS_CLIENT_ID: '' };
    const status = await runCli(['status', '--engine', 'databricks', '--catalog', 'main', '--log-level', 'debug'], { env });
    const ddl = await runCli(['ddl', 'apply', '--engine', 'databricks', '--catalog', 'main', '--log-level', 'debug', '--json'], { env });
    expect([status.code, ddl.code]).toEqual([1, 1]);
    expectNoSecrets(status);
    expectNoSecrets(ddl);
  });
});

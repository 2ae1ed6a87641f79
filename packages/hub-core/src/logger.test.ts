import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from './errors.js';
import { createLogger, registerSecret, runLogger, scrubSecrets } from './logger.js';

function capture() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return {
    destination,
    text: () => chunks.join(''),
    records: () => chunks.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

const saved = { ...process.env };
afterEach(() => {
  for (const key of ['DATABRICKS_TOKEN', 'DATABRICKS_CLIENT_SECRET', 'DELTALAKE_HUB_LOG_LEVEL']) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

describe('logger: secrets never reach a line', () => {
  it('redacts credential fields and scrubs registered secrets and bearer tokens from every string', () => {
    const envToken = 'dapi-env-token-5f1e2d3c4b5a69788796';
    const profileSecret = 'dose-profile-secret-0a1b2c3d4e5f';
    const bearer = 'eyJhbGciOiJSUzI1NiJ9.payload.signature';
    const fieldOnly = 'top-level-field-value-never-registered';
    process.env['DATABRICKS_TOKEN'] = envToken;
    registerSecret(profileSecret);
    const out = capture();
    const logger = createLogger({ destination: out.destination, level: 'debug' });

    logger.info(
      {
        token: fieldOnly,
        authorization: `Bearer ${bearer}`,
        clientSecret: fieldOnly,
        client_secret: fieldOnly,
        password: fieldOnly,
        headers: { Authorization: `Bearer ${bearer}` },
        connection: { token: fieldOnly, clientSecret: fieldOnly, host: 'adb-1.azuredatabricks.net' },
        note: `retrying with ${envToken}`,
      },
      `connecting with ${envToken} and ${profileSecret}; header Authorization: Bearer ${bearer}`,
    );
    logger.error({ err: new EngineError({ engine: 'databricks', statement: `SELECT '${profileSecret}'`, params: { token: fieldOnly }, cause: new Error(`bad token ${envToken}`), retryable: false }) }, 'failed');

    const text = out.text();
    for (const secret of [envToken, profileSecret, bearer, fieldOnly]) expect(text).not.toContain(secret);
    const [first, second] = out.records();
    expect(first).toMatchObject({
      token: '[REDACTED]',
      authorization: '[REDACTED]',
      clientSecret: '[REDACTED]',
      headers: { Authorization: '[REDACTED]' },
      connection: { token: '[REDACTED]', clientSecret: '[REDACTED]', host: 'adb-1.azuredatabricks.net' },
      note: 'retrying with [REDACTED]',
      msg: 'connecting with [REDACTED] and [REDACTED]; header Authorization: Bearer [REDACTED]',
    });
    expect(second).toMatchObject({ msg: 'failed', err: { params: { token: '[REDACTED]' } } });
    expect(JSON.stringify(second)).toContain('bad token [REDACTED]');
  });

  it('scrubs the client secret from DATABRICKS_CLIENT_SECRET too, but not short ordinary words', () => {
    process.env['DATABRICKS_CLIENT_SECRET'] = 'client-secret-from-env-778899';
    registerSecret('main');
    const out = capture();
    createLogger({ destination: out.destination }).warn('secret client-secret-from-env-778899 for catalog main');
    expect(out.records()[0]?.['msg']).toBe('secret [REDACTED] for catalog main');
    expect(scrubSecrets('Basic dXNlcjpwYXNz')).toBe('Basic [REDACTED]');
  });
});

describe('logger: levels and run loggers', () => {
  it('stamps every line of a run logger, and of its children, with the run id', () => {
    const out = capture();
    const run = runLogger(createLogger({ destination: out.destination }), 'run-2024-0042');
    run.info('started');
    run.child({ file: 'a.csv' }).info('loaded');
    expect(out.records()).toEqual([
      expect.objectContaining({ runId: 'run-2024-0042', msg: 'started' }),
      expect.objectContaining({ runId: 'run-2024-0042', file: 'a.csv', msg: 'loaded' }),
    ]);
  });

  it('takes its level from settings, else DELTALAKE_HUB_LOG_LEVEL, else info', () => {
    const explicit = capture();
    const warnOnly = createLogger({ destination: explicit.destination, level: 'warn' });
    warnOnly.info('hidden');
    warnOnly.warn('shown');
    expect(explicit.records().map((r) => r['msg'])).toEqual(['shown']);

    process.env['DELTALAKE_HUB_LOG_LEVEL'] = 'debug';
    const fromEnv = capture();
    createLogger({ destination: fromEnv.destination }).debug('debug line');
    expect(fromEnv.records().map((r) => r['msg'])).toEqual(['debug line']);

    delete process.env['DELTALAKE_HUB_LOG_LEVEL'];
    const fallback = capture();
    const logger = createLogger({ destination: fallback.destination });
    logger.debug('hidden');
    logger.info('shown');
    expect(fallback.records().map((r) => r['msg'])).toEqual(['shown']);
  });
});

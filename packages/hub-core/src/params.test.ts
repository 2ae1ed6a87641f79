import { describe, expect, it } from 'vitest';
import { ParameterError } from './errors.js';
import { createLogger } from './logger.js';
import { readJobParameters } from './params.js';

function rejection(fn: () => unknown): ParameterError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ParameterError) return error;
    throw error;
  }
  throw new Error('expected a ParameterError');
}

describe('readJobParameters', () => {
  const flags = { category: 'from-flag' };
  const env = { DELTALAKE_HUB_CATEGORY: 'from-env' };
  const job = { category: 'from-job' };
  const defaults = { category: 'from-default' };

  it('takes a flag over the environment over the job parameters over the default', () => {
    expect(readJobParameters({ flags, env, jobParameters: job, defaults }).category).toBe('from-flag');
    expect(readJobParameters({ env, jobParameters: job, defaults }).category).toBe('from-env');
    expect(readJobParameters({ env: {}, jobParameters: job, defaults }).category).toBe('from-job');
    expect(readJobParameters({ env: {}, defaults }).category).toBe('from-default');
    expect(readJobParameters({ env: {} })).toEqual({});
  });

  it('treats an empty string as not given, at every level', () => {
    const empty = { flags: { category: '' }, env: { DELTALAKE_HUB_CATEGORY: '' }, jobParameters: { category: '' } };
    expect(readJobParameters({ ...empty, defaults }).category).toBe('from-default');
    expect(readJobParameters({ ...empty, jobParameters: job, defaults }).category).toBe('from-job');
    expect(readJobParameters({ ...empty, env, defaults }).category).toBe('from-env');
    expect('category' in readJobParameters(empty)).toBe(false);
  });

  it('maps every parameter from its snake_case job name and its environment variable', () => {
    const fromJob = readJobParameters({
      env: {},
      jobParameters: { category: 'falcon', subcategory: 'orders', file_name: 'orders_*.csv', begin_date: '2024-01-01', end_date: '2024-01-31', config_path: 'c.yml', force: 'true', as_of: '2024-02-01' },
    });
    expect(fromJob).toEqual({ category: 'falcon', subcategory: 'orders', fileName: 'orders_*.csv', beginDate: '2024-01-01', endDate: '2024-01-31', configPath: 'c.yml', force: true, asOf: '2024-02-01' });
    const fromEnv = readJobParameters({
      env: {
        DELTALAKE_HUB_CATEGORY: 'falcon',
        DELTALAKE_HUB_SUBCATEGORY: 'orders',
        DELTALAKE_HUB_FILE_NAME: 'f.csv',
        DELTALAKE_HUB_BEGIN_DATE: '2024-01-01',
        DELTALAKE_HUB_END_DATE: '2024-01-31',
        DELTALAKE_HUB_CONFIG_PATH: 'c.yml',
        DELTALAKE_HUB_FORCE: 'false',
        DELTALAKE_HUB_AS_OF: '2024-02-01',
      },
    });
    expect(fromEnv).toEqual({ category: 'falcon', subcategory: 'orders', fileName: 'f.csv', beginDate: '2024-01-01', endDate: '2024-01-31', configPath: 'c.yml', force: false, asOf: '2024-02-01' });
  });

  it('reads job parameters given as JSON text, as an object, or from DELTALAKE_HUB_JOB_PARAMETERS', () => {
    const text = '{"category": "falcon", "file_name": "", "begin_date": 20240101}';
    expect(readJobParameters({ env: {}, jobParameters: text })).toEqual({ category: 'falcon', beginDate: '20240101' });
    expect(readJobParameters({ env: {}, jobParameters: { category: 'falcon', file_name: '' } })).toEqual({ category: 'falcon' });
    expect(readJobParameters({ env: { DELTALAKE_HUB_JOB_PARAMETERS: text } })).toEqual({ category: 'falcon', beginDate: '20240101' });
    // An explicit source wins over the environment's JSON.
    expect(readJobParameters({ env: { DELTALAKE_HUB_JOB_PARAMETERS: text }, jobParameters: { category: 'other' } }).category).toBe('other');
  });

  it('rejects job parameters that are not a JSON object', () => {
    for (const bad of ['{"category": ', '["falcon"]', '"falcon"', 'null']) {
      const error = rejection(() => readJobParameters({ env: {}, jobParameters: bad }));
      expect(error.code).toBe('PARAMETERS_INVALID');
      expect(error.parameter).toBe('job parameters');
      expect(error.message).toMatch(/expected a JSON object/);
    }
  });

  it('trims text and rejects a value that is not text', () => {
    expect(readJobParameters({ env: {}, flags: { category: '  falcon ' } }).category).toBe('falcon');
    const error = rejection(() => readJobParameters({ env: {}, jobParameters: { category: { nested: true } } }));
    expect(error.parameter).toBe('category');
    expect(error.message).toMatch(/expected text, got object/);
  });

  it('parses force from true/false text, booleans and the usual spellings', () => {
    expect(readJobParameters({ env: {}, jobParameters: '{"force": "true"}' }).force).toBe(true);
    expect(readJobParameters({ env: {}, jobParameters: '{"force": "false"}' }).force).toBe(false);
    expect(readJobParameters({ env: { DELTALAKE_HUB_FORCE: 'TRUE' } }).force).toBe(true);
    expect(readJobParameters({ env: {}, flags: { force: false }, jobParameters: { force: 'true' } }).force).toBe(false);
    expect(readJobParameters({ env: {}, jobParameters: { force: true } }).force).toBe(true);
    expect(readJobParameters({ env: { DELTALAKE_HUB_FORCE: '' }, defaults: { force: false } }).force).toBe(false);
  });

  it('rejects a force value that is neither true nor false', () => {
    const error = rejection(() => readJobParameters({ env: { DELTALAKE_HUB_FORCE: 'maybe' } }));
    expect(error.code).toBe('PARAMETERS_INVALID');
    expect(error.parameter).toBe('force');
    expect(error.message).toBe('parameter force: expected true or false, got "maybe"');
  });

  it('logs at info which parameters came from the environment, and nothing when none did', () => {
    const records: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'info', pretty: false, destination: { write: (line: string) => void records.push(JSON.parse(line) as Record<string, unknown>) } });
    readJobParameters({
      logger,
      flags: { category: 'from-flag' },
      env: { DELTALAKE_HUB_CATEGORY: 'overridden', DELTALAKE_HUB_FORCE: 'true', DELTALAKE_HUB_JOB_PARAMETERS: '{"begin_date": "2024-01-01", "category": "x"}' },
    });
    expect(records).toEqual([
      expect.objectContaining({
        level: 30,
        msg: 'job parameters from the environment: DELTALAKE_HUB_JOB_PARAMETERS.begin_date=2024-01-01, DELTALAKE_HUB_FORCE=true',
        fromEnvironment: { 'DELTALAKE_HUB_JOB_PARAMETERS.begin_date': '2024-01-01', DELTALAKE_HUB_FORCE: 'true' },
      }),
    ]);
    records.length = 0;
    readJobParameters({ logger, flags: { category: 'c' }, env: { DELTALAKE_HUB_CATEGORY: 'ignored', DELTALAKE_HUB_JOB_PARAMETERS: '{"end_date": "2024-01-02"}' }, jobParameters: '{}' });
    expect(records).toEqual([]);
  });
});

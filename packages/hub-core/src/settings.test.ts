import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsError } from './errors.js';
import { defaultWarehouse, isEngineName, loadSettings } from './settings.js';

function rejection(fn: () => unknown): SettingsError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error('expected a SettingsError');
}

describe('loadSettings', () => {
  it('has defaults for an empty environment', () => {
    // The tests run from the repository's root, which holds the workspace's package.json.
    expect(loadSettings({}, {})).toEqual({
      engine: 'duckdb',
      warehouse: join(process.cwd(), '.deltalake-hub', 'warehouse'),
      duckdbLockTimeoutMs: 30_000,
      logLevel: 'info',
      logFormat: 'text',
      sparkHost: '127.0.0.1',
    });
  });

  it('finds the default warehouse beside the nearest package.json, from any folder inside the project', () => {
    const project = mkdtempSync(join(tmpdir(), 'dlh-settings-'));
    writeFileSync(join(project, 'package.json'), '{}');
    mkdirSync(join(project, 'src', 'deep'), { recursive: true });
    expect(defaultWarehouse(join(project, 'src', 'deep'))).toBe(join(project, '.deltalake-hub', 'warehouse'));
    expect(defaultWarehouse(project)).toBe(join(project, '.deltalake-hub', 'warehouse'));
  });

  it('reads the environment and converts numbers', () => {
    const settings = loadSettings({}, {
      DELTALAKE_HUB_ENGINE: 'databricks',
      DELTALAKE_HUB_WAREHOUSE: '/data/wh',
      DELTALAKE_HUB_DUCKDB_THREADS: '4',
      DELTALAKE_HUB_DUCKDB_MEMORY_LIMIT: '2GB',
      DELTALAKE_HUB_DUCKDB_LOCK_TIMEOUT_MS: '0',
      DELTALAKE_HUB_SPARK_PORT: '10001',
    });
    expect(settings).toMatchObject({ engine: 'databricks', warehouse: '/data/wh', duckdbThreads: 4, duckdbMemoryLimit: '2GB', duckdbLockTimeoutMs: 0, sparkPort: 10001 });
  });

  it('takes flags over the environment, and an empty flag or variable as not given', () => {
    const env = { DELTALAKE_HUB_ENGINE: 'databricks', DELTALAKE_HUB_WAREHOUSE: '/env/wh', DELTALAKE_HUB_DUCKDB_THREADS: '2' };
    expect(loadSettings({ engine: 'spark', warehouse: '/flag/wh', duckdbThreads: 8 }, env)).toMatchObject({ engine: 'spark', warehouse: '/flag/wh', duckdbThreads: 8 });
    expect(loadSettings({ engine: '', warehouse: undefined }, env)).toMatchObject({ engine: 'databricks', warehouse: '/env/wh' });
    expect(loadSettings({}, { DELTALAKE_HUB_ENGINE: '' }).engine).toBe('duckdb');
  });

  it('names the variable, its value and what it expects when a value is bad', () => {
    const threads = rejection(() => loadSettings({}, { DELTALAKE_HUB_DUCKDB_THREADS: 'abc' }));
    expect(threads.code).toBe('SETTINGS_INVALID');
    expect(threads.message).toMatch(/DELTALAKE_HUB_DUCKDB_THREADS="abc": expected .*number/);

    const engine = rejection(() => loadSettings({}, { DELTALAKE_HUB_ENGINE: 'oracle' }));
    expect(engine.message).toMatch(/DELTALAKE_HUB_ENGINE="oracle": expected .*"duckdb"\|"spark"\|"databricks"/);

    expect(rejection(() => loadSettings({}, { DELTALAKE_HUB_DUCKDB_THREADS: '-2' })).message).toContain('DELTALAKE_HUB_DUCKDB_THREADS="-2": expected a positive whole number');
    expect(rejection(() => loadSettings({}, { DELTALAKE_HUB_DUCKDB_MEMORY_LIMIT: 'lots' })).message).toContain('DELTALAKE_HUB_DUCKDB_MEMORY_LIMIT="lots": expected a size such as 512MB or 4GB');
    expect(rejection(() => loadSettings({}, { DELTALAKE_HUB_DUCKDB_LOCK_TIMEOUT_MS: '-1' })).message).toContain('expected milliseconds, 0 or more');
    expect(rejection(() => loadSettings({}, { DELTALAKE_HUB_SPARK_PORT: '70000' })).message).toMatch(/DELTALAKE_HUB_SPARK_PORT="70000": expected .*65535/);
  });

  it('names the flag instead of the variable when the flag gave the bad value, and lists every problem', () => {
    const error = rejection(() => loadSettings({ engine: 'oracle', duckdbThreads: 'x' }, { DELTALAKE_HUB_ENGINE: 'spark', DELTALAKE_HUB_LOG_LEVEL: 'loud' }));
    const lines = error.message.split('\n');
    expect(lines[0]).toBe('invalid settings:');
    expect(lines.slice(1).sort()).toEqual([
      expect.stringMatching(/^DELTALAKE_HUB_LOG_LEVEL="loud": expected /),
      expect.stringMatching(/^flag --duckdb-threads="x": expected /),
      expect.stringMatching(/^flag --engine="oracle": expected /),
    ]);
  });

  it('knows the engine names', () => {
    expect(['duckdb', 'spark', 'databricks', 'oracle', ''].map(isEngineName)).toEqual([true, true, true, false, false]);
  });
});

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TestCatalogDialect } from './support/databricks-live.js';

const SCRIPT = join(import.meta.dirname, '..', 'scripts', 'test-databricks.mjs');

describe('pnpm test:databricks without a workspace', () => {
  it('prints one line saying what to set and exits 0', () => {
    const result = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent' } });
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(1);
    for (const name of ['DATABRICKS_HOST', 'DATABRICKS_TOKEN', 'DATABRICKS_CLIENT_ID', 'DATABRICKS_WAREHOUSE_ID', 'DELTALAKE_HUB_TEST_VOLUME']) expect(lines[0]).toContain(name);
  });

  it('does not start with only part of the settings (a volume but no workspace)', () => {
    const env = { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent', DELTALAKE_HUB_TEST_VOLUME: '/Volumes/main/test/landing' };
    expect(spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', env }).stdout).toMatch(/^databricks: live suite not run/);
  });
});

describe('the live suite\'s names', () => {
  it('folds each test\'s hub catalog into a schema of the one test catalog', () => {
    const dialect = new TestCatalogDialect('main');
    expect(dialect.tableName('e2e_databricks_7_1', 'falcon_bronze', 'credit_raw')).toBe('`main`.`e2e_databricks_7_1__falcon_bronze`.`credit_raw`');
    expect(dialect.schemaName('e2e_databricks_7_1', 'bronze_metadata')).toBe('`main`.`e2e_databricks_7_1__bronze_metadata`');
    expect(dialect.tableParts('c', 's', 't')).toEqual(['main', 'c__s', 't']);
  });
});

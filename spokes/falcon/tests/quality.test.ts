import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleVariables, readChecksFile, renderChecksSql } from '@org/deltalake-hub';
import { CHECKS_PATH } from '../src/bronze/falcon-bronze-runner.js';

const spoke = fileURLToPath(new URL('..', import.meta.url));

describe("falcon's checks file", () => {
  it('reads for every bundle target', async () => {
    for (const target of ['dev', 'staging', 'prod']) {
      const file = await readChecksFile(CHECKS_PATH, { variables: bundleVariables(`${spoke}databricks.yml`, target) });
      expect(new Set(file.checks.map((c) => c.table.catalog))).toEqual(new Set([`${target}_catalog`]));
      expect(file.checks.filter((c) => c.table.schema === 'falcon_silver').length).toBeGreaterThan(0);
    }
  });

  it("the silver job's SQL task runs exactly what `quality render` makes of the file's silver checks", async () => {
    const file = await readChecksFile(CHECKS_PATH, { variables: { catalog: 'catalog' } });
    const committed = readFileSync(`${spoke}src/quality/falcon_silver_checks.sql`, 'utf8');
    // Regenerate with: deltalake-hub quality render --checks configs/quality/falcon_checks.yml --schema falcon_silver > src/quality/falcon_silver_checks.sql
    expect(committed).toBe(renderChecksSql(file, { schemas: ['falcon_silver'], source: 'configs/quality/falcon_checks.yml' }));
    expect(readFileSync(`${spoke}resources/falcon_silver_job.yml`, 'utf8')).toContain('path: ../src/quality/falcon_silver_checks.sql');
  });
});

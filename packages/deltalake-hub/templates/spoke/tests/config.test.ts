import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleTargets, bundleVariables, readConfig } from '@org/deltalake-hub';

const BUNDLE = fileURLToPath(new URL('../databricks.yml', import.meta.url));
const CONFIG = fileURLToPath(new URL('../configs/bronze/__LOB___config.csv', import.meta.url));

describe('the __LOB__ config CSV', () => {
  it.each(bundleTargets(BUNDLE))('is valid for target %s', async (target) => {
    const variables = bundleVariables(BUNDLE, target);
    const rows = await readConfig(CONFIG, { variables });
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.lob).toBe('__LOB__');
      expect(row.destCatalog).toBe(variables['catalog']);
    }
  });
});

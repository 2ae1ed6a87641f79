import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleTargets, bundleVariables, readConfig } from '@org/deltalake-hub';

const BUNDLE = fileURLToPath(new URL('../databricks.yml', import.meta.url));
const CONFIG = fileURLToPath(new URL('../configs/bronze/falcon_config.csv', import.meta.url));

describe('the Falcon config CSV', () => {
  it('has the bundle targets dev, staging and prod', () => {
    expect(bundleTargets(BUNDLE)).toEqual(['dev', 'staging', 'prod']);
  });

  it.each(bundleTargets(BUNDLE))('is valid for target %s and lands in its catalog', async (target) => {
    const variables = bundleVariables(BUNDLE, target);
    const rows = await readConfig(CONFIG, { variables });
    expect(rows.map((r) => [r.category, r.subcategory, r.fileFormat, `${r.destCatalog}.${r.destSchema}.${r.destTable}`])).toEqual([
      ['transactions', 'credit', 'delimited', `${target}_catalog.falcon_bronze.credit_transactions_raw`],
      ['transactions', 'debit', 'delimited', `${target}_catalog.falcon_bronze.debit_transactions_raw`],
      ['events', 'clickstream', 'parquet', `${target}_catalog.falcon_bronze.clickstream_raw`],
      ['events', 'pageviews', 'parquet', `${target}_catalog.falcon_bronze.pageview_raw`],
    ]);
  });
});

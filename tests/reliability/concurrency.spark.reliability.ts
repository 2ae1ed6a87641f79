import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDataset } from './dataset.js';
import { freshCatalogConfig, spark, sparkConsistencyProblems, sparkPort } from './spark.js';
import { configCsv, runChild, SEED, summaryOf, tempDir, writeFile, type ChildRunOptions } from './support.js';

/**
 * Concurrent runs on Spark + Delta, where separate sessions write the same metadata tables:
 * two spokes (different LOBs, one metadata catalog) at once, and two runs of one job at once.
 */
describe.skipIf(spark.state === 'absent')('concurrency on spark', () => {
  const small = { creditFiles: 4, creditRows: 30, debitFiles: 3, debitRows: 20, eventFiles: 2, eventRows: 20 };

  it('two spokes of different LOBs sharing one metadata catalog, at once: both succeed, each file exactly once', async () => {
    const data = await buildDataset(small, SEED + 1);
    const { catalog } = freshCatalogConfig(data.config, data.catalog, 'relc');
    const folder = tempDir('spokes');
    const falcon = writeFile(
      join(folder, 'falcon.csv'),
      configCsv([{ category: 'transactions', subcategory: 'credit', pattern: 'transactions_*.csv', source: `${join(data.root, 'raw', 'credit')}/`, format: 'delimited', catalog, table: 'credit_raw' }], 'falcon'),
    );
    const eagle = writeFile(
      join(folder, 'eagle.csv'),
      configCsv([{ category: 'payments', subcategory: 'debit', pattern: 'debit_*.txt', source: `${join(data.root, 'raw', 'debit')}/`, format: 'delimited', delimiter: '|', catalog, schema: 'eagle_bronze', table: 'debit_raw' }], 'eagle'),
    );
    const run = (config: string) =>
      runChild({ engine: 'spark', sparkPort: sparkPort(), warehouse: '', config, asOf: data.asOf, variables: { catalog } } satisfies ChildRunOptions, { timeoutMs: 170_000 });
    const [a, b] = await Promise.all([run(falcon), run(eagle)]);
    for (const r of [a, b]) {
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      expect(summaryOf(r).status).toBe('SUCCESS');
    }
    const [credit, debit] = data.expected as [(typeof data.expected)[number], (typeof data.expected)[number]];
    expect(await sparkConsistencyProblems(catalog, [credit])).toEqual([]);
    expect(await sparkConsistencyProblems(catalog, [debit], 'eagle_bronze')).toEqual([]);
  });

  it('two runs of one job at once: one loads, the other waits for the lease and finds nothing left', async () => {
    const data = await buildDataset(small, SEED + 2);
    const { catalog, config } = freshCatalogConfig(data.config, data.catalog, 'relj');
    const run = () => runChild({ engine: 'spark', sparkPort: sparkPort(), warehouse: '', config, asOf: data.asOf, leaseWaitMs: 150_000 }, { timeoutMs: 170_000 });
    const results = await Promise.all([run(), run()]);
    for (const r of results) expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const loaded = results.flatMap((r) => summaryOf(r).files.filter((f) => f.status === 'SUCCESS').map((f) => f.path)).sort();
    expect(loaded).toEqual(data.expected.flatMap((t) => [...t.files.keys()]).sort());
    expect(await sparkConsistencyProblems(catalog, data.expected)).toEqual([]);
  });
});

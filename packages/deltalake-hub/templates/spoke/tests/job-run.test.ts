import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { bundleVariables, createDuckDbEngine, sql } from '@org/deltalake-hub';
import { run__NAME_PASCAL__Job } from '../src/__NAME__-job.js';

const BUNDLE = fileURLToPath(new URL('../databricks.yml', import.meta.url));
const RAW = 'abfss://raw@storage.dfs.core.windows.net/';

it("one trigger loads bronze, then runs silver and gold in the bundle's order, on the embedded engine", async () => {
  const lake = mkdtempSync(join(tmpdir(), '__NAME__-lake-'));
  const warehouse = mkdtempSync(join(tmpdir(), '__NAME__-wh-'));
  // Two days with different row counts, so gold's per-file counts tell them apart.
  const days: [string, number][] = [['20240308', 3], ['20240309', 2]];
  mkdirSync(join(lake, '__LOB__', 'transactions'), { recursive: true });
  mkdirSync(join(lake, '__LOB__', 'events'), { recursive: true });
  for (const [day, rows] of days) {
    const lines = Array.from({ length: rows }, (_, i) => `${day}-${i + 1},${(i + 1) * 10}`);
    writeFileSync(join(lake, '__LOB__', 'transactions', `transactions_${day}.csv`), `id,amount\n${lines.join('\n')}\n`);
  }

  const summary = await run__NAME_PASCAL__Job({ argv: ['--target', 'dev', '--warehouse', warehouse, '--source-root', `${RAW}=${lake}`, '--as-of', '2024-03-10'], env: {} });
  expect([summary.status, summary.exitCode]).toEqual(['SUCCESS', 0]);
  expect(summary.steps.map((s) => [s.name, s.status])).toEqual([['bronze', 'SUCCESS'], ['silver', 'SUCCESS'], ['gold', 'SUCCESS']]);

  // Gold holds one row per loaded file, with that file's row count.
  const engine = await createDuckDbEngine({ warehouse });
  try {
    const catalog = bundleVariables(BUNDLE, 'dev')['catalog'] as string;
    await engine.prepareCatalogs([catalog]);
    const gold = sql.raw(engine.dialect.tableName(catalog, '__LOB___gold', 'daily_summary'));
    const rows = await engine.query(sql`SELECT _source_file, row_count FROM ${gold} ORDER BY _source_file`);
    expect(rows.map((r) => [r['_source_file'], Number(r['row_count'])])).toEqual(days.map(([day, n]) => [`${RAW}__LOB__/transactions/transactions_${day}.csv`, n]));
  } finally {
    await engine.close();
  }
});

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { bundleVariables, createDuckDbEngine, sql } from '@org/deltalake-hub';
import { run__NAME_PASCAL__Bronze } from '../src/bronze/__NAME__-bronze-runner.js';

const BUNDLE = fileURLToPath(new URL('../databricks.yml', import.meta.url));
const RAW = 'abfss://raw@storage.dfs.core.windows.net/';

it('the runner loads sample transaction files into their bronze table on the embedded engine', async () => {
  // A few sample rows per day, in a folder standing in for the config's cloud path.
  const lake = mkdtempSync(join(tmpdir(), '__NAME__-lake-'));
  const warehouse = mkdtempSync(join(tmpdir(), '__NAME__-wh-'));
  const days = ['20240308', '20240309'];
  const expected: string[][] = [];
  mkdirSync(join(lake, '__LOB__', 'transactions'), { recursive: true });
  mkdirSync(join(lake, '__LOB__', 'events'), { recursive: true });
  for (const day of days) {
    const rows = [1, 2, 3].map((n) => [`${day}-${n}`, String(n * 10)]);
    writeFileSync(join(lake, '__LOB__', 'transactions', `transactions_${day}.csv`), `id,amount\n${rows.map((r) => r.join(',')).join('\n')}\n`);
    expected.push(...rows);
  }

  const summary = await run__NAME_PASCAL__Bronze({
    argv: ['--target', 'dev', '--warehouse', warehouse, '--source-root', `${RAW}=${lake}`, '--as-of', '2024-03-10'],
    env: {},
  });
  expect(summary.status).toBe('SUCCESS');
  expect(summary.files.map((f) => [f.path, f.status, f.rows])).toEqual(
    days.map((day) => [`${RAW}__LOB__/transactions/transactions_${day}.csv`, 'SUCCESS', 3]),
  );

  // The rows are in the bronze table, as the files hold them.
  const engine = await createDuckDbEngine({ warehouse });
  try {
    const catalog = bundleVariables(BUNDLE, 'dev')['catalog'] as string;
    await engine.prepareCatalogs([catalog]);
    const table = sql.raw(engine.dialect.tableName(catalog, '__LOB___bronze', 'transactions_raw'));
    const rows = await engine.query(sql`SELECT id, amount FROM ${table} ORDER BY id`);
    expect(rows.map((r) => [r['id'], r['amount']])).toEqual(expected);
  } finally {
    await engine.close();
  }
});

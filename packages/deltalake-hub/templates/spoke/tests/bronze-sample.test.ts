import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { createDuckDbEngine } from '@org/deltalake-hub';
import { run__NAME_PASCAL__Bronze } from '../src/bronze/__NAME__-bronze-runner.js';

const RAW = fileURLToPath(new URL('../raw/', import.meta.url));
const SAMPLES = join(RAW, '__LOB__', 'transactions');
const warehouse = mkdtempSync(join(tmpdir(), '__NAME__-warehouse-'));
afterAll(() => rmSync(warehouse, { recursive: true, force: true }));

/** Data lines of a sample CSV: every non-empty line after the header. */
function dataLines(file: string): number {
  return readFileSync(join(SAMPLES, file), 'utf8').split('\n').filter((line) => line.trim() !== '').length - 1;
}

it('loads the sample files into bronze on the embedded engine, once', async () => {
  const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.csv'));
  const rows = files.reduce((sum, f) => sum + dataLines(f), 0);
  const engine = await createDuckDbEngine({ warehouse });
  try {
    const argv = ['--source-root', `abfss://raw@storage.dfs.core.windows.net/=${RAW}`, '--begin-date', '2024-01-01', '--end-date', '2024-01-31'];
    const first = await run__NAME_PASCAL__Bronze({ argv, engine });
    expect(first.status).toBe('SUCCESS');
    expect(first.files.map((f) => f.path.split('/').pop()).sort()).toEqual(files.sort());
    expect(first.files.reduce((sum, f) => sum + f.rows, 0)).toBe(rows);
    const again = await run__NAME_PASCAL__Bronze({ argv, engine });
    expect(again.status).toBe('NOTHING_TO_LOAD');
  } finally {
    await engine.close();
  }
});

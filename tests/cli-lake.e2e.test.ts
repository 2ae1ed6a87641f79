import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvFile, Scratch } from './support/fixtures.js';

// What a person meets (issues 26 and 28): each case spawns the built CLI and reads stdout, stderr and the exit code.
const BIN = join(import.meta.dirname, '..', 'packages', 'deltalake-hub', 'bin', 'deltalake-hub.js');

function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const merged: Record<string, string | undefined> = { ...process.env, DELTALAKE_HUB_LOG_LEVEL: undefined, DELTALAKE_HUB_WAREHOUSE: undefined, DELTALAKE_HUB_MAX_FILES: undefined, DELTALAKE_HUB_RETRY_QUARANTINED: undefined, ...env };
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: merged as NodeJS.ProcessEnv });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Orders of four days in the window of 2026-12-07 (12-01..12-07 holds none of them: they are
 * 2026-11-25, 12-05, 12-06, 12-15, with --begin-date 2026-11-01 --end-date 2026-12-31 all four),
 * and a file that never closes a quote.
 */
function spoke() {
  const scratch = new Scratch();
  const warehouse = mkdtempSync(join(tmpdir(), 'dlh-lake-wh-'));
  for (const day of ['20261125', '20261205', '20261206', '20261215']) scratch.write(`raw/orders/orders_${day}.csv`, csvFile(['id'], [[day]]));
  const orders = `${scratch.path('raw', 'orders')}/`;
  const config = scratch.config([`falcon,orders,web,orders_*.csv,${orders},delimited,",",true,lake_cat,falcon_bronze,orders_raw,true`]);
  const common = ['--config', config, '--warehouse', warehouse, '--begin-date', '2026-11-01', '--end-date', '2026-12-31'];
  return { scratch, warehouse, config, orders, common };
}

describe('--file-name: a typo is an error naming the closest names; a loaded file says when and by which run', () => {
  it('a name no folder holds exits 1 with the three closest names (edit distance), and writes no file row', () => {
    const { orders, common } = spoke();
    const text = cli(['bronze', 'run', ...common, '--file-name', 'orders_2026125.csv']);
    expect(text.code).toBe(1);
    expect(text.stdout).toBe('');
    expect(text.stderr).toContain(
      `deltalake-hub: parameter file_name: no file named orders_2026125.csv in the source folder ${orders}: the 3 closest names are orders_20261125.csv (edit distance 1), orders_20261205.csv (edit distance 1), orders_20261215.csv (edit distance 1)`,
    );
    const json = cli(['bronze', 'run', ...common, '--file-name', 'orders_2026125.csv', '--json']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { status: string; error: { code: string; message: string } };
    expect(doc.status).toBe('FAILED');
    expect(doc.error.code).toBe('PARAMETERS_INVALID');
    expect(doc.error.message).toMatch(/^parameter file_name: no file named orders_2026125\.csv in the source folder /);
  });

  it('a file loaded already is said so, with the run and the time, and --force reloads it', () => {
    const { orders, common } = spoke();
    const first = cli(['bronze', 'run', ...common, '--json']);
    expect(first.code).toBe(0);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    const again = cli(['bronze', 'run', ...common, '--file-name', 'orders_20261205.csv']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^run \\S+ on duckdb \\(hub [^)]+\\): NOTHING_TO_LOAD`));
    expect(again.stdout).toMatch(new RegExp(`  ALREADY LOADED ${orders.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}orders_20261205\\.csv: loaded at \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z by run ${runId}; --force reloads it\\n`));
    const json = JSON.parse(cli(['bronze', 'run', ...common, '--file-name', 'orders_20261205.csv', '--json']).stdout) as { alreadyLoaded: { path: string; runId: string }[] };
    expect(json.alreadyLoaded.map((a) => [a.path, a.runId])).toEqual([[`${orders}orders_20261205.csv`, runId]]);
    const forced = JSON.parse(cli(['bronze', 'run', ...common, '--file-name', 'orders_20261205.csv', '--force', '--json']).stdout) as { files: { status: string; rows: number }[]; alreadyLoaded: unknown[] };
    expect(forced.files.map((f) => [f.status, f.rows])).toEqual([['SUCCESS', 1]]);
    expect(forced.alreadyLoaded).toEqual([]);
  });
});

describe('what a run does not load is said per config row', () => {
  it('a file_pattern that matches none of a folder\'s files names a few it holds; subfolders are counted, exit 0', () => {
    const scratch = new Scratch();
    const warehouse = mkdtempSync(join(tmpdir(), 'dlh-lake-wh-'));
    for (const day of ['20261205', '20261206', '20261207', '20261208']) scratch.write(`raw/orders/orders_${day}.csv`, csvFile(['id'], [[day]]));
    scratch.write('raw/orders/2026/12/07/orders_20261207_b.csv', csvFile(['id'], [['b']]));
    const orders = `${scratch.path('raw', 'orders')}/`;
    const config = scratch.config([`falcon,orders,web,order_*.csv,${orders},delimited,",",true,lake_cat,falcon_bronze,orders_raw,true`]);
    const run = cli(['bronze', 'run', '--config', config, '--warehouse', warehouse, '--as-of', '2026-12-08']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`  NO FILE MATCHES falcon/orders/web: file_pattern order_*.csv matches none of the 4 file(s) in ${orders} (orders_20261205.csv, orders_20261206.csv, orders_20261207.csv, ...)\n`);
    expect(run.stdout).toContain(`  SUBFOLDERS NOT READ falcon/orders/web: 1 folder(s) inside ${orders} are not read (a date-templated source_path such as .../{yyyy}/{MM}/{dd}/ reads date folders)\n`);
    expect(run.stdout).toContain('  nothing to load\n');
    const json = JSON.parse(cli(['bronze', 'plan', '--config', config, '--warehouse', warehouse, '--as-of', '2026-12-08', '--json']).stdout) as { patternMisses: unknown[]; subfolders: unknown[] };
    expect(json.patternMisses).toEqual([{ lob: 'falcon', category: 'orders', subcategory: 'web', destTable: 'lake_cat.falcon_bronze.orders_raw', sourcePath: orders, filePattern: 'order_*.csv', files: 4, names: ['orders_20261205.csv', 'orders_20261206.csv', 'orders_20261207.csv'] }]);
    expect(json.subfolders).toEqual([{ lob: 'falcon', category: 'orders', subcategory: 'web', destTable: 'lake_cat.falcon_bronze.orders_raw', sourcePath: orders, folders: 1 }]);
  });

  it('--max-files defers the newest files to the next run and exits 0; a bad value is a usage error', () => {
    const { common } = spoke();
    const run = cli(['bronze', 'run', ...common, '--max-files', '3']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('lake_cat.falcon_bronze.orders_raw: 3/3 files loaded, 3 rows\n');
    expect(run.stdout).toContain('  deferred: 1 file(s) of lake_cat.falcon_bronze.orders_raw dated 2026-12-15, beyond --max-files 3; the next run loads them\n');
    const next = JSON.parse(cli(['bronze', 'run', ...common, '--json'], { DELTALAKE_HUB_MAX_FILES: '3' }).stdout) as { files: { path: string }[]; deferred: unknown[] };
    expect(next.files.map((f) => f.path.split('/').pop())).toEqual(['orders_20261215.csv']);
    expect(next.deferred).toEqual([]);
    const bad = cli(['bronze', 'run', ...common, '--max-files', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("option '--max-files <n>' argument '0' is invalid. expected a whole number of files, 1 or more (e.g. 500)");
  });
});

describe('a quarantined file is checked once', () => {
  it('exit 2 when it is quarantined, 0 on the next runs, which name the run; status --quarantined lists it; --retry-quarantined checks it again', () => {
    const { scratch, common } = spoke();
    scratch.write('raw/orders/orders_20261207_bad.csv', 'id\n"never closed\n');
    const first = cli(['bronze', 'run', ...common, '--json']);
    expect(first.code).toBe(2);
    const runId = (JSON.parse(first.stdout) as { runId: string }).runId;
    const second = cli(['bronze', 'run', ...common]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`: NOTHING_TO_LOAD, window 2026-11-01..2026-12-31`);
    expect(second.stdout).toContain(
      `  still quarantined: 1 file(s) of lake_cat.falcon_bronze.orders_raw, unchanged since run ${runId} quarantined them; not checked again (--retry-quarantined checks them, deltalake-hub status --quarantined lists them)\n`,
    );
    const status = cli(['status', '--catalog', 'lake_cat', '--warehouse', common[3] as string, '--quarantined']);
    expect(status.code).toBe(0);
    const lines = status.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^quarantined_at\s+table\s+file\s+run\s+reason$/);
    expect(lines[2]).toContain(`lake_cat.falcon_bronze.orders_raw  ${scratch.path('raw', 'orders')}/orders_20261207_bad.csv  ${runId}  line 2: unterminated quote: the quoted field that opens on this line is never closed`);
    expect(lines.at(-1)).toBe('1 file(s) still quarantined');
    const retried = cli(['bronze', 'run', ...common, '--retry-quarantined']);
    expect(retried.code).toBe(2);
    expect(retried.stdout).toContain('QUARANTINED');
    expect(cli(['bronze', 'run', ...common], { DELTALAKE_HUB_RETRY_QUARANTINED: 'true' }).code).toBe(2);
  });
});

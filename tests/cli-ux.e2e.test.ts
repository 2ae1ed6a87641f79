import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvFile, Scratch } from './support/fixtures.js';

// What a person reads (issue 16): every case spawns the built CLI and reads stdout, stderr and the exit code.
const BIN = join(import.meta.dirname, '..', 'packages', 'deltalake-hub', 'bin', 'deltalake-hub.js');
const PREFIX = 'abfss://raw@storage.dfs.core.windows.net/';

function cli(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}) {
  const env: Record<string, string | undefined> = { ...process.env, DELTALAKE_HUB_LOG_LEVEL: undefined, DELTALAKE_HUB_WAREHOUSE: undefined, ...options.env };
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: env as NodeJS.ProcessEnv, cwd: options.cwd });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A small spoke: credit has two files in the window (2024-03-09, 2024-03-10) and two before it
 * (2024-02-01, 2024-02-20); debit's source folder does not exist (a typo in a path).
 */
function spoke() {
  const scratch = new Scratch();
  const warehouse = mkdtempSync(join(tmpdir(), 'dlh-ux-wh-'));
  scratch.write('lake/falcon/txn/credit/transactions_20240201.csv', csvFile(['id', 'amount'], [[1, 10]]));
  scratch.write('lake/falcon/txn/credit/transactions_20240220.csv', csvFile(['id', 'amount'], [[2, 20]]));
  scratch.write('lake/falcon/txn/credit/transactions_20240309.csv', csvFile(['id', 'amount'], [[3, 30], [4, 40]]));
  scratch.write('lake/falcon/txn/credit/transactions_20240310.csv', csvFile(['id', 'amount'], [[5, 50]]));
  scratch.write('lake/falcon/events/clicks_20240310.csv', csvFile(['id'], [[1]]));
  const config = scratch.config([
    `falcon,transactions,credit,transactions_*.csv,${PREFIX}falcon/txn/credit/,delimited,",",true,\${catalog},falcon_bronze,credit_raw,true`,
    `falcon,transactions,debit,debit_*.csv,${PREFIX}falcon/txn/debti/,delimited,",",true,\${catalog},falcon_bronze,debit_raw,true`,
    `falcon,events,clickstream,clicks_*.csv,${PREFIX}falcon/events/,delimited,",",true,\${catalog},falcon_bronze,clicks_raw,true`,
  ]);
  const common = ['--config', config, '--var', 'catalog=ux_cat', '--warehouse', warehouse, '--source-root', `${PREFIX}=${scratch.path('lake')}`, '--as-of', '2024-03-10'];
  return { scratch, warehouse, config, common };
}

interface Summary {
  status: string;
  files: { path: string; status: string; subcategory: string }[];
  sourceProblems: { lob: string; category: string; subcategory: string; sourcePath: string; destTable: string; reason: string }[];
  outsideWindow: { subcategory: string; files: number; oldest: string; newest: string; flag: string }[];
}

describe('bronze run: nothing is skipped silently', () => {
  it('a missing source folder is reported per config row and exits 2; files outside the window are counted with the flag that loads them', () => {
    const { scratch, common } = spoke();
    const json = cli(['bronze', 'run', ...common, '--category', 'transactions', '--json']);
    expect(json.code).toBe(2);
    const doc = JSON.parse(json.stdout) as Summary;
    expect(doc.status).toBe('PARTIAL');
    expect(doc.files.map((f) => [f.path.split('/').pop(), f.status])).toEqual([
      ['transactions_20240309.csv', 'SUCCESS'],
      ['transactions_20240310.csv', 'SUCCESS'],
    ]);
    expect(doc.sourceProblems).toEqual([
      {
        lob: 'falcon',
        category: 'transactions',
        subcategory: 'debit',
        sourcePath: `${PREFIX}falcon/txn/debti/`,
        destTable: 'ux_cat.falcon_bronze.debit_raw',
        reason: `the source folder ${scratch.path('lake', 'falcon', 'txn', 'debti')}/ does not exist`,
      },
    ]);
    expect(doc.outsideWindow).toEqual([{ lob: 'falcon', category: 'transactions', subcategory: 'credit', destTable: 'ux_cat.falcon_bronze.credit_raw', files: 2, oldest: '2024-02-01', newest: '2024-02-20', flag: '--begin-date 2024-02-01' }]);

    // The same run again, as text: the in-window files are loaded, so only the two reports remain.
    const text = cli(['bronze', 'run', ...common, '--category', 'transactions']);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(`SOURCE NOT READ falcon/transactions/debit (${PREFIX}falcon/txn/debti/): the source folder ${scratch.path('lake', 'falcon', 'txn', 'debti')}/ does not exist`);
    expect(text.stdout).toContain('outside the window: 2 matching file(s) of falcon/transactions/credit dated 2024-02-01..2024-02-20, not loaded (--begin-date 2024-02-01 takes them in)');

    // The flag it names does take them in.
    const wider = cli(['bronze', 'run', ...common, '--subcategory', 'credit', '--begin-date', '2024-02-01', '--json']);
    expect(wider.code).toBe(0);
    const widerDoc = JSON.parse(wider.stdout) as Summary;
    expect(widerDoc.files.map((f) => f.path.split('/').pop())).toEqual(['transactions_20240201.csv', 'transactions_20240220.csv']);
    expect(widerDoc.outsideWindow).toEqual([]);
  });

  it("the seed's trigger: category=<lob> with subcategory=<category> loads that category; a value that fits neither says which would", () => {
    const { common } = spoke();
    const seed = cli(['bronze', 'plan', ...common, '--job-params', '{"category": "falcon", "subcategory": "events", "begin_date": "2024-03-01"}', '--json']);
    expect(seed.code).toBe(0);
    const doc = JSON.parse(seed.stdout) as Summary;
    expect(doc.files.map((f) => f.subcategory)).toEqual(['clickstream']);

    const wrong = cli(['bronze', 'plan', ...common, '--category', 'falcon', '--subcategory', 'credit']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('category=falcon names the LOB, so subcategory must name one of its categories: transactions, events (got "credit"); "credit" is a subcategory: use category=transactions, subcategory=credit');
    const neither = cli(['bronze', 'plan', ...common, '--category', 'falcon', '--subcategory', 'nope']);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('config level: category=<one of transactions, events>, subcategory=<one of credit, debit, clickstream>');
    const unknown = cli(['bronze', 'plan', ...common, '--category', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no active config row has category "nope": name a category (transactions, events) or the LOB (falcon)');
    void existsSync;
    void readdirSync;
  });
});

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDataset, type Dataset } from './dataset.js';
import {
  CHILD_RUN,
  CLI_BIN,
  consistencyProblems,
  holdWarehouse,
  inspect,
  runChild,
  runCli,
  SEED,
  startNode,
  summaryOf,
  tempDir,
  type ProcResult,
  type SpawnOptions,
} from './support.js';

/**
 * Several processes start bronze jobs on one warehouse at once. DuckDB lets one process at a
 * time open a catalog file; the others wait up to DELTALAKE_HUB_DUCKDB_LOCK_TIMEOUT_MS (default
 * 30 s) and then exit 3 with a message naming the file. Whatever the interleaving: every file
 * lands exactly once, and a final run finds nothing to load.
 */
describe('concurrency', () => {
  let data: Dataset;

  beforeAll(async () => {
    data = await buildDataset({ creditFiles: 20, creditRows: 600, debitFiles: 10, debitRows: 300, eventFiles: 6, eventRows: 500 }, SEED + 1);
  });

  const cliArgs = (warehouse: string, extra: readonly string[] = []) => ['bronze', 'run', '--json', '--config', data.config, '--as-of', data.asOf, '--warehouse', warehouse, ...extra];
  const cli = (warehouse: string, extra: readonly string[] = [], options: SpawnOptions = {}) => runCli(cliArgs(warehouse, extra), options);

  /** Every run either completed (0) or gave up on a held warehouse/lease (3) with a clear message. */
  function expectCompletedOrHeld(results: readonly ProcResult[]): void {
    for (const r of results) {
      expect([0, 3], `exit ${r.code} signal ${r.signal}\n${r.stderr.slice(-3000)}`).toContain(r.code);
      if (r.code === 3) expect(r.stderr).toMatch(/in use by another process|is being loaded by run/);
    }
    expect(results.some((r) => r.code === 0)).toBe(true);
  }

  /** Across runs, each file was reported SUCCESS by exactly one of them. */
  function loadedOnceAcrossRuns(results: readonly ProcResult[]): Map<string, number> {
    const loads = new Map<string, number>();
    for (const r of results.filter((x) => x.code === 0)) {
      for (const f of summaryOf(r).files) if (f.status === 'SUCCESS') loads.set(f.path, (loads.get(f.path) ?? 0) + 1);
    }
    return loads;
  }

  async function finalRunFindsNothing(warehouse: string): Promise<void> {
    const final = await cli(warehouse);
    expect(final.code, final.stderr).toBe(0);
    expect(summaryOf(final).status).toBe('NOTHING_TO_LOAD');
    expect(await consistencyProblems(warehouse, data.catalog, data.expected)).toEqual([]);
  }

  const allFiles = () => data.expected.flatMap((t) => [...t.files.keys()]).sort();

  it('4 CLI processes run the same job at once: every file loaded exactly once', async () => {
    const warehouse = tempDir('wh-conc');
    const results = await Promise.all([1, 2, 3, 4].map(() => cli(warehouse)));
    expectCompletedOrHeld(results);
    const loads = loadedOnceAcrossRuns(results);
    expect([...loads.keys()].sort()).toEqual(allFiles());
    expect([...loads.values()].every((n) => n === 1)).toBe(true);
    await finalRunFindsNothing(warehouse);
  });

  it('6 runBronze processes (library) run the same job at once: every file loaded exactly once', async () => {
    const warehouse = tempDir('wh-conc');
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map(() => runChild({ warehouse, config: data.config, asOf: data.asOf })));
    expectCompletedOrHeld(results);
    const loads = loadedOnceAcrossRuns(results);
    expect([...loads.keys()].sort()).toEqual(allFiles());
    expect([...loads.values()].every((n) => n === 1)).toBe(true);
    await finalRunFindsNothing(warehouse);
  });

  it('4 overlapping jobs (a category, a subcategory, another category, everything) at once: no file twice', async () => {
    const warehouse = tempDir('wh-conc');
    const jobs = [['--category', 'transactions'], ['--category', 'transactions', '--subcategory', 'debit'], ['--category', 'events'], []];
    const results = await Promise.all(jobs.map((extra) => cli(warehouse, extra)));
    expectCompletedOrHeld(results);
    const loads = loadedOnceAcrossRuns(results);
    expect([...loads.values()].every((n) => n === 1)).toBe(true);
    await finalRunFindsNothing(warehouse);
  });

  it('4 --force reloads at once on a loaded warehouse: rows replaced, never doubled; one SUCCESS per file', async () => {
    const warehouse = tempDir('wh-conc');
    expect((await cli(warehouse)).code).toBe(0);
    const results = await Promise.all([1, 2, 3, 4].map(() => cli(warehouse, ['--force'])));
    expectCompletedOrHeld(results);
    expect(await consistencyProblems(warehouse, data.catalog, data.expected)).toEqual([]);
    const statuses = await inspect(warehouse, [data.catalog], (q) =>
      q(`SELECT load_status AS s, CAST(COUNT(*) AS BIGINT) AS n FROM ${data.catalog}.bronze_metadata.load_tracker GROUP BY 1 ORDER BY 1`),
    );
    const completed = results.filter((r) => r.code === 0).length;
    // The first load plus each completed forced run wrote one row per file; all but the latest are REPLACED.
    expect(statuses.map((s) => [s['s'], Number(s['n'])])).toEqual([
      ['REPLACED', data.files * completed],
      ['SUCCESS', data.files],
    ]);
    await finalRunFindsNothing(warehouse);
  });

  it('a run SIGKILLed between load and tracker write while 3 others wait: they recover its rows, nothing doubled', async () => {
    const warehouse = tempDir('wh-conc');
    const base = { warehouse, config: data.config, asOf: data.asOf };
    const victim = startNode([CHILD_RUN, JSON.stringify({ ...base, kill: { at: 'afterLoad', table: 2 } })]);
    // The others start once the victim holds the warehouse, so they queue behind it.
    await victim.waitForStderr(/^progress: listed /m);
    const others = Promise.all([runChild(base), cli(warehouse), runChild(base)]);
    const killed = await victim.result;
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    const results = await others;
    expectCompletedOrHeld(results);
    // One of the waiting runs recorded the victim's untracked rows instead of loading them again.
    expect(results.filter((r) => r.code === 0).reduce((n, r) => n + summaryOf(r).reconciled, 0)).toBeGreaterThan(0);
    expect([...loadedOnceAcrossRuns(results).values()].every((n) => n === 1)).toBe(true);
    await finalRunFindsNothing(warehouse);
  });

  it('with a tiny lock timeout, a run that cannot open the warehouse exits 3 naming the warehouse file, and writes nothing', async () => {
    const warehouse = tempDir('wh-conc');
    const file = join(warehouse, `${data.catalog}.duckdb`);
    const holder = await holdWarehouse(file);
    let blocked: ProcResult;
    let blockedJson: ProcResult;
    try {
      blocked = await runCli(cliArgs(warehouse).filter((a) => a !== '--json'), { env: { DELTALAKE_HUB_DUCKDB_LOCK_TIMEOUT_MS: '50' } });
      blockedJson = await cli(warehouse, [], { env: { DELTALAKE_HUB_DUCKDB_LOCK_TIMEOUT_MS: '50' } });
    } finally {
      await holder.release();
    }
    expect(blocked.code, blocked.stderr).toBe(3);
    expect(blocked.stderr).toContain(file);
    expect(blocked.stderr).toMatch(/in use by another process/);
    expect(blockedJson.code).toBe(3);
    expect(summaryOf(blockedJson)).toMatchObject({ status: 'FAILED', error: { code: 'WAREHOUSE_LOCKED' } });
    // Nothing was written by the blocked runs: the catalog holds no bronze table and no tracker rows.
    const tables = await inspect(warehouse, [data.catalog], (q) => q(`SELECT table_name FROM information_schema.tables WHERE table_catalog = '${data.catalog}'`));
    expect(tables).toEqual([]);
    const after = await cli(warehouse);
    expect(after.code, after.stderr).toBe(0);
    await finalRunFindsNothing(warehouse);
  });

  it('a run that finds the warehouse held waits for it (default lock timeout) and then loads everything', async () => {
    const warehouse = tempDir('wh-conc');
    const file = join(warehouse, `${data.catalog}.duckdb`);
    const holder = await holdWarehouse(file);
    const waiting = startNode([CLI_BIN, ...cliArgs(warehouse)]);
    // Released only once the run says it is waiting for the held file: it cannot have started late and not waited.
    await waiting.waitForStderr(/waiting up to 30000 ms for the warehouse catalog .* in use by another process/);
    await holder.release();
    const result = await waiting.result;
    expect(result.code, result.stderr).toBe(0);
    const said = result.stderr.split('\n').filter((l) => l.includes('"msg":"waiting up to'));
    expect(said.map((l) => (JSON.parse(l) as { level: number; file: string }))).toEqual([expect.objectContaining({ level: 30, file })]);
    expect(summaryOf(result).files.filter((f) => f.status === 'SUCCESS')).toHaveLength(data.files);
    await finalRunFindsNothing(warehouse);
  });
});

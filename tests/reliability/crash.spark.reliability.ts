import { readFileSync, utimesSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDataset, type Dataset } from './dataset.js';
import { freshCatalogConfig, spark, sparkConsistencyProblems, sparkPort } from './spark.js';
import { progressOf, runChild, runCli, SEED, startChild, summaryOf, writeFile, type ChildRunOptions, type ExpectedTable, type ProcResult } from './support.js';

/**
 * The crash cases on Spark + Delta, kept small (one shared server): SIGKILLs at the seams of a
 * run and of a forced reload whose file changed, a seeded random moment, then a rerun: every
 * file exactly once, the tracker equal to the bronze rows. And the lease: a killed holder's lease
 * expires within its lifetime; a live holder keeps it through a statement several lifetimes long;
 * a holder whose lease is taken from it stops before writing more.
 */
// Each case runs 3 to 5 Spark runs on a shared server: more time than the suite's 180 s default.
describe.skipIf(spark.state === 'absent')('crash on spark', { timeout: 300_000 }, () => {
  const small = { creditFiles: 4, creditRows: 30, debitFiles: 3, debitRows: 20, eventFiles: 2, eventRows: 20 };

  /** A fresh catalog over the small data set; `only` keeps that one table (a third of the work per run). */
  async function setup(only?: string): Promise<{ data: Dataset; catalog: string; base: ChildRunOptions }> {
    const full = await buildDataset(small, SEED);
    const data: Dataset = only ? { ...full, config: onlyTable(full.config, only), expected: full.expected.filter((t) => t.table === only) } : full;
    const { catalog, config } = freshCatalogConfig(data.config, data.catalog);
    // A lease lifetime short enough that a killed run's lease is gone within seconds, long enough for renewals on a busy server.
    return { data, catalog, base: { engine: 'spark', sparkPort: sparkPort(), warehouse: '', config, asOf: data.asOf, leaseTtlMs: 20_000 } };
  }

  function onlyTable(config: string, table: string): string {
    const [header, ...rows] = readFileSync(config, 'utf8').trim().split('\n');
    return writeFile(`${config}.${table}.csv`, `${[header, ...rows.filter((r) => r.includes(`,${table},`))].join('\n')}\n`);
  }

  /** The table a run killed at afterLoad was loading, from its kill-point line. */
  const killedTable = (result: ProcResult): string => /kill-point: afterLoad (\S+)$/m.exec(result.stderr)?.[1] ?? 'none';
  const killed = (result: ProcResult) => expect(result.signal, `expected a SIGKILL; exit ${result.code}\n${result.stderr.slice(-3000)}`).toBe('SIGKILL');

  /** Reruns (not forced) to completion and once more: the last finds nothing; bronze and tracker are exact. */
  async function recover(base: ChildRunOptions, catalog: string, expected: readonly ExpectedTable[]): Promise<ReturnType<typeof summaryOf>> {
    const both = await runChild({ ...base, runs: 2, leaseWaitMs: 60_000 }, { timeoutMs: 170_000 });
    expect(both.code, both.stderr.slice(-3000)).toBe(0);
    const [recovery, final] = JSON.parse(both.stdout) as [ReturnType<typeof summaryOf>, ReturnType<typeof summaryOf>];
    expect(final.status).toBe('NOTHING_TO_LOAD');
    expect(await sparkConsistencyProblems(catalog, expected)).toEqual([]);
    return recovery;
  }

  it('seam: between the first table\'s load and its tracker write: the rerun records it (reconcile), loading nothing twice', async () => {
    const { data, catalog, base } = await setup('credit_raw');
    const crash = await runChild({ ...base, kill: { at: 'afterLoad', table: 1 } });
    killed(crash);
    const name = killedTable(crash);
    const recovery = await recover(base, catalog, data.expected);
    expect(recovery.reconciled).toBe(data.expected.find((t) => name.endsWith(`.${t.table}`))?.files.size);
  });

  /** Loads the window, then rewrites the first credit file (different rows, later time): a forced reload must end with exactly its new content. */
  async function loadedThenRewritten() {
    const setupDone = await setup('credit_raw');
    const first = await runChild(setupDone.base);
    expect(summaryOf(first).status, first.stderr.slice(-2000)).toBe('SUCCESS');
    const credit = setupDone.data.expected[0] as ExpectedTable;
    const [path] = [...credit.files.keys()] as [string];
    const lines = ['id,amount,note,ts', ...Array.from({ length: 7 }, (_, r) => `new-${r},${r},"rewritten, ${r}",2024-03-04T11:00:00`)];
    writeFile(path, `${lines.join('\n')}\n`);
    const later = new Date(Date.now() + 120_000);
    utimesSync(path, later, later);
    const expected = setupDone.data.expected.map((t) => (t === credit ? { table: t.table, files: new Map([...t.files, [path, 7]]) } : t));
    return { ...setupDone, expected, path };
  }

  const forcedSeams: { name: string; kill: NonNullable<ChildRunOptions['kill']> }[] = [
    { name: 'after the old rows were deleted, before the new ones were inserted', kill: { at: 'sql', pattern: '^MERGE INTO \\S+ AS b\\nUSING [\\s\\S]*WHEN MATCHED THEN DELETE$' } },
    { name: 'after the new rows were inserted, before the tracker write', kill: { at: 'afterLoad', table: 1 } },
    { name: 'after the tracker write, before the earlier loads were marked REPLACED', kill: { at: 'sql', pattern: "^DELETE FROM \\S+load_tracker\\S* WHERE dest_table = .* AND load_status = 'LOADING' AND batch_id" } },
  ];
  for (const seam of forcedSeams) {
    it(`force: a reload of a rewritten file killed ${seam.name}: a plain rerun ends with exactly its new content`, async () => {
      const { catalog, base, expected, path } = await loadedThenRewritten();
      killed(await runChild({ ...base, force: true, kill: seam.kill }));
      const recovery = await recover(base, catalog, expected);
      // Nothing hides the new content: the rerun loaded it, recorded it, or found it already recorded.
      expect(recovery.files.filter((f) => f.path === path && f.status !== 'SUCCESS')).toEqual([]);
    });
  }

  it('lease: a run killed mid-table holds its lease only until it expires; the error names `lease release`', async () => {
    const { data, catalog, base } = await setup('credit_raw');
    const crash = await runChild({ ...base, kill: { at: 'afterLoad', table: 1 } });
    killed(crash);
    const table = killedTable(crash);
    const listed = await runCli(['lease', 'list', '--engine', 'spark', '--catalog', catalog, '--json'], { env: { DELTALAKE_HUB_SPARK_PORT: String(sparkPort()) } });
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { leases: { table: string; holder: string }[] }).leases.map((l) => l.table)).toEqual([table]);
    const held = await runChild({ ...base, leaseWaitMs: 0 });
    // Unless the rerun came after the lifetime had passed (a slow server): then it took the lease over.
    if (held.code === 3) expect(summaryOf(held).error?.message).toMatch(new RegExp(`is being loaded by run \\S+ on \\S+:\\d+ .*deltalake-hub lease release ${table.replaceAll('.', '\\.')} --run `));
    const started = Date.now();
    await recover(base, catalog, data.expected);
    expect(Date.now() - started).toBeLessThan(170_000);
  });

  it('lease: a live run keeps it through a statement 3 lifetimes long; a second run is turned away meanwhile', async () => {
    const { data, catalog, base } = await setup('credit_raw');
    const slow = startChild({ ...base, slowAfterLoadMs: 60_000 }, { timeoutMs: 170_000 });
    await slow.waitForStderr(/^progress: slow /m);
    // Past the lifetime the lease was taken with: only renewals keep it.
    await new Promise((r) => setTimeout(r, 25_000));
    const second = await runChild({ ...base, leaseWaitMs: 0 });
    expect(second.code, second.stderr.slice(-2000)).toBe(3);
    expect(summaryOf(second).error?.code).toBe('LEASE_HELD');
    const result = await slow.result;
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    expect(summaryOf(result).status).toBe('SUCCESS');
    expect(await sparkConsistencyProblems(catalog, data.expected)).toEqual([]);
  });

  it('lease: a run whose lease is released under it stops before its tracker write, exit 3, and a rerun completes', async () => {
    const { data, catalog, base } = await setup('credit_raw');
    const runId = `lost-${process.pid}`;
    const slow = startChild({ ...base, runId, slowAfterLoadMs: 15_000 }, { timeoutMs: 170_000 });
    await slow.waitForStderr(/^progress: slow /m);
    const table = /^progress: slow (\S+)$/m.exec(slow.stderr())?.[1] ?? 'none';
    const release = await runCli(['lease', 'release', table, '--run', runId, '--engine', 'spark', '--catalog', catalog], { env: { DELTALAKE_HUB_SPARK_PORT: String(sparkPort()) } });
    expect(release.code, release.stderr).toBe(0);
    expect(release.stdout).toBe(`released the lease on ${table} held by run ${runId}\n`);
    const result = await slow.result;
    expect(result.code, result.stderr.slice(-2000)).toBe(3);
    expect(summaryOf(result).error).toMatchObject({ code: 'LEASE_LOST' });
    expect(progressOf(result.stderr).some((p) => p.startsWith('tracked'))).toBe(false);
    await recover(base, catalog, data.expected);
  });
});

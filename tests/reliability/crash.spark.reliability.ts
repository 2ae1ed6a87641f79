import { readFileSync, utimesSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDataset, type Dataset } from './dataset.js';
import { freshCatalogConfig, spark, sparkConsistencyProblems, sparkPort } from './spark.js';
import { prng, progressOf, randInt, runChild, runCli, SEED, startChild, summaryOf, writeFile, type ChildRunOptions, type ExpectedTable, type ProcResult } from './support.js';

/**
 * The crash cases on Spark + Delta, kept small (one shared server): SIGKILLs at the seams of a
 * run (after listing, after the tracker INSERT, after the tracker write, between load and tracker
 * write) and at seeded moments of a load, as one chain where each run recovers its predecessor;
 * a forced reload of a rewritten file killed at each of its seams; then a rerun: every file
 * exactly once, the tracker equal to the bronze rows. And the lease: a killed holder's lease
 * expires within its lifetime; a live holder keeps it through a statement several lifetimes long;
 * a holder whose lease is taken from it stops before writing more.
 */
// Each case runs 3 to 9 Spark runs on a shared server: more time than the suite's 180 s default.
describe.skipIf(spark.state === 'absent')('crash on spark', { timeout: 300_000 }, () => {
  const small = { creditFiles: 4, creditRows: 30, debitFiles: 3, debitRows: 20, eventFiles: 2, eventRows: 20 };

  /**
   * A fresh catalog over the small data set; `only` keeps that one table (a third of the work per run).
   * The lease tests take a lifetime long enough for renewals on a busy server (20 s); the seam cases,
   * where no other run competes (a lease past its expiry is renewed before the next write), a short
   * one, so that each rerun waits seconds for its killed predecessor's lease.
   */
  async function setup(only?: string, leaseTtlMs = 20_000): Promise<{ data: Dataset; catalog: string; base: ChildRunOptions }> {
    const full = await buildDataset(small, SEED);
    const data: Dataset = only ? { ...full, config: onlyTable(full.config, only), expected: full.expected.filter((t) => t.table === only) } : full;
    const { catalog, config } = freshCatalogConfig(data.config, data.catalog);
    return { data, catalog, base: { engine: 'spark', sparkPort: sparkPort(), warehouse: '', config, asOf: data.asOf, leaseTtlMs } };
  }
  // Not shorter: a renewal that takes longer than the lifetime (a Delta UPDATE on a loaded server) counts as a lost lease.
  const SEAM_LEASE_TTL_MS = 15_000;
  /** The safety net of a child run in a seam case: a rerun waits up to a lifetime for its predecessor's lease, on a shared server. */
  const CHILD = { timeoutMs: 240_000 };

  function onlyTable(config: string, table: string): string {
    const [header, ...rows] = readFileSync(config, 'utf8').trim().split('\n');
    return writeFile(`${config}.${table}.csv`, `${[header, ...rows.filter((r) => r.includes(`,${table},`))].join('\n')}\n`);
  }

  /** The table a run killed at afterLoad was loading, from its kill-point line. */
  const killedTable = (result: ProcResult): string => /kill-point: afterLoad (\S+)$/m.exec(result.stderr)?.[1] ?? 'none';
  const killed = (result: ProcResult) => expect(result.signal, `expected a SIGKILL; exit ${result.code}\n${result.stderr.slice(-3000)}`).toBe('SIGKILL');
  /** Killed by its own kill point, at `where` (not by the safety timeout, nor elsewhere). */
  const killedAt = (result: ProcResult, where: string | RegExp) => {
    killed(result);
    const point = /^kill-point: (.+)$/m.exec(result.stderr)?.[1] ?? '(no kill point: killed by the safety timeout?)';
    if (typeof where === 'string') expect(point, result.stderr.slice(-3000)).toBe(where);
    else expect(point, result.stderr.slice(-3000)).toMatch(where);
  };

  /**
   * Reruns (not forced) to completion and, unless `once`, once more: the last finds nothing; bronze
   * and tracker are exact. A chain checks the run after its last kill `once` per kill and the whole at its end.
   */
  async function recover(base: ChildRunOptions, catalog: string, expected: readonly ExpectedTable[], once = false, leaseWaitMs = 60_000): Promise<ReturnType<typeof summaryOf>> {
    const both = await runChild({ ...base, runs: once ? 1 : 2, leaseWaitMs }, CHILD);
    expect(both.code, both.stderr.slice(-3000)).toBe(0);
    const [recovery, final] = (once ? [JSON.parse(both.stdout)] : JSON.parse(both.stdout)) as [ReturnType<typeof summaryOf>, ReturnType<typeof summaryOf> | undefined];
    if (!once) expect(final?.status).toBe('NOTHING_TO_LOAD');
    expect(await sparkConsistencyProblems(catalog, expected)).toEqual([]);
    return recovery;
  }

  /** New files of the credit table in its folder, inside the window, with seeded row counts; added to `files`. */
  function addCreditFiles(folder: string, tag: string, count: number, random: () => number, files: Map<string, number>): void {
    for (let i = 0; i < count; i++) {
      const rows = randInt(random, 5, 40);
      const lines = ['id,amount,note,ts', ...Array.from({ length: rows }, (_, r) => `${tag}${i}-${r},${r},"added, ${r}",2024-03-08T09:00:00`)];
      files.set(writeFile(join(folder, `transactions_20240308_${tag}${i}.csv`), `${lines.join('\n')}\n`), rows);
    }
  }

  /**
   * A kill at a seeded moment of a table's load: `fraction` of `spanMs` (what a like run took from its
   * `listed` report to its `tracked` report) after the run's `listed` report. A kill that came after
   * the table was tracked is drawn again, earlier, on new files; the case fails if none lands.
   */
  async function killDuringLoad(base: ChildRunOptions, fraction: number, spanMs: number, addFiles: (tag: string) => void, tag: string): Promise<string> {
    const attempts: string[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      addFiles(`${tag}${attempt}`);
      const child = startChild({ ...base, leaseWaitMs: 60_000 }, CHILD);
      await child.waitForStderr(/^progress: listed /m);
      const delayMs = Math.round(fraction * 0.5 ** attempt * spanMs);
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill();
      const result = await child.result;
      const reported = progressOf(result.stderr);
      const landed = result.signal === 'SIGKILL' && result.killedByParent && !reported.some((p) => p.startsWith('tracked'));
      attempts.push(`killed ${delayMs} ms after listing: ${landed ? 'during the load' : `too late (exit ${result.code}, ${result.signal})`}, reported ${reported.join(' > ')}`);
      if (landed) return attempts.join('; ');
    }
    throw new Error(`no kill landed during the table's load:\n${attempts.join('\n')}`);
  }

  const random = prng(SEED ^ 0x5eed);
  const moments = [0.05 + random() * 0.9, 0.05 + random() * 0.9];
  it(`seams, one chain: killed after listing, after the tracker INSERT, after the tracker write, at seeded moments ${moments.map((m) => `${(m * 100).toFixed(1)}%`).join(' and ')} of a load (seed ${SEED}), between a load and its tracker write; each rerun recovers, the last leaves every file exactly once`, { timeout: 900_000 }, async () => {
    const { data, catalog, base: seamBase } = await setup('credit_raw', SEAM_LEASE_TTL_MS);
    const base = { ...seamBase, leaseWaitMs: 60_000 };
    const credit = data.expected[0] as ExpectedTable;
    const files = new Map(credit.files);
    const expected = () => [{ table: credit.table, files: new Map(files) }];
    const table = `${catalog}.falcon_bronze.${credit.table}`;
    const folder = dirname([...files.keys()][0] as string);
    const rows = prng(SEED ^ 0xf11e);
    const addFiles = (tag: string) => addCreditFiles(folder, tag, 2, rows, files);

    // After listing, before the LOADING rows and the load: nothing written for the table yet.
    const listed = await runChild({ ...base, kill: { at: 'tableStart', table: 1 } }, CHILD);
    killedAt(listed, `tableStart ${table}`);
    expect(progressOf(listed.stderr)).toEqual(['started', `listed ${table}`]);

    // After the tracker INSERT (the table's second: the first writes the LOADING rows), before they are cleared.
    const inserted = await runChild({ ...base, kill: { at: 'sql', pattern: '^INSERT INTO \\S+load_tracker\\S* \\(', nth: 2 } }, CHILD);
    killedAt(inserted, /^sql #2 after statement \d+$/);
    expect(progressOf(inserted.stderr).slice(-2)).toEqual([`listed ${table}`, `loaded ${table}`]);
    // The INSERT committed: the tracker already agrees with bronze (the LOADING rows left are the next run's to clear).
    expect(await sparkConsistencyProblems(catalog, expected())).toEqual([]);

    // On new files: after the tracker write and the LOADING rows' clear, before the lease release. Timed, for the moments below.
    addFiles('t');
    const written = startChild({ ...base, kill: { at: 'tableDone', table: 1 } }, CHILD);
    await written.waitForStderr(/^progress: listed /m);
    const listedAt = Date.now();
    await written.waitForStderr(/^progress: tracked /m);
    const spanMs = Date.now() - listedAt;
    const tracked = await written.result;
    killedAt(tracked, `tableDone ${table}`);
    expect(progressOf(tracked.stderr).slice(-2)).toEqual([`loaded ${table}`, `tracked ${table}`]);

    // Seeded moments of a load on new files (each run first recovers its killed predecessor).
    for (const [i, moment] of moments.entries()) await killDuringLoad(base, moment, spanMs, addFiles, `m${i}`);

    // On new files: between the load and its tracker write. The rerun records them (reconcile) and loads nothing.
    addFiles('r');
    const loaded = await runChild({ ...base, kill: { at: 'afterLoad', table: 1 } }, CHILD);
    killedAt(loaded, `afterLoad ${table}`);
    const recovery = await recover(base, catalog, expected());
    expect(recovery.files).toEqual([]);
    expect(recovery.reconciled).toBeGreaterThanOrEqual(2);
  });

  /** Loads the window, then rewrites the first credit file (different rows, later time): a forced reload must end with exactly its new content. */
  async function loadedThenRewritten() {
    const setupDone = await setup('credit_raw');
    const first = await runChild(setupDone.base, CHILD);
    expect(summaryOf(first).status, first.stderr.slice(-2000)).toBe('SUCCESS');
    const [path] = [...(setupDone.data.expected[0] as ExpectedTable).files.keys()] as [string];
    return { ...setupDone, expected: rewrite(setupDone.data.expected, path, 7, 0), path };
  }

  /** Rewrites a loaded file with `rows` new rows and a later time (the `version`-th rewrite); returns what the tables must then hold. */
  function rewrite(expected: readonly ExpectedTable[], path: string, rows: number, version: number): ExpectedTable[] {
    const lines = ['id,amount,note,ts', ...Array.from({ length: rows }, (_, r) => `new${version}-${r},${r},"rewritten, ${r}",2024-03-04T11:00:00`)];
    writeFile(path, `${lines.join('\n')}\n`);
    const later = new Date(Date.now() + 120_000 * (version + 1));
    utimesSync(path, later, later);
    return expected.map((t) => (t.files.has(path) ? { table: t.table, files: new Map([...t.files, [path, rows]]) } : t));
  }

  const forcedSeams: { name: string; kill: NonNullable<ChildRunOptions['kill']>; at: string | RegExp }[] = [
    { name: 'after the old rows were deleted, before the new ones were inserted', kill: { at: 'sql', pattern: '^MERGE INTO \\S+ AS b\\nUSING [\\s\\S]*WHEN MATCHED THEN DELETE$' }, at: /^sql #1 / },
    { name: 'after the new rows were inserted, before the tracker write', kill: { at: 'afterLoad', table: 1 }, at: /^afterLoad / },
    { name: 'after the tracker write, before the earlier loads were marked REPLACED', kill: { at: 'sql', pattern: "^DELETE FROM \\S+load_tracker\\S* WHERE dest_table = .* AND load_status = 'LOADING' AND batch_id" }, at: /^sql #1 / },
  ];
  // One loaded window for the three seams: each rewrites the file again, reloads it with --force, is killed, and is recovered.
  it(`force: a reload of a rewritten file killed ${forcedSeams.map((f) => f.name).join('; then ')}: each plain rerun ends with exactly its new content`, { timeout: 900_000 }, async () => {
    const { catalog, base: forcedBase, expected, path } = await loadedThenRewritten();
    const base = { ...forcedBase, leaseTtlMs: SEAM_LEASE_TTL_MS };
    let current = expected;
    for (const [i, seam] of forcedSeams.entries()) {
      if (i > 0) current = rewrite(current, path, 7 + i, i);
      killedAt(await runChild({ ...base, force: true, leaseWaitMs: 60_000, kill: seam.kill }, CHILD), seam.at);
      const recovery = await recover(base, catalog, current, i < forcedSeams.length - 1);
      // Nothing hides the new content: the rerun loaded it, recorded it, or found it already recorded.
      expect(recovery.files.filter((f) => f.path === path && f.status !== 'SUCCESS'), seam.name).toEqual([]);
    }
  });

  /**
   * The killed run's lease lifetime in the lease-expiry case. It renews every quarter lifetime, so its
   * lease outlives the kill by at least three quarters of this (67 s): far more than the `lease list`
   * and the rerun that follow take on a loaded server (10 to 30 s), so that rerun always finds the lease
   * held. (With the 20 s lifetime of the other cases it could come after the expiry and take the lease.)
   */
  const HELD_LEASE_TTL_MS = 90_000;
  it('lease: a run killed mid-table holds its lease only until it expires; the error names `lease release`', { timeout: 420_000 }, async () => {
    const { data, catalog, base } = await setup('credit_raw', HELD_LEASE_TTL_MS);
    const crash = await runChild({ ...base, kill: { at: 'afterLoad', table: 1 } });
    killed(crash);
    const killTime = Date.now();
    const table = killedTable(crash);
    const listed = await runCli(['lease', 'list', '--engine', 'spark', '--catalog', catalog, '--json'], { env: { DELTALAKE_HUB_SPARK_PORT: String(sparkPort()) } });
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { leases: { table: string; holder: string }[] }).leases.map((l) => l.table)).toEqual([table]);
    const held = await runChild({ ...base, leaseWaitMs: 0 });
    const heldAfterMs = Date.now() - killTime;
    expect(held.code, `the rerun ${heldAfterMs} ms after the kill must find the lease held\n${held.stderr.slice(-2000)}`).toBe(3);
    expect(summaryOf(held).error?.code).toBe('LEASE_HELD');
    expect(summaryOf(held).error?.message).toMatch(new RegExp(`is being loaded by run \\S+ on \\S+:\\d+ .*deltalake-hub lease release ${table.replaceAll('.', '\\.')} --run `));
    // The rerun waits for the lease to expire (at most the rest of its lifetime), takes it over and loads.
    const started = Date.now();
    await recover(base, catalog, data.expected, false, HELD_LEASE_TTL_MS + 30_000);
    expect(Date.now() - started).toBeLessThan(HELD_LEASE_TTL_MS + 80_000);
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

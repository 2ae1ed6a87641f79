import { beforeAll, describe, expect, it } from 'vitest';
import { buildDataset, type Dataset } from './dataset.js';
import {
  CLI_BIN,
  consistencyProblems,
  prng,
  progressOf,
  randInt,
  runChild,
  runCli,
  SEED,
  startChild,
  startNode,
  summaryOf,
  tempDir,
  type ChildRunOptions,
  type ProcResult,
  type StartedProcess,
} from './support.js';

/**
 * SIGKILL a bronze run at a deterministic seam or a seeded random moment, then rerun to
 * completion: every file of the window lands exactly once and the tracker agrees with bronze.
 */
describe('crash', () => {
  let data: Dataset;
  /** Statements a full run issues (the statement seam picks 1..total-1). */
  let statements = 0;
  /** Wall time of a full run from its `started` report to its `done` report, to aim random kills inside a run. */
  let workingMs = 0;
  const random = prng(SEED ^ 0xc4a5);

  beforeAll(async () => {
    data = await buildDataset({ creditFiles: 30, creditRows: 2000, debitFiles: 15, debitRows: 1000, eventFiles: 12, eventRows: 1500 }, SEED);
    const warehouse = tempDir('wh-baseline');
    const child = startChild(base(warehouse));
    await child.waitForStderr(/^progress: started$/m);
    const started = Date.now();
    await child.waitForStderr(/^progress: done /m);
    workingMs = Date.now() - started;
    const full = await child.result;
    const summary = summaryOf(full);
    expect(summary.status, full.stderr).toBe('SUCCESS');
    expect(summary.files).toHaveLength(data.files);
    statements = summary.statements;
    // The scale the trials need for random kills to land mid-run.
    expect(data.rows).toBeGreaterThan(90_000);
    expect(await consistencyProblems(warehouse, data.catalog, data.expected)).toEqual([]);
  });

  const base = (warehouse: string): ChildRunOptions => ({ warehouse, config: data.config, asOf: data.asOf });
  const cliRun = (warehouse: string, extra: string[] = []) =>
    runCli(['bronze', 'run', '--json', '--config', data.config, '--as-of', data.asOf, '--warehouse', warehouse, ...extra]);

  /**
   * Reruns to completion, then once more: that run must find nothing, and bronze must be exact.
   * Through the CLI (two processes) or through child-run.mjs running twice in one process.
   */
  async function recoverAndCheck(warehouse: string, via: 'cli' | 'child' = 'child'): Promise<{ recovery: ReturnType<typeof summaryOf> }> {
    let recovery: ReturnType<typeof summaryOf>;
    let final: ReturnType<typeof summaryOf>;
    if (via === 'cli') {
      const rerun = await cliRun(warehouse);
      expect(rerun.code, rerun.stderr).toBe(0);
      const again = await cliRun(warehouse);
      expect(again.code, again.stderr).toBe(0);
      [recovery, final] = [summaryOf(rerun), summaryOf(again)];
    } else {
      const both = await runChild({ ...base(warehouse), runs: 2 });
      expect(both.code, both.stderr).toBe(0);
      [recovery, final] = JSON.parse(both.stdout) as [ReturnType<typeof summaryOf>, ReturnType<typeof summaryOf>];
    }
    expect(['SUCCESS', 'NOTHING_TO_LOAD']).toContain(recovery.status);
    expect(final.status).toBe('NOTHING_TO_LOAD');
    expect(final.reconciled).toBe(0);
    expect(await consistencyProblems(warehouse, data.catalog, data.expected)).toEqual([]);
    return { recovery };
  }

  const killed = (result: ProcResult) => expect(result.signal, `expected a SIGKILL; exit ${result.code}\n${result.stderr}`).toBe('SIGKILL');

  // Deterministic seams: the run kills itself at a known point.
  for (const table of [1, 2, 3]) {
    it(`seam: after listing, before table ${table} loads`, async () => {
      const warehouse = tempDir('wh-crash');
      killed(await runChild({ ...base(warehouse), kill: { at: 'tableStart', table } }));
      await recoverAndCheck(warehouse);
    });
  }

  for (const table of [1, 2, 3]) {
    it(`seam: between table ${table}'s load and its tracker write (rows present, untracked)`, async () => {
      const warehouse = tempDir('wh-crash');
      const crash = await runChild({ ...base(warehouse), kill: { at: 'afterLoad', table } });
      killed(crash);
      const name = /kill-point: afterLoad \S+\.(\w+)$/m.exec(crash.stderr)?.[1];
      const { recovery } = await recoverAndCheck(warehouse, 'cli');
      // The recovery run records the untracked files (reconcile) instead of loading them again.
      expect(recovery.reconciled).toBe(data.expected.find((t) => t.table === name)?.files.size);
    });
  }

  for (const table of [1, 2]) {
    it(`seam: after table ${table}'s tracker write, before its lease is released`, async () => {
      const warehouse = tempDir('wh-crash');
      killed(await runChild({ ...base(warehouse), kill: { at: 'tableDone', table } }));
      await recoverAndCheck(warehouse);
    });
  }

  // Between any two statements: the engine logs each statement as it returns; the child dies on the N-th.
  for (let trial = 1; trial <= 6; trial++) {
    const pick = random();
    it(`seam: after statement #${trial} (seeded pick ${pick.toFixed(4)} of the run's statements)`, async () => {
      const n = Math.max(1, Math.min(statements - 1, Math.floor(pick * statements)));
      const warehouse = tempDir('wh-crash');
      killed(await runChild({ ...base(warehouse), kill: { at: 'statement', n } }));
      await recoverAndCheck(warehouse);
    });
  }

  /**
   * Kills a run at a random moment of its work: timed from the run's own `started` report (never
   * during Node's start-up), and counted only when the run had not reported its end. A kill that
   * came too late is drawn again, earlier, on a fresh warehouse; the trial fails if none lands.
   * Returns the warehouse of the run that was killed mid-run and what it had reported by then.
   */
  async function killMidRun(
    fraction: number,
    start: (warehouse: string) => StartedProcess,
    marks: { started: RegExp; done: RegExp; phases: (stderr: string) => string[] },
  ): Promise<{ warehouse: string; reported: string[] }> {
    const attempts: string[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      const warehouse = tempDir('wh-crash');
      const child = start(warehouse);
      await child.waitForStderr(marks.started);
      const delayMs = Math.round(fraction * 0.5 ** attempt * workingMs);
      await new Promise((r) => setTimeout(r, delayMs));
      child.kill();
      const result = await child.result;
      const reported = marks.phases(result.stderr);
      const landed = result.signal === 'SIGKILL' && result.killedByParent && marks.started.test(result.stderr) && !marks.done.test(result.stderr);
      attempts.push(`killed ${delayMs} ms after start: ${landed ? 'mid-run' : `not mid-run (exit ${result.code}, ${result.signal})`}, reported ${reported.join(' > ')}`);
      if (landed) return { warehouse, reported };
    }
    throw new Error(`no kill landed while the run was working:\n${attempts.join('\n')}`);
  }

  // Random moments, so kills also land inside a statement (mid-scan, mid-INSERT, mid-checkpoint).
  const cliMarks = {
    started: /"msg":"bronze run starting"/,
    done: /"msg":"bronze run finished"/,
    // Run at debug: the CLI logs its start and end there (at info it logs events only), and each statement as it returns.
    phases: (stderr: string) => (cliMarks.started.test(stderr) ? ['started', `${stderr.split('\n').filter((l) => l.includes('"msg":"statement"')).length} statements returned`] : []),
  };
  for (let trial = 1; trial <= 4; trial++) {
    const fraction = 0.1 + random() * 0.9;
    it(`random: CLI bronze run killed at ${(fraction * 100).toFixed(1)}% of a full run's working time`, async () => {
      const { warehouse, reported } = await killMidRun(
        fraction,
        (wh) => startNode([CLI_BIN, 'bronze', 'run', '--json', '--config', data.config, '--as-of', data.asOf, '--warehouse', wh], { env: { DELTALAKE_HUB_LOG_LEVEL: 'debug' } }),
        cliMarks,
      );
      expect(reported[0]).toBe('started');
      await recoverAndCheck(warehouse);
    });
  }
  for (let trial = 1; trial <= 2; trial++) {
    const fraction = 0.2 + random() * 0.8;
    it(`random: runBronze child killed at ${(fraction * 100).toFixed(1)}% of a full run's working time`, async () => {
      const { warehouse, reported } = await killMidRun(fraction, (wh) => startChild(base(wh)), {
        started: /^progress: started$/m,
        done: /^progress: done /m,
        phases: progressOf,
      });
      expect(reported[0]).toBe('started');
      expect(reported.some((p) => p.startsWith('done'))).toBe(false);
      await recoverAndCheck(warehouse);
    });
  }

  // A crash during the recovery of a crash.
  for (let trial = 1; trial <= 2; trial++) {
    const first = random();
    const second = random();
    it(`double: killed after statement pick ${first.toFixed(4)}, its recovery killed at pick ${second.toFixed(4)}`, async () => {
      const warehouse = tempDir('wh-crash');
      killed(await runChild({ ...base(warehouse), kill: { at: 'statement', n: Math.max(1, Math.floor(first * statements)) } }));
      // The recovery issues reconcile statements too, so it may finish before the pick: a normal end is fine.
      const recovery = await runChild({ ...base(warehouse), kill: { at: 'statement', n: Math.max(1, Math.floor(second * statements)) } });
      expect([0, null]).toContain(recovery.code);
      await recoverAndCheck(warehouse);
    });
  }

  // A backfill cut into bounded runs (--max-files), one batch killed between its load and its tracker rows, another after a seeded statement.
  it('batches: --max-files runs with crashes between and inside batches load every file exactly once', async () => {
    const warehouse = tempDir('wh-batches');
    const batch = () => cliRun(warehouse, ['--max-files', '7']);
    const first = await batch();
    expect(first.code, first.stderr).toBe(0);
    const firstDoc = JSON.parse(first.stdout) as { files: unknown[]; deferred: { files: number }[] };
    // 7 files of each of the three tables; the rest are deferred, nothing is lost.
    expect(firstDoc.files).toHaveLength(21);
    expect(firstDoc.deferred.reduce((n, d) => n + d.files, 0)).toBe(data.files - 21);
    killed(await runChild({ ...base(warehouse), maxFiles: 7, kill: { at: 'afterLoad', table: 2 } }));
    const n = randInt(random, 1, Math.max(1, Math.floor(statements / 2)));
    const inside = await runChild({ ...base(warehouse), maxFiles: 7, kill: { at: 'statement', n } });
    expect([0, null]).toContain(inside.code);
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      const next = await batch();
      expect(next.code, next.stderr).toBe(0);
      const doc = summaryOf(next);
      seen.push(doc.files.length);
      if (doc.status === 'NOTHING_TO_LOAD') break;
    }
    expect(seen.at(-1), `batches after the crashes: ${seen.join(', ')}`).toBe(0);
    expect(await consistencyProblems(warehouse, data.catalog, data.expected)).toEqual([]);
  });

  // A forced reload killed midway: superseded and deleted rows are reloaded, never lost or doubled.
  for (let trial = 1; trial <= 2; trial++) {
    const pick = random();
    it(`force: a --force reload of a loaded window killed after statement pick ${pick.toFixed(4)}`, async () => {
      const warehouse = tempDir('wh-crash');
      const first = await runChild(base(warehouse));
      expect(summaryOf(first).status).toBe('SUCCESS');
      const n = randInt(prng(Math.floor(pick * 1e9)), 1, statements - 1);
      killed(await runChild({ ...base(warehouse), force: true, kill: { at: 'statement', n } }));
      await recoverAndCheck(warehouse);
    });
  }
});

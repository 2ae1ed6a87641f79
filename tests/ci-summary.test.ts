import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const SUMMARIZE = join(ROOT, '.ci', 'summarize.mjs');

type Status = 'passed' | 'failed' | 'skipped' | 'pending' | 'todo';

/** A vitest JSON report (the fields .ci/run's reporter writes) for files of tests with these statuses. */
function report(files: { name: string; status: 'passed' | 'failed'; message?: string; tests: [string, Status][] }[]) {
  return {
    numTotalTests: files.reduce((n, f) => n + f.tests.length, 0),
    numPassedTests: files.reduce((n, f) => n + f.tests.filter(([, s]) => s === 'passed').length, 0),
    numFailedTests: files.reduce((n, f) => n + f.tests.filter(([, s]) => s === 'failed').length, 0),
    testResults: files.map((f) => ({
      name: join(ROOT, f.name),
      status: f.status,
      message: f.message ?? '',
      assertionResults: f.tests.map(([fullName, status]) => ({ fullName, title: fullName, status, ancestorTitles: [], failureMessages: [] })),
    })),
  };
}

function summarize(reports: object[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'dlh-ci-'));
  const files = reports.map((r, i) => {
    const file = join(dir, `r${i}.json`);
    writeFileSync(file, JSON.stringify(r));
    return file;
  });
  const run = spawnSync(process.execPath, [SUMMARIZE, ...files], { cwd: ROOT, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.trimEnd().split('\n');
}

describe('.ci/summarize.mjs: the closing line of CI', () => {
  it('counts the tests of every report and ends with exactly "N passed, N failed"', () => {
    const lines = summarize([
      report([{ name: 'tests/a.test.ts', status: 'failed', tests: [['a1', 'passed'], ['a2', 'failed'], ['a3', 'passed']] }]),
      report([{ name: 'tests/reliability/b.reliability.ts', status: 'passed', tests: [['b1', 'passed']] }]),
    ]);
    expect(lines.at(-1)).toBe('3 passed, 1 failed');
  });

  it('counts a file that failed to load, with no test run, as a failure', () => {
    const lines = summarize([
      report([
        { name: 'tests/ok.test.ts', status: 'passed', tests: [['ok', 'passed']] },
        { name: 'tests/broken.test.ts', status: 'failed', message: 'Error: cannot find module ./gone.js\n    at x', tests: [] },
      ]),
    ]);
    expect(lines.at(-1)).toBe('1 passed, 1 failed');
    expect(lines).toContain('FAILED FILE tests/broken.test.ts (0 tests ran): Error: cannot find module ./gone.js');
  });

  it('counts a file whose hook failed (its tests read skipped or passed) as a failure, and a failing test in it only once', () => {
    const lines = summarize([
      report([
        { name: 'tests/hook.test.ts', status: 'failed', message: '', tests: [['h1', 'skipped'], ['h2', 'skipped'], ['outside', 'passed']] },
        { name: 'tests/after.test.ts', status: 'failed', message: 'after boom', tests: [['x', 'passed']] },
        { name: 'tests/plain.test.ts', status: 'failed', tests: [['p', 'failed']] },
      ]),
    ]);
    expect(lines.at(-1)).toBe('2 passed, 3 failed');
  });

  it('prints skipped and todo tests by file, before the closing line', () => {
    const lines = summarize([
      report([
        { name: 'tests/spark.test.ts', status: 'passed', tests: [['spark one', 'skipped'], ['spark two', 'pending'], ['duck', 'passed']] },
        { name: 'tests/later.test.ts', status: 'passed', tests: [['someday', 'todo']] },
      ]),
    ]);
    expect(lines).toEqual(['skipped in tests/spark.test.ts: 2 (spark one; spark two)', 'skipped in tests/later.test.ts: 1 (someday)', '1 passed, 0 failed']);
  });

  it('counts a missing or unreadable report as a failure', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dlh-ci-'));
    writeFileSync(join(dir, 'torn.json'), '{"testResults": [');
    const run = spawnSync(process.execPath, [SUMMARIZE, join(dir, 'absent.json'), join(dir, 'torn.json')], { cwd: ROOT, encoding: 'utf8' });
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('0 passed, 2 failed');
    expect(lines[0]).toBe(`${join(dir, 'absent.json')}: missing (the run did not finish)`);
    expect(lines[1]).toMatch(/torn\.json: unreadable/);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSpoke } from '@org/deltalake-hub';

const ROOT = join(import.meta.dirname, '..');

/** A copy of the workspace as git sees it (no node_modules, no build output). */
function copyWorkspace(): string {
  const copy = mkdtempSync(join(tmpdir(), 'dlh-ws-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    try {
      cpSync(join(ROOT, file), join(copy, file));
    } catch {
      // A file deleted in the working tree but still in the index: nothing to copy.
    }
  }
  return copy;
}

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, CI: 'true' }, timeout: 600_000 });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('a new spoke from the template', () => {
  it('installs, passes spoke check and runs its own tests in a temp copy of the workspace', async () => {
    const workspace = copyWorkspace();
    const created = await createSpoke({ name: 'eagle', lob: 'eagle', targetDir: join(workspace, 'spokes', 'eagle'), hubVersion: 'workspace:*' });
    expect(created.files).toContain('configs/bronze/eagle_config.csv');
    // The store already holds every package the workspace needs, so this install does not download.
    const install = run('pnpm', ['install', '--prefer-offline', '--no-frozen-lockfile'], workspace);
    expect(install.status, install.output).toBe(0);
    const build = run('pnpm', ['build'], workspace);
    expect(build.status, build.output).toBe(0);
    const check = run('node', ['packages/deltalake-hub/bin/deltalake-hub.js', 'spoke', 'check', 'spokes/eagle'], workspace);
    expect(check.output).toContain('spokes/eagle: ok');
    expect(check.status).toBe(0);
    const report = join(workspace, 'spoke-tests.json');
    const tests = run('pnpm', ['--filter', '@org/spoke-eagle', 'test', '--reporter=json', `--outputFile=${report}`], workspace);
    expect(tests.status, tests.output).toBe(0);
    // Every generated test ran and passed, the runner's load on sample rows among them: none skipped, none missing.
    const results = (JSON.parse(readFileSync(report, 'utf8')) as { testResults: { name: string; assertionResults: { fullName: string; status: string }[] }[] }).testResults;
    const outcomes = results.flatMap((file) => file.assertionResults.map((t) => [relative(join(workspace, 'spokes', 'eagle'), file.name), t.status]));
    expect(outcomes.sort()).toEqual([
      ['tests/bronze-run.test.ts', 'passed'],
      ['tests/config.test.ts', 'passed'],
      ['tests/config.test.ts', 'passed'],
      ['tests/config.test.ts', 'passed'],
      ['tests/job-run.test.ts', 'passed'],
      ['tests/spoke-check.test.ts', 'passed'],
    ]);
  });
});

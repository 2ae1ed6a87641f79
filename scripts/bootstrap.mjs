#!/usr/bin/env node
// `npm run demo` and `npm test` on a machine with only Node 20 and npm: finds pnpm (or runs the
// version package.json pins through corepack), installs from the frozen lockfile when
// node_modules is missing or older than the lockfile, builds, then runs the demo or the tests with
// the arguments given. `pnpm demo` and `pnpm test` run the same steps.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const [what, ...args] = process.argv.slice(2);
const TASKS = {
  demo: [process.execPath, join(ROOT, 'spokes', 'falcon', 'dist', 'demo.js')],
  test: [process.execPath, join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run'],
};
if (!(what in TASKS)) {
  process.stderr.write(`usage: node scripts/bootstrap.mjs demo|test [arguments]\n`);
  process.exit(1);
}

// The registry serves pnpm without the signatures corepack checks; the lockfile still pins every package's integrity.
const env = { ...process.env, COREPACK_INTEGRITY_KEYS: process.env.COREPACK_INTEGRITY_KEYS ?? '0', COREPACK_ENABLE_DOWNLOAD_PROMPT: '0' };

function run(command, commandArgs, say) {
  if (say) process.stderr.write(`${say}\n`);
  const result = spawnSync(command, commandArgs, { cwd: ROOT, env, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.error) return { ok: false, error: result.error };
  return { ok: result.status === 0, status: result.status ?? 1 };
}

/** pnpm on PATH, else the version package.json pins, through corepack (bundled with Node 20). */
function pnpm() {
  const onPath = spawnSync('pnpm', ['--version'], { env, encoding: 'utf8', shell: process.platform === 'win32' });
  if (onPath.status === 0) return ['pnpm'];
  const viaCorepack = spawnSync('corepack', ['pnpm', '--version'], { cwd: ROOT, env, encoding: 'utf8', shell: process.platform === 'win32' });
  if (viaCorepack.status === 0) return ['corepack', 'pnpm'];
  process.stderr.write(`cannot run pnpm: it is not on PATH, and corepack could not fetch it (${(viaCorepack.stderr || String(viaCorepack.error ?? '')).trim()})\n`);
  process.exit(1);
}

const [bin, ...pre] = pnpm();
const installed = join(ROOT, 'node_modules', '.modules.yaml');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(ROOT, 'pnpm-lock.yaml')).mtimeMs) {
  const install = run(bin, [...pre, 'install', '--frozen-lockfile'], 'installing (pnpm install --frozen-lockfile)...');
  if (!install.ok) process.exit(install.status ?? 1);
}
const build = run(bin, [...pre, '-s', 'build'], process.stderr.isTTY ? 'building...' : undefined);
if (!build.ok) process.exit(build.status ?? 1);
const [command, ...commandArgs] = TASKS[what];
const task = run(command, [...commandArgs, ...args]);
process.exit(task.ok ? 0 : (task.status ?? 1));

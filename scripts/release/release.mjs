#!/usr/bin/env node
// `pnpm release`: publishes the version `pnpm version-packages` set, to the registry it is given.
//   pnpm release --registry <url> [--tests full|unit] [--no-git-tag]
// (or NPM_CONFIG_REGISTRY=<url> pnpm release). Steps, each stopping the release when it fails:
// preconditions (no pending changeset, HUB_VERSION in sync, version not yet on the registry),
// build, API report (api:check), API guard (no removal without a major bump), tests, pack (the
// tarball's contents checked), publish that very tarball with npm, git tag v<version>.
// --tests full (default) runs `pnpm test`; --tests unit runs `pnpm test:unit`, for a release whose
// commit already passed CI (the hub release pipeline) and for the registry test.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkTarball } from './tarball.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACKAGE_DIR = join(ROOT, 'packages', 'deltalake-hub');
const OUT = join(ROOT, 'build', 'release');

const { values } = parseArgs({
  options: {
    registry: { type: 'string' },
    tests: { type: 'string', default: 'full' },
    'no-git-tag': { type: 'boolean', default: false },
  },
  strict: true,
});

function fail(message) {
  process.stderr.write(`release: ${message}\n`);
  process.exit(1);
}

function step(title) {
  process.stdout.write(`\nrelease: ${title}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
  return result;
}

const registry = values.registry ?? process.env['NPM_CONFIG_REGISTRY'];
if (!registry) fail('name the registry: pnpm release --registry <url> (or NPM_CONFIG_REGISTRY=<url>); nothing was published');
if (!['full', 'unit'].includes(values.tests)) fail(`--tests is full or unit, not ${JSON.stringify(values.tests)}`);

const { name, version } = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
const tag = `v${version}`;

step(`${name}@${version} to ${registry}`);
const pending = readdirSync(join(ROOT, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
if (pending.length > 0) fail(`${pending.length} changeset(s) not yet applied (${pending.join(', ')}): run pnpm version-packages, commit, then release`);
run('node', ['scripts/release/sync-version.mjs', '--check']);
const published = spawnSync('npm', ['view', `${name}@${version}`, 'version', '--registry', registry], { cwd: ROOT, encoding: 'utf8' });
if (published.status === 0 && published.stdout.trim() === version) fail(`${name}@${version} is already on ${registry}: versions are immutable; run pnpm version-packages for a new one`);

step('build');
run('pnpm', ['-s', 'build']);
step('API report (pnpm api:check)');
run('pnpm', ['-s', 'api:check']);
step('API guard: no removal without a major bump');
run('node', ['scripts/release/api-guard.mjs']);
step(values.tests === 'full' ? 'tests (pnpm test)' : 'tests (pnpm test:unit; the full suite passed in CI on this commit)');
// The build above is current; the test scripts build again, which is a no-op for tsc and quick for the bundle.
run('pnpm', ['-s', values.tests === 'full' ? 'test' : 'test:unit']);

step('pack');
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
run('pnpm', ['pack', '--pack-destination', OUT], { cwd: PACKAGE_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
const tarball = join(OUT, readdirSync(OUT).find((f) => f.endsWith('.tgz')) ?? fail('pnpm pack wrote no tarball'));
const problems = checkTarball(tarball);
if (problems.length > 0) fail(`the tarball is not fit to publish:\n${problems.map((p) => `  ${p}`).join('\n')}`);
process.stdout.write(`${tarball}\n`);

step('publish');
run('npm', ['publish', tarball, '--registry', registry]);

if (!values['no-git-tag']) {
  step(`git tag ${tag}`);
  run('git', ['tag', '-a', tag, '-m', `${name}@${version}`]);
  process.stdout.write(`tagged ${tag}; push it with: git push origin ${tag}\n`);
}
process.stdout.write(`\nrelease: published ${name}@${version} to ${registry}\n`);

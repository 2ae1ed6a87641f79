// The hub as spoke teams get it: released with `pnpm release` from a clean copy of this repository
// to a real npm registry (verdaccio on 127.0.0.1), installed at an exact version by a spoke created
// outside the workspace, with plain npm and with pnpm. Then a minor release, which the spoke does
// not take until its pin changes. On the way, the script steps of every pipeline run here for real:
// the hub CI's (with one substitution, below), the hub release's, the spoke CI's, in full on the
// spoke. Steps that need what this machine has not (a Databricks workspace and its CLI, a second
// Spark server, today's advisory database) are listed with the reason they are not run.
//
// The substitution: the hub CI's test step runs the whole end-to-end suite (minutes, with Spark),
// which CI's own `pnpm test` step has just run on this same commit. Here that step runs with
// `pnpm test:unit` (every package's unit tests, on the embedded engine) in place of `pnpm test`,
// the same reporters and the same JUnit file, and `pnpm release --tests unit` likewise.
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURE_FILES, azureScriptSteps, GITHUB_FILES, githubRunSteps, ROOT, type ScriptStep } from '../support/pipelines.js';
import { startRegistry, type Registry } from '../support/registry.js';

const scratch = mkdtempSync(join(tmpdir(), 'dlh-release-'));
const WS = join(scratch, 'hub');
const SPOKE = join(scratch, 'eagle');
const HUB = '@org/deltalake-hub';
let registry: Registry;
/**
 * The spoke side runs npm 10, the npm of Node 20 that the spoke pipelines set up (NodeTool 20.x,
 * setup-node 20). This machine's npm 11.19 rejects in `npm ci` the very lockfile it wrote, for
 * @databricks/sql 2.1.0's optional dependency that is not published (npm/cli#9846; docs/releasing.md).
 */
const npm10: NodeJS.ProcessEnv = {};
const NPM10 = '10.8.2';

const env: NodeJS.ProcessEnv = {
  ...process.env,
  CI: 'true',
  COREPACK_INTEGRITY_KEYS: '0',
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  COREPACK_DEFAULT_TO_LATEST: '0',
  GIT_AUTHOR_NAME: 'release test',
  GIT_AUTHOR_EMAIL: 'release@example.test',
  GIT_COMMITTER_NAME: 'release test',
  GIT_COMMITTER_EMAIL: 'release@example.test',
};
// The fast test selection runs on the embedded engine (see the header).
delete env['DELTALAKE_HUB_REQUIRE_SPARK'];
delete env['DELTALAKE_HUB_SPARK_PORT'];
// pnpm hands its own npm settings (the public registry among them) to the scripts it runs; the
// commands here must read only the .npmrc files, as on a pipeline agent.
for (const key of Object.keys(env)) if (/^npm_config_|^npm_package_|^npm_lifecycle_/i.test(key)) delete env[key];

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

function sh(command: string, cwd: string, extra: NodeJS.ProcessEnv = {}): Ran {
  // As GitHub Actions runs `run:` (bash -eo pipefail); the Azure scripts here set -euo pipefail themselves.
  const started = Date.now();
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', command], { cwd, env: { ...env, ...extra }, encoding: 'utf8', timeout: 540_000, maxBuffer: 64 * 1024 * 1024 });
  const ran = { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  // Where the minutes go, in the test log.
  process.stdout.write(`  ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s  exit ${ran.status}  ${command.split('\n')[0]?.slice(0, 110)}\n`);
  return { ...ran, output: `$ ${command}\n${ran.stdout}\n${ran.stderr}`.slice(-6000) };
}

function ok(command: string, cwd: string, extra: NodeJS.ProcessEnv = {}): Ran {
  const ran = sh(command, cwd, extra);
  expect(ran.status, ran.output).toBe(0);
  return ran;
}

function version(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

function published(): string[] {
  const view = sh(`npm view ${HUB} versions --json --registry ${registry.url}`, scratch);
  expect(view.status, view.output).toBe(0);
  return ([] as string[]).concat(JSON.parse(view.stdout) as string | string[]);
}

/** hub_version of every tracker row in the spoke's embedded warehouse, by file then load time. */
function trackerVersions(): string[] {
  const query = "SELECT hub_version FROM dev_catalog.bronze_metadata.load_tracker ORDER BY file_path, load_timestamp";
  const script = `import('${HUB}').then(async (m) => { const e = await m.createDuckDbEngine({ warehouse: '.deltalake-hub/warehouse' }); await e.prepareCatalogs(['dev_catalog']); process.stdout.write(JSON.stringify((await e.query(${JSON.stringify(query)})).map((r) => r.hub_version))); await e.close(); })`;
  return JSON.parse(ok(`node -e ${JSON.stringify(script)}`, SPOKE, npm10).stdout) as string[];
}

/** The changeset files in the copy that `pnpm version-packages` has not applied yet. */
function pendingChangesets(): string[] {
  return readdirSync(join(WS, '.changeset')).filter((f) => f.endsWith('.md') && f !== 'README.md');
}

/** The next minor version, computed here rather than by changesets. */
function nextMinor(v: string): string {
  const [major, minor] = v.split('.').map(Number);
  return `${major}.${(minor ?? 0) + 1}.0`;
}

/** A copy of the repository as git sees it (committed and new files, no build output), made a fresh repository. */
function cloneWorkspace(): void {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the working tree, not yet committed
    mkdirSync(dirname(join(WS, file)), { recursive: true });
    cpSync(join(ROOT, file), join(WS, file));
  }
  ok('git init -q && git add -A && git commit -qm "the hub, as committed"', WS);
  // `../shared` beside the repository, as beside CI's clone (the pipelines test reads its schema).
  if (existsSync(join(ROOT, '..', 'shared')) && !existsSync(join(scratch, 'shared'))) ok(`ln -s ${JSON.stringify(join(ROOT, '..', 'shared'))} shared`, scratch);
}

// ---- Every script step of every pipeline, and what happens to it here -------------------------

type Plan = { run: true; command?: string; env?: NodeJS.ProcessEnv } | { run: false; why: string };
const NO_DATABRICKS = 'needs the Databricks CLI (downloaded from GitHub) and a workspace; `spoke check` validated the bundle YAML here';
const SPOKE_CI_COMMANDS = ['npm ci', 'npx deltalake-hub --version', 'npm run lint', 'npm run build', 'npm test -- --reporter=default --reporter=junit --outputFile.junit=test-results/junit.xml', 'npx deltalake-hub spoke check .'];

/** The hub CI steps, by command: run as written, run with a substitution, or not run (why). */
function hubCiPlan(step: ScriptStep, staging: string, runnerTemp: string): Plan {
  const c = step.command.trim();
  if (['corepack enable && pnpm install --frozen-lockfile', 'pnpm lint', 'pnpm typecheck', 'pnpm api:check', 'node scripts/release/api-guard.mjs', 'pnpm build'].includes(c)) return { run: true };
  if (c === 'pnpm test --reporter=default --reporter=junit --outputFile.junit=test-results/junit.xml') return { run: true, command: c.replace('pnpm test ', 'pnpm test:unit ') };
  if (c === 'pnpm spark:install && pnpm spark:start') return { run: false, why: 'CI runs the suite on the Spark server it has started; a second one would double its memory' };
  if (c.startsWith('corepack enable && pnpm audit')) return { run: false, why: "its verdict follows the advisory database of the day, not this commit" };
  if (c.startsWith('pnpm --filter @org/deltalake-hub pack') && c.includes('$(Build.ArtifactStagingDirectory)')) return { run: true, command: c.replaceAll('$(Build.ArtifactStagingDirectory)', staging) };
  if (c.startsWith('pnpm --filter @org/deltalake-hub pack') && c.includes('$RUNNER_TEMP')) return { run: true, env: { RUNNER_TEMP: runnerTemp } };
  if (c.startsWith('version=$(tar -xzOf package/*.tgz')) return { run: false, why: 'in the release job, after the tag: run by the next test on the released tarball, with a matching and a mismatching tag' };
  if (c === 'npm publish package/*.tgz') return { run: false, why: 'pnpm release publishes the packed tarball with npm publish below' };
  throw new Error(`${step.file}: step "${step.name}" is not classified in the release test: run it, substitute it or say why not`);
}

/** Every pipeline step's fate here; a step nobody classified fails the test that meets it. */
function stepPlan(step: ScriptStep): Plan {
  if (step.file === 'azure-pipelines/hub-ci.yml' || step.file === '.github/workflows/hub-ci.yml') return hubCiPlan(step, 'staging', 'runner-temp');
  if (step.file === 'azure-pipelines/hub-release.yml') {
    if (step.name === 'Tag the release v<version>') return { run: false, why: 'runs only when the publish step released something; it found the version already on the feed' };
    if (['Point npm at the feed', 'Publish to Azure Artifacts'].includes(step.name)) return { run: true, command: 'with the local registry as the feed' };
  }
  if (/databricks bundle (validate|deploy)/.test(step.command)) return { run: false, why: NO_DATABRICKS };
  if (SPOKE_CI_COMMANDS.includes(step.command)) return { run: true };
  throw new Error(`${step.file}: step "${step.name}" is not classified in the release test: run it, substitute it or say why not`);
}

describe.sequential('the hub released to a registry and pinned by a spoke', () => {
  let X = '';
  let next = '';

  beforeAll(async () => {
    cloneWorkspace();
    X = version(join(WS, 'packages', 'deltalake-hub'));
    next = nextMinor(X);
    registry = await startRegistry(join(scratch, 'registry'));
    ok(`npm install --prefix ${JSON.stringify(join(scratch, 'npm10'))} --no-save --no-package-lock npm@${NPM10}`, scratch);
    npm10['PATH'] = `${join(scratch, 'npm10', 'node_modules', '.bin')}:${env['PATH'] ?? ''}`;
    expect(ok('npm --version', scratch, npm10).stdout.trim()).toBe(NPM10);
    // The publisher's credentials, where npm publish (run by pnpm release in the clone) reads them.
    appendFileSync(join(WS, '.npmrc'), `${registry.authLine}\n`);
  });

  afterAll(async () => {
    await registry?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("runs the hub CI's script steps of both pipelines in the clean copy", () => {
    const steps = [...azureScriptSteps(join(ROOT, 'azure-pipelines', 'hub-ci.yml')), ...githubRunSteps(join(ROOT, '.github', 'workflows', 'hub-ci.yml'))];
    const staging = join(scratch, 'ado-staging');
    const runnerTemp = join(scratch, 'gh-runner-temp');
    const done = new Map<string, string>();
    for (const step of steps) {
      const plan = hubCiPlan(step, staging, runnerTemp);
      if (!plan.run) {
        done.set(step.command, `not run: ${plan.why}`);
        continue;
      }
      if (done.has(step.command)) continue; // the same command in the other pipeline
      ok(plan.command ?? step.command, WS, plan.env);
      done.set(step.command, 'ran');
    }
    expect([...done.values()].filter((v) => v === 'ran').length).toBe(9);
    // The test step wrote the JUnit file the pipelines publish; the pack steps, one checked tarball each.
    expect(readFileSync(join(WS, 'test-results', 'junit.xml'), 'utf8')).toMatch(/<testsuites [^>]*tests="[1-9]\d*" [^>]*failures="0"/);
    expect(readdirSync(join(staging, 'package'))).toEqual([`org-deltalake-hub-${X}.tgz`]);
    expect(readdirSync(join(runnerTemp, 'package'))).toEqual([`org-deltalake-hub-${X}.tgz`]);
  });

  it(`publishes X with pnpm release and tags vX`, () => {
    // Changesets not yet applied (main between releases) are applied first, as a maintainer does: release refuses otherwise.
    if (pendingChangesets().length > 0) {
      ok('pnpm version-packages', WS);
      expect(pendingChangesets()).toEqual([]);
      ok(`git add -A && git commit -qm "version packages"`, WS);
      X = version(join(WS, 'packages', 'deltalake-hub'));
      next = nextMinor(X);
    }
    const release = ok(`pnpm release --registry ${registry.url} --tests unit`, WS);
    expect(release.stdout).toContain(`release: published ${HUB}@${X} to ${registry.url}`);
    expect(published()).toEqual([X]);
    expect(ok('git tag --list "v*"', WS).stdout.trim()).toBe(`v${X}`);
    // Versions are immutable: the same release again is refused before anything is built.
    const again = sh(`pnpm release --registry ${registry.url} --tests unit`, WS);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain(`${HUB}@${X} is already on ${registry.url}`);
  });

  it('runs the hub release steps: GitHub checks the tag against the tarball, Azure skips a version already on the feed', () => {
    const job = join(scratch, 'gh-release');
    mkdirSync(join(job, 'package'), { recursive: true });
    cpSync(join(WS, 'build', 'release', `org-deltalake-hub-${X}.tgz`), join(job, 'package', `org-deltalake-hub-${X}.tgz`));
    const tagCheck = githubRunSteps(join(ROOT, '.github', 'workflows', 'hub-ci.yml')).find((s) => s.name === 'The tag names the packed version');
    expect(tagCheck).toBeDefined();
    expect(sh(tagCheck?.command ?? '', job, { GITHUB_REF_NAME: `v${X}` }).status).toBe(0);
    const wrong = sh(tagCheck?.command ?? '', job, { GITHUB_REF_NAME: 'v99.0.0' });
    expect(wrong.status).toBe(1);
    expect(wrong.stdout).toContain(`::error::tag v99.0.0 but the package is ${X}`);

    // Azure: the feed's .npmrc, npmAuthenticate (a task, not a script: the token line it would add), publish.
    const workspace = join(scratch, 'ado-release');
    mkdirSync(join(workspace, 'package'), { recursive: true });
    cpSync(join(WS, 'build', 'release', `org-deltalake-hub-${X}.tgz`), join(workspace, 'package', `org-deltalake-hub-${X}.tgz`));
    const steps = azureScriptSteps(join(ROOT, 'azure-pipelines', 'hub-release.yml'));
    expect(steps.map((s) => s.name)).toEqual(['Point npm at the feed', 'Publish to Azure Artifacts', 'Tag the release v<version>']);
    const azure = (command: string) => command.replaceAll('${{ parameters.feedUrl }}', registry.url).replaceAll('$(Pipeline.Workspace)', workspace);
    ok(azure(steps[0]?.command ?? ''), workspace);
    appendFileSync(join(workspace, 'publish', '.npmrc'), `${registry.authLine}\n`);
    const publish = ok(azure(steps[1]?.command ?? ''), workspace);
    expect(publish.stdout).toContain(`${HUB}@${X} is already on the feed: nothing to release`);
    expect(publish.stdout).toContain('##vso[task.setvariable variable=released]false');
    // The tag step runs only when something was released.
    expect(readFileSync(join(ROOT, 'azure-pipelines', 'hub-release.yml'), 'utf8')).toContain("condition: and(succeeded(), eq(variables['released'], 'true'))");
    expect(published()).toEqual([X]);
  });

  it("creates a spoke with X's CLI, pinned to X exactly, that installs with npm and passes its CI steps, tests and a sample load", () => {
    const tools = join(scratch, 'tools');
    mkdirSync(tools);
    writeFileSync(join(tools, 'package.json'), '{ "private": true }\n');
    writeFileSync(join(tools, '.npmrc'), `@org:registry=${registry.url}\n`);
    ok(`npm install --save-exact ${HUB}@${X}`, tools, npm10);
    ok(`npx deltalake-hub spoke create eagle --lob eagle --dir ${SPOKE} --registry ${registry.url}`, tools, npm10);
    const pkg = JSON.parse(readFileSync(join(SPOKE, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg.dependencies).toEqual({ [HUB]: X });
    expect(readFileSync(join(SPOKE, '.npmrc'), 'utf8')).toContain(`@org:registry=${registry.url}\n`);

    ok('npm install', SPOKE, npm10); // the spoke team's first install writes package-lock.json; CI then runs npm ci
    expect(JSON.parse(readFileSync(join(SPOKE, 'package-lock.json'), 'utf8')).packages[`node_modules/${HUB}`].version).toBe(X);

    const spokeSteps = [...azureScriptSteps(join(ROOT, 'azure-pipelines', 'templates', 'spoke-ci-template.yml')), ...githubRunSteps(join(ROOT, '.github', 'workflows', 'spoke-ci.yml'))];
    const ran = new Set<string>();
    for (const step of spokeSteps) {
      if (!stepPlan(step).run || ran.has(step.command)) continue;
      const result = ok(step.command, SPOKE, npm10);
      if (step.command === 'npx deltalake-hub --version') expect(result.stdout).toBe(`${X}\n`);
      if (step.command === 'npx deltalake-hub spoke check .') expect(result.stdout).toBe('.: ok\n');
      ran.add(step.command);
    }
    expect([...ran].sort()).toEqual([...SPOKE_CI_COMMANDS].sort());
    // The spoke's own tests ran (config for every target, spoke check, the sample load on DuckDB).
    expect(readFileSync(join(SPOKE, 'test-results', 'junit.xml'), 'utf8')).toMatch(/<testsuites [^>]*tests="[1-9]\d*" [^>]*failures="0"/);

    // A bronze run of the sample data on the embedded engine, through the spoke's runner.
    const samples = join(SPOKE, 'raw', 'eagle', 'transactions');
    const files = readdirSync(samples).sort();
    const rows = files.reduce((sum, f) => sum + readFileSync(join(samples, f), 'utf8').split('\n').filter((l) => l.trim()).length - 1, 0);
    const load = ok('npm run -s bronze:sample -- --json', SPOKE, npm10);
    const summary = JSON.parse(load.stdout) as { status: string; hubVersion: string; files: { path: string; rows: number; status: string }[] };
    expect(summary.status).toBe('SUCCESS');
    expect(summary.hubVersion).toBe(X);
    expect(summary.files.map((f) => f.path.split('/').pop()).sort()).toEqual(files);
    expect(summary.files.reduce((sum, f) => sum + f.rows, 0)).toBe(rows);
    const status = JSON.parse(ok('npx deltalake-hub status --catalog dev_catalog --json', SPOKE, npm10).stdout) as { loads: { status: string }[] };
    expect(status.loads.map((r) => r.status)).toEqual(files.map(() => 'SUCCESS'));
    expect(trackerVersions()).toEqual(files.map(() => X));
  });

  it('installs the same spoke with pnpm', () => {
    const copy = join(scratch, 'eagle-pnpm');
    cpSync(SPOKE, copy, { recursive: true, filter: (src) => !/(node_modules|package-lock\.json|\.deltalake-hub|dist|test-results)$/.test(src) });
    ok('pnpm install', copy);
    expect(ok('pnpm exec deltalake-hub --version', copy).stdout).toBe(`${X}\n`);
    expect(ok('pnpm exec deltalake-hub spoke check .', copy).stdout).toBe('.: ok\n');
    ok('pnpm test', copy);
  });

  it('refuses, at pnpm version-packages, a removal from the API with only a minor changeset', () => {
    const index = join(WS, 'packages', 'deltalake-hub', 'src', 'index.ts');
    const text = readFileSync(index, 'utf8');
    const line = "export { createSpoke } from './spoke/create-spoke.js';\n";
    expect(text).toContain(line);
    try {
      writeFileSync(index, text.replace(line, ''));
      ok('pnpm -s build && pnpm -s api:update', WS);
      writeFileSync(join(WS, '.changeset', 'drop-create-spoke.md'), `---\n"${HUB}": minor\n---\n\ncreateSpoke is no longer exported.\n`);
      const refused = sh('pnpm version-packages', WS);
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(`api-guard: refused: 1 removal(s) from the public API of ${HUB} since v${X} without a major bump`);
      expect(refused.stderr).toContain('  - createSpoke (function)\n');
      expect(version(join(WS, 'packages', 'deltalake-hub'))).toBe(X);
    } finally {
      ok('git checkout -- packages .changeset && git clean -fdq .changeset packages/deltalake-hub/src', WS);
    }
  });

  it('releases X+1 with a visible change; the spoke stays on X until its pin changes', () => {
    // The change: a new export, recorded in the API report and a minor changeset.
    const index = join(WS, 'packages', 'deltalake-hub', 'src', 'index.ts');
    appendFileSync(index, "\n/** Added after the first release (the registry test's visible change). */\nexport const REGISTRY_TEST_MARKER = 'added in the minor release';\n");
    ok('pnpm -s build && pnpm -s api:update', WS);
    writeFileSync(join(WS, '.changeset', 'marker.md'), `---\n"${HUB}": minor\n---\n\nExports REGISTRY_TEST_MARKER.\n`);
    ok('pnpm version-packages', WS);
    expect(version(join(WS, 'packages', 'deltalake-hub'))).toBe(next);
    expect(readFileSync(join(WS, 'packages', 'hub-core', 'src', 'version.ts'), 'utf8')).toContain(`export const HUB_VERSION: string = '${next}';`);
    expect(readFileSync(join(WS, 'packages', 'deltalake-hub', 'CHANGELOG.md'), 'utf8')).toMatch(new RegExp(`## ${next.replaceAll('.', '\\.')}\\n\\n### Minor Changes\\n\\n- [0-9a-f]*:? ?Exports REGISTRY_TEST_MARKER\\.`));
    expect(pendingChangesets()).toEqual([]);
    ok(`git add -A && git commit -qm "${HUB}@${next}"`, WS);
    ok(`pnpm release --registry ${registry.url} --tests unit`, WS);
    expect(published().sort()).toEqual([X, next].sort());

    const hasMarker = `node -e "import('${HUB}').then((m) => console.log('REGISTRY_TEST_MARKER' in m))"`;
    const installed = () => (JSON.parse(readFileSync(join(SPOKE, 'node_modules', '@org', 'deltalake-hub', 'package.json'), 'utf8')) as { version: string }).version;
    const lock = readFileSync(join(SPOKE, 'package-lock.json'), 'utf8');
    // Pinned to X: a clean install and a plain npm install both keep X, though X+1 is the latest.
    for (const install of ['npm ci', 'npm install']) {
      ok(install, SPOKE, npm10);
      expect(installed(), install).toBe(X);
      expect(ok('npx deltalake-hub --version', SPOKE, npm10).stdout).toBe(`${X}\n`);
      expect(ok(hasMarker, SPOKE, npm10).stdout).toBe('false\n');
    }
    expect(readFileSync(join(SPOKE, 'package-lock.json'), 'utf8')).toBe(lock);
    const outdated = sh('npm outdated --json', SPOKE, npm10);
    expect((JSON.parse(outdated.stdout) as Record<string, { current: string; latest: string }>)[HUB]).toMatchObject({ current: X, latest: next });

    // The spoke team moves the pin: now X+1, with its change.
    ok(`npm install --save-exact ${HUB}@${next}`, SPOKE, npm10);
    expect((JSON.parse(readFileSync(join(SPOKE, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies).toEqual({ [HUB]: next });
    expect(installed()).toBe(next);
    expect(ok('npx deltalake-hub --version', SPOKE, npm10).stdout).toBe(`${next}\n`);
    expect(ok(hasMarker, SPOKE, npm10).stdout).toBe('true\n');
    expect(ok('npx deltalake-hub spoke check .', SPOKE, npm10).stdout).toBe('.: ok\n');
    // Which version loaded each file: a forced reload under X+1 is recorded as X+1 beside X's first load.
    const reload = JSON.parse(ok('npm run -s bronze:sample -- --json --force', SPOKE, npm10).stdout) as { status: string; hubVersion: string };
    expect(reload).toMatchObject({ status: 'SUCCESS', hubVersion: next });
    const samples = readdirSync(join(SPOKE, 'raw', 'eagle', 'transactions'));
    expect(trackerVersions()).toEqual(samples.flatMap(() => [X, next]));
  });

  it('classifies every script step of every pipeline: run above, or the reason it is not', () => {
    const all = [...AZURE_FILES.flatMap(azureScriptSteps), ...GITHUB_FILES.flatMap(githubRunSteps)];
    const table = all.map((s) => {
      const plan = stepPlan(s);
      return `${s.file}: ${s.name}: ${plan.run ? (plan.command ? 'ran, substituted' : 'ran') : `not run (${plan.why})`}`;
    });
    process.stdout.write(`${table.join('\n')}\n`);
    expect(new Set(all.map((s) => s.file))).toEqual(
      new Set(['azure-pipelines/hub-ci.yml', 'azure-pipelines/hub-release.yml', 'azure-pipelines/templates/spoke-ci-template.yml', 'azure-pipelines/templates/spoke-release-template.yml', '.github/workflows/hub-ci.yml', '.github/workflows/spoke-ci.yml', '.github/workflows/spoke-release.yml']),
    );
    expect(table.filter((line) => line.includes(': ran')).length).toBeGreaterThanOrEqual(20);
  });
});

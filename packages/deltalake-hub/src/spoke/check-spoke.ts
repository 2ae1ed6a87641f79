import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { ConfigIssue } from '@org/hub-core';
import { readConfig as hubReadConfig } from '@org/hub-bronze';
import { readChecksFile } from '@org/hub-quality';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

import { lineAt, loadBundle, toObject, type BundleYaml } from '../bundle.js';
import { chainIssues, findAfterBronzeJob, readBundleJobs } from '../jobs/bundle-chain.js';
import { ON_PARTIAL_VARIABLE } from '../jobs/run-chain.js';
import { checkSqlTaskFiles } from './sql-task-files.js';
import { checkTargetModes } from './target-mode.js';

/** yaml loads on first use (about 50 ms of CPU), so commands that read no YAML, `--help` and `bronze run` among them, never pay for it. */
let yamlModule: typeof Yaml | undefined;
const yaml = (): typeof Yaml => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

export type ReadConfigFunction = (path: string, options: { variables: Record<string, string>; displayName?: string }) => Promise<unknown>;

export interface CheckSpokeOptions {
  /** The config reader; defaults to `readConfig` from @org/hub-bronze (injected in tests). */
  readonly readConfig?: ReadConfigFunction | undefined;
}

export interface CheckSpokeResult {
  readonly ok: boolean;
  /** Each as `file:line: message`, files relative to the spoke folder. */
  readonly problems: string[];
}

/** Where a spoke's runner lives and how it declares the job parameters it reads. */
export const RUNNER_GLOB = 'src/bronze/*-bronze-runner.ts';
const RUNNER_FILE = /-bronze-runner\.(ts|js|mjs)$/;
const JOB_PARAMETERS_DECLARATION = /JOB_PARAMETERS\s*(?::[^=]*)?=\s*\[([^\]]*)\]/;

/** Keys whose value is a credential: such a value must be a reference, never a literal. */
const SECRET_KEY = /^(token|password|passwd|pwd|secret|client_secret|access_token|api_key|apikey|pat|personal_access_token|[a-z0-9_]*_(token|secret|password))$/i;
/** `${var.x}`, `{{secrets/scope/key}}`, `${{ secrets.X }}` (GitHub) and `$(X)` (Azure DevOps) are references. */
const SECRET_REFERENCE = /^\s*(\$\{[^}]+\}|\{\{\s*secrets\/[^}]+\}\}|\$\{\{[^}]+\}\}|\$\([^)]+\))\s*$/;
const DATABRICKS_PAT = /dapi[0-9a-f]{32}/;
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', '.databricks', 'sample-data', 'coverage']);

type ParsedYaml = BundleYaml;

/** The package spokes pin, and how: an exact version (or pnpm's workspace protocol inside the hub's own workspace). */
const HUB_PACKAGE = '@org/deltalake-hub';
const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * `deltalake-hub spoke check`: what CI should refuse before a bundle deploy. The config CSV (and the
 * checks file, when there is one) is valid for every bundle target; the resources parse and name
 * their jobs and files correctly; the chain a trigger runs (bundle-chain.ts) is in order, passes
 * the parameters on, and starts from the runner's parameters; every target keeps its mode's rules
 * (target-mode.ts); SQL task files read their parameters as markers (sql-task-files.ts);
 * package.json pins the hub exactly; no YAML holds a secret.
 */
export async function checkSpoke(dir = '.', options: CheckSpokeOptions = {}): Promise<CheckSpokeResult> {
  const root = resolve(dir);
  const problems: string[] = [];
  const report = (file: string, line: number, message: string) => problems.push(`${file}:${line}: ${message}`);

  const loaded = loadBundle(root);
  for (const issue of loaded.issues) report(issue.file, issue.line, issue.message);
  const bundle = loaded.main;
  const targets = bundle ? bundleTargets(bundle, report) : new Map<string, Record<string, string>>();

  const lobs = await checkConfigs(root, targets, options.readConfig ?? (hubReadConfig as ReadConfigFunction), report);
  await checkQualityFiles(root, targets, report);
  checkOnPartial(bundle, targets, report);

  // A job in a file that does not parse is unknown, so references to it, and the chain, are not checked then.
  checkJobs(root, loaded.resources, lobs, loaded.allParsed, report);
  const jobs = loaded.allParsed ? readBundleJobs(loaded) : undefined;
  for (const issue of jobs ? [...jobs.issues, ...chainIssues(jobs)] : []) report(issue.file, issue.line, issue.message);
  checkTargetModes(bundle, loaded.resources, targets, report);
  checkSqlTaskFiles(root, jobs, report);
  await checkRunnerParameters(root, jobs, report);
  await checkHubPin(root, report);
  await checkSecrets(root, report);

  return { ok: problems.length === 0, problems };
}

type Report = (file: string, line: number, message: string) => void;

/** Each target's variables: top-level defaults overlaid with the target's own values. */
function bundleTargets(bundle: ParsedYaml, report: Report): Map<string, Record<string, string>> {
  const data = toObject(bundle.doc.toJS());
  const declared = toObject(data['variables']);
  const defaults: Record<string, string> = {};
  const lookups = new Set<string>();
  for (const [name, spec] of Object.entries(declared)) {
    const value = toObject(spec);
    if (isText(value['default'])) defaults[name] = String(value['default']);
    if (value['lookup'] !== undefined) lookups.add(name);
  }
  const targets = new Map<string, Record<string, string>>();
  const targetSpecs = toObject(data['targets']);
  if (Object.keys(targetSpecs).length === 0) report(bundle.file, lineAt(bundle, ['bundle']) || 1, 'no targets: declare dev, staging and prod under targets');
  for (const [target, spec] of Object.entries(targetSpecs)) {
    const values: Record<string, string> = { ...defaults };
    for (const [name, value] of Object.entries(toObject(toObject(spec)['variables']))) {
      const line = lineAt(bundle, ['targets', target, 'variables', name]);
      if (!(name in declared)) report(bundle.file, line, `target ${target} sets variable ${name}, which is not declared under the top-level variables`);
      const v = isText(value) ? value : toObject(value)['default'];
      if (isText(v)) values[name] = String(v);
      else if (toObject(value)['lookup'] !== undefined) lookups.add(name);
    }
    for (const name of Object.keys(declared)) {
      if (!(name in values) && !lookups.has(name)) report(bundle.file, lineAt(bundle, ['targets', target]), `target ${target} has no value for variable ${name} (no default either)`);
    }
    targets.set(target, values);
  }
  return targets;
}

/** Validates every config CSV once per target; returns the LOBs named in them. */
async function checkConfigs(root: string, targets: Map<string, Record<string, string>>, read: ReadConfigFunction, report: Report): Promise<Set<string>> {
  const dir = join(root, 'configs', 'bronze');
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => f.endsWith('.csv')).sort() : [];
  const lobs = new Set<string>();
  if (files.length === 0) {
    report('configs/bronze', 0, 'no config CSV (configs/bronze/<lob>_config.csv)');
    return lobs;
  }
  for (const name of files) {
    const file = `configs/bronze/${name}`;
    for (const lob of lobColumn(await readFile(join(dir, name), 'utf8'))) lobs.add(lob);
    await readPerTarget(root, file, targets, (variables) => read(join(dir, name), { variables, displayName: file }), report);
  }
  return lobs;
}

/** Reads one file with each target's variables; every problem is reported once, naming the first target it appears for. */
async function readPerTarget(root: string, file: string, targets: Map<string, Record<string, string>>, read: (variables: Record<string, string>) => Promise<unknown>, report: Report): Promise<void> {
  const seen = new Set<string>();
  for (const [target, variables] of targets) {
    try {
      await read(variables);
    } catch (error) {
      const issues = isConfigIssues(error) ? error.issues : [{ file, line: 0, message: error instanceof Error ? error.message : String(error) }];
      for (const issue of issues) {
        const where = isAbsolute(issue.file) ? relative(root, issue.file) : issue.file;
        const text = `${where}:${issue.line}: ${issue.column ? `${issue.column}: ` : ''}${issue.message}`;
        // One line per problem; the target is named so a per-target variable is easy to find.
        if (seen.has(text)) continue;
        seen.add(text);
        report(where, issue.line, `${issue.column ? `${issue.column}: ` : ''}${issue.message} (target ${target})`);
      }
    }
  }
}

/** Every checks file (configs/quality/*.yml), if the spoke has any, read once per target as its runner reads it. */
async function checkQualityFiles(root: string, targets: Map<string, Record<string, string>>, report: Report): Promise<void> {
  const dir = join(root, 'configs', 'quality');
  const files = existsSync(dir) ? (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  for (const name of files) {
    const file = `configs/quality/${name}`;
    await readPerTarget(root, file, targets, (variables) => readChecksFile(join(dir, name), { variables, displayName: file }), report);
  }
}

/** A ConfigError, recognised by shape so that an injected reader's errors count too. */
function isConfigIssues(error: unknown): error is { issues: readonly ConfigIssue[] } {
  return error instanceof Error && Array.isArray((error as { issues?: unknown }).issues);
}

/** The lob column's values, read just well enough to name jobs; validation is readConfig's job. */
function lobColumn(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const index = header.indexOf('lob');
  if (index < 0) return [];
  return lines.slice(1).map((line) => (splitCsvLine(line)[index] ?? '').trim()).filter(Boolean);
}

function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/** Job names say LOB and target; SQL task files exist; jobs started by other jobs exist. */
function checkJobs(root: string, resources: readonly ParsedYaml[], lobs: Set<string>, allParsed: boolean, report: Report): void {
  const prefixes = [...lobs].map((lob) => `[${lob.charAt(0).toUpperCase()}${lob.slice(1)}]`);
  const jobKeys = new Set<string>();
  const references: { parsed: ParsedYaml; path: (string | number)[]; job: string }[] = [];
  for (const parsed of resources) {
    const jobs = toObject(toObject(parsed.doc.toJS())['resources'])['jobs'];
    for (const [key, spec] of Object.entries(toObject(jobs))) {
      jobKeys.add(key);
      const job = toObject(spec);
      const name = job['name'];
      const nameLine = lineAt(parsed, ['resources', 'jobs', key, 'name']) || lineAt(parsed, ['resources', 'jobs', key]);
      if (typeof name !== 'string') {
        report(parsed.file, nameLine, `job ${key} has no name`);
      } else {
        if (!name.includes('${bundle.target}')) report(parsed.file, nameLine, `job ${key}: name ${JSON.stringify(name)} must contain \${bundle.target}, so targets sharing a workspace do not collide`);
        if (prefixes.length > 0 && !prefixes.some((p) => name.startsWith(p))) report(parsed.file, nameLine, `job ${key}: name ${JSON.stringify(name)} must start with ${prefixes.join(' or ')}`);
      }
      const tasks = Array.isArray(job['tasks']) ? job['tasks'] : [];
      tasks.forEach((task, i) => {
        const t = toObject(task);
        const sqlFile = toObject(toObject(t['sql_task'])['file'])['path'];
        if (typeof sqlFile === 'string' && !existsSync(resolve(root, dirname(parsed.file), sqlFile))) {
          report(parsed.file, lineAt(parsed, ['resources', 'jobs', key, 'tasks', i, 'sql_task', 'file', 'path']), `job ${key}: sql_task file ${sqlFile} does not exist`);
        }
        const jobId = toObject(t['run_job_task'])['job_id'];
        const ref = typeof jobId === 'string' ? /^\$\{resources\.jobs\.([A-Za-z0-9_-]+)\.id\}$/.exec(jobId.trim()) : null;
        if (ref?.[1]) references.push({ parsed, path: ['resources', 'jobs', key, 'tasks', i, 'run_job_task', 'job_id'], job: ref[1] });
      });
    }
  }
  for (const { parsed, path, job } of references) {
    if (allParsed && !jobKeys.has(job)) report(parsed.file, lineAt(parsed, path), `run_job_task refers to job ${job}, which no resource file defines`);
  }
}

/** The after-bronze job's parameter names must be exactly the runner's JOB_PARAMETERS: the trigger's. */
async function checkRunnerParameters(root: string, jobs: ReturnType<typeof readBundleJobs> | undefined, report: Report): Promise<void> {
  const runnerDir = join(root, 'src', 'bronze');
  const runners = existsSync(runnerDir) ? (await readdir(runnerDir)).filter((f) => RUNNER_FILE.test(f) && !f.endsWith('.test.ts')).sort() : [];
  const runner = runners[0];
  if (!runner) {
    report('src/bronze', 0, `no runner: expected ${RUNNER_GLOB} exporting JOB_PARAMETERS`);
    return;
  }
  const runnerFile = `src/bronze/${runner}`;
  const source = await readFile(join(runnerDir, runner), 'utf8');
  const match = JOB_PARAMETERS_DECLARATION.exec(source);
  if (!match) {
    report(runnerFile, 0, "does not declare JOB_PARAMETERS as an array literal, e.g. export const JOB_PARAMETERS = ['category', 'subcategory', 'file_name', 'begin_date', 'end_date'] as const");
    return;
  }
  const runnerLine = source.slice(0, match.index).split('\n').length;
  const expected = [...(match[1] ?? '').matchAll(/['"`]([^'"`]+)['"`]/g)].map((m) => m[1] ?? '');
  // The job the trigger's parameters go to (run-now sends exactly these); its absence is a chain problem.
  if (!jobs) return;
  const job = findAfterBronzeJob(jobs);
  if (!('key' in job)) return;
  const names = job.parameters.map((p) => p.name);
  const missing = expected.filter((n) => !names.includes(n));
  const extra = names.filter((n) => !expected.includes(n));
  if (missing.length === 0 && extra.length === 0) return;
  const line = lineAt(job.yaml, ['resources', 'jobs', job.key, 'parameters']) || lineAt(job.yaml, ['resources', 'jobs', job.key]);
  const parts = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `not read by the runner: ${extra.join(', ')}` : ''].filter(Boolean);
  report(job.yaml.file, line, `job ${job.key}: parameters differ from JOB_PARAMETERS in ${runnerFile}:${runnerLine} (${parts.join('; ')})`);
}

/** `on_partial_bronze`, when declared, is continue or stop for every target. */
function checkOnPartial(bundle: ParsedYaml | undefined, targets: Map<string, Record<string, string>>, report: Report): void {
  if (!bundle) return;
  for (const [target, variables] of targets) {
    const value = variables[ON_PARTIAL_VARIABLE];
    if (value === undefined || value === 'continue' || value === 'stop') continue;
    const line = lineAt(bundle, ['targets', target, 'variables', ON_PARTIAL_VARIABLE]) || lineAt(bundle, ['variables', ON_PARTIAL_VARIABLE]);
    report(bundle.file, line, `variable ${ON_PARTIAL_VARIABLE} is ${JSON.stringify(value)} for target ${target}: expected continue or stop`);
  }
}

/**
 * What installs the hub pins one version: package.json names @org/deltalake-hub at an exact
 * version (pnpm's workspace: protocol is how the hub's own workspace links it), and a lockfile,
 * when there is one, installs that same version.
 */
async function checkHubPin(root: string, report: Report): Promise<void> {
  const file = 'package.json';
  if (!existsSync(join(root, file))) {
    report(file, 0, `missing: a spoke pins ${HUB_PACKAGE} at an exact version in its package.json`);
    return;
  }
  const text = await readFile(join(root, file), 'utf8');
  let pkg: Record<string, unknown>;
  try {
    pkg = toObject(JSON.parse(text));
  } catch (error) {
    report(file, 0, `invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  const pin = toObject(pkg['dependencies'])[HUB_PACKAGE];
  const line = lineOfText(text, `"${HUB_PACKAGE}"`);
  if (typeof pin !== 'string') {
    report(file, line, `${HUB_PACKAGE} is not in dependencies: a spoke pins the hub it runs (e.g. "${HUB_PACKAGE}": "1.2.0")`);
    return;
  }
  if (pin.startsWith('workspace:')) return;
  if (!EXACT_VERSION.test(pin)) {
    report(file, line, `${HUB_PACKAGE} is ${JSON.stringify(pin)}: pin an exact version (e.g. "1.2.0"), so every install runs the hub the spoke was tested with`);
    return;
  }
  const locked = await lockedHubVersion(root);
  if (locked && locked.version !== pin) report(locked.file, lineOfText(await readFile(join(root, locked.file), 'utf8'), HUB_PACKAGE), `installs ${HUB_PACKAGE} ${locked.version}, but package.json pins ${pin}: install again (npm install) and commit the lockfile`);
}

/** The hub version an npm or pnpm lockfile of the spoke installs, if the spoke has one. */
async function lockedHubVersion(root: string): Promise<{ file: string; version: string } | undefined> {
  if (existsSync(join(root, 'package-lock.json'))) {
    const lock = toObject(JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')));
    const version = toObject(toObject(lock['packages'])[`node_modules/${HUB_PACKAGE}`])['version'] ?? toObject(toObject(lock['dependencies'])[HUB_PACKAGE])['version'];
    return typeof version === 'string' ? { file: 'package-lock.json', version } : undefined;
  }
  if (existsSync(join(root, 'pnpm-lock.yaml'))) {
    const lock = toObject(yaml().parse(await readFile(join(root, 'pnpm-lock.yaml'), 'utf8')));
    const entry = toObject(toObject(toObject(toObject(lock['importers'])['.'])['dependencies'])[HUB_PACKAGE])['version'];
    // pnpm writes `1.2.0` or `1.2.0(peer@x)`.
    return typeof entry === 'string' ? { file: 'pnpm-lock.yaml', version: entry.replace(/\(.*$/, '') } : undefined;
  }
  return undefined;
}

function lineOfText(text: string, needle: string): number {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  return index < 0 ? 0 : index + 1;
}

/** Every YAML file of the spoke: credential keys hold references only, and no PAT appears anywhere. */
async function checkSecrets(root: string, report: Report): Promise<void> {
  for (const file of await yamlFiles(root, '')) {
    const text = await readFile(join(root, file), 'utf8');
    text.split('\n').forEach((line, i) => {
      if (DATABRICKS_PAT.test(line)) report(file, i + 1, 'a Databricks personal access token is written here: remove it, revoke it, and pass it from the pipeline secret store');
    });
    const lines = new (yaml().LineCounter)();
    const doc = yaml().parseDocument(text, { lineCounter: lines });
    if (doc.errors.length > 0) continue; // reported where the file is parsed for its content
    yaml().visit(doc, {
      Pair(_, pair) {
        if (!yaml().isPair(pair) || !yaml().isScalar(pair.key) || !SECRET_KEY.test(String(pair.key.value))) return;
        const value = pair.value;
        if (yaml().isMap(value) || yaml().isSeq(value) || !yaml().isScalar(value)) return;
        const literal = value.value;
        if (literal === null || literal === '' || (typeof literal === 'string' && SECRET_REFERENCE.test(literal))) return;
        const line = value.range ? lines.linePos(value.range[0]).line : 0;
        if (DATABRICKS_PAT.test(String(literal))) return; // already reported by the line scan
        report(file, line, `${String(pair.key.value)} holds a literal value: use a reference such as \${var.name} or {{secrets/scope/key}}`);
      },
    });
  }
}

async function yamlFiles(root: string, sub: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) out.push(...(await yamlFiles(root, rel)));
    } else if (/\.ya?ml$/i.test(entry.name)) {
      out.push(rel);
    }
  }
  return out.sort();
}

function isText(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

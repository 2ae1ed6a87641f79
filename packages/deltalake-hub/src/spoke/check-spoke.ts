import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { ConfigIssue } from '@org/hub-core';
import { readConfig as hubReadConfig } from '@org/hub-bronze';
import { readChecksFile } from '@org/hub-quality';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node } from 'yaml';

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

interface ParsedYaml {
  readonly file: string;
  readonly doc: Document;
  readonly lines: LineCounter;
}

/**
 * `deltalake-hub spoke check`: what CI should refuse before a bundle deploy. The config CSV (and the
 * checks file, when there is one) is valid for every bundle target, the runner reads the bronze job's parameters, the resources
 * parse and name their jobs and files correctly, and no YAML holds a secret.
 */
export async function checkSpoke(dir = '.', options: CheckSpokeOptions = {}): Promise<CheckSpokeResult> {
  const root = resolve(dir);
  const problems: string[] = [];
  const report = (file: string, line: number, message: string) => problems.push(`${file}:${line}: ${message}`);

  const bundle = await parseYaml(root, 'databricks.yml', report);
  const targets = bundle ? bundleTargets(bundle, report) : new Map<string, Record<string, string>>();

  const lobs = await checkConfigs(root, targets, options.readConfig ?? (hubReadConfig as ReadConfigFunction), report);
  await checkQualityFiles(root, targets, report);

  const resourceFiles = bundle ? await includedFiles(root, bundle) : [];
  const resources: ParsedYaml[] = [];
  for (const file of resourceFiles) {
    const parsed = await parseYaml(root, file, report);
    if (parsed) resources.push(parsed);
  }
  // A job in a file that does not parse is unknown, so references to it are not checked then.
  checkJobs(root, resources, lobs, resources.length === resourceFiles.length, report);
  await checkRunnerParameters(root, resources, report);
  await checkSecrets(root, report);

  return { ok: problems.length === 0, problems };
}

async function parseYaml(root: string, file: string, report: Report): Promise<ParsedYaml | undefined> {
  const path = join(root, file);
  if (!existsSync(path)) {
    report(file, 0, 'missing');
    return undefined;
  }
  const lines = new LineCounter();
  const doc = parseDocument(await readFile(path, 'utf8'), { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    // The first error is the real one; the parser's later errors follow from it.
    const error = doc.errors[0];
    report(file, error?.linePos?.[0].line ?? 0, `invalid YAML: ${firstLine(error?.message ?? '').replace(/ at line \d+, column \d+:?$/, '')}`);
    return undefined;
  }
  return { file, doc, lines };
}

type Report = (file: string, line: number, message: string) => void;

/** The line of a mapping key (`parameters:`), or of the node itself for sequence items. */
function lineAt(parsed: ParsedYaml, path: readonly (string | number)[]): number {
  const last = path[path.length - 1];
  const parent = path.length > 0 ? parsed.doc.getIn(path.slice(0, -1), true) : undefined;
  if (isMap(parent)) {
    const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
    const key = pair?.key as Node | undefined;
    if (key?.range) return parsed.lines.linePos(key.range[0]).line;
  }
  const node = parsed.doc.getIn(path, true) as Node | undefined;
  return node?.range ? parsed.lines.linePos(node.range[0]).line : 0;
}

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

/** The resource files the bundle's `include` globs name (one directory level, `*` only). */
async function includedFiles(root: string, bundle: ParsedYaml): Promise<string[]> {
  const include = bundle.doc.toJS() as { include?: unknown };
  const patterns = Array.isArray(include.include) ? include.include.filter((p): p is string => typeof p === 'string') : [];
  const out: string[] = [];
  for (const pattern of patterns) {
    const dir = dirname(pattern);
    const base = pattern.slice(dir === '.' ? 0 : dir.length + 1);
    const matcher = new RegExp(`^${base.split('*').map(escapeRegExp).join('[^/]*')}$`);
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    for (const name of (await readdir(abs)).sort()) if (matcher.test(name)) out.push(dir === '.' ? name : `${dir}/${name}`);
  }
  return [...new Set(out)];
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

/** The bronze job's parameter names must be exactly the runner's JOB_PARAMETERS. */
async function checkRunnerParameters(root: string, resources: readonly ParsedYaml[], report: Report): Promise<void> {
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
  const bronze = resources.filter((r) => /bronze/i.test(r.file.split('/').pop() ?? ''));
  if (bronze.length === 0) {
    report('resources', 0, 'no bronze job resource (resources/*bronze*.yml)');
    return;
  }
  for (const parsed of bronze) {
    const jobs = toObject(toObject(toObject(parsed.doc.toJS())['resources'])['jobs']);
    for (const [key, spec] of Object.entries(jobs)) {
      const params = toObject(spec)['parameters'];
      const names = Array.isArray(params) ? params.map((p) => toObject(p)['name']).filter((n): n is string => typeof n === 'string') : [];
      const missing = expected.filter((n) => !names.includes(n));
      const extra = names.filter((n) => !expected.includes(n));
      if (missing.length === 0 && extra.length === 0) continue;
      const line = lineAt(parsed, ['resources', 'jobs', key, 'parameters']) || lineAt(parsed, ['resources', 'jobs', key]);
      const parts = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `not read by the runner: ${extra.join(', ')}` : ''].filter(Boolean);
      report(parsed.file, line, `job ${key}: parameters differ from JOB_PARAMETERS in ${runnerFile}:${runnerLine} (${parts.join('; ')})`);
    }
  }
}

/** Every YAML file of the spoke: credential keys hold references only, and no PAT appears anywhere. */
async function checkSecrets(root: string, report: Report): Promise<void> {
  for (const file of await yamlFiles(root, '')) {
    const text = await readFile(join(root, file), 'utf8');
    text.split('\n').forEach((line, i) => {
      if (DATABRICKS_PAT.test(line)) report(file, i + 1, 'a Databricks personal access token is written here: remove it, revoke it, and pass it from the pipeline secret store');
    });
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines });
    if (doc.errors.length > 0) continue; // reported where the file is parsed for its content
    visit(doc, {
      Pair(_, pair) {
        if (!isPair(pair) || !isScalar(pair.key) || !SECRET_KEY.test(String(pair.key.value))) return;
        const value = pair.value;
        if (isMap(value) || isSeq(value) || !isScalar(value)) return;
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

function toObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function isText(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

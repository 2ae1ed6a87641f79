import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';

/** yaml loads on first use (about 50 ms of CPU), so commands that read no YAML, `--help` and `bronze run` among them, never pay for it. */
let yamlModule: typeof Yaml | undefined;
const yaml = (): typeof Yaml => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml);


interface BundleRoot {
  variables?: Record<string, { default?: unknown } | null>;
  targets?: Record<string, { default?: unknown; variables?: Record<string, unknown> } | null>;
}

/** The bundle's target names, in file order. */
export function bundleTargets(bundlePath: string): string[] {
  return Object.keys(readBundleRoot(bundlePath).targets ?? {});
}

/** The target marked `default: true`, as `databricks bundle` picks it when none is named. */
export function bundleDefaultTarget(bundlePath: string): string | undefined {
  return Object.entries(readBundleRoot(bundlePath).targets ?? {}).find(([, spec]) => spec?.default === true)?.[0];
}

/** A bundle target's variables: top-level defaults overlaid with the target's own (its catalog, say). */
export function bundleVariables(bundlePath: string, target: string): Record<string, string> {
  const bundle = readBundleRoot(bundlePath);
  const vars: Record<string, string> = {};
  for (const [name, spec] of Object.entries(bundle.variables ?? {})) if (spec?.default !== undefined) vars[name] = String(spec.default);
  if (!bundle.targets || !(target in bundle.targets)) {
    throw new Error(`${bundlePath} has no target ${JSON.stringify(target)} (known: ${Object.keys(bundle.targets ?? {}).join(', ')})`);
  }
  for (const [name, value] of Object.entries(bundle.targets[target]?.variables ?? {})) vars[name] = String(value);
  return vars;
}

function readBundleRoot(bundlePath: string): BundleRoot {
  return (yaml().parse(readFileSync(bundlePath, 'utf8')) ?? {}) as BundleRoot;
}

/** One YAML file of a bundle, parsed with its line positions so problems can name file:line. */
export interface BundleYaml {
  /** Relative to the bundle root, with `/`. */
  readonly file: string;
  readonly doc: Document;
  readonly lines: LineCounter;
  /** The document as plain data. */
  readonly data: Record<string, unknown>;
}

/** A problem found reading a bundle, as `file:line: message`. */
export interface BundleIssue {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** `databricks.yml` and the resource files its `include` names, each parsed or reported. */
export interface LoadedBundle {
  readonly root: string;
  readonly main: BundleYaml | undefined;
  /** The included files that parsed. */
  readonly resources: readonly BundleYaml[];
  /** Files missing or not valid YAML; when any include failed, its jobs are unknown. */
  readonly issues: readonly BundleIssue[];
  readonly allParsed: boolean;
}

/** Reads a bundle folder: `databricks.yml`, then every file its `include` globs name (one directory level, `*` only). */
export function loadBundle(dir: string): LoadedBundle {
  const root = resolve(dir);
  const issues: BundleIssue[] = [];
  const main = parseBundleYaml(root, 'databricks.yml', issues);
  const included = main ? includedFiles(root, main) : [];
  const resources: BundleYaml[] = [];
  for (const file of included) {
    const parsed = parseBundleYaml(root, file, issues);
    if (parsed) resources.push(parsed);
  }
  return { root, main, resources, issues, allParsed: main !== undefined && resources.length === included.length };
}

function parseBundleYaml(root: string, file: string, issues: BundleIssue[]): BundleYaml | undefined {
  const path = join(root, file);
  if (!existsSync(path)) {
    issues.push({ file, line: 0, message: 'missing' });
    return undefined;
  }
  const lines = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(readFileSync(path, 'utf8'), { lineCounter: lines, prettyErrors: true });
  if (doc.errors.length > 0) {
    // The first error is the real one; the parser's later errors follow from it.
    const error = doc.errors[0];
    const message = (error?.message ?? '').split('\n')[0] ?? '';
    issues.push({ file, line: error?.linePos?.[0].line ?? 0, message: `invalid YAML: ${message.replace(/ at line \d+, column \d+:?$/, '')}` });
    return undefined;
  }
  return { file, doc, lines, data: toObject(doc.toJS()) };
}

/** The resource files the bundle's `include` globs name, in name order. */
function includedFiles(root: string, bundle: BundleYaml): string[] {
  const include = bundle.data['include'];
  const patterns = Array.isArray(include) ? include.filter((p): p is string => typeof p === 'string') : [];
  const out: string[] = [];
  for (const pattern of patterns) {
    const dir = dirname(pattern);
    const base = pattern.slice(dir === '.' ? 0 : dir.length + 1);
    const matcher = new RegExp(`^${base.split('*').map(escapeRegExp).join('[^/]*')}$`);
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs).sort()) if (matcher.test(name)) out.push(dir === '.' ? name : `${dir}/${name}`);
  }
  return [...new Set(out)];
}

/** The line of a mapping key (`parameters:`), or of the node itself for sequence items; 0 when absent. */
export function lineAt(parsed: BundleYaml, path: readonly (string | number)[]): number {
  const last = path[path.length - 1];
  const parent = path.length > 0 ? parsed.doc.getIn(path.slice(0, -1), true) : undefined;
  if (yaml().isMap(parent)) {
    const pair = parent.items.find((item) => yaml().isScalar(item.key) && item.key.value === last);
    const key = pair?.key as Node | undefined;
    if (key?.range) return parsed.lines.linePos(key.range[0]).line;
  }
  const node = parsed.doc.getIn(path, true) as Node | undefined;
  return node?.range ? parsed.lines.linePos(node.range[0]).line : 0;
}

export function toObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

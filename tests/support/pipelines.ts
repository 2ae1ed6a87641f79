// The CI/CD files of the hub and of the spoke template, read as data: which files there are,
// their script steps, the templates and reusable workflows they call.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

export const ROOT = join(import.meta.dirname, '..', '..');
export const SPOKE_TEMPLATE = join(ROOT, 'packages', 'deltalake-hub', 'templates', 'spoke');
export const FALCON = join(ROOT, 'spokes', 'falcon');

function ymlIn(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.yml'))
      .map((f) => join(dir, f))
      .sort();
  } catch {
    return [];
  }
}

/** Azure Pipelines files: the hub's pipelines and templates, the spoke template's, falcon's. */
export const AZURE_FILES = [...ymlIn(join(ROOT, 'azure-pipelines')), ...ymlIn(join(SPOKE_TEMPLATE, 'azure-pipelines')), ...ymlIn(join(FALCON, 'azure-pipelines'))];
/** GitHub Actions workflows: the hub's (reusable ones included), the spoke template's, falcon's. */
export const GITHUB_FILES = [...ymlIn(join(ROOT, '.github', 'workflows')), ...ymlIn(join(SPOKE_TEMPLATE, '.github', 'workflows')), ...ymlIn(join(FALCON, '.github', 'workflows'))];

export function rel(file: string): string {
  return relative(ROOT, file);
}

export function readYaml(file: string): Record<string, unknown> {
  return parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export interface ScriptStep {
  readonly file: string;
  /** displayName (Azure) or name (GitHub). */
  readonly name: string;
  readonly command: string;
  readonly env: Record<string, string>;
}

type Node = Record<string, unknown>;

function stepsOf(node: unknown): Node[] {
  if (!node || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap(stepsOf);
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node as Node)) {
    if (key === 'steps' && Array.isArray(value)) out.push(...(value as Node[]));
    else out.push(...stepsOf(value));
  }
  return out;
}

/** The `script:` steps of an Azure Pipelines file, in order (stages, jobs, deployment strategies). */
export function azureScriptSteps(file: string): ScriptStep[] {
  return stepsOf(readYaml(file))
    .filter((s) => typeof s['script'] === 'string')
    .map((s) => ({ file: rel(file), name: String(s['displayName'] ?? s['script']), command: String(s['script']), env: (s['env'] ?? {}) as Record<string, string> }));
}

/** The `run:` steps of a GitHub Actions workflow, job by job. */
export function githubRunSteps(file: string): ScriptStep[] {
  const jobs = (readYaml(file)['jobs'] ?? {}) as Record<string, Node>;
  return Object.values(jobs).flatMap((job) =>
    ((job['steps'] ?? []) as Node[])
      .filter((s) => typeof s['run'] === 'string')
      .map((s) => ({ file: rel(file), name: String(s['name'] ?? s['run']), command: String(s['run']), env: (s['env'] ?? {}) as Record<string, string> })),
  );
}

// The CI/CD templates are checked, not just written: every Azure Pipelines file validates against
// Microsoft's published schema; every template and reusable workflow a spoke calls exists in the
// hub with the parameters the spoke passes; every script a pipeline runs exists; a spoke's files pin
// one hub tag; falcon's pipelines are the template's. (actionlint checks the GitHub workflows in
// .ci/run; tests/release/ runs the pipelines' script steps.)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSpoke } from '@org/deltalake-hub';
import { AZURE_FILES, azureScriptSteps, FALCON, GITHUB_FILES, githubRunSteps, readYaml, rel, ROOT, SPOKE_TEMPLATE, type ScriptStep } from './support/pipelines.js';

const SCHEMA = join(ROOT, '..', 'shared', 'schemas', 'azure-pipelines', 'service-schema.json');
type Node = Record<string, unknown>;

let validate: ValidateFunction;
beforeAll(() => {
  // The schema's patterns use escapes the `u` flag rejects; `aliases` and `ignoreCase` are the editor's own keywords.
  validate = new Ajv({ strict: false, unicodeRegExp: false, allErrors: true }).compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));
});

function schemaErrors(document: unknown): string[] {
  if (validate(document)) return [];
  // Of anyOf's many branches, the deepest error points at the offending key.
  const errors = validate.errors ?? [];
  const deepest = Math.max(...errors.map((e) => e.instancePath.split('/').length));
  return errors.filter((e) => e.instancePath.split('/').length === deepest).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

describe('Azure Pipelines files', () => {
  it('are the ones expected: hub CI and release, the two spoke templates, the spoke and falcon CI and release', () => {
    expect(AZURE_FILES.map(rel)).toEqual([
      'azure-pipelines/hub-ci.yml',
      'azure-pipelines/hub-release.yml',
      'azure-pipelines/templates/spoke-ci-template.yml',
      'azure-pipelines/templates/spoke-release-template.yml',
      'packages/deltalake-hub/templates/spoke/azure-pipelines/ci.yml',
      'packages/deltalake-hub/templates/spoke/azure-pipelines/release.yml',
      'spokes/falcon/azure-pipelines/ci.yml',
      'spokes/falcon/azure-pipelines/release.yml',
    ]);
  });

  it.each(AZURE_FILES.map((f) => [rel(f), f]))('%s validates against the Azure Pipelines schema', (_name, file) => {
    expect(schemaErrors(readYaml(file))).toEqual([]);
  });

  it('the validator rejects what the service would: a task input by its alias, an unknown key', () => {
    const pipeline = (step: Node) => ({ trigger: 'none', steps: [step] });
    expect(schemaErrors(pipeline({ task: 'PublishPipelineArtifact@1', inputs: { targetPath: 'dist', artifact: 'x' } }))).toEqual([]);
    expect(schemaErrors(pipeline({ task: 'PublishPipelineArtifact@1', inputs: { path: 'dist', artifactName: 'x' } }))).not.toEqual([]);
    expect(schemaErrors(pipeline({ script: 'echo hi', displayNme: 'typo' }))).not.toEqual([]);
    expect(schemaErrors(pipeline({ task: 'npmAuthenticate@0', inputs: {} }))).not.toEqual([]);
  });
});

/** Every `{ template: x@hub, parameters }` in a file: extends, stage templates. */
function hubTemplateCalls(node: unknown, out: { template: string; parameters: Node }[] = []) {
  if (Array.isArray(node)) for (const item of node) hubTemplateCalls(item, out);
  else if (node && typeof node === 'object') {
    const record = node as Node;
    if (typeof record['template'] === 'string' && record['template'].endsWith('@hub')) {
      out.push({ template: record['template'].slice(0, -'@hub'.length), parameters: (record['parameters'] ?? {}) as Node });
    }
    for (const value of Object.values(record)) hubTemplateCalls(value, out);
  }
  return out;
}

interface Declared {
  name: string;
  default?: unknown;
  values?: unknown[];
}

describe('what a spoke calls in the hub', () => {
  const spokeAzure = AZURE_FILES.filter((f) => !rel(f).startsWith('azure-pipelines/'));

  it.each(spokeAzure.map((f) => [rel(f), f]))('%s: each hub template exists and gets exactly the parameters it declares', (_name, file) => {
    const calls = hubTemplateCalls(readYaml(file));
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const declared = (readYaml(join(ROOT, call.template))['parameters'] ?? []) as Declared[];
      const names = declared.map((p) => p.name);
      for (const passed of Object.keys(call.parameters)) expect(names, `${call.template} declares ${passed}`).toContain(passed);
      for (const p of declared) {
        if (!('default' in p)) expect(Object.keys(call.parameters), `${call.template} needs ${p.name}`).toContain(p.name);
        if (p.values && p.name in call.parameters) expect(p.values).toContain(call.parameters[p.name]);
      }
    }
  });

  const spokeGithub = GITHUB_FILES.filter((f) => !rel(f).startsWith('.github/'));
  it.each(spokeGithub.map((f) => [rel(f), f]))('%s: each reusable hub workflow exists and declares the inputs and secrets passed', (_name, file) => {
    const jobs = Object.values((readYaml(file)['jobs'] ?? {}) as Record<string, Node>).filter((j) => typeof j['uses'] === 'string');
    expect(jobs.length).toBeGreaterThan(0);
    for (const job of jobs) {
      const match = /^[^/]+\/deltalake-hub\/\.github\/workflows\/([^@]+)@(.+)$/.exec(String(job['uses']));
      expect(match, String(job['uses'])).not.toBeNull();
      const called = readYaml(join(ROOT, '.github', 'workflows', match?.[1] ?? ''));
      const onCall = ((called['on'] as Node)['workflow_call'] ?? {}) as Node;
      const inputs = (onCall['inputs'] ?? {}) as Record<string, Node>;
      const secrets = (onCall['secrets'] ?? {}) as Record<string, Node>;
      const withKeys = Object.keys((job['with'] ?? {}) as Node);
      for (const key of withKeys) expect(Object.keys(inputs), `${match?.[1]} input ${key}`).toContain(key);
      for (const [key, input] of Object.entries(inputs)) if (input['required'] === true) expect(withKeys, `${match?.[1]} requires ${key}`).toContain(key);
      for (const key of Object.keys((job['secrets'] ?? {}) as Node)) expect(Object.keys(secrets), `${match?.[1]} secret ${key}`).toContain(key);
      for (const [key, secret] of Object.entries(secrets)) if (secret['required'] === true) expect(Object.keys((job['secrets'] ?? {}) as Node)).toContain(key);
    }
  });
});

/** `pnpm <script>`, `pnpm -s <script>`, `npm run <script>`, `npm test` in a command: the package scripts it needs. */
function scriptsRun(step: ScriptStep): string[] {
  const names: string[] = [];
  for (const match of step.command.matchAll(/\bpnpm\s+(?:-s\s+)?([a-z][\w:-]*)/g)) if (!['install', 'exec', 'dlx', 'audit', '--filter'].includes(match[1] ?? '')) names.push(match[1] ?? '');
  for (const match of step.command.matchAll(/\bnpm\s+run\s+([\w:-]+)/g)) names.push(match[1] ?? '');
  if (/\bnpm\s+test\b/.test(step.command)) names.push('test');
  return names;
}

describe('the scripts the pipelines run', () => {
  const rootScripts = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts);
  const spokeScripts = Object.keys(JSON.parse(readFileSync(join(SPOKE_TEMPLATE, 'package.json'), 'utf8')).scripts);
  const hubFiles = ['azure-pipelines/hub-ci.yml', 'azure-pipelines/hub-release.yml', '.github/workflows/hub-ci.yml'];
  const spokeCiFiles = ['azure-pipelines/templates/spoke-ci-template.yml', '.github/workflows/spoke-ci.yml'];
  const steps = [...AZURE_FILES.flatMap(azureScriptSteps), ...GITHUB_FILES.flatMap(githubRunSteps)];

  it('exist in the package the pipeline builds: the hub workspace, or the spoke', () => {
    const checked: string[] = [];
    for (const step of steps) {
      const scripts = hubFiles.includes(step.file) ? rootScripts : spokeCiFiles.includes(step.file) ? spokeScripts : null;
      if (!scripts) continue;
      for (const name of scriptsRun(step)) {
        expect(scripts, `${step.file} "${step.name}" runs ${name}`).toContain(name);
        checked.push(`${step.file}:${name}`);
      }
    }
    // The hub CI runs lint, typecheck, test, api:check on both systems; the spoke CI lint, build, test.
    for (const file of ['azure-pipelines/hub-ci.yml', '.github/workflows/hub-ci.yml']) for (const name of ['lint', 'typecheck', 'test', 'api:check', 'spark:install', 'spark:start']) expect(checked).toContain(`${file}:${name}`);
    for (const file of spokeCiFiles) for (const name of ['lint', 'build', 'test']) expect(checked).toContain(`${file}:${name}`);
  });
});

describe('a spoke pins one hub version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dlh-pipelines-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('package.json, Azure template refs and GitHub reusable workflow refs all name 4.5.6', async () => {
    const { files } = await createSpoke({ name: 'heron', lob: 'heron', targetDir: join(dir, 'heron'), hubVersion: '4.5.6' });
    const pipelineFiles = files.filter((f) => f.startsWith('azure-pipelines/') || f.startsWith('.github/'));
    expect(pipelineFiles).toEqual(['.github/workflows/ci.yml', '.github/workflows/release.yml', 'azure-pipelines/ci.yml', 'azure-pipelines/release.yml']);
    const refs = pipelineFiles.flatMap((f) => [...readFileSync(join(dir, 'heron', f), 'utf8').matchAll(/refs\/tags\/(\S+)|deltalake-hub\/\.github\/workflows\/[\w.-]+@(\S+)/g)].map((m) => m[1] ?? m[2]));
    expect(refs.length).toBe(2 + 5);
    expect(new Set(refs)).toEqual(new Set(['v4.5.6']));
    expect(JSON.parse(readFileSync(join(dir, 'heron', 'package.json'), 'utf8')).dependencies).toEqual({ '@org/deltalake-hub': '4.5.6' });
  });

  it("falcon's pipelines are the template's, rendered for falcon at the tag falcon pins", async () => {
    const tag = /refs\/tags\/v(\S+)/.exec(readFileSync(join(FALCON, 'azure-pipelines', 'ci.yml'), 'utf8'))?.[1];
    expect(tag).toMatch(/^\d+\.\d+\.\d+$/);
    await createSpoke({ name: 'falcon', lob: 'falcon', targetDir: join(dir, 'falcon'), hubVersion: tag });
    for (const file of ['azure-pipelines/ci.yml', 'azure-pipelines/release.yml', '.github/workflows/ci.yml', '.github/workflows/release.yml']) {
      expect(readFileSync(join(FALCON, file), 'utf8'), file).toBe(readFileSync(join(dir, 'falcon', file), 'utf8'));
    }
  });
});

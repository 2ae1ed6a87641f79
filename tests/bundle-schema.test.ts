// Bundles are checked as `databricks bundle validate` checks them, offline: every YAML file of the
// Falcon bundle, of the spoke template's and of one `spoke create` makes validates against the
// Databricks CLI's bundle schema (../shared/schemas/databricks-bundle/), and passes `spoke check`,
// which applies the CLI's target-mode rules the schema cannot express (target-mode.test.ts).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSpoke, createSpoke } from '@org/deltalake-hub';
import { DATABRICKS_WAREHOUSE_RULES, maskLiterals } from '@org/hub-testing';
import { FALCON, ROOT, SPOKE_TEMPLATE } from './support/pipelines.js';

const SCHEMA = join(ROOT, '..', 'shared', 'schemas', 'databricks-bundle', 'jsonschema.json');
const created = mkdtempSync(join(tmpdir(), 'bundle-schema-'));
afterAll(() => rmSync(created, { recursive: true, force: true }));

let validate: ValidateFunction;
beforeAll(() => {
  // As the schema's README says: ajv 8, not strict (the schema uses the editor's own keywords), every error.
  validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));
});

function schemaErrors(document: unknown): string[] {
  if (validate(document)) return [];
  // Of oneOf's branches (a value or an interpolation string), the deepest error points at the offending key.
  const errors = validate.errors ?? [];
  const deepest = Math.max(...errors.map((e) => e.instancePath.split('/').length));
  return errors.filter((e) => e.instancePath.split('/').length === deepest).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** A SQL file's statements with the line each starts on: split at the `;` outside quoted text and comments. */
function statementsOf(text: string): { text: string; line: number }[] {
  const masked = maskLiterals(text);
  const out: { text: string; line: number }[] = [];
  let start = 0;
  for (let i = 0; i <= masked.length; i++) {
    if (i < masked.length && masked[i] !== ';') continue;
    const code = masked.slice(start, i);
    const first = code.search(/\S/);
    if (first >= 0) out.push({ text: text.slice(start + first, i).trim(), line: text.slice(0, start + first).split('\n').length });
    start = i + 1;
  }
  return out;
}

/** databricks.yml and the files its include names (resources/*.yml). */
function bundleFiles(dir: string): string[] {
  const main = parse(readFileSync(join(dir, 'databricks.yml'), 'utf8')) as { include?: string[] };
  expect(main.include).toEqual(['resources/*.yml']);
  const resources = readdirSync(join(dir, 'resources')).filter((f) => f.endsWith('.yml')).sort();
  return ['databricks.yml', ...resources.map((f) => `resources/${f}`)];
}

let heron: Promise<string> | undefined;
const bundles: [string, () => Promise<string>][] = [
  ['the Falcon spoke', async () => FALCON],
  ['the spoke template', async () => SPOKE_TEMPLATE],
  ['a spoke made by spoke create', () => (heron ??= createSpoke({ name: 'heron', lob: 'heron', targetDir: join(created, 'heron'), hubVersion: '1.2.0' }).then((c) => c.dir))],
];

describe('Databricks bundles validate against the Databricks CLI\'s bundle schema', () => {
  for (const [name, dirOf] of bundles) {
    it(`${name}: every file of the bundle`, async () => {
      const dir = await dirOf();
      const files = bundleFiles(dir);
      expect(files.length).toBeGreaterThan(2);
      // The template's files hold placeholders (`__LOB__`) that spoke create fills in; the schema checks what it writes.
      const filled = (text: string) => (dir === SPOKE_TEMPLATE ? text.replaceAll('__LOB_TITLE__', 'Tern').replaceAll('__LOB__', 'tern').replaceAll('__NAME__', 'tern') : text);
      for (const file of files) expect(schemaErrors(parse(filled(readFileSync(join(dir, file), 'utf8')))), file).toEqual([]);
    });
  }

  for (const [name, dirOf] of bundles) {
    it(`${name}: every SQL task's file keeps a SQL warehouse's rules with the parameters its task passes`, async () => {
      const dir = await dirOf();
      let checked = 0;
      for (const file of bundleFiles(dir).slice(1)) {
        const jobs = ((parse(readFileSync(join(dir, file), 'utf8')) as { resources?: { jobs?: Record<string, { tasks?: { sql_task?: { file?: { path?: string }; parameters?: Record<string, string> } }[] }> } }).resources?.jobs ?? {});
        for (const job of Object.values(jobs)) {
          for (const task of (job.tasks ?? []).filter((t) => t.sql_task?.file?.path)) {
            const params = Object.fromEntries(Object.keys(task.sql_task?.parameters ?? {}).map((p) => [p, 'dev']));
            const text = readFileSync(join(dir, 'resources', task.sql_task?.file?.path as string), 'utf8');
            for (const statement of statementsOf(text)) {
              expect(() => DATABRICKS_WAREHOUSE_RULES.enforce({ sql: statement.text, params }), `${task.sql_task?.file?.path}:${statement.line}`).not.toThrow();
              // The catalog reaches the SQL as a marker the warehouse binds, never as text substitution.
              expect(statement.text, `${task.sql_task?.file?.path}:${statement.line}`).not.toMatch(/\$\{/);
              checked++;
            }
          }
        }
      }
      expect(checked).toBeGreaterThan(3);
    });
  }

  it('a spoke made by spoke create passes spoke check, target-mode rules included', async () => {
    const { dir } = await createSpoke({ name: 'ibis', lob: 'ibis', targetDir: join(created, 'ibis'), hubVersion: '1.2.0' });
    expect(await checkSpoke(dir)).toEqual({ ok: true, problems: [] });
  });

  it('the validator refuses what the CLI would: a misspelt key, a run_as by the wrong key, a SQL task\'s misspelt parameters', () => {
    const bundle = (extra: Record<string, unknown>) => ({ bundle: { name: 'x' }, ...extra });
    expect(schemaErrors(bundle({ targets: { prod: { mode: 'production', run_as: { service_principal_name: '${var.sp}' } } } }))).toEqual([]);
    expect(schemaErrors(bundle({ workspace: { rootpath: '/x' } })).join('\n')).toContain('/workspace must NOT have additional properties {"additionalProperty":"rootpath"}');
    expect(schemaErrors(bundle({ targets: { prod: { run_as: { service_principal: 'sp-prod' } } } })).join('\n')).toContain('"additionalProperty":"service_principal"');
    const job = { name: 'j', tasks: [{ task_key: 't', sql_task: { warehouse_id: 'w', file: { path: 'x.sql' }, paramters: { catalog: 'c' } } }] };
    expect(schemaErrors({ resources: { jobs: { j: job } } }).join('\n')).toContain('"additionalProperty":"paramters"');
  });
});

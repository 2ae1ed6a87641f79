import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSpoke } from './check-spoke.js';

const FALCON = fileURLToPath(new URL('../../../../spokes/falcon/', import.meta.url));

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function falconCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'target-mode-'));
  dirs.push(dir);
  cpSync(FALCON, dir, { recursive: true, filter: (src) => !/[/\\](node_modules|dist|sample-data)$/.test(src) });
  return dir;
}

function edit(dir: string, file: string, change: (text: string) => string): void {
  const path = join(dir, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  if (after === before) throw new Error(`the edit changed nothing in ${file}`);
  writeFileSync(path, after);
}

function lineOf(dir: string, file: string, needle: string): number {
  const index = readFileSync(join(dir, file), 'utf8').split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`${needle} not in ${file}`);
  return index + 1;
}

const PROD_RUN_AS = '    run_as:\n      service_principal_name: ${var.service_principal_id}\n';

describe("spoke check applies the Databricks CLI's target-mode rules (validate_target_mode.go)", () => {
  it('refuses the bundle Falcon had: a shared top-level root_path under mode: development, and run_as by display name', async () => {
    const dir = falconCopy();
    edit(dir, 'databricks.yml', (t) => t.replace('include:\n', 'workspace:\n  root_path: /Workspace/.bundle/${bundle.name}/${bundle.target}\n\ninclude:\n'));
    edit(dir, 'databricks.yml', (t) => t.replace(PROD_RUN_AS, '    run_as:\n      service_principal_name: sp-falcon-prod\n'));
    const { ok, problems } = await checkSpoke(dir);
    expect(ok).toBe(false);
    expect(problems).toEqual([
      `databricks.yml:${lineOf(dir, 'databricks.yml', 'root_path: /Workspace/.bundle')}: target dev (mode: development): workspace.root_path (top level, so every target has it) is "/Workspace/.bundle/\${bundle.name}/\${bundle.target}", shared by everyone who deploys it; databricks bundle validate refuses it ("must start with '~/' or contain the current username"): remove it (development deploys to ~/.bundle/\${bundle.name}/\${bundle.target}) or write root_path: ~/.bundle/\${bundle.name}/\${bundle.target}`,
      `databricks.yml:${lineOf(dir, 'databricks.yml', 'sp-falcon-prod')}: target prod: run_as.service_principal_name is "sp-falcon-prod", but it takes the service principal's application id (a UUID such as 9f1b6a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b), not its display name: write service_principal_name: \${var.service_principal_id} and set that variable to the application id for this target`,
    ]);
  });

  it('accepts user-scoped development paths and a name prefix that names the user; refuses ones that do not', async () => {
    const dir = falconCopy();
    const dev = '      host: https://adb-dev-xxxxx.azuredatabricks.net\n';
    edit(dir, 'databricks.yml', (t) =>
      t.replace(dev, `${dev}      root_path: ~/.bundle/\${bundle.name}/\${bundle.target}\n      state_path: /Workspace/Users/\${workspace.current_user.userName}/state\n      artifact_path: /Volumes/dev/bundles/artifacts\n    presets:\n      name_prefix: "[dev] "\n      trigger_pause_status: UNPAUSED\n`),
    );
    const { problems } = await checkSpoke(dir);
    expect(problems).toEqual([
      `databricks.yml:${lineOf(dir, 'databricks.yml', 'artifact_path:')}: target dev (mode: development): workspace.artifact_path "/Volumes/dev/bundles/artifacts" is shared by everyone who deploys it, and databricks bundle validate refuses it: put \${workspace.current_user.short_name} in it, e.g. /Volumes/dev/bundles/artifacts/\${workspace.current_user.short_name}`,
      `databricks.yml:${lineOf(dir, 'databricks.yml', 'name_prefix:')}: target dev (mode: development): presets.name_prefix "[dev] " does not name the user, so two users' jobs would collide; databricks bundle validate refuses it: write name_prefix: "[dev \${workspace.current_user.short_name}] ", or remove it (development mode then uses that prefix)`,
      `databricks.yml:${lineOf(dir, 'databricks.yml', 'trigger_pause_status:')}: target dev (mode: development): presets.trigger_pause_status UNPAUSED would start every user's copy on schedule; databricks bundle validate refuses it: remove it (development pauses triggers)`,
    ]);
    edit(dir, 'databricks.yml', (t) => t.replace('/Volumes/dev/bundles/artifacts', '/Volumes/dev/bundles/${workspace.current_user.short_name}').replace('"[dev] "', '"[dev ${workspace.current_user.short_name}] "').replace('      trigger_pause_status: UNPAUSED\n', ''));
    expect(await checkSpoke(dir)).toEqual({ ok: true, problems: [] });
  });

  it('refuses an unknown mode, a production target with neither root_path nor run_as, and a development pipeline under production', async () => {
    const dir = falconCopy();
    edit(dir, 'databricks.yml', (t) => t.replace('  staging:\n', '  staging:\n    mode: dev\n'));
    edit(dir, 'databricks.yml', (t) => t.replace(PROD_RUN_AS, '').replace('      root_path: /Workspace/Users/${var.service_principal_id}/.bundle/${bundle.name}/${bundle.target}\n', ''));
    writeFileSync(join(dir, 'resources', 'falcon_pipeline.yml'), 'resources:\n  pipelines:\n    falcon_dlt:\n      name: "[Falcon] [${bundle.target}] DLT"\n      development: true\n');
    const { problems } = await checkSpoke(dir);
    expect(problems).toEqual([
      `databricks.yml:${readFileSync(join(dir, 'databricks.yml'), 'utf8').split('\n').indexOf('    mode: dev') + 1}: target staging: mode "dev" is not a mode: write mode: development (each user's own copy) or mode: production, or leave it out`,
      `resources/falcon_pipeline.yml:5: pipeline falcon_dlt has development: true, which a target in mode: production (prod) refuses: remove it (development mode sets it for development targets)`,
      `databricks.yml:${lineOf(dir, 'databricks.yml', 'host: https://adb-prd') - 1}: target prod (mode: production) has no workspace.root_path of its own, so every deployer would make another copy; databricks bundle validate refuses it: set one under targets.prod.workspace, e.g. root_path: /Workspace/Users/\${var.service_principal_id}/.bundle/\${bundle.name}/\${bundle.target}`,
    ]);
  });
});

describe('spoke check: SQL task files read their parameters as markers', () => {
  it('reports ${catalog} text substitution and a marker the task does not pass, at their lines, saying what to write', async () => {
    const dir = falconCopy();
    const file = 'src/gold/daily_transaction_summary.sql';
    edit(dir, file, (t) => t.replace("FROM IDENTIFIER(:catalog || '.falcon_silver.transactions')", 'FROM ${catalog}.falcon_silver.transactions\nWHERE :region IS NOT NULL'));
    const { problems } = await checkSpoke(dir);
    expect(problems).toEqual([
      `${file}:${lineOf(dir, file, '${catalog}')}: \${catalog} is text substitution, deprecated on Databricks SQL and a PARSE_SYNTAX_ERROR where it is off: write IDENTIFIER(:catalog || '.<schema>.<table>') for a name, :catalog for a value`,
      `${file}:${lineOf(dir, file, ':region')}: unknown parameter :region (the task passes: catalog): job falcon_gold, task gold_daily_transaction_summary (sql_task.parameters)`,
    ]);
  });
});

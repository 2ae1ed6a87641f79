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

/** A copy of the Falcon spoke, its real runner included, to break. */
function falconCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'spoke-check-'));
  dirs.push(dir);
  cpSync(FALCON, dir, { recursive: true, filter: (src) => !/[/\\](node_modules|dist|sample-data)$/.test(src) });
  return dir;
}

function edit(dir: string, file: string, change: (text: string) => string): void {
  const path = join(dir, file);
  writeFileSync(path, change(readFileSync(path, 'utf8')));
}

/** 1-based line of the first line containing `needle`. */
function lineOf(dir: string, file: string, needle: string): number {
  const index = readFileSync(join(dir, file), 'utf8').split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`${needle} not in ${file}`);
  return index + 1;
}

describe('checkSpoke', () => {
  // The Falcon spoke as committed: a moved or missing runner fails here ("no runner"), it is never skipped.
  it('passes on the Falcon spoke', async () => {
    expect(await checkSpoke(FALCON)).toEqual({ ok: true, problems: [] });
  });

  it('passes on a copy of the Falcon spoke', async () => {
    expect(await checkSpoke(falconCopy())).toEqual({ ok: true, problems: [] });
  });

  it('reports a secret written in a YAML file, as a key and as a token anywhere', async () => {
    const dir = falconCopy();
    edit(dir, 'databricks.yml', (t) => t.replace('      host: https://adb-dev-xxxxx.azuredatabricks.net', '      host: https://adb-dev-xxxxx.azuredatabricks.net\n      token: hunter2-very-secret'));
    edit(dir, 'resources/falcon_gold_job.yml', (t) => `${t}# temporary: dapi0123456789abcdef0123456789abcdef\n`);
    edit(dir, 'resources/falcon_silver_job.yml', (t) => t.replace('      name:', '      client_secret: "{{secrets/falcon/sp}}"\n      name:'));
    const { ok, problems } = await checkSpoke(dir);
    expect(ok).toBe(false);
    expect(problems).toEqual([
      `databricks.yml:${lineOf(dir, 'databricks.yml', 'token:')}: token holds a literal value: use a reference such as \${var.name} or {{secrets/scope/key}}`,
      `resources/falcon_gold_job.yml:${lineOf(dir, 'resources/falcon_gold_job.yml', 'dapi')}: a Databricks personal access token is written here: remove it, revoke it, and pass it from the pipeline secret store`,
    ]);
  });

  it('reports a YAML file that does not parse, at its line', async () => {
    const dir = falconCopy();
    edit(dir, 'resources/falcon_gold_job.yml', (t) => t.replace('      tasks:', '      tasks: [unclosed\n      tasks:'));
    const { problems } = await checkSpoke(dir);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^resources\/falcon_gold_job\.yml:\d+: invalid YAML: /);
    const line = Number(problems[0]?.split(':')[1]);
    expect(line).toBeGreaterThanOrEqual(lineOf(dir, 'resources/falcon_gold_job.yml', 'unclosed'));
  });

  it('reports a duplicate key at its line', async () => {
    const dir = falconCopy();
    edit(dir, 'resources/falcon_gold_job.yml', (t) => t.replace('      tasks:', '      name: again\n      tasks:'));
    const { problems } = await checkSpoke(dir);
    expect(problems).toEqual([`resources/falcon_gold_job.yml:${lineOf(dir, 'resources/falcon_gold_job.yml', 'name: again')}: invalid YAML: Map keys must be unique`]);
  });

  it('reports a SQL task whose file is missing', async () => {
    const dir = falconCopy();
    rmSync(join(dir, 'src', 'silver', 'web_events.sql'));
    expect((await checkSpoke(dir)).problems).toEqual([
      `resources/falcon_silver_job.yml:${lineOf(dir, 'resources/falcon_silver_job.yml', 'web_events.sql')}: job falcon_silver: sql_task file ../src/silver/web_events.sql does not exist`,
    ]);
  });

  it('reports bronze job parameters that differ from the runner', async () => {
    const dir = falconCopy();
    edit(dir, 'resources/falcon_bronze_job.yml', (t) => t.replace('- name: file_name', '- name: filename'));
    const runnerLine = lineOf(dir, 'src/bronze/falcon-bronze-runner.ts', 'JOB_PARAMETERS');
    expect((await checkSpoke(dir)).problems).toEqual([
      `resources/falcon_bronze_job.yml:${lineOf(dir, 'resources/falcon_bronze_job.yml', 'parameters:')}: job falcon_bronze_loader: parameters differ from JOB_PARAMETERS in src/bronze/falcon-bronze-runner.ts:${runnerLine} (missing file_name; not read by the runner: filename)`,
    ]);
  });

  it('reports job names without the target or the LOB prefix, and a missing runner', async () => {
    const dir = falconCopy();
    edit(dir, 'resources/falcon_gold_job.yml', (t) => t.replace('"[Falcon] [${bundle.target}] Gold aggregates"', 'falcon-gold'));
    rmSync(join(dir, 'src', 'bronze'), { recursive: true });
    const line = lineOf(dir, 'resources/falcon_gold_job.yml', 'falcon-gold');
    expect((await checkSpoke(dir)).problems).toEqual([
      `resources/falcon_gold_job.yml:${line}: job falcon_gold: name "falcon-gold" must contain \${bundle.target}, so targets sharing a workspace do not collide`,
      `resources/falcon_gold_job.yml:${line}: job falcon_gold: name "falcon-gold" must start with [Falcon]`,
      'src/bronze:0: no runner: expected src/bronze/*-bronze-runner.ts exporting JOB_PARAMETERS',
    ]);
  });

  it('validates the config CSV with each target’s variables', async () => {
    const dir = falconCopy();
    edit(dir, 'databricks.yml', (t) => t.replace('catalog: staging_catalog', 'catalog: staging-catalog'));
    const { problems } = await checkSpoke(dir);
    const config = problems.filter((p) => p.startsWith('configs/bronze/'));
    expect(config.length).toBeGreaterThan(0);
    for (const problem of config) expect(problem).toMatch(/^configs\/bronze\/falcon_config\.csv:[2-5]: dest_catalog: .*\(target staging\)$/);
    // The checks file names its tables with the same variable, so it is refused for the same target.
    const checks = problems.filter((p) => !p.startsWith('configs/bronze/'));
    expect(checks.length).toBeGreaterThan(0);
    for (const problem of checks) expect(problem).toMatch(/^configs\/quality\/falcon_checks\.yml:\d+: (table|references\.table): "staging-catalog\..*" is not a three-part name .*\(target staging\)$/);
  });

  it('validates the checks file, when there is one, with each target\'s variables', async () => {
    const dir = falconCopy();
    const file = 'configs/quality/falcon_checks.yml';
    edit(dir, file, (t) => t.replace('    check: is_timestamp', '    check: is_timestamp_tz').replace('${catalog}.falcon_bronze.clickstream_raw', '${catalog}.${clickstream_schema}.clickstream_raw'));
    const { ok, problems } = await checkSpoke(dir);
    expect(ok).toBe(false);
    expect(problems).toEqual([
      `${file}:${lineOf(dir, file, 'is_timestamp_tz')}: check: unknown check kind "is_timestamp_tz" (known: not_null, accepted_values, in_range, regex, is_date, is_timestamp, expression, foreign_key, unique, row_count, freshness, schema, aggregate) (target dev)`,
      `${file}:${lineOf(dir, file, 'clickstream_schema')}: table: unknown variable \${clickstream_schema}; known variables: catalog, schema_prefix (target dev)`,
    ]);
  });

  it('uses an injected config reader and reports its issues with file:line', async () => {
    const dir = falconCopy();
    const seen: string[] = [];
    const { problems } = await checkSpoke(dir, {
      readConfig: async (_path, { variables }) => {
        seen.push(variables['catalog'] ?? '');
        if (variables['catalog'] === 'prod_catalog') throw Object.assign(new Error('bad'), { code: 'CONFIG_INVALID', issues: [{ file: 'configs/bronze/falcon_config.csv', line: 3, column: 'lob', message: 'nope' }] });
        return [];
      },
    });
    expect(seen).toEqual(['dev_catalog', 'staging_catalog', 'prod_catalog']);
    expect(problems).toEqual(['configs/bronze/falcon_config.csv:3: lob: nope (target prod)']);
  });
});

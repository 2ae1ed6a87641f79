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

  it("reports after-bronze job parameters that differ from the runner's", async () => {
    const dir = falconCopy();
    edit(dir, 'resources/falcon_transforms_job.yml', (t) => t.replace('- name: file_name', '- name: filename'));
    const runnerLine = lineOf(dir, 'src/bronze/falcon-bronze-runner.ts', 'JOB_PARAMETERS');
    expect((await checkSpoke(dir)).problems).toEqual([
      `resources/falcon_transforms_job.yml:${lineOf(dir, 'resources/falcon_transforms_job.yml', 'parameters:')}: job falcon_transforms: parameters differ from JOB_PARAMETERS in src/bronze/falcon-bronze-runner.ts:${runnerLine} (missing file_name; not read by the runner: filename)`,
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
      `${file}:${lineOf(dir, file, 'clickstream_schema')}: table: unknown variable \${clickstream_schema}; known variables: catalog, on_partial_bronze, schema_prefix, service_principal_id (target dev)`,
    ]);
  });

  it("verifies the chain a trigger runs: the after-bronze job's steps in order, parameters passed on", async () => {
    const dir = falconCopy();
    const file = 'resources/falcon_transforms_job.yml';
    edit(dir, file, (t) => t.replace('          depends_on: [{ task_key: gold }]\n', ''));
    edit(dir, 'resources/falcon_silver_job.yml', (t) => t.replace('      tasks:', '      parameters:\n        - name: begin_date\n          default: ""\n      tasks:'));
    expect((await checkSpoke(dir)).problems).toEqual([
      `${file}:${lineOf(dir, file, 'job_id: ${resources.jobs.falcon_silver.id}') - 1}: job falcon_transforms: task silver: job falcon_silver declares begin_date, which job falcon_transforms has but does not pass on: add job_parameters: { begin_date: "{{job.parameters.begin_date}}" }`,
      `${file}:${lineOf(dir, file, 'task_key: downstream')}: job falcon_transforms: tasks gold and downstream have no order between them (Databricks would start them together): add depends_on: [{ task_key: gold }] to downstream`,
    ]);
  });

  it('reports a bundle with no after-bronze job, and an on_partial_bronze that is neither continue nor stop', async () => {
    const dir = falconCopy();
    edit(dir, 'resources/falcon_transforms_job.yml', (t) => t.replace('        deltalake-hub: after-bronze', '        team: falcon'));
    edit(dir, 'databricks.yml', (t) => t.replace('      catalog: prod_catalog', '      catalog: prod_catalog\n      on_partial_bronze: sometimes'));
    const { problems } = await checkSpoke(dir);
    expect(problems).toEqual([
      `databricks.yml:${lineOf(dir, 'databricks.yml', 'on_partial_bronze: sometimes')}: variable on_partial_bronze is "sometimes" for target prod: expected continue or stop`,
      'resources:0: no job is tagged deltalake-hub: after-bronze: tag the job that runs silver, gold and downstream after the bronze load (tags: { deltalake-hub: after-bronze }), so deltalake-hub job run knows what follows bronze',
    ]);
  });

  it('holds package.json to one exact hub version, and a lockfile to the same one', async () => {
    const dir = falconCopy();
    const pin = (version: string) => edit(dir, 'package.json', (t) => t.replace(/"@org\/deltalake-hub": "[^"]*"/, `"@org/deltalake-hub": "${version}"`));
    const line = lineOf(dir, 'package.json', '@org/deltalake-hub');
    // Inside the hub's workspace the falcon spoke links the hub: accepted.
    expect((await checkSpoke(dir)).ok).toBe(true);
    pin('^0.1.0');
    expect((await checkSpoke(dir)).problems).toEqual([`package.json:${line}: @org/deltalake-hub is "^0.1.0": pin an exact version (e.g. "1.2.0"), so every install runs the hub the spoke was tested with`]);
    pin('0.1.0');
    expect((await checkSpoke(dir)).ok).toBe(true);
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ lockfileVersion: 3, packages: { '': { dependencies: { '@org/deltalake-hub': '0.1.0' } }, 'node_modules/@org/deltalake-hub': { version: '0.1.1' } } }, null, 2));
    expect((await checkSpoke(dir)).problems).toEqual([
      `package-lock.json:${lineOf(dir, 'package-lock.json', '@org/deltalake-hub')}: installs @org/deltalake-hub 0.1.1, but package.json pins 0.1.0: install again (npm install) and commit the lockfile`,
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

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@org/hub-core';
import { writeMiniSpoke, type MiniSpoke } from '@org/hub-testing';
import { loadBundle } from '../bundle.js';
import { checkSpoke } from '../spoke/check-spoke.js';
import { chainIssues, planSpokeChain, readBundleJobs } from './bundle-chain.js';

const trigger = { category: 'mini', subcategory: '', file_name: '', begin_date: '2024-01-06', end_date: '' };

/** The chain's problems as `file:line: message`, as spoke check prints them. */
function problems(spoke: MiniSpoke): string[] {
  return chainIssues(readBundleJobs(loadBundle(spoke.dir))).map((i) => `${i.file}:${i.line}: ${i.message}`);
}

function planError(spoke: MiniSpoke, options: Partial<Parameters<typeof planSpokeChain>[1]> = {}): string[] {
  try {
    planSpokeChain(spoke.dir, { parameters: trigger, ...options });
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((i) => `${i.file}:${i.line}: ${i.message}`);
    throw error;
  }
  throw new Error('planned without error');
}

describe("the chain, as the spoke's bundle declares it", () => {
  it('orders steps and tasks by depends_on, not by where they are written, and passes the values on', () => {
    const spoke = writeMiniSpoke();
    const { target, plan } = planSpokeChain(spoke.dir, { parameters: trigger });
    expect(target).toBe('dev');
    expect(plan.job.key).toBe('mini_transforms');
    expect(plan.jobName).toBe('[Mini] [dev] Silver and gold after the bronze load');
    expect(plan.parameters).toEqual(trigger);
    expect(plan.steps.map((s) => [s.name, s.job, s.tasks.map((t) => [t.task, t.displayFile])])).toEqual([
      ['silver', 'mini_silver', [['silver_rows', 'src/silver/rows.sql'], ['silver_totals', 'src/silver/totals.sql']]],
      ['gold', 'mini_gold', [['gold_summary', 'src/gold/summary.sql']]],
    ]);
    // silver receives begin_date from the trigger; its tasks get it pushed down, then their own parameters.
    expect(plan.steps[0]?.tasks[0]?.variables).toEqual({ begin_date: '2024-01-06', catalog: 'mini_dev', deployed_to: 'dev' });
    // gold declares no parameter: its task sees only its own.
    expect(plan.steps[1]?.tasks[0]?.variables).toEqual({ catalog: 'mini_dev' });
    expect(plan.steps[1]?.tasks[0]?.file).toBe(join(spoke.dir, 'src', 'gold', 'summary.sql'));
  });

  it('takes a target and --var overrides, and a parameter the trigger does not know keeps its default', () => {
    const spoke = writeMiniSpoke();
    spoke.edit('resources/mini_transforms_job.yml', (t) => t.replace('        - name: end_date\n          default: ""', '        - name: end_date\n          default: ""\n        - name: region\n          default: emea'));
    const { plan, variables } = planSpokeChain(spoke.dir, { target: 'prod', variables: { catalog: 'mine' }, parameters: trigger });
    expect(variables['catalog']).toBe('mine');
    expect(plan.jobName).toBe('[Mini] [prod] Silver and gold after the bronze load');
    expect(plan.parameters).toEqual({ ...trigger, region: 'emea' });
    expect(plan.steps[0]?.tasks[0]?.variables['catalog']).toBe('mine');
  });

  it('passes on a clean bundle, which spoke check accepts too', async () => {
    const spoke = writeMiniSpoke();
    expect(problems(spoke)).toEqual([]);
    expect(await checkSpoke(spoke.dir)).toEqual({ ok: true, problems: [] });
  });

  it('reports steps without an order between them, a cycle, and an unknown depends_on, at their lines', () => {
    const spoke = writeMiniSpoke();
    spoke.edit('resources/mini_transforms_job.yml', (t) => t.replace('          depends_on: [{ task_key: silver }]\n', ''));
    spoke.edit('resources/mini_silver_job.yml', (t) => t.replace('        - task_key: silver_rows\n', '        - task_key: silver_rows\n          depends_on: [{ task_key: silver_totals }, { task_key: bronzee }]\n'));
    expect(problems(spoke)).toEqual([
      `resources/mini_silver_job.yml:${spoke.lineOf('resources/mini_silver_job.yml', 'task_key: bronzee')}: job mini_silver: task silver_rows depends on bronzee, which is not a task of this job`,
      `resources/mini_silver_job.yml:${spoke.lineOf('resources/mini_silver_job.yml', 'depends_on: [{ task_key: silver_rows }]')}: job mini_silver: tasks silver_totals, silver_rows depend on each other in a cycle`,
      `resources/mini_transforms_job.yml:${spoke.lineOf('resources/mini_transforms_job.yml', 'task_key: silver')}: job mini_transforms: tasks gold and silver have no order between them (Databricks would start them together): add depends_on: [{ task_key: gold }] to silver`,
    ]);
  });

  it('reports parameters not passed on, passed to a job that does not declare them, or naming what nothing declares', () => {
    const spoke = writeMiniSpoke();
    spoke.edit('resources/mini_transforms_job.yml', (t) => t.replace('              begin_date: "{{job.parameters.begin_date}}"', '              as_of: "{{job.parameters.as_of}}"'));
    spoke.edit('resources/mini_gold_job.yml', (t) => t.replace('              catalog: ${var.catalog}', '              catalog: ${var.catalogue}\n              run: "{{job.run_id}}"\n              day: "{{job.parameters.end_date}}"'));
    const silverRunJob = spoke.lineOf('resources/mini_transforms_job.yml', 'job_id: ${resources.jobs.mini_silver.id}') - 1;
    const asOf = spoke.lineOf('resources/mini_transforms_job.yml', 'as_of:');
    const gold = 'resources/mini_gold_job.yml';
    expect(problems(spoke)).toEqual([
      `resources/mini_transforms_job.yml:${asOf}: job mini_transforms: task silver: passes as_of to job mini_silver, which does not declare it (Databricks refuses the run)`,
      `resources/mini_transforms_job.yml:${asOf}: job mini_transforms: task silver: parameter as_of: {{job.parameters.as_of}} names a parameter this job does not declare`,
      `resources/mini_transforms_job.yml:${silverRunJob}: job mini_transforms: task silver: job mini_silver declares begin_date, which job mini_transforms has but does not pass on: add job_parameters: { begin_date: "{{job.parameters.begin_date}}" }`,
      `${gold}:${spoke.lineOf(gold, 'catalogue')}: job mini_gold: task gold_summary: parameter catalog: \${var.catalogue} names a variable not declared under the top-level variables of databricks.yml`,
      `${gold}:${spoke.lineOf(gold, 'job.run_id')}: job mini_gold: task gold_summary: parameter run: {{job.run_id}} cannot be resolved outside Databricks; use {{job.parameters.<name>}}`,
      `${gold}:${spoke.lineOf(gold, 'end_date')}: job mini_gold: task gold_summary: parameter day: {{job.parameters.end_date}} names a parameter this job does not declare`,
    ]);
  });

  it('reports tasks the chain cannot run everywhere, and a job it cannot follow', () => {
    const spoke = writeMiniSpoke();
    spoke.edit('resources/mini_gold_job.yml', (t) => `${t}        - task_key: notify\n          depends_on: [{ task_key: gold_summary }]\n          notebook_task:\n            notebook_path: ../src/notify.py\n`);
    spoke.edit('resources/mini_transforms_job.yml', (t) => t.replace('job_id: ${resources.jobs.mini_gold.id}', 'job_id: 123'));
    expect(problems(spoke)).toEqual([
      `resources/mini_transforms_job.yml:${spoke.lineOf('resources/mini_transforms_job.yml', 'job_id: 123')}: job mini_transforms: task gold: run_job_task job_id 123 is not \${resources.jobs.<key>.id}: the chain follows jobs of this bundle only`,
    ]);
    spoke.edit('resources/mini_transforms_job.yml', (t) => t.replace('job_id: 123', 'job_id: ${resources.jobs.mini_gold.id}'));
    expect(problems(spoke)).toEqual([
      `resources/mini_gold_job.yml:${spoke.lineOf('resources/mini_gold_job.yml', 'task_key: notify')}: job mini_gold: task notify: is a notebook_task: the chain runs sql_task and run_job_task only, so that DuckDB and Spark run what Databricks runs`,
    ]);
  });

  it('needs exactly one job tagged deltalake-hub: after-bronze', () => {
    const spoke = writeMiniSpoke();
    spoke.edit('resources/mini_gold_job.yml', (t) => t.replace('      tasks:', '      tags:\n        deltalake-hub: after-bronze\n      tasks:'));
    expect(problems(spoke)).toEqual([`resources/mini_transforms_job.yml:${spoke.lineOf('resources/mini_transforms_job.yml', 'tags:')}: jobs mini_gold and mini_transforms are both tagged deltalake-hub: after-bronze: tag one`]);
    spoke.edit('resources/mini_gold_job.yml', (t) => t.replace('      tags:\n        deltalake-hub: after-bronze\n', ''));
    spoke.edit('resources/mini_transforms_job.yml', (t) => t.replace('        deltalake-hub: after-bronze', '        team: mini'));
    const none = problems(spoke);
    expect(none).toHaveLength(1);
    expect(none[0]).toMatch(/^resources:0: no job is tagged deltalake-hub: after-bronze: /);
  });

  it('plans nothing when a SQL file is missing or a target has no value for a variable, naming each with file:line', () => {
    const spoke = writeMiniSpoke();
    spoke.edit('resources/mini_silver_job.yml', (t) => t.replace('../src/silver/totals.sql', '../src/silver/total.sql'));
    const shown = (file: string) => join(spoke.dir, file);
    expect(planError(spoke)).toEqual([`${shown('resources/mini_silver_job.yml')}:${spoke.lineOf('resources/mini_silver_job.yml', 'total.sql')}: job mini_silver: task silver_totals: sql_task file ../src/silver/total.sql does not exist`]);
    spoke.edit('resources/mini_silver_job.yml', (t) => t.replace('../src/silver/total.sql', '../src/silver/totals.sql'));
    spoke.edit('databricks.yml', (t) => t.replace('  prod:\n    variables:\n      catalog: mini_prod\n', '  prod:\n    variables: {}\n'));
    const prod = planError(spoke, { target: 'prod' });
    expect(prod.length).toBe(3);
    for (const line of prod) expect(line).toMatch(/parameter catalog: \$\{var\.catalog\} names a variable with no value for target prod$/);
  });

  it('knows a quality render script by its first line, and what it was rendered from', () => {
    const spoke = writeMiniSpoke();
    spoke.write('src/gold/summary.sql', '-- Generated by `deltalake-hub quality render` from configs/quality/mini_checks.yml (schema mini_silver, mini_gold): do not edit, render it again.\nSELECT 1;\n');
    const task = planSpokeChain(spoke.dir, { parameters: trigger }).plan.steps[1]?.tasks[0];
    expect(task?.renderedChecks).toEqual({ source: join(spoke.dir, 'configs/quality/mini_checks.yml'), displaySource: 'configs/quality/mini_checks.yml', schemas: ['mini_silver', 'mini_gold'] });
    expect(planSpokeChain(spoke.dir, { parameters: trigger }).plan.steps[0]?.tasks[0]?.renderedChecks).toBeUndefined();
  });
});

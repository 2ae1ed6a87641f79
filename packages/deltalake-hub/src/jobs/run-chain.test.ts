import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, createDuckDbEngine, createLogger, sql, type Engine, type JobParameters } from '@org/hub-core';
import { runBronze } from '@org/hub-bronze';
import { readChecksFile, renderChecksSql } from '@org/hub-quality';
import { MINI_FILES, MINI_RAW_PREFIX, startJobsApi, writeMiniSpoke, type JobsApi, type MiniSpoke, type RunSnapshot } from '@org/hub-testing';
import { planSpokeChain, type SpokeChain } from './bundle-chain.js';
import { JobsClient } from './jobs-client.js';
import { findDeployedJob, runJobChain, runSpokeChain, triggerParameters, type ChainSummary, type OnPartial } from './run-chain.js';

const TOKEN = 'dapi-run-chain-test-00112233445566778899';
const PARAMS: JobParameters = { category: 'mini', beginDate: '2024-03-06', endDate: '2024-03-07' };
const SENT = { category: 'mini', subcategory: '', file_name: '', begin_date: '2024-03-06', end_date: '2024-03-07' };

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close();
});

interface Setup {
  spoke: MiniSpoke;
  chain: SpokeChain;
  engine: Engine;
  bronzeCalls: number;
  bronze: () => ReturnType<typeof runBronze>;
  output: () => string;
  logger: ReturnType<typeof createLogger>;
  progress: (line: string) => void;
}

/** The mini spoke, a DuckDB engine of its own, and the real bronze run of its config; every log and progress line is kept. */
async function setup(edit?: (spoke: MiniSpoke) => void | Promise<void>): Promise<Setup> {
  const spoke = writeMiniSpoke();
  await edit?.(spoke);
  const chain = planSpokeChain(spoke.dir, { parameters: triggerParameters(PARAMS) });
  const engine = await createDuckDbEngine({ warehouse: mkdtempSync(join(tmpdir(), 'chain-wh-')), lockTimeoutMs: 0 });
  open.push(engine);
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination, pretty: false });
  const state: Setup = {
    spoke,
    chain,
    engine,
    bronzeCalls: 0,
    logger,
    output: () => lines.join(''),
    progress: (line) => lines.push(`${line}\n`),
    bronze: () => {
      state.bronzeCalls++;
      return runBronze(PARAMS, { engine, configPath: join(spoke.dir, 'configs/bronze/mini_config.csv'), variables: chain.variables, sourceRoots: { [MINI_RAW_PREFIX]: spoke.raw }, logger });
    },
  };
  return state;
}

async function jobsApi(script: RunSnapshot[], name: string): Promise<{ api: JobsApi; client: JobsClient }> {
  const api = await startJobsApi({ jobs: [{ jobId: 42, name, tags: { 'deltalake-hub': 'after-bronze' }, parameters: Object.keys(SENT) }], token: TOKEN, script });
  open.push(api);
  return { api, client: new JobsClient({ baseUrl: api.url, auth: { kind: 'pat', token: TOKEN }, backoffMs: 10 }) };
}

async function tableExists(engine: Engine, schema: string, table: string): Promise<boolean> {
  return engine.query(sql`SELECT 1 FROM ${sql.raw(engine.dialect.tableName('mini_dev', schema, table))} LIMIT 0`).then(
    () => true,
    () => false,
  );
}

const stepsOf = (summary: ChainSummary) => summary.steps.map((s) => [s.name, s.status]);

describe('one trigger on Databricks: bronze here, then the deployed after-bronze job', () => {
  it('starts the job with the trigger\'s parameters, follows it to SUCCESS, and reports each step\'s duration from its task', async () => {
    const s = await setup();
    const { api, client } = await jobsApi(
      [
        { state: 'PENDING' },
        { state: 'RUNNING', tasks: { silver: { state: 'RUNNING' }, gold: { state: 'BLOCKED' } } },
        { state: 'TERMINATED', result: 'SUCCESS', tasks: { silver: { state: 'TERMINATED', result: 'SUCCESS', ms: 1500 }, gold: { state: 'TERMINATED', result: 'SUCCESS', ms: 700 } } },
      ],
      s.chain.plan.jobName,
    );
    const summary = await runJobChain({ plan: s.chain.plan, target: 'dev', engine: s.engine, bronze: s.bronze, onPartial: 'continue', databricks: { client, jobId: 42, pollIntervalMs: 5 }, logger: s.logger, progress: s.progress });

    const runNow = api.requests.filter((r) => r.path === '/api/2.1/jobs/run-now');
    expect(runNow.map((r) => r.body)).toEqual([{ job_id: 42, job_parameters: SENT, idempotency_token: `deltalake-hub-${summary.bronze?.runId}` }]);
    expect([summary.status, summary.exitCode, summary.error]).toEqual(['SUCCESS', 0, null]);
    expect(summary.steps.map((step) => [step.name, step.status, step.name === 'bronze' ? 'here' : step.durationMs])).toEqual([['bronze', 'SUCCESS', 'here'], ['silver', 'SUCCESS', 1500], ['gold', 'SUCCESS', 700]]);
    const runId = [...api.runs.keys()][0];
    expect(summary.job).toEqual({ key: 'mini_transforms', name: '[Mini] [dev] Silver and gold after the bronze load', id: 42, runId, runPageUrl: `${api.url}/#job/42/run/${runId}` });
    // Bronze loaded here; the SQL steps ran in the workspace, not on this engine.
    expect(summary.bronze?.files.map((f) => [f.path.split('/').pop(), f.status])).toEqual(Object.keys(MINI_FILES).map((f) => [f, 'SUCCESS']));
    expect(await tableExists(s.engine, 'mini_silver', 'rows')).toBe(false);
    expect(s.output()).toContain(`run ${runId}: RUNNING (silver RUNNING, gold BLOCKED)`);
    expect(s.output()).toContain(`run ${runId}: SUCCESS (silver SUCCESS, gold SUCCESS)`);
    expect(s.output()).not.toContain(TOKEN);
  });

  it('exits 4 when a task of the run fails, naming it; the steps after it did not run', async () => {
    const s = await setup();
    const { client } = await jobsApi([{ state: 'TERMINATED', result: 'FAILED', tasks: { silver: { state: 'TERMINATED', result: 'FAILED', ms: 300 }, gold: { state: 'SKIPPED', result: 'UPSTREAM_FAILED' } } }], s.chain.plan.jobName);
    const summary = await runJobChain({ plan: s.chain.plan, target: 'dev', engine: s.engine, bronze: s.bronze, onPartial: 'continue', databricks: { client, jobId: 42, pollIntervalMs: 5 } });
    expect([summary.status, summary.exitCode, summary.error]).toEqual(['FAILED', 4, { step: 'silver', code: 'FAILED', message: 'FAILED' }]);
    expect(stepsOf(summary)).toEqual([['bronze', 'SUCCESS'], ['silver', 'FAILED'], ['gold', 'NOT_RUN']]);
  });

  it('exits 4 when the run outlasts the wait, reporting it still running with its page; it is not cancelled', async () => {
    const s = await setup();
    const { api, client } = await jobsApi([{ state: 'RUNNING', tasks: { silver: { state: 'RUNNING' } } }], s.chain.plan.jobName);
    const summary = await runJobChain({ plan: s.chain.plan, target: 'dev', engine: s.engine, bronze: s.bronze, onPartial: 'continue', databricks: { client, jobId: 42, pollIntervalMs: 10, waitTimeoutMs: 100 } });
    const runId = [...api.runs.keys()][0];
    expect([summary.status, summary.exitCode, summary.error?.step]).toEqual(['FAILED', 4, 'silver']);
    expect(stepsOf(summary)).toEqual([['bronze', 'SUCCESS'], ['silver', 'RUNNING'], ['gold', 'NOT_RUN']]);
    expect(summary.steps[1]?.message).toBe(`run ${runId} had not ended after 0.1 s of waiting (it is RUNNING: ${api.url}/#job/42/run/${runId}); it goes on in Databricks`);
    expect(api.requests.map((r) => r.path).filter((p) => !p.endsWith('runs/get'))).toEqual(['/api/2.1/jobs/run-now']);
  });

  it('starts nothing after a partial bronze run when on_partial_bronze is stop, and exits 2', async () => {
    const s = await setup((spoke) => spoke.write('raw/mini/t_20240307_wide.csv', 'id,amount\n7,1\n8,2,extra\n'));
    const { api, client } = await jobsApi([{ state: 'TERMINATED', result: 'SUCCESS' }], s.chain.plan.jobName);
    const summary = await runJobChain({ plan: s.chain.plan, target: 'dev', engine: s.engine, bronze: s.bronze, onPartial: 'stop', databricks: { client, jobId: 42, pollIntervalMs: 5 } });
    expect([summary.status, summary.exitCode]).toEqual(['STOPPED', 2]);
    expect(summary.steps.map((step) => [step.name, step.status, step.message?.replace(/^run [^:]+/, 'run R')])).toEqual([
      ['bronze', 'PARTIAL', `run R: ${Object.keys(MINI_FILES).length}/${Object.keys(MINI_FILES).length + 1} files loaded`],
      ['silver', 'NOT_RUN', 'not run: bronze was PARTIAL and on_partial_bronze is stop'],
      ['gold', 'NOT_RUN', 'not run: bronze was PARTIAL and on_partial_bronze is stop'],
    ]);
    expect(api.requests).toEqual([]);
  });

  it('starts nothing when bronze could not proceed, and exits 1 with its error', async () => {
    const s = await setup((spoke) => spoke.write('configs/bronze/mini_config.csv', 'lob,category\nmini,txn\n'));
    const { api, client } = await jobsApi([{ state: 'TERMINATED', result: 'SUCCESS' }], s.chain.plan.jobName);
    const summary = await runJobChain({ plan: s.chain.plan, target: 'dev', engine: s.engine, bronze: s.bronze, onPartial: 'continue', databricks: { client, jobId: 42 } });
    expect([summary.status, summary.exitCode, summary.bronze, summary.error?.step, summary.error?.code]).toEqual(['FAILED', 1, null, 'bronze', 'CONFIG_INVALID']);
    expect(summary.error?.message).toContain('mini_config.csv:1');
    expect(stepsOf(summary)).toEqual([['bronze', 'FAILED'], ['silver', 'NOT_RUN'], ['gold', 'NOT_RUN']]);
    expect(api.requests).toEqual([]);
  });
});

describe('the deployed after-bronze job, found by its name', () => {
  it('is the one job with the plan\'s name, the tagged one when several share it; none, or two tagged, is an error naming the way out', async () => {
    const name = '[Mini] [prod] Silver and gold after the bronze load';
    const tag = { 'deltalake-hub': 'after-bronze' };
    const api = await startJobsApi({ token: TOKEN, jobs: [{ jobId: 7, name, parameters: [] }, { jobId: 8, name, tags: tag, parameters: [] }, { jobId: 9, name: 'other', tags: tag, parameters: [] }] });
    open.push(api);
    const client = new JobsClient({ baseUrl: api.url, auth: { kind: 'pat', token: TOKEN } });
    expect(await findDeployedJob(client, { jobName: name })).toBe(8);
    await expect(findDeployedJob(client, { jobName: '[Mini] [dev] Silver and gold after the bronze load' })).rejects.toThrow(
      'no job named "[Mini] [dev] Silver and gold after the bronze load" in the workspace: deploy the bundle (databricks bundle deploy -t <target>) as the user who runs this (a target in mode: development names jobs after the user who deployed them), or give the job\'s id with --job-id or DELTALAKE_HUB_TRANSFORMS_JOB_ID',
    );
    const twice = await startJobsApi({ token: TOKEN, jobs: [{ jobId: 7, name, tags: tag, parameters: [] }, { jobId: 8, name, tags: tag, parameters: [] }] });
    open.push(twice);
    await expect(findDeployedJob(new JobsClient({ baseUrl: twice.url, auth: { kind: 'pat', token: TOKEN } }), { jobName: name })).rejects.toThrow(`2 jobs are named "${name}" (ids 7, 8): give one with --job-id or DELTALAKE_HUB_TRANSFORMS_JOB_ID`);
  });
});

describe('one trigger on DuckDB: bronze, then the SQL tasks here, in the bundle\'s order', () => {
  const run = (s: Setup, onPartial: OnPartial = 'continue') => runSpokeChain({ chain: s.chain, engine: s.engine, bronze: s.bronze, onPartial, logger: s.logger, progress: s.progress });

  it('builds silver and gold from what bronze loaded', async () => {
    const s = await setup();
    const summary = await run(s);
    expect([summary.status, summary.exitCode]).toEqual(['SUCCESS', 0]);
    expect(summary.steps.map((step) => [step.name, step.status, step.tasks.map((t) => [t.name, t.statements])])).toEqual([
      ['bronze', 'SUCCESS', []],
      ['silver', 'SUCCESS', [['mini_silver.silver_rows', 2], ['mini_silver.silver_totals', 1]]],
      ['gold', 'SUCCESS', [['mini_gold.gold_summary', 2]]],
    ]);
    const totals = await s.engine.query(sql`SELECT _source_file, n, total FROM ${sql.raw(s.engine.dialect.tableName('mini_dev', 'mini_silver', 'totals'))} ORDER BY _source_file`);
    expect(totals.map((r) => [r['_source_file'], Number(r['n']), Number(r['total'])])).toEqual(
      Object.entries(MINI_FILES).map(([name, rows]) => [`${MINI_RAW_PREFIX}mini/${name}`, rows.length, rows.reduce((sum, r) => sum + r[1], 0)]),
    );
    const all = Object.values(MINI_FILES).flat();
    expect(await s.engine.query(sql`SELECT CAST(files AS INTEGER) AS files, CAST(total AS INTEGER) AS total FROM ${sql.raw(s.engine.dialect.tableName('mini_dev', 'mini_gold', 'summary'))}`)).toEqual([
      { files: Object.keys(MINI_FILES).length, total: all.reduce((sum, r) => sum + r[1], 0) },
    ]);
  });

  it('exits 4 when a SQL task fails: the tasks before it stand, the rest do not run', async () => {
    const s = await setup((spoke) => spoke.edit('src/silver/totals.sql', (t) => t.replace("mini_silver.rows') GROUP BY", "mini_silver.rowz') GROUP BY")));
    const summary = await run(s);
    expect([summary.status, summary.exitCode, summary.error?.step]).toEqual(['FAILED', 4, 'silver']);
    expect(summary.steps.map((step) => [step.name, step.status, step.tasks.map((t) => t.status)])).toEqual([
      ['bronze', 'SUCCESS', []],
      ['silver', 'FAILED', ['SUCCESS', 'FAILED']],
      ['gold', 'NOT_RUN', ['NOT_RUN']],
    ]);
    expect(summary.error?.message).toMatch(new RegExp(`^${join(s.spoke.dir, 'src/silver/totals.sql').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:1: statement failed: `));
    expect(await tableExists(s.engine, 'mini_silver', 'rows')).toBe(true);
    expect(await tableExists(s.engine, 'mini_gold', 'summary')).toBe(false);
  });

  it('refuses a SQL file that does not render before bronze loads anything', async () => {
    const s = await setup((spoke) => spoke.edit('src/gold/summary.sql', (t) => t.replace("IDENTIFIER(:catalog || '.mini_silver.totals')", "IDENTIFIER(:catalogue || '.mini_silver.totals')")));
    const error = await run(s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => `${i.file}:${i.line}: ${i.message}`)).toEqual([`${join(s.spoke.dir, 'src/gold/summary.sql')}:${s.spoke.lineOf('src/gold/summary.sql', ':catalogue')}: unknown parameter :catalogue (the task passes: catalog)`]);
    expect(s.bronzeCalls).toBe(0);
  });

  it("runs a quality render script as the checks it came from, and refuses one its checks file no longer renders to", async () => {
    const checksYaml = (column: string) => `checks:\n  - table: \${catalog}.mini_silver.rows\n    name: rows_id_present\n    check: not_null\n    column: ${column}\n    on_fail: fail\n`;
    const withChecks = (column: string) => async (spoke: MiniSpoke) => {
      spoke.write('configs/quality/mini_checks.yml', checksYaml('id'));
      const file = await readChecksFile(join(spoke.dir, 'configs/quality/mini_checks.yml'), { variables: { catalog: 'catalog' } });
      spoke.write('src/silver/checks.sql', renderChecksSql(file, { schemas: ['mini_silver'], source: 'configs/quality/mini_checks.yml' }));
      spoke.write('configs/quality/mini_checks.yml', checksYaml(column));
      spoke.edit('resources/mini_silver_job.yml', (t) => `${t}        - task_key: silver_checks\n          depends_on: [{ task_key: silver_totals }]\n          sql_task:\n            warehouse_id: \${var.warehouse_id}\n            file:\n              path: ../src/silver/checks.sql\n            parameters:\n              catalog: \${var.catalog}\n`);
    };
    // The script matches its checks file: on DuckDB it runs as those checks (the script is Spark SQL).
    const good = await setup(withChecks('id'));
    const summary = await run(good);
    expect(stepsOf(summary)).toEqual([['bronze', 'SUCCESS'], ['silver', 'SUCCESS'], ['gold', 'SUCCESS']]);
    expect(summary.steps[1]?.tasks.map((t) => t.name)).toEqual(['mini_silver.silver_rows', 'mini_silver.silver_totals', 'mini_silver.silver_checks']);
    const results = await good.engine.query(sql`SELECT check_name, passed, rows_evaluated FROM ${sql.raw(good.engine.dialect.tableName('mini_dev', 'bronze_metadata', 'quality_results'))}`);
    expect(results.map((r) => [r['check_name'], r['passed'], Number(r['rows_evaluated'])])).toEqual([['rows_id_present', true, Object.values(MINI_FILES).flat().length]]);

    // The checks file changed and the script was not rendered again: nothing runs.
    const stale = await setup(withChecks('amount'));
    const error = (await run(stale).catch((e: unknown) => e)) as ConfigError;
    expect(error.issues.map((i) => `${i.file}:${i.line}: ${i.message}`)).toEqual([
      `${join(stale.spoke.dir, 'src/silver/checks.sql')}:1: is not what configs/quality/mini_checks.yml renders to now: render it again, in the spoke folder (deltalake-hub quality render --checks configs/quality/mini_checks.yml --schema mini_silver > src/silver/checks.sql)`,
    ]);
    expect(stale.bronzeCalls).toBe(0);
  });
});

import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '@org/hub-core';
import { startJobsApi, type JobsApi, type JobsApiOptions } from '@org/hub-testing';
import { JobsApiError, JobsClient, type JobRun } from './jobs-client.js';

const TOKEN = 'dapi-jobs-client-test-0123456789abcdef';
const PARAMETERS = ['category', 'subcategory', 'file_name', 'begin_date', 'end_date'];
const JOB = { jobId: 42, name: '[Falcon] [dev] Silver, gold and downstream after the bronze load', tags: { 'deltalake-hub': 'after-bronze' }, parameters: PARAMETERS };

let api: JobsApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

/** A logger whose lines are kept, and everything written to stdout and stderr meanwhile: where a token must never appear. */
function captured(): { logger: Logger; text: () => string; restore: () => void } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const keep = (chunk: unknown) => (lines.push(String(chunk)), true);
  process.stdout.write = keep as typeof process.stdout.write;
  process.stderr.write = keep as typeof process.stderr.write;
  return {
    logger: createLogger({ level: 'debug', destination, pretty: false }),
    text: () => lines.join(''),
    restore: () => {
      process.stdout.write = out;
      process.stderr.write = err;
    },
  };
}

async function client(options: Omit<JobsApiOptions, 'jobs'> & { jobs?: JobsApiOptions['jobs'] }, settings: Partial<ConstructorParameters<typeof JobsClient>[0]> = {}) {
  api = await startJobsApi({ jobs: [JOB], token: TOKEN, ...options });
  return new JobsClient({ baseUrl: api.url, auth: { kind: 'pat', token: TOKEN }, backoffMs: 10, ...settings });
}

const trigger = { category: 'falcon', subcategory: '', file_name: '', begin_date: '2024-01-06', end_date: '2024-01-07' };

describe('JobsClient against a Jobs API 2.1 on 127.0.0.1', () => {
  it('run-now sends the job id and the parameters, then runs/get follows PENDING, RUNNING, TERMINATED SUCCESS', async () => {
    const jobs = await client({
      script: [
        { state: 'PENDING', tasks: { silver: { state: 'PENDING' }, gold: { state: 'BLOCKED' } } },
        { state: 'RUNNING', tasks: { silver: { state: 'RUNNING' }, gold: { state: 'BLOCKED' } } },
        { state: 'RUNNING', tasks: { silver: { state: 'RUNNING' }, gold: { state: 'BLOCKED' } } },
        { state: 'TERMINATED', result: 'SUCCESS', tasks: { silver: { state: 'TERMINATED', result: 'SUCCESS', ms: 1500 }, gold: { state: 'TERMINATED', result: 'SUCCESS', ms: 700 } } },
      ],
    });
    const { runId } = await jobs.runNow(42, trigger, 'deltalake-hub-run-1');
    const seen: JobRun[] = [];
    const run = await jobs.waitForRun(runId, { pollIntervalMs: 5, onChange: (r) => seen.push(r) });

    const runNow = api?.requests.filter((r) => r.path === '/api/2.1/jobs/run-now') ?? [];
    expect(runNow.map((r) => r.body)).toEqual([{ job_id: 42, job_parameters: trigger, idempotency_token: 'deltalake-hub-run-1' }]);
    expect(api?.runs.get(runId)?.parameters).toEqual(trigger);
    // Four polls, three distinct states: onChange hears each once.
    expect(api?.requests.filter((r) => r.path === '/api/2.1/jobs/runs/get').map((r) => r.query['run_id'])).toEqual(Array(4).fill(String(runId)));
    expect(seen.map((r) => r.lifeCycleState)).toEqual(['PENDING', 'RUNNING', 'TERMINATED']);
    expect([run.lifeCycleState, run.resultState]).toEqual(['TERMINATED', 'SUCCESS']);
    expect(run.tasks.map((t) => [t.taskKey, t.resultState, (t.endTime ?? 0) - (t.startTime ?? 0)])).toEqual([['silver', 'SUCCESS', 1500], ['gold', 'SUCCESS', 700]]);
    expect(new Set(api?.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${TOKEN}`]));
  });

  it('reports a run that ends FAILED, with the failed task and those that never ran', async () => {
    const jobs = await client({
      script: [{ state: 'TERMINATED', result: 'FAILED', message: 'gold failed', tasks: { silver: { state: 'TERMINATED', result: 'SUCCESS', ms: 10 }, gold: { state: 'TERMINATED', result: 'FAILED', ms: 20 }, downstream: { state: 'SKIPPED', result: 'UPSTREAM_FAILED' } } }],
    });
    const { runId } = await jobs.runNow(42, trigger, 't');
    const run = await jobs.waitForRun(runId, { pollIntervalMs: 5 });
    expect([run.resultState, run.stateMessage]).toEqual(['FAILED', 'gold failed']);
    expect(run.tasks.map((t) => [t.taskKey, t.resultState])).toEqual([['silver', 'SUCCESS'], ['gold', 'FAILED'], ['downstream', 'UPSTREAM_FAILED']]);
  });

  it('waits as long as a 429 Retry-After says, then carries on; the token appears in no log line', async () => {
    const log = captured();
    try {
      const jobs = await client({ faults: [{ path: '/api/2.1/jobs/runs/get', times: 1, status: 429, retryAfter: '1' }] }, { logger: log.logger });
      const { runId } = await jobs.runNow(42, trigger, 't');
      const run = await jobs.waitForRun(runId, { pollIntervalMs: 5 });
      expect(run.resultState).toBe('SUCCESS');
      const polls = api?.requests.filter((r) => r.path === '/api/2.1/jobs/runs/get') ?? [];
      expect(polls).toHaveLength(2);
      // The backoff here is 10 ms: only Retry-After makes the second poll wait a second.
      expect((polls[1]?.at ?? 0) - (polls[0]?.at ?? 0)).toBeGreaterThanOrEqual(950);
    } finally {
      log.restore();
    }
    expect(log.text()).toContain('Jobs API GET /api/2.1/jobs/runs/get: HTTP 429: injected fault; retrying');
    expect(log.text()).not.toContain(TOKEN);
  });

  it('retries a run-now that met a 503 with the same idempotency token, so one run starts', async () => {
    const jobs = await client({ faults: [{ path: '/api/2.1/jobs/run-now', times: 2, status: 503 }] });
    const { runId } = await jobs.runNow(42, trigger, 'deltalake-hub-once');
    const attempts = api?.requests.filter((r) => r.path === '/api/2.1/jobs/run-now') ?? [];
    expect(attempts.map((r) => (r.body as { idempotency_token: string }).idempotency_token)).toEqual(Array(3).fill('deltalake-hub-once'));
    expect([...(api?.runs.keys() ?? [])]).toEqual([runId]);
    // Asked again with the same token (a retry after a lost answer), the API gives back the same run.
    expect((await jobs.runNow(42, trigger, 'deltalake-hub-once')).runId).toBe(runId);
    expect(api?.runs.size).toBe(1);
  });

  it('gives up on an API that does not answer, within its timeout and attempts', async () => {
    const jobs = await client({ faults: [{ path: '/api/2.1/jobs/runs/get', times: 5, hang: true }] }, { requestTimeoutMs: 200, attempts: 2 });
    const { runId } = await jobs.runNow(42, trigger, 't');
    const started = Date.now();
    const error = await jobs.getRun(runId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobsApiError);
    expect((error as Error).message).toBe('Jobs API GET /api/2.1/jobs/runs/get failed after 2 attempts: no answer within 0.2 s');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(api?.requests.filter((r) => r.path === '/api/2.1/jobs/runs/get')).toHaveLength(2);
  });

  it('does not retry a refusal: an unknown job is one request and a clear error', async () => {
    const jobs = await client({});
    const error = (await jobs.runNow(7, trigger, 't').catch((e: unknown) => e)) as JobsApiError;
    expect([error.code, error.status, error.errorCode, error.message]).toEqual(['JOBS_API_ERROR', 400, 'INVALID_PARAMETER_VALUE', 'Jobs API POST /api/2.1/jobs/run-now failed: HTTP 400 INVALID_PARAMETER_VALUE: Job 7 does not exist.']);
    expect(api?.requests).toHaveLength(1);
    // A parameter the job does not declare is refused the same way.
    await expect(jobs.runNow(42, { ...trigger, as_of: '2024-01-07' }, 't2')).rejects.toThrow('HTTP 400 INVALID_PARAMETER_VALUE: Job parameters as_of are not defined in the job.');
  });

  it("stops waiting after the wait timeout, and says the run goes on", async () => {
    const jobs = await client({ script: [{ state: 'RUNNING' }] });
    const { runId } = await jobs.runNow(42, trigger, 't');
    await expect(jobs.waitForRun(runId, { pollIntervalMs: 20, timeoutMs: 100 })).rejects.toThrow(new RegExp(`^run ${runId} had not ended after 0\\.1 s of waiting \\(it is RUNNING: http://127\\.0\\.0\\.1:\\d+/#job/42/run/${runId}\\); it goes on in Databricks$`));
  });

  it('a service principal gets an OAuth token once from /oidc/v1/token and uses it; neither secret nor token is logged', async () => {
    const sp = { clientId: 'sp-falcon', clientSecret: 'sp-secret-abcdef123456', accessToken: 'oauth-access-token-987654321' };
    const log = captured();
    try {
      api = await startJobsApi({ jobs: [JOB], servicePrincipal: sp, faults: [{ path: '/api/2.1/jobs/runs/get', times: 1, status: 500 }] });
      const jobs = new JobsClient({ baseUrl: api.url, auth: { kind: 'oauth-m2m', clientId: sp.clientId, clientSecret: sp.clientSecret }, backoffMs: 10, logger: log.logger });
      const { runId } = await jobs.runNow(42, trigger, 't');
      expect((await jobs.waitForRun(runId, { pollIntervalMs: 5 })).resultState).toBe('SUCCESS');
      expect(api.requests.filter((r) => r.path === '/oidc/v1/token')).toHaveLength(1);
      expect(new Set(api.requests.filter((r) => r.path !== '/oidc/v1/token').map((r) => r.authorization))).toEqual(new Set([`Bearer ${sp.accessToken}`]));
      // A wrong secret is a clear error naming the principal, not the secret.
      const wrong = new JobsClient({ baseUrl: api.url, auth: { kind: 'oauth-m2m', clientId: sp.clientId, clientSecret: 'not-the-secret-000' } });
      await expect(wrong.runNow(42, trigger, 'x')).rejects.toThrow(`cannot get an OAuth token for service principal sp-falcon from ${api.url}/oidc/v1/token: Client authentication failed`);
    } finally {
      log.restore();
    }
    expect(log.text()).toContain('HTTP 500');
    expect(log.text()).not.toContain(sp.clientSecret);
    expect(log.text()).not.toContain(sp.accessToken);
  });

  it('finds jobs by exact name without case, over every page', async () => {
    const other = { jobId: 43, name: JOB.name.toUpperCase(), parameters: [] };
    const jobs = await client({ jobs: [JOB, { jobId: 44, name: 'something else', parameters: [] }, other], pageSize: 1 });
    expect(await jobs.findJobsByName(JOB.name)).toEqual([
      { jobId: 42, name: JOB.name, tags: JOB.tags },
      { jobId: 43, name: other.name, tags: {} },
    ]);
    expect(api?.requests.map((r) => r.query['page_token'] ?? null)).toEqual([null, '1']);
    expect(await jobs.findJobsByName('no such job')).toEqual([]);
  });
});

/**
 * A Databricks workspace's Jobs API 2.1 on 127.0.0.1, for tests: SCIM `Me` (who the caller is),
 * `jobs/list` (exact name without case, pages), `jobs/run-now` (declared parameters only, idempotency tokens), `jobs/runs/get`
 * (each call returns the run's next scripted state: PENDING, RUNNING, then TERMINATED with a result),
 * bearer auth, and `/oidc/v1/token` for a service principal. Faults (a 429 with Retry-After, a 503,
 * no answer at all) are injected per path. Test-only: in @org/hub-testing, never in the published package.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FixtureJob {
  readonly jobId: number;
  readonly name: string;
  readonly tags?: Record<string, string>;
  /** Declared job parameters; run-now refuses any other, as Databricks does. */
  readonly parameters: readonly string[];
}

/** One runs/get answer: the run's state and its tasks' (a task's `ms` is its duration once it has ended). */
export interface RunSnapshot {
  readonly state: 'PENDING' | 'QUEUED' | 'RUNNING' | 'TERMINATING' | 'TERMINATED' | 'INTERNAL_ERROR' | 'SKIPPED';
  readonly result?: string;
  readonly message?: string;
  readonly tasks?: Readonly<Record<string, { readonly state: string; readonly result?: string; readonly ms?: number }>>;
}

export interface Fault {
  /** The path without query, e.g. `/api/2.1/jobs/runs/get`. */
  readonly path: string;
  /** How many matching requests get the fault before answers are normal again. */
  readonly times: number;
  readonly status?: number;
  readonly retryAfter?: string;
  /** Never answer (the client's timeout must end the request). */
  readonly hang?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly authorization: string | undefined;
  readonly body: unknown;
  readonly at: number;
}

export interface JobsApiOptions {
  readonly jobs: readonly FixtureJob[];
  /** A personal access token the API accepts. */
  readonly token?: string;
  /** A service principal the token endpoint knows, and the access token it issues. */
  readonly servicePrincipal?: { readonly clientId: string; readonly clientSecret: string; readonly accessToken: string };
  /** The states each new run goes through, one per runs/get; the last one repeats. */
  readonly script?: readonly RunSnapshot[];
  readonly faults?: readonly Fault[];
  /** jobs/list answers at most this many per page (default: the request's limit). */
  readonly pageSize?: number;
  /** Who SCIM `Me` says the caller is (default a user, jane.doe@example.com). */
  readonly currentUser?: { readonly userName: string; readonly displayName?: string };
}

export interface JobsApi {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Runs started, by run id: the job and the parameters it received. */
  readonly runs: Map<number, { jobId: number; parameters: Record<string, string>; token: string | undefined }>;
  close(): Promise<void>;
}

const BASE_TIME = 1_704_067_200_000;

export async function startJobsApi(options: JobsApiOptions): Promise<JobsApi> {
  const requests: RecordedRequest[] = [];
  const runs = new Map<number, { jobId: number; parameters: Record<string, string>; token: string | undefined }>();
  const polls = new Map<number, number>();
  const faults = (options.faults ?? []).map((f) => ({ ...f, left: f.times }));
  const hanging = new Set<ServerResponse>();
  let nextRun = 1000;

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => send(res, 500, { error_code: 'INTERNAL_ERROR', message: String(error) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const text = await readBody(req);
    const body = req.headers['content-type']?.includes('json') && text ? (JSON.parse(text) as unknown) : text || undefined;
    requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization, body, at: Date.now() });

    const fault = faults.find((f) => f.path === url.pathname && f.left > 0);
    if (fault) {
      fault.left--;
      if (fault.hang) {
        hanging.add(res);
        return;
      }
      if (fault.retryAfter !== undefined) res.setHeader('retry-after', fault.retryAfter);
      return send(res, fault.status ?? 503, { error_code: fault.status === 429 ? 'TOO_MANY_REQUESTS' : 'TEMPORARILY_UNAVAILABLE', message: 'injected fault' });
    }

    if (url.pathname === '/oidc/v1/token' && req.method === 'POST') {
      const sp = options.servicePrincipal;
      const expected = sp ? `Basic ${Buffer.from(`${sp.clientId}:${sp.clientSecret}`).toString('base64')}` : undefined;
      if (!sp || req.headers.authorization !== expected || !String(text).includes('grant_type=client_credentials')) return send(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
      return send(res, 200, { access_token: sp.accessToken, token_type: 'Bearer', expires_in: 3600 });
    }

    const accepted = [options.token, options.servicePrincipal?.accessToken].filter(Boolean).map((t) => `Bearer ${t}`);
    if (!accepted.includes(req.headers.authorization ?? '')) return send(res, 401, { error_code: 'UNAUTHENTICATED', message: 'Invalid access token.' });

    if (url.pathname === '/api/2.0/preview/scim/v2/Me' && req.method === 'GET') {
      const user = options.currentUser ?? { userName: 'jane.doe@example.com', displayName: 'Jane Doe' };
      return send(res, 200, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: '1234567890', userName: user.userName, ...(user.displayName ? { displayName: user.displayName } : {}), active: true });
    }

    if (url.pathname === '/api/2.1/jobs/list' && req.method === 'GET') {
      const name = url.searchParams.get('name')?.toLowerCase();
      const matching = options.jobs.filter((j) => name === undefined || j.name.toLowerCase() === name);
      const size = options.pageSize ?? Number(url.searchParams.get('limit') ?? 20);
      const offset = Number(url.searchParams.get('page_token') ?? 0);
      const page = matching.slice(offset, offset + size);
      const more = offset + size < matching.length;
      return send(res, 200, {
        ...(page.length > 0 ? { jobs: page.map((j) => ({ job_id: j.jobId, settings: { name: j.name, ...(j.tags ? { tags: j.tags } : {}) } })) } : {}),
        has_more: more,
        ...(more ? { next_page_token: String(offset + size) } : {}),
      });
    }

    if (url.pathname === '/api/2.1/jobs/run-now' && req.method === 'POST') {
      const request = body as { job_id?: number; job_parameters?: Record<string, string>; idempotency_token?: string };
      const job = options.jobs.find((j) => j.jobId === request.job_id);
      if (!job) return send(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: `Job ${String(request.job_id)} does not exist.` });
      const undeclared = Object.keys(request.job_parameters ?? {}).filter((p) => !job.parameters.includes(p));
      if (undeclared.length > 0) return send(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: `Job parameters ${undeclared.join(', ')} are not defined in the job.` });
      const existing = [...runs].find(([, r]) => r.token !== undefined && r.token === request.idempotency_token);
      if (existing) return send(res, 200, { run_id: existing[0], number_in_job: existing[0] });
      const runId = ++nextRun;
      runs.set(runId, { jobId: job.jobId, parameters: { ...request.job_parameters }, token: request.idempotency_token });
      return send(res, 200, { run_id: runId, number_in_job: runId });
    }

    if (url.pathname === '/api/2.1/jobs/runs/get' && req.method === 'GET') {
      const runId = Number(url.searchParams.get('run_id'));
      const run = runs.get(runId);
      if (!run) return send(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: `Run ${runId} does not exist.` });
      const script = options.script ?? [{ state: 'TERMINATED', result: 'SUCCESS' }];
      const poll = polls.get(runId) ?? 0;
      polls.set(runId, poll + 1);
      const snap = script[Math.min(poll, script.length - 1)] as RunSnapshot;
      let clock = BASE_TIME;
      const tasks = Object.entries(snap.tasks ?? {}).map(([key, t]) => {
        const started = t.state !== 'PENDING' && t.state !== 'BLOCKED';
        const ended = t.ms !== undefined && (t.state === 'TERMINATED' || t.state === 'SKIPPED' || t.state === 'INTERNAL_ERROR');
        const start = started ? clock : 0;
        if (ended) clock += t.ms ?? 0;
        return { task_key: key, run_id: runId * 10 + 1, state: { life_cycle_state: t.state, ...(t.result ? { result_state: t.result } : {}) }, start_time: start, end_time: ended ? clock : 0 };
      });
      return send(res, 200, {
        job_id: run.jobId,
        run_id: runId,
        run_page_url: `${address()}/#job/${run.jobId}/run/${runId}`,
        state: { life_cycle_state: snap.state, ...(snap.result ? { result_state: snap.result } : {}), state_message: snap.message ?? '' },
        start_time: BASE_TIME,
        end_time: snap.state === 'TERMINATED' ? clock : 0,
        tasks,
      });
    }
    send(res, 404, { error_code: 'ENDPOINT_NOT_FOUND', message: `No API found for '${req.method} ${url.pathname}'` });
  }

  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: address(),
    requests,
    runs,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

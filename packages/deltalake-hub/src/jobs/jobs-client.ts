import { HubError, registerSecret, scrubSecrets, type DatabricksAuth, type DatabricksConnection, type Logger } from '@org/hub-core';
import { toObject } from '../bundle.js';
import type { WorkspaceUser } from './deployed-name.js';

/**
 * The few calls of the Databricks Jobs API 2.1 the chain needs (and SCIM `Me`, for the name a
 * development target gave the job): find a job by name, run-now with
 * job parameters, and runs/get until the run ends. Plain fetch with Databricks auth (a token, or a
 * service principal's OAuth M2M token from /oidc/v1/token); 429 and 5xx are retried with backoff,
 * honouring Retry-After; every request has a timeout. No token reaches a log line or an error.
 */

export class JobsApiError extends HubError {
  /** The HTTP status, when the API answered. */
  readonly status: number | undefined;
  /** Databricks' `error_code` (e.g. RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE), when given. */
  readonly errorCode: string | undefined;
  constructor(message: string, options: { status?: number | undefined; errorCode?: string | undefined; cause?: unknown } = {}) {
    super('JOBS_API_ERROR', scrubSecrets(message), { cause: options.cause });
    this.status = options.status;
    this.errorCode = options.errorCode;
  }
}

export interface JobsClientOptions {
  /** The workspace URL, e.g. `https://adb-1234567890123456.7.azuredatabricks.net`. */
  readonly baseUrl: string;
  readonly auth: DatabricksAuth;
  /** Each request's deadline (default 60 s). */
  readonly requestTimeoutMs?: number | undefined;
  /** Attempts per request when the API answers 429 or 5xx, or not at all (default 6). */
  readonly attempts?: number | undefined;
  /** First backoff, doubled per attempt up to `maxBackoffMs` (defaults 1 s and 60 s); a Retry-After wins. */
  readonly backoffMs?: number | undefined;
  readonly maxBackoffMs?: number | undefined;
  readonly logger?: Logger | undefined;
}

export interface JobSummary {
  readonly jobId: number;
  readonly name: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** The states runs/get reports (Jobs 2.1 `state`). */
export interface RunState {
  readonly lifeCycleState: string;
  readonly resultState: string | undefined;
  readonly stateMessage: string | undefined;
}

export interface TaskRun extends RunState {
  readonly taskKey: string;
  /** Epoch milliseconds; undefined until the task starts (the API's 0). */
  readonly startTime: number | undefined;
  readonly endTime: number | undefined;
}

export interface JobRun extends RunState {
  readonly runId: number;
  readonly jobId: number | undefined;
  readonly runPageUrl: string | undefined;
  readonly startTime: number | undefined;
  readonly endTime: number | undefined;
  readonly tasks: readonly TaskRun[];
}

/** A run has ended when its life cycle is one of these; only result SUCCESS is a success. */
const TERMINAL = new Set(['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR']);

export function isTerminal(state: Pick<RunState, 'lifeCycleState'>): boolean {
  return TERMINAL.has(state.lifeCycleState);
}

export interface WaitOptions {
  /** Between two runs/get (default 10 s). */
  readonly pollIntervalMs?: number | undefined;
  /** Give up waiting after this long (the run goes on); default: no limit. */
  readonly timeoutMs?: number | undefined;
  /** Called with each state that differs from the last (the run's or a task's). */
  readonly onChange?: ((run: JobRun) => void) | undefined;
}

/** The client for a resolved Databricks connection: `https://<host>` with its credentials. */
export function jobsClientFor(connection: Pick<DatabricksConnection, 'host' | 'auth'>, options: Omit<JobsClientOptions, 'baseUrl' | 'auth'> = {}): JobsClient {
  return new JobsClient({ ...options, baseUrl: `https://${connection.host}`, auth: connection.auth });
}

export class JobsClient {
  private readonly baseUrl: string;
  private readonly auth: DatabricksAuth;
  private readonly requestTimeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly logger: Logger | undefined;
  private oauth: { token: string; expiresAt: number } | undefined;

  constructor(options: JobsClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.auth = options.auth;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.attempts = Math.max(1, options.attempts ?? 6);
    this.backoffMs = options.backoffMs ?? 1_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 60_000;
    this.logger = options.logger;
    registerSecret(options.auth.kind === 'pat' ? options.auth.token : options.auth.clientSecret);
  }

  /** Jobs whose name is exactly `name` (the API compares without case), every page. */
  async findJobsByName(name: string): Promise<JobSummary[]> {
    const out: JobSummary[] = [];
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ name, limit: '100' });
      if (pageToken) query.set('page_token', pageToken);
      const page = toObject(await this.request('GET', `/api/2.1/jobs/list?${query.toString()}`));
      for (const job of Array.isArray(page['jobs']) ? page['jobs'] : []) {
        const j = toObject(job);
        const settings = toObject(j['settings']);
        const tags: Record<string, string> = {};
        for (const [k, v] of Object.entries(toObject(settings['tags']))) tags[k] = String(v);
        out.push({ jobId: Number(j['job_id']), name: String(settings['name'] ?? ''), tags });
      }
      pageToken = page['has_more'] === true && typeof page['next_page_token'] === 'string' ? page['next_page_token'] : undefined;
    } while (pageToken);
    return out;
  }

  /** Who the credentials are (SCIM `Me`): a user's name, or a service principal's application id and display name. */
  async currentUser(): Promise<WorkspaceUser> {
    const me = toObject(await this.request('GET', '/api/2.0/preview/scim/v2/Me'));
    if (typeof me['userName'] !== 'string') throw new JobsApiError(`SCIM GET /api/2.0/preview/scim/v2/Me answered without a userName: ${JSON.stringify(me).slice(0, 200)}`);
    return { userName: me['userName'], displayName: typeof me['displayName'] === 'string' ? me['displayName'] : undefined };
  }

  /**
   * Starts a run with job parameters. The idempotency token makes a retried run-now (after a
   * timeout or a 5xx) return the run already started instead of starting a second one.
   */
  async runNow(jobId: number, jobParameters: Readonly<Record<string, string>>, idempotencyToken: string): Promise<{ runId: number; numberInJob: number | undefined }> {
    const body = { job_id: jobId, job_parameters: jobParameters, idempotency_token: idempotencyToken.slice(0, 64) };
    const answer = toObject(await this.request('POST', '/api/2.1/jobs/run-now', body));
    const runId = Number(answer['run_id']);
    if (!Number.isSafeInteger(runId)) throw new JobsApiError(`Jobs API POST /api/2.1/jobs/run-now answered without a run_id: ${JSON.stringify(answer).slice(0, 200)}`);
    return { runId, numberInJob: answer['number_in_job'] === undefined ? undefined : Number(answer['number_in_job']) };
  }

  async getRun(runId: number): Promise<JobRun> {
    return parseRun(toObject(await this.request('GET', `/api/2.1/jobs/runs/get?run_id=${runId}`)));
  }

  /** Polls runs/get until the run ends; throws a JobsApiError when `timeoutMs` passes first. */
  async waitForRun(runId: number, options: WaitOptions = {}): Promise<JobRun> {
    const interval = options.pollIntervalMs ?? 10_000;
    const deadline = options.timeoutMs === undefined || options.timeoutMs <= 0 ? Infinity : Date.now() + options.timeoutMs;
    let last = '';
    for (;;) {
      const run = await this.getRun(runId);
      const signature = [run.lifeCycleState, run.resultState, ...run.tasks.map((t) => `${t.taskKey}=${t.lifeCycleState}/${t.resultState ?? ''}`)].join(' ');
      if (signature !== last) options.onChange?.(run);
      last = signature;
      if (isTerminal(run)) return run;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new JobsApiError(`run ${runId} had not ended after ${secondsText(options.timeoutMs ?? 0)} s of waiting (it is ${run.lifeCycleState}${run.runPageUrl ? `: ${run.runPageUrl}` : ''}); it goes on in Databricks`);
      }
      await sleep(Math.min(interval, left));
    }
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const where = `Jobs API ${method} ${path.split('?')[0]}`;
    let refreshed = false;
    let lastProblem = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      let response: Response;
      try {
        response = await fetch(`${this.baseUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${await this.token()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(this.requestTimeoutMs),
        });
      } catch (cause) {
        if (cause instanceof JobsApiError) throw cause;
        lastProblem = isTimeout(cause) ? `no answer within ${secondsText(this.requestTimeoutMs)} s` : `unreachable (${messageOf(cause)})`;
        this.logger?.warn({ attempt, attempts: this.attempts }, `${where}: ${lastProblem}`);
        if (attempt < this.attempts) await sleep(this.backoff(attempt));
        continue;
      }
      const text = await response.text();
      if (response.ok) {
        this.logger?.debug({ status: response.status }, where);
        return text === '' ? {} : JSON.parse(text);
      }
      const detail = apiError(text);
      if (response.status === 401 && this.auth.kind === 'oauth-m2m' && !refreshed) {
        // An OAuth token can expire between two polls: fetch a new one once.
        this.oauth = undefined;
        refreshed = true;
        attempt--;
        continue;
      }
      if (response.status !== 429 && response.status < 500) {
        throw new JobsApiError(`${where} failed: HTTP ${response.status}${detail.errorCode ? ` ${detail.errorCode}` : ''}${detail.message ? `: ${detail.message}` : ''}`, { status: response.status, errorCode: detail.errorCode });
      }
      lastProblem = `HTTP ${response.status}${detail.message ? `: ${detail.message}` : ''}`;
      const wait = retryAfter(response.headers.get('retry-after')) ?? this.backoff(attempt);
      this.logger?.warn({ attempt, attempts: this.attempts, waitMs: wait }, `${where}: ${lastProblem}; retrying`);
      if (attempt < this.attempts) await sleep(wait);
    }
    throw new JobsApiError(`${where} failed after ${this.attempts} attempts: ${lastProblem}`);
  }

  private backoff(attempt: number): number {
    return Math.min(this.maxBackoffMs, this.backoffMs * 2 ** (attempt - 1));
  }

  /** A personal access token as it is; for a service principal, an OAuth token fetched and kept until a minute before it expires. */
  private async token(): Promise<string> {
    if (this.auth.kind === 'pat') return this.auth.token;
    if (this.oauth && Date.now() < this.oauth.expiresAt) return this.oauth.token;
    const { clientId, clientSecret } = this.auth;
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/oidc/v1/token`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=all-apis',
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
    } catch (cause) {
      throw new JobsApiError(`cannot get an OAuth token for service principal ${clientId} from ${this.baseUrl}/oidc/v1/token: ${isTimeout(cause) ? `no answer within ${secondsText(this.requestTimeoutMs)} s` : messageOf(cause)}`, { cause });
    }
    const text = await response.text();
    const answer = toObject(safeJson(text));
    const token = answer['access_token'];
    if (!response.ok || typeof token !== 'string' || token === '') {
      const detail = typeof answer['error_description'] === 'string' ? answer['error_description'] : typeof answer['error'] === 'string' ? answer['error'] : `HTTP ${response.status}`;
      throw new JobsApiError(`cannot get an OAuth token for service principal ${clientId} from ${this.baseUrl}/oidc/v1/token: ${detail}`, { status: response.status });
    }
    registerSecret(token);
    const expiresIn = Number(answer['expires_in'] ?? 3600);
    this.oauth = { token, expiresAt: Date.now() + Math.max(0, (Number.isFinite(expiresIn) ? expiresIn : 3600) - 60) * 1000 };
    return token;
  }
}

function parseRun(data: Record<string, unknown>): JobRun {
  const time = (v: unknown) => (typeof v === 'number' && v > 0 ? v : undefined);
  return {
    runId: Number(data['run_id']),
    jobId: data['job_id'] === undefined ? undefined : Number(data['job_id']),
    runPageUrl: typeof data['run_page_url'] === 'string' ? data['run_page_url'] : undefined,
    ...parseState(data['state']),
    startTime: time(data['start_time']),
    endTime: time(data['end_time']),
    tasks: (Array.isArray(data['tasks']) ? data['tasks'] : []).map((t) => {
      const task = toObject(t);
      return { taskKey: String(task['task_key'] ?? ''), ...parseState(task['state']), startTime: time(task['start_time']), endTime: time(task['end_time']) };
    }),
  };
}

function parseState(value: unknown): RunState {
  const state = toObject(value);
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return { lifeCycleState: text(state['life_cycle_state']) ?? 'UNKNOWN', resultState: text(state['result_state']), stateMessage: text(state['state_message']) };
}

/** Retry-After as seconds or an HTTP date, in milliseconds (capped at 10 minutes). */
function retryAfter(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(0, ms), 600_000) : undefined;
}

function apiError(text: string): { errorCode: string | undefined; message: string | undefined } {
  const body = toObject(safeJson(text));
  const errorCode = typeof body['error_code'] === 'string' ? body['error_code'] : undefined;
  const message = typeof body['message'] === 'string' ? body['message'] : text.trim().slice(0, 200) || undefined;
  return { errorCode, message };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

function messageOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

function secondsText(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

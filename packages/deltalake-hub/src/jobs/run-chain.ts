import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, HubError, isHubError, JOB_PARAMETER_NAMES, ParameterError, resolveDatabricksConnection, type ConfigIssue, type Engine, type JobParameters, type Logger } from '@org/hub-core';
import { exitCodeForError, type RunSummary } from '@org/hub-bronze';
import { failsJob, readChecksFile, renderChecksSql, runChecks, type QualityReport } from '@org/hub-quality';
import { renderSql, runSqlFiles, splitSqlStatements } from '../transforms/run-sql-files.js';
import { AFTER_BRONZE_TAG, type ChainPlan, type PlannedSqlTask, type SpokeChain } from './bundle-chain.js';
import { namesUser, resolveNamePrefix } from './deployed-name.js';
import { JobsApiError, jobsClientFor, type JobRun, type JobsClient } from './jobs-client.js';

/**
 * One trigger, the whole chain: bronze, then the after-bronze job's steps in the bundle's order.
 * On DuckDB and Spark the steps' SQL files run here through runSqlFiles; on Databricks the
 * deployed job is started with run-now and the same parameters, and polled until it ends.
 */

/** What the chain does after a bronze run that loaded some files but not all (bundle variable `on_partial_bronze`). */
export type OnPartial = 'continue' | 'stop';
export const ON_PARTIAL_VARIABLE = 'on_partial_bronze';

export type ChainStatus = 'SUCCESS' | 'PARTIAL' | 'STOPPED' | 'FAILED';
export type StepStatus = 'SUCCESS' | 'NOTHING_TO_LOAD' | 'PARTIAL' | 'CHECKS_FAILED' | 'FAILED' | 'HELD' | 'NOT_RUN' | 'RUNNING';

/**
 * Exit codes of `job run`, bronze's own first: 0 every step succeeded; 1 the chain or bronze could
 * not proceed (nothing after bronze ran); 2 bronze was partial or its checks failed (the steps
 * after it ran, or were stopped); 3 bronze was held by another run (nothing after it ran);
 * 4 bronze loaded, then a step after it failed.
 */
export const CHAIN_EXIT = { ok: 0, cannotProceed: 1, partial: 2, held: 3, stepFailed: 4 } as const;
export type ChainExitCode = (typeof CHAIN_EXIT)[keyof typeof CHAIN_EXIT];

export interface ChainTaskResult {
  /** `job.task`. */
  readonly name: string;
  readonly file: string | null;
  readonly status: StepStatus;
  readonly durationMs: number | null;
  readonly statements: number | null;
  readonly message: string | null;
}

export interface ChainStepResult {
  /** `bronze`, then the after-bronze job's task keys. */
  readonly name: string;
  /** The job a step starts (run_job_task), if any. */
  readonly job: string | null;
  readonly status: StepStatus;
  readonly durationMs: number | null;
  readonly message: string | null;
  readonly tasks: readonly ChainTaskResult[];
}

export interface ChainSummary {
  readonly status: ChainStatus;
  readonly exitCode: ChainExitCode;
  readonly engine: string;
  readonly target: string;
  /** The after-bronze job: its bundle key and name, and on Databricks its id and the run started. */
  readonly job: { readonly key: string; readonly name: string; readonly id: number | null; readonly runId: number | null; readonly runPageUrl: string | null };
  /** The parameters the after-bronze job received (the trigger's, '' when not given). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly onPartial: OnPartial;
  readonly durationMs: number;
  readonly steps: readonly ChainStepResult[];
  /** The bronze run's own summary (with `quality` when checks ran), or null when it could not proceed. */
  readonly bronze: (RunSummary & { readonly quality?: QualityReport }) | null;
  readonly error: { readonly step: string; readonly code: string; readonly message: string } | null;
}

export interface DatabricksTransforms {
  readonly client: JobsClient;
  /** The deployed after-bronze job (found by name or given). */
  readonly jobId: number;
  readonly pollIntervalMs?: number | undefined;
  readonly waitTimeoutMs?: number | undefined;
}

export interface RunJobChainOptions {
  readonly plan: ChainPlan;
  readonly target: string;
  /** The engine bronze runs on; on DuckDB and Spark the SQL steps run on it too. */
  readonly engine: Engine;
  /** The bronze step: the spoke's runner, or runBronze (with checks). Its errors are the chain's bronze failure. */
  readonly bronze: () => Promise<RunSummary & { readonly quality?: QualityReport }>;
  readonly onPartial: OnPartial;
  /** Set on Databricks: the steps run as the deployed job (run-now, then runs/get until it ends). */
  readonly databricks?: DatabricksTransforms | undefined;
  readonly logger?: Logger | undefined;
  /** One line per event, for stderr. */
  readonly progress?: ((line: string) => void) | undefined;
}

/** The setting that names the deployed after-bronze job's id, instead of finding it by name. */
export const TRANSFORMS_JOB_ID_ENV = 'DELTALAKE_HUB_TRANSFORMS_JOB_ID';

/** The trigger's parameters by their job parameter names, '' when not given: what the after-bronze job receives. */
export function triggerParameters(params: JobParameters): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, name] of Object.entries(JOB_PARAMETER_NAMES) as [keyof JobParameters, string][]) {
    const value = params[key];
    out[name] = value === undefined ? '' : String(value);
  }
  return out;
}

export interface SpokeChainRunOptions {
  readonly chain: SpokeChain;
  readonly engine: Engine;
  readonly bronze: RunJobChainOptions['bronze'];
  /** `continue` or `stop` (a flag); default the target's `on_partial_bronze`, else continue. */
  readonly onPartial?: string | undefined;
  /** On the databricks engine: how the deployed job is found (an id, else by name) and followed. */
  readonly databricks?:
    | {
        readonly env?: NodeJS.ProcessEnv | undefined;
        readonly jobId?: number | undefined;
        readonly client?: JobsClient | undefined;
        readonly pollIntervalMs?: number | undefined;
        readonly waitTimeoutMs?: number | undefined;
      }
    | undefined;
  readonly logger?: Logger | undefined;
  readonly progress?: ((line: string) => void) | undefined;
}

/**
 * A spoke's whole chain on an open engine: on DuckDB and Spark the SQL steps are checked before
 * bronze and run here; on Databricks the deployed after-bronze job is found before bronze and
 * started after it.
 */
export async function runSpokeChain(options: SpokeChainRunOptions): Promise<ChainSummary> {
  const { chain, engine, logger } = options;
  const onPartial = onPartialSetting(chain.variables, options.onPartial);
  let databricks: DatabricksTransforms | undefined;
  if (engine.name === 'databricks') {
    const env = options.databricks?.env ?? process.env;
    const client = options.databricks?.client ?? jobsClientFor(resolveDatabricksConnection(env), { logger });
    const jobId = options.databricks?.jobId ?? jobIdSetting(env) ?? (await findDeployedJob(client, { jobName: await deployedJobName(client, chain) }));
    databricks = { client, jobId, pollIntervalMs: options.databricks?.pollIntervalMs, waitTimeoutMs: options.databricks?.waitTimeoutMs };
  } else {
    await prepareLocalSteps(chain.plan, engine, chain.dir);
  }
  return runJobChain({ plan: chain.plan, target: chain.target, engine, bronze: options.bronze, onPartial, databricks, logger, progress: options.progress });
}

function jobIdSetting(env: NodeJS.ProcessEnv): number | undefined {
  const value = env[TRANSFORMS_JOB_ID_ENV]?.trim();
  if (!value) return undefined;
  const id = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(id) || id <= 0) throw new ParameterError(TRANSFORMS_JOB_ID_ENV, `expected a Databricks job id (a positive whole number), got ${JSON.stringify(value)}`);
  return id;
}

/** The after-bronze job's name as the target deployed it: with the target's prefix, which in development mode names the deploying user (the caller, here). */
async function deployedJobName(client: JobsClient, chain: Pick<SpokeChain, 'plan' | 'deployedNamePrefix'>): Promise<string> {
  const prefix = chain.deployedNamePrefix ?? '';
  if (prefix === '') return chain.plan.jobName;
  return `${namesUser(prefix) ? resolveNamePrefix(prefix, await client.currentUser()) : prefix}${chain.plan.jobName}`;
}

/** The one deployed job named as the plan names it (tagged after-bronze, when several share the name). */
export async function findDeployedJob(client: JobsClient, plan: Pick<ChainPlan, 'jobName'>): Promise<number> {
  const found = await client.findJobsByName(plan.jobName);
  const tagged = found.filter((j) => j.tags[AFTER_BRONZE_TAG.key] === AFTER_BRONZE_TAG.value);
  const candidates = tagged.length > 0 ? tagged : found;
  if (candidates.length === 1) return (candidates[0] as { jobId: number }).jobId;
  if (candidates.length === 0) {
    throw new ParameterError(
      'job',
      `no job named ${JSON.stringify(plan.jobName)} in the workspace: deploy the bundle (databricks bundle deploy -t <target>) as the user who runs this (a target in mode: development names jobs after the user who deployed them), or give the job's id with --job-id or ${TRANSFORMS_JOB_ID_ENV}`,
    );
  }
  throw new ParameterError('job', `${candidates.length} jobs are named ${JSON.stringify(plan.jobName)} (ids ${candidates.map((j) => j.jobId).join(', ')}): give one with --job-id or ${TRANSFORMS_JOB_ID_ENV}`);
}

/** Reads the on-partial setting: a flag wins over the target's `on_partial_bronze` variable; default continue. */
export function onPartialSetting(variables: Readonly<Record<string, string>>, flag?: string | undefined): OnPartial {
  const [value, where] = flag !== undefined && flag !== '' ? [flag, '--on-partial'] : [variables[ON_PARTIAL_VARIABLE] ?? 'continue', `variable ${ON_PARTIAL_VARIABLE}`];
  if (value === 'continue' || value === 'stop') return value;
  throw new ConfigError([{ file: where === '--on-partial' ? '--on-partial' : 'databricks.yml', line: 0, message: `${where} = ${JSON.stringify(value)}: expected continue or stop` }]);
}

/**
 * Everything the local steps need, checked before bronze loads anything: each SQL file renders
 * with its task's variables on this engine, and each `quality render` script is still what its
 * checks file renders to. Nothing runs when one is wrong.
 */
export async function prepareLocalSteps(plan: ChainPlan, engine: Pick<Engine, 'name' | 'dialect'>, spokeDir = ''): Promise<void> {
  const issues: ConfigIssue[] = [];
  const shown = (file: string) => join(spokeDir, file);
  for (const task of plan.steps.flatMap((s) => s.tasks)) {
    const text = readFileSync(task.file, 'utf8');
    if (task.renderedChecks) {
      const { source, displaySource, schemas } = task.renderedChecks;
      try {
        const checks = await readChecksFile(source, { variables: { ...task.variables, catalog: 'catalog' }, displayName: shown(displaySource) });
        if (renderChecksSql(checks, { schemas, source: displaySource }) !== text) {
          const again = `deltalake-hub quality render --checks ${displaySource}${(schemas ?? []).map((s) => ` --schema ${s}`).join('')} > ${task.displayFile}`;
          issues.push({ file: shown(task.displayFile), line: 1, message: `is not what ${displaySource} renders to now: render it again, in the spoke folder (${again})` });
        }
      } catch (error) {
        if (error instanceof ConfigError) issues.push(...error.issues);
        else throw error;
      }
      if (!runsSparkSql(engine)) continue;
    }
    for (const statement of splitSqlStatements(text)) {
      try {
        renderSql(statement, task.variables, engine, 'catalog', shown(task.displayFile));
      } catch (error) {
        if (error instanceof ConfigError) issues.push(...error.issues);
        else throw error;
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
}

/** A `quality render` script is Spark SQL: it runs as written on Spark and Databricks, and as its checks elsewhere. */
function runsSparkSql(engine: Pick<Engine, 'name'>): boolean {
  return engine.name === 'spark' || engine.name === 'databricks';
}

export async function runJobChain(options: RunJobChainOptions): Promise<ChainSummary> {
  const started = Date.now();
  const { plan, engine } = options;
  const say = options.progress ?? (() => undefined);
  const job = { key: plan.job.key, name: plan.jobName, id: options.databricks?.jobId ?? null, runId: null as number | null, runPageUrl: null as string | null };
  const notRun = (message: string | null = null): ChainStepResult[] =>
    plan.steps.map((s) => ({ name: s.name, job: s.job ?? null, status: 'NOT_RUN', durationMs: null, message, tasks: s.tasks.map((t) => ({ name: t.name, file: t.displayFile, status: 'NOT_RUN', durationMs: null, statements: null, message: null })) }));
  const finish = (status: ChainStatus, exitCode: ChainExitCode, steps: ChainStepResult[], bronze: ChainSummary['bronze'], error: ChainSummary['error'] = null): ChainSummary => ({
    status,
    exitCode,
    engine: engine.name,
    target: options.target,
    job,
    parameters: plan.parameters,
    onPartial: options.onPartial,
    durationMs: Date.now() - started,
    steps,
    bronze,
    error,
  });

  // 1. Bronze. A run that could not proceed, or was held, ends the chain here.
  say(`bronze: loading (${Object.entries(plan.parameters).map(([k, v]) => `${k}=${v === '' ? "''" : v}`).join(', ')})`);
  const bronzeStart = Date.now();
  let summary: RunSummary & { readonly quality?: QualityReport };
  try {
    summary = await options.bronze();
  } catch (error) {
    const held = exitCodeForError(error) === 3;
    const message = errorMessage(error);
    say(`bronze: ${held ? 'HELD' : 'FAILED'}: ${message}`);
    const bronzeStep: ChainStepResult = { name: 'bronze', job: null, status: held ? 'HELD' : 'FAILED', durationMs: Date.now() - bronzeStart, message, tasks: [] };
    return finish('FAILED', held ? CHAIN_EXIT.held : CHAIN_EXIT.cannotProceed, [bronzeStep, ...notRun('bronze did not complete')], null, { step: 'bronze', code: isHubError(error) ? error.code : 'INTERNAL', message });
  }
  const checksFailed = summary.quality !== undefined && failsJob(summary.quality);
  const bronzeStatus: StepStatus = checksFailed ? 'CHECKS_FAILED' : summary.status === 'FAILED' ? 'FAILED' : summary.status;
  const loaded = summary.files.filter((f) => f.status === 'SUCCESS').length;
  const bronzeStep: ChainStepResult = {
    name: 'bronze',
    job: null,
    status: bronzeStatus,
    durationMs: Date.now() - bronzeStart,
    message: `run ${summary.runId}: ${summary.files.length === 0 ? 'nothing to load' : `${loaded}/${summary.files.length} files loaded`}${checksFailed ? `; checks failed: ${failedChecks(summary.quality)}` : ''}`,
    tasks: [],
  };
  say(`bronze: ${bronzeStatus} in ${seconds(bronzeStep.durationMs)} (${bronzeStep.message})`);
  const partial = bronzeStatus === 'PARTIAL' || bronzeStatus === 'CHECKS_FAILED' || bronzeStatus === 'FAILED';
  // A failed on_fail: fail check fails the job, as a failed task does in Databricks; a partial load stops only when the spoke says so.
  if (checksFailed || (partial && options.onPartial === 'stop')) {
    const why = checksFailed ? 'a bronze check with on_fail: fail failed' : `bronze was ${bronzeStatus} and ${ON_PARTIAL_VARIABLE} is stop`;
    say(`stopped: ${why}`);
    return finish('STOPPED', CHAIN_EXIT.partial, [bronzeStep, ...notRun(`not run: ${why}`)], summary);
  }

  // 2. The steps after bronze, in the bundle's order.
  const steps = options.databricks ? await runDeployedJob(options, options.databricks, job, summary.runId) : await runLocalSteps(options);
  const failed = steps.find((s) => s.status !== 'SUCCESS');
  if (failed) {
    const message = failed.message ?? failed.tasks.find((t) => t.message)?.message ?? failed.status;
    return finish('FAILED', CHAIN_EXIT.stepFailed, [bronzeStep, ...steps], summary, { step: failed.name, code: failed.status, message });
  }
  return partial ? finish('PARTIAL', CHAIN_EXIT.partial, [bronzeStep, ...steps], summary) : finish('SUCCESS', CHAIN_EXIT.ok, [bronzeStep, ...steps], summary);
}

/** Runs every step's SQL tasks here, in order; the first failure ends the chain (what follows is NOT_RUN). */
async function runLocalSteps(options: RunJobChainOptions): Promise<ChainStepResult[]> {
  const say = options.progress ?? (() => undefined);
  const results: ChainStepResult[] = [];
  let stopped = false;
  for (const step of options.plan.steps) {
    const stepStart = Date.now();
    const tasks: ChainTaskResult[] = [];
    for (const task of step.tasks) {
      if (stopped) {
        tasks.push({ name: task.name, file: task.displayFile, status: 'NOT_RUN', durationMs: null, statements: null, message: null });
        continue;
      }
      const taskStart = Date.now();
      say(`${step.name}: ${task.name} (${task.displayFile})`);
      try {
        const statements = await runTask(options, task);
        tasks.push({ name: task.name, file: task.displayFile, status: 'SUCCESS', durationMs: Date.now() - taskStart, statements, message: null });
      } catch (error) {
        stopped = true;
        const message = errorMessage(error);
        say(`${step.name}: ${task.name} FAILED: ${message}`);
        tasks.push({ name: task.name, file: task.displayFile, status: 'FAILED', durationMs: Date.now() - taskStart, statements: null, message });
      }
    }
    const status: StepStatus = tasks.some((t) => t.status === 'FAILED') ? 'FAILED' : tasks.every((t) => t.status === 'NOT_RUN') && tasks.length > 0 ? 'NOT_RUN' : 'SUCCESS';
    const ran = tasks.some((t) => t.status !== 'NOT_RUN');
    results.push({ name: step.name, job: step.job ?? null, status, durationMs: ran ? Date.now() - stepStart : null, message: status === 'FAILED' ? (tasks.find((t) => t.message)?.message ?? null) : null, tasks });
    if (ran) say(`${step.name}: ${status} in ${seconds(Date.now() - stepStart)}`);
  }
  return results;
}

/** One SQL task: its file through runSqlFiles, or a `quality render` script as the checks it came from where Spark SQL does not run. */
async function runTask(options: RunJobChainOptions, task: PlannedSqlTask): Promise<number> {
  const { engine } = options;
  if (task.renderedChecks && !runsSparkSql(engine)) {
    const { source, displaySource, schemas } = task.renderedChecks;
    const file = await readChecksFile(source, { variables: task.variables, displayName: displaySource });
    const checks = file.checks.filter((c) => !schemas || schemas.includes(c.table.schema));
    const report = await runChecks(engine, checks, { metadataCatalog: task.variables['catalog'], logger: options.logger, alerts: false });
    // The script's raise_error, in the same words.
    if (failsJob(report)) throw new HubError('ENGINE_ERROR', `${task.displayFile}: data quality checks failed: ${failedChecks(report)}`);
    return report.statements;
  }
  const [result] = await runSqlFiles(engine, [task.file], task.variables);
  return result?.statements ?? 0;
}

/** Starts the deployed job with the chain's parameters and follows it to its end; its tasks are the steps. */
async function runDeployedJob(options: RunJobChainOptions, databricks: DatabricksTransforms, job: { id: number | null; runId: number | null; runPageUrl: string | null }, bronzeRunId: string): Promise<ChainStepResult[]> {
  const say = options.progress ?? (() => undefined);
  const { plan } = options;
  const failAll = (message: string): ChainStepResult[] => plan.steps.map((s, i) => ({ name: s.name, job: s.job ?? null, status: i === 0 ? 'FAILED' : 'NOT_RUN', durationMs: null, message: i === 0 ? message : null, tasks: [] }));
  let run: JobRun;
  try {
    const started = await databricks.client.runNow(databricks.jobId, plan.parameters, `deltalake-hub-${bronzeRunId}`);
    job.runId = started.runId;
    say(`${plan.jobName}: run ${started.runId} of job ${databricks.jobId} started`);
    run = await databricks.client.waitForRun(started.runId, {
      pollIntervalMs: databricks.pollIntervalMs,
      timeoutMs: databricks.waitTimeoutMs,
      onChange: (r) => {
        job.runPageUrl = r.runPageUrl ?? job.runPageUrl;
        const tasks = r.tasks.map((t) => `${t.taskKey} ${t.resultState ?? t.lifeCycleState}`).join(', ');
        say(`run ${r.runId}: ${r.resultState ?? r.lifeCycleState}${tasks ? ` (${tasks})` : ''}${r.runPageUrl && r.lifeCycleState === 'PENDING' ? ` ${r.runPageUrl}` : ''}`);
      },
    });
  } catch (error) {
    const message = errorMessage(error);
    say(`${plan.jobName}: ${message}`);
    if (job.runId === null || !(error instanceof JobsApiError)) return failAll(message);
    // The run was started but could not be followed to its end: report it as running, with where to look.
    return plan.steps.map((s, i) => ({ name: s.name, job: s.job ?? null, status: i === 0 ? 'RUNNING' : 'NOT_RUN', durationMs: null, message: i === 0 ? `${message}${job.runPageUrl && !message.includes(job.runPageUrl) ? ` (${job.runPageUrl})` : ''}` : null, tasks: [] }));
  }
  job.runPageUrl = run.runPageUrl ?? job.runPageUrl;
  const byKey = new Map(run.tasks.map((t) => [t.taskKey, t]));
  const steps: ChainStepResult[] = plan.steps.map((s) => {
    const task = byKey.get(s.name);
    const status: StepStatus = !task ? 'NOT_RUN' : task.resultState === 'SUCCESS' ? 'SUCCESS' : task.resultState === undefined || /^(UPSTREAM_|EXCLUDED)/.test(task.resultState) ? 'NOT_RUN' : 'FAILED';
    const message = task && status === 'FAILED' ? `${task.resultState}${task.stateMessage ? `: ${task.stateMessage}` : ''}` : task ? null : 'not in the deployed job (deploy the bundle again)';
    return { name: s.name, job: s.job ?? null, status, durationMs: task?.startTime && task.endTime ? task.endTime - task.startTime : null, message, tasks: [] };
  });
  if (run.resultState !== 'SUCCESS' && !steps.some((s) => s.status === 'FAILED')) {
    // The run failed outside any task we know (canceled before starting, an internal error).
    const first = steps.findIndex((s) => s.status !== 'SUCCESS');
    const at = first < 0 ? 0 : first;
    steps[at] = { ...(steps[at] as ChainStepResult), status: 'FAILED', message: `run ${run.runId} ended ${run.resultState ?? run.lifeCycleState}${run.stateMessage ? `: ${run.stateMessage}` : ''}` };
  }
  return steps;
}

function failedChecks(report: QualityReport | undefined): string {
  return (report?.results ?? []).filter((r) => !r.passed && r.criticality === 'error' && r.onFail === 'fail').map((r) => r.name).join(', ');
}

function errorMessage(error: unknown): string {
  return error instanceof ConfigError ? error.issues.map((i) => `${i.file}:${i.line}: ${i.message}`).join('\n') : error instanceof Error ? error.message : String(error);
}

function seconds(ms: number | null): string {
  return ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`;
}

/** The chain's summary as a person reads it: one line per step, then bronze's own summary. */
export function formatChainSummary(summary: ChainSummary, bronzeText?: string): string {
  const job = summary.job;
  const lines = [
    `job ${job.key} on ${summary.engine} (target ${summary.target}): ${summary.status}, exit ${summary.exitCode}, ${seconds(summary.durationMs)}` +
      (job.runId !== null ? `; Databricks run ${job.runId} of job ${job.id}${job.runPageUrl ? ` ${job.runPageUrl}` : ''}` : ''),
  ];
  const width = Math.max(...summary.steps.map((s) => s.name.length));
  for (const step of summary.steps) {
    // The tasks, or the step's message cut to its first line: the whole error follows once, below.
    const tasks = step.tasks.map((t) => `${t.name.split('.').pop()} ${t.status === 'SUCCESS' ? seconds(t.durationMs) : t.status}`).join(', ');
    const message = (step.message ?? '').split('\n')[0] ?? '';
    const short = message.length > 120 ? `${message.slice(0, 117)}...` : message;
    const detail = step.status === 'SUCCESS' ? tasks || short : short || tasks;
    lines.push(`  ${step.name.padEnd(width)}  ${step.status.padEnd(15)} ${seconds(step.durationMs).padStart(7)}  ${detail}`.trimEnd());
  }
  if (summary.error) lines.push(`${summary.error.step}: ${summary.error.message}`);
  if (bronzeText) lines.push('', bronzeText);
  return lines.join('\n');
}

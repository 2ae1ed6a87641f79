import { ParameterError } from './errors.js';
import type { Logger } from './logger.js';

/** The seed's job parameters (WidgetManager), plus the hub's own `force` and `asOf`. */
export interface JobParameters {
  readonly category?: string | undefined;
  readonly subcategory?: string | undefined;
  readonly fileName?: string | undefined;
  readonly beginDate?: string | undefined;
  readonly endDate?: string | undefined;
  readonly configPath?: string | undefined;
  readonly force?: boolean | undefined;
  readonly asOf?: string | undefined;
}

type ParamKey = keyof JobParameters;

/** Databricks job parameter names (snake_case, as in the seed's job definition). */
export const JOB_PARAMETER_NAMES: Record<ParamKey, string> = {
  category: 'category',
  subcategory: 'subcategory',
  fileName: 'file_name',
  beginDate: 'begin_date',
  endDate: 'end_date',
  configPath: 'config_path',
  force: 'force',
  asOf: 'as_of',
};

/** Environment variable per parameter. */
export const JOB_PARAMETER_ENV: Record<ParamKey, string> = {
  category: 'DELTALAKE_HUB_CATEGORY',
  subcategory: 'DELTALAKE_HUB_SUBCATEGORY',
  fileName: 'DELTALAKE_HUB_FILE_NAME',
  beginDate: 'DELTALAKE_HUB_BEGIN_DATE',
  endDate: 'DELTALAKE_HUB_END_DATE',
  configPath: 'DELTALAKE_HUB_CONFIG_PATH',
  force: 'DELTALAKE_HUB_FORCE',
  asOf: 'DELTALAKE_HUB_AS_OF',
};

export interface ParameterSources {
  /** CLI flags, already parsed (camelCase keys). */
  readonly flags?: Partial<Record<keyof JobParameters, unknown>> | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** A Databricks-style job parameter object, or its JSON text (`{"category": "falcon", "file_name": ""}`). */
  readonly jobParameters?: string | Record<string, unknown> | undefined;
  readonly defaults?: Partial<JobParameters> | undefined;
  /** Told at info which parameters came from the environment, so a stray DELTALAKE_HUB_FORCE=true is visible. */
  readonly logger?: Logger | undefined;
}

/**
 * Reads the job parameters. Precedence: flag, then environment, then job parameters JSON,
 * then defaults. An empty string means "not given" everywhere, as in the seed's job definition.
 */
export function readJobParameters(sources: ParameterSources): JobParameters {
  const env = sources.env ?? process.env;
  const jobFromEnv = sources.jobParameters === undefined ? env[JOB_PARAMETERS_ENV] : undefined;
  const job = parseJobJson(sources.jobParameters ?? jobFromEnv);
  const out: Record<string, unknown> = {};
  const fromEnvironment: Record<string, string> = {};
  for (const key of Object.keys(JOB_PARAMETER_NAMES) as ParamKey[]) {
    const candidates = [sources.flags?.[key], env[JOB_PARAMETER_ENV[key]], job[JOB_PARAMETER_NAMES[key]], sources.defaults?.[key]];
    const at = candidates.findIndex(given);
    if (at < 0) continue;
    const value = candidates[at];
    out[key] = key === 'force' ? toBoolean(value, key) : toText(value, key);
    if (at === 1) fromEnvironment[JOB_PARAMETER_ENV[key]] = String(value);
    else if (at === 2 && given(jobFromEnv)) fromEnvironment[`${JOB_PARAMETERS_ENV}.${JOB_PARAMETER_NAMES[key]}`] = String(value);
  }
  const names = Object.keys(fromEnvironment);
  if (names.length > 0) {
    sources.logger?.info({ fromEnvironment }, `job parameters from the environment: ${names.map((n) => `${n}=${fromEnvironment[n]}`).join(', ')}`);
  }
  return out as JobParameters;
}

/** The variable holding Databricks-style job parameters as JSON, read when no --job-params is given. */
export const JOB_PARAMETERS_ENV = 'DELTALAKE_HUB_JOB_PARAMETERS';

/** An empty string means "not given" everywhere, as in the seed's job definition. */
function given(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function parseJobJson(input: string | Record<string, unknown> | undefined): Record<string, unknown> {
  if (input === undefined || input === '') return {};
  if (typeof input !== 'string') return input;
  try {
    const parsed: unknown = JSON.parse(input);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ParameterError('job parameters', 'expected a JSON object such as {"category": "falcon", "begin_date": "2024-01-01"}');
}

function toText(value: unknown, key: ParamKey): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return String(value);
  throw new ParameterError(JOB_PARAMETER_NAMES[key], `expected text, got ${typeof value}`);
}

function toBoolean(value: unknown, key: ParamKey): boolean {
  if (typeof value === 'boolean') return value;
  const text = String(value).trim().toLowerCase();
  if (text === 'true' || text === '1' || text === 'yes') return true;
  if (text === 'false' || text === '0' || text === 'no') return false;
  throw new ParameterError(JOB_PARAMETER_NAMES[key], `expected true or false, got ${JSON.stringify(value)}`);
}

import type { ConfigIssue } from '@org/hub-core';

export type Criticality = 'error' | 'warn';
/** What a failed check does beyond its result row: `fail` fails the job, `quarantine` moves the batch's failing rows aside. */
export type OnFail = 'record' | 'fail' | 'quarantine';
export type AlertType = 'webhook' | 'slack' | 'teams';
export type AlertEvent = 'check_failed' | 'file_quarantined' | 'run_failed';

export const KIND_NAMES = [
  'not_null',
  'accepted_values',
  'in_range',
  'regex',
  'is_date',
  'is_timestamp',
  'expression',
  'foreign_key',
  'unique',
  'row_count',
  'freshness',
  'schema',
  'aggregate',
] as const;
export type KindName = (typeof KIND_NAMES)[number];

export interface TableName {
  readonly catalog: string;
  readonly schema: string;
  readonly table: string;
  /** catalog.schema.table, as written after substitution. */
  readonly name: string;
}

/** Where something was declared, for `file:line` messages. */
export type SourceLine = Pick<ConfigIssue, 'file' | 'line'>;

/** One check of a checks file, validated and with its `${var}` placeholders substituted. */
export interface QualityCheck {
  readonly table: TableName;
  readonly name: string;
  readonly check: KindName;
  /** `column` or `columns`, as one list (empty for kinds that take none). */
  readonly columns: readonly string[];
  /** The kind's own arguments (min, max, values, pattern, format, ...), as its schema in kinds.ts validated them. */
  readonly args: Readonly<Record<string, unknown>>;
  readonly criticality: Criticality;
  readonly onFail: OnFail;
  /** A SQL predicate limiting the rows checked; validated by predicate.ts. */
  readonly where?: string | undefined;
  readonly source: SourceLine;
}

export interface AlertTarget {
  readonly type: AlertType;
  /** The environment variable that holds the URL: the URL itself never sits in the file. */
  readonly urlEnv: string;
  readonly on: readonly AlertEvent[];
  readonly source: SourceLine;
}

export interface ChecksFile {
  readonly file: string;
  readonly checks: readonly QualityCheck[];
  readonly alerts: readonly AlertTarget[];
}

/** One failing row (its failing values) or, for a dataset-level kind, what was measured. */
export type SampleEntry = Readonly<Record<string, unknown>>;

export interface CheckResult {
  readonly table: string;
  readonly name: string;
  readonly check: KindName;
  readonly criticality: Criticality;
  readonly onFail: OnFail;
  readonly passed: boolean;
  /** Rows the check looked at; null for kinds that look at no rows (schema). */
  readonly rowsEvaluated: number | null;
  /** Rows that broke the rule; null for dataset-level kinds that measure one value (row_count, freshness, aggregate, schema). */
  readonly rowsFailed: number | null;
  readonly rowsQuarantined: number;
  /** Up to 10 failing rows with their failing values, or the measured value of a dataset-level kind. */
  readonly sample: readonly SampleEntry[];
  readonly message: string | null;
  /** Whether row-level scope was the batch or the whole table. */
  readonly batchId: string | null;
  /** The duration of the statement that evaluated the check (checks evaluated together share it). */
  readonly durationMs: number;
}

export type QualityStatus = 'PASSED' | 'WARNED' | 'FAILED';

export interface QuarantineOutcome {
  readonly table: string;
  readonly quarantineTable: string;
  readonly rows: number;
  readonly checks: readonly string[];
}

export interface AlertOutcome {
  readonly type: AlertType;
  readonly event: AlertEvent;
  /** The variable that named the URL (never the URL). */
  readonly urlEnv: string;
  readonly delivered: boolean;
  readonly attempts: number;
  readonly error?: string | undefined;
}

export interface QualityReport {
  readonly runId: string;
  /** FAILED when an `error` check failed, WARNED when only `warn` checks did. */
  readonly status: QualityStatus;
  readonly engine: string;
  readonly batchId: string | null;
  readonly statements: number;
  readonly durationMs: number;
  readonly results: readonly CheckResult[];
  readonly quarantined: readonly QuarantineOutcome[];
  /** Tables whose checks did not run, with why: nothing is skipped silently. */
  readonly skipped: readonly { readonly table: string; readonly reason: string }[];
  readonly alerts: readonly AlertOutcome[];
}

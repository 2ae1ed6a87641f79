export { readChecksFile, parseChecksFile, ALERT_EVENTS } from './checks-file.js';
export type { ReadChecksOptions } from './checks-file.js';
export { runChecks, inspectTables, newRunId, SAMPLE_ROWS } from './run-checks.js';
export type { RunChecksOptions, InspectOptions } from './run-checks.js';
export { KINDS } from './kinds.js';
export { runBronzeWithChecks, exitCodeWithChecks } from './bronze-checks.js';
export type { BronzeWithChecksOptions, CheckedRunSummary } from './bronze-checks.js';
export { formatQualityReport, formatAlertOutcomes, qualityExitCode, failsJob } from './report.js';
export { QUARANTINE_SUFFIX } from './quarantine.js';
export { sendAlerts } from './alerts/index.js';
export type { AlertOptions, AlertDestination } from './alerts/index.js';
export type { AlertMessage } from './alerts/message.js';
export type { DeliveryPolicy } from './alerts/http.js';
export { profileTable, suggestChecksFile } from './suggest.js';
export { renderChecksSql } from './render-sql.js';
export type { RenderOptions } from './render-sql.js';
export type { TableProfile, ColumnProfile } from './suggest.js';
export { KIND_NAMES } from './types.js';
export type {
  AlertEvent,
  AlertOutcome,
  AlertTarget,
  AlertType,
  CheckResult,
  ChecksFile,
  Criticality,
  KindName,
  OnFail,
  QualityCheck,
  QualityReport,
  QualityStatus,
  QuarantineOutcome,
  SampleEntry,
  SourceLine,
  TableName,
} from './types.js';

export { checks, runChecks } from './checks.js';
export type { CheckResult, QualityCheck, Severity, TableRef } from './checks.js';
export { raiseAlerts, formatChecks } from './alerts.js';
export type { AlertOutcome } from './alerts.js';

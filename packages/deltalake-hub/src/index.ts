export * from '@org/hub-core';
export * from '@org/hub-bronze';
export { main as runCli, EXIT } from './cli.js';
export { formatSummary } from './summary.js';
export { bundleTargets, bundleVariables } from './bundle.js';
export { runSqlFiles } from './transforms/run-sql-files.js';

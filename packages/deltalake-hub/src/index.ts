export * from '@org/hub-core';
export * from '@org/hub-bronze';
export * from '@org/hub-quality';
export { main as runCli, EXIT } from './cli.js';
export { formatSummary } from './summary.js';
export { bundleTargets, bundleVariables } from './bundle.js';
export { runSqlFiles } from './transforms/run-sql-files.js';
export { checkSpoke } from './spoke/check-spoke.js';
export { createSpoke, SPOKE_TEMPLATE_DIR } from './spoke/create-spoke.js';

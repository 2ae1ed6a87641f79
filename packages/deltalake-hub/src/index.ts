export * from '@org/hub-core';
export * from '@org/hub-bronze';
export { main as runCli, EXIT } from './cli.js';
export { formatSummary } from './summary.js';

#!/usr/bin/env node
// Committed shim, so the bin link exists at install time, before the first build.
import { main } from '../dist/cli.js';

// `deltalake-hub --help | head` closes the pipe early: that is the reader's choice, not a crash.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv);

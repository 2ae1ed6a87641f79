#!/usr/bin/env node
// Committed shim, so the bin link exists at install time, before the first build.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv);

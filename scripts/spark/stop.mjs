#!/usr/bin/env node
// Stops the Thrift server started by start.mjs, by its pid file, and waits for it to exit.
import { rmSync } from 'node:fs';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { files, isAlive, isOurServer, readState } from './common.mjs';

const pid = readState(files.pid);
if (!pid || !isAlive(pid)) {
  rmSync(files.pid, { force: true });
  rmSync(files.port, { force: true });
  console.log('spark: no server running');
  process.exit(0);
}
if (!isOurServer(pid)) {
  // The pid was recycled by an unrelated process: never signal it.
  console.log(`spark: pid ${pid} is not our Thrift server; removing the stale state files`);
  rmSync(files.pid, { force: true });
  rmSync(files.port, { force: true });
  process.exit(0);
}

const started = Date.now();
process.kill(pid, 'SIGTERM');
const graceMs = 30_000;
while (isAlive(pid) && Date.now() - started < graceMs) await sleep(200);
if (isAlive(pid)) {
  console.log(`spark: pid ${pid} still running after ${graceMs / 1000}s, sending SIGKILL`);
  process.kill(pid, 'SIGKILL');
  while (isAlive(pid)) await sleep(100);
}
rmSync(files.pid, { force: true });
rmSync(files.port, { force: true });
console.log(`spark: stopped (pid ${pid}) in ${((Date.now() - started) / 1000).toFixed(1)}s`);

#!/usr/bin/env node
// Fetches the pinned Spark + Delta jars from Maven Central into the cache; a no-op when already there.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { dirBytes, installDir, mib, pomPath, versions } from './common.mjs';

const v = versions();
const dir = installDir();
const lib = join(dir, 'lib');
const stampPath = join(dir, 'installed.json');
const pomHash = createHash('sha256').update(readFileSync(pomPath)).digest('hex');
const force = process.argv.includes('--force');

function cached() {
  if (force || !existsSync(stampPath) || !existsSync(lib)) return null;
  try {
    const stamp = JSON.parse(readFileSync(stampPath, 'utf8'));
    return stamp.pomSha256 === pomHash && readdirSync(lib).length === stamp.jars ? stamp : null;
  } catch {
    return null;
  }
}

const stamp = cached();
if (stamp) {
  console.log(`spark: Spark ${v.spark} + Delta ${v.delta} (Scala ${v.scala}) already installed in ${dir} (${stamp.jars} jars, ${mib(stamp.bytes)})`);
  process.exit(0);
}

for (const [tool, args] of [['java', ['-version']], ['mvn', ['-v']]]) {
  const check = spawnSync(tool, args, { stdio: 'ignore' });
  if (check.error || check.status !== 0) {
    console.error(`spark: ${tool} is required to install Spark (Java 17 and Maven 3.8+); it was not found on PATH`);
    process.exit(1);
  }
}

console.log(`spark: fetching Spark ${v.spark} + Delta ${v.delta} (Scala ${v.scala}) from Maven Central into ${dir} ...`);
const started = Date.now();
mkdirSync(dir, { recursive: true });
// A half-finished download never looks installed: jars land in a temp folder renamed at the end.
const staging = join(dir, `lib.partial-${process.pid}`);
rmSync(staging, { recursive: true, force: true });
const mvnArgs = ['-B', '-q', '-Dstyle.color=never', '-f', pomPath, 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`, '-DincludeScope=runtime'];
if (process.env.DELTALAKE_HUB_SPARK_M2) mvnArgs.unshift(`-Dmaven.repo.local=${process.env.DELTALAKE_HUB_SPARK_M2}`);
// Maven's output is kept for failures only: on success it is a screen of colour codes and nothing else.
const mvn = spawnSync('mvn', mvnArgs, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
if (mvn.status !== 0) {
  rmSync(staging, { recursive: true, force: true });
  process.stderr.write(`${mvn.stdout ?? ''}${mvn.stderr ?? ''}`);
  console.error(`spark: mvn ${mvnArgs.join(' ')} failed (exit ${mvn.status ?? mvn.signal})`);
  process.exit(1);
}
rmSync(lib, { recursive: true, force: true });
renameSync(staging, lib);
const jars = readdirSync(lib).length;
const bytes = dirBytes(lib);
const seconds = Math.round((Date.now() - started) / 100) / 10;
writeFileSync(stampPath, `${JSON.stringify({ ...v, pomSha256: pomHash, jars, bytes, seconds, installedAt: new Date().toISOString() }, null, 2)}\n`);
console.log(`spark: installed ${jars} jars (${mib(bytes)}) in ${seconds}s`);

#!/usr/bin/env node
// Starts Spark's Thrift server (HiveServer2 protocol) with Delta Lake on 127.0.0.1 and waits until it answers SELECT 1.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { files, host, installDir, isAlive, isOurServer, logTail, probe, readState, runDir, scriptDir, versions } from './common.mjs';

const env = process.env;
const v = versions();

function usage() {
  console.log(`usage: pnpm spark:start [-- --conf key=value ...]

Environment:
  DELTALAKE_HUB_SPARK_PORT           fixed Thrift port (default: a free port, written to ${files.port})
  DELTALAKE_HUB_SPARK_HOME           install cache (default: <repo>/.cache/spark)
  DELTALAKE_HUB_SPARK_RUN_DIR        pid, port, log, warehouse, metastore (default: <home>/run)
  DELTALAKE_HUB_SPARK_MEMORY         JVM heap (default: 2g)
  DELTALAKE_HUB_SPARK_START_TIMEOUT  seconds to wait for the first session (default: 120)
  DELTALAKE_HUB_SPARK_KEEP_DATA=1    keep the warehouse and metastore of the previous run (default: start empty)
  DELTALAKE_HUB_SPARK_ANSI=false     turn off ANSI SQL mode (on by default, as on Databricks SQL warehouses)`);
}

const extraConf = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--help' || argv[i] === '-h') {
    usage();
    process.exit(0);
  } else if (argv[i] === '--conf' && argv[i + 1]?.includes('=')) {
    extraConf.push(argv[++i]);
  } else {
    console.error(`spark: unknown argument ${argv[i]}`);
    usage();
    process.exit(1);
  }
}

function connectionHelp(port) {
  return [
    `spark: Thrift server (HiveServer2 binary protocol, NOSASL) listening on ${host}:${port}`,
    `  Spark ${v.spark} + Delta ${v.delta}; log ${files.log}; warehouse ${join(runDir, 'warehouse')}`,
    '  use it with:',
    `    export DELTALAKE_HUB_SPARK_HOST=${host}`,
    `    export DELTALAKE_HUB_SPARK_PORT=${port}`,
    '  stop it with: pnpm spark:stop',
  ].join('\n');
}

async function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Already running: report it and succeed, so start is safe to call twice.
const existingPid = readState(files.pid);
if (existingPid && isAlive(existingPid) && isOurServer(existingPid)) {
  const port = readState(files.port);
  if (port && (await probe(port))) {
    console.log(connectionHelp(port));
    process.exit(0);
  }
  console.error(`spark: a server (pid ${existingPid}) is running but does not answer${port ? ` on port ${port}` : ''}; run pnpm spark:stop first`);
  process.exit(1);
}
rmSync(files.pid, { force: true });
rmSync(files.port, { force: true });

// Install on first use; the install script returns at once when the jars are cached.
const install = spawnSync(process.execPath, [join(scriptDir, 'install.mjs')], { stdio: 'inherit' });
if (install.status !== 0) process.exit(install.status ?? 1);

const port = env.DELTALAKE_HUB_SPARK_PORT ? Number(env.DELTALAKE_HUB_SPARK_PORT) : await freePort();
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`spark: DELTALAKE_HUB_SPARK_PORT=${env.DELTALAKE_HUB_SPARK_PORT} is not a port number`);
  process.exit(1);
}
// A port held by another server would answer our readiness probe in our server's place.
if (!(await portFree(port))) {
  console.error(`spark: port ${port} on ${host} is already in use; unset DELTALAKE_HUB_SPARK_PORT to pick a free one`);
  process.exit(1);
}

mkdirSync(runDir, { recursive: true });
const warehouse = join(runDir, 'warehouse');
const metastore = join(runDir, 'metastore_db');
const keepData = env.DELTALAKE_HUB_SPARK_KEEP_DATA === '1';
const scratch = join(runDir, 'scratch');
if (!keepData) {
  // A fresh warehouse per start keeps test runs independent; only our own subfolders are removed.
  for (const dir of [warehouse, metastore, scratch]) rmSync(dir, { recursive: true, force: true });
}
for (const dir of ['hive', 'local', 'resources', 'spark']) mkdirSync(join(scratch, dir), { recursive: true });

// The module flags Spark's own launcher adds on Java 17 (JavaModuleOptions), since we start the JVM ourselves.
const javaModuleOptions = [
  '-XX:+IgnoreUnrecognizedVMOptions',
  ...[
    'java.base/java.lang',
    'java.base/java.lang.invoke',
    'java.base/java.lang.reflect',
    'java.base/java.io',
    'java.base/java.net',
    'java.base/java.nio',
    'java.base/java.util',
    'java.base/java.util.concurrent',
    'java.base/java.util.concurrent.atomic',
    'java.base/jdk.internal.ref',
    'java.base/sun.nio.ch',
    'java.base/sun.nio.cs',
    'java.base/sun.security.action',
    'java.base/sun.util.calendar',
    'java.security.jgss/sun.security.krb5',
  ].map((pkg) => `--add-opens=${pkg}=ALL-UNNAMED`),
  '-Djdk.reflect.useDirectMethodHandle=false',
  '-Dio.netty.tryReflectionSetAccessible=true',
];

// The default pool shares fairly between its jobs too (a pool's own mode is FIFO unless the allocation file says otherwise).
const fairScheduler = join(runDir, 'fairscheduler.xml');
writeFileSync(fairScheduler, '<?xml version="1.0"?>\n<allocations>\n  <pool name="default">\n    <schedulingMode>FAIR</schedulingMode>\n    <weight>1</weight>\n    <minShare>0</minShare>\n  </pool>\n</allocations>\n');

const sparkConf = {
  'spark.master': 'local[2]',
  'spark.app.name': 'deltalake-hub',
  'spark.driver.host': host,
  'spark.driver.bindAddress': host,
  'spark.ui.enabled': 'false',
  'spark.sql.extensions': 'io.delta.sql.DeltaSparkSessionExtension',
  'spark.sql.catalog.spark_catalog': 'org.apache.spark.sql.delta.catalog.DeltaCatalog',
  // Plain CREATE TABLE ... AS SELECT makes Delta tables, as on Databricks.
  'spark.sql.sources.default': 'delta',
  // Spark 3.x otherwise makes CREATE TABLE without USING a Hive text table, whatever the default source.
  'spark.sql.legacy.createHiveTableByDefault': 'false',
  'spark.sql.catalogImplementation': 'hive',
  'spark.sql.warehouse.dir': warehouse,
  'spark.hadoop.javax.jdo.option.ConnectionURL': `jdbc:derby:;databaseName=${metastore};create=true`,
  'spark.hadoop.hive.exec.scratchdir': join(scratch, 'hive'),
  'spark.hadoop.hive.exec.local.scratchdir': join(scratch, 'local'),
  'spark.hadoop.hive.downloaded.resources.dir': join(scratch, 'resources'),
  // Rendered timestamps are UTC wall-clock time, which the driver reads back as UTC instants.
  'spark.sql.session.timeZone': 'UTC',
  'spark.sql.ansi.enabled': env.DELTALAKE_HUB_SPARK_ANSI === 'false' ? 'false' : 'true',
  // Two cores and small tables: fewer partitions mean less scheduling overhead per statement.
  'spark.sql.shuffle.partitions': '4',
  'spark.default.parallelism': '2',
  'spark.databricks.delta.snapshotPartitions': '2',
  // Jobs share the two cores fairly, so a long scan on one session does not hold up a small statement on another
  // (a lease renewal on the heartbeat's session); FIFO would queue it behind every task of the scan.
  'spark.scheduler.mode': 'FAIR',
  'spark.scheduler.allocation.file': fairScheduler,
};
for (const entry of extraConf) {
  const at = entry.indexOf('=');
  sparkConf[entry.slice(0, at)] = entry.slice(at + 1);
}

const java = env.JAVA_HOME ? join(env.JAVA_HOME, 'bin', 'java') : 'java';
const args = [
  `-Xmx${env.DELTALAKE_HUB_SPARK_MEMORY || '2g'}`,
  ...javaModuleOptions,
  '-Duser.timezone=UTC',
  `-Dderby.system.home=${runDir}`,
  `-Dlog4j2.configurationFile=${join(scriptDir, 'log4j2.properties')}`,
  ...Object.entries(sparkConf).map(([key, value]) => `-D${key}=${value}`),
  '-cp',
  join(installDir(), 'lib', '*'),
  'org.apache.spark.sql.hive.thriftserver.HiveThriftServer2',
  ...['hive.server2.thrift.bind.host=' + host, `hive.server2.thrift.port=${port}`, 'hive.server2.transport.mode=binary', 'hive.server2.authentication=NOSASL', 'hive.server2.enable.doAs=false',
  // Per-operation log files (under /tmp by default) are never fetched by the hub's driver.
  'hive.server2.logging.operation.enabled=false'].flatMap((c) => ['--hiveconf', c]),
];

const started = Date.now();
writeFileSync(files.log, `# ${new Date().toISOString()} ${java} ${args.join(' ')}\n`);
const log = openSync(files.log, 'a');
// Detached with its own process group, so Ctrl-C in the shell that started it does not stop the server.
const childEnv = { ...env, SPARK_LOCAL_IP: host, SPARK_LOCAL_DIRS: join(scratch, 'spark') };
const child = spawn(java, args, { cwd: runDir, env: childEnv, detached: true, stdio: ['ignore', log, log] });
let spawnError = null;
let exit = null;
child.once('error', (error) => (spawnError = error));
// The exit event (not a pid check) tells us the JVM died: an unreaped child would still look alive.
child.once('exit', (code, signal) => (exit = signal ?? `exit code ${code}`));
child.unref();
await sleep(200);
if (spawnError || !child.pid) {
  console.error(`spark: could not run ${java}: ${spawnError?.message ?? 'no pid'}`);
  process.exit(1);
}
writeFileSync(files.pid, `${child.pid}\n`);
console.log(`spark: starting Thrift server (pid ${child.pid}) on ${host}:${port} ...`);

async function fail(reason) {
  console.error(`spark: ${reason}\n--- last lines of ${files.log} ---\n${logTail()}\n---`);
  if (!exit) {
    process.kill(child.pid, 'SIGTERM');
    for (let i = 0; i < 50 && !exit; i++) await sleep(200);
    if (!exit) process.kill(child.pid, 'SIGKILL');
  }
  rmSync(files.pid, { force: true });
  process.exit(1);
}

const timeoutMs = Number(env.DELTALAKE_HUB_SPARK_START_TIMEOUT || 120) * 1000;
for (;;) {
  if (exit) await fail(`the server exited during start-up (${exit})`);
  // The first statement compiles Spark's code paths and can take several seconds on a busy 2-core box.
  if (await probe(port, 30_000)) break;
  if (Date.now() - started > timeoutMs) await fail(`no session after ${timeoutMs / 1000}s`);
  await sleep(1_000);
}
// The port file is written only once a session works, so its presence means "ready".
writeFileSync(files.port, `${port}\n`);
console.log(`spark: ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
console.log(connectionHelp(port));

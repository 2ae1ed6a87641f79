// Shared paths, pinned versions and the Thrift probe for the Spark install/start/stop scripts.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

export const scriptDir = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(scriptDir, '..', '..');
export const pomPath = join(scriptDir, 'pom.xml');

/** The pom is the one place versions are pinned; the scripts read them from it. */
export function versions() {
  const pom = readFileSync(pomPath, 'utf8');
  const prop = (name) => {
    const match = new RegExp(`<${name}>([^<]+)</${name}>`).exec(pom);
    if (!match) throw new Error(`${pomPath}: <${name}> not found`);
    return match[1].trim();
  };
  return { spark: prop('spark.version'), delta: prop('delta.version'), scala: prop('scala.binary') };
}

const env = process.env;

/** Everything downloaded or generated lives here, outside git (`.cache/` is ignored). */
export const sparkHome = resolve(env.DELTALAKE_HUB_SPARK_HOME || join(repoRoot, '.cache', 'spark'));
/** Server state: pid, port, log, warehouse and Derby metastore. */
export const runDir = resolve(env.DELTALAKE_HUB_SPARK_RUN_DIR || join(sparkHome, 'run'));

export function installDir() {
  const v = versions();
  return join(sparkHome, `spark-${v.spark}_${v.scala}-delta-${v.delta}`);
}

export const files = {
  pid: join(runDir, 'pid'),
  port: join(runDir, 'port'),
  log: join(runDir, 'server.log'),
};

export const host = '127.0.0.1';

export function dirBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(path) : statSync(path).size;
  }
  return total;
}

export function mib(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

export function readState(path) {
  if (!existsSync(path)) return null;
  const text = readFileSync(path, 'utf8').trim();
  const value = Number(text);
  return Number.isInteger(value) && value > 0 ? value : null;
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the pid exists but belongs to someone else.
    return error.code === 'EPERM';
  }
}

/** True when `pid` is our Thrift server, so a recycled pid is never signalled. */
export function isOurServer(pid) {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('HiveThriftServer2') && cmdline.includes(runDir);
  } catch {
    // No /proc (macOS): fall back to liveness only.
    return isAlive(pid);
  }
}

export function logTail(lines = 60) {
  if (!existsSync(files.log)) return '(no server log)';
  return readFileSync(files.log, 'utf8').split('\n').slice(-lines).join('\n');
}

const require = createRequire(join(repoRoot, 'packages', 'hub-core', 'package.json'));

/**
 * Opens a real HiveServer2 session (binary transport, NOSASL) and runs SELECT 1.
 * Resolves true on success, false on any failure within `timeoutMs`.
 */
export async function probe(port, timeoutMs = 10_000) {
  const hive = require('hive-driver');
  const { TCLIService, TCLIService_types: types } = hive.thrift;
  const client = new hive.HiveClient(TCLIService, types);
  let timer;
  const failed = new Promise((resolve) => {
    client.on('error', () => resolve(false));
    client.on('close', () => resolve(false));
    timer = globalThis.setTimeout(() => resolve(false), timeoutMs);
  });
  const attempt = (async () => {
    await client.connect({ host, port }, new hive.connections.TcpConnection(), new hive.auth.NoSaslAuthentication());
    const session = await client.openSession({ client_protocol: types.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V10 });
    const operation = await session.executeStatement('SELECT 1 AS ok', { runAsync: false });
    await operation.close();
    await session.close();
    return true;
  })().catch(() => false);
  const ok = await Promise.race([attempt, failed]);
  globalThis.clearTimeout(timer);
  try {
    client.close();
  } catch {
    // Already closed.
  }
  return ok;
}

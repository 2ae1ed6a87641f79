import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** As long as `pnpm spark:start` itself waits for a session (DELTALAKE_HUB_SPARK_START_TIMEOUT's default). */
export const REQUIRED_SPARK_WAIT_MS = 120_000;

/**
 * The Spark Thrift server for the Spark test cases, in one of three states:
 * - `up`: cases run against it;
 * - `down`: Spark is required (DELTALAKE_HUB_REQUIRE_SPARK=1, as in CI) and did not answer within
 *   the wait: every Spark case must fail with `error`, never skip;
 * - `absent`: not required and not running (a laptop without Spark): cases are skipped, announced.
 */
export type SparkForTests =
  | { readonly state: 'up'; readonly host: string; readonly port: number }
  | { readonly state: 'down'; readonly error: Error }
  | { readonly state: 'absent'; readonly reason: string };

export interface SparkLookup {
  readonly env?: NodeJS.ProcessEnv;
  /** How long a required server may take to answer (a slow start is waited for, not skipped). */
  readonly waitMs?: number;
  readonly pollMs?: number;
}

const announced = new Set<string>();

/**
 * Finds the server as the CLI does: DELTALAKE_HUB_SPARK_HOST/PORT, else the port file
 * `pnpm spark:start` writes once a session works. When Spark is required, polls for the port
 * file and for the port to accept a connection, up to `waitMs`.
 */
export async function sparkForTests(lookup: SparkLookup = {}): Promise<SparkForTests> {
  const env = lookup.env ?? process.env;
  const required = env['DELTALAKE_HUB_REQUIRE_SPARK'] === '1';
  const host = env['DELTALAKE_HUB_SPARK_HOST'] || '127.0.0.1';
  const deadline = Date.now() + (required ? (lookup.waitMs ?? REQUIRED_SPARK_WAIT_MS) : 0);
  let why = '';
  for (;;) {
    const port = sparkPort(env);
    if (port === null) why = `no port: DELTALAKE_HUB_SPARK_PORT is unset and ${portFile(env)} does not exist (pnpm spark:start writes it)`;
    else if (await accepts(host, port, Math.max(500, Math.min(5_000, deadline - Date.now())))) return { state: 'up', host, port };
    else why = `nothing accepts connections on ${host}:${port}`;
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, lookup.pollMs ?? 1_000));
  }
  if (required) {
    return { state: 'down', error: new Error(`spark: DELTALAKE_HUB_REQUIRE_SPARK=1 but the server did not answer within ${Math.round((lookup.waitMs ?? REQUIRED_SPARK_WAIT_MS) / 1000)} s: ${why}`) };
  }
  if (!announced.has(why)) console.warn(`spark: Spark cases skipped (${why}; start a server with pnpm spark:start, or set DELTALAKE_HUB_REQUIRE_SPARK=1 to make them fail)`);
  announced.add(why);
  return { state: 'absent', reason: why };
}

function portFile(env: NodeJS.ProcessEnv): string {
  const home = resolve(env['DELTALAKE_HUB_SPARK_HOME'] || join(REPO_ROOT, '.cache', 'spark'));
  return join(resolve(env['DELTALAKE_HUB_SPARK_RUN_DIR'] || join(home, 'run')), 'port');
}

function sparkPort(env: NodeJS.ProcessEnv): number | null {
  const fromEnv = Number(env['DELTALAKE_HUB_SPARK_PORT'] || 0);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  const file = portFile(env);
  if (!existsSync(file)) return null;
  const port = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(port) && port > 0 ? port : null;
}

function accepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, host);
    socket.setTimeout(timeoutMs);
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
    socket.once('timeout', () => (socket.destroy(), done(false)));
  });
}

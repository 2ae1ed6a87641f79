import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

let announced = false;

/** The running Spark Thrift server, from DELTALAKE_HUB_SPARK_PORT or the state file `pnpm spark:start` writes. */
export function sparkAvailable(): { host: string; port: number } | null {
  const host = process.env['DELTALAKE_HUB_SPARK_HOST'] || '127.0.0.1';
  let port = Number(process.env['DELTALAKE_HUB_SPARK_PORT'] || 0);
  const stateFile = join(process.cwd(), '.cache', 'spark', 'run', 'port');
  if (!port && existsSync(stateFile)) port = Number(readFileSync(stateFile, 'utf8').trim());
  if (!port) {
    if (process.env['DELTALAKE_HUB_REQUIRE_SPARK'] === '1') throw new Error('spark: DELTALAKE_HUB_REQUIRE_SPARK=1 but no server is running (pnpm spark:start)');
    if (!announced) console.warn('spark: server not running, Spark cases skipped (start it with pnpm spark:start)');
    announced = true;
    return null;
  }
  return { host, port };
}

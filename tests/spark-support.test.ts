import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sparkForTests } from '@org/hub-testing';

/** A port nothing listens on: bound once by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  return typeof address === 'object' && address ? address.port : 0;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((done) => s.close(() => done()))));
});

function listenLater(port: number, afterMs: number): void {
  setTimeout(() => {
    const server = createServer((socket) => socket.destroy());
    servers.push(server);
    server.listen(port, '127.0.0.1');
  }, afterMs);
}

/** The environment of a machine with no Spark settings but these. */
const envWith = (extra: Record<string, string>): NodeJS.ProcessEnv => ({ DELTALAKE_HUB_SPARK_RUN_DIR: mkdtempSync(join(tmpdir(), 'dlh-spark-run-')), ...extra });

describe('the Spark cases helper (sparkForTests, packages/hub-testing/src/spark.ts)', () => {
  it('when Spark is required, waits for a slow start instead of skipping', async () => {
    const port = await closedPort();
    listenLater(port, 1_500);
    const found = await sparkForTests({ env: envWith({ DELTALAKE_HUB_REQUIRE_SPARK: '1', DELTALAKE_HUB_SPARK_PORT: String(port) }), waitMs: 20_000, pollMs: 200 });
    expect(found).toEqual({ state: 'up', host: '127.0.0.1', port });
  });

  it('when Spark is required, waits for the port file pnpm spark:start writes once ready', async () => {
    const port = await closedPort();
    const env = envWith({ DELTALAKE_HUB_REQUIRE_SPARK: '1' });
    listenLater(port, 500);
    setTimeout(() => writeFileSync(join(env['DELTALAKE_HUB_SPARK_RUN_DIR'] as string, 'port'), `${port}\n`), 1_000);
    expect(await sparkForTests({ env, waitMs: 20_000, pollMs: 200 })).toEqual({ state: 'up', host: '127.0.0.1', port });
  });

  it('when Spark is required and never answers, reports it down with a reason (the cases then fail), after the wait', async () => {
    const port = await closedPort();
    const started = Date.now();
    const found = await sparkForTests({ env: envWith({ DELTALAKE_HUB_REQUIRE_SPARK: '1', DELTALAKE_HUB_SPARK_PORT: String(port) }), waitMs: 1_000, pollMs: 200 });
    expect(found.state).toBe('down');
    expect(found.state === 'down' && found.error.message).toBe(`spark: DELTALAKE_HUB_REQUIRE_SPARK=1 but the server did not answer within 1 s: nothing accepts connections on 127.0.0.1:${port}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('when Spark is not required and not running, reports it absent (cases skipped, announced)', async () => {
    const env = envWith({});
    const found = await sparkForTests({ env });
    expect(found).toEqual({ state: 'absent', reason: `no port: DELTALAKE_HUB_SPARK_PORT is unset and ${join(env['DELTALAKE_HUB_SPARK_RUN_DIR'] as string, 'port')} does not exist (pnpm spark:start writes it)` });
  });
});

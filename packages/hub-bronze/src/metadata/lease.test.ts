import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { createDuckDbEngine, LeaseLostError, type Engine } from '@org/hub-core';
import { applyDdl } from './ddl.js';
import { LeaseKeeper, LeaseTable, type LeaseRow } from './lease.js';

/** The real lease table, whose renewals can be made to never answer (a saturated server's session). */
class StallingLeases extends LeaseTable {
  stall = false;
  override async renew(destTable: string, runId: string, ttlMs: number): Promise<LeaseRow | null> {
    if (this.stall) return new Promise<never>(() => undefined);
    return super.renew(destTable, runId, ttlMs);
  }
}

describe('LeaseKeeper', () => {
  let engine: Engine | undefined;
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });

  async function held(ttlMs: number): Promise<{ leases: StallingLeases; keeper: LeaseKeeper }> {
    engine = await createDuckDbEngine({ warehouse: mkdtempSync(join(tmpdir(), 'lease-')) });
    await engine.prepareCatalogs(['c']);
    await applyDdl(engine, 'c');
    const leases = new StallingLeases(engine, 'c');
    const expiresAt = await leases.acquire('c.s.t', 'run-1', { ttlMs });
    return { leases, keeper: new LeaseKeeper(leases, 'c.s.t', 'run-1', ttlMs, expiresAt, undefined) };
  }

  it('past the expiry, a renewal that answers keeps the lease', async () => {
    const { keeper } = await held(300);
    await new Promise((r) => setTimeout(r, 350));
    await expect(keeper.check()).resolves.toBeUndefined();
    await keeper.stop();
  });

  it('past the expiry, a renewal that never answers loses the lease within one lifetime, and stop() returns', async () => {
    const { leases, keeper } = await held(300);
    leases.stall = true;
    await new Promise((r) => setTimeout(r, 350));
    const started = Date.now();
    const error = await keeper.check().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect((error as Error).message).toMatch(/and a renewal did not answer within 0\.3 s\) and stopped before writing anything more/);
    // Bounded by the lifetime (300 ms), not by the stalled statement (forever); generous for a busy machine.
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(keeper.stop()).resolves.toBeUndefined();
  });
});

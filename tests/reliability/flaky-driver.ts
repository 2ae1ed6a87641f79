import type { CompiledStatement, Driver, ExecuteOptions, Row } from '@org/hub-core';

/** A failure the driver classifies as transient (throttling, a dropped connection). */
export class TransientError extends Error {
  readonly executed: boolean;
  constructor(executed: boolean) {
    super(executed ? 'connection reset after the statement ran (reply lost)' : 'HTTP 503: warehouse temporarily unavailable');
    this.executed = executed;
  }
}

/**
 * Delegates to a real engine's driver and, at random (seeded), throws a retryable error BEFORE
 * a statement runs or AFTER it ran (its reply lost), as a remote warehouse can. A sibling session
 * (the lease heartbeat's) is the real driver's own: the faults are on the run's session.
 */
export class FlakyDriver implements Driver {
  before = 0;
  after = 0;
  readonly openSibling?: () => Promise<Driver>;
  constructor(
    readonly real: Driver,
    private readonly random: () => number,
    private readonly rate: number,
  ) {
    if (real.openSibling) this.openSibling = () => (real.openSibling as () => Promise<Driver>).call(real);
  }

  async execute(statement: CompiledStatement, options?: ExecuteOptions): Promise<Row[]> {
    if (this.random() < this.rate / 2) {
      this.before += 1;
      throw new TransientError(false);
    }
    const rows = await this.real.execute(statement, options);
    if (this.random() < this.rate / 2) {
      this.after += 1;
      throw new TransientError(true);
    }
    return rows;
  }

  isRetryable(error: unknown): boolean {
    return error instanceof TransientError || this.real.isRetryable(error);
  }

  close(): Promise<void> {
    return this.real.close();
  }
}

/**
 * Fails the first attempt of each statement `retriable` picks, before it runs, and never after:
 * a run over it must complete exactly, with one engine retry per fault.
 */
export class BeforeOnlyDriver extends FlakyDriver {
  private readonly seen = new Set<string>();
  constructor(
    real: Driver,
    private readonly retriable: (sql: string) => boolean,
  ) {
    super(real, () => 1, 0);
  }

  override async execute(statement: CompiledStatement, options?: ExecuteOptions): Promise<Row[]> {
    const key = `${statement.sql}\u0000${JSON.stringify(statement.params)}`;
    if (this.retriable(statement.sql) && !this.seen.has(key)) {
      this.seen.add(key);
      this.before += 1;
      throw new TransientError(false);
    }
    return this.real.execute(statement, options);
  }
}

import { sessionsOf, sql, type Engine, type JournalEntry, type Row, type Sql } from '@org/hub-core';

/** A statement as `bronze plan` shows it: what a run issues, and whether the plan executed it. */
export interface PlannedStatement extends JournalEntry {
  /**
   * Set for a statement the plan did not execute as it stands: a write; a read of what writes
   * above made (its rows are what a clean run reads); or a read of tables the run's DDL creates,
   * for which the plan ran an equivalent read in its place.
   */
  readonly notRun?: 'write' | 'depends' | 'instead' | undefined;
}

export interface ReadOptions {
  /**
   * For a read of tables the run's DDL creates: what a plan reads when they are not there yet
   * (a fresh warehouse): a read giving what the run would find in the new, empty tables, or its rows.
   */
  readonly ifAbsent?: Sql | readonly Row[] | undefined;
}

/**
 * How the bronze run issues its statements. Every statement says what it is: a read (runs in a
 * plan as in a run), a write, or a check (a read of what writes just made). A run executes them
 * all; a plan executes the reads and shows the rest, taking for each check what a clean run
 * reads. So a plan is the run's own code path, and the choice between the two is made here only.
 */
export interface Executor {
  readonly engine: Engine;
  read(query: Sql, options?: ReadOptions): Promise<Row[]>;
  write(query: Sql, options?: { readonly idempotent?: boolean }): Promise<void>;
  /** `expected`: the rows a clean run reads, or a read (of the files, say) that gives them. */
  check(query: Sql, expected: readonly Row[] | Sql): Promise<Row[]>;
  /** `work` as one transaction where the engine has them. */
  transaction<T>(work: () => Promise<T>): Promise<T>;
  /** The statements of one destination table: a plan shows each table's apart. */
  section(name: string): Executor;
  /** A second session for the lease heartbeat; null where the engine has one, and in a plan (it takes no lease). */
  heartbeatSession(): Promise<Engine | null>;
}

/** An executor for `target` when it is an engine (a command or a test), else `target` itself. */
export function executorOf(target: Engine | Executor): Executor {
  return 'heartbeatSession' in target ? target : runExecutor(target);
}

/** Executes every statement on the engine. */
export function runExecutor(engine: Engine): Executor {
  const executor: Executor = {
    engine,
    read: (query) => engine.query(query),
    write: (query, options) => engine.run(query, options),
    check: (query) => engine.query(query),
    transaction: (work) => engine.transaction(work),
    section: () => executor,
    heartbeatSession: async () => (await sessionsOf(engine)?.openSibling()) ?? null,
  };
  return executor;
}

/** What a plan executed and showed, by section (`metadata` first, then each table in run order). */
export interface PlanRecording {
  readonly executor: Executor;
  readonly sections: ReadonlyMap<string, readonly PlannedStatement[]>;
}

export const METADATA_SECTION = 'metadata';

/** Runs the reads, shows the writes and checks: `bronze plan`. */
export function planExecutor(engine: Engine): PlanRecording {
  const sections = new Map<string, PlannedStatement[]>();
  const inSection = (name: string): Executor => {
    const shown = sections.get(name) ?? [];
    sections.set(name, shown);
    const show = (query: Sql, kind: PlannedStatement['kind'], notRun?: PlannedStatement['notRun']) => {
      const values = query.parts.flatMap((p) => (p.kind === 'value' || p.kind === 'literal' ? [p.value] : []));
      shown.push({ text: engine.render(query), kind, values, ...(notRun ? { notRun } : {}) });
    };
    const instead = async (query: Sql, stand: Sql | readonly Row[]): Promise<Row[]> => {
      if (Array.isArray(stand)) {
        show(query, 'read', 'depends');
        return [...stand];
      }
      show(query, 'read', 'instead');
      return engine.query(stand as Sql);
    };
    const executor: Executor = {
      engine,
      async read(query, options = {}) {
        if (options.ifAbsent === undefined) {
          show(query, 'read');
          return engine.query(query);
        }
        let rows: Row[];
        try {
          rows = await engine.query(query);
        } catch {
          return instead(query, options.ifAbsent);
        }
        show(query, 'read');
        return rows;
      },
      async write(query) {
        show(query, 'write', 'write');
      },
      check: (query, expected) => instead(query, expected),
      async transaction(work) {
        if (!engine.capabilities.transactions) return work();
        show(sql.raw('BEGIN TRANSACTION'), 'write', 'write');
        const result = await work();
        show(sql.raw('COMMIT'), 'write', 'write');
        return result;
      },
      section: inSection,
      heartbeatSession: async () => null,
    };
    return executor;
  };
  return { executor: inSection(METADATA_SECTION), sections };
}

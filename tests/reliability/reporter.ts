import { basename } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** The groups in the order of the summary line; a case belongs to the group its file is named after. */
export const GROUPS = ['crash', 'concurrency', 'bad-config', 'bad-data', 'injection', 'secrets', 'transient'] as const;
/** The groups that also run on Spark + Delta, from `<group>.spark.reliability.ts`. */
export const SPARK_GROUPS = ['crash', 'concurrency', 'bad-data', 'transient'] as const;

type Tally = { passed: number; total: number };

/** `crash.reliability.ts` → `duckdb crash`; `crash.spark.reliability.ts` → `spark crash`. */
const groupOf = (module: TestModule): string => {
  const name = basename(module.moduleId).replace(/\.reliability\.ts$/, '');
  return name.endsWith('.spark') ? `spark ${name.slice(0, -'.spark'.length)}` : `duckdb ${name}`;
};

/** `reliability: duckdb crash a/b, ... ; spark crash a/b, ...`: one tally per engine and group. */
export function summaryLine(modules: readonly TestModule[]): string {
  const tallies = new Map<string, Tally>([...GROUPS.map((g) => `duckdb ${g}`), ...SPARK_GROUPS.map((g) => `spark ${g}`)].map((g) => [g, { passed: 0, total: 0 }]));
  for (const module of modules) {
    const tally = tallies.get(groupOf(module)) ?? { passed: 0, total: 0 };
    tallies.set(groupOf(module), tally);
    let tests = 0;
    for (const test of module.children.allTests()) {
      tests += 1;
      tally.total += 1;
      if (test.result().state === 'passed') tally.passed += 1;
    }
    // A file that failed to load counts as one failed case, never as 0/0.
    if (tests === 0) tally.total += 1;
  }
  const engine = (prefix: string) =>
    [...tallies]
      .filter(([g]) => g.startsWith(prefix))
      .map(([g, t]) => `${g} ${t.passed}/${t.total}`)
      .join(', ');
  return `reliability: ${engine('duckdb ')} ; ${engine('spark ')}`;
}

/**
 * Prints the one summary line. It is written as the process exits, so that it is the last line
 * of the run's output whatever vitest prints after its own summary.
 */
export default class ReliabilityReporter implements Reporter {
  private line: string | undefined;

  constructor() {
    process.once('exit', () => {
      if (this.line) process.stdout.write(`${this.line}\n`);
    });
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    this.line = summaryLine(testModules);
  }
}

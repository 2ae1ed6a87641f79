import { basename } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** The groups in the order of the summary line; a case belongs to the group its file is named after. */
export const GROUPS = ['crash', 'concurrency', 'bad-config', 'bad-data', 'injection', 'secrets', 'transient'] as const;

type Tally = { passed: number; total: number };

/** `crash.reliability.ts` → `crash`. */
const groupOf = (module: TestModule): string => basename(module.moduleId).replace(/\.reliability\.ts$/, '');

export function summaryLine(modules: readonly TestModule[]): string {
  const tallies = new Map<string, Tally>(GROUPS.map((g) => [g, { passed: 0, total: 0 }]));
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
  return `reliability: ${[...tallies].map(([g, t]) => `${g} ${t.passed}/${t.total}`).join(', ')}`;
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

// CI's closing lines, from vitest's JSON reports: the tests skipped, by file; every failed file;
// then exactly one last line "N passed, N failed".
// Usage: node .ci/summarize.mjs <report.json>...   (a missing report counts as one failure: its run did not finish)
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';

const SKIPPED = new Set(['skipped', 'pending', 'todo', 'disabled']);

/**
 * A file that failed with no failed test (it did not load, or a beforeAll/afterAll hook threw and
 * its tests read "skipped" or "passed") counts as one failure, so it can never read "0 failed".
 */
function summarize(reports) {
  const lines = [];
  let passed = 0;
  let failed = 0;
  for (const { file, report } of reports) {
    if (typeof report === 'string') {
      failed += 1;
      lines.push(`${file}: ${report}`);
      continue;
    }
    for (const result of report.testResults ?? []) {
      const name = relative(process.cwd(), result.name);
      const tests = result.assertionResults ?? [];
      const failedTests = tests.filter((t) => t.status === 'failed');
      passed += tests.filter((t) => t.status === 'passed').length;
      failed += failedTests.length;
      if (result.status === 'failed' && failedTests.length === 0) {
        failed += 1;
        const why = firstLine(result.message) || 'no test failed: a hook failed or the file did not load';
        lines.push(`FAILED FILE ${name} (${tests.length} tests ran): ${why}`);
      }
      const skipped = tests.filter((t) => SKIPPED.has(t.status));
      if (skipped.length > 0) lines.push(`skipped in ${name}: ${skipped.length} (${skipped.map((t) => t.fullName).join('; ')})`);
    }
  }
  lines.push(`${passed} passed, ${failed} failed`);
  return lines;
}

function firstLine(text) {
  return String(text ?? '').split('\n')[0].trim();
}

/** The report, or why there is none (counted as one failure). */
function read(file) {
  if (!existsSync(file)) return 'missing (the run did not finish)';
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return `unreadable (${error.message})`;
  }
}

const files = process.argv.slice(2);
process.stdout.write(`${summarize(files.map((file) => ({ file, report: read(file) }))).join('\n')}\n`);

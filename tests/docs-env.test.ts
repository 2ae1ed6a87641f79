import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name) && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

// A variable is a name the code reads from the environment: in quotes (a table of names, env['X']) or as env.X.
it('docs/cli.md documents every environment variable the CLI, the engines, the scripts and the test suites read', () => {
  const files = [
    ...sources('packages/hub-core/src'),
    ...sources('packages/hub-bronze/src'),
    ...sources('packages/hub-quality/src'),
    ...sources('packages/deltalake-hub/src'),
    ...sources('scripts'),
    // The suites' own settings (pnpm test:databricks, the Spark helper, the reliability suite).
    ...sources('tests/support'),
    ...sources('packages/hub-testing/src'),
    ...sources('tests/reliability'),
  ];
  const read = new Set(files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/(?:['"`]|env\.)((?:DELTALAKE_HUB|DATABRICKS)_[A-Z0-9_]*[A-Z0-9])\b/g)].map((m) => m[1] as string)));
  const documented = readFileSync(join(ROOT, 'docs', 'cli.md'), 'utf8');
  expect(read.size).toBeGreaterThan(30);
  expect([...read].filter((name) => !documented.includes(`\`${name}\``)).sort()).toEqual([]);
});

#!/usr/bin/env node
// What the @org/deltalake-hub tarball must hold, and must not: the release refuses a tarball with
// a problem, and the package test runs the same check on `pnpm pack`'s output.
//   node scripts/release/tarball.mjs <file.tgz>   prints each problem; exit 1 when there is one
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Files a spoke's install needs: the library, its types, the CLI, the DDL, the spoke template. */
export const REQUIRED = [
  'package.json',
  'README.md',
  'bin/deltalake-hub.js',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/cli.js',
  'dist/ddl/delta/file_config.sql',
  'dist/ddl/delta/load_tracker.sql',
  'dist/ddl/delta/load_lease.sql',
  'dist/ddl/duckdb/file_config.sql',
  'dist/ddl/duckdb/load_tracker.sql',
  'dist/ddl/duckdb/load_lease.sql',
  'templates/spoke/package.json',
  'templates/spoke/databricks.yml',
];

/** The hub's own sources, tests, fixtures and build leftovers; the spoke template's src/ and tests/ are content. */
const FORBIDDEN = [
  { pattern: /(^|\/)(src|tests?|__tests__|fixtures?|__fixtures__|scripts|etc|build|node_modules|coverage)\//, what: 'sources, tests, fixtures or build folders' },
  { pattern: /\.(test|spec)\.[cm]?[jt]s$/, what: 'a test file' },
  { pattern: /\.tsbuildinfo$|\.map$/, what: 'build metadata' },
];
const TEMPLATE = /^templates\/spoke\//;

function entries(tarball) {
  return execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line && !line.endsWith('/'))
    .map((line) => line.replace(/^package\//, ''));
}

function manifestOf(tarball) {
  return JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
}

/** Every problem with the tarball, as a sentence; none means fit to publish. */
export function checkTarball(tarball) {
  const files = entries(tarball);
  const present = new Set(files);
  const problems = [];
  for (const file of REQUIRED) if (!present.has(file)) problems.push(`missing ${file}`);
  for (const file of files) {
    if (TEMPLATE.test(file)) continue;
    const rule = FORBIDDEN.find((r) => r.pattern.test(file));
    if (rule) problems.push(`${file}: ${rule.what} do not belong in the package`);
  }
  const manifest = manifestOf(tarball);
  for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
    if (String(range).startsWith('workspace:')) problems.push(`dependency ${dep} is ${range}: the workspace protocol cannot install from a registry`);
    if (dep.startsWith('@org/hub-')) problems.push(`dependency ${dep}: the internal packages are bundled, never published`);
  }
  if (!manifest.engines?.node) problems.push('package.json has no engines.node');
  const entry = manifest.exports?.['.'];
  for (const key of ['types', 'default']) {
    const target = entry?.[key]?.replace(/^\.\//, '');
    if (!target) problems.push(`package.json exports["."].${key} is missing`);
    else if (!present.has(target)) problems.push(`package.json exports["."].${key} names ${target}, which is not in the tarball`);
  }
  for (const [bin, target] of Object.entries(manifest.bin ?? {})) {
    if (!present.has(target.replace(/^\.\//, ''))) problems.push(`bin ${bin} names ${target}, which is not in the tarball`);
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = checkTarball(process.argv[2]);
  for (const problem of problems) process.stderr.write(`${problem}\n`);
  if (problems.length === 0) process.stdout.write(`${process.argv[2]}: fit to publish\n`);
  process.exitCode = problems.length > 0 ? 1 : 0;
}

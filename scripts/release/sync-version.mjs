#!/usr/bin/env node
// After `changeset version`: writes the new @org/deltalake-hub version into HUB_VERSION
// (packages/hub-core/src/version.ts), which --version, run summaries and tracker rows report.
//   node scripts/release/sync-version.mjs [--check]   --check: exit 1 when they differ, write nothing
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MANIFEST = join(ROOT, 'packages', 'deltalake-hub', 'package.json');
const VERSION_FILE = join(ROOT, 'packages', 'hub-core', 'src', 'version.ts');
const DECLARATION = /export const HUB_VERSION: string = '([^']*)';/;

const version = JSON.parse(readFileSync(MANIFEST, 'utf8')).version;
const text = readFileSync(VERSION_FILE, 'utf8');
const current = DECLARATION.exec(text)?.[1];
if (current === undefined) {
  process.stderr.write(`sync-version: ${VERSION_FILE} has no "export const HUB_VERSION: string = '...';" line\n`);
  process.exit(1);
}
if (current === version) {
  process.stdout.write(`sync-version: HUB_VERSION is ${version}\n`);
} else if (process.argv.includes('--check')) {
  process.stderr.write(`sync-version: HUB_VERSION is ${current} but packages/deltalake-hub/package.json is ${version}: run pnpm version-packages (or node scripts/release/sync-version.mjs)\n`);
  process.exit(1);
} else {
  writeFileSync(VERSION_FILE, text.replace(DECLARATION, `export const HUB_VERSION: string = '${version}';`));
  process.stdout.write(`sync-version: HUB_VERSION ${current} -> ${version}\n`);
}

#!/usr/bin/env node
// npm/pnpm `prepack`: refuses to pack a package whose build is missing (`pnpm build` writes dist/,
// the DDL included).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const built of ['dist/index.js', 'dist/cli.js', 'dist/index.d.ts', 'dist/ddl/delta/load_tracker.sql']) {
  if (!existsSync(join(PACKAGE_DIR, built))) {
    process.stderr.write(`prepack: packages/deltalake-hub/${built} is missing: run pnpm build first\n`);
    process.exit(1);
  }
}

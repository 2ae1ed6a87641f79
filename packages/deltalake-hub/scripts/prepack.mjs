#!/usr/bin/env node
// npm/pnpm `prepack`: the metadata-table DDL lives at the workspace root (ddl/, one copy for the
// hub and its tests); the tarball carries a copy in ddl/, where ddlDirectory() finds it in an
// install. Refuses to pack a package whose build is missing. `--clean` (postpack) removes the copy.
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const COPY = join(PACKAGE_DIR, 'ddl');

rmSync(COPY, { recursive: true, force: true });
if (!process.argv.includes('--clean')) {
  for (const built of ['dist/index.js', 'dist/cli.js', 'dist/index.d.ts']) {
    if (!existsSync(join(PACKAGE_DIR, built))) {
      process.stderr.write(`prepack: packages/deltalake-hub/${built} is missing: run pnpm build first\n`);
      process.exit(1);
    }
  }
  cpSync(join(PACKAGE_DIR, '..', '..', 'ddl'), COPY, { recursive: true });
}

#!/usr/bin/env node
// The public API of @org/deltalake-hub through API Extractor (config: ../api-extractor.json).
//   node scripts/api.mjs check    fails when the surface differs from etc/deltalake-hub.api.md (CI)
//   node scripts/api.mjs update   rewrites etc/deltalake-hub.api.md after a deliberate change
// bundle.mjs calls rollUpTypes() to write dist/index.d.ts. All need `pnpm build` first.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG_FILE = join(PACKAGE_DIR, 'api-extractor.json');
const REPORT = join(PACKAGE_DIR, 'etc', 'deltalake-hub.api.md');
const NEW_REPORT = join(PACKAGE_DIR, 'build', 'api', 'deltalake-hub.api.md');

function extract({ report, rollup, localBuild, messageCallback = quietInfo }) {
  if (!existsSync(join(PACKAGE_DIR, 'build', 'tsc', 'index.d.ts'))) {
    throw new Error('packages/deltalake-hub/build/tsc/index.d.ts is missing: run pnpm build first');
  }
  const configObject = ExtractorConfig.loadFile(CONFIG_FILE);
  configObject.apiReport.enabled = report;
  configObject.dtsRollup.enabled = rollup;
  const config = ExtractorConfig.prepare({ configObject, configObjectFullPath: CONFIG_FILE, packageJsonFullPath: join(PACKAGE_DIR, 'package.json') });
  return Extractor.invoke(config, { localBuild, messageCallback });
}

/** Reports on the report file that this script words itself, below. */
const REPORT_MESSAGES = new Set(['console-api-report-not-copied', 'console-api-report-copied', 'console-api-report-created', 'console-api-report-unchanged', 'console-api-report-diff']);

/** API Extractor's own progress lines ("Analysis will use...") are noise in a build log; its warnings and errors are not. */
function quietInfo(message) {
  if (message.logLevel === 'info' || message.logLevel === 'verbose' || REPORT_MESSAGES.has(message.messageId)) message.handled = true;
}

export async function rollUpTypes() {
  // A forgotten export is flagged in the report (api:check), not in every build's log.
  const result = extract({
    report: false,
    rollup: true,
    localBuild: true,
    messageCallback: (message) => {
      quietInfo(message);
      if (message.messageId === 'ae-forgotten-export') message.handled = true;
    },
  });
  if (!result.succeeded) throw new Error(`API Extractor: ${result.errorCount} error(s), ${result.warningCount} warning(s) while writing dist/index.d.ts`);
}

function check() {
  const result = extract({ report: true, rollup: false, localBuild: false });
  const rel = relative(process.cwd(), REPORT);
  if (result.apiReportChanged) {
    const diff = spawnSync('diff', ['-u', REPORT, NEW_REPORT], { encoding: 'utf8' });
    process.stderr.write(`${diff.stdout}\n`);
    process.stderr.write(
      `api:check: the public API of @org/deltalake-hub differs from ${rel} (diff above).\n` +
        'If the change is deliberate, run `pnpm api:update`, commit the report, and add a changeset\n' +
        '(`pnpm changeset`): a removal or an incompatible change needs a major bump (docs/releasing.md).\n',
    );
    return 1;
  }
  if (!result.succeeded) {
    process.stderr.write(`api:check: API Extractor reported ${result.errorCount} error(s) and ${result.warningCount} warning(s)\n`);
    return 1;
  }
  process.stdout.write(`api:check: the public API matches ${rel}\n`);
  return 0;
}

function update() {
  mkdirSync(dirname(REPORT), { recursive: true });
  const result = extract({ report: true, rollup: false, localBuild: true });
  if (!result.succeeded) {
    process.stderr.write(`api:update: API Extractor reported ${result.errorCount} error(s) and ${result.warningCount} warning(s)\n`);
    return 1;
  }
  process.stdout.write(result.apiReportChanged ? `api:update: wrote ${relative(process.cwd(), REPORT)}; review and commit it\n` : 'api:update: no change to the public API\n');
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  if (mode === 'check') process.exitCode = check();
  else if (mode === 'update') process.exitCode = update();
  else {
    process.stderr.write('usage: node scripts/api.mjs check|update\n');
    process.exitCode = 2;
  }
}

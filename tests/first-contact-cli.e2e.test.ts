// The CLI's side of first contact (docs/engines.md), end to end: `spoke check` refuses what
// `databricks bundle validate` would, saying what to write instead (stdout, stderr, exit code).
// (`lease release` of a table spelt with capitals: tests/lease-cli.e2e.test.ts.)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FALCON } from './support/pipelines.js';

const BIN = join(import.meta.dirname, '..', 'packages', 'deltalake-hub', 'bin', 'deltalake-hub.js');
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, DELTALAKE_HUB_LOG_LEVEL: 'warn', NO_COLOR: '1' } });

it('spoke check refuses a development target with a shared root_path and a prod run_as by display name: exit 1, one line each', () => {
  const dir = mkdtempSync(join(tmpdir(), 'first-contact-cli-'));
  cpSync(FALCON, dir, { recursive: true, filter: (src) => !/[/\\](node_modules|dist|sample-data)$/.test(src) });
  const bundle = join(dir, 'databricks.yml');
  const text = readFileSync(bundle, 'utf8')
    .replace('include:\n', 'workspace:\n  root_path: /Workspace/.bundle/${bundle.name}/${bundle.target}\n\ninclude:\n')
    .replace('      service_principal_name: ${var.service_principal_id}\n', '      service_principal_name: sp-falcon-prod\n');
  writeFileSync(bundle, text);
  const line = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

  const ok = cli(['spoke', 'check', FALCON]);
  expect([ok.status, ok.stdout, ok.stderr]).toEqual([0, `${FALCON}: ok\n`, '']);
  const refused = cli(['spoke', 'check', dir]);
  expect([refused.status, refused.stderr]).toEqual([1, '']);
  expect(refused.stdout.split('\n')).toEqual([
    `databricks.yml:${line('root_path: /Workspace/.bundle')}: target dev (mode: development): workspace.root_path (top level, so every target has it) is "/Workspace/.bundle/\${bundle.name}/\${bundle.target}", shared by everyone who deploys it; databricks bundle validate refuses it ("must start with '~/' or contain the current username"): remove it (development deploys to ~/.bundle/\${bundle.name}/\${bundle.target}) or write root_path: ~/.bundle/\${bundle.name}/\${bundle.target}`,
    `databricks.yml:${line('sp-falcon-prod')}: target prod: run_as.service_principal_name is "sp-falcon-prod", but it takes the service principal's application id (a UUID such as 9f1b6a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b), not its display name: write service_principal_name: \${var.service_principal_id} and set that variable to the application id for this target`,
    '',
  ]);
});


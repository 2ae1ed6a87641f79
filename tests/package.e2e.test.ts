// @org/deltalake-hub as a spoke receives it: the built CLI reports its version, starts without
// loading any engine driver, and `pnpm pack` holds what an install needs and nothing of the hub's
// tests, sources or test infrastructure (@org/hub-testing). (Installing from a real registry:
// tests/release/, `pnpm test:release`.)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HUB_VERSION } from '@org/hub-core';

const ROOT = join(import.meta.dirname, '..');
const PACKAGE_DIR = join(ROOT, 'packages', 'deltalake-hub');
const BIN = join(PACKAGE_DIR, 'bin', 'deltalake-hub.js');
const RECORD_IMPORTS = join(ROOT, 'tests', 'support', 'record-imports.mjs');
const ENGINE_DRIVERS = ['@duckdb/node-api', '@databricks/sql', 'hive-driver'];
const version = (JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version;
const scratch = mkdtempSync(join(tmpdir(), 'dlh-package-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function cli(args: string[], env: NodeJS.ProcessEnv = {}, nodeArgs: string[] = []) {
  const result = spawnSync('node', [...nodeArgs, BIN, ...args], { cwd: scratch, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The packages a CLI command imported, from the resolve hook's log. */
function importsOf(args: string[]): { status: number | null; packages: Set<string> } {
  const log = join(scratch, `imports-${args.join('-').replace(/\W+/g, '_')}.log`);
  const result = cli(args, { DLH_IMPORT_LOG: log }, ['--import', RECORD_IMPORTS]);
  const packages = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
  return { status: result.status, packages: new Set(packages) };
}

describe('the built deltalake-hub CLI', () => {
  it('prints the package version with --version and -V, and nothing else', () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ['--version', '-V']) expect(cli([flag])).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('records the same version in HUB_VERSION (kept in sync by pnpm version-packages)', () => {
    expect(HUB_VERSION).toBe(version);
    const sync = spawnSync('node', [join(ROOT, 'scripts', 'release', 'sync-version.mjs'), '--check'], { encoding: 'utf8' });
    expect(sync.status, sync.stderr).toBe(0);
  });

  it('starts --help without loading an engine driver; a DuckDB command loads DuckDB only', () => {
    const help = importsOf(['--help']);
    expect(help.status).toBe(0);
    expect(help.packages.has('commander')).toBe(true);
    for (const driver of ENGINE_DRIVERS) expect(help.packages.has(driver), driver).toBe(false);
    // Libraries a command loads on first use, so that --help starts without them (docs/performance.md).
    const loaded = [...help.packages];
    for (const lazy of ['yaml', 'date-fns', 'csv-parse', 'pino', 'picomatch', 'ini']) expect(loaded.filter((p) => p === lazy || p.startsWith(`${lazy}/`)), lazy).toEqual([]);
    const ddl = importsOf(['ddl', 'apply', '--catalog', 'c1', '--warehouse', join(scratch, 'wh')]);
    expect(ddl.status).toBe(0);
    expect(ddl.packages.has('@duckdb/node-api')).toBe(true);
    expect(ddl.packages.has('pino')).toBe(true);
    expect(ddl.packages.has('@databricks/sql')).toBe(false);
    expect(ddl.packages.has('hive-driver')).toBe(false);
  });
});

describe('the packed @org/deltalake-hub', () => {
  it('holds the library, its types, the CLI, the DDL and the spoke template, and no tests, sources or test infrastructure of the hub', () => {
    const out = join(scratch, 'pack');
    const pack = spawnSync('pnpm', ['pack', '--pack-destination', out], { cwd: PACKAGE_DIR, encoding: 'utf8' });
    expect(pack.status, pack.stderr).toBe(0);
    const [tarball] = readdirSync(out).filter((f) => f.endsWith('.tgz'));
    expect(tarball).toBe(`org-deltalake-hub-${version}.tgz`);
    const entries = spawnSync('tar', ['-tzf', join(out, tarball ?? '')], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map((e) => e.replace(/^package\//, ''));
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'bin/deltalake-hub.js', 'dist/ddl/duckdb/load_tracker.sql', 'dist/ddl/delta/load_tracker.sql', 'templates/spoke/package.json']) {
      expect(entries).toContain(file);
    }
    const outsideTemplate = entries.filter((e) => !e.startsWith('templates/spoke/'));
    expect(outsideTemplate.filter((e) => /(^|\/)(src|tests?|fixtures?|scripts|etc|build)\/|\.test\.|\.tsbuildinfo$/.test(e))).toEqual([]);
    // No test infrastructure (it lives in the private @org/hub-testing): by file name, and by what the bundle's code holds.
    expect(entries.filter((e) => /recording|warehouse-rules|bad-config-cases|bad-checks-cases|fixture|thrift-warehouse|warehouse-model|mini-spoke|jobs-api|hub-testing/i.test(e))).toEqual([]);
    const code = (file: string) => spawnSync('tar', ['-xzOf', join(out, tarball ?? ''), `package/${file}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout;
    const scripts = entries.filter((e) => /\.m?js$/.test(e));
    expect(scripts).toContain('dist/index.js');
    expect(code('dist/index.js')).toContain('runBronze');
    for (const file of scripts) {
      const text = code(file);
      expect(text.length, file).toBeGreaterThan(0);
      for (const name of ['createRecordingEngine', 'DATABRICKS_WAREHOUSE_RULES', 'WarehouseRuleError', 'CONFIG_CASES', 'CHECKS_CASES', 'ThriftWarehouse', 'WarehouseModel', 'writeMiniSpoke', 'startJobsApi']) {
        expect(text.includes(name), `${file} holds ${name}`).toBe(false);
      }
    }
    const manifest = JSON.parse(spawnSync('tar', ['-xzOf', join(out, tarball ?? ''), 'package/package.json'], { encoding: 'utf8' }).stdout) as Record<string, Record<string, string>>;
    expect(Object.keys(manifest['dependencies'] ?? {}).filter((d) => d.startsWith('@org/'))).toEqual([]);
    expect(Object.values(manifest['dependencies'] ?? {}).filter((r) => r.startsWith('workspace:'))).toEqual([]);
    expect(manifest['engines']?.['node']).toMatch(/^>=20/);
    // The release runs the same check before it publishes.
    const check = spawnSync('node', [join(ROOT, 'scripts', 'release', 'tarball.mjs'), join(out, tarball ?? '')], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    // The DDL shipped is the workspace's.
    for (const file of ['duckdb/load_tracker.sql', 'delta/file_config.sql']) {
      expect(spawnSync('tar', ['-xzOf', join(out, tarball ?? ''), `package/dist/ddl/${file}`], { encoding: 'utf8' }).stdout).toBe(readFileSync(join(ROOT, 'ddl', file), 'utf8'));
    }
  });
});

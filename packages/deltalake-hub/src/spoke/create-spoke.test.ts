import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParameterError } from '@org/hub-core';
import { checkSpoke } from './check-spoke.js';
import { createSpoke } from './create-spoke.js';

const root = mkdtempSync(join(tmpdir(), 'spoke-create-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('createSpoke', () => {
  it('creates the spoke files with the name, LOB and hub version filled in', async () => {
    const { dir, files } = await createSpoke({ name: 'eagle', lob: 'eagle', targetDir: join(root, 'eagle'), hubVersion: '1.2.0' });
    expect(files).toEqual([
      '.artifactignore',
      '.github/workflows/ci.yml',
      '.github/workflows/release.yml',
      '.gitignore',
      'README.md',
      'azure-pipelines/ci.yml',
      'azure-pipelines/release.yml',
      'configs/bronze/eagle_config.csv',
      'databricks.yml',
      'package.json',
      'raw/eagle/events/README.md',
      'raw/eagle/transactions/transactions_2024-01-15.csv',
      'raw/eagle/transactions/transactions_2024-01-16.csv',
      'resources/eagle_gold_job.yml',
      'resources/eagle_silver_job.yml',
      'resources/eagle_transforms_job.yml',
      'src/bronze/eagle-bronze-runner.ts',
      'src/eagle-job.ts',
      'src/gold/daily_summary.sql',
      'src/silver/transactions.sql',
      'tests/bronze-run.test.ts',
      'tests/config.test.ts',
      'tests/job-run.test.ts',
      'tests/spoke-check.test.ts',
      'tsconfig.json',
    ]);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg['name']).toBe('@org/spoke-eagle');
    expect(pkg['dependencies']).toEqual({ '@org/deltalake-hub': '1.2.0' });
    expect(pkg['scripts']?.['test']).toBe('vitest run');
    expect(pkg['devDependencies']).toHaveProperty('vitest');
    for (const file of files) expect(readFileSync(join(dir, file), 'utf8'), file).not.toMatch(/__[A-Z_]+__/);
    expect(readFileSync(join(dir, 'resources/eagle_transforms_job.yml'), 'utf8')).toContain('name: "[Eagle] [${bundle.target}] Silver and gold after the bronze load"');
    expect(readFileSync(join(dir, 'src/bronze/eagle-bronze-runner.ts'), 'utf8')).toContain('export async function runEagleBronze(');
    expect(readFileSync(join(dir, 'src/eagle-job.ts'), 'utf8')).toContain('export async function runEagleJob(');
    const config = readFileSync(join(dir, 'configs/bronze/eagle_config.csv'), 'utf8');
    expect(config).toContain(',delimited,",",true,${catalog},eagle_bronze,transactions_raw,true');
    expect(config).toContain(',parquet,,false,${catalog},eagle_bronze,events_raw,true');
  });

  it('creates a spoke that passes spoke check', async () => {
    const { dir } = await createSpoke({ name: 'north-star', lob: 'north_star', targetDir: join(root, 'north-star'), hubVersion: 'workspace:*' });
    expect(await checkSpoke(dir)).toEqual({ ok: true, problems: [] });
    expect(readdirSync(join(dir, 'src', 'bronze'))).toEqual(['north-star-bronze-runner.ts']);
    expect(readFileSync(join(dir, 'src/bronze/north-star-bronze-runner.ts'), 'utf8')).toContain('runNorthStarBronze');
  });

  it('refuses to overwrite an existing folder and writes nothing', async () => {
    const dir = join(root, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    await expect(createSpoke({ name: 'taken', lob: 'taken', targetDir: dir })).rejects.toThrow(/already exists and is not empty/);
    expect(readdirSync(dir)).toEqual(['keep.txt']);
  });

  it('rejects names that cannot become package, schema or job names', async () => {
    await expect(createSpoke({ name: 'Eagle', lob: 'eagle', targetDir: join(root, 'x') })).rejects.toBeInstanceOf(ParameterError);
    await expect(createSpoke({ name: 'eagle', lob: 'eagle-lob', targetDir: join(root, 'y') })).rejects.toThrow(/not a LOB name/);
  });

  it('pins this hub version by default, exactly, and uses the hub templates at its tag', async () => {
    const { dir } = await createSpoke({ name: 'hawk', lob: 'hawk', targetDir: join(root, 'hawk') });
    const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(own.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies['@org/deltalake-hub']).toBe(own.version);
    expect(readFileSync(join(dir, 'azure-pipelines/ci.yml'), 'utf8')).toContain(`ref: refs/tags/v${own.version}\n`);
    expect(readFileSync(join(dir, '.github/workflows/release.yml'), 'utf8')).toContain(`/.github/workflows/spoke-release.yml@v${own.version}\n`);
    expect(existsSync(join(dir, '.npmrc'))).toBe(false);
  });

  it('names the registry of @org packages in .npmrc when given one', async () => {
    const { dir, files } = await createSpoke({ name: 'kite', lob: 'kite', targetDir: join(root, 'kite'), hubVersion: '2.3.4', registry: 'https://pkgs.example.test/feed/npm/registry' });
    expect(files).toContain('.npmrc');
    expect(readFileSync(join(dir, '.npmrc'), 'utf8')).toMatch(/^@org:registry=https:\/\/pkgs\.example\.test\/feed\/npm\/registry\/$/m);
    expect(readFileSync(join(dir, 'azure-pipelines/release.yml'), 'utf8')).toContain('ref: refs/tags/v2.3.4\n');
  });

  it('refuses a version range or a bad registry, and writes nothing', async () => {
    await expect(createSpoke({ name: 'owl', lob: 'owl', targetDir: join(root, 'owl'), hubVersion: '^1.2.0' })).rejects.toThrow(/not an exact version/);
    await expect(createSpoke({ name: 'owl', lob: 'owl', targetDir: join(root, 'owl'), registry: 'not a url' })).rejects.toThrow(/not a registry URL/);
    expect(existsSync(join(root, 'owl'))).toBe(false);
  });
});

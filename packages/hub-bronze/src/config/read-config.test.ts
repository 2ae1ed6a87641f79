import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, formatIssue } from '@org/hub-core';
import { CONFIG_CASE_FILE, CONFIG_CASES, HEADER, SEED_CONFIG_CSV, SEED_ROWS, SEED_VARIABLES } from '@org/hub-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_COLUMNS, findPlaceholders, parseConfig, readConfig } from './read-config.js';

/** The formatted issues a parse reports, or [] when it succeeds. */
function issuesOf(run: () => unknown): string[] {
  try {
    run();
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map(formatIssue);
  }
}

describe('CONFIG_COLUMNS', () => {
  it('are the seed columns in the seed order', () => {
    expect(CONFIG_COLUMNS).toEqual(HEADER.split(','));
    expect(CONFIG_COLUMNS).toHaveLength(12);
  });
});

describe('parseConfig on the seed config', () => {
  it('reads the four Falcon rows with ${catalog} substituted', () => {
    const rows = parseConfig(SEED_CONFIG_CSV, 'falcon_config.csv', { variables: SEED_VARIABLES });
    expect(rows).toEqual(SEED_ROWS.map((row, index) => ({ ...row, source: { file: 'falcon_config.csv', line: index + 2 } })));
  });

  it('reads the same from a Buffer', () => {
    expect(parseConfig(Buffer.from(SEED_CONFIG_CSV), 'f.csv', { variables: SEED_VARIABLES })).toEqual(
      parseConfig(SEED_CONFIG_CSV, 'f.csv', { variables: SEED_VARIABLES }),
    );
  });

  it('names the file by displayName when given', () => {
    const rows = parseConfig(SEED_CONFIG_CSV, '/abs/falcon_config.csv', { variables: SEED_VARIABLES, displayName: 'configs/bronze/falcon_config.csv' });
    expect(rows[0]?.source).toEqual({ file: 'configs/bronze/falcon_config.csv', line: 2 });
  });

  it('throws a ConfigError with code CONFIG_INVALID and every issue in its message', () => {
    let caught: unknown;
    try {
      parseConfig(SEED_CONFIG_CSV, 'falcon_config.csv');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.issues).toHaveLength(4);
    expect(error.message).toBe(
      [
        'invalid config (4 errors):',
        'falcon_config.csv:2: dest_catalog: unknown variable ${catalog}; no variables are defined',
        'falcon_config.csv:3: dest_catalog: unknown variable ${catalog}; no variables are defined',
        'falcon_config.csv:4: dest_catalog: unknown variable ${catalog}; no variables are defined',
        'falcon_config.csv:5: dest_catalog: unknown variable ${catalog}; no variables are defined',
      ].join('\n'),
    );
  });
});

describe('parseConfig: catalog, schema and table names', () => {
  it('are lower case, as every engine uses them; a capitalised spelling is kept as writtenAs, for the tracker rows an older hub wrote under it', () => {
    const csv = `${HEADER}\nfalcon,transactions,credit,t_*.csv,/raw/credit/,delimited,",",true,\${catalog},Falcon_Bronze,Credit_Raw,true\nfalcon,transactions,debit,d_*.csv,/raw/debit/,delimited,",",true,dev,falcon_bronze,debit_raw,true\n`;
    const [credit, debit] = parseConfig(csv, 'c.csv', { variables: { catalog: 'Dev' } });
    expect([credit?.destCatalog, credit?.destSchema, credit?.destTable, credit?.writtenAs]).toEqual(['dev', 'falcon_bronze', 'credit_raw', 'Dev.Falcon_Bronze.Credit_Raw']);
    expect([debit?.destCatalog, debit?.destSchema, debit?.destTable]).toEqual(['dev', 'falcon_bronze', 'debit_raw']);
    expect(debit && 'writtenAs' in debit).toBe(false);
  });

  it('name one table whatever their case, so its rows must share one file_format', () => {
    const csv = `${HEADER}\nfalcon,a,b,t_*.csv,/raw/a/,delimited,",",true,dev,falcon_bronze,Credit_Raw,true\nfalcon,a,c,t_*.parquet,/raw/c/,parquet,,false,dev,falcon_bronze,credit_raw,true\n`;
    expect(issuesOf(() => parseConfig(csv, 'c.csv'))).toEqual(['c.csv:3: file_format: dev.falcon_bronze.credit_raw is loaded as parquet here but as delimited on line 2: a table takes one file_format']);
  });
});

describe('config cases', () => {
  const bad = CONFIG_CASES.filter((c) => c.expected.length > 0);

  it('has at least 30 invalid cases, all names distinct', () => {
    expect(bad.length).toBeGreaterThanOrEqual(30);
    expect(new Set(CONFIG_CASES.map((c) => c.name)).size).toBe(CONFIG_CASES.length);
  });

  it.each(CONFIG_CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const options = c.variables ? { variables: c.variables } : {};
    expect(issuesOf(() => parseConfig(c.csv, CONFIG_CASE_FILE, options))).toEqual(c.expected);
    if (c.expected.length === 0 && c.rows) {
      const rows = parseConfig(c.csv, CONFIG_CASE_FILE, options);
      expect(rows).toHaveLength(c.rows.length);
      c.rows.forEach((want, index) => expect(rows[index]).toMatchObject(want));
    }
  });

  it('reports issues in line order', () => {
    for (const c of bad) {
      const lines = c.expected.map((issue) => Number(issue.split(':')[1]));
      expect(lines, c.name).toEqual([...lines].sort((a, b) => a - b));
    }
  });
});

describe('readConfig', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hub-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file, naming rows by its path', async () => {
    const path = join(dir, 'falcon_config.csv');
    await writeFile(path, SEED_CONFIG_CSV);
    const rows = await readConfig(path, { variables: SEED_VARIABLES });
    expect(rows).toHaveLength(4);
    expect(rows[3]?.source).toEqual({ file: path, line: 5 });
  });

  it('reads raw bytes, so invalid UTF-8 is reported, not replaced', async () => {
    const path = join(dir, 'latin1.csv');
    await writeFile(path, Buffer.from(`${HEADER}\nfalcon,a,b,x,/d,parquet,,false,c,s,café,\n`, 'latin1'));
    await expect(readConfig(path, { displayName: 'latin1.csv' })).rejects.toThrow('latin1.csv:2: invalid UTF-8 bytes: save the file as UTF-8');
  });

  it('reports a file it cannot read as a ConfigError on line 0', async () => {
    const path = join(dir, 'missing.csv');
    const error = await readConfig(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const issues = (error as ConfigError).issues;
    expect(issues).toHaveLength(1);
    expect(formatIssue(issues[0]!)).toMatch(new RegExp(`^${path.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot read the config file: ENOENT`));
  });
});

describe('findPlaceholders', () => {
  it('lists the seed variable once', () => {
    expect(findPlaceholders(SEED_CONFIG_CSV)).toEqual(['catalog']);
  });

  it('lists well-formed names once, in order of first use, across lines', () => {
    expect(findPlaceholders('a,${env}_x,${catalog}\nb,${env},${bad name},$${esc},${unterminated\nc,${last},$plain')).toEqual(['env', 'catalog', 'last']);
  });

  it('finds nothing in a config without placeholders', () => {
    expect(findPlaceholders(`${HEADER}\n`)).toEqual([]);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, DuckDbDialect, createDuckDbEngine } from '@org/hub-core';
import { createRecordingEngine } from '@org/hub-testing';
import { renderSql, runSqlFiles, splitSqlStatements } from './run-sql-files.js';

const dir = mkdtempSync(join(tmpdir(), 'run-sql-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sqlFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** A dialect with a single catalog, as OSS Spark has: proves names go through the dialect. */
class OneCatalogDialect extends DuckDbDialect {
  override tableName(catalog: string, schema: string, table: string): string {
    return `main.${catalog}__${schema}.${table}`;
  }
  override schemaName(catalog: string, schema: string): string {
    return `main.${catalog}__${schema}`;
  }
}

describe('splitSqlStatements', () => {
  it('splits on semicolons outside quotes and comments and keeps start lines', () => {
    const text = [
      '-- leading comment; not a statement',
      'SELECT 1;',
      '',
      "SELECT 'a;b', \"x;y\", `c;d` -- trailing; comment",
      '/* block; comment */ FROM t;',
      "SELECT 'it''s; fine';",
      '-- only a comment at the end;',
    ].join('\n');
    expect(splitSqlStatements(text)).toEqual([
      { text: 'SELECT 1', line: 2 },
      { text: "SELECT 'a;b', \"x;y\", `c;d` -- trailing; comment\n/* block; comment */ FROM t", line: 4 },
      { text: "SELECT 'it''s; fine'", line: 6 },
    ]);
  });

  it('returns nothing for a file of comments', () => {
    expect(splitSqlStatements('-- nothing\n/* here */\n;\n')).toEqual([]);
  });
});

describe('renderSql', () => {
  const { engine } = createRecordingEngine(new OneCatalogDialect());
  const render = (text: string, vars: Record<string, string>) => renderSql({ text, line: 10 }, vars, engine, 'catalog', 'x.sql');

  it('renders catalog references with the dialect and other variables as identifiers', () => {
    expect(render('CREATE SCHEMA IF NOT EXISTS ${catalog}.falcon_silver', { catalog: 'dev' })).toBe('CREATE SCHEMA IF NOT EXISTS main.dev__falcon_silver');
    expect(render('SELECT t.a FROM ${catalog}.s.t AS t JOIN ${catalog}.s.u.v', { catalog: 'dev' })).toBe(
      'SELECT t.a FROM main.dev__s.t AS t JOIN main.dev__s.u.v',
    );
    expect(render('SELECT * FROM ${catalog}.${schema}_x.t WHERE c = ${col}', { catalog: 'dev', schema: 'falcon', col: 'other' })).toBe(
      'SELECT * FROM dev.falcon_x.t WHERE c = other',
    );
  });

  it('leaves placeholders in comments and quoted text as written', () => {
    expect(render("SELECT '${nope}' -- ${nope}\nFROM ${catalog}.s.t", { catalog: 'dev' })).toBe("SELECT '${nope}' -- ${nope}\nFROM main.dev__s.t");
  });

  it('reports an unknown variable and a non-identifier value with file:line', () => {
    let error: unknown;
    try {
      render('SELECT 1\nFROM ${catalog}.s.t\nWHERE x = ${missing}', { catalog: 'dev; DROP TABLE x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('x.sql:11: variable ${catalog} = "dev; DROP TABLE x" is not an identifier');
    expect(message).toContain('x.sql:12: unknown variable ${missing}');
  });

  // Parameter markers, as a Databricks SQL task's file reads its task's parameters.
  it('renders IDENTIFIER(:catalog || \'.schema[.table]\') through the dialect and other markers as literal values', () => {
    expect(render("CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:catalog || '.falcon_silver')", { catalog: 'dev' })).toBe('CREATE SCHEMA IF NOT EXISTS main.dev__falcon_silver');
    expect(render("CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.s.t') AS\nSELECT * FROM identifier( :catalog||'.s.u' ) AS u WHERE u.c = :catalog", { catalog: 'dev' })).toBe(
      "CREATE OR REPLACE TABLE main.dev__s.t AS\nSELECT * FROM main.dev__s.u AS u WHERE u.c = 'dev'",
    );
    // Several markers and texts joined; a value with a quote is written by the literal function.
    expect(render("SELECT * FROM IDENTIFIER(:catalog || '.' || :schema || '.t') WHERE owner = :owner", { catalog: 'dev', schema: 'gold', owner: "O'Brien" })).toBe(
      "SELECT * FROM main.dev__gold.t WHERE owner = 'O''Brien'",
    );
  });

  it('leaves quoted text, comments, casts and JSON paths as written', () => {
    const text = "SELECT ':catalog', x::int, raw:owner, `a:b` -- :catalog\n/* IDENTIFIER(:catalog || '.s.t') */ FROM IDENTIFIER(:catalog || '.s.t')";
    expect(render(text, { catalog: 'dev' })).toBe("SELECT ':catalog', x::int, raw:owner, `a:b` -- :catalog\n/* IDENTIFIER(:catalog || '.s.t') */ FROM main.dev__s.t");
  });

  it('reports unknown markers, names that are not identifiers and IDENTIFIER forms it cannot read, with file:line, and renders nothing', () => {
    const problems = (text: string, params: Record<string, string>) => {
      try {
        render(text, params);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).issues.map((i) => `${i.line}: ${i.message}`);
      }
      return [];
    };
    expect(problems("SELECT 1\nFROM IDENTIFIER(:catalog || '.s.t')\nWHERE x = :missing", { catalog: 'dev' })).toEqual(['12: unknown parameter :missing (the task passes: catalog)']);
    expect(problems("SELECT * FROM IDENTIFIER(:catalog || '.s.t')", { catalog: 'dev.s.t; DROP TABLE x; --' })).toEqual([
      '10: IDENTIFIER names "dev.s.t; DROP TABLE x; --.s.t": expected catalog.schema or catalog.schema.table, each part letters, digits and _ (not starting with a digit)',
    ]);
    expect(problems('SELECT * FROM IDENTIFIER(:catalog)', { catalog: 'dev' })[0]).toMatch(/^10: IDENTIFIER names "dev": expected catalog\.schema or catalog\.schema\.table/);
    expect(problems("SELECT * FROM IDENTIFIER(concat(:catalog, '.s.t'))", { catalog: 'dev' })[0]).toMatch(/^10: IDENTIFIER\(concat\(:catalog, '\.s\.t'\)\) must join markers and quoted text with \|\|/);
    expect(problems("SELECT * FROM IDENTIFIER(:nope || '.s.t')", { catalog: 'dev' })).toEqual(['10: unknown parameter :nope (the task passes: catalog)']);
  });
});

describe('runSqlFiles', () => {
  it('runs a file written with parameter markers on DuckDB, which has no IDENTIFIER()', async () => {
    const engine = await createDuckDbEngine({ warehouse: join(dir, 'warehouse-markers') });
    try {
      const file = sqlFile(
        'markers.sql',
        "CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:catalog || '.s');\nCREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.s.t') AS SELECT :catalog AS catalog_name, 1 AS n;\n",
      );
      expect(await runSqlFiles(engine, [file], { catalog: 'lab' })).toEqual([{ file, statements: 2 }]);
      expect(await engine.query('SELECT catalog_name, n FROM lab.s.t')).toEqual([{ catalog_name: 'lab', n: 1 }]);
    } finally {
      await engine.close();
    }
  });


  it('runs every statement of each file, in order, on DuckDB', async () => {
    const engine = await createDuckDbEngine({ warehouse: join(dir, 'warehouse') });
    try {
      const a = sqlFile('a.sql', 'CREATE SCHEMA IF NOT EXISTS ${catalog}.s;\nCREATE OR REPLACE TABLE ${catalog}.s.t AS SELECT 1 AS n;\n');
      const b = sqlFile('b.sql', '-- copy\nCREATE OR REPLACE TABLE ${catalog}.s.u AS SELECT n + 1 AS n FROM ${catalog}.s.t');
      const results = await runSqlFiles(engine, [a, b], { catalog: 'lab' });
      expect(results).toEqual([
        { file: a, statements: 2 },
        { file: b, statements: 1 },
      ]);
      expect(await engine.query('SELECT n FROM lab.s.u')).toEqual([{ n: 2 }]);
    } finally {
      await engine.close();
    }
  });

  it('runs nothing when any file has an unknown variable', async () => {
    const { engine, statements } = createRecordingEngine(new DuckDbDialect());
    const ok = sqlFile('ok.sql', 'SELECT 1;');
    const bad = sqlFile('bad.sql', 'SELECT 1;\n\nSELECT * FROM ${catalog}.s.${tabel};');
    await expect(runSqlFiles(engine, [ok, bad], { catalog: 'c' })).rejects.toThrow(`${bad}:3: unknown variable \${tabel}`);
    expect(statements).toEqual([]);
  });

  it('names the file and line of a failing statement', async () => {
    const { engine } = createRecordingEngine(new DuckDbDialect(), {
      respond: () => {
        throw new Error('boom');
      },
    });
    const file = sqlFile('fail.sql', '\n\nSELECT 1;');
    await expect(runSqlFiles(engine, [file], {})).rejects.toThrow(`${file}:3: statement failed`);
  });
});

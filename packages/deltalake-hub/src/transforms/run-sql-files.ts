import { readFile } from 'node:fs/promises';
import { ConfigError, HubError, IDENTIFIER_PATTERN, sql, type ConfigIssue, type Sql } from '@org/hub-core';

/** One statement of a SQL file, with the line it starts on (1-based) for error messages. */
export interface SqlStatement {
  readonly text: string;
  readonly line: number;
}

/** The part of an `Engine` the runner uses; structural, so an engine built from sources or dist both fit. */
export interface SqlFileEngine {
  readonly dialect: {
    tableName(catalog: string, schema: string, table: string): string;
    schemaName(catalog: string, schema: string): string;
  };
  run(query: Sql): Promise<void>;
  prepareCatalogs(catalogs: Iterable<string>): Promise<void>;
}

export interface SqlFileResult {
  readonly file: string;
  readonly statements: number;
}

export interface RunSqlFilesOptions {
  /** The variable whose `${name}.schema[.table]` references are rendered as dialect names. */
  readonly catalogVariable?: string | undefined;
}

/**
 * Runs spoke SQL files (silver, gold, downstream) statement by statement on any engine.
 * `${catalog}.schema.table` goes through the dialect, because OSS Spark maps three-part names
 * onto its single catalog; other `${var}` placeholders take identifier values only.
 */
export async function runSqlFiles(
  engine: SqlFileEngine,
  files: readonly string[],
  variables: Readonly<Record<string, string>>,
  options: RunSqlFilesOptions = {},
): Promise<SqlFileResult[]> {
  const catalogVariable = options.catalogVariable ?? 'catalog';
  const rendered: { file: string; statements: SqlStatement[] }[] = [];
  const issues: ConfigIssue[] = [];
  // Every file is read and rendered before anything runs, so a typo in the last file writes nothing.
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    const statements: SqlStatement[] = [];
    for (const statement of splitSqlStatements(text)) {
      try {
        statements.push({ text: renderSql(statement, variables, engine, catalogVariable, file), line: statement.line });
      } catch (error) {
        if (error instanceof ConfigError) issues.push(...error.issues);
        else throw error;
      }
    }
    rendered.push({ file, statements });
  }
  if (issues.length > 0) throw new ConfigError(issues);

  const catalog = variables[catalogVariable];
  if (catalog !== undefined) await engine.prepareCatalogs([catalog]);

  const results: SqlFileResult[] = [];
  for (const { file, statements } of rendered) {
    for (const statement of statements) {
      try {
        await engine.run(sql.raw(statement.text));
      } catch (cause) {
        const message = cause instanceof Error ? cause.message : String(cause);
        throw new HubError('ENGINE_ERROR', `${file}:${statement.line}: statement failed: ${message}`, { cause });
      }
    }
    results.push({ file, statements: statements.length });
  }
  return results;
}

/**
 * Splits SQL text on `;` outside quotes and comments. Statements holding only comments or
 * whitespace are dropped. `line` is where the statement's first code character is.
 */
export function splitSqlStatements(text: string): SqlStatement[] {
  const out: SqlStatement[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    const chunk = text.slice(start, end);
    const firstCode = firstCodeOffset(chunk);
    if (firstCode >= 0) {
      const before = text.slice(0, start + firstCode);
      // Leading comments are dropped so that line counting inside the text starts at its first line.
      out.push({ text: chunk.slice(firstCode).trimEnd(), line: before.split('\n').length });
    }
  };
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(text, i, c);
      continue;
    }
    if (c === ';') {
      push(i);
      start = i + 1;
    }
    i++;
  }
  push(text.length);
  return out;
}

/** Returns the offset just past the closing quote; a doubled quote is an escaped one. */
function skipQuoted(text: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < text.length) {
    const c = text[i];
    // Spark string literals escape with a backslash; skipping the next character is right for both.
    if (c === '\\' && quote === "'") {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return text.length;
}

/** Offset of the first character that is neither whitespace nor comment, or -1. */
function firstCodeOffset(chunk: string): number {
  let i = 0;
  while (i < chunk.length) {
    const c = chunk[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '-' && chunk[i + 1] === '-') {
      const end = chunk.indexOf('\n', i);
      if (end < 0) return -1;
      i = end;
    } else if (c === '/' && chunk[i + 1] === '*') {
      const end = chunk.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 2;
    } else {
      return i;
    }
  }
  return -1;
}

/** `${name}` plus any `.ident` parts that follow it, so qualified names are seen whole. */
const PLACEHOLDER = /\$\{([^}]*)\}((?:\.[A-Za-z_][A-Za-z0-9_]*)*)/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Substitutes `${var}` placeholders in the code parts of one statement; comments and quoted
 * text are left as written. Every problem is collected and thrown as one ConfigError.
 */
export function renderSql(
  statement: SqlStatement,
  variables: Readonly<Record<string, string>>,
  engine: Pick<SqlFileEngine, 'dialect'>,
  catalogVariable: string,
  file: string,
): string {
  const issues: ConfigIssue[] = [];
  let out = '';
  for (const segment of segments(statement.text)) {
    if (!segment.code) {
      out += segment.text;
      continue;
    }
    const lineOf = (offset: number) => statement.line + statement.text.slice(0, segment.start + offset).split('\n').length - 1;
    out += segment.text.replace(PLACEHOLDER, (whole: string, name: string, qualifier: string, offset: number) => {
      const problem = (message: string) => {
        issues.push({ file, line: lineOf(offset), message });
        return whole;
      };
      if (!NAME.test(name)) return problem(`invalid placeholder \${${name}}: a name is letters, digits and _`);
      const value = variables[name];
      if (value === undefined) {
        return problem(`unknown variable \${${name}} (known: ${Object.keys(variables).sort().join(', ') || 'none'})`);
      }
      if (!IDENTIFIER_PATTERN.test(value)) {
        return problem(`variable \${${name}} = ${JSON.stringify(value)} is not an identifier (letters, digits and _, not starting with a digit)`);
      }
      if (name !== catalogVariable || qualifier === '') return value + qualifier;
      const [schema = '', table, ...rest] = qualifier.slice(1).split('.');
      const tail = rest.map((part) => `.${part}`).join('');
      return table === undefined ? engine.dialect.schemaName(value, schema) : engine.dialect.tableName(value, schema, table) + tail;
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return out;
}

interface Segment {
  readonly text: string;
  readonly start: number;
  readonly code: boolean;
}

/** Cuts a statement into code and non-code (comments, quoted text) segments. */
function segments(text: string): Segment[] {
  const out: Segment[] = [];
  let codeStart = 0;
  let i = 0;
  const flushCode = (end: number) => {
    if (end > codeStart) out.push({ text: text.slice(codeStart, end), start: codeStart, code: true });
  };
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    let end = -1;
    if (c === '-' && next === '-') {
      const nl = text.indexOf('\n', i);
      end = nl < 0 ? text.length : nl;
    } else if (c === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      end = close < 0 ? text.length : close + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      end = skipQuoted(text, i, c);
    }
    if (end < 0) {
      i++;
      continue;
    }
    flushCode(i);
    out.push({ text: text.slice(i, end), start: i, code: false });
    i = end;
    codeStart = end;
  }
  flushCode(text.length);
  return out;
}

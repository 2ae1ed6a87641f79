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
    /** A value where a statement has a `:name` marker outside IDENTIFIER(...) (every engine's dialect has it). */
    literal?(value: string): string;
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
 * Runs spoke SQL files (silver, gold, downstream) statement by statement on any engine, with the
 * parameters their bundle task passes. The files are written for a Databricks SQL task, with
 * parameter markers: `IDENTIFIER(:catalog || '.schema.table')` names a table (rendered by the
 * dialect: OSS Spark maps three-part names onto its single catalog, DuckDB has no IDENTIFIER),
 * `:name` elsewhere is a value (rendered by the dialect's literal function). The older `${var}`
 * text substitution still renders (`${catalog}.schema.table` through the dialect, other
 * placeholders identifier values only); `spoke check` asks for markers instead.
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
  return renderMarkers({ text: out, line: statement.line }, variables, engine, file);
}

/** `IDENTIFIER(` in code, and the markers Databricks binds: `:name` not after a name, `:`, `)`, `]` or a backtick (`raw:field` is a JSON path, `x::int` a cast). */
const IDENTIFIER_CALL = /\bIDENTIFIER\s*\(/gi;
const MARKER = /(?<![\w:)\]`]):([A-Za-z_][A-Za-z0-9_]*)/g;
/** What IDENTIFIER(...) takes here: markers and quoted text joined by `||`. */
const IDENTIFIER_TOKEN = /\s+|\|\||:([A-Za-z_][A-Za-z0-9_]*)|'((?:[^'\\]|\\.|'')*)'/y;

/**
 * The parameter markers of a statement written for a Databricks SQL task, rendered for this
 * engine: `IDENTIFIER(:catalog || '.schema.table')` as the dialect's table (`catalog.schema`: its
 * schema), every part a validated identifier; any other `:name` as a literal value. Comments and
 * quoted text are left as written; each problem is reported with its line.
 */
export function renderMarkers(statement: SqlStatement, parameters: Readonly<Record<string, string>>, engine: Pick<SqlFileEngine, 'dialect'>, file: string): string {
  const { text } = statement;
  const masked = maskedCode(text);
  const issues: ConfigIssue[] = [];
  const lineOf = (offset: number) => statement.line + text.slice(0, offset).split('\n').length - 1;
  const known = () => Object.keys(parameters).sort().join(', ') || 'none';
  const valueOf = (name: string, offset: number): string | undefined => {
    const value = parameters[name];
    if (value === undefined) issues.push({ file, line: lineOf(offset), message: `unknown parameter :${name} (the task passes: ${known()})` });
    return value;
  };
  const spans: { start: number; end: number; text: string }[] = [];
  // Every IDENTIFIER(...), rendered or not: its markers are its own, never values.
  const calls: { start: number; end: number }[] = [];
  for (const call of masked.matchAll(IDENTIFIER_CALL)) {
    const start = call.index ?? 0;
    const open = start + call[0].length;
    const close = closingParenthesis(masked, open);
    if (close < 0) {
      issues.push({ file, line: lineOf(start), message: 'IDENTIFIER( is not closed' });
      continue;
    }
    calls.push({ start, end: close + 1 });
    const name = identifierName(text.slice(open, close), (marker) => valueOf(marker, start));
    if (name === null) {
      issues.push({ file, line: lineOf(start), message: `IDENTIFIER(${text.slice(open, close).trim()}) must join markers and quoted text with ||, e.g. IDENTIFIER(:catalog || '.falcon_silver.transactions')` });
      continue;
    }
    if (name === undefined) continue;
    const parts = name.split('.');
    if (parts.length < 2 || parts.length > 3 || !parts.every((p) => IDENTIFIER_PATTERN.test(p))) {
      issues.push({ file, line: lineOf(start), message: `IDENTIFIER names ${JSON.stringify(name)}: expected catalog.schema or catalog.schema.table, each part letters, digits and _ (not starting with a digit)` });
      continue;
    }
    const [catalog, schema, table] = parts as [string, string, string | undefined];
    spans.push({ start, end: close + 1, text: table === undefined ? engine.dialect.schemaName(catalog, schema) : engine.dialect.tableName(catalog, schema, table) });
  }
  const inside = (offset: number) => calls.some((c) => offset >= c.start && offset < c.end);
  for (const marker of masked.matchAll(MARKER)) {
    const at = marker.index ?? 0;
    if (inside(at)) continue;
    const value = valueOf(marker[1] as string, at);
    if (value === undefined) continue;
    if (!engine.dialect.literal) {
      issues.push({ file, line: lineOf(at), message: `:${marker[1] as string} is a value, and this engine's dialect has no literal function to write it` });
      continue;
    }
    spans.push({ start: at, end: at + marker[0].length, text: engine.dialect.literal(value) });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  let out = '';
  let last = 0;
  for (const span of spans.sort((a, b) => a.start - b.start)) {
    out += text.slice(last, span.start) + span.text;
    last = span.end;
  }
  return out + text.slice(last);
}

/** The offset of the `)` that closes the `(` just before `from` in masked code, or -1. */
function closingParenthesis(masked: string, from: number): number {
  for (let i = from, depth = 1; i < masked.length; i++) {
    if (masked[i] === '(') depth++;
    else if (masked[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** The value an IDENTIFIER clause's argument joins to; null when it is not markers and quoted text joined by `||`, undefined when a marker has no value. */
function identifierName(argument: string, valueOf: (marker: string) => string | undefined): string | null | undefined {
  let out = '';
  let expectOperand = true;
  let missing = false;
  IDENTIFIER_TOKEN.lastIndex = 0;
  while (IDENTIFIER_TOKEN.lastIndex < argument.length) {
    const match = IDENTIFIER_TOKEN.exec(argument);
    if (!match) return null;
    const [token, marker, quoted] = match;
    if (/^\s+$/.test(token)) continue;
    if (token === '||') {
      if (expectOperand) return null;
      expectOperand = true;
      continue;
    }
    if (!expectOperand) return null;
    expectOperand = false;
    if (marker !== undefined) {
      const value = valueOf(marker);
      if (value === undefined) missing = true;
      else out += value;
    } else {
      out += (quoted ?? '').replace(/''/g, "'").replace(/\\(.)/g, '$1');
    }
  }
  if (expectOperand) return null;
  return missing ? undefined : out;
}

/** The `${name}` text substitutions in a statement's code (not in comments or quoted text), each with its line. */
export function textSubstitutions(statement: SqlStatement): { readonly line: number; readonly placeholder: string }[] {
  const masked = maskedCode(statement.text);
  return [...masked.matchAll(/\$\{[^}\n]*\}/g)].map((m) => ({ line: statement.line + masked.slice(0, m.index).split('\n').length - 1, placeholder: m[0] }));
}

/** The statement with comments and the inside of quoted text blanked (same offsets, line breaks kept), so only code is searched. */
function maskedCode(text: string): string {
  return segments(text)
    .map((s) => {
      if (s.code) return s.text;
      const blank = s.text.replace(/[^\n]/g, ' ');
      return /^['"`]/.test(s.text) ? `${s.text[0]}${blank.slice(1, -1)}${s.text.length > 1 ? s.text[s.text.length - 1] : ''}` : blank;
    })
    .join('');
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

import { HubError, type CompiledStatement, type EngineName } from '@org/hub-core';
import { maskLiterals, parameterMarkers } from './sql-text.js';

/** One rule an engine holds every statement to; `check` returns what is wrong, or null. */
export interface WarehouseRule {
  readonly name: string;
  /** Where the rule comes from, for the error message. */
  readonly why: string;
  check(statement: CompiledStatement, masked: string): string | null;
}

/** A statement broke a rule of the engine the recording engine stands for. */
export class WarehouseRuleError extends HubError {
  readonly rule: string;
  readonly statement: string;
  constructor(rule: WarehouseRule, problem: string, statement: CompiledStatement) {
    super('WAREHOUSE_RULE', `warehouse rule ${rule.name} broken: ${problem} (${rule.why})\nstatement: ${abbreviate(statement.sql)}`);
    this.rule = rule.name;
    this.statement = statement.sql;
  }
}

/** The rules of one engine, as a value: checked in order, the first broken one throws. */
export class WarehouseRules {
  readonly rules: readonly WarehouseRule[];
  constructor(rules: readonly WarehouseRule[]) {
    this.rules = rules;
  }

  get names(): string[] {
    return this.rules.map((r) => r.name);
  }

  /** Throws WarehouseRuleError naming the first rule the statement breaks. */
  enforce(statement: CompiledStatement): void {
    const masked = maskLiterals(statement.sql);
    for (const rule of this.rules) {
      const problem = rule.check(statement, masked);
      if (problem !== null) throw new WarehouseRuleError(rule, problem, statement);
    }
  }
}

export const MAX_BOUND_PARAMETERS = 256;
export const MAX_COPY_FILES = 1000;
const INT_MAX = 2_147_483_647;

export const maxBoundParameters: WarehouseRule = {
  name: 'max-256-bound-parameters',
  why: 'a SQL warehouse answers a statement with more than 256 parameters with HTTP 400 "too many parameters"',
  check: (s) => {
    const n = Object.keys(s.params).length;
    return n > MAX_BOUND_PARAMETERS ? `${n} bound parameters` : null;
  },
};

export const markersMatchParameters: WarehouseRule = {
  name: 'markers-match-parameters',
  why: 'every :name marker needs a bound value, and a value without a marker is a rendering mistake',
  check: (s) => {
    const markers = new Set(parameterMarkers(s.sql));
    const unbound = [...markers].filter((m) => !(m in s.params));
    const unused = Object.keys(s.params).filter((p) => !markers.has(p));
    if (unbound.length > 0) return `marker(s) without a value: ${unbound.map((m) => `:${m}`).join(', ')}`;
    if (unused.length > 0) return `value(s) without a marker: ${unused.join(', ')}`;
    return null;
  },
};

export const limitOffsetIntLiteral: WarehouseRule = {
  name: 'limit-offset-int-literal',
  why: 'LIMIT and OFFSET take an INT constant: a BIGINT literal such as 20L fails with INVALID_LIMIT_LIKE_EXPRESSION.DATA_TYPE',
  check: (_s, masked) => {
    for (const match of masked.matchAll(/\b(LIMIT|OFFSET)\s+([^\s)]+)/gi)) {
      const value = match[2] as string;
      if (!/^\d+$/.test(value) || Number(value) > INT_MAX) return `${match[1]} ${value}`;
    }
    return null;
  },
};

export const copyIntoMaxFiles: WarehouseRule = {
  name: 'copy-into-max-1000-files',
  why: 'COPY INTO takes at most 1000 names in FILES = (...)',
  check: (s, masked) => {
    const at = masked.search(/\bFILES\s*=\s*\(/i);
    if (!/^\s*COPY\s+INTO\b/i.test(masked) || at < 0) return null;
    const open = masked.indexOf('(', at);
    const close = masked.indexOf(')', open);
    const names = s.sql.slice(open + 1, close < 0 ? undefined : close);
    const count = (maskLiterals(names).match(/'/g)?.length ?? 0) / 2;
    return count > MAX_COPY_FILES ? `${count} files in FILES = (...)` : null;
  },
};

export const noTemporaryViewOverPath: WarehouseRule = {
  name: 'no-temporary-view-over-path',
  why: 'a SQL warehouse has no CREATE TEMPORARY VIEW ... USING <format> OPTIONS (path ...)',
  check: (_s, masked) => (/\bCREATE\s+(OR\s+REPLACE\s+)?(GLOBAL\s+)?TEMP(ORARY)?\s+VIEW\b[^;]*\bUSING\b/i.test(masked) ? 'a temporary view over files' : null),
};

export const noInputFileName: WarehouseRule = {
  name: 'no-input-file-name',
  why: 'input_file_name() is not supported in Unity Catalog; the _metadata column names a row\'s file',
  check: (_s, masked) => (/\binput_file_(name|block_start|block_length)\s*\(/i.test(masked) ? 'input_file_name()' : null),
};

export const noEmptyListSlot: WarehouseRule = {
  name: 'no-empty-list-slot',
  why: 'an empty slot in an argument or value list is a PARSE_SYNTAX_ERROR',
  check: (_s, masked) => {
    const match = /\(\s*,|,\s*,|,\s*\)/.exec(masked);
    return match ? `"${match[0].replace(/\s+/g, ' ')}" at offset ${match.index}` : null;
  },
};

export const oneStatement: WarehouseRule = {
  name: 'one-statement',
  why: 'the connector executes one statement per call',
  check: (_s, masked) => (/;\s*\S/.test(masked) ? 'more than one statement' : null),
};

/** information_schema's name columns, compared with a value. */
const NAME_COMPARISON = /\b(table_catalog|table_schema|table_name|schema_name|catalog_name)\s*=\s*(:([A-Za-z_][A-Za-z0-9_]*)|'[^']*')/gi;

export const informationSchemaLowerCase: WarehouseRule = {
  name: 'information-schema-lower-case',
  why: 'Unity Catalog stores catalog, schema and table names in lower case, and information_schema compares them as text: Credit_Raw finds nothing',
  check: (s, masked) => {
    if (!/\binformation_schema\b/i.test(s.sql)) return null;
    for (const match of masked.matchAll(NAME_COMPARISON)) {
      const at = match.index ?? 0;
      const marker = match[3];
      const value = marker !== undefined ? s.params[marker] : s.sql.slice(at + match[0].length - (match[2] as string).length + 1, at + match[0].length - 1);
      if (typeof value === 'string' && value !== value.toLowerCase()) return `${match[1]} compared with ${JSON.stringify(value)}`;
    }
    return null;
  },
};

/** A CREATE TABLE's quoted column names, read from the statement where its masked text has a backtick. */
function quotedNames(sql: string, masked: string): string[] {
  const out: string[] = [];
  for (let i = masked.indexOf('`'); i >= 0; i = masked.indexOf('`', i + 1)) {
    const close = masked.indexOf('`', i + 1);
    if (close < 0) break;
    out.push(sql.slice(i + 1, close).replaceAll('``', '`'));
    i = close;
  }
  return out;
}

export const deltaColumnNames: WarehouseRule = {
  name: 'delta-column-names-need-column-mapping',
  why: "a Delta table without 'delta.columnMapping.mode' = 'name' refuses a column name with any of ' ,;{}()\\n\\t=' (DELTA_INVALID_CHARACTERS_IN_COLUMN_NAMES)",
  check: (s, masked) => {
    if (!/^\s*CREATE\s+(OR\s+REPLACE\s+)?TABLE\b/i.test(masked) || !/\bUSING\s+DELTA\b/i.test(masked)) return null;
    if (/'delta\.columnMapping\.mode'\s*=\s*'(name|id)'/.test(s.sql)) return null;
    const bad = quotedNames(s.sql, masked).filter((n) => /[ ,;{}()\n\t=]/.test(n));
    return bad.length > 0 ? `column ${JSON.stringify(bad[0])} in a table created without column mapping` : null;
  },
};

export const noMarkerInDdl: WarehouseRule = {
  name: 'no-parameter-marker-in-ddl',
  why: 'a parameter marker may not appear in a DDL statement (a DEFAULT, a view, a generated column) except inside IDENTIFIER(...)',
  check: (s, masked) => {
    if (!/^\s*(CREATE|ALTER|DROP|COMMENT)\b/i.test(masked)) return null;
    // IDENTIFIER(:catalog || '.schema.table') names the subject: markers there are allowed.
    const outside = masked.replace(/\bIDENTIFIER\s*\([^()]*\)/gi, (m) => ' '.repeat(m.length));
    // Only names with a value are markers: `struct<a:int>` in a column type is not one.
    const marker = [...outside.matchAll(/(?<!:):([A-Za-z_][A-Za-z0-9_]*)/g)].find((m) => (m[1] as string) in s.params);
    return marker ? `marker :${marker[1]} in ${(/^\s*(\w+)/.exec(masked)?.[1] ?? '').toUpperCase()} outside IDENTIFIER(...)` : null;
  },
};

/** A Databricks SQL warehouse's rules (docs/engines.md). */
export const DATABRICKS_WAREHOUSE_RULES = new WarehouseRules([
  maxBoundParameters,
  markersMatchParameters,
  limitOffsetIntLiteral,
  copyIntoMaxFiles,
  noTemporaryViewOverPath,
  noInputFileName,
  noEmptyListSlot,
  oneStatement,
  informationSchemaLowerCase,
  deltaColumnNames,
  noMarkerInDdl,
]);

/** OSS Spark's Thrift server: values are inline, so only the syntax rules and Delta's apply. */
export const SPARK_RULES = new WarehouseRules([limitOffsetIntLiteral, noEmptyListSlot, oneStatement, deltaColumnNames]);

/** The embedded engine takes many statements at once and any number of parameters. */
export const DUCKDB_RULES = new WarehouseRules([]);

/** The rules of the engine a dialect stands for. */
export function rulesFor(engine: EngineName): WarehouseRules {
  return engine === 'databricks' ? DATABRICKS_WAREHOUSE_RULES : engine === 'spark' ? SPARK_RULES : DUCKDB_RULES;
}

function abbreviate(text: string): string {
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

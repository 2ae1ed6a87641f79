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
]);

/** OSS Spark's Thrift server: values are inline, so only the syntax rules apply. */
export const SPARK_RULES = new WarehouseRules([limitOffsetIntLiteral, noEmptyListSlot, oneStatement]);

/** The embedded engine takes many statements at once and any number of parameters. */
export const DUCKDB_RULES = new WarehouseRules([]);

/** The rules of the engine a dialect stands for. */
export function rulesFor(engine: EngineName): WarehouseRules {
  return engine === 'databricks' ? DATABRICKS_WAREHOUSE_RULES : engine === 'spark' ? SPARK_RULES : DUCKDB_RULES;
}

function abbreviate(text: string): string {
  return text.length > 600 ? `${text.slice(0, 600)}…` : text;
}

import { readFile } from 'node:fs/promises';
import { ConfigError, IDENTIFIER_PATTERN, type ConfigIssue } from '@org/hub-core';
import { substituteVariables } from '@org/hub-bronze';
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import { z } from 'zod';
import { KINDS, type Kind } from './kinds.js';
import { predicateProblem } from './predicate.js';
import { KIND_NAMES, type AlertEvent, type AlertTarget, type ChecksFile, type KindName, type QualityCheck, type TableName } from './types.js';

/** yaml loads on first use (about 50 ms of CPU), so commands that read no YAML, `--help` and `bronze run` among them, never pay for it. */
let yamlModule: typeof Yaml | undefined;
const yaml = (): typeof Yaml => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof Yaml);

/**
 * Reads a spoke's checks file (`configs/quality/<lob>_checks.yml`), apart from running it (DQX's
 * checks_serializer/resolver split). Every problem is collected and thrown at once as a
 * ConfigError of `file:line: key: message` issues; an invalid file runs nothing.
 *
 * - `${name}` placeholders are substituted in every value of `checks:` as in the config CSV (same
 *   rules, same messages); alert URLs are `${env:NAME}` and read from the environment when sent.
 * - `name` defaults to `<check>_<columns>`; names are unique in the file.
 * - Columns that do not exist are found when the checks run against the tables (runChecks), still
 *   before anything is written.
 */

export interface ReadChecksOptions {
  readonly variables?: Readonly<Record<string, string>> | undefined;
  /** The name shown in messages; defaults to the path. */
  readonly displayName?: string | undefined;
}

export const ALERT_EVENTS: readonly AlertEvent[] = ['check_failed', 'file_quarantined', 'run_failed'];
const COMMON_KEYS = ['table', 'name', 'check', 'column', 'columns', 'criticality', 'on_fail', 'where'];
const CHECK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const ENV_REFERENCE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;

export async function readChecksFile(path: string, options: ReadChecksOptions = {}): Promise<ChecksFile> {
  const file = options.displayName ?? path;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError([{ file, line: 0, message: `cannot read the checks file: ${error instanceof Error ? error.message : String(error)}` }]);
  }
  return parseChecksFile(text, file, options);
}

type Path = readonly (string | number)[];

class Located {
  readonly issues: ConfigIssue[] = [];
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** The line of the deepest node on `path` that exists: a key's own line for a mapping entry. */
  line(path: Path): number {
    let node: unknown = this.doc.contents;
    let line = this.nodeLine(node);
    for (const segment of path) {
      if (yaml().isMap(node)) {
        const pair = node.items.find((p) => yaml().isScalar(p.key) && p.key.value === segment);
        if (!pair) break;
        line = this.nodeLine(pair.key) || line;
        node = pair.value;
      } else if (yaml().isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        line = this.nodeLine(node) || line;
      } else break;
    }
    return line;
  }

  /** One issue per key and line: a bad placeholder is not reported again as the bad value it leaves. */
  add(path: Path, message: string, key?: string): void {
    const line = this.line(path);
    if (key !== undefined && this.issues.some((i) => i.line === line && i.column === key)) return;
    this.issues.push({ file: this.file, line, column: key, message });
  }

  private nodeLine(node: unknown): number {
    const range = (node as Node | undefined)?.range;
    return range ? this.lines.linePos(range[0]).line : 0;
  }
}

export function parseChecksFile(text: string, file: string, options: ReadChecksOptions = {}): ChecksFile {
  const name = options.displayName ?? file;
  const lines = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // The first error is the real one; the parser's later ones follow from it.
    const error = doc.errors[0];
    const message = (error?.message ?? 'invalid YAML').split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML';
    throw new ConfigError([{ file: name, line: error?.linePos?.[0].line ?? 1, message: `invalid YAML: ${message}` }]);
  }
  const at = new Located(name, doc, lines);
  const root: unknown = doc.toJS();
  if (!isRecord(root)) {
    at.add([], 'expected a mapping with a "checks:" list');
    throw new ConfigError(at.issues);
  }
  for (const key of Object.keys(root)) if (key !== 'checks' && key !== 'alerts') at.add([key], `unknown key ${JSON.stringify(key)} (expected checks and alerts)`);
  const items = root['checks'];
  if (!Array.isArray(items) || items.length === 0) at.add(['checks'], 'expected a non-empty list under "checks:"');

  const checks: QualityCheck[] = [];
  const names = new Map<string, number>();
  (Array.isArray(items) ? items : []).forEach((item, i) => {
    const path = ['checks', i];
    const check = readCheck(item, path, options.variables ?? {}, at);
    // Names are compared even when an item has other problems, so a duplicate is reported with them.
    const name = check?.name ?? (isRecord(item) && typeof item['name'] === 'string' ? item['name'] : undefined);
    if (name === undefined) return;
    const first = names.get(name);
    if (first !== undefined) at.add([...path, 'name'], `duplicate name ${JSON.stringify(name)}: already on line ${first}`, 'name');
    else names.set(name, at.line(path));
    if (check) checks.push(check);
  });

  const alertItems = root['alerts'] ?? [];
  if (!Array.isArray(alertItems)) at.add(['alerts'], 'expected a list under "alerts:"');
  const alerts = (Array.isArray(alertItems) ? alertItems : []).map((item, i) => readAlert(item, ['alerts', i], at)).filter((a): a is AlertTarget => a !== undefined);

  if (at.issues.length > 0) throw new ConfigError([...at.issues].sort((a, b) => a.line - b.line));
  return { file: name, checks, alerts };
}

/** Substitutes `${var}` in every string of a check item; each bad placeholder is an issue on its own line. */
function substitute(value: unknown, path: Path, variables: Readonly<Record<string, string>>, at: Located): unknown {
  if (typeof value === 'string') {
    const result = substituteVariables(value, variables);
    for (const problem of result.problems) at.add(path, problem, keyOf(path));
    return result.value;
  }
  if (Array.isArray(value)) return value.map((v, i) => substitute(v, [...path, i], variables, at));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, [...path, k], variables, at)]));
  return value;
}

function keyOf(path: Path): string | undefined {
  const named = [...path].reverse().find((p) => typeof p === 'string' && p !== 'checks' && p !== 'alerts');
  return typeof named === 'string' ? named : undefined;
}

const common = {
  table: z.string().min(1),
  name: z.string().optional(),
  check: z.string(),
  column: z.string().min(1).optional(),
  columns: z.array(z.string().min(1)).min(1).optional(),
  criticality: z.enum(['error', 'warn']).default('error'),
  on_fail: z.enum(['record', 'fail', 'quarantine']).default('record'),
  where: z.string().optional(),
};

function readCheck(item: unknown, path: Path, variables: Readonly<Record<string, string>>, at: Located): QualityCheck | undefined {
  if (!isRecord(item)) {
    at.add(path, 'expected a mapping (table, check, column, ...)');
    return undefined;
  }
  const before = at.issues.length;
  const raw = substitute(item, path, variables, at) as Record<string, unknown>;
  const kindName = raw['check'];
  if (typeof kindName !== 'string' || !(KIND_NAMES as readonly string[]).includes(kindName)) {
    at.add(
      [...path, 'check'],
      kindName === undefined ? `is required: one of ${KIND_NAMES.join(', ')}` : `unknown check kind ${JSON.stringify(kindName)} (known: ${KIND_NAMES.join(', ')})`,
      'check',
    );
    return undefined;
  }
  const kind = KINDS[kindName as KindName];
  const known = [...COMMON_KEYS, ...Object.keys(kind.args)];
  for (const key of Object.keys(raw)) if (!known.includes(key)) at.add([...path, key], `unknown key ${JSON.stringify(key)} for ${kind.name} (known: ${known.join(', ')})`, key);
  // Unknown keys are reported above; the rest of the item is still checked, so every problem shows at once.
  const parsed = z.object({ ...common, ...kind.args }).safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) reportZodIssue(issue, raw, path, kind, at);
    return undefined;
  }
  const data = parsed.data as Record<string, unknown> & z.infer<z.ZodObject<typeof common>>;
  const args = Object.fromEntries(Object.keys(kind.args).filter((k) => data[k] !== undefined).map((k) => [k, data[k]]));

  const columns = columnsOf(data, kind, path, at);
  for (const [key, message] of kind.validate?.(args) ?? []) at.add([...path, key], message, key);
  const table = tableName(data.table, [...path, 'table'], 'table', at);
  if (data.where !== undefined) {
    const problem = predicateProblem(data.where);
    if (problem) at.add([...path, 'where'], problem, 'where');
  }
  if (typeof args['expression'] === 'string') {
    const problem = predicateProblem(args['expression']);
    if (problem) at.add([...path, 'expression'], problem, 'expression');
  }
  if (isRecord(args['references'])) {
    const ref = args['references'] as { table: string; column: string };
    const refTable = tableName(ref.table, [...path, 'references', 'table'], 'references.table', at);
    if (refTable) args['references'] = { table: refTable, column: ref.column };
  }
  if (data.on_fail === 'quarantine' && kind.shape !== 'row') {
    at.add([...path, 'on_fail'], `quarantine moves failing rows; ${kindName} is a dataset-level check (use record or fail)`, 'on_fail');
  }
  if (data.on_fail === 'fail' && data.criticality === 'warn') at.add([...path, 'on_fail'], 'fail needs criticality: error (a warning does not fail the job)', 'on_fail');
  const checkName = data.name ?? [kindName, ...(columns ?? [])].join('_').replace(/[^A-Za-z0-9_.-]/g, '_');
  if (!CHECK_NAME.test(checkName)) at.add([...path, 'name'], `${JSON.stringify(checkName)} is not a valid name: letters, digits, _, . and -, at most 128`, 'name');
  if (at.issues.length > before || !table || !columns) return undefined;
  return {
    table,
    name: checkName,
    check: kindName as KindName,
    columns,
    args,
    criticality: data.criticality,
    onFail: data.on_fail,
    where: data.where,
    source: { file: at.file, line: at.line(path) },
  };
}

/** `column` or `columns`, as the kind takes them. */
function columnsOf(data: { column?: string | undefined; columns?: string[] | undefined }, kind: Kind, path: Path, at: Located): string[] | undefined {
  if (data.column !== undefined && data.columns !== undefined) {
    at.add([...path, 'columns'], 'give column or columns, not both', 'columns');
    return undefined;
  }
  const list = data.columns ?? (data.column !== undefined ? [data.column] : []);
  if (kind.columns === 'one' && (data.columns !== undefined || list.length !== 1)) {
    at.add([...path, data.columns ? 'columns' : 'check'], `${kind.name} checks one column: give column`, 'column');
    return undefined;
  }
  if (kind.columns === 'many' && list.length === 0) {
    at.add([...path, 'check'], `${kind.name} needs column or columns`, 'columns');
    return undefined;
  }
  if (kind.columns === 'none' && list.length > 0) {
    at.add([...path, data.columns ? 'columns' : 'column'], `${kind.name} takes no column`, data.columns ? 'columns' : 'column');
    return undefined;
  }
  if (kind.name === 'freshness' && list.length > 1) {
    at.add([...path, 'columns'], 'freshness reads one timestamp column (default _ingested_at)', 'columns');
    return undefined;
  }
  return list;
}

/** A three-part name `catalog.schema.table`, each part an identifier after substitution. */
function tableName(value: string, path: Path, key: string, at: Located): TableName | undefined {
  const parts = value.split('.');
  if (parts.length !== 3 || parts.some((p) => !IDENTIFIER_PATTERN.test(p))) {
    at.add(path, `${JSON.stringify(value)} is not a three-part name catalog.schema.table (letters, digits and _ each)`, key);
    return undefined;
  }
  const [catalog, schema, table] = parts as [string, string, string];
  return { catalog, schema, table, name: value };
}

function reportZodIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>, path: Path, kind: Kind, at: Located): void {
  const key = issue.path.map(String).join('.');
  const where = [...path, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
  if (issue.code === 'unrecognized_keys') {
    for (const k of issue.keys) at.add([...where, k], `unknown key ${JSON.stringify(k)}`, k);
    return;
  }
  const value = issue.path.reduce<unknown>((v, p) => (isRecord(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[p as string | number] : undefined), raw);
  let message: string;
  if (issue.code === 'invalid_type') message = value === undefined ? `is required for ${kind.name}` : `expected ${article(issue.expected)}, got ${JSON.stringify(value)}`;
  else if (issue.code === 'invalid_value') message = `expected one of ${issue.values.map(String).join(', ')}; got ${JSON.stringify(value)}`;
  else if (issue.code === 'too_small') message = issue.origin === 'array' ? 'needs at least one value' : issue.origin === 'string' ? 'must not be empty' : `must be ${issue.inclusive ? 'at least' : 'above'} ${String(issue.minimum)}`;
  else if (issue.code === 'invalid_union') message = `expected a string, number or boolean, got ${JSON.stringify(value)}`;
  else message = issue.message;
  at.add(where, message, key || undefined);
}

function article(type: string): string {
  return { number: 'a number', string: 'a string', array: 'a list', boolean: 'true or false', object: 'a mapping', int: 'a whole number' }[type] ?? type;
}

function readAlert(item: unknown, path: Path, at: Located): AlertTarget | undefined {
  const schema = z.strictObject({
    type: z.enum(['webhook', 'slack', 'teams']),
    url: z.string(),
    on: z.union([z.enum(ALERT_EVENTS as [AlertEvent, ...AlertEvent[]]), z.array(z.enum(ALERT_EVENTS as [AlertEvent, ...AlertEvent[]])).min(1)]),
  });
  if (!isRecord(item)) {
    at.add(path, 'expected a mapping (type, url, on)');
    return undefined;
  }
  const parsed = schema.safeParse(item);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.map(String).join('.');
      const where = [...path, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
      const value = item[String(issue.path[0])];
      if (issue.code === 'unrecognized_keys') for (const k of issue.keys) at.add([...path, k], `unknown key ${JSON.stringify(k)} (known: type, url, on)`, k);
      else if (value === undefined) at.add(where, 'is required', key);
      else if (key === 'type') at.add(where, `expected webhook, slack or teams; got ${JSON.stringify(value)}`, key);
      else if (key.startsWith('on')) at.add(where, `expected ${ALERT_EVENTS.join(', ')} or a list of them; got ${JSON.stringify(value)}`, 'on');
      else at.add(where, issue.message, key);
    }
    return undefined;
  }
  const env = ENV_REFERENCE.exec(parsed.data.url.trim());
  if (!env?.[1]) {
    // Not even in the message: a literal URL is a secret written into a file.
    at.add([...path, 'url'], 'write the URL as ${env:NAME}: a webhook URL is a secret and stays out of the file', 'url');
    return undefined;
  }
  const on = Array.isArray(parsed.data.on) ? [...new Set(parsed.data.on)] : [parsed.data.on];
  return { type: parsed.data.type, urlEnv: env[1], on, source: { file: at.file, line: at.line(path) } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

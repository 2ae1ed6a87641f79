import { readFile } from 'node:fs/promises';
import { ConfigError, type ConfigIssue } from '@org/hub-core';
import type { ZodType } from 'zod';
import type { FileConfigRow, FileFormat } from '../types.js';
import {
  CONFIG_COLUMNS as COLUMNS,
  CONTROL_CHARACTER,
  REQUIRED_COLUMNS,
  boolean,
  delimiter as delimiterSchema,
  fileFormat as fileFormatSchema,
  filePattern,
  identifier,
  nameValue,
  sourcePath,
  type ConfigColumn,
} from './config-schema.js';
import { hasUtf16Bom, scanCsv, type CsvRecord } from './csv-records.js';
import { substituteVariables } from './variables.js';

export { findPlaceholders } from './variables.js';

/**
 * Reads and validates a spoke's config CSV (docs/config.md). Every problem is collected and thrown
 * at once as a ConfigError whose issues read `file:line: column: message`, in line order.
 *
 * Choices beyond the design, one place to read them:
 * - Lines are physical lines of the file, 1-based (a BOM does not shift them); an issue about a
 *   record is put on the line where the record starts; line 0 means the file as a whole.
 * - The header is the first non-blank record; names are trimmed and exact (lowercase); order is free.
 * - A record whose every field is empty or whitespace is skipped: blank lines and Excel's `,,,,` rows.
 * - Values are trimmed, except a delimiter that is only whitespace (a tab or a space) is kept as is.
 * - `${var}` is substituted after trimming, one pass; rules are checked on the substituted value.
 * - file_format is exactly `delimited` or `parquet` (lowercase).
 * - delimiter: required for delimited, empty for parquet; one ASCII character that is not a letter,
 *   digit, `"` or control character; the texts `\t` and `tab` (any case) mean a tab.
 * - has_header: true/false in any case; required for delimited; empty means false for parquet,
 *   and true is an error for parquet (parquet has no header row).
 * - is_active: true/false in any case; empty means true (the seed DDL's default).
 * - lob, category, subcategory: letters, digits, `_` and `-`, at most 255 characters.
 * - dest_catalog, dest_schema, dest_table: IDENTIFIER_PATTERN, at most 255 characters; returned in
 *   lower case (names ignore case on every engine; Unity Catalog stores them so).
 * - file_pattern: a glob on file names, so no `/`.
 * - source_path: `/...` or `scheme:/...` (abfss://, s3://, gs://, dbfs:/, file:/...), no `*` or `?`;
 *   returned ending with one `/`.
 * - (lob, category, subcategory) is unique, compared exactly; a repeat is reported on the later line.
 * - Rows naming the same table (catalog.schema.table, compared case-insensitively as Unity Catalog
 *   does) must share one file_format.
 * - A record with the wrong number of fields, or on a line that is not UTF-8, gets that one issue only:
 *   its fields cannot be trusted to be in their columns.
 */

/** The seed's 12 columns, in the seed's order. */
export const CONFIG_COLUMNS: readonly string[] = COLUMNS;

export interface ReadConfigOptions {
  variables?: Readonly<Record<string, string>>;
  /** name shown in messages; defaults to the path */
  displayName?: string;
}

export async function readConfig(path: string, options: ReadConfigOptions = {}): Promise<FileConfigRow[]> {
  const file = options.displayName ?? path;
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError([{ file, line: 0, message: `cannot read the config file: ${reason}` }]);
  }
  return parseConfig(bytes, file, options);
}

const EXPECTED_HEADER = COLUMNS.join(',');

interface PendingIssue extends ConfigIssue {
  /** Position of the column in the file, -1 for an issue about a whole record. */
  readonly position: number;
}

class Issues {
  readonly list: PendingIssue[] = [];
  constructor(private readonly file: string) {}
  add(line: number, message: string, column?: string, position = -1): void {
    this.list.push({ file: this.file, line, column, message, position });
  }
  /** Line order, then left to right within a line, then the order found. */
  sorted(): ConfigIssue[] {
    return this.list
      .map((issue, seq) => ({ issue, seq }))
      .sort((a, b) => a.issue.line - b.issue.line || a.issue.position - b.issue.position || a.seq - b.seq)
      .map(({ issue: { file, line, column, message } }) => (column === undefined ? { file, line, message } : { file, line, column, message }));
  }
}

const isBlank = (record: CsvRecord): boolean => record.fields.every((field) => field.trim() === '');

/** Column name -> position of its first occurrence in the header; reports unknown, missing, duplicate and empty names. */
function readHeader(header: CsvRecord, issues: Issues): Map<ConfigColumn, number> | undefined {
  const names = header.fields.map((field) => field.trim());
  const only = names[0];
  if (names.length === 1 && only !== undefined && /[;\t|]/.test(only)) {
    issues.add(header.line, `the header is one column ${JSON.stringify(only)}: the config must be comma-separated (${EXPECTED_HEADER})`);
    return undefined;
  }
  const known = new Set<string>(COLUMNS);
  const positions = new Map<ConfigColumn, number>();
  names.forEach((name, index) => {
    if (name === '') {
      issues.add(header.line, `column ${index + 1} of the header has no name`);
    } else if (!known.has(name)) {
      const near = COLUMNS.find((column) => column === name.toLowerCase());
      issues.add(header.line, `unknown column ${JSON.stringify(name)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`);
    } else if (positions.has(name as ConfigColumn)) {
      issues.add(header.line, `duplicate column ${JSON.stringify(name)} (also column ${(positions.get(name as ConfigColumn) ?? 0) + 1})`);
    } else {
      positions.set(name as ConfigColumn, index);
    }
  });
  for (const column of COLUMNS) {
    if (!positions.has(column)) issues.add(header.line, `missing column ${JSON.stringify(column)}`);
  }
  return positions;
}

/** A row that passed its own rules, kept for the checks across rows. */
interface CheckedRow {
  readonly line: number;
  readonly key?: string | undefined;
  readonly table?: { readonly name: string; readonly format: FileFormat } | undefined;
  readonly row?: FileConfigRow | undefined;
}

function checkRow(
  record: CsvRecord,
  positions: ReadonlyMap<ConfigColumn, number>,
  variables: Readonly<Record<string, string>>,
  file: string,
  issues: Issues,
): CheckedRow {
  const line = record.line;
  let failed = false;
  const fail = (column: ConfigColumn, message: string): void => {
    failed = true;
    issues.add(line, message, column, positions.get(column));
  };

  // Value of each present column after trimming and substitution; absent when it cannot be known.
  const values = new Map<ConfigColumn, string>();
  const written = new Map<ConfigColumn, string>();
  for (const [column, index] of positions) {
    const raw = record.fields[index] ?? '';
    const trimmed = raw.trim();
    const kept = column === 'delimiter' && trimmed === '' ? raw : trimmed;
    const substituted = substituteVariables(kept, variables);
    if (substituted.problems.length > 0) {
      for (const problem of substituted.problems) fail(column, problem);
      continue;
    }
    const value = substituted.value;
    const controlAllowed = column === 'delimiter' && value === '\t';
    if (!controlAllowed && CONTROL_CHARACTER.test(value)) {
      fail(column, `${JSON.stringify(value)} contains a control character (a line break, tab or NUL)`);
      continue;
    }
    values.set(column, value);
    written.set(column, kept);
  }

  // Runs a field schema; the message says which text a substituted value came from.
  const parse = <T>(column: ConfigColumn, schema: ZodType<T, string>): T | undefined => {
    const value = values.get(column);
    if (value === undefined) return undefined;
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const raw = written.get(column);
    const origin = raw !== undefined && raw !== value ? ` (from ${JSON.stringify(raw)})` : '';
    fail(column, `${result.error.issues[0]?.message ?? 'invalid value'}${origin}`);
    return undefined;
  };

  for (const column of REQUIRED_COLUMNS) {
    if (values.get(column) === '') {
      fail(column, 'a value is required');
      values.delete(column);
    }
  }

  const lob = parse('lob', nameValue);
  const category = parse('category', nameValue);
  const subcategory = parse('subcategory', nameValue);
  const pattern = parse('file_pattern', filePattern);
  const source = parse('source_path', sourcePath);
  const format = parse('file_format', fileFormatSchema);
  const catalog = parse('dest_catalog', identifier);
  const schema = parse('dest_schema', identifier);
  const table = parse('dest_table', identifier);

  // delimiter and has_header depend on file_format; when the format is unknown only their shape is checked.
  let delimiter: string | null | undefined;
  const delimiterText = values.get('delimiter');
  if (delimiterText === '') {
    if (format === 'delimited') fail('delimiter', 'a value is required for delimited files (e.g. "," or "|" or \\t)');
    delimiter = null;
  } else if (format === 'parquet' && delimiterText !== undefined) {
    fail('delimiter', `must be empty for parquet files, got ${JSON.stringify(delimiterText)}`);
  } else {
    delimiter = parse('delimiter', delimiterSchema);
  }

  let hasHeader: boolean | undefined;
  const hasHeaderText = values.get('has_header');
  if (hasHeaderText === '') {
    if (format === 'delimited') fail('has_header', 'a value is required for delimited files: true or false');
    hasHeader = false;
  } else {
    hasHeader = parse('has_header', boolean);
    if (format === 'parquet' && hasHeader === true) {
      fail('has_header', 'must be false or empty for parquet files (parquet has no header row)');
    }
  }

  const isActive = values.get('is_active') === '' ? true : parse('is_active', boolean);

  const key = lob !== undefined && category !== undefined && subcategory !== undefined ? `${lob}\u0000${category}\u0000${subcategory}` : undefined;
  const tableName = catalog !== undefined && schema !== undefined && table !== undefined ? `${catalog}.${schema}.${table}` : undefined;
  const checked = { line, key, table: tableName !== undefined && format !== undefined ? { name: tableName, format } : undefined };
  if (
    failed ||
    lob === undefined ||
    category === undefined ||
    subcategory === undefined ||
    pattern === undefined ||
    source === undefined ||
    format === undefined ||
    delimiter === undefined ||
    hasHeader === undefined ||
    catalog === undefined ||
    schema === undefined ||
    table === undefined ||
    isActive === undefined
  ) {
    return checked;
  }
  return {
    ...checked,
    row: {
      lob,
      category,
      subcategory,
      filePattern: pattern,
      sourcePath: source,
      fileFormat: format,
      delimiter: format === 'parquet' ? null : delimiter,
      hasHeader,
      // Names are case-insensitive on every engine and the hub uses them in lower case, as Unity Catalog stores them.
      destCatalog: catalog.toLowerCase(),
      destSchema: schema.toLowerCase(),
      destTable: table.toLowerCase(),
      isActive,
      source: { file, line },
      ...(tableName !== undefined && tableName !== tableName.toLowerCase() ? { writtenAs: tableName } : {}),
    },
  };
}

/** (lob, category, subcategory) unique; one file_format per destination table. */
function checkAcrossRows(rows: readonly CheckedRow[], positions: ReadonlyMap<ConfigColumn, number>, issues: Issues): void {
  const keys = new Map<string, number>();
  const tables = new Map<string, { line: number; format: FileFormat }>();
  for (const row of rows) {
    if (row.key !== undefined) {
      const first = keys.get(row.key);
      if (first === undefined) keys.set(row.key, row.line);
      else issues.add(row.line, `duplicate (lob, category, subcategory) = (${row.key.split('\u0000').join(', ')}): already on line ${first}`);
    }
    if (row.table !== undefined) {
      // Unity Catalog and Spark resolve identifiers case-insensitively: Raw and raw are one table.
      const name = row.table.name.toLowerCase();
      const first = tables.get(name);
      if (first === undefined) tables.set(name, { line: row.line, format: row.table.format });
      else if (first.format !== row.table.format) {
        issues.add(
          row.line,
          `${row.table.name} is loaded as ${row.table.format} here but as ${first.format} on line ${first.line}: a table takes one file_format`,
          'file_format',
          positions.get('file_format'),
        );
      }
    }
  }
}

export function parseConfig(text: string | Buffer, file: string, options: ReadConfigOptions = {}): FileConfigRow[] {
  const name = options.displayName ?? file;
  const variables = options.variables ?? {};
  const issues = new Issues(name);
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;

  if (hasUtf16Bom(bytes)) {
    throw new ConfigError([{ file: name, line: 1, message: 'the file is UTF-16 encoded: save it as UTF-8' }]);
  }

  const scan = scanCsv(bytes);
  const invalid = new Set(scan.invalidUtf8Lines);
  for (const line of scan.invalidUtf8Lines) issues.add(line, 'invalid UTF-8 bytes: save the file as UTF-8');
  const readable = (record: CsvRecord): boolean => {
    for (let line = record.line; line <= record.endLine; line++) if (invalid.has(line)) return false;
    return true;
  };

  const records = scan.records.filter((record) => !isBlank(record));
  const [header, ...data] = records;
  let positions: Map<ConfigColumn, number> | undefined;
  if (header === undefined) {
    if (scan.abort === undefined && invalid.size === 0) {
      issues.add(1, `empty config: expected a header with the columns ${EXPECTED_HEADER}`);
    }
  } else if (readable(header)) {
    positions = readHeader(header, issues);
    if (data.length === 0 && scan.abort === undefined) {
      issues.add(header.line, 'no config rows: the header is not followed by any row');
    }
  }

  if (scan.abort !== undefined) {
    const { line, fieldIndex, message } = scan.abort;
    // Only a data record's fields have column names; an abort in the header has none.
    const inData = header !== undefined && line > header.endLine;
    const column = inData && fieldIndex !== undefined ? header.fields[fieldIndex]?.trim() : undefined;
    issues.add(line, message, column || undefined, column ? fieldIndex : -1);
  }

  const rows: FileConfigRow[] = [];
  if (header !== undefined && positions !== undefined) {
    const checked: CheckedRow[] = [];
    for (const record of data) {
      if (!readable(record)) continue;
      if (record.fields.length !== header.fields.length) {
        const hint = record.fields.length > header.fields.length ? ' (quote a value that contains a comma)' : '';
        issues.add(record.line, `expected ${header.fields.length} fields, got ${record.fields.length}${hint}`);
        continue;
      }
      const row = checkRow(record, positions, variables, name, issues);
      checked.push(row);
      if (row.row !== undefined) rows.push(row.row);
    }
    checkAcrossRows(checked, positions, issues);
  }

  if (issues.list.length > 0) throw new ConfigError(issues.sorted());
  return rows;
}

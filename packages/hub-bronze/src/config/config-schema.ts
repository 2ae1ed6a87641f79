import { IDENTIFIER_PATTERN } from '@org/hub-core';
import { z } from 'zod';
import { templateProblem } from '../source-template.js';

/**
 * Field rules of the config CSV. Each schema takes one value that is already trimmed,
 * `${var}`-substituted and known to be non-empty; its first issue's message is what the user reads.
 */

/** The twelve columns of the ported framework's config (the seed), in its order; a config may order them freely. */
export const CONFIG_COLUMNS = [
  'lob',
  'category',
  'subcategory',
  'file_pattern',
  'source_path',
  'file_format',
  'delimiter',
  'has_header',
  'dest_catalog',
  'dest_schema',
  'dest_table',
  'is_active',
] as const;

export type ConfigColumn = (typeof CONFIG_COLUMNS)[number];

/** Columns that must hold a value on every row; delimiter, has_header and is_active have their own rules. */
export const REQUIRED_COLUMNS: ReadonlySet<ConfigColumn> = new Set<ConfigColumn>([
  'lob',
  'category',
  'subcategory',
  'file_pattern',
  'source_path',
  'file_format',
  'dest_catalog',
  'dest_schema',
  'dest_table',
]);

export const MAX_NAME_LENGTH = 255;

const show = (input: unknown): string => JSON.stringify(input);

/** lob, category, subcategory are values (bound parameters, job parameters), kept to plain text. */
const NAME_VALUE = /^[A-Za-z0-9_-]+$/;

export const nameValue = z
  .string()
  .max(MAX_NAME_LENGTH, { error: (issue) => `${show(issue.input)} is longer than ${MAX_NAME_LENGTH} characters` })
  .regex(NAME_VALUE, { error: (issue) => `${show(issue.input)} is not a valid name (letters, digits, _ and -)` });

/** Catalog, schema and table names are rendered into SQL, so they must be plain identifiers. */
export const identifier = z
  .string()
  .max(MAX_NAME_LENGTH, { error: (issue) => `${show(issue.input)} is longer than ${MAX_NAME_LENGTH} characters` })
  .regex(IDENTIFIER_PATTERN, {
    error: (issue) => `${show(issue.input)} is not a valid identifier (letters, digits and _, not starting with a digit)`,
  });

export const fileFormat = z.enum(['delimited', 'parquet'], {
  error: (issue) => `expected delimited or parquet, got ${show(issue.input)}`,
});

/** Left in a value only when a quoted field had spaces outside its quotes; names and identifiers reject it anyway. */
const STRAY_QUOTE = {
  error: (issue: { input: unknown }) => `${show(issue.input)} contains a double quote (a quoted value must have no spaces outside its quotes)`,
};

/** Matched against file names only: folders belong in source_path. */
export const filePattern = z
  .string()
  .refine((value) => !value.includes('/'), {
    error: (issue) => `${show(issue.input)} contains "/": file_pattern matches file names; put folders in source_path`,
  })
  .refine((value) => !value.includes('"'), STRAY_QUOTE)
  .refine((value) => !/\{(yyyy|MM|dd|HH)\}/.test(value), {
    error: (issue) => `${show(issue.input)} holds a date token: date tokens go in source_path's folders (…/{yyyy}/{MM}/{dd}/), file_pattern matches file names`,
  });

/** Local absolute paths and URL-like prefixes (abfss://, s3://, gs://, dbfs:/, file:/); a scheme has 2+ characters so C:/ is not one. */
const ABSOLUTE_SOURCE = /^(\/|[A-Za-z][A-Za-z0-9+.-]+:\/)/;

export const sourcePath = z
  .string()
  .refine((value) => ABSOLUTE_SOURCE.test(value), {
    error: (issue) =>
      `${show(issue.input)} is not an absolute path or URL (expected /..., /Volumes/..., abfss://, s3://, gs://, dbfs:/ or file:/)`,
  })
  .refine((value) => !/[*?]/.test(value), {
    error: (issue) => `${show(issue.input)} contains a wildcard: source_path is a folder; put patterns in file_pattern`,
  })
  .refine((value) => !value.includes('"'), STRAY_QUOTE)
  .superRefine((value, ctx) => {
    const problem = templateProblem(value);
    if (problem !== null) ctx.addIssue({ code: 'custom', input: value, message: problem });
  })
  // One trailing slash, so `${source_path}${file}` joins correctly on every engine.
  .transform((value) => (value.endsWith('/') ? value : `${value}/`));

/** Spellings of a tab that survive a CSV editor: a literal tab, the text `\t`, or `tab`. */
const TAB_SPELLINGS = new Set(['\t', '\\t', 'tab']);

/** One ASCII character that is not a letter, digit, quote or control character (tab excepted). */
const DELIMITER_CHARACTER = /^[\t !#-/:-@[-`{-~]$/;

export const delimiter = z.string().transform((value, ctx) => {
  const normalised = TAB_SPELLINGS.has(value.toLowerCase()) ? '\t' : value;
  if ([...normalised].length !== 1) {
    ctx.issues.push({ code: 'custom', input: value, message: `expected one character (or \\t or tab for a tab), got ${show(value)}` });
    return z.NEVER;
  }
  if (!DELIMITER_CHARACTER.test(normalised)) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: `${show(value)} cannot be a delimiter (letters, digits, the quote and control characters other than tab are not allowed)`,
    });
    return z.NEVER;
  }
  return normalised;
});

export const boolean = z.string().transform((value, ctx) => {
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  ctx.issues.push({ code: 'custom', input: value, message: `expected true or false, got ${show(value)}` });
  return z.NEVER;
});

/** A control character (line break, NUL...) never belongs in a config value; a tab is allowed only as the delimiter. */
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

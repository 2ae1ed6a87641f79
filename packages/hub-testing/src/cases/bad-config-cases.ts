import type { FileConfigRow } from '@org/hub-bronze';

/**
 * Config CSV cases with the exact issues the reader must report, as `file:line: column: message`.
 * Shared by the config reader's unit tests and any suite that drives the reader another way
 * (CLI `validate`, reliability runs): parse `csv` as file `CONFIG_CASE_FILE` with `variables`
 * (none when absent); `expected` empty means the config is valid.
 */

export interface ConfigCase {
  readonly name: string;
  readonly csv: string | Buffer;
  readonly variables?: Readonly<Record<string, string>>;
  /** Formatted issues in the order reported; empty for a valid config. */
  readonly expected: readonly string[];
  /** For valid configs: rows (in order) the result must match field by field. */
  readonly rows?: readonly Partial<FileConfigRow>[];
}

/** The file name the expected messages use. */
export const CONFIG_CASE_FILE = 'config.csv';

export const HEADER =
  'lob,category,subcategory,file_pattern,source_path,file_format,delimiter,has_header,dest_catalog,dest_schema,dest_table,is_active';

/** The Falcon config of the framework this project ports (the seed), byte for byte. */
export const SEED_CONFIG_CSV = `${HEADER}
falcon,transactions,credit,transactions_*.csv,abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/,delimited,",",true,\${catalog},falcon_bronze,credit_transactions_raw,true
falcon,transactions,debit,debit_*.csv,abfss://raw@storage.dfs.core.windows.net/falcon/txn/debit/,delimited,",",true,\${catalog},falcon_bronze,debit_transactions_raw,true
falcon,events,clickstream,*.parquet,abfss://raw@storage.dfs.core.windows.net/falcon/events/,parquet,,false,\${catalog},falcon_bronze,clickstream_raw,true
falcon,events,pageviews,pageviews_*.parquet,abfss://raw@storage.dfs.core.windows.net/falcon/pageviews/,parquet,,false,\${catalog},falcon_bronze,pageview_raw,true
`;

export const SEED_VARIABLES = { catalog: 'dev_catalog' } as const;

/** What the seed config reads as with SEED_VARIABLES (source omitted: it depends on the file name). */
export const SEED_ROWS: readonly Partial<FileConfigRow>[] = [
  {
    lob: 'falcon',
    category: 'transactions',
    subcategory: 'credit',
    filePattern: 'transactions_*.csv',
    sourcePath: 'abfss://raw@storage.dfs.core.windows.net/falcon/txn/credit/',
    fileFormat: 'delimited',
    delimiter: ',',
    hasHeader: true,
    destCatalog: 'dev_catalog',
    destSchema: 'falcon_bronze',
    destTable: 'credit_transactions_raw',
    isActive: true,
  },
  {
    lob: 'falcon',
    category: 'transactions',
    subcategory: 'debit',
    filePattern: 'debit_*.csv',
    sourcePath: 'abfss://raw@storage.dfs.core.windows.net/falcon/txn/debit/',
    fileFormat: 'delimited',
    delimiter: ',',
    hasHeader: true,
    destCatalog: 'dev_catalog',
    destSchema: 'falcon_bronze',
    destTable: 'debit_transactions_raw',
    isActive: true,
  },
  {
    lob: 'falcon',
    category: 'events',
    subcategory: 'clickstream',
    filePattern: '*.parquet',
    sourcePath: 'abfss://raw@storage.dfs.core.windows.net/falcon/events/',
    fileFormat: 'parquet',
    delimiter: null,
    hasHeader: false,
    destCatalog: 'dev_catalog',
    destSchema: 'falcon_bronze',
    destTable: 'clickstream_raw',
    isActive: true,
  },
  {
    lob: 'falcon',
    category: 'events',
    subcategory: 'pageviews',
    filePattern: 'pageviews_*.parquet',
    sourcePath: 'abfss://raw@storage.dfs.core.windows.net/falcon/pageviews/',
    fileFormat: 'parquet',
    delimiter: null,
    hasHeader: false,
    destCatalog: 'dev_catalog',
    destSchema: 'falcon_bronze',
    destTable: 'pageview_raw',
    isActive: true,
  },
];

type Column =
  | 'lob'
  | 'category'
  | 'subcategory'
  | 'file_pattern'
  | 'source_path'
  | 'file_format'
  | 'delimiter'
  | 'has_header'
  | 'dest_catalog'
  | 'dest_schema'
  | 'dest_table'
  | 'is_active';

const COLUMNS = HEADER.split(',') as Column[];

const DELIMITED: Record<Column, string> = {
  lob: 'falcon',
  category: 'transactions',
  subcategory: 'credit',
  file_pattern: 'transactions_*.csv',
  source_path: '/data/falcon/txn/credit/',
  file_format: 'delimited',
  delimiter: ',',
  has_header: 'true',
  dest_catalog: 'dev_catalog',
  dest_schema: 'falcon_bronze',
  dest_table: 'credit_raw',
  is_active: 'true',
};

const PARQUET: Partial<Record<Column, string>> = {
  category: 'events',
  subcategory: 'clickstream',
  file_pattern: '*.parquet',
  source_path: '/data/falcon/events/',
  file_format: 'parquet',
  delimiter: '',
  has_header: 'false',
  dest_table: 'clickstream_raw',
};

const quoteField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** A valid delimited row with some values replaced; values are CSV-quoted when needed. */
function row(overrides: Partial<Record<Column, string>> = {}): string {
  const values = { ...DELIMITED, ...overrides };
  return COLUMNS.map((column) => quoteField(values[column])).join(',');
}

/** A valid parquet row with some values replaced. */
const parquetRow = (overrides: Partial<Record<Column, string>> = {}): string => row({ ...PARQUET, ...overrides });

/** Lines joined with LF, ending with one. */
const lines = (...text: string[]): string => `${text.join('\n')}\n`;

const at = (line: number, rest: string): string => `${CONFIG_CASE_FILE}:${line}: ${rest}`;

const IDENTIFIER_RULE = 'is not a valid identifier (letters, digits and _, not starting with a digit)';

export const CONFIG_CASES: readonly ConfigCase[] = [
  // --- valid variants: encodings, line endings, layout ---
  { name: 'the seed config with a UTF-8 BOM', csv: `\uFEFF${SEED_CONFIG_CSV}`, variables: SEED_VARIABLES, expected: [], rows: SEED_ROWS },
  { name: 'the seed config with CRLF line endings', csv: SEED_CONFIG_CSV.replaceAll('\n', '\r\n'), variables: SEED_VARIABLES, expected: [], rows: SEED_ROWS },
  {
    name: 'the seed config with a BOM and CRLF line endings',
    csv: `\uFEFF${SEED_CONFIG_CSV.replaceAll('\n', '\r\n')}`,
    variables: SEED_VARIABLES,
    expected: [],
    rows: SEED_ROWS,
  },
  { name: 'the seed config without a final line break', csv: SEED_CONFIG_CSV.trimEnd(), variables: SEED_VARIABLES, expected: [], rows: SEED_ROWS },
  {
    name: 'mixed LF, CRLF and CR line endings',
    csv: `${HEADER}\n${row({ subcategory: 'a' })}\r\n${row({ subcategory: 'b' })}\r${row({ subcategory: 'c' })}`,
    expected: [],
    rows: [{ subcategory: 'a', source: { file: CONFIG_CASE_FILE, line: 2 } }, { subcategory: 'b', source: { file: CONFIG_CASE_FILE, line: 3 } }, { subcategory: 'c', source: { file: CONFIG_CASE_FILE, line: 4 } }],
  },
  {
    name: 'columns in another order',
    csv: lines(
      'is_active,dest_table,dest_schema,dest_catalog,has_header,delimiter,file_format,source_path,file_pattern,subcategory,category,lob',
      'false,credit_raw,falcon_bronze,dev_catalog,true,|,delimited,/data/in,*.txt,credit,transactions,falcon',
    ),
    expected: [],
    rows: [{ lob: 'falcon', subcategory: 'credit', delimiter: '|', sourcePath: '/data/in/', isActive: false, destTable: 'credit_raw' }],
  },
  {
    name: 'blank lines, whitespace-only lines, an Excel row of commas and spaces around values',
    csv: lines('', HEADER, '', '   ', ` falcon , transactions ,credit, transactions_*.csv ,/data/x, delimited ,";", TRUE ,dev_catalog,falcon_bronze,credit_raw, `, ',,,,,,,,,,,', ''),
    expected: [],
    rows: [{ lob: 'falcon', filePattern: 'transactions_*.csv', sourcePath: '/data/x/', fileFormat: 'delimited', delimiter: ';', hasHeader: true, isActive: true, source: { file: CONFIG_CASE_FILE, line: 5 } }],
  },
  {
    name: 'a tab delimiter written as a tab, \\t or tab',
    csv: lines(HEADER, row({ subcategory: 'a', delimiter: '\t' }), row({ subcategory: 'b', delimiter: '\\t' }), row({ subcategory: 'c', delimiter: 'TAB' })),
    expected: [],
    rows: [{ delimiter: '\t' }, { delimiter: '\t' }, { delimiter: '\t' }],
  },
  {
    name: 'a space delimiter survives trimming; parquet has_header and is_active may be empty',
    csv: lines(HEADER, row({ delimiter: ' ', is_active: '' }), parquetRow({ has_header: '', is_active: 'False' })),
    expected: [],
    rows: [
      { delimiter: ' ', isActive: true },
      { delimiter: null, hasHeader: false, isActive: false },
    ],
  },
  {
    name: 'two rows writing one table with the same format',
    csv: lines(HEADER, row({ subcategory: 'a' }), row({ subcategory: 'b', delimiter: '|' })),
    expected: [],
    rows: [{ subcategory: 'a', destTable: 'credit_raw' }, { subcategory: 'b', destTable: 'credit_raw' }],
  },
  {
    name: 'placeholders anywhere in a value, including a literal $',
    csv: lines(HEADER, row({ source_path: 'abfss://raw@${account}.dfs.core.windows.net/${lob}/$logs', dest_schema: '${lob}_bronze' })),
    variables: { account: 'storage', lob: 'falcon' },
    expected: [],
    rows: [{ sourcePath: 'abfss://raw@storage.dfs.core.windows.net/falcon/$logs/', destSchema: 'falcon_bronze' }],
  },

  // --- the file as a whole ---
  {
    name: 'empty file',
    csv: '',
    expected: [at(1, `empty config: expected a header with the columns ${HEADER}`)],
  },
  {
    name: 'file of whitespace only',
    csv: '  \n\t\r\n\n',
    expected: [at(1, `empty config: expected a header with the columns ${HEADER}`)],
  },
  { name: 'header only', csv: lines(HEADER), expected: [at(1, 'no config rows: the header is not followed by any row')] },
  {
    name: 'header only, after blank lines',
    csv: lines('', '', HEADER, ''),
    expected: [at(3, 'no config rows: the header is not followed by any row')],
  },
  {
    name: 'UTF-16 file',
    csv: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines(HEADER, row()), 'utf16le')]),
    expected: [at(1, 'the file is UTF-16 encoded: save it as UTF-8')],
  },
  {
    name: 'invalid UTF-8 bytes (Latin-1 text) on one line, reported with the other issues',
    csv: Buffer.concat([
      Buffer.from(lines(HEADER, row({ is_active: 'nope' }))),
      Buffer.from(lines(row({ subcategory: 'debit', dest_table: 'café_raw' })), 'latin1'),
      Buffer.from(lines(row({ subcategory: 'cash', dest_table: '1raw' }))),
    ]),
    expected: [
      at(2, 'is_active: expected true or false, got "nope"'),
      at(3, 'invalid UTF-8 bytes: save the file as UTF-8'),
      at(4, `dest_table: "1raw" ${IDENTIFIER_RULE}`),
    ],
  },

  // --- the header ---
  {
    name: 'missing column',
    csv: lines(HEADER.replace(',is_active', ''), row().replace(/,true$/, '')),
    expected: [at(1, 'missing column "is_active"')],
  },
  {
    name: 'unknown column',
    csv: lines(`${HEADER},owner`, `${row()},team-a`),
    expected: [at(1, 'unknown column "owner"')],
  },
  {
    name: 'column name in the wrong case',
    csv: lines(HEADER.replace('lob', 'LOB'), row()),
    expected: [at(1, 'unknown column "LOB" (did you mean "lob"?)'), at(1, 'missing column "lob"')],
  },
  {
    name: 'duplicate header name',
    csv: lines(`${HEADER},lob`, `${row()},falcon`),
    expected: [at(1, 'duplicate column "lob" (also column 1)')],
  },
  {
    name: 'trailing comma in the header',
    csv: lines(`${HEADER},`, `${row()},`),
    expected: [at(1, 'column 13 of the header has no name')],
  },
  {
    name: 'semicolon-separated config',
    csv: lines(HEADER.replaceAll(',', ';'), row().replaceAll(',', ';')),
    expected: [at(1, `the header is one column "${HEADER.replaceAll(',', ';')}": the config must be comma-separated (${HEADER})`)],
  },
  {
    name: 'missing column and a bad value: rows are still checked on the columns present',
    csv: lines(HEADER.replace('has_header,', ''), row().replace(',true,dev_catalog', ',dev_catalog').replace(',delimited,', ',csv,')),
    expected: [at(1, 'missing column "has_header"'), at(2, 'file_format: expected delimited or parquet, got "csv"')],
  },

  // --- CSV structure ---
  {
    name: 'unquoted comma delimiter: one field too many',
    csv: lines(HEADER, row().replace('","', ',')),
    expected: [at(2, 'expected 12 fields, got 13 (quote a value that contains a comma)')],
  },
  {
    name: 'a field too few',
    csv: lines(HEADER, row().replace(',true,dev_catalog', ',dev_catalog')),
    expected: [at(2, 'expected 12 fields, got 11')],
  },
  {
    name: 'unterminated quote: reported on the line the quote opens, with the rows before it',
    // `|` delimiters: a quoted "," later in the file would close the open quote and open another.
    csv: lines(HEADER, row({ is_active: 'maybe' }), row({ subcategory: 'debit', delimiter: '|' }).replace(',debit,', ',debit,"'), row({ subcategory: 'other', delimiter: '|' })),
    expected: [at(2, 'is_active: expected true or false, got "maybe"'), at(3, 'file_pattern: unterminated quoted field: the quote opened on this line is never closed')],
  },
  {
    name: 'unterminated quote in the header',
    csv: lines(HEADER.replace('lob', '"lob'), row({ delimiter: '|' })),
    expected: [at(1, 'unterminated quoted field: the quote opened on this line is never closed')],
  },
  {
    name: 'line numbers after a quoted value spanning lines (LF)',
    csv: lines(HEADER, row({ subcategory: 'cre\ndit' }), row({ subcategory: 'debit', has_header: 'yes' })),
    expected: [at(2, 'subcategory: "cre\\ndit" contains a control character (a line break, tab or NUL)'), at(4, 'has_header: expected true or false, got "yes"')],
  },
  {
    name: 'line numbers after a quoted value spanning lines (CRLF)',
    csv: lines(HEADER, row({ subcategory: 'cre\r\n\r\ndit' }), '', row({ subcategory: 'debit', has_header: 'yes' })).replaceAll(/(?<!\r)\n/g, '\r\n'),
    expected: [at(2, 'subcategory: "cre\\r\\n\\r\\ndit" contains a control character (a line break, tab or NUL)'), at(6, 'has_header: expected true or false, got "yes"')],
  },
  {
    name: 'line numbers with CR-only line endings',
    csv: [HEADER, '', row({ is_active: 'y' }), row({ subcategory: 'debit', is_active: 'n' })].join('\r'),
    expected: [at(3, 'is_active: expected true or false, got "y"'), at(4, 'is_active: expected true or false, got "n"')],
  },
  {
    name: 'NUL character in a value',
    csv: lines(HEADER, row({ dest_table: 'raw\u0000' })),
    expected: [at(2, 'dest_table: "raw\\u0000" contains a control character (a line break, tab or NUL)')],
  },

  // --- values ---
  {
    name: 'missing required value',
    csv: lines(HEADER, row({ dest_table: '' })),
    expected: [at(2, 'dest_table: a value is required')],
  },
  {
    name: 'required values of whitespace only',
    csv: lines(HEADER, row({ lob: '   ', source_path: ' ' })),
    expected: [at(2, 'lob: a value is required'), at(2, 'source_path: a value is required')],
  },
  {
    name: 'bad file_format',
    csv: lines(HEADER, row({ file_format: 'CSV' })),
    expected: [at(2, 'file_format: expected delimited or parquet, got "CSV"')],
  },
  {
    name: 'bad boolean in has_header',
    csv: lines(HEADER, row({ has_header: 'yes' })),
    expected: [at(2, 'has_header: expected true or false, got "yes"')],
  },
  {
    name: 'bad boolean in is_active',
    csv: lines(HEADER, row({ is_active: '1' })),
    expected: [at(2, 'is_active: expected true or false, got "1"')],
  },
  {
    name: 'has_header empty for delimited',
    csv: lines(HEADER, row({ has_header: '' })),
    expected: [at(2, 'has_header: a value is required for delimited files: true or false')],
  },
  {
    name: 'has_header true for parquet',
    csv: lines(HEADER, parquetRow({ has_header: 'true' })),
    expected: [at(2, 'has_header: must be false or empty for parquet files (parquet has no header row)')],
  },
  {
    name: 'delimiter missing for delimited',
    csv: lines(HEADER, row({ delimiter: '' })),
    expected: [at(2, 'delimiter: a value is required for delimited files (e.g. "," or "|" or \\t)')],
  },
  {
    name: 'delimiter set for parquet',
    csv: lines(HEADER, parquetRow({ delimiter: ',' })),
    expected: [at(2, 'delimiter: must be empty for parquet files, got ","')],
  },
  {
    name: 'two-character delimiter',
    csv: lines(HEADER, row({ delimiter: '||' })),
    expected: [at(2, 'delimiter: expected one character (or \\t or tab for a tab), got "||"')],
  },
  {
    name: 'letter as delimiter',
    csv: lines(HEADER, row({ delimiter: 'x' })),
    expected: [at(2, 'delimiter: "x" cannot be a delimiter (letters, digits, the quote and control characters other than tab are not allowed)')],
  },
  {
    name: 'quote character as delimiter',
    csv: lines(HEADER, row({ delimiter: '"' })),
    expected: [at(2, 'delimiter: "\\"" cannot be a delimiter (letters, digits, the quote and control characters other than tab are not allowed)')],
  },
  {
    name: 'file_pattern with a slash',
    csv: lines(HEADER, row({ file_pattern: 'credit/transactions_*.csv' })),
    expected: [at(2, 'file_pattern: "credit/transactions_*.csv" contains "/": file_pattern matches file names; put folders in source_path')],
  },
  {
    name: 'quoted value with spaces outside its quotes',
    csv: lines(HEADER, row().replace(',transactions_*.csv,', ', "transactions_*.csv" ,')),
    expected: [at(2, 'file_pattern: "\\"transactions_*.csv\\"" contains a double quote (a quoted value must have no spaces outside its quotes)')],
  },
  {
    name: 'relative source_path',
    csv: lines(HEADER, row({ source_path: 'data/falcon' })),
    expected: [at(2, 'source_path: "data/falcon" is not an absolute path or URL (expected /..., /Volumes/..., abfss://, s3://, gs://, dbfs:/ or file:/)')],
  },
  {
    name: 'Windows drive path is not a URL',
    csv: lines(HEADER, row({ source_path: 'C:/data/falcon' })),
    expected: [at(2, 'source_path: "C:/data/falcon" is not an absolute path or URL (expected /..., /Volumes/..., abfss://, s3://, gs://, dbfs:/ or file:/)')],
  },
  {
    name: 'wildcard in source_path',
    csv: lines(HEADER, row({ source_path: '/data/*/credit/' })),
    expected: [at(2, 'source_path: "/data/*/credit/" contains a wildcard: source_path is a folder; put patterns in file_pattern')],
  },
  // --- date-templated source paths (docs/config.md) ---
  {
    name: 'date templates: year/month/day folders, one date folder, hourly folders',
    csv: lines(
      HEADER,
      row({ subcategory: 'a', source_path: 'abfss://raw@acct.dfs.core.windows.net/falcon/credit/{yyyy}/{MM}/{dd}' }),
      row({ subcategory: 'b', source_path: '/data/credit/date={yyyy}-{MM}-{dd}/csv/' }),
      row({ subcategory: 'c', source_path: '/data/credit/{yyyy}{MM}{dd}/{HH}/' }),
    ),
    expected: [],
    rows: [
      { sourcePath: 'abfss://raw@acct.dfs.core.windows.net/falcon/credit/{yyyy}/{MM}/{dd}/' },
      { sourcePath: '/data/credit/date={yyyy}-{MM}-{dd}/csv/' },
      { sourcePath: '/data/credit/{yyyy}{MM}{dd}/{HH}/' },
    ],
  },
  {
    name: 'date templates: tokens out of order, unknown, twice, missing, in the account, a stray brace, as a placeholder, in file_pattern',
    csv: lines(
      HEADER,
      row({ subcategory: 'a', source_path: '/data/credit/{yyyy}/{dd}/{MM}/' }),
      row({ subcategory: 'b', source_path: '/data/credit/{YYYY}/{MM}/{dd}/' }),
      row({ subcategory: 'c', source_path: '/data/{yyyy}/credit/{yyyy}/{MM}/{dd}/' }),
      row({ subcategory: 'd', source_path: '/data/credit/{yyyy}/{MM}/' }),
      row({ subcategory: 'e', source_path: 'abfss://raw@{yyyy}.dfs.core.windows.net/{MM}/{dd}/' }),
      row({ subcategory: 'f', source_path: '/data/credit/{yyyy/{MM}/{dd}/' }),
      row({ subcategory: 'g', source_path: '/data/credit/${yyyy}/{MM}/{dd}/' }),
      row({ subcategory: 'h', file_pattern: 'credit_{yyyy}{MM}{dd}.csv' }),
      row({ subcategory: 'i', source_path: '/data/credit/{HH}/{yyyy}/{MM}/{dd}/' }),
    ),
    expected: [
      at(2, 'source_path: "/data/credit/{yyyy}/{dd}/{MM}/": date tokens must run year, month, day ({yyyy} {MM} {dd}), got {yyyy} {dd} {MM}'),
      at(3, 'source_path: "/data/credit/{YYYY}/{MM}/{dd}/": {YYYY} is not a date token (did you mean {yyyy}?): a source path\'s folders may hold {yyyy}, {MM}, {dd} and {HH}'),
      at(4, 'source_path: "/data/{yyyy}/credit/{yyyy}/{MM}/{dd}/": {yyyy} appears twice: each date token may appear once'),
      at(5, 'source_path: "/data/credit/{yyyy}/{MM}/": a date template needs {yyyy}, {MM} and {dd} (missing {dd}): a file\'s date is its folder\'s day'),
      at(6, 'source_path: "abfss://raw@{yyyy}.dfs.core.windows.net/{MM}/{dd}/": date tokens belong in folder names, not in the scheme or the storage account'),
      at(7, 'source_path: "/data/credit/{yyyy/{MM}/{dd}/" has a { or } that is not part of a date token ({yyyy}, {MM}, {dd}, {HH})'),
      at(8, 'source_path: ${yyyy} is a placeholder, not a date token: write {yyyy} (without $) for a date folder'),
      at(9, 'file_pattern: "credit_{yyyy}{MM}{dd}.csv" holds a date token: date tokens go in source_path\'s folders (…/{yyyy}/{MM}/{dd}/), file_pattern matches file names'),
      at(10, 'source_path: "/data/credit/{HH}/{yyyy}/{MM}/{dd}/": date tokens must run year, month, day, hour ({yyyy} {MM} {dd} {HH}), got {HH} {yyyy} {MM} {dd}'),
    ],
  },
  {
    name: 'SQL in an identifier',
    csv: lines(HEADER, row({ dest_table: 'x;DROP TABLE y' })),
    expected: [at(2, `dest_table: "x;DROP TABLE y" ${IDENTIFIER_RULE}`)],
  },
  {
    name: 'quote and backtick in identifiers',
    csv: lines(HEADER, row({ dest_schema: 'bronze"x', dest_table: 'raw`' })),
    expected: [at(2, `dest_schema: "bronze\\"x" ${IDENTIFIER_RULE}`), at(2, `dest_table: "raw\`" ${IDENTIFIER_RULE}`)],
  },
  {
    name: 'identifier starting with a digit, and one with a dot',
    csv: lines(HEADER, row({ dest_catalog: '1catalog', dest_schema: 'falcon.bronze' })),
    expected: [at(2, `dest_catalog: "1catalog" ${IDENTIFIER_RULE}`), at(2, `dest_schema: "falcon.bronze" ${IDENTIFIER_RULE}`)],
  },
  {
    name: 'identifier longer than 255 characters',
    csv: lines(HEADER, row({ dest_table: 'x'.repeat(256) })),
    expected: [at(2, `dest_table: "${'x'.repeat(256)}" is longer than 255 characters`)],
  },
  {
    name: 'illegal lob, category and subcategory',
    csv: lines(HEADER, row({ lob: 'fal con', category: "o'brien", subcategory: 'a.b' })),
    expected: [
      at(2, 'lob: "fal con" is not a valid name (letters, digits, _ and -)'),
      at(2, 'category: "o\'brien" is not a valid name (letters, digits, _ and -)'),
      at(2, 'subcategory: "a.b" is not a valid name (letters, digits, _ and -)'),
    ],
  },

  // --- placeholders ---
  {
    name: 'unknown variable, no variables given',
    csv: lines(HEADER, row({ dest_catalog: '${catalog}' })),
    expected: [at(2, 'dest_catalog: unknown variable ${catalog}; no variables are defined')],
  },
  {
    name: 'unknown variable, others known',
    csv: lines(HEADER, row({ dest_catalog: '${env}_catalog' })),
    variables: { region: 'eu', catalog: 'dev_catalog' },
    expected: [at(2, 'dest_catalog: unknown variable ${env}; known variables: catalog, region')],
  },
  {
    name: 'prototype names are not variables',
    csv: lines(HEADER, row({ dest_catalog: '${constructor}' })),
    variables: { catalog: 'dev_catalog' },
    expected: [at(2, 'dest_catalog: unknown variable ${constructor}; known variables: catalog')],
  },
  {
    name: 'unterminated placeholder',
    csv: lines(HEADER, row({ dest_catalog: '${catalog' })),
    variables: { catalog: 'dev_catalog' },
    expected: [at(2, 'dest_catalog: unterminated placeholder "${catalog" (expected ${name})')],
  },
  {
    name: '$${...} is not an escape',
    csv: lines(HEADER, row({ dest_catalog: '$${catalog}' })),
    variables: { catalog: 'dev_catalog' },
    expected: [at(2, 'dest_catalog: "$${catalog}" is not supported: "$${" is not an escape, and a value cannot contain a literal "${"')],
  },
  {
    name: 'malformed placeholders',
    csv: lines(HEADER, row({ dest_schema: '${}', dest_table: '${my-table}' })),
    variables: { catalog: 'dev_catalog' },
    expected: [
      at(2, 'dest_schema: malformed placeholder "${}" (a variable name is letters, digits and _, not starting with a digit)'),
      at(2, 'dest_table: malformed placeholder "${my-table}" (a variable name is letters, digits and _, not starting with a digit)'),
    ],
  },
  {
    name: 'illegal identifier after substitution',
    csv: lines(HEADER, row({ dest_catalog: '${catalog}' })),
    variables: { catalog: 'dev-catalog' },
    expected: [at(2, `dest_catalog: "dev-catalog" ${IDENTIFIER_RULE} (from "\${catalog}")`)],
  },
  {
    name: 'a variable that injects SQL',
    csv: lines(HEADER, row({ dest_schema: '${schema}' })),
    variables: { schema: 'bronze; DROP SCHEMA gold' },
    expected: [at(2, `dest_schema: "bronze; DROP SCHEMA gold" ${IDENTIFIER_RULE} (from "\${schema}")`)],
  },

  // --- across rows ---
  {
    name: 'duplicate (lob, category, subcategory)',
    csv: lines(HEADER, row(), row({ dest_table: 'other_raw' })),
    expected: [at(3, 'duplicate (lob, category, subcategory) = (falcon, transactions, credit): already on line 2')],
  },
  {
    name: 'duplicate key found after substitution',
    csv: lines(HEADER, row({ subcategory: '${kind}' }), row({ subcategory: 'credit', dest_table: 'other_raw' })),
    variables: { kind: 'credit' },
    expected: [at(3, 'duplicate (lob, category, subcategory) = (falcon, transactions, credit): already on line 2')],
  },
  {
    name: 'same destination table with different formats',
    csv: lines(HEADER, row(), parquetRow({ dest_table: 'credit_raw' })),
    expected: [at(3, 'file_format: dev_catalog.falcon_bronze.credit_raw is loaded as parquet here but as delimited on line 2: a table takes one file_format')],
  },
  {
    name: 'same destination table in another case with different formats',
    csv: lines(HEADER, row(), parquetRow({ dest_schema: 'Falcon_Bronze', dest_table: 'CREDIT_RAW' })),
    expected: [at(3, 'file_format: dev_catalog.Falcon_Bronze.CREDIT_RAW is loaded as parquet here but as delimited on line 2: a table takes one file_format')],
  },

  // --- everything at once ---
  {
    name: 'several errors reported together in line order',
    csv: lines(
      HEADER,
      row({ file_format: 'json', dest_table: 'x;y' }),
      '',
      row({ subcategory: 'debit', delimiter: '' }),
      row({ subcategory: 'debit', dest_table: 'debit_raw' }),
      row({ subcategory: 'a,b' }).replace('"a,b"', 'a,b'),
      parquetRow({ dest_table: 'credit_raw', is_active: 'no', dest_catalog: '${nope}' }),
    ),
    variables: { catalog: 'dev_catalog' },
    expected: [
      at(2, 'file_format: expected delimited or parquet, got "json"'),
      at(2, `dest_table: "x;y" ${IDENTIFIER_RULE}`),
      at(4, 'delimiter: a value is required for delimited files (e.g. "," or "|" or \\t)'),
      at(5, 'duplicate (lob, category, subcategory) = (falcon, transactions, debit): already on line 4'),
      at(6, 'expected 12 fields, got 13 (quote a value that contains a comma)'),
      at(7, 'dest_catalog: unknown variable ${nope}; known variables: catalog'),
      at(7, 'is_active: expected true or false, got "no"'),
    ],
  },
];

import { readdirSync } from 'node:fs';
import { Command } from 'commander';
import { HubError, IDENTIFIER_PATTERN, sql, type Engine } from '@org/hub-core';
import { formatTable } from '../summary.js';
import { addEngineOptions, openContext, rowLimit, withEngine, type Context, type EngineFlags } from './context.js';

const READ_ONLY_START = /^(SELECT|WITH|SHOW|DESCRIBE|DESC)\b/i;
/** Words that make a statement write, outside strings and quoted names (a CTE can front an INSERT). */
const WRITE_WORDS = /\b(INSERT|UPDATE|DELETE|MERGE|COPY|CREATE|DROP|ALTER|TRUNCATE|ATTACH|DETACH|INSTALL|EXPORT|IMPORT|VACUUM|CHECKPOINT|OPTIMIZE|CALL|PRAGMA|GRANT|REVOKE)\b/i;

const SQL_EXAMPLES = `
Examples:
  $ deltalake-hub sql "SELECT _source_file, count(*) AS n FROM dev_catalog.falcon_bronze.credit_transactions_raw GROUP BY 1 ORDER BY 1"
  $ deltalake-hub sql "SHOW TABLES IN dev_catalog.falcon_bronze"
  $ deltalake-hub sql --engine spark --limit 5 --json "SELECT * FROM dev_catalog.bronze_metadata.load_tracker"

Only one read-only statement (SELECT, WITH ... SELECT, SHOW, DESCRIBE) is accepted; anything else
is refused before the engine is touched. The embedded engine opens the warehouse's catalog files
read-only, each under its catalog's name.

Exit codes:
  0  the query ran
  1  not one read-only statement, a missing warehouse or catalog, or the engine's error`;

/**
 * The one statement of `text` without its trailing semicolon, if it only reads; otherwise an error
 * that says why. Strings, quoted names and comments are skipped, so `';'` or `"update"` is fine.
 */
export function readOnlyStatement(text: string): string {
  const words: string[] = [];
  let statement = '';
  let semicolon = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === "'" || c === '"' || c === '`') {
      const end = closing(text, i, c);
      statement += text.slice(i, end + 1);
      words.push(' ');
      i = end;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
      words.push(' ');
      statement += ' ';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 1;
      words.push(' ');
      statement += ' ';
    } else if (c === ';') {
      if (semicolon === -1) semicolon = statement.length;
      statement += c;
      words.push(c);
    } else {
      if (semicolon !== -1 && c.trim() !== '') throw notReadOnly('one statement at a time: found more after the first ";"');
      statement += c;
      words.push(c);
    }
  }
  const body = (semicolon === -1 ? statement : statement.slice(0, semicolon)).trim();
  const plain = words.join('').replace(/;\s*$/, '').trim();
  if (body === '') throw notReadOnly('the query is empty');
  if (!READ_ONLY_START.test(plain)) throw notReadOnly(`it starts with ${JSON.stringify(plain.split(/\s+/)[0])}; only SELECT, WITH ... SELECT, SHOW and DESCRIBE are run`);
  const write = WRITE_WORDS.exec(plain);
  if (write) throw notReadOnly(`it contains ${write[1]?.toUpperCase()}, which writes or changes the session; only reads are run`);
  return body;
}

function closing(text: string, start: number, quote: string): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\' && quote !== '"') i++;
    else if (text[i] === quote) {
      if (text[i + 1] === quote) i++;
      else return i;
    }
  }
  throw notReadOnly(`a ${quote} opened at character ${start + 1} is never closed`);
}

function notReadOnly(why: string): HubError {
  return new HubError('QUERY_NOT_READ_ONLY', `not run: ${why}`);
}

/** The warehouse's catalogs, each attached read-only under its name, so `catalog.schema.table` reads the same as on Spark. */
async function attachWarehouse(ctx: Context, engine: Engine): Promise<string[]> {
  if (engine.name !== 'duckdb') return [];
  let names: string[];
  try {
    names = readdirSync(ctx.settings.warehouse).filter((f) => f.endsWith('.duckdb')).map((f) => f.slice(0, -'.duckdb'.length)).filter((n) => IDENTIFIER_PATTERN.test(n)).sort();
  } catch {
    names = [];
  }
  await engine.prepareCatalogs(names);
  return names;
}

export function addSqlCommand(program: Command): Command {
  return addEngineOptions(
    program
      .command('sql')
      .description('run one read-only query (SELECT, WITH, SHOW, DESCRIBE) and print its rows as an aligned table')
      .argument('<query>', 'the query, e.g. "SELECT * FROM dev_catalog.falcon_bronze.credit_transactions_raw"')
      .option('--limit <rows>', 'print at most this many rows, and say when there were more', rowLimit, 100)
      .addHelpText('after', SQL_EXAMPLES),
  ).action(async (query: string, flags: EngineFlags & { limit: number }) => {
    // Refused before the engine is opened: a write never reaches it.
    const statement = readOnlyStatement(query);
    const ctx = openContext(flags);
    const selects = /^(SELECT|WITH)\b/i.test(statement);
    const result = await withEngine(
      ctx,
      async (engine) => {
        const catalogs = await attachWarehouse(ctx, engine);
        // One row past the limit says whether there were more, without reading them all.
        const text = selects ? sql`SELECT * FROM (\n${sql.raw(statement)}\n) AS q LIMIT ${sql.int(flags.limit + 1)}` : sql.raw(statement);
        try {
          return await engine.query(text, { idempotent: true });
        } catch (error) {
          if (engine.name === 'duckdb' && /Catalog .* does not exist/i.test(String((error as Error).message))) {
            const holds = catalogs.length === 0 ? 'holds no catalog: run `deltalake-hub bronze run` first, or name the warehouse that holds the data with --warehouse or DELTALAKE_HUB_WAREHOUSE' : `holds: ${catalogs.join(', ')}`;
            throw new HubError('CATALOG_MISSING', `${(error as Error).message.split('\n')[0] ?? ''}; the warehouse ${ctx.settings.warehouse} ${holds}`);
          }
          throw error;
        }
      },
      { missingCatalog: 'error' },
    );
    const truncated = result.length > flags.limit;
    const rows = result.slice(0, flags.limit);
    const columns = rows[0] ? Object.keys(rows[0]) : [];
    if (ctx.json) {
      process.stdout.write(`${JSON.stringify({ columns, rows, rowCount: rows.length, truncated, limit: flags.limit }, jsonValue, 2)}\n`);
      return;
    }
    const footer = truncated ? `showing the first ${rows.length} rows; there are more (use --limit)` : `${rows.length} row(s)`;
    process.stdout.write(rows.length === 0 ? `${footer}\n` : `${formatTable(columns, rows)}\n${footer}\n`);
  });
}

/** BIGINTs print as numbers when exact, else as text; dates as ISO text. */
export function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  return value;
}

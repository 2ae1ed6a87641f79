import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabricksDialect, type CompiledStatement, type Engine, type Row } from '@org/hub-core';
// The hub's tokenizer (LineTracker) is the reference the text scan's SQL is held to (tests/databricks-sql.test.ts runs that SQL on Spark against it).
import { LineTracker, runBronze, type RunSummary } from '@org/hub-bronze';
import { createRecordingEngine } from '../recording/recording-engine.js';
import { maskLiterals } from '../recording/sql-text.js';

/**
 * A model of a Databricks SQL warehouse for recorded runs: it keeps the bronze tables' rows and
 * columns, the tracker, the config and the leases, and answers the statements the hub issues the
 * way the warehouse does where it matters to the hub (docs/engines.md):
 * - LIST reports a volume's files as `dbfs:/Volumes/...` and directories with size 0;
 * - `_metadata.file_path` has that scheme too, `_metadata.file_name` is the bare name;
 * - COPY INTO skips a file it loaded before unless `'force' = 'true'`;
 * - the text scan (`read_files(..., format => 'text')`) gives each file's first line, its line
 *   endings, its first invalid UTF-8 line and where a quote never closed opens, as the hub's
 *   tokenizer reads the file (`textScanOf`);
 * - Spark's CSV reader flags a record with the wrong field count only when every column is read
 *   (column pruning), and only against the schema it was given;
 * - a reconcile over a table without `_source_file` fails, as the warehouse's analyzer would.
 * A statement it does not know is an error, so a new statement shape gets a model, not a pass.
 */
export interface FileSpec {
  readonly name: string;
  /** Data records (lines after the header). */
  readonly rows: number;
  /** Columns in file order with their types (`string` for delimited files). */
  readonly columns: readonly (readonly [string, string])[];
  /** Delimited: the line (header = 1) of a record with one field too many. */
  readonly wideLine?: number | undefined;
  /** Delimited: the line where a quote opens and never closes. */
  readonly quoteLine?: number | undefined;
  /** Parquet: not a parquet file. */
  readonly corrupt?: boolean | undefined;
  /** Delimited: the file's bytes; without them the file is written from the fields above (`delimitedText`). */
  readonly content?: Buffer | undefined;
  readonly modifiedAt?: number | undefined;
}

interface BronzeRow {
  readonly sourceFile: string;
  readonly batchId: string;
}

interface BronzeTable {
  readonly columns: Map<string, string>;
  rows: BronzeRow[];
  /** Created or altered with `'delta.columnMapping.mode' = 'name'`: any column name; without it Delta refuses ` ,;{}()\n\t=`. */
  columnMapping: boolean;
}

/**
 * Unity Catalog's names: a statement's identifiers resolve without regard to case, and the catalog
 * stores them in lower case, which is what information_schema's text columns hold.
 */
class UnityCatalogTables extends Map<string, BronzeTable> {
  override get(name: string): BronzeTable | undefined {
    return super.get(name.toLowerCase());
  }
  override has(name: string): boolean {
    return super.has(name.toLowerCase());
  }
  override set(name: string, table: BronzeTable): this {
    return super.set(name.toLowerCase(), table);
  }
  override delete(name: string): boolean {
    return super.delete(name.toLowerCase());
  }
  /** A table by its name as stored, compared as information_schema compares text: exactly. */
  stored(name: string): BronzeTable | undefined {
    return [...this.entries()].find(([key]) => key === name)?.[1];
  }
}

/** What Delta says of a column name it cannot hold without column mapping. */
const INVALID_COLUMN_CHARACTERS = /[ ,;{}()\n\t=]/;

export interface TrackerRow {
  file_path: string;
  dest_table: string;
  source_path?: string | null;
  file_date?: string | null;
  load_status: string;
  batch_id: string;
  row_count: number;
  file_size: number | null;
  modification_time: number | null;
  error_message: string | null;
}

const NAME = '(`[^`]+`\\.`[^`]+`\\.`[^`]+`)';
const COLUMN_MAPPING = /'delta\.columnMapping\.mode' = 'name'/;

export class WarehouseModel {
  /** Configured folder (with trailing slash) → its files. */
  readonly folders = new Map<string, Map<string, FileSpec>>();
  readonly tables = new UnityCatalogTables();
  readonly tracker: TrackerRow[] = [];
  readonly copyHistory = new Set<string>();
  private configRows: Row[] = [];
  private readonly leases = new Map<string, string>();
  /** The next COPY INTO fails (a failed load). */
  failNextCopy = false;
  /** COPY INTO lands one row fewer per file than it read. */
  landShort = false;
  /** Folders whose LIST fails with the warehouse's error text (a principal without the privilege to list them). */
  readonly listErrors = new Map<string, string>();
  /** The next tracker write of a load's outcomes fails after its COPY INTO committed (the runner died there). */
  crashBeforeTracking = false;

  addFile(folder: string, file: FileSpec): void {
    const files = this.folders.get(folder) ?? new Map<string, FileSpec>();
    files.set(file.name, file);
    this.folders.set(folder, files);
  }

  /** The path the warehouse reports for a file: a volume gets the dbfs: scheme. */
  warehousePath(folder: string, name: string): string {
    return `${folder.startsWith('/Volumes/') ? 'dbfs:' : ''}${folder}${name}`;
  }

  /** Rows of a bronze table per `_source_file`. */
  rowsByFile(table: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const row of this.tables.get(table)?.rows ?? []) out.set(row.sourceFile, (out.get(row.sourceFile) ?? 0) + 1);
    return out;
  }

  readonly respond = (s: CompiledStatement): Row[] => {
    const text = s.sql;
    const param = (name: string | undefined) => {
      if (name === undefined || !(name in s.params)) throw new Error(`model: no value for :${name}`);
      return s.params[name];
    };
    const json = (schema: string) => {
      const match = new RegExp(`from_json\\(:(\\w+), '${schema}`).exec(text);
      return JSON.parse(String(param(match?.[1]))) as unknown[];
    };
    const rowsJson = () => json('array<struct<') as Record<string, unknown>[];
    const marker = (pattern: RegExp) => param(pattern.exec(text)?.[1]);
    let m: RegExpExecArray | null;

    if (/^CREATE SCHEMA/.test(text)) return [];
    if ((m = new RegExp(`^CREATE TABLE IF NOT EXISTS ${NAME}`).exec(text))) {
      const name = m[1] as string;
      if (!this.tables.has(name)) {
        const body = /\(([\s\S]*)\)/.exec(text.slice(m[0].length))?.[1] ?? '';
        const columns = new Map([...body.matchAll(/(?:^|,)\s*(\w+)\s+(STRING|BIGINT|TIMESTAMP|DATE|BOOLEAN|INT)\b/gim)].map((c) => [c[1] as string, (c[2] as string).toLowerCase()]));
        this.tables.set(name, { columns, rows: [], columnMapping: COLUMN_MAPPING.test(text) });
      }
      return [];
    }
    if ((m = new RegExp(`^ALTER TABLE ${NAME} SET TBLPROPERTIES \\(`).exec(text))) {
      const table = this.tables.get(m[1] as string);
      if (!table) throw new Error(`[TABLE_OR_VIEW_NOT_FOUND] ${m[1]}`);
      if (COLUMN_MAPPING.test(text)) table.columnMapping = true;
      return [];
    }
    if ((m = new RegExp(`^DESCRIBE ${NAME}$`).exec(text))) {
      const table = this.tables.get(m[1] as string);
      if (!table) throw new Error(`[TABLE_OR_VIEW_NOT_FOUND] ${m[1]}`);
      return [...table.columns].map(([col_name, data_type]) => ({ col_name, data_type }));
    }
    if (/^MERGE INTO \S+`file_config`/.test(text)) {
      this.configRows = rowsJson();
      return [];
    }
    if (/^SELECT lob, category, subcategory/.test(text)) return this.configRows.filter((r) => r['is_active'] === true);
    // An older hub's capitalised names (metadata/name-case.ts): counted in file_config, then brought to lower case everywhere.
    const names = () => new Set((JSON.parse(String(marker(/from_json\(:(\w+), 'array<string>'\)/))) as string[]).map(String));
    const qualified = (r: Row) => `${String(r['dest_catalog'])}.${String(r['dest_schema'])}.${String(r['dest_table'])}`;
    const capitalised = (name: string, wanted: Set<string>) => name !== name.toLowerCase() && wanted.has(name.toLowerCase());
    if (/^SELECT COUNT\(\*\) AS n FROM \S+`file_config` WHERE concat\(dest_catalog/.test(text)) {
      const wanted = names();
      return [{ n: this.configRows.filter((r) => capitalised(qualified(r), wanted)).length }];
    }
    if (/^UPDATE \S+`load_tracker` SET dest_table = lower\(dest_table\)/.test(text)) {
      const wanted = names();
      for (const t of this.tracker) if (capitalised(t.dest_table, wanted)) t.dest_table = t.dest_table.toLowerCase();
      return [];
    }
    if (/^UPDATE \S+`load_lease` SET dest_table = lower\(dest_table\)/.test(text)) {
      const wanted = names();
      for (const [table, runId] of [...this.leases]) {
        if (!capitalised(table, wanted)) continue;
        this.leases.delete(table);
        this.leases.set(table.toLowerCase(), runId);
      }
      return [];
    }
    if (/^UPDATE \S+`file_config` SET dest_catalog = lower\(dest_catalog\)/.test(text)) {
      const wanted = names();
      for (const r of this.configRows) {
        if (!capitalised(qualified(r), wanted)) continue;
        for (const c of ['dest_catalog', 'dest_schema', 'dest_table']) r[c] = String(r[c]).toLowerCase();
      }
      return [];
    }
    if (/^MERGE INTO \S+`load_lease`/.test(text)) {
      this.leases.set(String(marker(/SELECT :(\w+) AS dest_table/)), String(marker(/:(\w+) AS run_id/)));
      return [];
    }
    if (/^SELECT dest_table, run_id, holder, acquired_at, expires_at FROM \S+ WHERE dest_table/.test(text)) {
      const table = String(marker(/dest_table = :(\w+)/));
      const runId = this.leases.get(table);
      return runId === undefined ? [] : [{ dest_table: table, run_id: runId, holder: 'model:1', acquired_at: new Date(), expires_at: new Date(Date.now() + 3_600_000) }];
    }
    if (/^DELETE FROM \S+`load_tracker` WHERE dest_table = :\w+ AND load_status = 'LOADING'/.test(text)) {
      const dest = String(marker(/dest_table = :(\w+)/));
      const batch = /batch_id = :(\w+)/.test(text) ? String(marker(/batch_id = :(\w+)/)) : null;
      this.tracker.splice(0, this.tracker.length, ...this.tracker.filter((t) => !(t.dest_table === dest && t.load_status === 'LOADING' && (batch === null || t.batch_id === batch))));
      return [];
    }
    if (/^DELETE FROM \S+`load_lease`/.test(text)) {
      this.leases.delete(String(marker(/dest_table = :(\w+)/)));
      return [];
    }
    if ((m = /^SELECT 'untracked' AS kind, COUNT\(\*\) AS n FROM \(SELECT _source_file, _batch_id/.exec(text))) {
      const dest = String(marker(/t\.dest_table = :(\w+)/));
      const rows = this.tables.get(new RegExp(`FROM ${NAME} AS b`).exec(text)?.[1] as string)?.rows ?? [];
      const stale = this.tracker.filter((t) => t.dest_table === dest && t.load_status === 'SUCCESS' && Number(t.row_count) > 0 && !rows.some((r) => r.sourceFile === t.file_path && r.batchId === t.batch_id));
      return [
        { kind: 'untracked', n: this.untracked(text, dest).length },
        { kind: 'stale', n: stale.length },
        { kind: 'loading', n: this.tracker.filter((t) => t.dest_table === dest && t.load_status === 'LOADING').length },
      ];
    }
    if (/^INSERT INTO \S+`load_tracker` .*\nSELECT uuid\(\), COALESCE\(i\.lob, :\w+\), COALESCE\(i\.category, :\w+\), COALESCE\(i\.subcategory, :\w+\), regexp_extract/.test(text)) {
      const dest = String(marker(/t\.dest_table = :(\w+)/));
      for (const group of this.untracked(text, dest)) this.tracker.push({ file_path: group.file, dest_table: dest, load_status: 'SUCCESS', batch_id: group.batch, row_count: group.n, file_size: null, modification_time: null, error_message: 'recorded by reconcile' });
      return [];
    }
    if ((m = /^LIST '(.*)'$/.exec(text))) {
      const folder = unescapeLiteral(m[1] as string);
      const denied = this.listErrors.get(folder);
      if (denied !== undefined) throw new Error(denied);
      const files = this.folders.get(folder);
      const below = [...new Set([...this.folders.keys()].filter((f) => f.startsWith(folder) && f !== folder).map((f) => f.slice(folder.length).split('/')[0] as string))];
      if (!files && below.length === 0) throw new Error(`[PATH_NOT_FOUND] Path does not exist: ${folder}. SQLSTATE: 42K03`);
      const base = this.warehousePath(folder, '');
      // A subdirectory: size 0, no trailing slash (beside a flat folder's files, one whose name matches the pattern).
      return [
        ...[...(files?.values() ?? [])].map((f) => ({ path: base + f.name, name: f.name, size: fileSize(f), modification_time: f.modifiedAt ?? Date.UTC(2024, 2, 9) })),
        ...below.map((name) => ({ path: base + name, name, size: 0, modification_time: Date.UTC(2024, 2, 9) })),
        ...(files && below.length === 0 ? [{ path: `${base}transactions_20240309_archive`, name: 'transactions_20240309_archive', size: 0, modification_time: Date.UTC(2024, 2, 9) }] : []),
      ];
    }
    if (/^WITH c AS \(SELECT `file_path`, `file_size`, timestamp_millis\(`modification_time`\) AS `modification_time` FROM/.test(text)) {
      // The tracker lookup of listed files: each one's last SUCCESS row and its last QUARANTINED or FAILED row (rows in the order written).
      const listed = rowsJson();
      const dest = String(marker(/t\.dest_table = :(\w+)/));
      const every = /\nWHERE TRUE$/.test(text);
      const last = (path: string, success: boolean) => this.tracker.filter((t) => t.dest_table === dest && t.file_path === path && (success ? t.load_status === 'SUCCESS' : ['QUARANTINED', 'FAILED'].includes(t.load_status))).at(-1);
      return listed.flatMap((c) => {
        const path = String(c['file_path']);
        const t = last(path, true);
        const q = last(path, false);
        const changed = t !== undefined && ((t.file_size !== null && t.file_size !== Number(c['file_size'])) || (t.modification_time !== null && Math.abs(t.modification_time - Number(c['modification_time'])) >= 1000));
        if (!every && t !== undefined && !changed) return [];
        return [
          {
            file_path: path,
            loaded: t !== undefined,
            loaded_size: t?.file_size ?? null,
            loaded_modified_at: t?.modification_time == null ? null : new Date(t.modification_time),
            loaded_by: t?.batch_id ?? null,
            loaded_at: null,
            checked_status: q?.load_status ?? null,
            checked_size: q?.file_size ?? null,
            checked_modified_at: q?.modification_time == null ? null : new Date(q.modification_time),
            checked_by: q?.batch_id ?? null,
            checked_reason: q?.error_message ?? null,
            checked_at: null,
          },
        ];
      });
    }
    if (/^SELECT CAST\(file_date AS STRING\) AS file_date, COUNT\(DISTINCT file_path\) AS n/.test(text)) {
      // Loaded files per date outside the window, of one config row.
      const dest = String(marker(/dest_table = :(\w+)/));
      const source = String(marker(/source_path = :(\w+)/));
      const [begin, end] = [String(marker(/file_date < CAST\(:(\w+) AS DATE\)/)), String(marker(/file_date > CAST\(:(\w+) AS DATE\)/))];
      const byDate = new Map<string, string[]>();
      for (const t of this.tracker) {
        if (t.dest_table !== dest || t.source_path !== source || t.load_status !== 'SUCCESS' || !t.file_date || (t.file_date >= begin && t.file_date <= end)) continue;
        byDate.set(t.file_date, [...new Set([...(byDate.get(t.file_date) ?? []), t.file_path])].sort());
      }
      return [...byDate].map(([file_date, paths]) => ({ file_date, n: paths.length, first_path: paths[0], last_path: paths.at(-1) }));
    }
    if ((m = /information_schema`\.`(tables|columns)` WHERE table_schema = :(\w+) AND table_name = :(\w+)/.exec(text))) {
      const catalog = /FROM `([^`]+)`\.`information_schema`/.exec(text)?.[1] as string;
      const table = this.tables.stored(`\`${catalog.toLowerCase()}\`.\`${String(param(m[2]))}\`.\`${String(param(m[3]))}\``);
      if (m[1] === 'tables') return [{ n: table ? 1 : 0 }];
      return [...(table?.columns ?? [])].map(([column_name, full_data_type]) => ({ column_name, full_data_type }));
    }
    if (/^SELECT name, first_line, first_ending, utf8_line, mixed_line, mixed_ending, shift_line,/.test(text)) {
      if (!/read_files\('(?:[^'\\]|\\.)*', format => 'text', lineSep => '\\n'\)/.test(text)) throw new Error('model: the text scan must read lines split at LF');
      return this.globFiles(text).map(({ file }) => ({ name: file.name, ...textScanOf(delimitedText(file), ',') }));
    }
    if (/^SELECT name, COUNT\(\*\) AS row_count, COUNT_IF\(bad IS NOT NULL\)/.test(text)) {
      const schema = unescapeLiteral(/schema => '((?:[^'\\]|\\.)*)'/.exec(text)?.[1] ?? '');
      const width = schema.split(',').length - 1;
      // Column pruning: unless every column is read, the parser never sees a record's extra field.
      const allRead = new RegExp(`hash\\(${Array.from({ length: width }, () => '`[^`]+`').join(', ')}\\)`).test(text);
      const header = /header => 'true'/.test(text);
      return this.globFiles(text).map(({ file }) => {
        const read = readRecords(file, width, allRead, header);
        return { name: file.name, row_count: read.rows, bad_rows: read.bad === null ? 0 : 1, bad_record: read.bad?.record ?? null, bad_text: read.bad?.text ?? null, all_columns: 1 };
      });
    }
    if (/^SELECT _metadata\.file_name AS name, COUNT\(\*\) AS row_count, COUNT_IF\(_rescued_data IS NOT NULL\)/.test(text)) {
      const files = this.globFiles(text);
      const corrupt = files.find(({ file }) => file.corrupt);
      if (corrupt) throw new Error(`[FAILED_READ_FILE.NO_HINT] Error while reading file ${corrupt.path}. Could not read footer: not a Parquet file`);
      const hints = new Map([...unescapeLiteral(/schemaHints => '((?:[^'\\]|\\.)*)'/.exec(text)?.[1] ?? '').matchAll(/`([^`]+)` (\S+)/g)].map((h) => [h[1] as string, (h[2] as string).replace(/,$/, '')]));
      return files.map(({ file }) => {
        const clash = file.columns.find(([c, t]) => hints.has(c) && hints.get(c) !== t);
        return { name: file.name, row_count: file.rows, bad_rows: clash ? file.rows : 0, bad_text: clash ? JSON.stringify({ [clash[0]]: 'not-a-number', _file_path: 'x' }) : null };
      });
    }
    if ((m = new RegExp(`^COPY INTO ${NAME}\\nFROM \\(SELECT \\*, (.+) AS _source_file, '([^']*)' AS _batch_id, TIMESTAMP '([^']+)' AS _ingested_at FROM '((?:[^'\\\\]|\\\\.)*)'\\)`).exec(text))) {
      if (this.failNextCopy) {
        this.failNextCopy = false;
        throw new Error('[COPY_INTO_FAILED] simulated: the warehouse stopped during COPY INTO');
      }
      const table = this.tables.get(m[1] as string);
      if (!table) throw new Error(`[TABLE_OR_VIEW_NOT_FOUND] ${m[1]}`);
      const folder = unescapeLiteral(m[5] as string);
      const force = /'force' = 'true'/.test(text);
      const names = [...maskLiterals(/FILES = \((.*)\)/.exec(text)?.[1] ?? '').matchAll(/'/g)].length / 2;
      const listed = [...(/FILES = \((.*)\)\nFORMAT_OPTIONS/.exec(text)?.[1] ?? '').matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((n) => unescapeLiteral(n[1] as string));
      if (listed.length !== names) throw new Error('model: could not read the FILES list');
      for (const name of listed) {
        const file = this.folders.get(folder)?.get(name);
        if (!file) throw new Error(`[CLOUD_FILE_SOURCE_FILE_NOT_FOUND] ${folder}${name}`);
        const key = `${m[1]}\u0000${this.warehousePath(folder, name)}`;
        if (!force && this.copyHistory.has(key)) continue;
        this.copyHistory.add(key);
        const sourceFile = this.sourceFile(m[2] as string, folder, name);
        const invalid = file.columns.map(([c]) => c).filter((c) => !table.columns.has(c) && !table.columnMapping && INVALID_COLUMN_CHARACTERS.test(c));
        if (invalid.length > 0) {
          throw new Error(`[DELTA_INVALID_CHARACTERS_IN_COLUMN_NAMES] Found invalid character(s) among ' ,;{}()\\n\\t=' in the column names of your schema. Invalid column names: ${invalid.join(', ')}. Please use other characters and try again. Alternatively, enable Column Mapping to keep using these characters. SQLSTATE: 42K05`);
        }
        for (const [c, t] of file.columns) if (!table.columns.has(c)) table.columns.set(c, t);
        for (const c of ['_source_file', '_batch_id', '_ingested_at']) if (!table.columns.has(c)) table.columns.set(c, c === '_ingested_at' ? 'timestamp' : 'string');
        for (let i = 0; i < file.rows - (this.landShort ? 1 : 0); i++) table.rows.push({ sourceFile, batchId: m[3] as string });
      }
      return [];
    }
    if ((m = new RegExp(`^SELECT _source_file AS path, COUNT\\(\\*\\) AS n FROM ${NAME} WHERE _batch_id = :(\\w+) GROUP BY _source_file$`).exec(text))) {
      const batch = String(param(m[2]));
      const counts = new Map<string, number>();
      for (const row of this.tables.get(m[1] as string)?.rows ?? []) if (row.batchId === batch) counts.set(row.sourceFile, (counts.get(row.sourceFile) ?? 0) + 1);
      return [...counts].map(([path, n]) => ({ path, n }));
    }
    if ((m = new RegExp(`^MERGE INTO ${NAME} AS b\\nUSING .*\\nON b\\._source_file = s\\.file_path( AND b\\._batch_id = :(\\w+))?\\nWHEN MATCHED THEN DELETE$`).exec(text))) {
      const table = this.tables.get(m[1] as string);
      const paths = new Set(rowsJson().map((r) => String(r['file_path'])));
      const batch = m[3] === undefined ? null : String(param(m[3]));
      if (table) table.rows = table.rows.filter((r) => !(paths.has(r.sourceFile) && (batch === null || r.batchId === batch)));
      return [];
    }
    if (/^INSERT INTO \S+`load_tracker` .*\nSELECT uuid\(\), f\.lob/.test(text)) {
      const dest = String(marker(/f\.source_path, :(\w+), f\.load_status/));
      const batch = String(marker(/f\.load_status, CAST\(:\w+ AS TIMESTAMP\), :(\w+)/));
      if (this.crashBeforeTracking && rowsJson().some((r) => r['load_status'] !== 'LOADING')) {
        this.crashBeforeTracking = false;
        throw new Error('simulated: the runner died after COPY INTO, before the tracker write');
      }
      for (const r of rowsJson()) {
        this.tracker.push({
          file_path: String(r['file_path']),
          dest_table: dest,
          source_path: r['source_path'] === null ? null : String(r['source_path']),
          file_date: r['file_date'] === null || r['file_date'] === undefined ? null : String(r['file_date']),
          load_status: String(r['load_status']),
          batch_id: batch,
          row_count: Number(r['row_count']),
          file_size: r['file_size'] === null ? null : Number(r['file_size']),
          modification_time: r['modification_time'] === null ? null : Number(r['modification_time']),
          error_message: r['error_message'] === null ? null : String(r['error_message']),
        });
      }
      return [];
    }
    if (/^MERGE INTO \S+`load_tracker` AS t\nUSING \(SELECT s\.tracker_id/.test(text)) {
      // Reconcile: SUCCESS rows whose batch has no rows in bronze stop counting as loaded.
      const dest = String(marker(/s\.dest_table = :(\w+)/));
      const rows = this.tables.get(new RegExp(`FROM ${NAME}\\)`).exec(text)?.[1] as string)?.rows ?? [];
      for (const t of this.tracker) {
        if (t.dest_table === dest && t.load_status === 'SUCCESS' && Number(t.row_count) > 0 && !rows.some((r) => r.sourceFile === t.file_path && r.batchId === t.batch_id)) t.load_status = 'REPLACED';
      }
      return [];
    }
    if (/^MERGE INTO \S+`load_tracker` AS t\nUSING/.test(text)) {
      const paths = new Set(rowsJson().map((r) => String(r['file_path'])));
      const dest = String(marker(/t\.dest_table = :(\w+)/));
      const keep = String(marker(/t\.batch_id <> :(\w+)/));
      for (const t of this.tracker) if (t.dest_table === dest && t.load_status === 'SUCCESS' && t.batch_id !== keep && paths.has(t.file_path)) t.load_status = 'REPLACED';
      return [];
    }
    throw new Error(`model: unknown statement: ${text.slice(0, 160)}`);
  };

  /** The (file, batch) groups of a bronze table without a SUCCESS tracker row; the table must have the lineage column. */
  private untracked(text: string, dest: string): { file: string; batch: string; n: number }[] {
    const name = new RegExp(`FROM ${NAME} AS b`).exec(text)?.[1] as string;
    const table = this.tables.get(name);
    if (!table) throw new Error(`[TABLE_OR_VIEW_NOT_FOUND] The table or view ${name} cannot be found.`);
    if (!table.columns.has('_source_file')) {
      throw new Error('[UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `_source_file` cannot be resolved.');
    }
    const groups = new Map<string, { file: string; batch: string; n: number }>();
    for (const row of table.rows) {
      const tracked = this.tracker.some((t) => t.dest_table === dest && t.file_path === row.sourceFile && t.batch_id === row.batchId && t.load_status === 'SUCCESS');
      if (tracked) continue;
      const key = `${row.sourceFile}\u0000${row.batchId}`;
      const group = groups.get(key) ?? { file: row.sourceFile, batch: row.batchId, n: 0 };
      group.n += 1;
      groups.set(key, group);
    }
    return [...groups.values()];
  }

  /** What a row's `_source_file` expression evaluates to for one file. */
  private sourceFile(expression: string, folder: string, name: string): string {
    if (expression === '_metadata.file_path') return this.warehousePath(folder, name);
    const concat = /^concat\('((?:[^'\\]|\\.)*)', _metadata\.file_name\)$/.exec(expression);
    if (concat) return unescapeLiteral(concat[1] as string) + name;
    throw new Error(`model: unknown _source_file expression ${expression}`);
  }

  /** The files named by the glob of a `read_files` call: `dir/{a,b}` or `dir/a`, with escapes. */
  private globFiles(text: string): { file: FileSpec; path: string }[] {
    const glob = unescapeLiteral(/read_files\('((?:[^'\\]|\\.)*)'/.exec(text)?.[1] ?? '');
    const brace = glob.search(/(?<!\\)\{/);
    const folderGlob = brace >= 0 ? glob.slice(0, brace) : glob.slice(0, glob.lastIndexOf('/') + 1);
    const namesGlob = brace >= 0 ? glob.slice(brace + 1, -1) : glob.slice(folderGlob.length);
    const folder = unglob(folderGlob);
    const names = namesGlob.split(/(?<!\\),/).map(unglob);
    const files = this.folders.get(folder);
    return names.map((name) => {
      const file = files?.get(name);
      if (!file) throw new Error(`[PATH_NOT_FOUND] ${folder}${name}`);
      return { file, path: this.warehousePath(folder, name) };
    });
  }
}

function fileSize(file: FileSpec): number {
  return file.name.endsWith('.parquet') ? 20 + file.rows * 10 : delimitedText(file).length;
}

/** A delimited file's bytes: its content, or a header and `rows` records written from its fields (a wide record, a quote never closed). */
export function delimitedText(file: FileSpec): Buffer {
  if (file.content) return file.content;
  const lines = [file.columns.map(([c]) => c).join(',')];
  for (let line = 2; line <= file.rows + 1; line++) {
    const fields = file.columns.map((_, i) => `${i === 0 ? line - 1 : `v${line}`}`);
    if (line === file.wideLine) fields.push('extra');
    if (line === file.quoteLine) fields[fields.length - 1] = '"never closed';
    lines.push(fields.join(','));
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** A delimited file given by its bytes: its columns from its header, its rows as the CSV reader counts records. */
export function contentFile(name: string, content: Buffer): FileSpec {
  const [header, ...records] = csvRecords(content.toString('utf8'));
  return { name, content, rows: records.length, columns: (header?.fields ?? []).map((c) => [c, 'string'] as const) };
}

/** What the text scan gives for one file, worked out by the hub's tokenizer and the file's bytes: the columns of `textScan`'s result. */
export interface TextScanRow {
  readonly first_line: string;
  readonly first_ending: string | null;
  readonly utf8_line: number | null;
  readonly open_quote_line: number | null;
  readonly mixed_line: number | null;
  readonly mixed_ending: string | null;
  readonly shift_line: number | null;
}

export function textScanOf(content: Buffer, delimiter: string): TextScanRow {
  const lines: Buffer[] = [];
  for (let start = 0, i = 0; i <= content.length; i++) {
    const byte = content[i];
    if (i === content.length) {
      if (i > start) lines.push(content.subarray(start, i));
    } else if (byte === 0x0a || byte === 0x0d) {
      lines.push(content.subarray(start, i));
      if (byte === 0x0d && content[i + 1] === 0x0a) i++;
      start = i + 1;
    }
  }
  const valid = (line: Buffer) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(line);
      return true;
    } catch {
      return false;
    }
  };
  const tracker = new LineTracker(delimiter, { records: Array.from({ length: lines.length }, (_, i) => i + 1) });
  tracker.feed(content);
  tracker.end();
  const starts = new Set(tracker.recordLines.values());
  const shift = lines.findIndex((_, i) => !starts.has(i + 1));
  const utf8 = lines.findIndex((line) => !valid(line));
  return {
    first_line: (lines[0] ?? Buffer.alloc(0)).toString('utf8'),
    first_ending: tracker.firstLineEnding,
    utf8_line: utf8 < 0 ? null : utf8 + 1,
    open_quote_line: tracker.openQuoteLine,
    mixed_line: tracker.mixedEnding?.line ?? null,
    mixed_ending: tracker.mixedEnding?.ending ?? null,
    shift_line: shift < 0 ? null : shift + 1,
  };
}

/**
 * Rows and the first malformed record as Spark's CSV reader counts them with a schema of `width`
 * columns: records, not lines (a quoted field runs across line breaks), blank lines skipped.
 * Unless every column is read, only a record with too few fields is seen.
 */
function readRecords(file: FileSpec, width: number, allRead: boolean, header: boolean): { rows: number; bad: { record: number; text: string } | null } {
  if (!file.content) {
    const badLine = width !== file.columns.length ? 2 : allRead ? (file.wideLine ?? null) : null;
    return { rows: file.rows, bad: badLine === null ? null : { record: badLine - 1, text: 'x,y,extra' } };
  }
  const records = csvRecords(file.content.toString('utf8')).slice(header ? 1 : 0);
  const bad = records.findIndex((r) => r.fields.length < width || (allRead && r.fields.length > width));
  return { rows: records.length, bad: bad < 0 ? null : { record: bad + 1, text: records[bad]?.text ?? '' } };
}

/** RFC 4180 records of a comma-delimited text: each with its fields and its text; blank lines are no record. */
function csvRecords(text: string): { fields: string[]; text: string }[] {
  const out: { fields: string[]; text: string }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let start = 0;
  const endRecord = (end: number) => {
    if (end > start) out.push({ fields: [...fields, field], text: text.slice(start, end) });
    fields = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\r' || c === '\n') {
      endRecord(i);
      if (c === '\r' && text[i + 1] === '\n') i++;
      start = i + 1;
    } else field += c;
  }
  endRecord(text.length);
  return out;
}

/** Undoes the Spark literal function's escapes. */
export function unescapeLiteral(body: string): string {
  return body.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

function unglob(text: string): string {
  return text.replace(/\\(.)/g, '$1');
}

export const CONFIG_HEADER = 'lob,category,subcategory,file_pattern,source_path,file_format,delimiter,has_header,dest_catalog,dest_schema,dest_table,is_active';

/** One recorded scenario of the rendering matrix. */
export interface Scenario {
  readonly format: 'delimited' | 'parquet';
  readonly files: number;
  readonly configRows: number;
  readonly kind: 'first run' | 'forced reload' | 'after a failed load';
  readonly source: 'abfss' | 'volume';
}

export interface ExpectedFile {
  readonly path: string;
  readonly table: string;
  readonly status: 'SUCCESS' | 'QUARANTINED';
  readonly rows: number;
  readonly reason: RegExp | null;
}

export interface RecordedScenario {
  readonly scenario: Scenario;
  readonly runs: RunSummary[];
  readonly statements: CompiledStatement[];
  readonly model: WarehouseModel;
  readonly expected: ExpectedFile[];
}

export const SOURCES = {
  abfss: 'abfss://raw@acct.dfs.core.windows.net/falcon/',
  volume: '/Volumes/dev/raw/landing/falcon/',
} as const;

/** The rendering matrix: csv and parquet, 1, 15, 300 and 1500 files, 1 and 30 config rows, each kind of run. */
export function scenarioMatrix(): Scenario[] {
  const out: Scenario[] = [];
  for (const format of ['delimited', 'parquet'] as const) {
    for (const files of [1, 15, 300, 1500]) {
      for (const configRows of [1, 30]) {
        for (const kind of ['first run', 'forced reload', 'after a failed load'] as const) {
          out.push({ format, files, configRows, kind, source: (files + configRows) % 2 === 0 ? 'abfss' : 'volume' });
        }
      }
    }
  }
  return out;
}

/**
 * The files of a scenario and what each must become, worked out from the scenario alone: every
 * tenth file from the eighth is too wide (delimited) and every tenth from the tenth has an
 * unterminated quote or is not parquet.
 */
export function populate(model: WarehouseModel, scenario: Scenario): { config: string; expected: ExpectedFile[] } {
  const ext = scenario.format === 'parquet' ? 'parquet' : 'csv';
  const expected: ExpectedFile[] = [];
  const lines: string[] = [];
  for (let k = 0; k < scenario.configRows; k++) {
    const folder = `${SOURCES[scenario.source]}s${k}/`;
    model.folders.set(folder, new Map());
    const format = scenario.format === 'parquet' ? 'parquet,,false' : 'delimited,",",true';
    lines.push(`falcon,transactions,s${k},transactions_*,${folder},${format},dev,falcon_bronze,raw_s${k},true`);
  }
  for (let i = 0; i < scenario.files; i++) {
    const k = i % scenario.configRows;
    const folder = `${SOURCES[scenario.source]}s${k}/`;
    const name = `transactions_202403${String(4 + (i % 6)).padStart(2, '0')}_${i}.${ext}`;
    const rows = 1 + (i % 4);
    const wide = scenario.format === 'delimited' && i % 10 === 7;
    const quote = scenario.format === 'delimited' && i % 10 === 9;
    const corrupt = scenario.format === 'parquet' && i % 10 === 9;
    const columns: [string, string][] = scenario.format === 'parquet' ? [['id', 'bigint'], ['amount', 'double']] : [['id', 'string'], ['amount', 'string']];
    model.addFile(folder, { name, rows, columns, wideLine: wide ? 2 : undefined, quoteLine: quote ? 2 : undefined, corrupt });
    const bad = wide || quote || corrupt;
    expected.push({
      path: folder + name,
      table: `\`dev\`.\`falcon_bronze\`.\`raw_s${k}\``,
      status: bad ? 'QUARANTINED' : 'SUCCESS',
      rows: bad ? 0 : rows,
      reason: wide ? /^line 2: malformed record \(wrong number of columns\)/ : quote ? /^line 2: unterminated quote: the quoted field that opens on this line is never closed$/ : corrupt ? /^not a readable parquet file: .*not a Parquet file/ : null,
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'dlh-dbx-'));
  const config = join(dir, 'config.csv');
  writeFileSync(config, `${CONFIG_HEADER}\n${lines.join('\n')}\n`);
  return { config, expected };
}

export function recordingWarehouse(model: WarehouseModel): { engine: Engine; statements: CompiledStatement[] } {
  return createRecordingEngine(new DatabricksDialect(), { respond: model.respond, capabilities: { localFilesOnly: false, copyInto: true } });
}

/** Runs a scenario against the model through a recording engine held to the warehouse's rules. */
export async function recordScenario(scenario: Scenario): Promise<RecordedScenario> {
  const model = new WarehouseModel();
  const { config, expected } = populate(model, scenario);
  const { engine, statements } = recordingWarehouse(model);
  const run = (n: number, force = false) => runBronze({ asOf: '2024-03-10', force }, { engine, configPath: config, variables: { catalog: 'dev' }, runId: `run-${n}` });
  const runs: RunSummary[] = [];
  if (scenario.kind === 'after a failed load') model.failNextCopy = true;
  runs.push(await run(1));
  if (scenario.kind === 'forced reload') runs.push(await run(2, true));
  if (scenario.kind === 'after a failed load') {
    model.failNextCopy = false;
    runs.push(await run(2));
  }
  return { scenario, runs, statements, model, expected };
}

import { createRequire } from 'node:module';
import type * as DuckDb from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBInstance, DuckDBResultReader, DuckDBValue } from '@duckdb/node-api';
import type { Driver, Row } from '../engine.js';
import type { CompiledStatement, SqlValue } from '../sql.js';
import { normalizeRow } from '../rows.js';

// Required, not imported: importing this CommonJS package from ESM makes Node scan its ~60 re-exported
// files for export names, about 170 ms of CPU on every CLI run (docs/performance.md, Start-up).
const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDb;

export class DuckDbDriver implements Driver {
  private readonly connection: DuckDBConnection;
  private readonly instance: DuckDBInstance;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.instance = instance;
    this.connection = connection;
  }

  static async open(options: Record<string, string>): Promise<DuckDbDriver> {
    const instance = await duckdb.DuckDBInstance.create(':memory:', options);
    const connection = await instance.connect();
    return new DuckDbDriver(instance, connection);
  }

  async execute(statement: CompiledStatement): Promise<Row[]> {
    const params = Object.entries(statement.params);
    const reader = params.length === 0 ? await this.connection.runAndReadAll(statement.sql) : await this.runBound(statement.sql, params);
    return reader.getRowObjectsJS().map((row) => normalizeRow(row as Row));
  }

  /** Like `runAndReadAll(sql, values)`, but binds by position: DuckDB finds a name by a linear scan, so 3,600 named parameters took 60 ms to bind. */
  private async runBound(text: string, params: readonly (readonly [string, SqlValue])[]): Promise<DuckDBResultReader> {
    const statements = await this.connection.extractStatements(text);
    for (let i = 0; i < statements.count - 1; i++) {
      const earlier = await statements.prepare(i);
      try {
        await earlier.run();
      } finally {
        earlier.destroySync();
      }
    }
    const prepared = await statements.prepare(statements.count - 1);
    try {
      const position = new Map<string, number>();
      for (let i = 1; i <= prepared.parameterCount; i++) position.set(prepared.parameterName(i), i);
      for (const [name, value] of params) prepared.bindValue(position.get(name) ?? prepared.parameterIndex(name), toDuckDb(value));
      return await prepared.runAndReadAll();
    } finally {
      prepared.destroySync();
    }
  }

  isRetryable(): boolean {
    // An in-process engine has no transient transport failures.
    return false;
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function toDuckDb(value: SqlValue): DuckDBValue {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  return value;
}

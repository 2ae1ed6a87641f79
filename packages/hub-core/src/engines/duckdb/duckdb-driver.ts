import { DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';
import type { Driver, Row } from '../engine.js';
import type { CompiledStatement, SqlValue } from '../sql.js';
import { normalizeRow } from '../rows.js';

export class DuckDbDriver implements Driver {
  private readonly connection: DuckDBConnection;
  private readonly instance: DuckDBInstance;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.instance = instance;
    this.connection = connection;
  }

  static async open(options: Record<string, string>): Promise<DuckDbDriver> {
    const instance = await DuckDBInstance.create(':memory:', options);
    const connection = await instance.connect();
    return new DuckDbDriver(instance, connection);
  }

  async execute(statement: CompiledStatement): Promise<Row[]> {
    const values: Record<string, DuckDBValue> = {};
    for (const [key, value] of Object.entries(statement.params)) values[key] = toDuckDb(value);
    const reader = await this.connection.runAndReadAll(statement.sql, Object.keys(values).length ? values : undefined);
    return reader.getRowObjectsJS().map((row) => normalizeRow(row as Row));
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

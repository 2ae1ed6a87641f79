import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, loadSettings, sql, type Engine } from '@org/hub-core';
import { sparkForTests, type SparkForTests } from '@org/hub-testing';
import { bronzeCountsOf, exactlyOnceProblems, tempDir, trackedOf, writeFile, type BronzeCounts, type ExpectedTable } from './support.js';

/** The shared Spark Thrift server (up, down when required but unreachable, or absent locally). */
export const spark: SparkForTests = await sparkForTests();

/** The server's port; a Spark case fails (never skips) when the server is required and down. */
export function sparkPort(): number {
  if (spark.state === 'up') return spark.port;
  throw spark.state === 'down' ? spark.error : new Error(spark.reason);
}

export async function openSpark(): Promise<Engine> {
  return createEngine('spark', { settings: loadSettings({ engine: 'spark', sparkPort: sparkPort() }) });
}

let catalogs = 0;
/** A catalog of this process's own (the server is shared by every helper and CI job), and the dataset's config pointed at it. */
export function freshCatalogConfig(config: string, catalog: string, prefix = 'rels'): { catalog: string; config: string } {
  const name = `${prefix}${process.pid}n${++catalogs}`;
  const text = readFileSync(config, 'utf8').replaceAll(`,${catalog},`, `,${name},`);
  return { catalog: name, config: writeFile(join(tempDir('cfg'), 'config.csv'), text) };
}

/** The exactly-once invariants (support.ts exactlyOnceProblems) of a Spark catalog, read through the shared server. */
export async function sparkConsistencyProblems(catalog: string, expected: readonly ExpectedTable[], schema = 'falcon_bronze'): Promise<string[]> {
  const engine = await openSpark();
  try {
    const tracker = await engine.query(
      sql`SELECT dest_table, file_path, CAST(row_count AS BIGINT) AS row_count FROM ${sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'load_tracker'))} WHERE load_status = 'SUCCESS'`,
    );
    const bronze = new Map<string, BronzeCounts>();
    for (const { table } of expected) {
      let rows: Record<string, unknown>[] = [];
      try {
        rows = await engine.query(
          sql`SELECT _source_file AS f, COUNT(*) AS n, COUNT(DISTINCT _batch_id) AS batches FROM ${sql.raw(engine.dialect.tableName(catalog, schema, table))} GROUP BY _source_file`,
        );
      } catch (error) {
        if (!/TABLE_OR_VIEW_NOT_FOUND/.test(String(error))) throw error;
      }
      bronze.set(table, bronzeCountsOf(rows));
    }
    return exactlyOnceProblems(catalog, schema, expected, bronze, trackedOf(tracker));
  } finally {
    await engine.close();
  }
}

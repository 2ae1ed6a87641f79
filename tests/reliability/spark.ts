import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, loadSettings, sql, type Engine } from '@org/hub-core';
import { sparkForTests, type SparkForTests } from '../support/spark.js';
import { tempDir, writeFile, type ExpectedTable } from './support.js';

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

/**
 * The exactly-once invariants of support.ts's consistencyProblems, read through Spark: per file
 * exactly one batch and its rows; nothing lost or extra; one SUCCESS tracker row per file whose
 * row_count equals the rows in bronze.
 */
export async function sparkConsistencyProblems(catalog: string, expected: readonly ExpectedTable[], schema = 'falcon_bronze'): Promise<string[]> {
  const engine = await openSpark();
  try {
    const problems: string[] = [];
    const tracker = await engine.query(
      sql`SELECT dest_table, file_path, CAST(row_count AS BIGINT) AS row_count FROM ${sql.raw(engine.dialect.tableName(catalog, 'bronze_metadata', 'load_tracker'))} WHERE load_status = 'SUCCESS'`,
    );
    for (const { table, files } of expected) {
      const dest = `${catalog}.${schema}.${table}`;
      let bronze: Record<string, unknown>[] = [];
      try {
        bronze = await engine.query(
          sql`SELECT _source_file AS f, COUNT(*) AS n, COUNT(DISTINCT _batch_id) AS batches FROM ${sql.raw(engine.dialect.tableName(catalog, schema, table))} GROUP BY _source_file`,
        );
      } catch (error) {
        if (!/TABLE_OR_VIEW_NOT_FOUND/.test(String(error))) throw error;
      }
      const inBronze = new Map(bronze.map((r) => [String(r['f']), { rows: Number(r['n']), batches: Number(r['batches']) }]));
      for (const [file, rows] of files) {
        const got = inBronze.get(file);
        if (!got) problems.push(`${dest}: lost ${file} (no rows in bronze)`);
        else {
          if (got.rows !== rows) problems.push(`${dest}: ${file} has ${got.rows} rows in bronze, the file has ${rows}`);
          if (got.batches !== 1) problems.push(`${dest}: ${file} was loaded by ${got.batches} batches`);
        }
      }
      for (const file of inBronze.keys()) if (!files.has(file)) problems.push(`${dest}: unexpected rows from ${file}`);
      const byFile = new Map<string, number[]>();
      for (const t of tracker.filter((r) => r['dest_table'] === dest)) byFile.set(String(t['file_path']), [...(byFile.get(String(t['file_path'])) ?? []), Number(t['row_count'])]);
      for (const [file, counts] of byFile) {
        if (counts.length !== 1) problems.push(`${dest}: ${file} has ${counts.length} SUCCESS tracker rows`);
        const got = inBronze.get(file);
        if (!got) problems.push(`${dest}: tracker says SUCCESS for ${file}, which has no rows in bronze`);
        else if (counts.some((c) => c !== got.rows)) problems.push(`${dest}: tracker row_count ${counts.join('/')} for ${file}, bronze has ${got.rows}`);
      }
      for (const file of inBronze.keys()) if (!byFile.has(file)) problems.push(`${dest}: ${file} is in bronze but has no SUCCESS tracker row`);
    }
    return problems;
  } finally {
    await engine.close();
  }
}

// The engine alone, as a user would script it: one Node process that opens a DuckDB file and runs
// DuckDB's own load of the files (INSERT ... SELECT FROM read_csv/read_parquet), nothing else.
// Spawned by the whole-process benchmark beside the hub's CLI, with the same @duckdb/node-api build.
import { DuckDBInstance } from '@duckdb/node-api';

const [format, glob, dbFile] = process.argv.slice(2);
if ((format !== 'csv' && format !== 'parquet') || !glob || !dbFile) {
  process.stderr.write('usage: node bench/dist/engine-load.js csv|parquet <glob> <database file>\n');
  process.exit(1);
}

const quoted = `'${glob.replaceAll("'", "''")}'`;
// The hub's read options for delimited files (every column a string), so both sides parse the same way.
const read = format === 'csv' ? `read_csv(${quoted}, delim = ',', quote = '"', escape = '"', header = true, all_varchar = true)` : `read_parquet(${quoted})`;
// The hub's one non-default DuckDB setting, so the comparison measures the hub, not a setting.
const instance = await DuckDBInstance.create(dbFile, { preserve_insertion_order: 'false' });
const connection = await instance.connect();
await connection.run('CREATE SCHEMA bench_bronze');
await connection.run(`CREATE TABLE bench_bronze.txn AS SELECT * FROM ${read} LIMIT 0`);
await connection.run(`INSERT INTO bench_bronze.txn SELECT * FROM ${read}`);
connection.closeSync();
instance.closeSync();

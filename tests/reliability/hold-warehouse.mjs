// Holds a warehouse catalog file the way a long bronze run does (DuckDB's single-writer file lock)
// until stdin closes. Usage: node hold-warehouse.mjs <file.duckdb>; prints "holding" once it holds it.
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
await connection.run(`ATTACH '${file.replaceAll("'", "''")}' AS held`);
process.stdout.write('holding\n');
process.stdin.resume();
process.stdin.on('end', () => {
  connection.closeSync();
  instance.closeSync();
  process.exit(0);
});

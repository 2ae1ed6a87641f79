// Runs many CLI invocations in one process through the CLI's own entry point (`main`, which the
// bin shim awaits), so a table of cases does not pay a process start each.
// Usage: node cli-batch.mjs <jobs.json> <results.json>; jobs: [{ cwd, args }]; results: [{ code, stdout, stderr }].
import { readFileSync, writeFileSync } from 'node:fs';
import { main } from '../../packages/deltalake-hub/dist/cli.js';

const jobs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = [];
const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
for (const job of jobs) {
  let stdout = '';
  let stderr = '';
  // Captures what the CLI prints itself; pino writes straight to fd 2 and is not captured (only log lines go there).
  process.stdout.write = (chunk) => ((stdout += String(chunk)), true);
  process.stderr.write = (chunk) => ((stderr += String(chunk)), true);
  process.chdir(job.cwd);
  let code;
  try {
    code = await main(['node', 'deltalake-hub', ...job.args]);
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
  results.push({ code, stdout, stderr });
}
writeFileSync(process.argv[3], JSON.stringify(results));

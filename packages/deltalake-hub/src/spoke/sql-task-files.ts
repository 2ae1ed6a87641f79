import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ConfigError } from '@org/hub-core';
import type { BundleJobs } from '../jobs/bundle-chain.js';
import { renderMarkers, splitSqlStatements, textSubstitutions } from '../transforms/run-sql-files.js';

type Report = (file: string, line: number, message: string) => void;

/** A stand-in value for each parameter: only the names matter to which markers a task passes. */
const STAND_IN = 'p';

/**
 * A SQL task's file reads its task's parameters as a Databricks SQL warehouse binds them: as
 * parameter markers (`:catalog`, `IDENTIFIER(:catalog || '.schema.table')`). `${catalog}` text
 * substitution is deprecated on Databricks SQL and fails with PARSE_SYNTAX_ERROR where it is off;
 * a marker the task does not pass fails with UNBOUND_SQL_PARAMETER. Both are reported at their line.
 */
export function checkSqlTaskFiles(root: string, jobs: BundleJobs | undefined, report: Report): void {
  if (!jobs) return;
  const seen = new Set<string>();
  for (const job of jobs.jobs.values()) {
    for (const task of job.tasks) {
      if (task.sqlPath === undefined) continue;
      const path = resolve(root, dirname(job.yaml.file), task.sqlPath);
      const key = `${path}\u0000${Object.keys(task.sqlParameters).sort().join(',')}`;
      if (!existsSync(path) || seen.has(key)) continue; // a missing file is reported where jobs are checked
      seen.add(key);
      const file = relative(root, path).split('\\').join('/');
      const parameters = Object.fromEntries(Object.keys(task.sqlParameters).map((name) => [name, STAND_IN]));
      for (const statement of splitSqlStatements(readFileSync(path, 'utf8'))) {
        for (const found of textSubstitutions(statement)) {
          const name = found.placeholder.slice(2, -1);
          const instead = name === 'catalog' ? "IDENTIFIER(:catalog || '.<schema>.<table>') for a name, :catalog for a value" : `:${name} (a parameter of the task) or IDENTIFIER(:${name} || '...') for a name`;
          report(file, found.line, `${found.placeholder} is text substitution, deprecated on Databricks SQL and a PARSE_SYNTAX_ERROR where it is off: write ${instead}`);
        }
        try {
          renderMarkers(statement, parameters, { dialect: { tableName: () => '', schemaName: () => '', literal: () => '' } }, join(job.key, task.key));
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          for (const issue of error.issues) report(file, issue.line, `${issue.message}: job ${job.key}, task ${task.key} (sql_task.parameters)`);
        }
      }
    }
  }
}

/**
 * A small spoke in a temporary folder, for the chain's tests: a bundle whose after-bronze job lists
 * gold before silver (gold depends on silver), a silver job whose two SQL tasks are listed in the
 * reverse of their `depends_on` order and which receives `begin_date`, a gold job, a config CSV and
 * two raw files. Test-only: in @org/hub-testing, never in the published package.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const MINI_RAW_PREFIX = 'abfss://raw@mini.dfs.core.windows.net/';

/** The raw files: name → rows of (id, amount). */
export const MINI_FILES: Readonly<Record<string, readonly (readonly [number, number])[]>> = {
  't_20240306.csv': [[1, 10], [2, 20]],
  't_20240307.csv': [[3, 5]],
};

const FILES: Record<string, string> = {
  'databricks.yml': `bundle:
  name: mini-spoke

include:
  - resources/*.yml

variables:
  catalog:
    description: the catalog
  warehouse_id:
    default: abc123
  on_partial_bronze:
    default: continue

targets:
  dev:
    default: true
    variables:
      catalog: mini_dev
  prod:
    variables:
      catalog: mini_prod
`,
  'resources/mini_transforms_job.yml': `resources:
  jobs:
    mini_transforms:
      name: "[Mini] [\${bundle.target}] Silver and gold after the bronze load"
      tags:
        deltalake-hub: after-bronze
      parameters:
        - name: category
          default: mini
        - name: subcategory
          default: ""
        - name: file_name
          default: ""
        - name: begin_date
          default: ""
        - name: end_date
          default: ""
      tasks:
        - task_key: gold
          depends_on: [{ task_key: silver }]
          run_job_task:
            job_id: \${resources.jobs.mini_gold.id}
        - task_key: silver
          run_job_task:
            job_id: \${resources.jobs.mini_silver.id}
            job_parameters:
              begin_date: "{{job.parameters.begin_date}}"
`,
  'resources/mini_silver_job.yml': `resources:
  jobs:
    mini_silver:
      name: "[Mini] [\${bundle.target}] Silver"
      parameters:
        - name: begin_date
          default: ""
      tasks:
        - task_key: silver_totals
          depends_on: [{ task_key: silver_rows }]
          sql_task:
            warehouse_id: \${var.warehouse_id}
            file:
              path: ../src/silver/totals.sql
            parameters:
              catalog: \${var.catalog}
        - task_key: silver_rows
          sql_task:
            warehouse_id: \${var.warehouse_id}
            file:
              path: ../src/silver/rows.sql
            parameters:
              catalog: \${var.catalog}
              deployed_to: "\${bundle.target}"
`,
  'resources/mini_gold_job.yml': `resources:
  jobs:
    mini_gold:
      name: "[Mini] [\${bundle.target}] Gold"
      tasks:
        - task_key: gold_summary
          sql_task:
            warehouse_id: \${var.warehouse_id}
            file:
              path: ../src/gold/summary.sql
            parameters:
              catalog: \${var.catalog}
`,
  'src/silver/rows.sql': `CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:catalog || '.mini_silver');
CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.mini_silver.rows') AS
SELECT CAST(id AS INTEGER) AS id, CAST(amount AS INTEGER) AS amount, _source_file FROM IDENTIFIER(:catalog || '.mini_bronze.t_raw');
`,
  'src/silver/totals.sql': `CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.mini_silver.totals') AS
SELECT _source_file, COUNT(*) AS n, SUM(amount) AS total FROM IDENTIFIER(:catalog || '.mini_silver.rows') GROUP BY _source_file;
`,
  'src/gold/summary.sql': `CREATE SCHEMA IF NOT EXISTS IDENTIFIER(:catalog || '.mini_gold');
CREATE OR REPLACE TABLE IDENTIFIER(:catalog || '.mini_gold.summary') AS
SELECT COUNT(*) AS files, SUM(total) AS total FROM IDENTIFIER(:catalog || '.mini_silver.totals');
`,
  'configs/bronze/mini_config.csv': `lob,category,subcategory,file_pattern,source_path,file_format,delimiter,has_header,dest_catalog,dest_schema,dest_table,is_active
mini,txn,daily,t_*.csv,${MINI_RAW_PREFIX}mini/,delimited,",",true,\${catalog},mini_bronze,t_raw,true
`,
  'src/bronze/mini-bronze-runner.ts': `export const JOB_PARAMETERS = ['category', 'subcategory', 'file_name', 'begin_date', 'end_date'] as const;\n`,
  'package.json': `{\n  "name": "@org/spoke-mini",\n  "private": true,\n  "dependencies": {\n    "@org/deltalake-hub": "0.1.0"\n  }\n}\n`,
};

export interface MiniSpoke {
  readonly dir: string;
  /** The folder standing for MINI_RAW_PREFIX. */
  readonly raw: string;
  write(relative: string, text: string): void;
  edit(relative: string, change: (text: string) => string): void;
  /** 1-based line of the first line holding `needle`. */
  lineOf(relative: string, needle: string): number;
}

export function writeMiniSpoke(): MiniSpoke {
  const dir = mkdtempSync(join(tmpdir(), 'mini-spoke-'));
  const write = (relative: string, text: string) => {
    mkdirSync(dirname(join(dir, relative)), { recursive: true });
    writeFileSync(join(dir, relative), text);
  };
  for (const [file, text] of Object.entries(FILES)) write(file, text);
  for (const [name, rows] of Object.entries(MINI_FILES)) write(`raw/mini/${name}`, `id,amount\n${rows.map((r) => r.join(',')).join('\n')}\n`);
  return {
    dir,
    raw: join(dir, 'raw'),
    write,
    edit: (relative, change) => write(relative, change(readFileSync(join(dir, relative), 'utf8'))),
    lineOf: (relative, needle) => {
      const index = readFileSync(join(dir, relative), 'utf8').split('\n').findIndex((l) => l.includes(needle));
      if (index < 0) throw new Error(`${needle} not in ${relative}`);
      return index + 1;
    },
  };
}

// docs/bronze.md's Quarantine table says, per engine, what happens to each kind of bad file. Where
// an engine cannot see a fact (Databricks' LIST shows no empty file), that is the loader's Sight,
// and the table must say the same: this test reads both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loaderFor, type Sight } from '@org/hub-bronze';
import { ENGINE_CAPABILITIES, type EngineName } from '@org/hub-core';

const DOC = readFileSync(join(import.meta.dirname, '..', 'docs', 'bronze.md'), 'utf8');
const COLUMNS: Record<EngineName, number> = { duckdb: 1, spark: 2, databricks: 3 };

/** The Quarantine table's cells, by the start of the row's kind. */
function cell(kind: string, engine: EngineName): string {
  const table = DOC.slice(DOC.indexOf('## Quarantine'));
  const row = table.split('\n').find((line) => line.startsWith(`| ${kind}`));
  if (!row) throw new Error(`docs/bronze.md's Quarantine table has no row starting "${kind}"`);
  return (row.split(' | ')[COLUMNS[engine]] ?? '').trim();
}

/** What each sight must read as in the table. */
const SAYS: { readonly [K in keyof Sight]: (value: Sight[K], engine: EngineName) => void } = {
  emptyFiles: (value, engine) => {
    const text = cell('zero bytes', engine);
    if (value) expect(text, engine).toMatch(/zero bytes: the file is empty|^the same/);
    else expect(text, engine).toMatch(/^never seen/);
  },
  headerAgainstTable: (value, engine) => {
    const text = cell("none of the file's columns", engine);
    if (value) expect(text, engine).toMatch(/check the delimiter|^the same/);
    else expect(text, engine).toMatch(/^not checked/);
  },
  valueFit: (value, engine) => {
    const text = cell("a value the table's column type cannot hold", engine);
    if (value === 'every file') expect(text, engine).not.toMatch(/^parquet:/);
    else expect(text, engine).toMatch(/^parquet: /);
  },
  malformedAt: (value, engine) => {
    const text = cell('too many / too few columns', engine);
    if (value === 'line') expect(text, engine).not.toMatch(/record N/);
    else if (value === 'line until a multi-line record') expect(text, engine).toMatch(/past that `record N:/);
    else expect(text, engine).toMatch(/^`record N/);
  },
};

describe("docs/bronze.md's Quarantine table follows what each loader can see", () => {
  for (const engine of ['duckdb', 'spark', 'databricks'] as const) {
    it(engine, () => {
      const sight = loaderFor(engine).sight(ENGINE_CAPABILITIES[engine]);
      for (const key of Object.keys(SAYS) as (keyof Sight)[]) (SAYS[key] as (value: unknown, engine: EngineName) => void)(sight[key], engine);
    });
  }

  it('sees on Databricks less than where the hub reads the files itself', () => {
    expect(loaderFor('databricks').sight(ENGINE_CAPABILITIES.databricks)).toEqual({ emptyFiles: false, headerAgainstTable: false, valueFit: 'parquet only', malformedAt: 'line until a multi-line record' });
    expect(loaderFor('spark').sight({ ...ENGINE_CAPABILITIES.spark, localFilesOnly: false })).toMatchObject({ emptyFiles: false, malformedAt: 'record number' });
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDuckDbEngine } from '@org/hub-core';
import { REMOVED_BEFORE_INSERT, runBatch, type Batch, type FileOutcome } from './bad-data-batch.js';
import { KINDS, type Kind } from './bad-data-kinds.js';
import { openSpark, spark } from './spark.js';
import { REPO_ROOT, tempDir } from './support.js';

/**
 * Every bad-data kind on Spark + Delta against the embedded engine (the reference), in one
 * batched run per engine (bad-data-batch.ts): each broken file gets the same status and reason
 * on both engines, or the difference docs/engines.md states (its table "Bad data: where the
 * engines differ" is read here, so the docs and the engines cannot drift apart); the good files
 * load and no row of a broken file lands, on both.
 */
const SECTION = '### Bad data: where the engines differ';

/** What docs/engines.md says an engine gives a kind: the pattern its one tracker row matches. */
type Documented = RegExp;

/** The section's table: kind | DuckDB | Spark + Delta. A cell is a code span `STATUS: reason` (`<...>` stands for any text). */
function documentedDifferences(): Map<string, { duckdb: Documented; spark: Documented }> {
  const text = readFileSync(join(REPO_ROOT, 'docs', 'engines.md'), 'utf8');
  const start = text.indexOf(SECTION);
  if (start < 0) throw new Error(`docs/engines.md has no section "${SECTION}"`);
  const rows = text
    .slice(start)
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| kind '));
  const out = new Map<string, { duckdb: Documented; spark: Documented }>();
  const cell = (text: string): Documented => {
    const code = /`([^`]+)`/.exec(text);
    if (!code) throw new Error(`docs/engines.md, ${SECTION}: a cell is not a \`STATUS: reason\` code span: ${text}`);
    const parts = (code[1] as string).split(/<[^>]*>/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    return new RegExp(`^${parts.join('.*')}$`, 's');
  };
  for (const line of rows) {
    const cells = line.split(' | ').map((c) => c.replace(/^\|\s*|\s*\|$/g, ''));
    if (cells.length !== 3) break;
    out.set((cells[0] as string).trim(), { duckdb: cell(cells[1] as string), spark: cell(cells[2] as string) });
    if (!line.trimEnd().endsWith('|')) break;
  }
  return out;
}

function expectDocumented(outcome: FileOutcome, documented: Documented, engine: string): void {
  expect(outcome.tracked, `${engine}: one tracker row as documented`).toHaveLength(1);
  expect(outcome.tracked[0], `${engine}: the tracker row as docs/engines.md says`).toMatch(documented);
}

const CASES: readonly Pick<Kind, 'name' | 'format' | 'reason'>[] = [...KINDS, { name: REMOVED_BEFORE_INSERT, format: 'delimited', reason: /^could not read the file: ENOENT/ }];

describe.skipIf(spark.state === 'absent')('bad-data on spark', () => {
  let onDuck: Batch;
  let onSpark: Batch;
  const documented = documentedDifferences();

  beforeAll(async () => {
    const duck = await createDuckDbEngine({ warehouse: join(tempDir('bds'), 'warehouse'), lockTimeoutMs: 0 });
    onDuck = await runBatch(duck, 'bad').finally(() => duck.close());
    const engine = await openSpark();
    onSpark = await runBatch(engine, `relbd${process.pid}b`).finally(() => engine.close());
  }, 240_000);

  it('the documented differences name kinds of the batch', () => {
    expect([...documented.keys()].filter((name) => !CASES.some((c) => c.name === name))).toEqual([]);
    expect(documented.size).toBeGreaterThan(0);
  });

  it('on both engines the run is PARTIAL, the good files load, and no row of a broken file lands', () => {
    for (const [engine, batch] of [['duckdb', onDuck], ['spark', onSpark]] as const) {
      expect(batch.status, engine).toBe('PARTIAL');
      expect(batch.rows, `${engine}: rows per _source_file`).toEqual(batch.expectedRows);
      for (const [path, good] of batch.good) expect({ path, status: good.status, tracked: good.tracked }, engine).toEqual({ path, status: 'SUCCESS', tracked: ['SUCCESS: '] });
    }
  });

  it("'007' from a CSV into a BIGINT column loads as 7 on both engines (DuckDB's check: text need only fit the column's type)", () => {
    expect(onDuck.zeroSevenIds).toEqual(['7']);
    expect(onSpark.zeroSevenIds).toEqual(['7']);
  });

  for (const kind of CASES) {
    it(`${kind.format}: ${kind.name}: the same status and reason as on DuckDB, or the difference docs/engines.md states`, () => {
      const duck = onDuck.broken.get(kind.name) as FileOutcome;
      const sparkOutcome = onSpark.broken.get(kind.name) as FileOutcome;
      // The reference: what the DuckDB bad-data file asserts of the kind alone holds in company too.
      expect(duck.status, JSON.stringify(duck)).toBe('QUARANTINED');
      expect(duck.rows).toBe(0);
      expect(duck.reason).toMatch(kind.reason ?? /\S/);
      expect(duck.tracked).toEqual([`${duck.status}: ${duck.reason}`]);
      const differs = documented.get(kind.name);
      if (!differs) {
        expect({ status: sparkOutcome.status, rows: sparkOutcome.rows, reason: sparkOutcome.reason, tracked: sparkOutcome.tracked }).toEqual({ ...duck });
        return;
      }
      expectDocumented(duck, differs.duckdb, 'duckdb');
      expectDocumented(sparkOutcome, differs.spark, 'spark');
      // A documented difference that is gone is a stale row of the docs.
      expect(sparkOutcome.tracked, 'documented as different, but the engines now agree: update docs/engines.md').not.toEqual(duck.tracked);
      // Every documented row is a tracker row (Spark lists every file, empty ones included): the run's summary
      // reports the file with that row's status and reason, and none of its rows landed.
      expect({ status: sparkOutcome.status, rows: sparkOutcome.rows, tracked: sparkOutcome.tracked }).toEqual({ status: 'QUARANTINED', rows: 0, tracked: [`QUARANTINED: ${sparkOutcome.reason}`] });
    });
  }
});

import { join } from 'node:path';
import { runBronze, type Engine } from '@org/deltalake-hub';
import { AS_OF } from './data.js';
import { configRow } from './throughput.js';
import { log, timed, writeConfig } from './util.js';

export interface StatementsResult {
  /** Statements per run, keyed by the number of files loaded. */
  readonly counts: Record<string, number>;
  readonly seconds: Record<string, number>;
  /** Runs that did not load every file: the count is still reported, with why. */
  readonly incomplete: Record<string, { status: string; loaded: number; reason: string | null }>;
  readonly goal: string;
  readonly goalMet: boolean;
}

/** One run per folder size into a fresh catalog: the count must not depend on the number of files (docs/bronze.md, Statement budget). */
export async function statementCounts(
  engine: Engine,
  folders: ReadonlyMap<number, string>,
  catalogFor: (files: number) => string,
  configDir: string,
): Promise<StatementsResult> {
  const counts: Record<string, number> = {};
  const seconds: Record<string, number> = {};
  const incomplete: StatementsResult['incomplete'] = {};
  for (const [files, dir] of folders) {
    const catalog = catalogFor(files);
    const config = writeConfig(join(configDir, `${catalog}.csv`), [configRow('csv', dir, catalog, 'stmt_csv')]);
    const { value: summary, seconds: s } = await timed(() => runBronze({ asOf: AS_OF }, { engine, configPath: config }));
    if (summary.files.length !== files) throw new Error(`${engine.name}: ${files} files listed expected, the run saw ${summary.files.length}`);
    const loaded = summary.files.filter((f) => f.status === 'SUCCESS').length;
    counts[String(files)] = summary.statements;
    seconds[String(files)] = Math.round(s * 100) / 100;
    if (loaded !== files) {
      const reason = summary.files.find((f) => f.status !== 'SUCCESS')?.reason ?? null;
      incomplete[String(files)] = { status: summary.status, loaded, reason };
      log(`  ${engine.name} ${files} files: ${summary.statements} statements, ${s.toFixed(2)} s, but only ${loaded} loaded (${summary.status}: ${reason ?? ''})`);
    } else {
      log(`  ${engine.name} ${files} files: ${summary.statements} statements, ${s.toFixed(2)} s`);
    }
  }
  const values = Object.values(counts);
  return { counts, seconds, incomplete, goal: 'equal for every file count', goalMet: values.every((v) => v === values[0]) };
}

import { createRequire } from 'node:module';
import type * as Levenshtein from 'fastest-levenshtein';
import { ParameterError } from '@org/hub-core';
import type { Executor } from '../executor.js';
import type { RunContext } from './run-context.js';

/** fastest-levenshtein loads only when a named file is not found. */
let levenshtein: typeof Levenshtein | undefined;

/** How many of the names nearest a mistyped --file-name the error shows. */
export const CLOSEST_NAMES = 3;

/**
 * A --file-name that no selected folder holds: a parameter error (exit 1, as an unknown category),
 * naming the folders looked in and the names nearest it by edit distance; read only on this path.
 * A name that is there but that file_pattern does not take is said so.
 */
export async function namedFileNotFound(run: RunContext, executor: Executor, folders: readonly { readonly physical: string; readonly filePattern: string }[]): Promise<ParameterError> {
  const name = run.params.fileName as string;
  const { distance } = (levenshtein ??= createRequire(import.meta.url)('fastest-levenshtein') as typeof Levenshtein);
  const nearest: { name: string; distance: number }[] = [];
  let unmatched: { folder: string; filePattern: string } | null = null;
  for (const folder of folders) {
    await run.loader
      .eachEntry(executor, folder.physical, (entry) => {
        if (entry.folder) return;
        if (entry.name === name) unmatched ??= { folder: folder.physical, filePattern: folder.filePattern };
        nearest.push({ name: entry.name, distance: distance(entry.name, name) });
        nearest.sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        if (nearest.length > CLOSEST_NAMES) nearest.pop();
      })
      .catch(() => undefined);
  }
  const where = [...new Set(folders.map((f) => f.physical))];
  const looked = where.length === 1 ? `the source folder ${where[0]}` : `the ${where.length} selected folders (${where.slice(0, 3).join(', ')}${where.length > 3 ? ', ...' : ''})`;
  if (unmatched !== null) {
    const { folder, filePattern } = unmatched as { folder: string; filePattern: string };
    return new ParameterError('file_name', `${name} is in ${folder}, but its config row's file_pattern ${filePattern} does not match it`);
  }
  const others = nearest.filter((n) => n.name !== name);
  const hint = others.length === 0 ? 'they hold no file' : `the ${others.length === 1 ? 'closest name is' : `${others.length} closest names are`} ${others.map((n) => `${n.name} (edit distance ${n.distance})`).join(', ')}`;
  return new ParameterError('file_name', `no file named ${name} in ${looked}: ${hint}`);
}

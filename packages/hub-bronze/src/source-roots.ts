import { resolve } from 'node:path';
import { HubError } from '@org/hub-core';

export type SourceRoots = Readonly<Record<string, string>>;

/** Where a source path is read from: the logical path (as configured) and the path the engine opens. */
export interface SourceLocation {
  readonly logical: string;
  readonly physical: string;
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/{1,2}/i;

/** Parses `--source-root from=to` values. */
export function parseSourceRoots(values: readonly string[]): Record<string, string> {
  const roots: Record<string, string> = {};
  for (const value of values) {
    const at = value.lastIndexOf('=');
    if (at <= 0 || at === value.length - 1) {
      throw new HubError('PARAMETERS_INVALID', `--source-root ${JSON.stringify(value)}: expected <from>=<to>, e.g. abfss://raw@acct.dfs.core.windows.net/=./sample-data`);
    }
    roots[value.slice(0, at)] = value.slice(at + 1);
  }
  return roots;
}

/**
 * Engines that read local files need a cloud prefix mapped to a folder; the longest
 * matching prefix wins so that nested mappings behave as a team expects.
 */
export function locateSource(sourcePath: string, roots: SourceRoots, localFilesOnly: boolean): SourceLocation {
  const logical = sourcePath.endsWith('/') ? sourcePath : `${sourcePath}/`;
  const prefix = Object.keys(roots)
    .filter((from) => logical.startsWith(from.endsWith('/') ? from : `${from}/`) || logical === from)
    .sort((a, b) => b.length - a.length)[0];
  if (prefix !== undefined) {
    const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
    const target = resolve(roots[prefix] as string);
    return { logical, physical: `${target}/${logical.slice(base.length)}` };
  }
  if (!localFilesOnly) return { logical, physical: logical };
  if (logical.startsWith('file:')) return { logical, physical: `${resolve(decodeURIComponent(logical.replace(/^file:(\/\/)?/, '')))}/` };
  if (URL_LIKE.test(logical) || logical.startsWith('dbfs:')) {
    throw new HubError(
      'SOURCE_UNMAPPED',
      `source path ${logical} is not readable by this engine: map its prefix to a local folder with --source-root ${cloudPrefix(logical)}=<folder>`,
    );
  }
  return { logical, physical: `${resolve(logical)}/` };
}

function cloudPrefix(path: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/[^/]+\/)/i.exec(path);
  return match?.[1] ?? path;
}

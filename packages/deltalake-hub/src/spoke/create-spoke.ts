import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ParameterError } from '@org/hub-core';

export interface CreateSpokeOptions {
  /** The spoke's name: package `@org/spoke-<name>`, folder `spokes/<name>`, runner `<name>-bronze-runner.ts`. */
  readonly name: string;
  /** The line of business: the config's `lob`, schemas `<lob>_bronze`, job names `[<Lob>] ...`. */
  readonly lob: string;
  /** Where to create it; default `spokes/<name>` under the current directory. */
  readonly targetDir?: string | undefined;
  /** The `@org/deltalake-hub` version to pin, or `workspace:*`; default this hub's own version. */
  readonly hubVersion?: string | undefined;
}

export interface CreateSpokeResult {
  readonly dir: string;
  /** Files written, relative to `dir`. */
  readonly files: string[];
}

/** Shipped beside dist/ and src/ alike (package.json "files"), so this resolves from either. */
export const SPOKE_TEMPLATE_DIR = fileURLToPath(new URL('../../templates/spoke/', import.meta.url));

const NAME = /^[a-z][a-z0-9-]*$/;
/** A LOB becomes part of schema names and job keys, so it must be an identifier. */
const LOB = /^[a-z][a-z0-9_]*$/;
/** npm drops a package's .gitignore on publish, so the template stores it under another name. */
const RENAMES: Record<string, string> = { _gitignore: '.gitignore' };

/** `deltalake-hub spoke create <name> --lob <lob>`: a new spoke from the template, never over an existing one. */
export async function createSpoke(options: CreateSpokeOptions): Promise<CreateSpokeResult> {
  const { name, lob } = options;
  if (!NAME.test(name)) throw new ParameterError('name', `${JSON.stringify(name)} is not a spoke name: lowercase letters, digits and -, starting with a letter (e.g. eagle)`);
  if (!LOB.test(lob)) throw new ParameterError('lob', `${JSON.stringify(lob)} is not a LOB name: lowercase letters, digits and _, starting with a letter (e.g. eagle)`);
  const dir = resolve(options.targetDir ?? join('spokes', name));
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new ParameterError('targetDir', `${dir} already exists and is not empty: choose another name or --dir; nothing was written`);
  }
  const tokens: Record<string, string> = {
    __NAME_PASCAL__: name.split('-').map(capitalize).join(''),
    __LOB_TITLE__: capitalize(lob),
    __HUB_VERSION__: options.hubVersion ?? ownVersion(),
    __NAME__: name,
    __LOB__: lob,
  };
  const files: string[] = [];
  for (const templateFile of await listFiles(SPOKE_TEMPLATE_DIR)) {
    const rel = relative(SPOKE_TEMPLATE_DIR, templateFile).split('\\').join('/');
    const base = rel.split('/').pop() ?? rel;
    const renamed = RENAMES[base] ? rel.slice(0, rel.length - base.length) + RENAMES[base] : rel;
    const target = substitute(renamed, tokens);
    const content = substitute(await readFile(templateFile, 'utf8'), tokens);
    await mkdir(dirname(join(dir, target)), { recursive: true });
    // 'wx' fails rather than overwrite, should anything appear in the folder meanwhile.
    await writeFile(join(dir, target), content, { flag: 'wx' });
    files.push(target);
  }
  return { dir, files: files.sort() };
}

function substitute(text: string, tokens: Record<string, string>): string {
  let out = text;
  for (const [token, value] of Object.entries(tokens)) out = out.replaceAll(token, value);
  return out;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function ownVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '*';
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

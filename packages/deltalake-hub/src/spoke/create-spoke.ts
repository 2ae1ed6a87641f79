import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HUB_VERSION, HubError, ParameterError } from '@org/hub-core';

export interface CreateSpokeOptions {
  /** The spoke's name: package `@org/spoke-<name>`, folder `spokes/<name>`, runner `<name>-bronze-runner.ts`. */
  readonly name: string;
  /** The line of business: the config's `lob`, schemas `<lob>_bronze`, job names `[<Lob>] ...`. */
  readonly lob: string;
  /** Where to create it; default `spokes/<name>` under the current directory. */
  readonly targetDir?: string | undefined;
  /** The `@org/deltalake-hub` version to pin; default this hub's own version, exactly (`workspace:*` inside the hub's workspace). */
  readonly hubVersion?: string | undefined;
  /** The npm registry (feed) holding `@org` packages: written to the spoke's `.npmrc` as `@org:registry`. */
  readonly registry?: string | undefined;
}

export interface CreateSpokeResult {
  readonly dir: string;
  /** Files written, relative to `dir`. */
  readonly files: string[];
}

/**
 * templates/spoke/ of this package (package.json "files"): looked up from this module, which runs
 * from src/spoke/ (tests), from the bundle in dist/ (the CLI) or from an install under node_modules.
 */
export function spokeTemplateDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'templates', 'spoke');
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new HubError('ENGINE_ERROR', `cannot find templates/spoke/ of @org/deltalake-hub above ${fileURLToPath(import.meta.url)}; reinstall the package`);
}

const NAME = /^[a-z][a-z0-9-]*$/;
const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
/** A LOB becomes part of schema names and job keys, so it must be an identifier. */
const LOB = /^[a-z][a-z0-9_]*$/;
/** npm drops a package's .gitignore on publish, so the template stores it under another name. */
const RENAMES: Record<string, string> = { _gitignore: '.gitignore' };

/** `deltalake-hub spoke create <name> --lob <lob>`: a new spoke from the template, never over an existing one. */
export async function createSpoke(options: CreateSpokeOptions): Promise<CreateSpokeResult> {
  const { name, lob } = options;
  if (!NAME.test(name)) throw new ParameterError('name', `${JSON.stringify(name)} is not a spoke name: lowercase letters, digits and -, starting with a letter (e.g. eagle)`);
  if (!LOB.test(lob)) throw new ParameterError('lob', `${JSON.stringify(lob)} is not a LOB name: lowercase letters, digits and _, starting with a letter (e.g. eagle)`);
  const hubVersion = options.hubVersion ?? HUB_VERSION;
  if (hubVersion !== 'workspace:*' && !EXACT_VERSION.test(hubVersion)) {
    throw new ParameterError('hubVersion', `${JSON.stringify(hubVersion)} is not an exact version (e.g. 1.2.0): a spoke pins one hub version; nothing was written`);
  }
  const registry = options.registry === undefined ? undefined : registryUrl(options.registry);
  const dir = resolve(options.targetDir ?? join('spokes', name));
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    throw new ParameterError('targetDir', `${dir} already exists and is not empty: choose another name or --dir; nothing was written`);
  }
  const tokens: Record<string, string> = {
    __NAME_PASCAL__: name.split('-').map(capitalize).join(''),
    __LOB_TITLE__: capitalize(lob),
    __HUB_VERSION__: hubVersion,
    // The hub's pipeline templates are referenced at the tag of the pinned version (this hub's own in its workspace).
    __HUB_TAG__: `v${hubVersion === 'workspace:*' ? HUB_VERSION : hubVersion}`,
    __NAME__: name,
    __LOB__: lob,
  };
  const templateDir = spokeTemplateDir();
  const files: string[] = [];
  for (const templateFile of await listFiles(templateDir)) {
    const rel = relative(templateDir, templateFile).split('\\').join('/');
    const base = rel.split('/').pop() ?? rel;
    const renamed = RENAMES[base] ? rel.slice(0, rel.length - base.length) + RENAMES[base] : rel;
    const target = substitute(renamed, tokens);
    const content = substitute(await readFile(templateFile, 'utf8'), tokens);
    await mkdir(dirname(join(dir, target)), { recursive: true });
    // 'wx' fails rather than overwrite, should anything appear in the folder meanwhile.
    await writeFile(join(dir, target), content, { flag: 'wx' });
    files.push(target);
  }
  if (registry) {
    await writeFile(join(dir, '.npmrc'), `# @org packages (the hub) come from this registry; CI authenticates to it (npmAuthenticate, setup-node).\n@org:registry=${registry}\n`, { flag: 'wx' });
    files.push('.npmrc');
  }
  return { dir, files: files.sort() };
}

function registryUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ParameterError('registry', `${JSON.stringify(value)} is not a registry URL (e.g. https://pkgs.dev.azure.com/org/project/_packaging/feed/npm/registry/); nothing was written`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ParameterError('registry', `${value} is not an http(s) registry URL; nothing was written`);
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

function substitute(text: string, tokens: Record<string, string>): string {
  let out = text;
  for (const [token, value] of Object.entries(tokens)) out = out.replaceAll(token, value);
  return out;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
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

import type { LoadWindow } from './window.js';

/**
 * Date-templated source paths (docs/config.md): `…/credit/{yyyy}/{MM}/{dd}/` or
 * `…/credit/date={yyyy}-{MM}-{dd}/` (and `{HH}` after `{dd}` for hourly folders). A run lists
 * only the folders of its window's dates, found by walking the template's levels from its root:
 * each level's folders are listed only under a folder whose dates meet the window, so the folders
 * outside it are counted where they are first seen (a year, a month, a day), never entered.
 */

const TOKENS = ['yyyy', 'MM', 'dd', 'HH'] as const;
type Token = (typeof TOKENS)[number];
const WIDTH: Record<Token, number> = { yyyy: 4, MM: 2, dd: 2, HH: 2 };
const BRACES = /\{([^{}/]*)\}/g;

/** One folder level of a template: literal text, or text with date tokens (parsed from a folder's name by `pattern`). */
interface Level {
  readonly text: string;
  readonly tokens: readonly Token[];
  readonly pattern: RegExp | null;
}

export interface SourceTemplate {
  /** The path up to the first level with a token, ending with `/`. */
  readonly root: string;
  readonly levels: readonly Level[];
}

/** What a date folder's name gave: the tokens of it and its parents. */
type Partial = Readonly<Partial_>;
interface Partial_ {
  y?: number;
  M?: number;
  d?: number;
  H?: number;
}

/** Whether a source path holds date tokens. */
export function isTemplate(sourcePath: string): boolean {
  return TOKENS.some((t) => sourcePath.includes(`{${t}}`));
}

/** Why a source path's braces are not a valid date template, in words for the config's reader; null when valid (or without braces). */
export function templateProblem(sourcePath: string): string | null {
  const show = JSON.stringify(sourcePath);
  const found: { token: Token; at: number }[] = [];
  for (const match of sourcePath.matchAll(BRACES)) {
    const name = match[1] as string;
    if (!(TOKENS as readonly string[]).includes(name)) {
      const near = TOKENS.find((t) => t.toLowerCase() === name.toLowerCase());
      return `${show}: {${name}} is not a date token${near ? ` (did you mean {${near}}?)` : ''}: a source path's folders may hold {yyyy}, {MM}, {dd} and {HH}`;
    }
    if (found.some((f) => f.token === name)) return `${show}: {${name}} appears twice: each date token may appear once`;
    found.push({ token: name as Token, at: match.index });
  }
  if (/[{}]/.test(sourcePath.replace(BRACES, ''))) return `${show} has a { or } that is not part of a date token ({yyyy}, {MM}, {dd}, {HH})`;
  if (found.length === 0) return null;
  const authority = /^[A-Za-z][A-Za-z0-9+.-]+:\/\/[^/]*/.exec(sourcePath)?.[0].length ?? 0;
  if (found.some((f) => f.at < authority)) return `${show}: date tokens belong in folder names, not in the scheme or the storage account`;
  const missing = (['yyyy', 'MM', 'dd'] as const).filter((t) => !found.some((f) => f.token === t));
  if (missing.length > 0) return `${show}: a date template needs {yyyy}, {MM} and {dd} (missing ${missing.map((t) => `{${t}}`).join(', ')}): a file's date is its folder's day`;
  const order = [...found].sort((a, b) => a.at - b.at).map((f) => f.token);
  const expected = TOKENS.filter((t) => order.includes(t));
  if (order.join() !== expected.join()) {
    return `${show}: date tokens must run year, month, day${order.includes('HH') ? ', hour' : ''} (${expected.map((t) => `{${t}}`).join(' ')}), got ${order.map((t) => `{${t}}`).join(' ')}`;
  }
  return null;
}

/** The template of a valid templated source path (checked by the config reader), or null for a plain folder. */
export function sourceTemplate(sourcePath: string): SourceTemplate | null {
  if (!isTemplate(sourcePath)) return null;
  const segments = sourcePath.split('/');
  const first = segments.findIndex((s) => TOKENS.some((t) => s.includes(`{${t}}`)));
  const root = `${segments.slice(0, first).join('/')}/`;
  const levels = segments
    .slice(first)
    .filter((s, i, all) => s !== '' || i < all.length - 1)
    .filter((s) => s !== '')
    .map((text): Level => {
      const tokens = [...text.matchAll(BRACES)].map((m) => m[1] as Token);
      if (tokens.length === 0) return { text, tokens, pattern: null };
      const source = text.split(BRACES).map((part, i) => (i % 2 === 1 ? `(\\d{${WIDTH[part as Token]}})` : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
      return { text, tokens, pattern: new RegExp(`^${source}$`) };
    });
  return { root, levels };
}

/** A folder of a template's window: its path under the root (with a trailing slash) and its day. */
export interface DateFolder {
  readonly relative: string;
  readonly date: string;
}

/** A folder outside the window, where the walk saw it: the first and last day it can hold. */
export interface FolderOutside {
  readonly relative: string;
  readonly first: string;
  readonly last: string;
}

export interface TemplateWalk {
  /** The window's folders that exist. */
  readonly folders: readonly DateFolder[];
  /** Folders whose days are all outside the window, not entered. */
  readonly outside: readonly FolderOutside[];
}

/**
 * Walks a template's levels from its root: `subfolders(relative)` names the folders under a path
 * relative to the root ('' is the root), or null when it does not exist. Each level is listed
 * only under folders whose days meet the window; folder names that do not fit the level's
 * pattern, or are no real date, are not date folders and are left alone.
 */
export async function walkTemplate(template: SourceTemplate, window: LoadWindow, subfolders: (relative: string) => Promise<readonly string[] | null>): Promise<TemplateWalk> {
  let prefixes: { relative: string; date: Partial }[] = [{ relative: '', date: {} }];
  const outside: FolderOutside[] = [];
  for (const level of template.levels) {
    if (level.pattern === null) {
      prefixes = prefixes.map((p) => ({ ...p, relative: `${p.relative}${level.text}/` }));
      continue;
    }
    const next: { relative: string; date: Partial }[] = [];
    for (const prefix of prefixes) {
      for (const name of (await subfolders(prefix.relative)) ?? []) {
        const match = level.pattern.exec(name);
        if (!match) continue;
        const date: Partial_ = { ...prefix.date };
        level.tokens.forEach((token, i) => (date[token === 'yyyy' ? 'y' : token === 'MM' ? 'M' : token === 'dd' ? 'd' : 'H'] = Number(match[i + 1])));
        const span = daysOf(date);
        if (span === null) continue;
        const relative = `${prefix.relative}${name}/`;
        if (span.last < window.begin || span.first > window.end) outside.push({ relative, ...span });
        else next.push({ relative, date });
      }
    }
    prefixes = next;
  }
  const folders = prefixes.map((p) => ({ relative: p.relative, date: (daysOf(p.date) as { first: string }).first })).sort((a, b) => (a.date === b.date ? compare(a.relative, b.relative) : compare(a.date, b.date)));
  return { folders, outside };
}

/** The first and last day a folder's tokens allow, or null when they are no real date (month 13, 31 February, hour 24). */
function daysOf(date: Partial): { first: string; last: string } | null {
  const { y, M, d, H } = date;
  if (y === undefined) return null;
  if (M !== undefined && (M < 1 || M > 12)) return null;
  if (H !== undefined && H > 23) return null;
  const lastDay = (month: number) => new Date(Date.UTC(y, month, 0)).getUTCDate();
  if (d !== undefined && (M === undefined || d < 1 || d > lastDay(M))) return null;
  const day = (month: number, dd: number) => `${String(y).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(dd).padStart(2, '0')}`;
  if (M === undefined) return { first: day(1, 1), last: day(12, 31) };
  if (d === undefined) return { first: day(M, 1), last: day(M, lastDay(M)) };
  return { first: day(M, d), last: day(M, d) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

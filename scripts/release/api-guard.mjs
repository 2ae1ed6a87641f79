#!/usr/bin/env node
// Refuses a release (and `pnpm version-packages`) that removes something from the public API
// without a major bump. It compares the checked-in API report with the one at the last release
// tag (the highest v<semver> tag in HEAD's history). A removal is an exported name, or a member
// of a declared interface, class, enum or namespace, that the last release had and HEAD has not.
// The bump is major when a pending changeset makes @org/deltalake-hub major, or when its
// package.json major version is already above the tag's.
//   node scripts/release/api-guard.mjs [--root <repo>]    exit 0 allowed, 1 refused, 2 could not check
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import readChangesets from '@changesets/read';
import semver from 'semver';

export const PACKAGE = '@org/deltalake-hub';
export const REPORT_PATH = 'packages/deltalake-hub/etc/deltalake-hub.api.md';
const MANIFEST_PATH = 'packages/deltalake-hub/package.json';

const TOP_LEVEL = /^(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(function|interface|class|type|const|let|var|enum|namespace)\s+([A-Za-z_$][\w$]*)/;
const RE_EXPORT = /^export\s+(?:type\s+)?\{([^}]*)\}/;
const MEMBER = /^ {4}(?:(?:readonly|static|abstract|protected|public|get|set|async|declare)\s+)*(constructor|[A-Za-z_$][\w$]*|"[^"]+"|'[^']+'|\[[^\]]+\])\??\s*(?:[(:<=,;]|$)/;

/** The declarations of an API Extractor report: `name` for top-level ones, `Parent.member` for members. */
export function declarations(report) {
  const fence = report.indexOf('```ts');
  const body = fence >= 0 ? report.slice(fence + 5, report.lastIndexOf('```')) : report;
  const names = new Map();
  let parent = null;
  for (const line of body.split('\n')) {
    if (line.trim() === '' || line.trimStart().startsWith('//')) continue;
    if (!line.startsWith(' ')) {
      parent = null;
      const reExport = RE_EXPORT.exec(line);
      if (reExport) {
        for (const item of reExport[1].split(',')) {
          const name = item.trim().split(/\s+as\s+/).pop();
          if (name) names.set(name, 're-export');
        }
        continue;
      }
      const top = TOP_LEVEL.exec(line);
      if (top) {
        names.set(top[2], top[1]);
        if (/\{\s*$/.test(line) && ['interface', 'class', 'enum', 'namespace'].includes(top[1])) parent = top[2];
      }
      continue;
    }
    const member = parent && MEMBER.exec(line);
    if (member) names.set(`${parent}.${member[1].replace(/^["']|["']$/g, '')}`, 'member');
  }
  return names;
}

/** What `before` declares and `after` does not; a member is listed only while its parent survives. */
export function removedDeclarations(before, after) {
  const old = declarations(before);
  const now = declarations(after);
  const removed = [];
  for (const [name, kind] of old) {
    if (now.has(name)) continue;
    const parentName = name.includes('.') ? name.slice(0, name.indexOf('.')) : null;
    if (parentName && !now.has(parentName)) continue;
    removed.push(kind === 'member' ? `${name} (member)` : `${name} (${kind})`);
  }
  return removed;
}

function git(root, args) {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The highest v<semver> tag that HEAD contains, or null. */
export function lastReleaseTag(root) {
  const tags = git(root, ['tag', '--list', 'v*', '--merged', 'HEAD'])
    .split('\n')
    .map((t) => t.trim())
    .filter((t) => semver.valid(t.slice(1)));
  tags.sort((a, b) => semver.rcompare(a.slice(1), b.slice(1)));
  return tags[0] ?? null;
}

/** The bump pending changesets ask for on the package, or null. */
async function pendingBump(root) {
  const order = ['patch', 'minor', 'major'];
  let bump = null;
  for (const changeset of await readChangesets(root)) {
    for (const release of changeset.releases) {
      if (release.name === PACKAGE && release.type !== 'none' && order.indexOf(release.type) > order.indexOf(bump)) bump = release.type;
    }
  }
  return bump;
}

export async function guard(root) {
  const tag = lastReleaseTag(root);
  if (!tag) return { ok: true, message: 'api-guard: no release tag v* in this history yet; nothing to compare' };
  let before;
  try {
    before = git(root, ['show', `${tag}:${REPORT_PATH}`]);
  } catch {
    return { ok: true, message: `api-guard: ${tag} has no ${REPORT_PATH}; nothing to compare` };
  }
  const after = readFileSync(join(root, REPORT_PATH), 'utf8');
  const removed = removedDeclarations(before, after);
  if (removed.length === 0) return { ok: true, message: `api-guard: nothing removed from the public API since ${tag}` };
  const version = JSON.parse(readFileSync(join(root, MANIFEST_PATH), 'utf8')).version;
  const pending = await pendingBump(root);
  const majorDone = semver.major(version) > semver.major(tag.slice(1));
  const list = removed.map((r) => `  - ${r}`).join('\n');
  if (pending === 'major' || majorDone) {
    const why = pending === 'major' ? 'a pending changeset makes it major' : `${version} is a major bump over ${tag}`;
    return { ok: true, message: `api-guard: ${removed.length} removal(s) from the public API since ${tag}, allowed: ${why}\n${list}` };
  }
  return {
    ok: false,
    message:
      `api-guard: refused: ${removed.length} removal(s) from the public API of ${PACKAGE} since ${tag} without a major bump ` +
      `(version ${version}, pending changesets: ${pending ?? 'none'}):\n${list}\n` +
      'Keep the removed names (deprecate them instead), or record a major change with `pnpm changeset` (docs/releasing.md).',
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--root');
  const root = resolve(at > 0 ? process.argv[at + 1] : '.');
  try {
    const result = await guard(root);
    (result.ok ? process.stdout : process.stderr).write(`${result.message}\n`);
    process.exitCode = result.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`api-guard: could not check: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}

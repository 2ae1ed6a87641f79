import type { RunSummary } from '@org/hub-bronze';

/** The run summary as a person reads it: per table, then per file that did not load, then what was left and why. */
export function formatSummary(summary: RunSummary): string {
  const lines = [
    `run ${summary.runId} on ${summary.engine} (hub ${summary.hubVersion}): ${summary.status}` +
      (summary.window ? `, window ${summary.window.begin}..${summary.window.end}` : '') +
      `, ${summary.statements} statements, ${(summary.durationMs / 1000).toFixed(1)}s`,
  ];
  const tables = new Map<string, { files: number; loaded: number; rows: number }>();
  for (const f of summary.files) {
    const t = tables.get(f.destTable) ?? { files: 0, loaded: 0, rows: 0 };
    t.files += 1;
    if (f.status === 'SUCCESS') t.loaded += 1;
    t.rows += f.rows;
    tables.set(f.destTable, t);
  }
  for (const [table, t] of tables) lines.push(`  ${table}: ${t.loaded}/${t.files} files loaded, ${t.rows} rows`);
  for (const f of summary.files.filter((x) => x.status !== 'SUCCESS')) lines.push(`  ${f.status} ${f.path}: ${f.reason ?? ''}`);
  lines.push(...formatNotices(summary));
  if (summary.reconciled > 0) lines.push(`  reconciled ${summary.reconciled} file(s) found loaded but untracked`);
  if (summary.files.length === 0) lines.push('  nothing to load');
  return lines.join('\n');
}

/**
 * What a run (or plan) left and why: unreadable source folders, a pattern that matches nothing,
 * subfolders not read, files outside the window, files still quarantined, deferred files, files
 * changed since their load, a named file loaded already.
 */
export function formatNotices(summary: RunSummary): string[] {
  const row = (r: { lob: string; category: string; subcategory: string }) => `${r.lob}/${r.category}/${r.subcategory}`;
  const dates = (oldest: string, newest: string) => (oldest === newest ? oldest : `${oldest}..${newest}`);
  return [
    ...summary.sourceProblems.map((p) => `  SOURCE NOT READ ${row(p)} (${p.sourcePath}): ${p.reason}`),
    ...summary.patternMisses.map(
      (m) => `  NO FILE MATCHES ${row(m)}: file_pattern ${m.filePattern} matches none of the ${m.files} file(s) in ${m.sourcePath} (${m.names.join(', ')}${m.files > m.names.length ? ', ...' : ''})`,
    ),
    ...summary.subfolders.map(
      (f) => `  SUBFOLDERS NOT READ ${row(f)}: ${f.folders} folder(s) inside ${f.sourcePath} are not read (a date-templated source_path such as .../{yyyy}/{MM}/{dd}/ reads date folders)`,
    ),
    ...summary.outsideWindow.map((o) => `  outside the window: ${o.files} matching file(s) of ${row(o)} dated ${dates(o.oldest, o.newest)}, not loaded (${o.flag} takes them in)`),
    ...summary.outsideWindowFolders.map(
      (o) => `  outside the window: ${o.folders} date folder(s) of ${row(o)} dated ${dates(o.oldest, o.newest)}, nothing loaded from them, not listed (${o.flag} takes them in)`,
    ),
    ...summary.stillQuarantined.map(
      (q) =>
        `  still quarantined: ${q.files} file(s) of ${q.destTable}, unchanged since run ${q.runs.map((r) => (q.runs.length > 1 ? `${r.runId} (${r.files})` : r.runId)).join(', run ')} quarantined them; not checked again (--retry-quarantined checks them, deltalake-hub status --quarantined lists them)`,
    ),
    ...summary.deferred.map((d) => `  deferred: ${d.files} file(s) of ${d.destTable} dated ${dates(d.oldest, d.newest)}, beyond --max-files ${d.maxFiles}; the next run loads them`),
    ...summary.changedSinceLoad.map((c) => `  CHANGED SINCE LOAD (not reloaded; use --force) ${c.path}`),
    ...summary.alreadyLoaded.map((a) => `  ALREADY LOADED ${a.path}: loaded${a.loadedAt ? ` at ${a.loadedAt}` : ''}${a.runId ? ` by run ${a.runId}` : ''}; --force reloads it`),
  ];
}

/** Rows as an aligned text table with a header; numbers right-aligned, NULL shown as NULL. */
export function formatTable(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  const cells = rows.map((row) => columns.map((c) => cellText(row[c])));
  const numeric = columns.map((c) => rows.length > 0 && rows.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === 'number' || typeof r[c] === 'bigint'));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] as string).length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] as number) : v.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  // One line per row: a value's line breaks are shown escaped.
  return String(value).replaceAll('\n', '\\n').replaceAll('\r', '\\r');
}

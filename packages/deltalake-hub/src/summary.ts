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

/** What a run (or plan) left and why: unreadable source folders, files outside the window, files changed since their load. */
export function formatNotices(summary: Pick<RunSummary, 'sourceProblems' | 'outsideWindow' | 'changedSinceLoad'>): string[] {
  return [
    ...summary.sourceProblems.map((p) => `  SOURCE NOT READ ${p.lob}/${p.category}/${p.subcategory} (${p.sourcePath}): ${p.reason}`),
    ...summary.outsideWindow.map(
      (o) => `  outside the window: ${o.files} matching file(s) of ${o.lob}/${o.category}/${o.subcategory} dated ${o.oldest === o.newest ? o.oldest : `${o.oldest}..${o.newest}`}, not loaded (${o.flag} takes them in)`,
    ),
    ...summary.changedSinceLoad.map((c) => `  CHANGED SINCE LOAD (not reloaded; use --force) ${c.path}`),
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

import type { RunSummary } from '@org/hub-bronze';

/** The run summary as a person reads it: per table, then per file that did not load. */
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
  for (const c of summary.changedSinceLoad) lines.push(`  CHANGED SINCE LOAD (not reloaded; use --force) ${c.path}`);
  for (const p of summary.sourceProblems) lines.push(`  SOURCE NOT READ ${p.lob}/${p.category}/${p.subcategory} (${p.sourcePath}): ${p.reason}`);
  for (const o of summary.outsideWindow) {
    lines.push(`  outside the window: ${o.files} matching file(s) of ${o.lob}/${o.category}/${o.subcategory} dated ${o.oldest === o.newest ? o.oldest : `${o.oldest}..${o.newest}`}, not loaded (${o.flag} takes them in)`);
  }
  if (summary.reconciled > 0) lines.push(`  reconciled ${summary.reconciled} file(s) found loaded but untracked`);
  if (summary.files.length === 0) lines.push('  nothing to load');
  return lines.join('\n');
}

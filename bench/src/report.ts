import type { BenchDocument } from './run.js';

/** The human-readable form of the bench document: one small table per benchmark. */
export function formatReport(doc: BenchDocument): string {
  const out: string[] = [];
  const m = doc.machine;
  out.push(`deltalake-hub bench  ${doc.startedAt}  ${m.cpus} CPU (${m.cpuModel}), ${m.memoryGb} GiB, node ${m.node}  total ${doc.durationSeconds} s`);
  out.push(`code ${doc.git.head}${doc.git.uncommitted.length > 0 ? ` + uncommitted changes in ${doc.git.uncommitted.join(', ')}` : ''}; load average ${m.loadAverage.start.join(' ')} at start, ${m.loadAverage.end.join(' ')} at end`);
  out.push('');
  const wp = doc.wholeProcess;
  if (wp) {
    if (wp.start) out.push(`CLI start: deltalake-hub --help ${wp.start.helpMs} ms, node -e 0 ${wp.start.nodeMs} ms (median of ${wp.start.repetitions}; goal ≤ 120 ms: ${met(wp.start.goalMet)}); CPU ${wp.start.helpCpuMs ?? '?'} / ${wp.start.nodeCpuMs ?? '?'} ms; peak RSS ${wp.start.helpPeakRssMb ?? '?'} / ${wp.start.nodePeakRssMb ?? '?'} MiB`);
    if (wp.fixedCost) {
      const f = wp.fixedCost;
      out.push(`DuckDB fixed cost (empty window, ${f.statements} statements): ${f.inProcessMs} ms in process (goal ≤ 150 ms: ${met(f.goalMet)}), ${f.commandMs} ms as a whole command`);
    }
    if (wp.loads.length > 0) {
      const rows: string[][] = [['format', 'rows', 'files', 'hub CLI s', 'engine s', 'ratio', 'goal', 'hub MiB', 'engine MiB', 'RSS ratio', 'hub cpu s', 'engine cpu s', 'cpu ratio']];
      for (const c of wp.loads) {
        rows.push([c.format, c.size, String(c.files), c.hubSeconds.toFixed(2), c.engineSeconds.toFixed(2), c.ratio.toFixed(3), `${c.goal.replace('ratio ', '')} ${met(c.goalMet)}`, String(c.hubPeakRssMb ?? '?'), String(c.enginePeakRssMb ?? '?'), `${c.rssRatio ?? '?'}${c.memoryGoalMet === null ? '' : ` ${met(c.memoryGoalMet)}`}`, String(c.hubCpuSeconds ?? '?'), String(c.engineCpuSeconds ?? '?'), String(c.cpuRatio ?? '?')]);
      }
      out.push(`Whole process (median of ${wp.loads[0]?.repetitions}; hub = deltalake-hub bronze run, engine = node + DuckDB INSERT ... SELECT FROM read_*; ratio = engine s / hub s)`);
      out.push(table(rows));
    }
    out.push('');
  }
  const sl = doc.sparkLoad;
  if (sl && !sl.available) out.push(`spark-load: unavailable: ${sl.reason}`, '');
  if (sl?.available) {
    out.push(`Spark load (${sl.host}:${sl.port}; hub = runBronze on one connection, plain = INSERT INTO t SELECT * FROM a view of the files; goal hub ≤ 1.3 × plain)`);
    out.push(table([['format', 'rows', 'files', 'hub s', 'plain s', 'hub / plain', 'goal', 'statements'], ...sl.cases.map((c) => [c.format, c.size, String(c.files), c.hubSeconds.toFixed(2), c.plainSeconds.toFixed(2), c.slowdown.toFixed(2), met(c.goalMet), String(c.hubStatements)])]));
    for (const c of sl.cases) {
      out.push(`  slowest hub statements (${c.format} ${c.size}):`);
      for (const p of c.profile.slice(0, 5)) out.push(`    ${String(p.ms).padStart(7)} ms  ${p.sql.slice(0, 110)}`);
    }
    out.push('');
  }
  if (doc.throughput) {
    const rows: string[][] = [['format', 'files', 'rows', 'hub s', 'engine s', 'hub rows/s', 'engine rows/s', 'ratio', 'goal ≥ 0.92', 'cpu ratio']];
    for (const format of ['csv', 'parquet'] as const) {
      const t = doc.throughput[format];
      if (!t) continue;
      rows.push([format, String(t.files), String(t.rows), t.hubSeconds.toFixed(2), t.engineSeconds.toFixed(2), fmt(t.hubRowsPerSec), fmt(t.engineRowsPerSec), t.ratio.toFixed(3), met(t.goalMet), t.cpuRatio.toFixed(3)]);
    }
    out.push(`Throughput (median of ${doc.options.repetitions}; hub = runBronze, engine = one INSERT ... SELECT * FROM read_*([...]))`);
    out.push(table(rows));
    for (const format of ['csv', 'parquet'] as const) {
      const profile = doc.throughput[format]?.profile;
      if (!profile) continue;
      out.push(`  slowest hub statements (${format}):`);
      for (const p of profile.slice(0, 4)) out.push(`    ${String(p.ms).padStart(7)} ms  ${p.sql.slice(0, 110)}`);
    }
    out.push('');
  }
  if (doc.whatIf) {
    out.push('What if the hub spelled its load differently (median; ratio = engine / shape, as above)');
    const rows: string[][] = [['format', 'shape', 'seconds', 'cpu s', 'ratio', 'cpu ratio']];
    for (const w of [doc.whatIf.csv, doc.whatIf.parquet]) {
      for (const s of w?.shapes ?? []) rows.push([w?.format ?? '', s.name, s.seconds.toFixed(2), s.cpuSeconds.toFixed(2), s.ratioToEngine.toFixed(3), s.cpuRatioToEngine.toFixed(3)]);
    }
    out.push(table(rows));
    for (const s of doc.whatIf.csv?.shapes ?? doc.whatIf.parquet?.shapes ?? []) out.push(`  ${s.name}: ${s.describe}`);
    out.push('');
    const res = doc.whatIf.resolution;
    if (res) {
      out.push(`What the resolution statement spends its time on (${fmt(res.files)} files, ${fmt(res.trackerRows)} tracker rows; median of ${res.repetitions}, summed over folders)`);
      out.push(table([['shape', 'ms', 'rows to Node', 'ratio to listing'], ...res.shapes.map((s) => [s.name, fmt(s.ms), fmt(s.rowsToNode), s.ratioToListing.toFixed(3)])]));
      for (const s of res.shapes) out.push(`  ${s.name}: ${s.describe}`);
      out.push('');
    }
  }
  if (doc.statements) {
    const keys = Object.keys(doc.statements);
    const rows = [['engine', ...keys.map((k) => `${k} files`), 'goal: equal']];
    rows.push(['duckdb', ...keys.map((k) => String(doc.statements?.[k])), met(doc.statementsDetail?.goalMet ?? false)]);
    if (doc.spark?.available) rows.push(['spark', ...keys.map((k) => String((doc.spark as { statements: Record<string, number> }).statements[k] ?? '-')), met(doc.spark.goalMet)]);
    out.push('Statements per run');
    out.push(table(rows));
    for (const [n, i] of Object.entries(doc.statementsDetail?.incomplete ?? {})) out.push(`  duckdb ${n} files: ${i.status}, ${i.loaded} loaded: ${(i.reason ?? '').slice(0, 160)}`);
    if (doc.spark && !doc.spark.available) out.push(`  spark: unavailable: ${doc.spark.reason}`);
    out.push('');
  } else if (doc.spark && !doc.spark.available) {
    out.push(`spark: unavailable: ${doc.spark.reason}`, '');
  }
  if (doc.resolution) {
    const r = doc.resolution;
    out.push(`Resolution (bronze plan vs the read_blob listing of names, sizes and times; median of ${r.repetitions})`);
    out.push(
      table([
        ['files', 'folders', 'tracker rows', 'matching', 'planned', 'hub ms', '(in SQL)', 'listing ms', 'ratio', 'goal ≤ 1.5', 'names-only ms', 'ratio to it'],
        [fmt(r.files), String(r.folders), fmt(r.trackerRows), fmt(r.trackerRowsMatching), fmt(r.plannedFiles), fmt(r.hubMs), fmt(r.hubSqlMs), fmt(r.listingMs), r.ratio.toFixed(3), met(r.goalMet), fmt(r.countOnlyMs), r.ratioToCountOnly.toFixed(3)],
      ]),
    );
    for (const p of r.profile.slice(0, 5)) out.push(`    ${String(p.ms).padStart(7)} ms  ${p.sql.slice(0, 110)}`);
    out.push('');
  }
  if (doc.memory) {
    const mem = doc.memory;
    out.push(`Memory (memory_limit ${mem.memoryLimit}, threads ${mem.threads}; bound = limit + ${mem.nodeOverheadMb} MiB = ${mem.boundMb} MiB)`);
    out.push(
      table([
        ['load', 'files', 'rows', 'loaded files', 'seconds', 'baseline MiB', 'peak RSS MiB', 'within bound'],
        ...[mem.small, mem.large].map((r) => [r.label, String(r.files), fmt(r.rows), String(r.loadedFiles), r.seconds.toFixed(1), String(r.baselineRssMb), String(r.peakRssMb), r.peakRssMb <= mem.boundMb ? 'yes' : 'NO']),
      ]),
    );
    out.push(`  goal (${mem.goal}): ${met(mem.goalMet)}`);
    for (const r of [mem.small, mem.large]) if (r.reason) out.push(`  ${r.label}: ${r.status}: ${r.reason.slice(0, 200)}`);
    out.push('');
  }
  const errors = Object.entries(doc.errors);
  if (errors.length > 0) {
    out.push('Errors');
    for (const [name, message] of errors) out.push(`  ${name}: ${message}`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: readonly string[]) => `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ')}`;
  return [line(rows[0] ?? []), `  ${widths.map((w) => '-'.repeat(w)).join('  ')}`, ...rows.slice(1).map(line)].join('\n');
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function met(ok: boolean): string {
  return ok ? 'met' : 'NOT MET';
}

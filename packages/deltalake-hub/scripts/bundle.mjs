#!/usr/bin/env node
// Builds the published package: dist/index.js (the library) and dist/cli.js (the CLI), with the
// internal @org/hub-* packages bundled in and every other package left as a real dependency;
// dist/ddl/, a copy of the workspace's ddl/ (ddlDirectory() finds it beside the bundle); then
// dist/index.d.ts, the public types rolled up by API Extractor. Runs after `tsc -b`.
// Refuses (exit 1) a bundle that imports a package the manifest does not declare, or a CLI
// whose start-up statically loads an engine driver.
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { rollUpTypes } from './api.mjs';

const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(PACKAGE_DIR, 'dist');
const INTERNAL = /^@org\/hub-(core|bronze|quality)$/;
/** Native or heavy engine drivers: loaded on demand by createEngine, never at CLI start-up. */
const ENGINE_DRIVERS = ['@duckdb/node-api', '@databricks/sql', 'hive-driver'];

const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const externalBarePackages = {
  name: 'external-bare-packages',
  setup(b) {
    // Bundle the internal packages (resolved through the workspace to their tsc output);
    // keep every other package an import, installed beside the hub as a dependency.
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (INTERNAL.test(packageName(args.path))) return undefined;
      return { path: args.path, external: true };
    });
  },
};

rmSync(DIST, { recursive: true, force: true });
const result = await build({
  absWorkingDir: PACKAGE_DIR,
  entryPoints: { index: 'build/tsc/index.js', cli: 'build/tsc/cli.js' },
  outdir: 'dist',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  metafile: true,
  logLevel: 'warning',
  plugins: [externalBarePackages],
});

const problems = [];
const declared = new Set(Object.keys(manifest.dependencies ?? {}));
const outputs = result.metafile.outputs;
for (const [file, output] of Object.entries(outputs)) {
  for (const imported of output.imports) {
    if (!imported.external || builtins.has(imported.path)) continue;
    const name = packageName(imported.path);
    if (!declared.has(name)) problems.push(`${file} imports ${imported.path}, which is not in packages/deltalake-hub/package.json dependencies`);
  }
}

// The internal packages' own dependencies are the published package's: same names, same ranges.
for (const internal of ['hub-core', 'hub-bronze', 'hub-quality']) {
  const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, '..', internal, 'package.json'), 'utf8'));
  for (const [name, range] of Object.entries(pkg.dependencies ?? {})) {
    if (INTERNAL.test(name)) continue;
    const ours = manifest.dependencies?.[name];
    if (ours !== range) problems.push(`@org/${internal} depends on ${name}@${range}; @org/deltalake-hub must declare the same (has ${ours ?? 'nothing'})`);
  }
}

// What `deltalake-hub --help` loads: the CLI entry and the chunks it imports statically.
const staticGraph = new Set();
const pending = ['dist/cli.js'];
while (pending.length > 0) {
  const file = pending.pop();
  if (staticGraph.has(file)) continue;
  staticGraph.add(file);
  for (const imported of outputs[file]?.imports ?? []) {
    if (imported.kind !== 'import-statement') continue;
    if (imported.external) {
      if (ENGINE_DRIVERS.includes(packageName(imported.path))) problems.push(`the CLI loads ${imported.path} at start-up (through ${file}); engine drivers must load on demand`);
    } else pending.push(imported.path);
  }
}

if (problems.length > 0) {
  process.stderr.write(`bundle: ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}

// Copied at build, not at pack, so a pack never changes what a running CLI reads.
cpSync(join(PACKAGE_DIR, '..', '..', 'ddl'), join(DIST, 'ddl'), { recursive: true });
await rollUpTypes();

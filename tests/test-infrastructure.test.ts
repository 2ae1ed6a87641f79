// Test infrastructure is not product: the recording engine, warehouse rules, case tables and
// fixtures live in the private @org/hub-testing, the product packages' sources never reach into
// tests/ or into @org/hub-testing, and tests import the packages by name. Read from the tree, so
// a file put back where it was fails here. (That the packed bundle holds none of it:
// tests/package.e2e.test.ts.)
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const TESTING = 'hub-testing';
const PRODUCT = ['hub-core', 'hub-bronze', 'hub-quality', 'deltalake-hub'];
const SKIP = new Set(['node_modules', 'dist', 'build', '.deltalake-hub', 'sample-data', '.data', '.cache']);

/** Every .ts/.mts/.mjs/.js file under `dir` (relative to the root, with forward slashes). */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(join(ROOT, at), { withFileTypes: true })) {
      if (SKIP.has(entry.name)) continue;
      const path = `${at}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|mts|mjs|js)$/.test(entry.name)) out.push(path);
    }
  };
  walk(dir);
  return out;
}

const packages = readdirSync(join(ROOT, 'packages'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);

/** The specifiers of a file's static imports, re-exports and dynamic imports with a literal. */
function importsOf(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"`;]*?\sfrom\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm)) {
    found.push((m[1] ?? m[2] ?? m[3]) as string);
  }
  return found;
}

/** `packages/<name>/src/...` → name; anything else → null. */
function packageOf(path: string): string | null {
  return /^packages\/([^/]+)\/src\//.exec(path)?.[1] ?? null;
}

/** Every import of every file in `paths`, as [file, specifier]. */
function importsIn(paths: readonly string[]): [string, string][] {
  return paths.flatMap((file) => importsOf(readFileSync(join(ROOT, file), 'utf8')).map((spec): [string, string] => [file, spec]));
}

const isTest = (path: string) => /\.test\.ts$/.test(path);
const productSources = PRODUCT.flatMap((p) => files(`packages/${p}/src`));
const allPackageSources = packages.flatMap((p) => files(`packages/${p}/src`));
/** Test code: the packages' tests, @org/hub-testing itself, tests/, the spokes' tests and the bench's. */
const testCode = [
  ...allPackageSources.filter((f) => isTest(f) || packageOf(f) === TESTING),
  ...files('tests'),
  ...files('spokes').filter((f) => /^spokes\/[^/]+\/tests\//.test(f)),
  ...files('bench/src').filter(isTest),
];

describe('test infrastructure lives in @org/hub-testing, not in the product', () => {
  it('finds the files and imports it checks (the scan itself works)', () => {
    expect(PRODUCT.every((p) => packages.includes(p)) && packages.includes(TESTING)).toBe(true);
    expect(productSources.length).toBeGreaterThan(50);
    expect(testCode.length).toBeGreaterThan(50);
    // Known imports of the tree, so a scanner that sees nothing cannot pass the checks below.
    const imports = importsIn(allPackageSources);
    expect(imports).toContainEqual(['packages/hub-bronze/src/loaders/databricks/warehouse.test.ts', '@org/hub-testing']);
    expect(imports).toContainEqual(['packages/hub-core/src/index.ts', './engines/engine.js']);
    expect(importsOf("import type { A } from '../x.js';\nexport { B } from \"./y.js\";\nimport './z.js';\nawait import('../w.js');")).toEqual(['../x.js', './y.js', './z.js', '../w.js']);
  });

  it('keeps fixtures, case tables, the recording engine and the warehouse rules out of the product packages', () => {
    const testInfrastructure = /(\.fixture\.ts|-cases\.ts|\/recording\/[^/]+\.ts|\/recording-(engine|driver)\.ts|\/warehouse-(rules|model)\.ts|\/thrift-warehouse\.ts)$/;
    expect(allPackageSources.filter((f) => packageOf(f) !== TESTING && testInfrastructure.test(f))).toEqual([]);
    // They are where the tests find them.
    const testing = files(`packages/${TESTING}/src`);
    for (const file of ['recording/recording-engine.ts', 'recording/warehouse-rules.ts', 'cases/bad-config-cases.ts', 'cases/bad-checks-cases.ts', 'databricks/thrift-warehouse.ts', 'databricks/warehouse-model.ts', 'jobs/jobs-api.ts', 'jobs/mini-spoke.ts']) {
      expect(testing).toContain(`packages/${TESTING}/src/${file}`);
    }
  });

  it('no package source, tests included, imports from a tests/ folder', () => {
    expect(importsIn(allPackageSources).filter(([, spec]) => /(^|\/)tests\//.test(spec))).toEqual([]);
  });

  it("no test imports another package's source by a relative path, nor a fixture file: they import @org/...", () => {
    const deep = importsIn(testCode).filter(([file, spec]) => {
      if (/\.fixture(\.[jt]s)?$/.test(spec)) return true;
      if (!spec.startsWith('.')) return false;
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).split(sep).join('/');
      const owner = packageOf(target);
      return owner !== null && owner !== packageOf(file);
    });
    expect(deep).toEqual([]);
  });

  it('no product source imports @org/hub-testing or lists it as a dependency, and it is private and outside the build', () => {
    expect(importsIn(productSources.filter((f) => !isTest(f))).filter(([, spec]) => spec === '@org/hub-testing' || spec.startsWith('@org/hub-testing/'))).toEqual([]);
    for (const p of PRODUCT) {
      const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', p, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
      expect(Object.keys({ ...manifest['dependencies'], ...manifest['peerDependencies'], ...manifest['optionalDependencies'] }), p).not.toContain('@org/hub-testing');
    }
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', TESTING, 'package.json'), 'utf8')) as { name: string; private?: boolean };
    expect(manifest).toMatchObject({ name: '@org/hub-testing', private: true });
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { references: { path: string }[] };
    expect(build.references.map((r) => r.path)).not.toContain(`packages/${TESTING}`);
    expect(readFileSync(join(ROOT, 'packages', 'deltalake-hub', 'scripts', 'bundle.mjs'), 'utf8')).not.toContain(TESTING);
  });
});

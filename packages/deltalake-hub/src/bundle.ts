import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

interface BundleFile {
  variables?: Record<string, { default?: unknown } | null>;
  targets?: Record<string, { variables?: Record<string, unknown> } | null>;
}

/** The bundle's target names, in file order. */
export function bundleTargets(bundlePath: string): string[] {
  return Object.keys(readBundle(bundlePath).targets ?? {});
}

/** A bundle target's variables: top-level defaults overlaid with the target's own (its catalog, say). */
export function bundleVariables(bundlePath: string, target: string): Record<string, string> {
  const bundle = readBundle(bundlePath);
  const vars: Record<string, string> = {};
  for (const [name, spec] of Object.entries(bundle.variables ?? {})) if (spec?.default !== undefined) vars[name] = String(spec.default);
  if (!bundle.targets || !(target in bundle.targets)) {
    throw new Error(`${bundlePath} has no target ${JSON.stringify(target)} (known: ${Object.keys(bundle.targets ?? {}).join(', ')})`);
  }
  for (const [name, value] of Object.entries(bundle.targets[target]?.variables ?? {})) vars[name] = String(value);
  return vars;
}

function readBundle(bundlePath: string): BundleFile {
  return (parseYaml(readFileSync(bundlePath, 'utf8')) ?? {}) as BundleFile;
}

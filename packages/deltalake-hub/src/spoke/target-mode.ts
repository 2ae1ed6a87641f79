import { lineAt, toObject, type BundleYaml } from '../bundle.js';

/**
 * What `databricks bundle validate` refuses for a target's `mode`, beyond the bundle schema: the
 * rules of the Databricks CLI's `bundle/config/mutator/resourcemutator/validate_target_mode.go`,
 * checked offline. The CLI compares paths with the deploying user's name; here, where no user is
 * known, a development path must be user-scoped by `~/` or a `${workspace.current_user.…}` reference.
 * Each message says what to write instead.
 */

type Report = (file: string, line: number, message: string) => void;

/** The workspace paths development mode requires to be the deploying user's own. */
const WORKSPACE_PATHS = ['root_path', 'file_path', 'resource_path', 'artifact_path', 'state_path'] as const;
/** A reference to the deploying user's name, which makes a path or prefix that user's own. */
const CURRENT_USER = /\$\{workspace\.current_user\.(userName|short_name|domain_friendly_name)\}/;
/** A service principal's application id, which is what `run_as.service_principal_name` takes. */
const APPLICATION_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const VARIABLE = /\$\{var\.([A-Za-z0-9_-]+)\}/g;

/**
 * Every target's mode rules. `variables` holds each target's variable values (top-level defaults
 * overlaid with the target's own); `resources` are the included files (for pipelines).
 */
export function checkTargetModes(bundle: BundleYaml | undefined, resources: readonly BundleYaml[], variables: ReadonlyMap<string, Readonly<Record<string, string>>>, report: Report): void {
  if (!bundle) return;
  const data = bundle.data;
  for (const [target, rawSpec] of Object.entries(toObject(data['targets']))) {
    const spec = toObject(rawSpec);
    const at = (...path: string[]) => lineAt(bundle, ['targets', target, ...path]) || lineAt(bundle, path) || lineAt(bundle, ['targets', target]);
    const mode = spec['mode'];
    const values = variables.get(target) ?? {};
    if (mode !== undefined && mode !== 'development' && mode !== 'production') {
      report(bundle.file, at('mode'), `target ${target}: mode ${JSON.stringify(mode)} is not a mode: write mode: development (each user's own copy) or mode: production, or leave it out`);
      continue;
    }
    if (mode === 'development') checkDevelopment(bundle, target, spec, at, report);
    if (mode === 'production') checkProduction(bundle, resources, target, spec, at, report);
    checkRunAs(bundle, target, spec, values, at, report);
  }
}

/** Development: each user deploys a copy of their own, so paths and the name prefix must name the user. */
function checkDevelopment(bundle: BundleYaml, target: string, spec: Record<string, unknown>, at: (...path: string[]) => number, report: Report): void {
  const workspace = { ...toObject(bundle.data['workspace']), ...toObject(spec['workspace']) };
  for (const key of WORKSPACE_PATHS) {
    const value = workspace[key];
    if (typeof value !== 'string' || value === '') continue;
    if (key === 'artifact_path' && value.startsWith('/Volumes')) {
      if (!CURRENT_USER.test(value)) {
        report(bundle.file, at('workspace', key), `target ${target} (mode: development): workspace.artifact_path ${JSON.stringify(value)} is shared by everyone who deploys it, and databricks bundle validate refuses it: put \${workspace.current_user.short_name} in it, e.g. ${value.replace(/\/?$/, '')}/\${workspace.current_user.short_name}`);
      }
      continue;
    }
    if (!value.startsWith('~/') && !CURRENT_USER.test(value)) {
      const fix = key === 'root_path' ? 'remove it (development deploys to ~/.bundle/${bundle.name}/${bundle.target}) or write root_path: ~/.bundle/${bundle.name}/${bundle.target}' : `remove it or start it with ~/`;
      const where = spec['workspace'] !== undefined && key in toObject(spec['workspace']) ? `targets.${target}.workspace.${key}` : `workspace.${key} (top level, so every target has it)`;
      report(bundle.file, at('workspace', key), `target ${target} (mode: development): ${where} is ${JSON.stringify(value)}, shared by everyone who deploys it; databricks bundle validate refuses it ("must start with '~/' or contain the current username"): ${fix}`);
    }
  }
  const presets = { ...toObject(bundle.data['presets']), ...toObject(spec['presets']) };
  const prefix = presets['name_prefix'];
  if (typeof prefix === 'string' && prefix !== '' && !CURRENT_USER.test(prefix)) {
    report(bundle.file, at('presets', 'name_prefix'), `target ${target} (mode: development): presets.name_prefix ${JSON.stringify(prefix)} does not name the user, so two users' jobs would collide; databricks bundle validate refuses it: write name_prefix: "[dev \${workspace.current_user.short_name}] ", or remove it (development mode then uses that prefix)`);
  }
  if (presets['trigger_pause_status'] === 'UNPAUSED') {
    report(bundle.file, at('presets', 'trigger_pause_status'), `target ${target} (mode: development): presets.trigger_pause_status UNPAUSED would start every user's copy on schedule; databricks bundle validate refuses it: remove it (development pauses triggers)`);
  }
}

/** Production: one deployment, no development pipelines, an explicit root_path unless it runs as someone. */
function checkProduction(bundle: BundleYaml, resources: readonly BundleYaml[], target: string, spec: Record<string, unknown>, at: (...path: string[]) => number, report: Report): void {
  for (const file of resources) {
    for (const [key, pipeline] of Object.entries(toObject(toObject(file.data['resources'])['pipelines']))) {
      if (toObject(pipeline)['development'] === true) {
        report(file.file, lineAt(file, ['resources', 'pipelines', key, 'development']), `pipeline ${key} has development: true, which a target in mode: production (${target}) refuses: remove it (development mode sets it for development targets)`);
      }
    }
  }
  const rootPath = toObject(spec['workspace'])['root_path'];
  const runAs = spec['run_as'] ?? bundle.data['run_as'];
  if ((typeof rootPath !== 'string' || rootPath === '') && runAs === undefined) {
    report(bundle.file, at('workspace'), `target ${target} (mode: production) has no workspace.root_path of its own, so every deployer would make another copy; databricks bundle validate refuses it: set one under targets.${target}.workspace, e.g. root_path: /Workspace/Users/\${var.service_principal_id}/.bundle/\${bundle.name}/\${bundle.target}`);
  }
}

/** `run_as.service_principal_name` is the principal's application id: a display name such as sp-falcon-prod names no one. */
function checkRunAs(bundle: BundleYaml, target: string, spec: Record<string, unknown>, values: Readonly<Record<string, string>>, at: (...path: string[]) => number, report: Report): void {
  const own = toObject(spec['run_as'])['service_principal_name'];
  const name = own ?? toObject(bundle.data['run_as'])['service_principal_name'];
  if (name === undefined) return;
  const written = String(name);
  const resolved = written.replace(VARIABLE, (whole, variable: string) => values[variable] ?? whole);
  if (APPLICATION_ID.test(resolved)) return;
  const line = own !== undefined ? at('run_as', 'service_principal_name') : lineAt(bundle, ['run_as', 'service_principal_name']);
  const shown = resolved === written ? JSON.stringify(written) : `${JSON.stringify(written)} (${JSON.stringify(resolved)} for this target)`;
  report(bundle.file, line, `target ${target}: run_as.service_principal_name is ${shown}, but it takes the service principal's application id (a UUID such as 9f1b6a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b), not its display name: write service_principal_name: \${var.service_principal_id} and set that variable to the application id for this target`);
}

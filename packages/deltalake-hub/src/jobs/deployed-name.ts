import { toObject } from '../bundle.js';

/**
 * The name a target gives the jobs it deploys: `presets.name_prefix` (the target's, else the
 * bundle's) before the job's own name, and in `mode: development` without one, `[dev <short
 * name>] `: the Databricks CLI's apply_target_mode.go and apply_presets.go. The prefix may name
 * the deploying user, known only in the workspace: it is kept as written here and resolved with
 * the caller's identity when the job is looked up.
 */
export function deployedNamePrefix(bundle: Record<string, unknown>, target: string): string {
  const spec = toObject(toObject(bundle['targets'])[target]);
  const prefix = toObject(spec['presets'])['name_prefix'] ?? toObject(bundle['presets'])['name_prefix'];
  if (typeof prefix === 'string' && prefix !== '') return prefix;
  return spec['mode'] === 'development' ? '[dev ${workspace.current_user.short_name}] ' : '';
}

/** Who the workspace says the caller is (SCIM `Me`). */
export interface WorkspaceUser {
  readonly userName: string;
  readonly displayName?: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The CLI's short name (iamutil.GetShortUserName, textutil.NormalizeString): the user name (a
 * service principal's display name, its user name being its application id) before any `@`, in
 * lower case, every character that is not a letter or digit turned into `_`, runs of `_` made
 * one, and none at either end.
 */
export function shortUserName(user: WorkspaceUser): string {
  const name = UUID.test(user.userName) && user.displayName ? user.displayName : user.userName;
  const local = name.split('@')[0] ?? '';
  return local
    .toLowerCase()
    .replace(/[^\p{L}\p{Nd}]/gu, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** A prefix with the user's references (`${workspace.current_user.short_name}`, `.userName`) filled in. */
export function resolveNamePrefix(prefix: string, user: WorkspaceUser): string {
  return prefix.replace(/\$\{workspace\.current_user\.(short_name|userName)\}/g, (_whole, field: string) => (field === 'userName' ? user.userName : shortUserName(user)));
}

/** Whether resolving the prefix needs to know the caller. */
export function namesUser(prefix: string): boolean {
  return /\$\{workspace\.current_user\./.test(prefix);
}

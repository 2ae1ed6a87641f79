import { EngineError } from '@org/hub-core';

/**
 * A source folder the engine could not list, by the kind of its error: the engine's error class
 * or SQLSTATE, the cloud store's error code, or the Java exception type, never the words of the
 * message (they change between runtimes and languages). Either kind is that config row's source
 * problem (the run goes on, PARTIAL); any other error is not, and ends the run.
 */
export type SourceFolderError = 'missing' | 'forbidden';

/** Error classes (and their subclasses) of a path that is not there. */
const MISSING_CLASSES = ['PATH_NOT_FOUND', 'LIST_FILES_ERROR.PATH_NOT_EXISTS'];
/** Error classes of a principal that may not read the path: Unity Catalog privileges, list_files' own check. */
const FORBIDDEN_CLASSES = ['INSUFFICIENT_PERMISSIONS', 'LIST_FILES_AUTHORIZATION_ERROR', 'UNAUTHORIZED_ACCESS'];
/** SQLSTATE 42501: insufficient privilege, whatever the class. */
const FORBIDDEN_SQLSTATE = '42501';
/** Exception types and storage error codes that name the kind themselves: Hadoop's and Java's, S3's `AccessDenied`, ADLS's `AuthorizationPermissionMismatch`. */
const MISSING_TYPES = /\b(java\.io\.FileNotFoundException|java\.nio\.file\.NoSuchFileException)\b/;
const FORBIDDEN_TYPES = /\b(java\.nio\.file\.AccessDeniedException|org\.apache\.hadoop\.security\.AccessControlException|AuthorizationPermissionMismatch|AuthorizationFailure|AccessDenied)\b/;

export function sourceFolderError(error: unknown): SourceFolderError | null {
  if (!(error instanceof EngineError)) return null;
  const cls = error.errorClass;
  const isOf = (classes: readonly string[]) => cls !== undefined && classes.some((c) => cls === c || cls.startsWith(`${c}.`));
  if (isOf(FORBIDDEN_CLASSES) || error.sqlState === FORBIDDEN_SQLSTATE) return 'forbidden';
  if (isOf(MISSING_CLASSES)) return 'missing';
  const types = causeMessages(error.cause).join('\n');
  if (FORBIDDEN_TYPES.test(types)) return 'forbidden';
  if (MISSING_TYPES.test(types)) return 'missing';
  return null;
}

/** The reason a config row's source folder could not be listed, or null when the error is not about the folder. */
export function sourceFolderReason(error: unknown, folder: string): string | null {
  const kind = sourceFolderError(error);
  if (kind === 'missing') return `the source folder ${folder} does not exist`;
  if (kind === 'forbidden') return `the source folder ${folder} cannot be read: no permission to list it (${engineWords(error as EngineError)})`;
  return null;
}

function causeMessages(cause: unknown): string[] {
  const out: string[] = [];
  for (let current = cause, depth = 0; current instanceof Object && depth < 6; current = (current as { cause?: unknown }).cause, depth++) {
    const message = (current as { message?: unknown }).message;
    if (typeof message === 'string') out.push(message);
  }
  return out;
}

/** The engine's own first line, without the hub's `Failed query on <engine>: ` and the statement. */
function engineWords(error: EngineError): string {
  return (error.message.split('\n')[0] ?? '').replace(/^Failed query on \w+: /, '');
}

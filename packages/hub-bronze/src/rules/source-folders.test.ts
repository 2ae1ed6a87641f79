import { describe, expect, it } from 'vitest';
import { EngineError } from '@org/hub-core';
import { sourceFolderError, sourceFolderReason } from './source-folders.js';

/** An engine failure as the drivers wrap it: the cause is what the engine answered. */
const failure = (engine: string, cause: unknown) => new EngineError({ engine, statement: "LIST '/x'", cause, retryable: false });
/** The Databricks connector's OperationStateError: its message is generic, the warehouse's text and SQLSTATE are in its response. */
const operation = (displayMessage: string, sqlState: string) => Object.assign(new Error('The operation failed due to an error'), { errorCode: 'ERROR', response: { displayMessage, errorMessage: displayMessage, sqlState } });
/** The Spark driver's SparkSqlError: Spark's message and its SQLSTATE. */
const spark = (message: string, sqlState?: string) => Object.assign(new Error(message), { sqlState });

describe('a source folder the engine could not list, told by the error\'s class', () => {
  it('is forbidden for Unity Catalog\'s permission errors (their class or SQLSTATE 42501) and the stores\' access-denied codes', () => {
    expect(sourceFolderError(failure('databricks', operation("[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have READ VOLUME on Volume 'dev.raw.landing'. SQLSTATE: 42501", '42501')))).toBe('forbidden');
    expect(sourceFolderError(failure('databricks', operation('[LIST_FILES_AUTHORIZATION_ERROR.ON_PATH] Not authorized to call list_files. You do not have permissions to list the source path `abfss://raw@a.dfs.core.windows.net/x/`. SQLSTATE: 42501', '42501')))).toBe('forbidden');
    // A class the hub does not list, with the SQLSTATE of insufficient privilege.
    expect(sourceFolderError(failure('databricks', operation('[SOME_NEW_PERMISSION_CHECK] not allowed', '42501')))).toBe('forbidden');
    expect(sourceFolderError(failure('spark', spark('Job aborted: java.nio.file.AccessDeniedException: /data/raw/credit')))).toBe('forbidden');
    expect(sourceFolderError(failure('spark', spark('Operation failed: "This request is not authorized to perform this operation using this permission.", 403, GET, https://a.dfs.core.windows.net/raw?resource=filesystem, AuthorizationPermissionMismatch')))).toBe('forbidden');
  });

  it('is missing for PATH_NOT_FOUND (Spark, with its SQLSTATE) and LIST_FILES_ERROR.PATH_NOT_EXISTS', () => {
    expect(sourceFolderError(failure('spark', spark('[PATH_NOT_FOUND] Path does not exist: file:/tmp/raw/credit.', '42K03')))).toBe('missing');
    expect(sourceFolderError(failure('databricks', operation('[LIST_FILES_ERROR.PATH_NOT_EXISTS] list_files failed. The source path `/Volumes/dev/raw/x/` does not exist. SQLSTATE: 42K03', '42K03')))).toBe('missing');
    expect(sourceFolderReason(failure('spark', spark('[PATH_NOT_FOUND] Path does not exist: file:/tmp/raw/credit.', '42K03')), '/tmp/raw/credit/')).toBe('the source folder /tmp/raw/credit/ does not exist');
  });

  it('is nothing the folder did for any other class, whatever the words say; nor for an error that is not the engine\'s', () => {
    expect(sourceFolderError(failure('databricks', operation('[INTERNAL_ERROR] Forbidden: 403, permission denied, does not exist. SQLSTATE: XX000', 'XX000')))).toBeNull();
    expect(sourceFolderError(failure('spark', spark('Permission denied: the path does not exist')))).toBeNull();
    expect(sourceFolderError(new Error('[PATH_NOT_FOUND] not an engine error'))).toBeNull();
  });
});

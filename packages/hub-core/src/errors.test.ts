import { describe, expect, it } from 'vitest';
import { EngineError } from './errors.js';

const failure = (cause: unknown) => new EngineError({ engine: 'x', statement: 'SELECT 1', cause, retryable: false });

describe('an engine failure carries the engine\'s error class and SQLSTATE', () => {
  it('reads them from the fields the drivers set and the structured parts of the message', () => {
    // Spark's Thrift server: the SQLSTATE in its own field, the class opening the message.
    const spark = Object.assign(new Error('[PATH_NOT_FOUND] Path does not exist: file:/tmp/x.'), { sqlState: '42K03' });
    expect([failure(spark).errorClass, failure(spark).sqlState]).toEqual(['PATH_NOT_FOUND', '42K03']);
    // The Databricks connector: a generic message, the warehouse's text and SQLSTATE in the operation's response.
    const warehouse = Object.assign(new Error('The operation failed due to an error'), {
      response: { displayMessage: '[LIST_FILES_AUTHORIZATION_ERROR.ON_PATH] Not authorized to call list_files. You do not have permissions to list the source path `/x/`. SQLSTATE: 42501', sqlState: '42501' },
    });
    expect([failure(warehouse).errorClass, failure(warehouse).sqlState]).toEqual(['LIST_FILES_AUTHORIZATION_ERROR.ON_PATH', '42501']);
    // Only in the text, after a wrapper's words, and through a cause.
    const wrapped = new Error('query failed', { cause: new Error('Error running query: org.apache.spark.sql.AnalysisException: [INSUFFICIENT_PERMISSIONS] Insufficient privileges: x. SQLSTATE: 42501') });
    expect([failure(wrapped).errorClass, failure(wrapped).sqlState]).toEqual(['INSUFFICIENT_PERMISSIONS', '42501']);
  });

  it('has none where the engine gave none: a bracket that is not a class is not one', () => {
    const plain = new Error('connection reset [Falcon] [dev] job');
    expect([failure(plain).errorClass, failure(plain).sqlState]).toEqual([undefined, undefined]);
  });
});

// The column migration as Databricks would receive it (no warehouse here: the recording engine
// with the real dialect; DuckDB and Spark run it for real in tests/ddl-migration.e2e.test.ts).
import { describe, expect, it } from 'vitest';
import { DatabricksDialect, type CompiledStatement, type Row } from '@org/hub-core';
import { createRecordingEngine } from '@org/hub-testing';
import { applyDdl } from './ddl.js';

const TRACKER = '`prod_catalog`.`bronze_metadata`.`load_tracker`';
const OLD_COLUMNS = ['tracker_id', 'lob', 'load_status', 'file_path', 'finished_at'];
const LEASE = '`prod_catalog`.`bronze_metadata`.`load_lease`';
const LEASE_COLUMNS = ['dest_table', 'run_id', 'acquired_at', 'expires_at', 'holder'];

function warehouse(describe: () => string[], alter: () => void = () => {}) {
  return createRecordingEngine(new DatabricksDialect(), {
    respond: (s: CompiledStatement): Row[] => {
      // load_lease is today's (its holder column has a migration of its own); load_tracker is as each test says.
      const columns = s.sql.includes('load_lease') ? LEASE_COLUMNS : describe();
      if (s.sql.startsWith('DESCRIBE')) return [...columns.map((col_name) => ({ col_name, data_type: 'string', comment: null })), { col_name: '', data_type: '', comment: '' }];
      if (s.sql.startsWith('ALTER')) alter();
      return [];
    },
  });
}

const alters = (statements: CompiledStatement[]) => statements.filter((s) => s.sql.startsWith('ALTER')).map((s) => s.sql);

describe('applyDdl on Databricks', () => {
  it('adds hub_version to a tracker created without it, with one ALTER', async () => {
    const { engine, statements } = warehouse(() => OLD_COLUMNS);
    const applied = await applyDdl(engine, 'prod_catalog');
    expect(alters(statements)).toEqual([`ALTER TABLE ${TRACKER} ADD COLUMN \`hub_version\` STRING`]);
    expect(applied.at(-1)).toBe(`ALTER TABLE ${TRACKER} ADD COLUMN \`hub_version\` STRING`);
    expect(statements.filter((s) => s.sql.startsWith('DESCRIBE')).map((s) => s.sql)).toEqual([`DESCRIBE ${TRACKER}`, `DESCRIBE ${LEASE}`]);
  });

  it('adds holder to a lease table created without it', async () => {
    const { engine, statements } = createRecordingEngine(new DatabricksDialect(), {
      respond: (s: CompiledStatement): Row[] =>
        s.sql.startsWith('DESCRIBE') ? (s.sql.includes('load_lease') ? LEASE_COLUMNS.slice(0, 4) : [...OLD_COLUMNS, 'hub_version']).map((col_name) => ({ col_name, data_type: 'string' })) : [],
    });
    await applyDdl(engine, 'prod_catalog');
    expect(alters(statements)).toEqual([`ALTER TABLE ${LEASE} ADD COLUMN \`holder\` STRING`]);
  });

  it('alters nothing when the tracker has it (any case)', async () => {
    const { engine, statements } = warehouse(() => [...OLD_COLUMNS, 'HUB_VERSION']);
    await applyDdl(engine, 'prod_catalog');
    expect(alters(statements)).toEqual([]);
  });

  it('takes a concurrent run adding it first as done, and fails when the column is still missing', async () => {
    let columns = OLD_COLUMNS;
    const raced = warehouse(
      () => columns,
      () => {
        columns = [...OLD_COLUMNS, 'hub_version'];
        throw new Error('[DELTA_METADATA_CHANGED] MetadataChangedException: The metadata of the Delta table has been changed by a concurrent update');
      },
    );
    await expect(applyDdl(raced.engine, 'prod_catalog')).resolves.toContain(`ALTER TABLE ${TRACKER} ADD COLUMN \`hub_version\` STRING`);
    const denied = warehouse(
      () => OLD_COLUMNS,
      () => {
        throw new Error('PERMISSION_DENIED: User does not have MODIFY on Table');
      },
    );
    await expect(applyDdl(denied.engine, 'prod_catalog')).rejects.toThrow(/PERMISSION_DENIED/);
  });
});

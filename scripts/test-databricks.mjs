// `pnpm test:databricks`: the e2e scenarios against a real Databricks SQL warehouse (docs/engines.md).
// Without a workspace configured it says what to set and exits 0, so it can sit in any pipeline.
import { spawnSync } from 'node:child_process';

const env = process.env;
const has = (...names) => names.some((name) => (env[name] ?? '').trim() !== '');
const configured =
  has('DELTALAKE_HUB_TEST_VOLUME') &&
  (has('DATABRICKS_HOST') || has('DATABRICKS_CONFIG_PROFILE')) &&
  (has('DATABRICKS_TOKEN', 'DATABRICKS_CLIENT_ID') || has('DATABRICKS_CONFIG_PROFILE')) &&
  (has('DATABRICKS_WAREHOUSE_ID', 'DATABRICKS_HTTP_PATH') || has('DATABRICKS_CONFIG_PROFILE'));
if (!configured) {
  console.log(
    'databricks: live suite not run; set DATABRICKS_HOST, DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET), DATABRICKS_WAREHOUSE_ID (or DATABRICKS_HTTP_PATH) and DELTALAKE_HUB_TEST_VOLUME=/Volumes/<catalog>/<schema>/<volume>',
  );
  process.exit(0);
}
const result = spawnSync('npx', ['vitest', 'run', '--config', 'vitest.databricks.config.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...env, DELTALAKE_HUB_ENGINES: 'databricks' },
});
process.exit(result.status ?? 1);

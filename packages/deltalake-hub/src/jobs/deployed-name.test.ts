import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDuckDbEngine, DatabricksDialect, type JobParameters } from '@org/hub-core';
import { runBronze } from '@org/hub-bronze';
import { createRecordingEngine, MINI_RAW_PREFIX, startJobsApi, writeMiniSpoke } from '@org/hub-testing';
import { loadBundle } from '../bundle.js';
import { planSpokeChain } from './bundle-chain.js';
import { deployedNamePrefix, resolveNamePrefix, shortUserName } from './deployed-name.js';
import { JobsClient } from './jobs-client.js';
import { runSpokeChain, triggerParameters } from './run-chain.js';

const TOKEN = 'dapi-deployed-name-test-00112233445566';
const PARAMS: JobParameters = { category: 'mini', beginDate: '2024-03-06', endDate: '2024-03-07' };
const FALCON = join(import.meta.dirname, '..', '..', '..', '..', 'spokes', 'falcon');

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const thing of open.splice(0)) await thing.close();
});

describe('the name a target gives the jobs it deploys', () => {
  it('is the short name the Databricks CLI makes of the deploying user', () => {
    // The CLI's own examples (libs/iamutil/user_test.go) and a service principal, whose user name is its application id.
    expect(shortUserName({ userName: 'test.user.1234@example.com' })).toBe('test_user_1234');
    expect(shortUserName({ userName: 'lennart.kats@databricks.com' })).toBe('lennart_kats');
    expect(shortUserName({ userName: 'Jane.Doe+ops@example.com' })).toBe('jane_doe_ops');
    expect(shortUserName({ userName: '9f1b6a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b', displayName: 'Falcon Deployer (CI)' })).toBe('falcon_deployer_ci');
    expect(shortUserName({ userName: '9f1b6a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b' })).toBe('9f1b6a2c_3d4e_4f50_8a6b_7c8d9e0f1a2b');
  });

  it("is development mode's [dev <short name>] in Falcon's dev target, nothing in prod, and a target's own name_prefix where it sets one", () => {
    const falcon = loadBundle(FALCON).main?.data ?? {};
    expect(deployedNamePrefix(falcon, 'dev')).toBe('[dev ${workspace.current_user.short_name}] ');
    expect(deployedNamePrefix(falcon, 'prod')).toBe('');
    expect(deployedNamePrefix(falcon, 'staging')).toBe('');
    const preset = { presets: { name_prefix: 'team_' }, targets: { dev: { mode: 'development', presets: { name_prefix: '[${workspace.current_user.userName}] ' } }, qa: {} } };
    expect(deployedNamePrefix(preset, 'dev')).toBe('[${workspace.current_user.userName}] ');
    expect(deployedNamePrefix(preset, 'qa')).toBe('team_');
    expect(resolveNamePrefix('[dev ${workspace.current_user.short_name}] ', { userName: 'jane.doe@example.com' })).toBe('[dev jane_doe] ');
    expect(resolveNamePrefix('[${workspace.current_user.userName}] ', { userName: 'jane.doe@example.com' })).toBe('[jane.doe@example.com] ');
  });
});

describe('job run --engine databricks on a target in mode: development', () => {
  it('finds the after-bronze job under the name development mode gave it, [dev <short name>] first, and starts it', async () => {
    const spoke = writeMiniSpoke();
    spoke.edit('databricks.yml', (t) => t.replace('  dev:\n    default: true\n', '  dev:\n    mode: development\n    default: true\n'));
    const chain = planSpokeChain(spoke.dir, { parameters: triggerParameters(PARAMS) });
    const deployed = `[dev jane_doe] ${chain.plan.jobName}`;
    expect(deployed).toBe('[dev jane_doe] [Mini] [dev] Silver and gold after the bronze load');
    const api = await startJobsApi({
      token: TOKEN,
      currentUser: { userName: 'jane.doe@example.com', displayName: 'Jane Doe' },
      script: [{ state: 'TERMINATED', result: 'SUCCESS', tasks: { silver: { state: 'TERMINATED', result: 'SUCCESS', ms: 10 }, gold: { state: 'TERMINATED', result: 'SUCCESS', ms: 10 } } }],
      jobs: [
        // Another developer's copy, and the job as the bundle names it without a prefix: neither is this user's deployment.
        { jobId: 41, name: `[dev john_roe] ${chain.plan.jobName}`, tags: { 'deltalake-hub': 'after-bronze', dev: 'john_roe' }, parameters: Object.keys(triggerParameters(PARAMS)) },
        { jobId: 42, name: deployed, tags: { 'deltalake-hub': 'after-bronze', dev: 'jane_doe' }, parameters: Object.keys(triggerParameters(PARAMS)) },
      ],
    });
    open.push(api);
    const duckdb = await createDuckDbEngine({ warehouse: mkdtempSync(join(tmpdir(), 'deployed-name-wh-')), lockTimeoutMs: 0 });
    open.push(duckdb);
    const { engine } = createRecordingEngine(new DatabricksDialect());
    const summary = await runSpokeChain({
      chain,
      engine,
      bronze: () => runBronze(PARAMS, { engine: duckdb, configPath: join(spoke.dir, 'configs/bronze/mini_config.csv'), variables: chain.variables, sourceRoots: { [MINI_RAW_PREFIX]: spoke.raw } }),
      databricks: { env: {}, client: new JobsClient({ baseUrl: api.url, auth: { kind: 'pat', token: TOKEN }, backoffMs: 10 }), pollIntervalMs: 5 },
    });
    expect(api.requests.filter((r) => r.path === '/api/2.1/jobs/list').map((r) => r.query['name'])).toEqual([deployed]);
    expect([...api.runs.values()].map((r) => r.jobId)).toEqual([42]);
    expect([summary.status, summary.job.id, summary.error]).toEqual(['SUCCESS', 42, null]);
  });
});

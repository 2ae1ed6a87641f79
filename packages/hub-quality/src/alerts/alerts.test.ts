import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createDuckDbEngine, createLogger, sql } from '@org/hub-core';
import { parseChecksFile } from '../checks-file.js';
import { runChecks } from '../run-checks.js';
import type { AlertTarget, QualityReport } from '../types.js';
import { sendAlerts } from './index.js';
import { checkFailedMessage } from './message.js';

interface Received {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

/** A real HTTP receiver on 127.0.0.1 that answers each request as `answer` says (or never). */
async function receiver(answer: (n: number) => number | 'never'): Promise<{ url: (path: string) => string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.setEncoding('utf8').on('data', (d: string) => (text += d));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(text) as unknown });
      const status = answer(received.length);
      if (status === 'never') return; // holds the connection open: the sender's timeout must end it
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const port = (server.address() as AddressInfo).port;
  return { url: (path) => `http://127.0.0.1:${port}${path}`, received, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const FAST = { baseDelayMs: 10, maxDelayMs: 50, timeoutMs: 2_000 };
const target = (type: AlertTarget['type'], urlEnv: string, on: AlertTarget['on'] = ['check_failed']): AlertTarget => ({ type, urlEnv, on, source: { file: 'x.yml', line: 1 } });

const report: QualityReport = {
  runId: 'q-1',
  status: 'FAILED',
  engine: 'duckdb',
  batchId: 'b2',
  statements: 7,
  durationMs: 12,
  results: [
    { table: 'c.s.t', name: 'ids', check: 'not_null', criticality: 'error', onFail: 'quarantine', passed: false, rowsEvaluated: 10, rowsFailed: 2, rowsQuarantined: 2, sample: [{ id: null, reason: 'null' }], message: '2 of 10 rows failed', batchId: 'b2', durationMs: 3 },
    { table: 'c.s.t', name: 'rows', check: 'row_count', criticality: 'warn', onFail: 'record', passed: false, rowsEvaluated: 10, rowsFailed: null, rowsQuarantined: 0, sample: [{ row_count: 10, min: 100 }], message: '10 rows, fewer than 100', batchId: null, durationMs: 2 },
    { table: 'c.s.t', name: 'ok', check: 'unique', criticality: 'error', onFail: 'record', passed: true, rowsEvaluated: 10, rowsFailed: 0, rowsQuarantined: 0, sample: [], message: null, batchId: null, durationMs: 2 },
  ],
  quarantined: [{ table: 'c.s.t', quarantineTable: 'c.s.t_quarantine', rows: 2, checks: ['ids'] }],
  skipped: [],
  alerts: [],
};

describe('alerts to a real HTTP receiver', () => {
  it('Slack, Teams and a webhook each get their own message shape', async () => {
    const r = await receiver(() => 200);
    const env = { SLACK_URL: r.url('/slack/T0/B0/secret-token-1'), TEAMS_URL: r.url('/teams?sig=secret-sig-2'), HOOK_URL: r.url('/hook/secret-3') };
    const outcomes = await sendAlerts([target('slack', 'SLACK_URL'), target('teams', 'TEAMS_URL'), target('webhook', 'HOOK_URL')], checkFailedMessage(report), { env, policy: FAST });
    expect(outcomes).toEqual([
      { type: 'slack', event: 'check_failed', urlEnv: 'SLACK_URL', delivered: true, attempts: 1 },
      { type: 'teams', event: 'check_failed', urlEnv: 'TEAMS_URL', delivered: true, attempts: 1 },
      { type: 'webhook', event: 'check_failed', urlEnv: 'HOOK_URL', delivered: true, attempts: 1 },
    ]);
    expect(r.received.map((x) => [x.path, x.contentType])).toEqual([
      ['/slack/T0/B0/secret-token-1', 'application/json'],
      ['/teams?sig=secret-sig-2', 'application/json'],
      ['/hook/secret-3', 'application/json'],
    ]);
    const failedLines = 'FAIL c.s.t ids (not_null): 2 of 10 rows failed\nWARN c.s.t rows (row_count): 10 rows, fewer than 100';
    const title = 'Data quality: 2 checks failed (1 error)';
    expect(r.received[0]?.body).toEqual({
      text: `${title}\n${failedLines}`,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: title } },
        { type: 'section', text: { type: 'mrkdwn', text: '```' + failedLines + '```' } },
        {
          type: 'section',
          fields: [
            { type: 'mrkdwn', text: '*Run:*\nq-1' },
            { type: 'mrkdwn', text: '*Status:*\nFAILED' },
            { type: 'mrkdwn', text: '*Engine:*\nduckdb' },
            { type: 'mrkdwn', text: '*Batch:*\nb2' },
            { type: 'mrkdwn', text: '*Quarantined rows:*\n2' },
          ],
        },
      ],
    });
    const teams = r.received[1]?.body as { type: string; attachments: { contentType: string; content: { type: string; version: string; body: { type: string; text?: string; facts?: unknown[] }[] } }[] };
    expect(teams.type).toBe('message');
    expect(teams.attachments).toHaveLength(1);
    expect(teams.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(teams.attachments[0]?.content.type).toBe('AdaptiveCard');
    expect(teams.attachments[0]?.content.body.map((b) => [b.type, b.text])).toEqual([
      ['TextBlock', title],
      ['TextBlock', failedLines],
      ['FactSet', undefined],
    ]);
    expect(teams.attachments[0]?.content.body[2]?.facts).toContainEqual({ title: 'Quarantined rows', value: '2' });
    // The webhook receives the result document itself.
    expect(r.received[2]?.body).toEqual(JSON.parse(JSON.stringify({ event: 'check_failed', ...report })));
  });

  it('retries a receiver that answers 500, then delivers on its 200', async () => {
    const r = await receiver((n) => (n === 1 ? 500 : 200));
    const outcomes = await sendAlerts([target('webhook', 'HOOK')], checkFailedMessage(report), { env: { HOOK: r.url('/h') }, policy: FAST });
    expect(outcomes).toEqual([{ type: 'webhook', event: 'check_failed', urlEnv: 'HOOK', delivered: true, attempts: 2 }]);
    expect(r.received).toHaveLength(2);
    expect(r.received[1]?.body).toEqual(r.received[0]?.body);
  });

  it('gives up on a receiver that never answers, within its timeouts, and says so', async () => {
    const r = await receiver(() => 'never');
    const started = Date.now();
    const outcomes = await sendAlerts([target('slack', 'SLACK')], checkFailedMessage(report), { env: { SLACK: r.url('/s') }, policy: { ...FAST, attempts: 2, timeoutMs: 300 } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(outcomes).toEqual([{ type: 'slack', event: 'check_failed', urlEnv: 'SLACK', delivered: false, attempts: 2, error: 'no answer within 300 ms' }]);
    expect(r.received).toHaveLength(2);
  });

  it('does not retry a 4xx other than 429, and reports an unset variable or a closed port', async () => {
    const r = await receiver(() => 404);
    const closed = await receiver(() => 200);
    const closedUrl = closed.url('/gone');
    closed.server.closeAllConnections();
    await new Promise((resolve) => closed.server.close(resolve));
    const outcomes = await sendAlerts([target('webhook', 'A'), target('webhook', 'UNSET'), target('webhook', 'CLOSED')], checkFailedMessage(report), {
      env: { A: r.url('/a'), CLOSED: closedUrl },
      policy: { ...FAST, attempts: 2 },
    });
    expect(outcomes.map((o) => [o.delivered, o.attempts, o.error])).toEqual([
      [false, 1, 'HTTP 404'],
      [false, 0, 'environment variable UNSET is not set'],
      [false, 2, 'ECONNREFUSED'],
    ]);
  });

  it('sends only to alerts that listen for the event', async () => {
    const r = await receiver(() => 200);
    const outcomes = await sendAlerts([target('webhook', 'A', ['run_failed']), target('webhook', 'B', ['check_failed', 'run_failed'])], checkFailedMessage(report), { env: { A: r.url('/a'), B: r.url('/b') }, policy: FAST });
    expect(outcomes.map((o) => o.urlEnv)).toEqual(['B']);
    expect(r.received.map((x) => x.path)).toEqual(['/b']);
  });
});

describe('alerts from a quality run', () => {
  it('a failing alert does not fail the run: it is logged without its URL and is in the report', async () => {
    const ok = await receiver(() => 200);
    const broken = await receiver(() => 503);
    const secretUrl = broken.url('/services/T000/B000/XXXXsecretXXXX');
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', pretty: false, destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) });
    const engine = await createDuckDbEngine({ warehouse: mkdtempSync(join(tmpdir(), 'dlh-alerts-')) });
    try {
      await engine.prepareCatalogs(['al']);
      await engine.run('CREATE SCHEMA al.s');
      await engine.run(sql`CREATE TABLE al.s.t AS SELECT * FROM (VALUES ('1'), (NULL), ('3')) v(id)`);
      const checks = parseChecksFile(
        `checks:\n  - { table: al.s.t, name: ids, check: not_null, column: id }\nalerts:\n  - { type: slack, url: '\${env:BROKEN_SLACK}', on: check_failed }\n  - { type: webhook, url: '\${env:OK_HOOK}', on: [check_failed, run_failed] }\n`,
        'al_checks.yml',
      );
      const result = await runChecks(engine, checks, { logger, alerts: { env: { BROKEN_SLACK: secretUrl, OK_HOOK: ok.url('/ok') }, policy: FAST } });
      expect(result.status).toBe('FAILED');
      expect(result.alerts).toEqual([
        { type: 'slack', event: 'check_failed', urlEnv: 'BROKEN_SLACK', delivered: false, attempts: 3, error: 'HTTP 503' },
        { type: 'webhook', event: 'check_failed', urlEnv: 'OK_HOOK', delivered: true, attempts: 1 },
      ]);
      expect(broken.received).toHaveLength(3);
      const document = ok.received[0]?.body as { event: string; runId: string; results: { name: string; rowsFailed: number }[] };
      expect([document.event, document.runId, document.results.map((x) => [x.name, x.rowsFailed])]).toEqual(['check_failed', result.runId, [['ids', 1]]]);
      const log = lines.join('');
      expect(log).toContain('alert not delivered');
      expect(log).toContain('BROKEN_SLACK');
      expect(log).not.toContain('XXXXsecretXXXX');
      expect(log).not.toContain(ok.url('/ok'));
    } finally {
      await engine.close();
    }
  });

  it('a run that cannot finish (a column gone from the table) raises run_failed, then fails as it would have', async () => {
    const r = await receiver(() => 200);
    const engine = await createDuckDbEngine({ warehouse: mkdtempSync(join(tmpdir(), 'dlh-alerts-')) });
    try {
      await engine.prepareCatalogs(['al']);
      await engine.run('CREATE SCHEMA al.s');
      await engine.run('CREATE TABLE al.s.t AS SELECT 1 AS id');
      const checks = parseChecksFile(`checks:\n  - { table: al.s.t, name: gone, check: not_null, column: renamed }\nalerts:\n  - { type: webhook, url: '\${env:HOOK}', on: run_failed }\n`, 'al_checks.yml');
      await expect(runChecks(engine, checks, { runId: 'q-gone', alerts: { env: { HOOK: r.url('/h') }, policy: FAST } })).rejects.toThrow('al_checks.yml:2: column: column "renamed" is not in al.s.t (its columns: id)');
      expect(r.received.map((x) => x.body)).toEqual([
        { event: 'run_failed', runId: 'q-gone', what: 'quality run', error: 'al_checks.yml:2: column: column "renamed" is not in al.s.t (its columns: id)' },
      ]);
    } finally {
      await engine.close();
    }
  });
});

import { registerSecret, type Logger } from '@org/hub-core';
import type { AlertOutcome, AlertTarget, AlertType } from '../types.js';
import { defaultDeliveryPolicy, postJson, type DeliveryPolicy } from './http.js';
import type { AlertMessage } from './message.js';
import { slack } from './slack.js';
import { teams } from './teams.js';
import { webhook } from './webhook.js';

/** One file per destination (DQX's actions/destinations); each only shapes the body. */
export interface AlertDestination {
  readonly type: AlertType;
  body(message: AlertMessage): unknown;
}

const DESTINATIONS: Readonly<Record<AlertType, AlertDestination>> = { webhook, slack, teams };

export interface AlertOptions {
  /** Where `${env:NAME}` URLs are read (default process.env). */
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly policy?: Partial<DeliveryPolicy> | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * Sends `message` to every alert of the file that listens for its event. Never throws: an alert
 * that cannot be delivered is logged (without its URL) and returned as an outcome, and the run
 * it reports on goes on as it would have.
 */
export async function sendAlerts(targets: readonly AlertTarget[], message: AlertMessage, options: AlertOptions = {}): Promise<AlertOutcome[]> {
  const env = options.env ?? process.env;
  const policy = { ...defaultDeliveryPolicy, ...options.policy };
  const outcomes: AlertOutcome[] = [];
  for (const target of targets.filter((t) => t.on.includes(message.event))) {
    const url = env[target.urlEnv];
    const base = { type: target.type, event: message.event, urlEnv: target.urlEnv };
    let outcome: AlertOutcome;
    if (!url) {
      outcome = { ...base, delivered: false, attempts: 0, error: `environment variable ${target.urlEnv} is not set` };
    } else {
      // The URL is the secret (a Slack or Teams URL carries its token): no later log line may hold it.
      registerSecret(url);
      outcome = { ...base, ...(await postJson(url, DESTINATIONS[target.type].body(message), policy)) };
    }
    const fields = { alert: target.type, event: message.event, urlEnv: target.urlEnv, attempts: outcome.attempts, error: outcome.error };
    if (outcome.delivered) options.logger?.info({ alert: target.type, event: message.event, attempts: outcome.attempts }, 'alert sent');
    // An unset variable is a destination this environment does not use (a laptop, dev): said, not shouted.
    else if (outcome.attempts === 0) options.logger?.info(fields, 'alert not sent');
    else options.logger?.warn(fields, 'alert not delivered');
    outcomes.push(outcome);
  }
  return outcomes;
}

import { scrubSecrets } from '@org/hub-core';

/** How hard an alert tries: attempts with exponential backoff, each bounded by a timeout. */
export interface DeliveryPolicy {
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Per attempt: a receiver that never answers costs at most attempts × timeoutMs plus the waits. */
  readonly timeoutMs: number;
  /** Injected in tests. */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

export const defaultDeliveryPolicy: DeliveryPolicy = { attempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000, timeoutMs: 10_000 };

export interface Delivery {
  readonly delivered: boolean;
  readonly attempts: number;
  /** Why the last attempt failed; never holds the URL. */
  readonly error?: string | undefined;
}

/**
 * POSTs JSON, the part every destination shares (DQX's webhook_base). Retries what may succeed
 * later (no answer, a timeout, 429, 5xx) with exponential backoff; another 4xx is final. Never
 * throws: an alert that cannot be delivered is an outcome, not a failure of the run.
 */
export async function postJson(url: string, body: unknown, policy: DeliveryPolicy): Promise<Delivery> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let error = '';
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(policy.timeoutMs),
        redirect: 'error',
      });
      // The body is drained so the connection is released; what it says is not needed.
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { delivered: true, attempts: attempt };
      error = `HTTP ${response.status}`;
      if (response.status !== 429 && response.status < 500) return { delivered: false, attempts: attempt, error };
      const seconds = Number(response.headers.get('retry-after'));
      if (Number.isFinite(seconds) && seconds > 0) retryAfterMs = seconds * 1000;
    } catch (cause) {
      error = describeFailure(cause, policy.timeoutMs);
    }
    if (attempt < policy.attempts) {
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(Math.min(policy.maxDelayMs, retryAfterMs ?? backoff));
    }
  }
  return { delivered: false, attempts: policy.attempts, error };
}

/** A network failure as a short reason: the error code, not the message (which may quote the URL). */
function describeFailure(cause: unknown, timeoutMs: number): string {
  if (cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const inner = cause instanceof Error ? (cause.cause as { code?: unknown } | undefined) : undefined;
  if (inner && typeof inner.code === 'string') return inner.code;
  return scrubSecrets(cause instanceof Error ? cause.message : String(cause));
}

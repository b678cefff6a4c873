// Answers of a loaded API server that say nothing about the request itself (throttled, timed out, the
// connection lost): a test that judges the API server's refusals retries these rather than take one for a
// refusal. Errors as client-node's generated APIs throw them: an ApiException (`code`, `body` the response
// text), or node-fetch's FetchError (`code` an errno string such as ECONNRESET) when no answer came.
import { setTimeout as sleep } from 'node:timers/promises';

/** A 500 that says a deadline passed somewhere (etcd, the API server's own timeout), not that the request was wrong. */
const TIMEOUT_MESSAGE = /etcdserver: request timed out|unable to return a response in the time allotted|context deadline exceeded|Timeout: request did not complete/i;
const TRANSPORT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET']);

/** Why `err` is a transient answer worth another try, or undefined for a real answer (a refusal, not found…). */
export function transientAnswer(err: unknown): string | undefined {
  const e = err as { code?: unknown; body?: unknown; message?: unknown };
  const text = `${typeof e.body === 'string' ? e.body : ''} ${typeof e.message === 'string' ? e.message : ''}`;
  if (typeof e.code === 'string') return TRANSPORT_CODES.has(e.code) ? `no answer (${e.code})` : undefined;
  if (e.code === undefined && /socket hang up|other side closed/i.test(text)) return 'no answer (connection closed)';
  if (e.code === 429) return '429 Too Many Requests';
  if (e.code === 503) return '503 Service Unavailable';
  if (e.code === 504) return '504 Gateway Timeout';
  if (e.code === 500 && TIMEOUT_MESSAGE.test(text)) return `500 ${TIMEOUT_MESSAGE.exec(text)![0]}`;
  return undefined;
}

/**
 * Runs a create, again after each transient answer (waiting `delaysMs` in turn). AlreadyExists after such an
 * answer means the attempt that got it did create the object. Any other error is thrown at once, as is a
 * transient one still there after the last retry: the caller sees the API server's answer itself. `onRetry`
 * hears of each retry, for the test's summary.
 */
export async function createRetryingTransient(
  create: () => Promise<unknown>,
  options: { delaysMs?: readonly number[]; onRetry?: (why: string) => void } = {},
): Promise<void> {
  const { delaysMs = [250, 500, 1_000, 2_000], onRetry } = options;
  let retried = false;
  for (let attempt = 0; ; attempt++) {
    try {
      await create();
      return;
    } catch (err) {
      if (retried && (err as { code?: unknown }).code === 409) return;
      const why = transientAnswer(err);
      if (why === undefined || attempt >= delaysMs.length) throw err;
      onRetry?.(why);
      retried = true;
      await sleep(delaysMs[attempt]!);
    }
  }
}

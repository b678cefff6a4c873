// Bounds how many async operations run at once — e.g. in-flight requests to one member cluster — so a
// slow or large fan-out cannot flood an API server; waiters are served strictly in arrival order.
import { Fifo } from './fifo.js';

function assertLimit(max: number, what: string): void {
  if (!(Number.isInteger(max) && max >= 1) && max !== Number.POSITIVE_INFINITY) {
    throw new RangeError(`${what} must be an integer >= 1 (or Infinity), got ${String(max)}`);
  }
}

/** Runs at most `max` async functions at once; the rest wait in FIFO order. */
export class ConcurrencyLimiter {
  /** The most functions this limiter lets run at once. */
  readonly max: number;
  #active = 0;
  // Each waiter is woken with a slot already reserved for it (see #release), so a caller arriving
  // later can never overtake one that is already waiting.
  readonly #waiting = new Fifo<() => void>();

  /** @param max an integer >= 1, or `Infinity` for no limit. */
  constructor(max: number) {
    assertLimit(max, 'ConcurrencyLimiter max');
    this.max = max;
  }

  /** Functions currently running. */
  get active(): number {
    return this.#active;
  }

  /** Functions waiting for a slot. */
  get pending(): number {
    return this.#waiting.length;
  }

  /**
   * Runs `fn` once a slot is free and settles like it: its value is returned, its error (thrown
   * synchronously or rejected) propagates. The slot is released however `fn` ends.
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active < this.max && this.#waiting.length === 0) {
      this.#active++;
    } else {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    try {
      return await fn();
    } finally {
      this.#release();
    }
  }

  #release(): void {
    const next = this.#waiting.shift();
    // Hand the slot straight to the oldest waiter rather than freeing it, which keeps `active`
    // unchanged and the order FIFO.
    if (next) next();
    else this.#active--;
  }
}

/**
 * Maps `items` through `fn` with at most `max` calls in flight, returning results in input order.
 *
 * On the first failure no further items are started; the returned promise rejects with that error
 * once the calls already in flight have settled, so no work outlives the call. Callers that want
 * every item attempted (one cluster's failure must not stop the others) should catch inside `fn`
 * and return an outcome value instead.
 *
 * @param max an integer >= 1, or `Infinity`.
 */
export async function mapLimited<T, R>(
  items: Iterable<T>,
  max: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  assertLimit(max, 'mapLimited max');
  const input = Array.from(items);
  const results = new Array<R>(input.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;

  // A fixed pool of lanes each pulling the next index keeps exactly min(max, n) calls in flight
  // without a waiter per item.
  const lane = async (): Promise<void> => {
    while (!failed && next < input.length) {
      const index = next++;
      try {
        results[index] = await fn(input[index] as T, index);
      } catch (error) {
        if (!failed) {
          failed = true;
          firstError = error;
        }
      }
    }
  };

  const lanes = Math.min(max, input.length);
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failed) throw firstError;
  return results;
}

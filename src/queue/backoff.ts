// Exponential backoff arithmetic, kept pure so the work queue's per-key retries and the informer
// supervisor's restarts share one tested formula (and tests can inject the randomness).

/**
 * Adjusts a computed delay, typically to spread retries that would otherwise fire in lockstep.
 * Receives the capped delay in milliseconds and returns the delay to use.
 */
export type Jitter = (delayMs: number) => number;

/**
 * The delay before the next retry: `baseMs * 2^failures`, capped at `maxMs`.
 *
 * `failures` counts the failures recorded *before* this retry, so the first retry (0) waits `baseMs`,
 * the second `2 * baseMs`, and so on — the convention of client-go's per-item rate limiter.
 * Negative or NaN `failures` count as 0; `maxMs` below `baseMs` wins (it is a hard ceiling).
 *
 * When `jitter` is given it is applied to the capped delay and its result is clamped to
 * `[0, maxMs]`, so the ceiling holds whatever the jitter function returns.
 *
 * @returns milliseconds in `[0, maxMs]` (not rounded; timers accept fractions).
 */
export function exponentialBackoff(failures: number, baseMs: number, maxMs: number, jitter?: Jitter): number {
  const ceiling = Math.max(0, Number.isFinite(maxMs) ? maxMs : Number.MAX_SAFE_INTEGER);
  const base = Math.min(Math.max(0, Number.isFinite(baseMs) ? baseMs : ceiling), ceiling);
  const n = failures > 0 ? Math.floor(failures) : 0; // NaN and negatives count as 0
  // 2^n overflows to Infinity past n = 1023; Math.min still yields the ceiling, but with a zero base
  // it would be NaN (0 * Infinity), hence the short-circuit.
  let delay = base === 0 ? 0 : Math.min(base * 2 ** n, ceiling);
  if (jitter) {
    const jittered = jitter(delay);
    delay = Number.isNaN(jittered) ? delay : Math.min(Math.max(0, jittered), ceiling);
  }
  return delay;
}

/**
 * A jitter that shortens each delay by a random fraction of up to `fraction` (default 0.1), so that
 * retries started together drift apart while never exceeding the un-jittered delay (nor the cap).
 *
 * @param fraction in `[0, 1]`; values outside are clamped.
 * @param random source of uniform numbers in `[0, 1)`; inject a seeded one in tests.
 */
export function proportionalJitter(fraction = 0.1, random: () => number = Math.random): Jitter {
  const f = Math.min(Math.max(0, fraction), 1);
  return (delayMs) => delayMs * (1 - f * random());
}

// The controller work queue: string keys with client-go semantics (dedupe, a processing set so no
// key is handled by two workers at once, delayed and rate-limited re-adds) plus a bounded worker pool.
import { exponentialBackoff, type Jitter } from './backoff.js';
import { DeadlineHeap } from './deadline-heap.js';
import { Fifo } from './fifo.js';

/**
 * What a reconcile handler returns. `void` (or `{}`) means done; `requeueAfterMs` asks for the key to
 * be processed again after that many milliseconds (0 or less: as soon as possible). A thrown error or
 * rejected promise means "retry with backoff".
 */
export type ReconcileResult = { requeueAfterMs?: number } | void;

/**
 * Reconciles one key. `signal` aborts when the queue is shut down without draining, so long-running
 * work can stop early; handlers that ignore it are fine.
 */
export type ReconcileHandler = (key: string, signal: AbortSignal) => Promise<ReconcileResult>;

/** How one handler run ended, as reported to {@link WorkQueueObserver.onProcessed}. */
export type ProcessOutcome = 'success' | 'error' | 'requeue';

/**
 * Hooks for a metrics layer (e.g. prom-client gauges and histograms), so the queue never imports one.
 * All are optional and are called synchronously; an exception thrown by a hook is swallowed so that
 * instrumentation can never corrupt the queue.
 */
export interface WorkQueueObserver {
  /** The number of keys waiting to be processed changed to `depth`. */
  onDepth?(depth: number): void;
  /** `key` was accepted (not a duplicate of a pending key). */
  onAdd?(key: string): void;
  /** `key` was re-added with backoff after a failure. */
  onRetry?(key: string): void;
  /** A handler run for `key` finished after `durationMs`. */
  onProcessed?(key: string, durationMs: number, outcome: ProcessOutcome): void;
  /** A handler run for `key` threw or rejected with `error`; the key will be retried with backoff. */
  onError?(key: string, error: unknown): void;
}

/** Default delay of the first retry after a failure. */
export const DEFAULT_BASE_DELAY_MS = 50;
/** Default ceiling on the per-key retry delay. */
export const DEFAULT_MAX_DELAY_MS = 60_000;

/** Options for {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Delay of the first retry of a failing key; doubles per consecutive failure. Default 50 ms. */
  baseDelayMs?: number;
  /** Ceiling on the retry delay. Default 60 000 ms. */
  maxDelayMs?: number;
  /** Optional adjustment of each retry delay (see `proportionalJitter`); none by default. */
  jitter?: Jitter;
  /** Metrics hooks. */
  observer?: WorkQueueObserver;
}

/** Options for {@link WorkQueue.shutdown}. */
export interface ShutdownOptions {
  /**
   * true: the returned promise resolves once in-flight handlers have finished.
   * false: it resolves at once and in-flight handlers' signals are aborted.
   * Either way, keys waiting or scheduled are dropped and no handler starts again.
   */
  drain: boolean;
}

// setTimeout fires at once (with a warning) for delays above this; longer waits re-arm instead.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Pumps chained on microtasks before the next one waits for a macrotask turn. A handler answered without
 * I/O that re-adds its own key (a bug elsewhere, or two views of a cluster's readiness that disagree for a
 * moment) would otherwise chain microtasks forever: no timer and no socket would ever be served again, so
 * the very answer that ends the disagreement could not come, and the process would freeze for good.
 */
const MAX_PUMPS_PER_TURN = 1_000;
// Taken at load: fake timers in tests replace the global, and the yield must stay a real macrotask turn.
const macrotask: (callback: () => void) => void = globalThis.setImmediate;

/**
 * A de-duplicating, rate-limiting work queue of string keys with a bounded pool of workers.
 *
 * Invariants, as in client-go's workqueue:
 * - a key is waiting in the queue at most once;
 * - a key is processed by at most one handler at a time; adding it while it is being processed marks
 *   it dirty, and it is queued again exactly once when that run finishes;
 * - ready keys are processed in FIFO order.
 *
 * The queue's only timer is `unref()`'d, so a queue never keeps the process alive on its own.
 */
export class WorkQueue {
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #jitter: Jitter | undefined;
  readonly #observer: WorkQueueObserver | undefined;

  // Ready keys in arrival order, in two lanes: keys added with add() go before keys added with addBulk(), so
  // that a sweep over every object (a cluster changed) never delays a change to one of them. A lane may hold a
  // stale entry (a key promoted from the bulk lane, or already taken); #lane says where a key really waits.
  readonly #queue = new Fifo<string>();
  readonly #bulk = new Fifo<string>();
  readonly #lane = new Map<string, 'now' | 'bulk'>();
  // Keys that need a handler run: each one is either waiting in #queue or in #processing (re-added
  // during its run). Checking this set is what makes add() O(1) and de-duplicating.
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #delayed = new DeadlineHeap();
  readonly #failures = new Map<string, number>();

  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDue: number | undefined;

  #handler: ReconcileHandler | undefined;
  #concurrency = 0;
  #pumpScheduled = false;
  /** Pumps chained since the last macrotask turn (see MAX_PUMPS_PER_TURN). */
  #pumpsThisTurn = 0;
  #shuttingDown = false;
  readonly #abort = new AbortController();
  readonly #idle: Promise<void>;
  #resolveIdle: () => void = () => {};
  #lastDepth = 0;

  /** @param options retry delays default to 50 ms doubling up to 60 s, without jitter. */
  constructor(options: WorkQueueOptions = {}) {
    this.#baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
    this.#maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.#jitter = options.jitter;
    this.#observer = options.observer;
    this.#idle = new Promise<void>((resolve) => {
      this.#resolveIdle = resolve;
    });
  }

  /** Whether {@link shutdown} has been called; adds are ignored from then on. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Number of keys waiting to be processed (not counting delayed or in-flight keys). */
  len(): number {
    return this.#lane.size;
  }

  /** Number of handlers currently running. */
  inFlight(): number {
    return this.#processing.size;
  }

  /** Number of keys scheduled by {@link addAfter} / {@link addRateLimited} and not yet due. */
  delayed(): number {
    return this.#delayed.size;
  }

  /**
   * Marks `key` as needing processing. A key already waiting is not added twice; a key being
   * processed is queued again once its current run finishes. Ignored after shutdown.
   */
  add(key: string): void {
    if (this.#shuttingDown) return;
    if (this.#dirty.has(key)) {
      // Waiting behind a sweep: a change of its own moves it ahead.
      if (this.#lane.get(key) === 'bulk') this.#enter(key, 'now');
      return;
    }
    this.#dirty.add(key);
    this.#notify((o) => o.onAdd?.(key));
    // A key in flight stays out of the queue until its run ends (see #process), which is what keeps
    // two workers off the same key.
    if (this.#processing.has(key)) return;
    this.#enter(key, 'now');
  }

  /**
   * Like {@link add}, for sweeps that add every key (a cluster became ready or not): such keys wait behind
   * every key added with `add`, so that a change to one object is never stuck behind a sweep over all of them.
   */
  addBulk(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    this.#notify((o) => o.onAdd?.(key));
    if (this.#processing.has(key)) return;
    this.#enter(key, 'bulk');
  }

  #enter(key: string, lane: 'now' | 'bulk'): void {
    this.#lane.set(key, lane);
    (lane === 'now' ? this.#queue : this.#bulk).push(key);
    this.#reportDepth();
    this.#schedulePump();
  }

  /** The next waiting key, from the first lane before the bulk lane; stale entries are skipped. */
  #next(): string | undefined {
    for (let key = this.#queue.shift(); key !== undefined; key = this.#queue.shift()) {
      if (this.#lane.get(key) === 'now') return key;
    }
    for (let key = this.#bulk.shift(); key !== undefined; key = this.#bulk.shift()) {
      if (this.#lane.get(key) === 'bulk') return key;
    }
    return undefined;
  }

  /**
   * Adds `key` after `delayMs` (at once if `delayMs` is 0, negative or NaN). If the key is already
   * scheduled, the earlier of the two times wins. If it is already pending (waiting, or re-added
   * while in flight), this is a no-op: it will be processed soon anyway. Ignored after shutdown.
   */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    if (this.#dirty.has(key)) return;
    if (this.#delayed.scheduleEarliest(key, performance.now() + delayMs)) this.#armTimer();
  }

  /**
   * Adds `key` after its backoff delay — `baseDelayMs * 2^n` capped at `maxDelayMs`, where `n` is
   * {@link numRequeues} — and counts one more failure. Ignored after shutdown.
   */
  addRateLimited(key: string): void {
    if (this.#shuttingDown) return;
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    this.#notify((o) => o.onRetry?.(key));
    this.addAfter(key, this.#backoff(failures));
  }

  /** Clears `key`'s failure count, so its next failure backs off from the base delay again. */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** How many times `key` has been re-added by {@link addRateLimited} since it was last forgotten. */
  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /**
   * Starts processing keys with at most `concurrency` handlers at once; keys added before `run` are
   * processed too. A handler that resolves makes the queue forget the key's failures (and, with
   * `requeueAfterMs`, schedule it again); one that throws or rejects re-adds the key with backoff.
   * Handler errors never stop the workers.
   *
   * @param concurrency an integer >= 1.
   * @returns a promise that resolves once the queue is shut down and no handler is running.
   * @throws RangeError for a bad `concurrency`; Error if `run` was already called.
   */
  run(concurrency: number, handler: ReconcileHandler): Promise<void> {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`WorkQueue.run concurrency must be an integer >= 1, got ${String(concurrency)}`);
    }
    if (this.#handler) throw new Error('WorkQueue.run was already called');
    this.#handler = handler;
    this.#concurrency = concurrency;
    this.#schedulePump();
    return this.#idle;
  }

  /**
   * Stops the queue: further adds are ignored, waiting and scheduled keys are dropped, the timer is
   * cleared and no new handler starts. See {@link ShutdownOptions.drain} for in-flight handlers.
   * Safe to call more than once.
   */
  shutdown(options: ShutdownOptions): Promise<void> {
    if (!this.#shuttingDown) {
      this.#shuttingDown = true;
      this.#clearTimer();
      this.#delayed.clear();
      this.#queue.clear();
      this.#bulk.clear();
      this.#lane.clear();
      // Clearing dirty also cancels the re-queue of keys re-added while in flight.
      this.#dirty.clear();
      this.#failures.clear();
      this.#reportDepth();
    }
    if (!options.drain && !this.#abort.signal.aborted) {
      this.#abort.abort(new Error('work queue shut down'));
    }
    this.#checkIdle();
    return options.drain ? this.#idle : Promise.resolve();
  }

  #backoff(failures: number): number {
    try {
      return exponentialBackoff(failures, this.#baseDelayMs, this.#maxDelayMs, this.#jitter);
    } catch {
      // A faulty jitter function must not lose the key; fall back to the plain delay.
      return exponentialBackoff(failures, this.#baseDelayMs, this.#maxDelayMs);
    }
  }

  // Starting handlers from a microtask rather than inside add() keeps the caller (often an informer
  // event handler) from running reconcile code on its own stack, and batches a burst of adds.
  #schedulePump(): void {
    if (this.#pumpScheduled || !this.#handler || this.#shuttingDown) return;
    this.#pumpScheduled = true;
    const pump = (): void => {
      this.#pumpScheduled = false;
      this.#pump();
    };
    // The first pump of a turn arranges for the count to restart at the next turn.
    if (this.#pumpsThisTurn++ === 0) macrotask(() => (this.#pumpsThisTurn = 0));
    if (this.#pumpsThisTurn < MAX_PUMPS_PER_TURN) {
      queueMicrotask(pump);
      return;
    }
    this.#pumpsThisTurn = 0;
    macrotask(pump);
  }

  #pump(): void {
    const handler = this.#handler;
    if (!handler) return;
    let started = false;
    while (!this.#shuttingDown && this.#processing.size < this.#concurrency) {
      const key = this.#next();
      if (key === undefined) break;
      this.#lane.delete(key);
      this.#dirty.delete(key);
      this.#processing.add(key);
      started = true;
      void this.#process(key, handler);
    }
    if (started) this.#reportDepth();
  }

  // Never rejects: every step after the handler is non-throwing (hooks are guarded, #backoff falls
  // back), so a failing key can neither crash the process nor leak its processing slot.
  async #process(key: string, handler: ReconcileHandler): Promise<void> {
    const startedAt = performance.now();
    let outcome: ProcessOutcome = 'error';
    let requeueAfterMs = 0;
    try {
      const result = await handler(key, this.#abort.signal);
      const after = typeof result === 'object' && result !== null ? result.requeueAfterMs : undefined;
      if (typeof after === 'number' && !Number.isNaN(after)) {
        outcome = 'requeue';
        requeueAfterMs = after;
      } else {
        outcome = 'success';
      }
    } catch (error) {
      this.#notify((o) => o.onError?.(key, error));
    }

    this.#processing.delete(key);
    if (this.#dirty.has(key)) {
      // Re-added during the run: queue it now that no worker holds it.
      this.#lane.set(key, 'now');
      this.#queue.push(key);
      this.#reportDepth();
    }
    if (outcome === 'error') {
      this.addRateLimited(key);
    } else {
      this.forget(key);
      if (outcome === 'requeue') this.addAfter(key, requeueAfterMs);
    }
    const durationMs = performance.now() - startedAt;
    this.#notify((o) => o.onProcessed?.(key, durationMs, outcome));
    this.#schedulePump();
    this.#checkIdle();
  }

  #armTimer(): void {
    const due = this.#delayed.peekDue();
    if (due === this.#timerDue) return;
    this.#clearTimer();
    if (due === undefined) return;
    const wait = Math.min(Math.max(0, due - performance.now()), MAX_TIMER_MS);
    this.#timerDue = due;
    this.#timer = setTimeout(() => this.#fireTimer(), wait);
    this.#timer.unref?.();
  }

  #fireTimer(): void {
    this.#timer = undefined;
    this.#timerDue = undefined;
    // Node may fire a hair before a fractional deadline; anything not yet due is simply re-armed.
    const now = performance.now();
    for (let key = this.#delayed.popDue(now); key !== undefined; key = this.#delayed.popDue(now)) {
      this.add(key);
    }
    this.#armTimer();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = undefined;
  }

  #checkIdle(): void {
    if (this.#shuttingDown && this.#processing.size === 0) this.#resolveIdle();
  }

  #reportDepth(): void {
    const depth = this.#lane.size;
    if (depth === this.#lastDepth) return;
    this.#lastDepth = depth;
    this.#notify((o) => o.onDepth?.(depth));
  }

  #notify(call: (observer: WorkQueueObserver) => void): void {
    const observer = this.#observer;
    if (!observer) return;
    try {
      call(observer);
    } catch {
      // Instrumentation must never break the queue's invariants.
    }
  }
}

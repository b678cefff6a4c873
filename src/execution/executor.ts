// One executor per member cluster: its own bounded queue, its own concurrency, a timeout on every request,
// retries with backoff, and fast failure while the cluster does not answer. A reconcile hands it work and
// returns at once; the outcome comes back through a callback. So a hung or slow member delays only its own
// work, never another cluster's, and never a controller's workers.
//
// Work is keyed: a newer item for a key replaces the queued one (only the latest desired state matters), and an
// item for a key that is running waits for it, so one object never has two requests in flight in one cluster.
import { PropagationStatus } from '../api/constants.js';
import { exponentialBackoff, proportionalJitter } from '../queue/backoff.js';
import { Fifo } from '../queue/fifo.js';
import type { RestClient } from '../kube/rest-client.js';
import type { Logger } from '../util/log.js';
import { performAction } from './perform.js';
import type { WorkItem, WorkOutcome } from './work.js';

export type OutcomeHandler = (outcome: WorkOutcome) => void;

/**
 * What the sync controllers and `Executors` use of a member cluster's executor. Push clusters have a
 * ClusterExecutor (requests to the member's API server); pull clusters a BundleExecutor (src/pull/), which
 * publishes the work for the cluster's agent and reads the outcomes back from its reports.
 */
export interface MemberExecutor {
  readonly cluster: string;
  /** False while failing fast: work handed in now is answered at once without being sent. */
  readonly available: boolean;
  /** Work waiting (queued, backing off, or published and not reported done). */
  readonly queued: number;
  /** Requests (or bundle writes) in flight. */
  readonly inFlight: number;
  /**
   * Hands in the latest work for `key`; the outcome comes to `onOutcome`, asynchronously, more than once while
   * the work is retried. Returns false when the work was not taken (full; no outcome will come).
   */
  submit(key: string, item: WorkItem, onOutcome: OutcomeHandler): boolean;
  /** Forgets waiting work for `key` (no outcome); work already under way finishes. */
  cancel(key: string): void;
  /** Called when the executor takes work again after failing fast. */
  onAvailable(listener: () => void): () => void;
  /** The cluster is seen ready: stop failing fast. */
  markReady(): void;
  /** The cluster is seen not ready: answer waiting work at once rather than let it wait. */
  markNotReady(): void;
  stop(): Promise<void>;
}

/** Hooks for metrics, so the executor never imports the metrics layer. */
export interface ExecutorObserver {
  onDepth?(cluster: string, queued: number, inFlight: number): void;
  onAvailability?(cluster: string, available: boolean): void;
}

export interface ExecutorSettings {
  /** Requests in flight at once to this cluster. */
  maxInFlight: number;
  /** Distinct keys waiting at most; a submission beyond it is refused (the caller retries later). */
  maxQueued: number;
  /** Timeout of each request. */
  requestTimeoutMs: number;
  /** Unanswered requests in a row (timeouts, refused or reset connections) before failing fast. */
  unansweredBeforeFastFail: number;
  /** How long to fail fast before letting one request through to try again; doubles up to the max. */
  fastFailCooldownMs: number;
  fastFailCooldownMaxMs: number;
  /** Backoff of retries after a transient failure. */
  retryBaseMs: number;
  retryMaxMs: number;
}

export const DEFAULT_EXECUTOR_SETTINGS: ExecutorSettings = {
  maxInFlight: 16,
  maxQueued: 100_000,
  requestTimeoutMs: 10_000,
  unansweredBeforeFastFail: 3,
  fastFailCooldownMs: 10_000,
  fastFailCooldownMaxMs: 60_000,
  retryBaseMs: 500,
  retryMaxMs: 30_000,
};

export interface ClusterExecutorOptions {
  cluster: string;
  /** The cluster's current client (rebuilt by the registry when its credentials change). */
  client: () => RestClient | undefined;
  settings?: Partial<ExecutorSettings>;
  log: Logger;
  observer?: ExecutorObserver | undefined;
}

interface Entry {
  key: string;
  item: WorkItem;
  onOutcome: OutcomeHandler;
  /** Replaces `item` once the running request for this key is done. */
  next: { item: WorkItem; onOutcome: OutcomeHandler } | undefined;
  running: boolean;
  /** In the ready queue (a stale queue slot is skipped). */
  queued: boolean;
  failures: number;
  retryTimer: NodeJS.Timeout | undefined;
}

/** closed: normal; open: failing fast; probing: one request at a time to see whether the cluster answers. */
type Breaker = 'closed' | 'open' | 'probing';

export class ClusterExecutor implements MemberExecutor {
  readonly cluster: string;
  private readonly settings: ExecutorSettings;
  private readonly entries = new Map<string, Entry>();
  private readonly ready = new Fifo<Entry>();
  private readonly availabilityListeners = new Set<() => void>();
  private readonly jitter = proportionalJitter(0.2);
  private running = 0;
  private unanswered = 0;
  private breaker: Breaker = 'closed';
  private cooldownMs: number;
  private cooldownTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: ClusterExecutorOptions) {
    this.cluster = options.cluster;
    this.settings = { ...DEFAULT_EXECUTOR_SETTINGS, ...options.settings };
    this.cooldownMs = this.settings.fastFailCooldownMs;
  }

  /** False while failing fast: work handed in now is answered at once without a request. */
  get available(): boolean {
    return this.breaker !== 'open' && !this.stopped;
  }

  /** Keys waiting (queued or backing off) and requests in flight. */
  get queued(): number {
    return this.entries.size - this.running;
  }

  get inFlight(): number {
    return this.running;
  }

  /** Called when the executor takes work again after failing fast. */
  onAvailable(listener: () => void): () => void {
    this.availabilityListeners.add(listener);
    return () => this.availabilityListeners.delete(listener);
  }

  /**
   * Hands in the latest work for `key`; the outcome comes to `onOutcome`, asynchronously. Returns false when
   * the queue is full and the work was not taken (no outcome will come).
   */
  submit(key: string, item: WorkItem, onOutcome: OutcomeHandler): boolean {
    if (this.stopped || this.breaker === 'open') {
      queueMicrotask(() => onOutcome(this.notAttempted(item)));
      return true;
    }
    const entry = this.entries.get(key);
    if (entry?.running) {
      entry.next = { item, onOutcome };
      return true;
    }
    if (entry) {
      entry.item = item;
      entry.onOutcome = onOutcome;
      entry.failures = 0;
      this.enqueue(entry);
      return true;
    }
    if (this.entries.size >= this.settings.maxQueued) return false;
    const created: Entry = { key, item, onOutcome, next: undefined, running: false, queued: false, failures: 0, retryTimer: undefined };
    this.entries.set(key, created);
    this.enqueue(created);
    return true;
  }

  /** Forgets waiting work for `key` (no outcome); a request in flight finishes. */
  cancel(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    if (entry.running) {
      entry.next = undefined;
      return;
    }
    this.forget(entry);
  }

  /** The health prober sees the cluster ready: stop failing fast. */
  markReady(): void {
    if (this.breaker === 'closed') return;
    this.close();
  }

  /** The health prober sees the cluster not ready: answer all waiting work now rather than let it wait. */
  markNotReady(): void {
    this.failWaiting(`cluster "${this.cluster}" is not ready`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.cooldownTimer) clearTimeout(this.cooldownTimer);
    this.failWaiting(`the executor of cluster "${this.cluster}" stopped`);
    if (this.running > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(entry: Entry): void {
    if (entry.retryTimer) {
      clearTimeout(entry.retryTimer);
      entry.retryTimer = undefined;
    }
    if (!entry.queued) {
      entry.queued = true;
      this.ready.push(entry);
    }
    this.pump();
  }

  private forget(entry: Entry): void {
    if (entry.retryTimer) clearTimeout(entry.retryTimer);
    entry.retryTimer = undefined;
    entry.queued = false;
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
    this.observe();
  }

  private pump(): void {
    const limit = this.breaker === 'probing' ? 1 : this.settings.maxInFlight;
    while (this.running < limit && this.breaker !== 'open' && !this.stopped) {
      const entry = this.ready.shift();
      if (!entry) break;
      if (!entry.queued || this.entries.get(entry.key) !== entry) continue;
      entry.queued = false;
      void this.run(entry);
    }
    this.observe();
  }

  private async run(entry: Entry): Promise<void> {
    entry.running = true;
    this.running++;
    const { item, onOutcome } = entry;
    const client = this.options.client();
    const started = performance.now();
    const outcome: WorkOutcome = client
      ? await performAction(client, item, { timeoutMs: this.settings.requestTimeoutMs })
      : { ...this.notAttempted(item), message: `cluster "${this.cluster}" has no usable client` };
    outcome.elapsedMs = performance.now() - started;
    this.running--;
    // Still running while the answer is counted: if it opens the breaker, the work that waits is answered
    // not-attempted, but this entry gets its own outcome below, not a second, earlier one.
    this.noteAnswer(outcome);
    entry.running = false;
    if (outcome.retrying && (this.breaker === 'open' || this.stopped || entry.next)) outcome.retrying = false;
    this.deliver(onOutcome, outcome);

    if (entry.next) {
      entry.item = entry.next.item;
      entry.onOutcome = entry.next.onOutcome;
      entry.next = undefined;
      entry.failures = 0;
      if (this.breaker === 'open' || this.stopped) {
        this.forget(entry);
        this.deliver(entry.onOutcome, this.notAttempted(entry.item));
      } else {
        this.enqueue(entry);
      }
    } else if (outcome.retrying) {
      const delay = exponentialBackoff(entry.failures++, this.settings.retryBaseMs, this.settings.retryMaxMs, this.jitter);
      entry.retryTimer = setTimeout(() => {
        entry.retryTimer = undefined;
        if (this.entries.get(entry.key) === entry) this.enqueue(entry);
      }, delay);
      entry.retryTimer.unref();
    } else {
      this.forget(entry);
    }
    if (this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.pump();
  }

  /** Counts unanswered requests in a row; too many, and the executor fails fast for a while. */
  private noteAnswer(outcome: WorkOutcome): void {
    if (outcome.notAttempted) return;
    if (!outcome.unanswered) {
      this.unanswered = 0;
      if (this.breaker === 'probing') this.close();
      return;
    }
    this.unanswered++;
    if (this.breaker === 'probing' || (this.breaker === 'closed' && this.unanswered >= this.settings.unansweredBeforeFastFail)) this.open();
  }

  private open(): void {
    const wasProbing = this.breaker === 'probing';
    this.breaker = 'open';
    if (wasProbing) this.cooldownMs = Math.min(this.cooldownMs * 2, this.settings.fastFailCooldownMaxMs);
    this.options.log.warn(
      { cluster: this.cluster, unanswered: this.unanswered, retryInMs: this.cooldownMs },
      'member cluster does not answer; failing its work fast',
    );
    this.options.observer?.onAvailability?.(this.cluster, false);
    this.failWaiting(`cluster "${this.cluster}" does not answer (${this.unanswered} requests in a row got no answer)`);
    if (this.cooldownTimer) clearTimeout(this.cooldownTimer);
    this.cooldownTimer = setTimeout(() => {
      this.cooldownTimer = undefined;
      if (this.breaker !== 'open' || this.stopped) return;
      this.breaker = 'probing';
      this.announceAvailable();
    }, this.cooldownMs);
    this.cooldownTimer.unref();
  }

  private close(): void {
    if (this.cooldownTimer) clearTimeout(this.cooldownTimer);
    this.cooldownTimer = undefined;
    const wasOpen = this.breaker === 'open';
    this.breaker = 'closed';
    this.unanswered = 0;
    this.cooldownMs = this.settings.fastFailCooldownMs;
    this.options.log.info({ cluster: this.cluster }, 'member cluster answers again');
    this.options.observer?.onAvailability?.(this.cluster, true);
    if (wasOpen) this.announceAvailable();
    this.pump();
  }

  private announceAvailable(): void {
    for (const listener of this.availabilityListeners) {
      try {
        listener();
      } catch (err) {
        this.options.log.error({ cluster: this.cluster, err: (err as Error).message }, 'executor listener failed');
      }
    }
  }

  /** Answers every waiting key (not those in flight) with a not-attempted outcome. */
  private failWaiting(message: string): void {
    for (const entry of [...this.entries.values()]) {
      if (entry.running) {
        if (entry.next) {
          const next = entry.next;
          entry.next = undefined;
          this.deliver(next.onOutcome, { ...this.notAttempted(next.item), message });
        }
        continue;
      }
      this.forget(entry);
      this.deliver(entry.onOutcome, { ...this.notAttempted(entry.item), message });
    }
  }

  private notAttempted(item: WorkItem): WorkOutcome {
    const hash = item.action.kind === 'create' || item.action.kind === 'update' ? item.action.hash : undefined;
    return {
      kind: item.action.kind,
      hash,
      status: PropagationStatus.ClusterNotReady,
      message: `cluster "${this.cluster}" does not answer`,
      notAttempted: true,
    };
  }

  private deliver(onOutcome: OutcomeHandler, outcome: WorkOutcome): void {
    try {
      onOutcome(outcome);
    } catch (err) {
      this.options.log.error({ cluster: this.cluster, err: (err as Error).message }, 'outcome handler failed');
    }
  }

  private observe(): void {
    this.options.observer?.onDepth?.(this.cluster, this.queued, this.running);
  }
}

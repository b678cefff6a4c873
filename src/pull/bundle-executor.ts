// The executor of a pull cluster, on the host: work handed in is published as an entry of the cluster's
// bundles (batched by the link's ShardWriter), and its outcome comes back from the agent's report of that
// entry. The sync controller sees what a push cluster's ClusterExecutor gives it: keyed work, the latest
// submission replacing the previous one, outcomes more than once while the agent retries, and "not attempted"
// at once while the cluster is not ready (the published entries stay: the agent carries them out when back).
import { PropagationStatus } from '../api/constants.js';
import type { ExecutorObserver, MemberExecutor, OutcomeHandler } from '../execution/executor.js';
import type { WorkItem, WorkOutcome } from '../execution/work.js';
import { canonicalJson } from '../sync/render.js';
import type { Logger } from '../util/log.js';
import { acceptedOutcome, isFinal, needsNewSeq, type PublishedWork } from './decide.js';
import { bundleEntryFor } from './entries.js';
import type { PullLink } from './link.js';
import { MAX_SHARD_BYTES, typeId as typeIdOf } from './names.js';

export interface BundleExecutorOptions {
  link: PullLink;
  log: Logger;
  /** Entries published at most, all types together; a submission beyond it is refused. Default 100,000. */
  maxEntries?: number;
  /** The executor metrics, as push clusters' executors feed them. */
  observer?: ExecutorObserver | undefined;
}

interface Pending extends PublishedWork {
  typeId: string;
  key: string;
  onOutcome: OutcomeHandler;
  /** The last outcome delivered (canonical JSON), so that a report rewritten for other reasons repeats nothing. */
  delivered: string | undefined;
}

const DEFAULT_MAX_ENTRIES = 100_000;

export class BundleExecutor implements MemberExecutor {
  readonly cluster: string;
  private readonly link: PullLink;
  private readonly pending = new Map<string, Pending>();
  /** `typeId|key` → work key. */
  private readonly byEntry = new Map<string, string>();
  /** Handed in before the bundles were read. */
  private readonly deferred = new Map<string, { item: WorkItem; onOutcome: OutcomeHandler }>();
  private readonly availabilityListeners = new Set<() => void>();
  private readonly unsubscribe: () => void;
  private ready = true;
  private stopped = false;

  constructor(private readonly options: BundleExecutorOptions) {
    this.link = options.link;
    this.cluster = options.link.cluster;
    this.unsubscribe = this.link.onReportEntry((typeId, key) => {
      const workKey = this.byEntry.get(`${typeId}|${key}`);
      if (workKey !== undefined) this.check(workKey);
    });
    void this.link.whenLoaded().then(() => {
      for (const [key, { item, onOutcome }] of [...this.deferred]) {
        this.deferred.delete(key);
        this.submit(key, item, onOutcome);
      }
    });
  }

  /**
   * False while the heartbeat is stale, as a push cluster's executor is while it fails fast: the planner must
   * not hand in work that would only come back "not attempted" at once (and be handed in again, at once).
   */
  get available(): boolean {
    return !this.stopped && this.ready;
  }

  /** Work published and not reported done. */
  get queued(): number {
    return this.pending.size + this.deferred.size;
  }

  /** Bundle shards being written or waiting to be. */
  get inFlight(): number {
    return this.link.bundles.pendingShards();
  }

  onAvailable(listener: () => void): () => void {
    this.availabilityListeners.add(listener);
    return () => this.availabilityListeners.delete(listener);
  }

  submit(workKey: string, item: WorkItem, onOutcome: OutcomeHandler): boolean {
    if (this.stopped || !this.ready) {
      const message = this.stopped ? `the executor of cluster "${this.cluster}" stopped` : `cluster "${this.cluster}" is not ready`;
      queueMicrotask(() => this.deliver(onOutcome, { ...notAttempted(item), message }));
      return true;
    }
    if (!this.link.isLoaded) {
      this.deferred.set(workKey, { item, onOutcome });
      return true;
    }
    const typeId = typeIdOf(item.type);
    const key = item.targetKey;
    const published = this.link.bundleEntry(typeId, key);
    const entry = bundleEntryFor(key, 0, item.action);
    let seq: number;
    if (needsNewSeq(published, entry.action, this.link.report(typeId, key))) {
      if (!published && this.link.bundles.entries(typeId).size >= (this.options.maxEntries ?? DEFAULT_MAX_ENTRIES)) return false;
      seq = this.link.nextSeq();
      if (!this.link.bundles.set(typeId, key, JSON.stringify({ ...entry, seq }))) {
        queueMicrotask(() => this.deliver(onOutcome, tooLarge(item)));
        return true;
      }
    } else {
      seq = published!.seq;
    }
    const previous = this.byEntry.get(`${typeId}|${key}`);
    if (previous !== undefined && previous !== workKey) this.pending.delete(previous);
    const hash = item.action.kind === 'create' || item.action.kind === 'update' ? item.action.hash : undefined;
    this.pending.set(workKey, { typeId, key, seq, kind: item.action.kind, hash, onOutcome, delivered: undefined });
    this.byEntry.set(`${typeId}|${key}`, workKey);
    // A report may answer it already (the agent retries it, or did it before this host restarted).
    queueMicrotask(() => this.check(workKey));
    this.observe();
    return true;
  }

  /** Forgets the work; an entry the agent has not carried out leaves the bundle. */
  cancel(workKey: string): void {
    this.deferred.delete(workKey);
    const p = this.pending.get(workKey);
    if (!p) return;
    this.forget(workKey, p);
    const published = this.link.bundleEntry(p.typeId, p.key);
    const done = this.link.report(p.typeId, p.key)?.done;
    if (published?.seq === p.seq && !(done?.seq === p.seq && isFinal(done.outcome))) this.link.bundles.set(p.typeId, p.key, undefined);
  }

  markReady(): void {
    if (this.ready) return;
    this.ready = true;
    this.options.observer?.onAvailability?.(this.cluster, true);
    for (const listener of this.availabilityListeners) {
      try {
        listener();
      } catch (err) {
        this.options.log.error({ cluster: this.cluster, err: (err as Error).message }, 'executor listener failed');
      }
    }
  }

  /** The heartbeat is stale: every waiting callback hears "not attempted" now; the entries stay published. */
  markNotReady(): void {
    if (this.ready) this.options.observer?.onAvailability?.(this.cluster, false);
    this.ready = false;
    this.failWaiting(`cluster "${this.cluster}" is not ready`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    this.failWaiting(`the executor of cluster "${this.cluster}" stopped`);
  }

  private check(workKey: string): void {
    const p = this.pending.get(workKey);
    if (!p) return;
    const outcome = acceptedOutcome(p, this.link.report(p.typeId, p.key)?.done);
    if (!outcome) return;
    const text = canonicalJson(outcome);
    if (text === p.delivered) return;
    p.delivered = text;
    if (!outcome.retrying) this.forget(workKey, p);
    this.deliver(p.onOutcome, outcome);
  }

  private forget(workKey: string, p: Pending): void {
    this.pending.delete(workKey);
    if (this.byEntry.get(`${p.typeId}|${p.key}`) === workKey) this.byEntry.delete(`${p.typeId}|${p.key}`);
    this.observe();
  }

  private observe(): void {
    this.options.observer?.onDepth?.(this.cluster, this.queued, this.inFlight);
  }

  private failWaiting(message: string): void {
    const waiting = [...this.pending.values()];
    this.pending.clear();
    this.byEntry.clear();
    for (const p of waiting) {
      this.deliver(p.onOutcome, { kind: p.kind, hash: p.hash, status: PropagationStatus.ClusterNotReady, message, notAttempted: true });
    }
    for (const [key, { item, onOutcome }] of [...this.deferred]) {
      this.deferred.delete(key);
      this.deliver(onOutcome, { ...notAttempted(item), message });
    }
    this.observe();
  }

  private deliver(onOutcome: OutcomeHandler, outcome: WorkOutcome): void {
    try {
      onOutcome(outcome);
    } catch (err) {
      this.options.log.error({ cluster: this.cluster, err: (err as Error).message }, 'outcome handler failed');
    }
  }
}

function hashOf(item: WorkItem): string | undefined {
  return item.action.kind === 'create' || item.action.kind === 'update' ? item.action.hash : undefined;
}

function notAttempted(item: WorkItem): WorkOutcome {
  return { kind: item.action.kind, hash: hashOf(item), status: PropagationStatus.ClusterNotReady, notAttempted: true };
}

/** An object too large for one shard is never published: sending it again cannot help. */
function tooLarge(item: WorkItem): WorkOutcome {
  const status = item.action.kind === 'create' ? PropagationStatus.CreationFailed : PropagationStatus.UpdateFailed;
  return {
    kind: item.action.kind,
    hash: hashOf(item),
    status,
    message: `${item.type.kind} "${item.targetKey}" is too large for pull mode: its bundle entry would pass ${MAX_SHARD_BYTES / 1024} KiB`,
    refused: true,
  };
}

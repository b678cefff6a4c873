// Leader election on a coordination.k8s.io Lease (or, when the KubeFedConfig asks for KubeFed's
// `resourceLock: configmaps|endpoints`, on that object, in client-go's annotation format, so that kubefed-ts
// and a KubeFed still holding the same lock exclude each other), so that of several controller-manager
// replicas exactly one reconciles. As in client-go: a lease is taken over only after it has gone unrenewed for its whole
// duration *as observed by our own clock* (no trust in other machines' clocks), the leader gives up once it
// has failed to renew for `renewDeadline` (shorter than the lease, so it stops before anyone else may
// start), and a clean shutdown releases the lease so a standby takes over at once.
//
// A renewal is one write over the lock as our own last write left it (its resourceVersion makes it a
// compare-and-swap), not a read and a write: while nobody else writes the lock, the read would only tell us
// what we wrote. A conflict means someone did write it; then we read it and decide as a standby would, and a
// leader that finds another holder named stops leading at once.
import { errorMessage, isConflict, isNotFound, isAlreadyExists } from '../kube/errors.js';
import type { RestClient } from '../kube/rest-client.js';
import { CoreTypes, type KubeObject, type ResourceType } from '../kube/types.js';
import type { Logger } from '../util/log.js';

/** The lock kinds: KubeFedConfig `spec.leaderElect.resourceLock`. */
export type LockKind = 'leases' | 'configmaps' | 'endpoints';

export interface LeaderElectionOptions {
  client: RestClient;
  namespace: string;
  /** Lock name; KubeFed's lock was named `kubefed-controller-manager`. */
  name: string;
  /** Default `leases`. */
  lockKind?: LockKind;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log: Logger;
  onStartedLeading: () => void;
  /** Called once when leadership is lost (not on a requested stop). */
  onStoppedLeading: () => void;
}

/** client-go's LeaderElectionRecord: the same facts whatever object holds them. */
export interface LeaderElectionRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaderTransitions?: number;
}

/** Reads and writes the record on its object; `write` is a compare-and-swap on the object's resourceVersion. */
interface LockStore {
  type: ResourceType;
  recordOf(object: KubeObject): LeaderElectionRecord;
  /** The object to create or replace: `base` (the stored one, if any) holding `record`. */
  withRecord(base: KubeObject | undefined, record: LeaderElectionRecord, name: string, namespace: string): KubeObject;
  /** Timestamps in the format the kind stores them. */
  time(d: Date): string;
}

const FIELD_MANAGER = 'kubefed-ts-leader-election';

/** What one attempt found: we hold the lock now, or not, and whether another holder is named in it. */
interface Attempt {
  held: boolean;
  /** Another identity holds a lock that has not expired (by our clock). */
  otherHolder?: string | undefined;
}

/**
 * The decision on a leader record as read (pure): the record to write to hold the lock, or the holder to wait
 * for. `observedAt` is when (our clock, ms) we first saw this very record; a lock held by another is free only
 * once it has stayed the same for its whole duration since then. `time` formats timestamps for the lock's kind.
 */
export function decideOnLease(
  current: LeaderElectionRecord,
  at: { identity: string; leaseDurationMs: number; now: Date; observedAt: number; time?: (d: Date) => string },
): { write: LeaderElectionRecord } | { waitFor: string } {
  const { identity, now } = at;
  const holder = current.holderIdentity;
  const durationMs = (current.leaseDurationSeconds ?? 0) * 1000;
  if (!!holder && holder !== identity && at.observedAt + durationMs > now.getTime()) return { waitFor: holder };
  const ours = holder === identity;
  const stamp = (at.time ?? microTime)(now);
  return {
    write: {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(at.leaseDurationMs / 1000),
      acquireTime: ours ? (current.acquireTime ?? stamp) : stamp,
      renewTime: stamp,
      leaderTransitions: (current.leaderTransitions ?? 0) + (ours ? 0 : 1),
    },
  };
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

const LEASE_STORE: LockStore = {
  type: CoreTypes.lease,
  recordOf(object) {
    const { leaseTransitions, ...rest } = ((object as { spec?: LeaseSpec }).spec ?? {});
    return { ...rest, ...(leaseTransitions !== undefined && { leaderTransitions: leaseTransitions }) };
  },
  withRecord(base, record, name, namespace) {
    const { leaderTransitions, ...rest } = record;
    const spec: LeaseSpec = { ...rest, ...(leaderTransitions !== undefined && { leaseTransitions: leaderTransitions }) };
    return { ...(base ?? { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace } }), spec };
  },
  time: microTime,
};

/** Where client-go's ConfigMap and Endpoints locks (the ones KubeFed v0.10 used) keep the record. */
export const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

function annotationStore(type: ResourceType): LockStore {
  return {
    type,
    recordOf(object) {
      const text = object.metadata?.annotations?.[LEADER_ANNOTATION];
      if (!text) return {};
      // Unreadable: as in client-go, an error (retried), never a lock taken over blindly.
      const record: unknown = JSON.parse(text);
      if (typeof record !== 'object' || record === null) throw new Error(`the ${LEADER_ANNOTATION} annotation is not a leader election record`);
      return record as LeaderElectionRecord;
    },
    withRecord(base, record, name, namespace) {
      const object = base ?? { apiVersion: 'v1', kind: type.kind, metadata: { name, namespace } };
      const metadata = object.metadata ?? {};
      return { ...object, metadata: { ...metadata, annotations: { ...metadata.annotations, [LEADER_ANNOTATION]: JSON.stringify(record) } } };
    },
    // metav1.Time: RFC 3339 in whole seconds.
    time: (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

const ENDPOINTS: ResourceType = { group: '', version: 'v1', plural: 'endpoints', kind: 'Endpoints', namespaced: true };

const LOCK_STORES: Record<LockKind, LockStore> = {
  leases: LEASE_STORE,
  configmaps: annotationStore(CoreTypes.configMap),
  endpoints: annotationStore(ENDPOINTS),
};

export class LeaderElector {
  private leader = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  /** The record we last saw and when (our clock), to judge expiry without comparing clocks. */
  private observed: { key: string; at: number } = { key: '', at: 0 };
  /** The lock as our last successful write returned it: the next renewal writes over it without a read. */
  private written: KubeObject | undefined;
  private readonly log: Logger;

  private readonly store: LockStore;

  constructor(private readonly options: LeaderElectionOptions) {
    this.store = LOCK_STORES[options.lockKind ?? 'leases'];
    this.log = options.log.child({
      component: 'leader-election',
      lock: `${this.store.type.kind} ${options.namespace}/${options.name}`,
      identity: options.identity,
    });
  }

  isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.log.info('waiting to acquire the leader lease');
    this.schedule(0);
  }

  /** Stops campaigning; a leader releases the lease so that a standby need not wait for it to expire. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leader && release) {
      this.leader = false;
      try {
        if (await this.release()) this.log.info('released the leader lease');
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'could not release the leader lease');
      }
    }
  }

  /** Marks the lock free (expired at once), unless someone else has written it since we did. */
  private async release(): Promise<boolean> {
    const { identity, name, namespace } = this.options;
    const released = (lock: KubeObject): KubeObject => {
      const now = this.store.time(new Date());
      const record = this.store.recordOf(lock);
      return this.store.withRecord(lock, { ...record, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now }, name, namespace);
    };
    if (this.written) {
      try {
        await this.put(released(this.written));
        return true;
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
    const lock = await this.get();
    if (!lock || this.store.recordOf(lock).holderIdentity !== identity) return false;
    await this.put(released(lock));
    return true;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.options;
    let attempt: Attempt = { held: false };
    try {
      attempt = await this.tryAcquireOrRenew();
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'leader lease request failed');
    }
    if (this.stopped) return;
    const now = Date.now();
    if (attempt.held) {
      this.lastRenew = now;
      if (!this.leader) {
        this.leader = true;
        this.log.info('promoted as leader');
        this.options.onStartedLeading();
      }
    } else if (this.leader && (attempt.otherHolder !== undefined || now - this.lastRenew >= renewDeadlineMs)) {
      // Another holder wrote itself into the lock: it reconciles now, so we stop at once rather than at the
      // renew deadline.
      this.leader = false;
      this.stopped = true;
      if (attempt.otherHolder !== undefined) this.log.error({ holder: attempt.otherHolder }, 'leader election lost: the lock names another holder');
      else this.log.error({ lastRenewMsAgo: now - this.lastRenew }, 'leader election lost: could not renew the lease in time');
      this.options.onStoppedLeading();
      return;
    }
    // Standbys retry with jitter so that they do not all hit the API server at the same moment.
    this.schedule(this.leader ? retryPeriodMs : retryPeriodMs * (1 + Math.random() * 0.2));
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const { identity, leaseDurationMs, namespace, name } = this.options;
    const time = this.store.time;
    if (this.leader && this.written) {
      const renewed = decideOnLease(this.store.recordOf(this.written), { identity, leaseDurationMs, now: new Date(), observedAt: Date.now(), time });
      if ('write' in renewed) {
        try {
          await this.put(this.store.withRecord(this.written, renewed.write, name, namespace));
          return { held: true };
        } catch (err) {
          // Someone else wrote (or deleted) the lock since our write: read it and decide below.
          if (!isConflict(err) && !isNotFound(err)) throw err;
          this.written = undefined;
        }
      }
    }
    const lock = await this.get();
    if (!lock) {
      const decision = decideOnLease({}, { identity, leaseDurationMs, now: new Date(), observedAt: Date.now(), time }) as { write: LeaderElectionRecord };
      try {
        this.written = await this.options.client.create<KubeObject>(
          this.store.type,
          this.store.withRecord(undefined, { ...decision.write, leaderTransitions: 0 }, name, namespace),
          FIELD_MANAGER,
        );
        return { held: true };
      } catch (err) {
        if (isAlreadyExists(err)) return { held: false };
        throw err;
      }
    }
    const current = this.store.recordOf(lock);
    const key = `${current.holderIdentity}|${current.renewTime}|${lock.metadata?.resourceVersion}`;
    if (key !== this.observed.key) this.observed = { key, at: Date.now() };
    const decision = decideOnLease(current, { identity, leaseDurationMs, now: new Date(), observedAt: this.observed.at, time });
    if ('waitFor' in decision) return { held: false, otherHolder: decision.waitFor };
    try {
      await this.put(this.store.withRecord(lock, decision.write, name, namespace));
      return { held: true };
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return { held: false };
      throw err;
    }
  }

  private async get(): Promise<KubeObject | undefined> {
    try {
      return await this.options.client.get<KubeObject>(this.store.type, this.options.name, this.options.namespace);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Writes `lock` and remembers the result for the next renewal. */
  private async put(lock: KubeObject): Promise<void> {
    // The resourceVersion makes this a compare-and-swap: two replicas cannot both win. managedFields are left
    // out: the server keeps its own, and the request stays small.
    const { managedFields: _ignored, ...metadata } = lock.metadata ?? {};
    this.written = await this.options.client.replace<KubeObject>(this.store.type, { ...lock, metadata }, { fieldManager: FIELD_MANAGER });
  }
}

/** metav1.MicroTime wants exactly six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

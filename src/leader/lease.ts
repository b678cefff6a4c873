// Leader election on a coordination.k8s.io Lease (or, when the KubeFedConfig asks for KubeFed's
// `resourceLock: configmaps|endpoints`, on that object, in client-go's annotation format, so that kubefed-ts
// and a KubeFed still holding the same lock exclude each other), so that of several controller-manager
// replicas exactly one reconciles. As in client-go: a lease is taken over only after it has gone unrenewed for its whole
// duration *as observed by our own clock* (no trust in other machines' clocks), the leader gives up once it
// has failed to renew for `renewDeadline` (shorter than the lease, so it stops before anyone else may
// start), and a clean shutdown releases the lease so a standby takes over at once.
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
        const lock = await this.get();
        const record = lock && this.store.recordOf(lock);
        if (lock && record?.holderIdentity === this.options.identity) {
          const now = this.store.time(new Date());
          await this.put(this.store.withRecord(lock, { ...record, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now }, this.options.name, this.options.namespace));
          this.log.info('released the leader lease');
        }
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'could not release the leader lease');
      }
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    const { retryPeriodMs, renewDeadlineMs } = this.options;
    let held = false;
    try {
      held = await this.tryAcquireOrRenew();
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'leader lease request failed');
    }
    if (this.stopped) return;
    const now = Date.now();
    if (held) {
      this.lastRenew = now;
      if (!this.leader) {
        this.leader = true;
        this.log.info('promoted as leader');
        this.options.onStartedLeading();
      }
    } else if (this.leader && now - this.lastRenew >= renewDeadlineMs) {
      this.leader = false;
      this.stopped = true;
      this.log.error({ lastRenewMsAgo: now - this.lastRenew }, 'leader election lost: could not renew the lease in time');
      this.options.onStoppedLeading();
      return;
    }
    // Standbys retry with jitter so that they do not all hit the API server at the same moment.
    this.schedule(this.leader ? retryPeriodMs : retryPeriodMs * (1 + Math.random() * 0.2));
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { identity, leaseDurationMs, namespace, name } = this.options;
    const now = this.store.time(new Date());
    const lock = await this.get();
    const record: LeaderElectionRecord = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
      acquireTime: now,
      renewTime: now,
      leaderTransitions: 0,
    };
    if (!lock) {
      try {
        await this.options.client.create(this.store.type, this.store.withRecord(undefined, record, name, namespace), 'kubefed-ts-leader-election');
        return true;
      } catch (err) {
        if (isAlreadyExists(err)) return false;
        throw err;
      }
    }
    const current = this.store.recordOf(lock);
    const key = `${current.holderIdentity}|${current.renewTime}|${lock.metadata?.resourceVersion}`;
    if (key !== this.observed.key) this.observed = { key, at: Date.now() };
    const heldByOther = !!current.holderIdentity && current.holderIdentity !== identity;
    const duration = (current.leaseDurationSeconds ?? 0) * 1000;
    if (heldByOther && this.observed.at + duration > Date.now()) return false;
    const next: LeaderElectionRecord = {
      ...record,
      acquireTime: current.holderIdentity === identity ? (current.acquireTime ?? record.acquireTime) : record.acquireTime,
      leaderTransitions: (current.leaderTransitions ?? 0) + (current.holderIdentity === identity ? 0 : 1),
    };
    try {
      await this.put(this.store.withRecord(lock, next, name, namespace));
      return true;
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return false;
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

  private async put(lock: KubeObject): Promise<void> {
    // The resourceVersion makes this a compare-and-swap: two standbys cannot both win.
    await this.options.client.replace(this.store.type, lock, { fieldManager: 'kubefed-ts-leader-election' });
  }
}

/** metav1.MicroTime wants exactly six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

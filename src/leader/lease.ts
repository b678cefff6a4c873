// Leader election on a coordination.k8s.io Lease, so that of several controller-manager replicas exactly
// one reconciles. As in client-go: a lease is taken over only after it has gone unrenewed for its whole
// duration *as observed by our own clock* (no trust in other machines' clocks), the leader gives up once it
// has failed to renew for `renewDeadline` (shorter than the lease, so it stops before anyone else may
// start), and a clean shutdown releases the lease so a standby takes over at once.
import { errorMessage, isConflict, isNotFound, isAlreadyExists } from '../kube/errors.js';
import type { RestClient } from '../kube/rest-client.js';
import { CoreTypes, type KubeObject } from '../kube/types.js';
import type { Logger } from '../util/log.js';

export interface LeaderElectionOptions {
  client: RestClient;
  namespace: string;
  /** Lease name; KubeFed's lock was named `kubefed-controller-manager`. */
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  log: Logger;
  onStartedLeading: () => void;
  /** Called once when leadership is lost (not on a requested stop). */
  onStoppedLeading: () => void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };

export class LeaderElector {
  private leader = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  /** The record we last saw and when (our clock), to judge expiry without comparing clocks. */
  private observed: { key: string; at: number } = { key: '', at: 0 };
  private readonly log: Logger;

  constructor(private readonly options: LeaderElectionOptions) {
    this.log = options.log.child({ component: 'leader-election', lease: `${options.namespace}/${options.name}`, identity: options.identity });
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
        const lease = await this.get();
        if (lease?.spec?.holderIdentity === this.options.identity) {
          const now = microTime(new Date());
          await this.put({ ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } });
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
    const now = new Date();
    const lease = await this.get();
    const spec: LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    if (!lease) {
      try {
        await this.options.client.create(CoreTypes.lease, { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec }, 'kubefed-ts-leader-election');
        return true;
      } catch (err) {
        if (isAlreadyExists(err)) return false;
        throw err;
      }
    }
    const current = lease.spec ?? {};
    const key = `${current.holderIdentity}|${current.renewTime}|${lease.metadata?.resourceVersion}`;
    if (key !== this.observed.key) this.observed = { key, at: Date.now() };
    const heldByOther = !!current.holderIdentity && current.holderIdentity !== identity;
    const duration = (current.leaseDurationSeconds ?? 0) * 1000;
    if (heldByOther && this.observed.at + duration > Date.now()) return false;
    const next: LeaseSpec = {
      ...spec,
      acquireTime: current.holderIdentity === identity ? (current.acquireTime ?? spec.acquireTime) : spec.acquireTime,
      leaseTransitions: (current.leaseTransitions ?? 0) + (current.holderIdentity === identity ? 0 : 1),
    };
    try {
      await this.put({ ...lease, spec: next });
      return true;
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return false;
      throw err;
    }
  }

  private async get(): Promise<Lease | undefined> {
    try {
      return await this.options.client.get<Lease>(CoreTypes.lease, this.options.name, this.options.namespace);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async put(lease: Lease): Promise<void> {
    // The resourceVersion makes this a compare-and-swap: two standbys cannot both win.
    await this.options.client.replace(CoreTypes.lease, lease, { fieldManager: 'kubefed-ts-leader-election' });
  }
}

/** metav1.MicroTime wants exactly six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

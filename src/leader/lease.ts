// Leader election on a coordination.k8s.io Lease, so that of several controller-manager replicas exactly
// one reconciles. As in client-go: a lease is taken over only after it has gone unrenewed for its whole
// duration *as observed by our own clock* (no trust in other machines' clocks), the leader gives up once it
// has failed to renew for `renewDeadline` (shorter than the lease, so it stops before anyone else may
// start), and a clean shutdown releases the lease so a standby takes over at once.
//
// A renewal is one PUT over the Lease as our own last write left it (its resourceVersion makes it a
// compare-and-swap), not a GET and a PUT: while nobody else writes the Lease, the read would only tell us
// what we wrote. A conflict means someone did write it; then we read it and decide as a standby would, and a
// leader that finds another holder named stops leading at once.
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

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };

const FIELD_MANAGER = 'kubefed-ts-leader-election';

/** What one attempt found: we hold the lease now, or not, and whether another holder is named in it. */
interface Attempt {
  held: boolean;
  /** Another identity holds a lease that has not expired (by our clock). */
  otherHolder?: string | undefined;
}

/**
 * The decision on a Lease as read (pure): the spec to write to hold it, or the holder to wait for. `observedAt`
 * is when (our clock, ms) we first saw this very record; a lease held by another is free only once it has
 * stayed the same for its whole duration since then.
 */
export function decideOnLease(
  current: LeaseSpec,
  at: { identity: string; leaseDurationMs: number; now: Date; observedAt: number },
): { write: LeaseSpec } | { waitFor: string } {
  const { identity, now } = at;
  const holder = current.holderIdentity;
  const heldByOther = !!holder && holder !== identity;
  const durationMs = (current.leaseDurationSeconds ?? 0) * 1000;
  if (heldByOther && at.observedAt + durationMs > now.getTime()) return { waitFor: holder };
  const ours = holder === identity;
  const nowMicro = microTime(now);
  return {
    write: {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(at.leaseDurationMs / 1000),
      acquireTime: ours ? (current.acquireTime ?? nowMicro) : nowMicro,
      renewTime: nowMicro,
      leaseTransitions: (current.leaseTransitions ?? 0) + (ours ? 0 : 1),
    },
  };
}

export class LeaderElector {
  private leader = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private lastRenew = 0;
  /** The record we last saw and when (our clock), to judge expiry without comparing clocks. */
  private observed: { key: string; at: number } = { key: '', at: 0 };
  /** The Lease as our last successful write returned it: the next renewal writes over it without a read. */
  private written: Lease | undefined;
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
        if (await this.release()) this.log.info('released the leader lease');
      } catch (err) {
        this.log.warn({ err: errorMessage(err) }, 'could not release the leader lease');
      }
    }
  }

  /** Marks the lease free (expired at once), unless someone else has written it since we did. */
  private async release(): Promise<boolean> {
    const released = (lease: Lease): Lease => {
      const now = microTime(new Date());
      return { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } };
    };
    if (this.written) {
      try {
        await this.put(released(this.written));
        return true;
      } catch (err) {
        if (!isConflict(err) && !isNotFound(err)) throw err;
      }
    }
    const lease = await this.get();
    if (lease?.spec?.holderIdentity !== this.options.identity) return false;
    await this.put(released(lease));
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
      // Another holder wrote itself into the Lease: it reconciles now, so we stop at once rather than at the
      // renew deadline.
      this.leader = false;
      this.stopped = true;
      if (attempt.otherHolder !== undefined) this.log.error({ holder: attempt.otherHolder }, 'leader election lost: the lease names another holder');
      else this.log.error({ lastRenewMsAgo: now - this.lastRenew }, 'leader election lost: could not renew the lease in time');
      this.options.onStoppedLeading();
      return;
    }
    // Standbys retry with jitter so that they do not all hit the API server at the same moment.
    this.schedule(this.leader ? retryPeriodMs : retryPeriodMs * (1 + Math.random() * 0.2));
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const { identity, leaseDurationMs, namespace, name } = this.options;
    if (this.leader && this.written) {
      const renewed = decideOnLease(this.written.spec ?? {}, { identity, leaseDurationMs, now: new Date(), observedAt: Date.now() });
      if ('write' in renewed) {
        try {
          await this.put({ ...this.written, spec: renewed.write });
          return { held: true };
        } catch (err) {
          // Someone else wrote (or deleted) the Lease since our write: read it and decide below.
          if (!isConflict(err) && !isNotFound(err)) throw err;
          this.written = undefined;
        }
      }
    }
    const lease = await this.get();
    if (!lease) {
      const decision = decideOnLease({}, { identity, leaseDurationMs, now: new Date(), observedAt: Date.now() }) as { write: LeaseSpec };
      decision.write.leaseTransitions = 0;
      try {
        this.written = await this.options.client.create<Lease>(
          CoreTypes.lease,
          { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace }, spec: decision.write },
          FIELD_MANAGER,
        );
        return { held: true };
      } catch (err) {
        if (isAlreadyExists(err)) return { held: false };
        throw err;
      }
    }
    const current = lease.spec ?? {};
    const key = `${current.holderIdentity}|${current.renewTime}|${lease.metadata?.resourceVersion}`;
    if (key !== this.observed.key) this.observed = { key, at: Date.now() };
    const decision = decideOnLease(current, { identity, leaseDurationMs, now: new Date(), observedAt: this.observed.at });
    if ('waitFor' in decision) return { held: false, otherHolder: decision.waitFor };
    try {
      await this.put({ ...lease, spec: decision.write });
      return { held: true };
    } catch (err) {
      if (isConflict(err) || isNotFound(err)) return { held: false };
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

  /** Writes `lease` and remembers the result for the next renewal. */
  private async put(lease: Lease): Promise<void> {
    // The resourceVersion makes this a compare-and-swap: two replicas cannot both win. managedFields are left
    // out: the server keeps its own, and the request stays small.
    const { managedFields: _ignored, ...metadata } = lease.metadata ?? {};
    this.written = await this.options.client.replace<Lease>(CoreTypes.lease, { ...lease, metadata }, { fieldManager: FIELD_MANAGER });
  }
}

/** metav1.MicroTime wants exactly six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

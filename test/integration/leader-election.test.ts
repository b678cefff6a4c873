// Leader election against the real host API server: what renewals cost (the host's own request counters),
// what a leader does when someone else writes its Lease, and that a standby waits out a lease on its own
// clock however old the lease's renewTime looks.
import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAlreadyExists, isNotFound } from '../../src/kube/errors.js';
import { RestClient, type Verb } from '../../src/kube/rest-client.js';
import { CoreTypes, type KubeObject } from '../../src/kube/types.js';
import { LeaderElector, microTime, type LeaderElectionOptions } from '../../src/leader/lease.js';
import { silentLogger } from '../../src/util/log.js';
import { kubeConfigFor } from '../harness/env.js';
import { sleep, waitUntil } from '../harness/federation.js';

type Lease = KubeObject & { spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string; leaseTransitions?: number } };

const ns = `leader-${Date.now().toString(36)}`;
let hostKc: KubeConfig;
let admin: RestClient;
const electors: LeaderElector[] = [];

/** Requests by verb the elector's own client made (its view; the API server's counters are checked too). */
class CountingClient {
  readonly counts: Partial<Record<Verb, number>> = {};
  client!: RestClient;

  static async create(kc: KubeConfig): Promise<CountingClient> {
    const counting = new CountingClient();
    counting.client = await RestClient.fromKubeConfig(kc, {
      name: 'host',
      observer: { onResponse: (_cluster, verb) => void (counting.counts[verb] = (counting.counts[verb] ?? 0) + 1) },
    });
    return counting;
  }

  reset(): void {
    for (const k of Object.keys(this.counts)) delete this.counts[k as Verb];
  }
}

/** The host API server's lease requests so far, by verb (every Lease on the server, ours and others'). */
async function serverLeaseRequests(): Promise<Record<string, number>> {
  const text = await admin.request<string>('GET', '/metrics', { raw: true });
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{') || !line.includes('resource="leases"')) continue;
    const verb = /verb="([^"]+)"/.exec(line)?.[1] ?? '';
    out[verb] = (out[verb] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return out;
}

async function serverLeaseRequestsDuring(ms: number): Promise<{ GET: number; PUT: number }> {
  const before = await serverLeaseRequests();
  await sleep(ms);
  const after = await serverLeaseRequests();
  return { GET: (after.GET ?? 0) - (before.GET ?? 0), PUT: (after.PUT ?? 0) - (before.PUT ?? 0) };
}

function startElector(client: RestClient, name: string, identity: string, timing: Pick<LeaderElectionOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>) {
  const events: string[] = [];
  const elector = new LeaderElector({
    client,
    namespace: ns,
    name,
    identity,
    ...timing,
    log: silentLogger,
    onStartedLeading: () => events.push('started'),
    onStoppedLeading: () => events.push('stopped'),
  });
  electors.push(elector);
  elector.start();
  return { elector, events };
}

async function getLease(name: string): Promise<Lease | undefined> {
  try {
    return await admin.get<Lease>(CoreTypes.lease, name, ns);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

beforeAll(async () => {
  hostKc = kubeConfigFor('host');
  admin = await RestClient.fromKubeConfig(hostKc, { name: 'host' });
  try {
    await admin.create(CoreTypes.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, 'kubefed-ts-tests');
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
});

afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop(false)));
});

afterAll(() => {
  admin.close();
});

describe('leader election renewals', () => {
  it('renews with one PUT per retry period and no GET while nobody else writes the Lease', async () => {
    const counting = await CountingClient.create(hostKc);
    try {
      // Other Leases on the host (the API server's identity, its kube-controller-manager) are renewed too:
      // measure them first, over the same length of time.
      const background = await serverLeaseRequestsDuring(10_000);
      const { elector } = startElector(counting.client, 'renewals', 'only-replica', { leaseDurationMs: 8_000, renewDeadlineMs: 6_000, retryPeriodMs: 2_000 });
      await waitUntil('leading', () => elector.isLeader(), 10_000);
      await sleep(500);
      counting.reset();
      const idle = await serverLeaseRequestsDuring(10_000);

      // 10 s at one renewal per 2 s: 5 PUTs (4-6 by timer phase), and never a read.
      expect(counting.counts.GET ?? 0).toBe(0);
      expect(counting.counts.PUT).toBeGreaterThanOrEqual(4);
      expect(counting.counts.PUT).toBeLessThanOrEqual(6);
      expect(idle.GET - background.GET).toBeLessThanOrEqual(0);
      expect(idle.PUT - background.PUT).toBeGreaterThanOrEqual(3);
      expect(idle.PUT - background.PUT).toBeLessThanOrEqual(7);
      // The renewals did renew.
      const lease = await getLease('renewals');
      expect(lease?.spec?.holderIdentity).toBe('only-replica');
      expect(Date.now() - Date.parse(lease!.spec!.renewTime!)).toBeLessThan(4_000);
    } finally {
      counting.client.close();
    }
  }, 60_000);

  it('reads the Lease after a conflict: keeps leading when it still names us, keeping the other writer\'s change', async () => {
    const counting = await CountingClient.create(hostKc);
    try {
      const { elector, events } = startElector(counting.client, 'touched', 'replica-a', { leaseDurationMs: 8_000, renewDeadlineMs: 6_000, retryPeriodMs: 1_000 });
      await waitUntil('leading', () => elector.isLeader(), 10_000);
      counting.reset();
      // Someone else writes the Lease without taking it: our next PUT conflicts.
      await admin.mergePatch(CoreTypes.lease, 'touched', ns, { metadata: { labels: { touched: 'yes' } } });
      await sleep(3_500);
      expect(events).toEqual(['started']);
      expect(elector.isLeader()).toBe(true);
      // One conflict, one read, then renewals over the new version again.
      expect(counting.counts.GET).toBe(1);
      expect(counting.counts.PUT).toBeGreaterThanOrEqual(3);
      const lease = await getLease('touched');
      expect(lease?.metadata?.labels?.touched).toBe('yes');
      expect(lease?.spec?.holderIdentity).toBe('replica-a');
      expect(Date.now() - Date.parse(lease!.spec!.renewTime!)).toBeLessThan(2_500);
    } finally {
      counting.client.close();
    }
  }, 60_000);

  it('stops leading at once when another holder writes itself into the Lease, and leaves its record alone', async () => {
    const counting = await CountingClient.create(hostKc);
    try {
      const { elector, events } = startElector(counting.client, 'taken', 'replica-a', { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 1_000 });
      await waitUntil('leading', () => elector.isLeader(), 10_000);
      const now = microTime(new Date());
      await admin.mergePatch(CoreTypes.lease, 'taken', ns, { spec: { holderIdentity: 'intruder', renewTime: now, acquireTime: now } });
      const takenAt = Date.now();
      await waitUntil('stopped leading', () => events.includes('stopped'), 10_000);
      // Within about one retry period, not at the renew deadline (10 s).
      expect(Date.now() - takenAt).toBeLessThan(3_000);
      expect(elector.isLeader()).toBe(false);
      await sleep(2_000);
      const lease = await getLease('taken');
      expect(lease?.spec?.holderIdentity).toBe('intruder');
      expect(lease?.spec?.renewTime).toBe(now);
      expect(events).toEqual(['started', 'stopped']);
    } finally {
      counting.client.close();
    }
  }, 60_000);

  it('a standby takes a lease over only after it went unrenewed for its whole duration by its own clock', async () => {
    // The holder's renewTime says an hour ago (a skewed clock, or a dead holder): it proves nothing here.
    const hourAgo = microTime(new Date(Date.now() - 3_600_000));
    await admin.create(CoreTypes.lease, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'stale', namespace: ns },
      spec: { holderIdentity: 'ghost', leaseDurationSeconds: 4, acquireTime: hourAgo, renewTime: hourAgo, leaseTransitions: 3 },
    } as Lease, 'kubefed-ts-tests');
    const counting = await CountingClient.create(hostKc);
    try {
      const started = Date.now();
      const { elector, events } = startElector(counting.client, 'stale', 'standby', { leaseDurationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 });
      await sleep(3_000);
      expect(elector.isLeader()).toBe(false);
      await waitUntil('took over', () => elector.isLeader(), 10_000);
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(4_000);
      expect(waited).toBeLessThan(4_000 + 3 * 600);
      expect(events).toEqual(['started']);
      const lease = await getLease('stale');
      expect(lease?.spec?.holderIdentity).toBe('standby');
      expect(lease?.spec?.leaseTransitions).toBe(4);
      expect(lease?.spec?.leaseDurationSeconds).toBe(4);
    } finally {
      counting.client.close();
    }
  }, 60_000);

  it('releases the lease on a clean stop with one write', async () => {
    const counting = await CountingClient.create(hostKc);
    try {
      const { elector } = startElector(counting.client, 'released', 'replica-a', { leaseDurationMs: 8_000, renewDeadlineMs: 6_000, retryPeriodMs: 2_000 });
      await waitUntil('leading', () => elector.isLeader(), 10_000);
      counting.reset();
      await elector.stop(true);
      expect(counting.counts).toEqual({ PUT: 1 });
      const lease = await getLease('released');
      expect(lease?.spec?.holderIdentity).toBe('');
      expect(lease?.spec?.leaseDurationSeconds).toBe(1);
    } finally {
      counting.client.close();
    }
  }, 60_000);
});

// Propagation latency in steady state: with N converged federated objects, one of them is changed every
// interval (open loop: a change never waits for the previous one), and a watch on each member notes when
// the new value appears there. Latency = that moment minus the moment the host answered the PATCH.
import { MANAGED_LABEL } from '../../src/api/index.js';
import type { Informer } from '../../src/kube/informer.js';
import type { BenchFederation } from './federation.js';
import { percentile, round, sleep, waitFor } from './lib.js';
import { fedTypeOf, objectName, SEQ_KEY } from './objects.js';
import { waitQuiet } from './throughput.js';

export interface LatencyParameters {
  namespace: string;
  /** Converged FederatedConfigMaps obj-00000… in the namespace. */
  objects: number;
  durationSeconds: number;
  intervalMs: number;
  /** How long to wait for the last changes to arrive. */
  drainMs: number;
}

export interface LatencyResult {
  changes: number;
  samples: number;
  missing: number;
  members: number;
  /** Milliseconds from the PATCH's response to the value seen in a member, over every change × member. */
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** P99 as a multiple of the 1 s target (≤ 1 meets it). */
  p99ToTarget: number;
  /** The host's own PATCH round trip, for scale. */
  patchP50Ms: number;
  patchP99Ms: number;
  /** Every sample, in milliseconds, by member. */
  raw: Record<string, number[]>;
}

export async function runLatency(fed: BenchFederation, p: LatencyParameters, log: (m: string) => void): Promise<LatencyResult> {
  const type = fedTypeOf('configmap');
  await waitQuiet(fed, 120_000);
  interface Change { name: string; patchedAt?: number; seenAt: Map<string, number> }
  const changes: Change[] = [];
  /** name → the latest sequence number sent for it. */
  const latestSeq = new Map<string, number>();
  const caches: Informer[] = [];
  const patchMs: number[] = [];
  try {
    for (const m of fed.memberNames) {
      const cache = await fed.watch(fed.members.get(m)!, type.target, p.namespace, MANAGED_LABEL);
      cache.on(({ object }) => {
        const seq = Number((object.data as Record<string, string> | undefined)?.[SEQ_KEY]);
        const change = Number.isInteger(seq) && seq > 0 ? changes[seq - 1] : undefined;
        if (change && !change.seenAt.has(m)) change.seenAt.set(m, performance.now());
      });
      caches.push(cache);
    }
    const count = Math.round((p.durationSeconds * 1000) / p.intervalMs);
    const inFlight: Array<Promise<void>> = [];
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const due = start + i * p.intervalMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const seq = i + 1;
      const name = objectName(i % p.objects);
      const change: Change = { name, seenAt: new Map() };
      changes.push(change);
      latestSeq.set(name, seq);
      const sent = performance.now();
      inFlight.push(
        fed.host.mergePatch(type.federated, name, p.namespace, { spec: { template: { data: { [SEQ_KEY]: String(seq) } } } }).then(() => {
          change.patchedAt = performance.now();
          patchMs.push(change.patchedAt - sent);
        }),
      );
    }
    await Promise.all(inFlight);
    log(`latency: ${count} changes sent in ${((performance.now() - start) / 1000).toFixed(1)} s`);
    // A change overtaken by a later one to the same object may never be seen: only the latest must be.
    const expected = (c: Change, seq: number): boolean => latestSeq.get(c.name) === seq;
    await waitFor('the last changes in every member', () => changes.every((c, i) => !expected(c, i + 1) || c.seenAt.size === fed.memberNames.length), p.drainMs, 50).catch(() => undefined);

    const raw: Record<string, number[]> = Object.fromEntries(fed.memberNames.map((m) => [m, [] as number[]]));
    let missing = 0;
    for (const [i, c] of changes.entries()) {
      for (const m of fed.memberNames) {
        const seen = c.seenAt.get(m);
        if (seen === undefined || c.patchedAt === undefined) {
          if (expected(c, i + 1)) missing++;
          continue;
        }
        raw[m]!.push(round(seen - c.patchedAt, 1));
      }
    }
    const all = Object.values(raw).flat();
    return {
      changes: count,
      samples: all.length,
      missing,
      members: fed.memberNames.length,
      p50Ms: percentile(all, 50),
      p90Ms: percentile(all, 90),
      p99Ms: percentile(all, 99),
      maxMs: Math.max(...all),
      p99ToTarget: round(percentile(all, 99) / 1000, 3),
      patchP50Ms: round(percentile(patchMs, 50), 1),
      patchP99Ms: round(percentile(patchMs, 99), 1),
      raw,
    };
  } finally {
    await Promise.all(caches.map((c) => c.stop()));
  }
}

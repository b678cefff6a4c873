// Idle cost: with every federated object converged, force full resyncs and count the writes the host and
// member API servers receive meanwhile, from their own apiserver_request_total. Two kinds of resync:
// touching every KubeFedCluster's labels (the registry's 'changed' event makes every sync controller drop
// its member caches and records, relist and re-enqueue every object), and restarting the controller-manager.
import { KubeFedClusterType } from '../../src/cluster/registry.js';
import { KUBEFED_NS } from '../harness/federation.js';
import { BenchFederation } from './federation.js';
import { round, sleep, waitFor } from './lib.js';
import { fedTypeOf, type BenchKind } from './objects.js';
import { waitQuiet } from './throughput.js';

export interface IdleParameters {
  /** Converged federated objects per kind. */
  objects: Partial<Record<BenchKind, number>>;
  labelResyncs: number;
  restarts: number;
}

export interface ResyncRound {
  how: string;
  seconds: number;
  /** Reconciles that ended in success, per sync controller, during the round. */
  reconciles: Record<string, number>;
  writes: Record<string, Record<string, number>>;
}

export interface IdleResult {
  federatedObjects: number;
  rounds: ResyncRound[];
  /** Federation writes over all rounds, the benchmark's own KubeFedCluster label patches excluded. */
  totalWrites: number;
  /** Writes per cluster and `resource VERB` over all rounds (same exclusion). */
  writes: Record<string, Record<string, number>>;
  excluded: string;
}

/** Successful reconciles per sync controller so far, from the in-process manager's metrics. */
async function reconcileCounts(fed: BenchFederation): Promise<Record<string, number>> {
  const metrics = await fed.metrics!.registry.getMetricsAsJSON();
  const total = metrics.find((m) => m.name === 'controller_runtime_reconcile_total');
  const out: Record<string, number> = {};
  for (const v of (total?.values ?? []) as Array<{ labels: Record<string, string | number>; value: number }>) {
    if (v.labels.result === 'success') out[String(v.labels.controller)] = (out[String(v.labels.controller)] ?? 0) + v.value;
  }
  return out;
}

export async function runIdle(fed: BenchFederation, p: IdleParameters, log: (m: string) => void): Promise<IdleResult> {
  const expected = Object.entries(p.objects).map(([kind, n]) => [fedTypeOf(kind as BenchKind).metricsName, n] as const);
  const federatedObjects = expected.reduce((a, [, n]) => a + n, 0);
  await waitQuiet(fed, 120_000);
  await sleep(2000);
  const rounds: ResyncRound[] = [];
  const start = await fed.writeCounts();

  /** Waits until every controller has reconciled every one of its objects since `before`, then for quiet. */
  const awaitResync = async (before: Record<string, number>): Promise<Record<string, number>> => {
    let now: Record<string, number> = {};
    await waitFor('every object reconciled', async () => {
      now = await reconcileCounts(fed);
      return expected.every(([name, n]) => (now[name] ?? 0) - (before[name] ?? 0) >= n);
    }, 300_000, 200);
    await waitQuiet(fed, 120_000);
    now = await reconcileCounts(fed);
    return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (before[k] ?? 0)]));
  };

  let round_ = 0;
  for (let i = 1; i <= p.labelResyncs; i++) {
    const before = await fed.writeCounts();
    const reconcilesBefore = await reconcileCounts(fed);
    const t0 = performance.now();
    for (const name of fed.memberNames) {
      await fed.host.mergePatch(KubeFedClusterType, name, KUBEFED_NS, { metadata: { labels: { 'bench-resync': `${++round_}` } } });
    }
    const reconciles = await awaitResync(reconcilesBefore);
    const seconds = (performance.now() - t0) / 1000;
    const writes = withoutLabelPatches(BenchFederation.writesBetween(before, await fed.writeCounts()), fed.memberNames.length);
    rounds.push({ how: `touch every KubeFedCluster's labels (resync ${i})`, seconds: round(seconds, 2), reconciles, writes });
    log(`idle: resync ${i}: ${JSON.stringify(reconciles)} reconciles in ${seconds.toFixed(1)} s, writes ${JSON.stringify(writes)}`);
  }
  for (let i = 1; i <= p.restarts; i++) {
    const before = await fed.writeCounts();
    const t0 = performance.now();
    await fed.stopManager();
    await fed.startManager();
    const reconciles = await awaitResync({});
    const seconds = (performance.now() - t0) / 1000;
    const writes = BenchFederation.writesBetween(before, await fed.writeCounts());
    rounds.push({ how: `restart the controller-manager (restart ${i})`, seconds: round(seconds, 2), reconciles, writes });
    log(`idle: restart ${i}: ${JSON.stringify(reconciles)} reconciles in ${seconds.toFixed(1)} s, writes ${JSON.stringify(writes)}`);
  }
  const writes = withoutLabelPatches(BenchFederation.writesBetween(start, await fed.writeCounts()), fed.memberNames.length * p.labelResyncs);
  const totalWrites = Object.values(writes).flatMap((w) => Object.values(w)).reduce((a, b) => a + b, 0);
  return {
    federatedObjects,
    rounds,
    totalWrites,
    writes,
    excluded: "the benchmark's own PATCHes of KubeFedCluster labels (one per member per label resync)",
  };
}

/** Removes the benchmark's own KubeFedCluster label PATCHes (exactly `count`) from the host's writes. */
function withoutLabelPatches(writes: Record<string, Record<string, number>>, count: number): Record<string, Record<string, number>> {
  const host = { ...(writes.host ?? {}) };
  const key = 'kubefedclusters PATCH';
  const left = (host[key] ?? 0) - count;
  if (left > 0) host[key] = left;
  else delete host[key];
  const { host: _host, ...others } = writes;
  return Object.keys(host).length === 0 ? others : { ...others, host };
}

// Member isolation (issue #12): how much one impaired member costs the healthy ones. One federation, one member
// reached through a TCP delay proxy (test/harness/delay-proxy.ts), scenarios in the same run (by default
// baseline, slowed, hung, baseline: the baseline before and after shows how much the shared machine drifted):
//   baseline  every member healthy (the proxy passes traffic at once);
//   slowed    +300 ms on every request to that member (the proxy delays what the controller sends);
//   hung      that member's kube-apiserver SIGSTOPped (connections accepted, nothing answered).
// Each scenario creates new FederatedConfigMaps placed on every member: first open loop, one every interval,
// for the latency of new objects (create answered → the member object seen by a watch on each healthy member);
// then a burst, for the healthy members' throughput (objects / seconds until every healthy member holds all).
// The impaired member's convergence is timed too: slowed, until it holds the burst; hung, from SIGCONT until it
// holds every object of the scenario. Each phase also records what explains its figures: the host's writes
// (apiserver_request_total) and the most keys the sync controllers had waiting or in flight.
import os from 'node:os';
import { MANAGED_LABEL } from '../../src/api/index.js';
import { KubeFedClusterType } from '../../src/cluster/registry.js';
import type { Informer } from '../../src/kube/informer.js';
import type { RestClient } from '../../src/kube/rest-client.js';
import type { KubeObject } from '../../src/kube/types.js';
import { DelayProxy } from '../harness/delay-proxy.js';
import { pauseApiServer } from '../harness/faults.js';
import { writeRequests, writesBetween } from '../harness/fed-objects.js';
import { KUBEFED_NS } from '../harness/federation.js';
import { FEDERATION_RESOURCES, type BenchFederation } from './federation.js';
import { forEachConcurrently, mean, percentile, round, sleep, waitFor } from './lib.js';
import { fedObject, fedTypeOf } from './objects.js';
import { waitQuiet } from './throughput.js';

export type IsolationScenario = 'baseline' | 'slowed' | 'hung';

export interface IsolationParameters {
  scenarios: IsolationScenario[];
  /** The member that is slowed or hung. */
  impaired: string;
  slowDelayMs: number;
  /** Open-loop creates for the latency: one every `intervalMs` for `latencySeconds`. */
  latencySeconds: number;
  intervalMs: number;
  /** Objects of the throughput burst, and creates in flight. */
  burstObjects: number;
  burstConcurrency: number;
  /** How long to wait for the healthy members to hold every object. */
  timeoutMs: number;
}

export interface LatencyFigures {
  samples: number;
  missing: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** What explains a phase's figures. */
export interface PhaseDiagnostics {
  seconds: number;
  /** Host writes during the phase, per `resource[/subresource] VERB`. */
  hostWrites: Record<string, number>;
  /** The most keys the sync controllers had waiting or in flight (work queues and member work not finished). */
  maxPending: number;
}

export interface IsolationScenarioResult {
  scenario: IsolationScenario;
  healthy: string[];
  /** New objects: create answered → member object seen, over every object × healthy member. */
  healthyLatency: LatencyFigures;
  /** Burst objects per second until every healthy member held all of them. */
  healthyThroughput: number;
  healthySeconds: number;
  /** slowed: seconds from the burst's start until the slowed member held all of it; hung: from SIGCONT until it held every object of the scenario. */
  impairedConvergeSeconds?: number;
  /** slowed: the slowed member's burst objects per second. */
  impairedThroughput?: number;
  /** Seconds until the last create of the burst was answered. */
  burstCreateSeconds: number;
  latencyPhase: PhaseDiagnostics;
  burstPhase: PhaseDiagnostics;
  load: number;
  /** Every latency sample in ms, by healthy member, in the order the objects were created. */
  raw: Record<string, number[]>;
}

export interface IsolationResult {
  members: number;
  impaired: string;
  scenarios: IsolationScenarioResult[];
}

/** The all-healthy figures: the mean of the baseline runs. */
export function isolationBaseline(result: IsolationResult): { throughput: number; p99Ms: number } | undefined {
  const runs = result.scenarios.filter((s) => s.scenario === 'baseline');
  if (runs.length === 0) return undefined;
  return { throughput: mean(runs.map((r) => r.healthyThroughput)), p99Ms: mean(runs.map((r) => r.healthyLatency.p99Ms)) };
}

/** An impaired scenario's healthy figures against the baseline's. */
export function isolationRatios(result: IsolationResult, scenario: IsolationScenario): { throughput: number; p99: number } | undefined {
  const base = isolationBaseline(result);
  const other = result.scenarios.find((s) => s.scenario === scenario);
  if (!base || !other) return undefined;
  return { throughput: round(other.healthyThroughput / base.throughput, 3), p99: round(other.healthyLatency.p99Ms / base.p99Ms, 3) };
}

/** Targets of issue #12: hung, healthy P99 as in the baseline or ≤ 1 s; slowed, healthy throughput ≥ 0.8× the baseline. */
export function isolationTargets(result: IsolationResult): Record<string, { target: string; met: boolean }> {
  const targets: Record<string, { target: string; met: boolean }> = {};
  const base = isolationBaseline(result);
  const hung = result.scenarios.find((s) => s.scenario === 'hung');
  const slowed = result.scenarios.find((s) => s.scenario === 'slowed');
  if (base && hung) {
    targets.hungP99 = {
      target: 'healthy P99 ≤ baseline P99 or ≤ 1 s',
      met: hung.healthyLatency.missing === 0 && (hung.healthyLatency.p99Ms <= 1000 || hung.healthyLatency.p99Ms <= base.p99Ms),
    };
  }
  if (base && slowed) targets.slowedThroughput = { target: 'healthy throughput ≥ 0.8× baseline', met: slowed.healthyThroughput >= 0.8 * base.throughput };
  return targets;
}

/**
 * Runs on a federation with the `configmap` type Enabled, whose controller-manager is not started yet: points
 * the impaired member's KubeFedCluster at a delay proxy, starts the manager, and runs the scenarios.
 */
export async function runIsolation(fed: BenchFederation, p: IsolationParameters, log: (m: string) => void): Promise<IsolationResult> {
  const type = fedTypeOf('configmap');
  const members = fed.memberNames;
  if (!members.includes(p.impaired)) throw new Error(`no member ${p.impaired}`);
  const healthy = members.filter((m) => m !== p.impaired);
  const proxy = await DelayProxy.start({ target: { host: '127.0.0.1', port: fed.cp.clusters.get(p.impaired)!.port }, delayMs: 0 });
  const informers: Informer[] = [];
  let resume: (() => void) | undefined;
  try {
    await fed.host.mergePatch(KubeFedClusterType, p.impaired, KUBEFED_NS, { spec: { apiEndpoint: proxy.url } });
    const manager = await fed.startManager();
    if (manager.registry.get(p.impaired)?.client?.server !== proxy.url) throw new Error(`${p.impaired} is not reached through the proxy`);
    await waitFor('the configmaps sync controller', () => manager.typeConfigs.controllers().has(type.ftc), 60_000, 100);
    // The benchmark's own watches go to every member directly: `key → first seen` per member.
    const seen = new Map<string, Map<string, number>>();
    for (const m of members) {
      const times = new Map<string, number>();
      seen.set(m, times);
      const informer = await fed.watch(fed.members.get(m)!, type.target, undefined, MANAGED_LABEL);
      informer.on(({ type: kind, object }) => {
        if (kind === 'deleted') return;
        const key = `${object.metadata?.namespace}/${object.metadata?.name}`;
        if (!times.has(key)) times.set(key, performance.now());
      });
      informers.push(informer);
    }
    // Namespaces first, while every member answers.
    const namespaceOf = (run: number, phase: 'lat' | 'tp'): string => `iso-${run}-${p.scenarios[run]}-${phase}`;
    for (const run of p.scenarios.keys()) for (const phase of ['lat', 'tp'] as const) await fed.federateNamespace(namespaceOf(run, phase));

    const scenarios: IsolationScenarioResult[] = [];
    for (const [run, scenario] of p.scenarios.entries()) {
      await waitQuiet(fed, 300_000);
      log(`isolation: ${scenario}`);
      if (scenario === 'slowed') proxy.setDelay(p.slowDelayMs);
      if (scenario === 'hung') resume = pauseApiServer(fed.cp, p.impaired);
      try {
        const result = await runScenario(fed, p, scenario, { lat: namespaceOf(run, 'lat'), tp: namespaceOf(run, 'tp') }, healthy, seen, log);
        if (scenario === 'hung') {
          const all = [...objectKeys(namespaceOf(run, 'lat'), latencyCount(p)), ...objectKeys(namespaceOf(run, 'tp'), p.burstObjects)];
          resume!();
          resume = undefined;
          const resumed = performance.now();
          await waitFor(`${p.impaired} holds every object after SIGCONT`, async () => (await heldBy(fed.members.get(p.impaired)!, all)) === all.length, p.timeoutMs, 200);
          result.impairedConvergeSeconds = round((performance.now() - resumed) / 1000, 2);
          log(`isolation: hung: ${p.impaired} converged ${result.impairedConvergeSeconds} s after SIGCONT`);
        }
        scenarios.push(result);
      } finally {
        proxy.setDelay(0);
        resume?.();
        resume = undefined;
      }
    }
    return { members: members.length, impaired: p.impaired, scenarios };
  } finally {
    resume?.();
    await Promise.all(informers.map((i) => i.stop()));
    await proxy.stop();
  }
}

function latencyCount(p: IsolationParameters): number {
  return Math.round((p.latencySeconds * 1000) / p.intervalMs);
}

function objectKeys(ns: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${ns}/${fedObject('configmap', ns, i, []).metadata!.name}`);
}

/** How many of `keys` (`ns/name`) a member holds, listed directly. */
async function heldBy(client: RestClient, keys: readonly string[]): Promise<number> {
  const type = fedTypeOf('configmap').target;
  const namespaces = [...new Set(keys.map((k) => k.split('/')[0]!))];
  const held = new Set<string>();
  for (const ns of namespaces) {
    try {
      const list = await client.list<KubeObject>(type, { namespace: ns, labelSelector: MANAGED_LABEL });
      for (const o of list.items) held.add(`${ns}/${o.metadata?.name}`);
    } catch {
      return 0;
    }
  }
  return keys.filter((k) => held.has(k)).length;
}

/** Host writes and the sync controllers' most pending keys from now until `end()`. */
async function watchPhase(fed: BenchFederation): Promise<{ end(): Promise<PhaseDiagnostics> }> {
  const started = performance.now();
  const before = await writeRequests(fed.hostKc, FEDERATION_RESOURCES);
  const pending = (): number => [...fed.manager!.typeConfigs.controllers().values()].reduce((n, c) => n + c.pending(), 0);
  let maxPending = pending();
  const sampler = setInterval(() => (maxPending = Math.max(maxPending, pending())), 100);
  return {
    async end() {
      clearInterval(sampler);
      const seconds = round((performance.now() - started) / 1000, 2);
      return { seconds, hostWrites: writesBetween(before, await writeRequests(fed.hostKc, FEDERATION_RESOURCES)), maxPending };
    },
  };
}

async function runScenario(
  fed: BenchFederation,
  p: IsolationParameters,
  scenario: IsolationScenario,
  namespaces: { lat: string; tp: string },
  healthy: string[],
  seen: Map<string, Map<string, number>>,
  log: (m: string) => void,
): Promise<IsolationScenarioResult> {
  const type = fedTypeOf('configmap');
  const members = fed.memberNames;
  const create = (ns: string, i: number): Promise<KubeObject> => fed.host.create(type.federated, fedObject('configmap', ns, i, members), 'kubefed-ts-bench');
  const heldByHealthy = (keys: string[]): boolean => healthy.every((m) => keys.every((k) => seen.get(m)!.has(k)));

  // Latency: open loop, a create never waits for the previous one.
  const latencyWatch = await watchPhase(fed);
  const latNs = namespaces.lat;
  const count = latencyCount(p);
  const latKeys = objectKeys(latNs, count);
  const answeredAt: number[] = [];
  const inFlight: Array<Promise<void>> = [];
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const wait = start + i * p.intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(create(latNs, i).then(() => void (answeredAt[i] = performance.now())));
  }
  await Promise.all(inFlight);
  await waitFor(`${scenario}: the healthy members hold the latency objects`, () => heldByHealthy(latKeys), p.timeoutMs, 50).catch(() => undefined);
  const raw: Record<string, number[]> = Object.fromEntries(healthy.map((m) => [m, [] as number[]]));
  let missing = 0;
  for (const [i, key] of latKeys.entries()) {
    for (const m of healthy) {
      const at = seen.get(m)!.get(key);
      if (at === undefined) missing++;
      else raw[m]!.push(round(at - answeredAt[i]!, 1));
    }
  }
  const all = Object.values(raw).flat();
  const healthyLatency: LatencyFigures = {
    samples: all.length,
    missing,
    p50Ms: percentile(all, 50),
    p90Ms: percentile(all, 90),
    p99Ms: percentile(all, 99),
    maxMs: Math.max(...all),
  };
  const latencyPhase = await latencyWatch.end();
  log(`isolation: ${scenario}: new objects reach the healthy members in P50 ${healthyLatency.p50Ms} ms, P99 ${healthyLatency.p99Ms} ms (${all.length} samples, ${missing} missing; host writes ${JSON.stringify(latencyPhase.hostWrites)}, at most ${latencyPhase.maxPending} keys pending)`);

  // Throughput: a burst.
  const burstWatch = await watchPhase(fed);
  const tpNs = namespaces.tp;
  const tpKeys = objectKeys(tpNs, p.burstObjects);
  const burstStart = performance.now();
  await forEachConcurrently(Array.from({ length: p.burstObjects }, (_, i) => i), p.burstConcurrency, async (i) => {
    await create(tpNs, i);
  });
  const burstCreateSeconds = round((performance.now() - burstStart) / 1000, 2);
  await waitFor(`${scenario}: the healthy members hold the burst`, () => heldByHealthy(tpKeys), p.timeoutMs, 50);
  const burstPhase = await burstWatch.end();
  const lastSeen = Math.max(...healthy.flatMap((m) => tpKeys.map((k) => seen.get(m)!.get(k)!)));
  const healthySeconds = (lastSeen - burstStart) / 1000;
  const result: IsolationScenarioResult = {
    scenario,
    healthy,
    healthyLatency,
    healthyThroughput: round(p.burstObjects / healthySeconds, 1),
    healthySeconds: round(healthySeconds, 2),
    burstCreateSeconds,
    latencyPhase,
    burstPhase,
    load: round(os.loadavg()[0]!, 2),
    raw,
  };
  log(`isolation: ${scenario}: the healthy members held the burst of ${p.burstObjects} in ${result.healthySeconds} s (${result.healthyThroughput} objects/s; the creates took ${burstCreateSeconds} s; at most ${burstPhase.maxPending} keys pending)`);
  if (scenario === 'slowed') {
    const impaired = fed.memberNames.find((m) => !healthy.includes(m))!;
    await waitFor(`${scenario}: ${impaired} holds the burst`, () => tpKeys.every((k) => seen.get(impaired)!.has(k)), p.timeoutMs, 50);
    const slowSeconds = (Math.max(...tpKeys.map((k) => seen.get(impaired)!.get(k)!)) - burstStart) / 1000;
    result.impairedConvergeSeconds = round(slowSeconds, 2);
    result.impairedThroughput = round(p.burstObjects / slowSeconds, 1);
    log(`isolation: slowed: ${impaired} held the burst in ${result.impairedConvergeSeconds} s (${result.impairedThroughput} objects/s)`);
  }
  return result;
}

// A hung, slow or dead member delays only its own work (issue #12): each member cluster has its own executor,
// and a reconcile hands work to them and returns, so the healthy member gets its objects at its own pace and
// the others catch up when they can. On a federation of its own, member2 is reached through a TCP delay proxy
// (test/harness/delay-proxy.ts; TLS passes through, delay 0 except in the "slow" case), and:
//   hung:     member2's kube-apiserver SIGSTOPped (accepts connections, never answers) while objects are created
//             for both members and for member1 only;
//   slow:     +1 s on every request to member2 (the benchmark measures +300 ms; here the slowed member must be the
//             bottleneck by a wide margin also on a loaded machine, where the host's own pace drops to a few
//             dozen objects a second; the probe timeout is 5 s so that the delay never looks like an outage);
//   killed:   member2's kube-apiserver SIGKILLed during a burst, then restarted;
//   deletion: fed objects deleted while member2 is SIGSTOPped.
//
// Measured on a loaded 2-core machine: member1 complete 0.3 s after the creates (hung), 0.7 s after the deletes
// (deletion), 2 s after the burst (killed), and with member2 at 55 of 200 (slow). Checked that each case fails
// without the behaviour it guards:
// - the old design put back (src/sync/controller.ts: the reconcile awaits the first outcome of every action it
//   submitted, i.e. it waits for every cluster): "hung" fails (member1 complete after 13 s, bound 5 s), "slow"
//   fails (member1 complete only when member2 was too: 0 behind, at least 32 required) and "deletion" fails
//   (member1's copies deleted after 11 s);
// - no re-enqueue when a cluster comes back (the `enqueueAll()` of the sync controller's registry and executor
//   availability listeners and the namespace federation's registry listener in src/typeconfig/controller.ts
//   removed): "hung" and "killed" never converge in member2 (0 and 43 of the objects);
// - a cluster that cannot be asked counted as holding nothing on deletion (`unreachable.push` in planDeletion,
//   src/sync/plan-sync.ts, dropped): "deletion" fails, every finalizer is released while member2 is stopped.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_GROUP, CORE_VERSION, SYNC_CONTROLLER_FINALIZER } from '../../src/api/index.js';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import { DelayProxy } from '../harness/delay-proxy.js';
import { createFed, deleteFed, federateNamespace, type Obj } from '../harness/fed-objects.js';
import {
  configMapsIn,
  configMapState,
  inParallel,
  killApiServer,
  listFed,
  pauseApiServer,
  propagationSummary,
  sortedRecord,
  startFaultManager,
  startOwnFederation,
  type OwnFederation,
} from '../harness/faults.js';
import { customObjects, KUBEFED_NS, sleep, waitUntil } from '../harness/federation.js';

const PLURAL = 'federatedconfigmaps';
const NAMESPACES = ['hung', 'slow', 'killed', 'storm', 'hungdel'];
const group = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
/**
 * The bound on how long member1 may take to hold its objects once they all exist in the host. Far above what it
 * takes (about a second), far below a request timeout (10 s): waiting for member2 anywhere fails it.
 */
const HEALTHY_BOUND_MS = 5_000;

let fed: OwnFederation;
let host: KubeConfig;
let member1: KubeConfig;
let member2: KubeConfig;
let manager: ControllerManager;
let proxy: DelayProxy;

const fedConfigMap = (ns: string, name: string, clusters: string[]): Obj => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind: 'FederatedConfigMap',
  metadata: { name, namespace: ns },
  spec: { template: { data: { name } }, placement: { clusters: clusters.map((c) => ({ name: c })) } },
});
const state = (names: string[]): Record<string, Record<string, string>> => sortedRecord(names.map((n) => [n, { name: n }]));
const uidsIn = async (kc: KubeConfig, ns: string): Promise<Map<string, string>> => new Map([...(await configMapsIn(kc, ns))].map(([n, cm]) => [n, cm.uid]));
const countIn = async (kc: KubeConfig, ns: string, names: readonly string[]): Promise<number> => {
  const held = await configMapsIn(kc, ns);
  return names.filter((n) => held.has(n)).length;
};
/** The propagation summary of some objects (see propagationSummary). */
const summaryOf = async (ns: string, names: readonly string[]): Promise<Record<string, string>> => {
  const all = await propagationSummary(host, PLURAL, ns);
  return Object.fromEntries(names.map((n) => [n, all[n] ?? 'missing']));
};
const everyOne = (names: readonly string[], value: string): Record<string, string> => Object.fromEntries(names.map((n) => [n, value]));

/** Milliseconds from `since` until `probe` holds (polled every 100 ms). */
async function msUntil(what: string, since: number, probe: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  await waitUntil(what, probe, timeoutMs);
  return performance.now() - since;
}

beforeAll(async () => {
  fed = await startOwnFederation();
  ({ host, member1, member2 } = fed);
  // member2 is reached through the delay proxy from the start: its KubeFedCluster's endpoint is the proxy's.
  proxy = await DelayProxy.start({ target: { host: '127.0.0.1', port: fed.cp.clusters.get('member2')!.port }, delayMs: 0 });
  await customObjects(host).patchNamespacedCustomObject({
    group: CORE_GROUP,
    version: CORE_VERSION,
    plural: 'kubefedclusters',
    namespace: KUBEFED_NS,
    name: 'member2',
    body: [{ op: 'replace', path: '/spec/apiEndpoint', value: proxy.url }],
  });
  manager = await startFaultManager(fed, NAMESPACES[0]!, { tweak: (config) => ({ ...config, health: { ...config.health, timeoutMs: 5_000 } }) });
  expect(manager.registry.get('member2')?.client?.server).toBe(proxy.url);
  for (const ns of NAMESPACES.slice(1)) await federateNamespace(host, ns);
  for (const kc of [member1, member2]) {
    await waitUntil('the test namespaces in the members', async () => {
      const names = new Set((await kc.makeApiClient(CoreV1Api).listNamespace()).items.map((n) => n.metadata?.name));
      return NAMESPACES.every((ns) => names.has(ns));
    }, 60_000);
  }
}, 180_000);

afterAll(async () => {
  await manager?.stop();
  await proxy?.stop();
  await fed?.cp.stop();
}, 60_000);

describe('member isolation', () => {
  it('hung member: the healthy member gets all its objects within seconds; the hung one converges after SIGCONT', async () => {
    const ns = 'hung';
    const BOTH = group('both', 40);
    const ONLY1 = group('only1', 40);
    const resume = pauseApiServer(fed.cp, 'member2');
    let member1Uids: Map<string, string>;
    try {
      await inParallel(BOTH, 8, (name) => createFed(host, PLURAL, fedConfigMap(ns, name, ['member1', 'member2'])));
      await inParallel(ONLY1, 8, (name) => createFed(host, PLURAL, fedConfigMap(ns, name, ['member1'])));
      const created = performance.now();
      const member1Ms = await msUntil('member1 holds all 80', created, async () => (await countIn(member1, ns, [...BOTH, ...ONLY1])) === 80, 60_000);
      expect(member1Ms).toBeLessThan(HEALTHY_BOUND_MS);
      // Placed on the healthy member only: propagated, whatever member2 does.
      await expect.poll(() => summaryOf(ns, ONLY1), { timeout: 10_000, interval: 200 }).toEqual(everyOne(ONLY1, 'True member1'));

      await waitUntil('member2 not ready', () => manager.registry.get('member2')?.ready === false, 30_000);
      await expect
        .poll(async () => Object.values(await summaryOf(ns, BOTH)).filter((s) => /^False\/\w+ member1,member2:ClusterNotReady$/.test(s)).length, { timeout: 30_000, interval: 200 })
        .toBe(BOTH.length);
      expect(await configMapState(member1, ns)).toEqual(state([...BOTH, ...ONLY1]));
      member1Uids = await uidsIn(member1, ns);
    } finally {
      resume();
    }
    await waitUntil('member2 ready again', () => manager.registry.get('member2')?.ready === true, 60_000);
    // Exactly the objects placed there, each once (configMapsIn fails on a name listed twice).
    await expect.poll(() => configMapState(member2, ns), { timeout: 60_000, interval: 250 }).toEqual(state(BOTH));
    await expect
      .poll(() => propagationSummary(host, PLURAL, ns), { timeout: 60_000, interval: 250 })
      .toEqual({ ...everyOne(BOTH, 'True member1,member2'), ...everyOne(ONLY1, 'True member1') });
    // member1 was never touched again.
    expect(await uidsIn(member1, ns)).toEqual(member1Uids!);
  }, 240_000);

  it('slow member (+1 s per request): the healthy member goes at its own pace, the slow one converges at its own', async () => {
    const ns = 'slow';
    const BOTH = group('both', 200);
    const ONLY1 = group('only1', 30);
    proxy.setDelay(1_000);
    try {
      // The delay is really in member2's path.
      const probeStart = performance.now();
      await manager.registry.get('member2')!.client!.request('GET', '/readyz', { raw: true });
      expect(performance.now() - probeStart).toBeGreaterThanOrEqual(990);

      const started = performance.now();
      await inParallel(BOTH, 16, (name) => createFed(host, PLURAL, fedConfigMap(ns, name, ['member1', 'member2'])));
      await inParallel(ONLY1, 8, (name) => createFed(host, PLURAL, fedConfigMap(ns, name, ['member1'])));
      let member1DoneAt: number | undefined;
      let member2AtThatMoment = 0;
      const member2Counts: number[] = [];
      await waitUntil('member2 holds all its objects', async () => {
        const [in1, in2] = await Promise.all([countIn(member1, ns, [...BOTH, ...ONLY1]), countIn(member2, ns, BOTH)]);
        member2Counts.push(in2);
        if (member1DoneAt === undefined && in1 === BOTH.length + ONLY1.length) {
          member1DoneAt = performance.now();
          member2AtThatMoment = in2;
        }
        return in2 === BOTH.length && member1DoneAt !== undefined;
      }, 180_000);
      const member2DoneAt = performance.now();
      const seconds = (t: number): string => ((t - started) / 1000).toFixed(1);
      const report = `member1 complete at ${seconds(member1DoneAt!)} s with member2 at ${member2AtThatMoment}/${BOTH.length}; member2 complete at ${seconds(member2DoneAt)} s`;
      // The healthy member did not wait for the slow one: when it was complete, member2 was still far behind
      // (one reconcile waiting for both would keep them within a worker pool's worth, 16, of each other).
      expect(BOTH.length - member2AtThatMoment, report).toBeGreaterThanOrEqual(32);
      expect(manager.registry.get('member2')?.ready, 'member2 stayed ready throughout').toBe(true);
      // The slow one went at its own, steady pace.
      expect(member2Counts.every((n, i) => i === 0 || n >= member2Counts[i - 1]!), report).toBe(true);
      await expect
        .poll(() => propagationSummary(host, PLURAL, ns), { timeout: 60_000, interval: 250 })
        .toEqual({ ...everyOne(BOTH, 'True member1,member2'), ...everyOne(ONLY1, 'True member1') });
      expect(await configMapState(member2, ns)).toEqual(state(BOTH));
    } finally {
      proxy.setDelay(0);
    }
  }, 300_000);

  it('killed member: nothing lost or duplicated in either member when it dies during a burst and comes back', async () => {
    const ns = 'killed';
    const BURST = group('burst', 150);
    const creating = inParallel(BURST, 8, (name) => createFed(host, PLURAL, fedConfigMap(ns, name, ['member1', 'member2'])));
    await waitUntil('member2 holds 30 of the burst', async () => (await countIn(member2, ns, BURST)) >= 30, 60_000);
    const beforeKill = await uidsIn(member2, ns);
    await killApiServer(fed.cp, 'member2');
    // Mid-propagation for real.
    expect(beforeKill.size).toBeLessThan(BURST.length - 30);
    await creating;
    const created = performance.now();
    const member1Ms = await msUntil('member1 holds the burst', created, async () => (await countIn(member1, ns, BURST)) === BURST.length, 60_000);
    expect(member1Ms).toBeLessThan(HEALTHY_BOUND_MS);
    await waitUntil('member2 not ready', () => manager.registry.get('member2')?.ready === false, 30_000);
    const member1Uids = await uidsIn(member1, ns);
    await sleep(2_000);

    await fed.cp.startCluster('member2');
    await waitUntil('member2 ready again', () => manager.registry.get('member2')?.ready === true, 60_000);
    await expect.poll(() => configMapState(member2, ns), { timeout: 60_000, interval: 250 }).toEqual(state(BURST));
    await expect.poll(() => propagationSummary(host, PLURAL, ns), { timeout: 60_000, interval: 250 }).toEqual(everyOne(BURST, 'True member1,member2'));
    expect(await configMapState(member1, ns)).toEqual(state(BURST));
    // Nothing deleted and recreated: member1 untouched, and what member2 held before it died is the same object.
    expect(await uidsIn(member1, ns)).toEqual(member1Uids);
    const member2Uids = await uidsIn(member2, ns);
    for (const [name, uid] of beforeKill) expect(member2Uids.get(name), name).toBe(uid);
  }, 240_000);

  // Fails today (found by the isolation benchmark, BENCHMARKS.md §7): when the prober marks the hung member not
  // ready, every fed object is re-enqueued and each one placed there gets its status rewritten (ClusterNotReady);
  // objects created meanwhile wait behind all of them in the work queue, so a healthy member gets them seconds late.
  it('hung member with many objects: new objects reach the healthy member at once, also right after it is marked not ready', async () => {
    const ns = 'storm';
    const MANY = group('many', 400);
    const NEW = group('new', 20);
    await inParallel(MANY, 16, (name) => createFed(host, PLURAL, fedConfigMap(ns, name, ['member1', 'member2'])));
    await expect.poll(async () => Object.values(await summaryOf(ns, MANY)).filter((s) => s === 'True member1,member2').length, { timeout: 120_000, interval: 500 }).toBe(MANY.length);
    const resume = pauseApiServer(fed.cp, 'member2');
    try {
      await waitUntil('member2 not ready', () => manager.registry.get('member2')?.ready === false, 30_000);
      const created = new Map<string, number>();
      await inParallel(NEW, 8, async (name) => {
        await createFed(host, PLURAL, fedConfigMap(ns, name, ['member1']));
        created.set(name, performance.now());
      });
      const latencies = new Map<string, number>();
      await waitUntil('member1 holds the new objects', async () => {
        const held = await configMapsIn(member1, ns);
        for (const name of NEW) if (held.has(name) && !latencies.has(name)) latencies.set(name, performance.now() - created.get(name)!);
        return latencies.size === NEW.length;
      }, 60_000);
      const worst = Math.max(...latencies.values());
      expect(worst, `slowest new object reached member1 after ${Math.round(worst)} ms`).toBeLessThan(2_000);
    } finally {
      resume();
    }
    await waitUntil('member2 ready again', () => manager.registry.get('member2')?.ready === true, 60_000);
    await expect.poll(async () => (await countIn(member2, ns, MANY)), { timeout: 120_000, interval: 500 }).toBe(MANY.length);
  }, 300_000);

  it('deletion with a hung member: the others\' copies go at once, the finalizer stays until the hung member is back', async () => {
    const ns = 'hungdel';
    const DEL = group('del', 40);
    await inParallel(DEL, 5, (name) => createFed(host, PLURAL, fedConfigMap(ns, name, ['member1', 'member2'])));
    await expect.poll(() => propagationSummary(host, PLURAL, ns), { timeout: 60_000, interval: 250 }).toEqual(everyOne(DEL, 'True member1,member2'));
    expect(await configMapState(member2, ns)).toEqual(state(DEL));

    const resume = pauseApiServer(fed.cp, 'member2');
    try {
      const deleting = performance.now();
      await inParallel(DEL, 5, (name) => deleteFed(host, PLURAL, name, ns));
      const member1Ms = await msUntil('member1 copies deleted', deleting, async () => (await configMapsIn(member1, ns)).size === 0, 60_000);
      expect(member1Ms).toBeLessThan(HEALTHY_BOUND_MS);
      await waitUntil('member2 not ready', () => manager.registry.get('member2')?.ready === false, 30_000);
      // Past the 10 s request timeout of the deletes sent to member2 before it was seen not ready.
      await sleep(12_000);
      // member2 may still hold its copies: every fed object is kept by its finalizer.
      const kept = await listFed(host, PLURAL, ns);
      expect([...kept.keys()].sort()).toEqual(DEL);
      for (const [name, obj] of kept) {
        expect(obj.metadata.deletionTimestamp, name).toBeTruthy();
        expect(obj.metadata.finalizers, name).toContain(SYNC_CONTROLLER_FINALIZER);
      }
    } finally {
      resume();
    }
    await waitUntil('member2 ready again', () => manager.registry.get('member2')?.ready === true, 60_000);
    await expect.poll(async () => (await listFed(host, PLURAL, ns)).size, { timeout: 60_000, interval: 250 }).toBe(0);
    expect(await configMapState(member2, ns)).toEqual({});
    expect(await configMapState(member1, ns)).toEqual({});
  }, 240_000);
});

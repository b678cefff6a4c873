// A member outage end to end. This file starts a federation of its own (host + 2 members) because it stops
// and restarts member2's kube-apiserver: stopping it must mark its KubeFedCluster not ready within the
// health thresholds and its objects ClusterNotReady, member1 must keep receiving every change meanwhile,
// deletions placed on member2 must wait for it, and once it is back everything converges with nothing lost,
// recreated or duplicated, and member2 is watched as closely as before the outage.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import { ControlPlane } from '../harness/control-plane.js';
import { testEnv } from '../harness/env.js';
import { createFed, deleteFed, eventsFor, getFed, patchFed, propagationOf, type Obj } from '../harness/fed-objects.js';
import {
  createDefaultTypeConfigs,
  customObjects,
  getOrUndefined,
  installCrds,
  joinMember,
  kubeConfigFromFile,
  KUBEFED_NS,
  sleep,
  startManager,
  waitUntil,
} from '../harness/federation.js';

const ns = 'outage';
const both = [{ name: 'member1' }, { name: 'member2' }];
const FINALIZER = 'kubefed.io/sync-controller';
/** The fed objects federated before the outage. */
const initial = Array.from({ length: 20 }, (_, i) => `cm-${String(i).padStart(2, '0')}`);
/** Changed, deleted and created while member2 is down. */
const updated = initial.slice(0, 4);
const deleted = initial.slice(16);
const created = ['new-0', 'new-1', 'new-2'];
/** Placed on member1 only and deleted during the outage: member2 cannot hold it, so nothing waits for it. */
const member1Only = 'only-member1';
const surviving = [...initial.filter((n) => !deleted.includes(n)), ...created].sort();
/** How long member2 stays down once its process is gone: real outages last minutes, not seconds. */
const OUTAGE_MS = 30_000;
/** A copy deleted by hand in a member comes back within this (it takes well under a second when healthy). */
const RECREATE_MS = 5_000;
/** A copy that someone deletes in member2, before the outage and again after it. */
const deletedByHand = 'cm-05';

let cp: ControlPlane;
let host: KubeConfig;
let member1: KubeConfig;
let member2: KubeConfig;
let manager: ControllerManager;
/** When member2's API server process had exited. */
let stoppedAt = 0;
/** uid of every member copy before the outage: a copy with another uid was deleted and recreated. */
const uidsBefore: Record<string, Map<string, string>> = {};

/** What the current template of each surviving fed object says its member copies hold. */
const expectedData = (name: string): Record<string, string> => ({
  name,
  version: updated.includes(name) ? '2' : '1',
});

function fedConfigMap(name: string, clusters = both): Obj {
  return {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedConfigMap',
    metadata: { name, namespace: ns },
    spec: { template: { data: { name, version: '1' } }, placement: { clusters } },
  };
}

/** The managed ConfigMaps of the test namespace in one member: name → data (and uid). */
async function managedConfigMaps(kc: KubeConfig): Promise<Map<string, { data: Record<string, string> | undefined; uid: string }>> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: ns, labelSelector: 'kubefed.io/managed=true' });
  return new Map(list.items.map((cm) => [cm.metadata!.name!, { data: cm.data, uid: cm.metadata!.uid! }]));
}

async function managedData(kc: KubeConfig): Promise<Record<string, Record<string, string> | undefined>> {
  const all = await managedConfigMaps(kc);
  return Object.fromEntries([...all].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, cm]) => [name, cm.data]));
}

const expectedMemberState = (): Record<string, Record<string, string>> => Object.fromEntries(surviving.map((n) => [n, expectedData(n)]));

/** A KubeFedCluster's conditions as `type → status/reason`. */
async function clusterConditions(name: string): Promise<Record<string, string>> {
  const kfc = (await customObjects(host).getNamespacedCustomObject({
    group: 'core.kubefed.io', version: 'v1beta1', plural: 'kubefedclusters', namespace: KUBEFED_NS, name,
  })) as Obj;
  return Object.fromEntries(((kfc.status?.conditions ?? []) as Obj[]).map((c) => [c.type, `${c.status}/${c.reason}`]));
}

/** `name → Propagation status/reason clusters…` for every listed fed object. */
async function statuses(names: readonly string[]): Promise<Record<string, string>> {
  const entries = await Promise.all(
    names.map(async (n) => {
      const p = await propagationOf(host, 'federatedconfigmaps', n, ns);
      return [n, `${p.status}/${p.reason ?? ''} ${p.clusters.join(',')}`] as const;
    }),
  );
  return Object.fromEntries(entries);
}

const allWith = (names: readonly string[], value: string): Record<string, string> => Object.fromEntries(names.map((n) => [n, value]));

beforeAll(async () => {
  cp = await ControlPlane.start({ members: 2, binDir: testEnv().binDir, controllerManagers: false });
  const kc = (name: string): KubeConfig => kubeConfigFromFile(cp.clusters.get(name)!.kubeconfigPath);
  host = kc('host');
  member1 = kc('member1');
  member2 = kc('member2');
  await installCrds(cp.clusters.get('host')!.kubeconfigPath);
  await joinMember(host, member1, 'member1');
  await joinMember(host, member2, 'member2');
  await createDefaultTypeConfigs(host);
  manager = await startManager(host);
  await waitUntil('both members ready', () => manager.registry.clusters().filter((c) => c.ready).length === 2);
  await waitUntil('namespaces and configmaps types running', () => {
    const running = manager.typeConfigs.controllers();
    return running.has('namespaces') && running.has('configmaps');
  });
  await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await createFed(host, 'federatednamespaces', {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedNamespace',
    metadata: { name: ns, namespace: ns },
    spec: { placement: { clusters: both } },
  });
}, 120_000);

afterAll(async () => {
  await manager?.stop();
  await cp?.stop();
}, 60_000);

describe('a member cluster outage', () => {
  it('propagates every FederatedConfigMap to both members', async () => {
    for (const name of initial) await createFed(host, 'federatedconfigmaps', fedConfigMap(name));
    const expected = Object.fromEntries(initial.map((n) => [n, { name: n, version: '1' }]));
    for (const kc of [member1, member2]) await expect.poll(() => managedData(kc), { timeout: 30_000 }).toEqual(expected);
    await expect.poll(() => statuses(initial), { timeout: 20_000 }).toEqual(allWith(initial, 'True/ member1,member2'));
    // Baseline for after the outage: a copy deleted by hand in member2 comes straight back.
    await member2.makeApiClient(CoreV1Api).deleteNamespacedConfigMap({ name: deletedByHand, namespace: ns });
    await expect.poll(async () => (await managedConfigMaps(member2)).has(deletedByHand), { timeout: RECREATE_MS }).toBe(true);
    for (const [cluster, kc] of [['member1', member1], ['member2', member2]] as const) {
      uidsBefore[cluster] = new Map([...(await managedConfigMaps(kc))].map(([n, cm]) => [n, cm.uid]));
    }
  });

  it('marks member2 not ready within the health thresholds when its API server stops', async () => {
    const { periodMs, timeoutMs, failureThreshold } = manager.config.health;
    // failureThreshold consecutive failed probes, one period apart, each failing at worst after its timeout.
    const budgetMs = periodMs * (failureThreshold + 1) + timeoutMs + 1_000;
    // The API server stops answering as soon as it gets SIGTERM, but its process may take a while to exit:
    // the budget runs from the signal.
    const stopping = cp.stopCluster('member2');
    await expect.poll(async () => (await clusterConditions('member2')).Ready, { timeout: budgetMs, interval: 100 }).toMatch(/^False\//);
    await stopping;
    stoppedAt = Date.now();
    await expect
      .poll(() => clusterConditions('member2'), { timeout: budgetMs, interval: 100 })
      .toEqual({ Ready: 'False/ClusterNotReachable', Offline: 'True/ClusterNotReachable' });
    expect(await clusterConditions('member1')).toEqual({ Ready: 'True/ClusterReady' });
  });

  it('reports member2 ClusterNotReady on every fed object placed there', async () => {
    await expect
      .poll(() => statuses(initial), { timeout: 20_000 })
      .toEqual(allWith(initial, 'False/CheckClusters member1,member2:ClusterNotReady'));
    await expect
      .poll(() => propagationOf(host, 'federatednamespaces', ns, ns), { timeout: 20_000 })
      .toEqual({ status: 'False', reason: 'CheckClusters', clusters: ['member1', 'member2:ClusterNotReady'] });
  });

  it('keeps member1 in step while member2 is down, and holds deletions placed on member2', async () => {
    for (const name of updated) {
      await patchFed(host, 'federatedconfigmaps', name, ns, [{ op: 'replace', path: '/spec/template/data/version', value: '2' }]);
    }
    for (const name of deleted) await deleteFed(host, 'federatedconfigmaps', name, ns);
    for (const name of created) await createFed(host, 'federatedconfigmaps', fedConfigMap(name));
    await createFed(host, 'federatedconfigmaps', fedConfigMap(member1Only, [{ name: 'member1' }]));
    await expect.poll(async () => (await managedConfigMaps(member1)).has(member1Only), { timeout: 20_000 }).toBe(true);
    await deleteFed(host, 'federatedconfigmaps', member1Only, ns);

    // member1 holds exactly the surviving objects with their current templates.
    await expect.poll(() => managedData(member1), { timeout: 30_000 }).toEqual(expectedMemberState());
    // Nothing that should have stayed in member1 was deleted and recreated.
    const now = await managedConfigMaps(member1);
    for (const name of initial.filter((n) => !deleted.includes(n))) expect(now.get(name)?.uid, name).toBe(uidsBefore.member1!.get(name));

    await expect
      .poll(() => statuses(created), { timeout: 20_000 })
      .toEqual(allWith(created, 'False/CheckClusters member1,member2:ClusterNotReady'));
    await expect
      .poll(() => statuses(updated), { timeout: 20_000 })
      .toEqual(allWith(updated, 'False/CheckClusters member1,member2:ClusterNotReady'));

    // A fed object member2 cannot hold is deleted at once; those placed on member2 wait for it.
    await expect.poll(() => getFed(host, 'federatedconfigmaps', member1Only, ns), { timeout: 20_000 }).toBeUndefined();
    for (const name of deleted) {
      const fed = await getFed(host, 'federatedconfigmaps', name, ns);
      expect(fed?.metadata?.deletionTimestamp, name).toBeTruthy();
      expect(fed?.metadata?.finalizers, name).toContain(FINALIZER);
      await expect
        .poll(() => eventsFor(host, ns, name), { timeout: 25_000 })
        .toContain('WaitForRemovalInCluster: Waiting for clusters member2 to become reachable before deleting');
    }
  });

  it('converges member2 after its API server restarts, with nothing lost or duplicated', async () => {
    await sleep(Math.max(0, stoppedAt + OUTAGE_MS - Date.now()));
    await cp.startCluster('member2');
    await expect.poll(() => clusterConditions('member2'), { timeout: 10_000, interval: 100 }).toEqual({ Ready: 'True/ClusterReady' });

    // Exactly the surviving objects, with their current templates: updates applied, deleted ones gone,
    // new ones created, nothing else.
    await expect.poll(() => managedData(member2), { timeout: 40_000 }).toEqual(expectedMemberState());
    const now = await managedConfigMaps(member2);
    for (const name of initial.filter((n) => !deleted.includes(n))) expect(now.get(name)?.uid, name).toBe(uidsBefore.member2!.get(name));

    // The deletions that waited for member2 complete.
    for (const name of deleted) {
      await expect.poll(() => getFed(host, 'federatedconfigmaps', name, ns), { timeout: 30_000 }).toBeUndefined();
    }
    await expect.poll(() => statuses(surviving), { timeout: 30_000 }).toEqual(allWith(surviving, 'True/ member1,member2'));
    await expect
      .poll(() => propagationOf(host, 'federatednamespaces', ns, ns), { timeout: 20_000 })
      .toEqual({ status: 'True', clusters: ['member1', 'member2'] });

    // member1 was not disturbed by member2's return.
    expect(await managedData(member1)).toEqual(expectedMemberState());
    expect(await getOrUndefined(member2.makeApiClient(CoreV1Api).readNamespace({ name: ns }))).toBeDefined();
  }, 120_000);

  it('sees changes made in member2 as promptly after the outage as before it', async () => {
    await member2.makeApiClient(CoreV1Api).deleteNamespacedConfigMap({ name: deletedByHand, namespace: ns });
    const deletedAt = Date.now();
    // Waits long enough to tell "late" from "never", then says how late.
    await expect.poll(async () => (await managedConfigMaps(member2)).has(deletedByHand), { timeout: 45_000 }).toBe(true);
    expect(Date.now() - deletedAt, 'ms until the copy deleted by hand in member2 was recreated').toBeLessThan(RECREATE_MS);
    expect((await managedData(member2))[deletedByHand]).toEqual(expectedData(deletedByHand));
  }, 60_000);
});

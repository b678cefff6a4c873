// The life of federated objects on the real host + 2 members: placement moves, template changes, deletion
// with and without orphaning, drift in a member reverted, no writes at all on a resync, adoption rules,
// and bad input that gets a precise status while everything else keeps propagating.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { createFed, deleteFed, eventsFor, getFed, patchFed, propagationOf, writeRequests, writesBetween } from '../harness/fed-objects.js';
import {
  getOrUndefined,
  KUBEFED_NS,
  prepareFederation,
  startManager,
  startReadyManager,
  waitUntil,
  waitForNamespacesSettled,
} from '../harness/federation.js';

let host: KubeConfig;
let member1: KubeConfig;
let member2: KubeConfig;
let manager: ControllerManager;
const ns = `life-${Date.now().toString(36)}`;
const both = [{ name: 'member1' }, { name: 'member2' }];

const configMap = (kc: KubeConfig, name: string) => getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace: ns }));
const cmData = async (kc: KubeConfig, name: string) => (await configMap(kc, name))?.data;

function fedConfigMap(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) {
  return {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedConfigMap',
    metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) },
    spec,
  };
}

async function allIdle(): Promise<boolean> {
  return [...manager.typeConfigs.controllers().values()].every((c) => c.pending() === 0);
}

beforeAll(async () => {
  host = kubeConfigFor('host');
  member1 = kubeConfigFor('member1');
  member2 = kubeConfigFor('member2');
  await prepareFederation(host, testEnv().clusters.host!.kubeconfigPath, [
    { name: 'member1', kc: member1, labels: { region: 'eu' } },
    { name: 'member2', kc: member2, labels: { region: 'us' } },
  ]);
  manager = await startReadyManager(host, 2);
  await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await createFed(host, 'federatednamespaces', {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedNamespace',
    metadata: { name: ns, namespace: ns },
    spec: { placement: { clusters: both } },
  });
  await waitUntil('namespace in both members', async () =>
    (await Promise.all([member1, member2].map((kc) => getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespace({ name: ns }))))).every(Boolean),
  );
}, 120_000);

afterAll(async () => {
  await manager?.stop();
});

describe('lifecycle of a federated object', () => {
  it('moves objects when the placement changes', async () => {
    await createFed(host, 'federatedconfigmaps', fedConfigMap('mover', { template: { data: { a: '1' } }, placement: { clusters: [{ name: 'member1' }] } }));
    await expect.poll(() => cmData(member1, 'mover'), { timeout: 20_000 }).toEqual({ a: '1' });
    expect(await configMap(member2, 'mover')).toBeUndefined();

    await patchFed(host, 'federatedconfigmaps', 'mover', ns, [{ op: 'replace', path: '/spec/placement/clusters', value: [{ name: 'member2' }] }]);
    await expect.poll(() => cmData(member2, 'mover'), { timeout: 20_000 }).toEqual({ a: '1' });
    await expect.poll(() => configMap(member1, 'mover'), { timeout: 20_000 }).toBeUndefined();
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'mover', ns), { timeout: 20_000 }).toEqual({ status: 'True', clusters: ['member2'] });

    // A selector: regions eu and us both match `region in (eu, us)`.
    await patchFed(host, 'federatedconfigmaps', 'mover', ns, [
      { op: 'remove', path: '/spec/placement/clusters' },
      { op: 'add', path: '/spec/placement/clusterSelector', value: { matchExpressions: [{ key: 'region', operator: 'In', values: ['eu', 'us'] }] } },
    ]);
    await expect.poll(() => cmData(member1, 'mover'), { timeout: 20_000 }).toEqual({ a: '1' });
    expect(await cmData(member2, 'mover')).toEqual({ a: '1' });
  });

  it('follows a KubeFedCluster label change without a restart: a selector picks the cluster up and lets it go', async () => {
    await createFed(host, 'federatedconfigmaps', fedConfigMap('by-label', { template: { data: { a: '1' } }, placement: { clusterSelector: { matchLabels: { tier: 'gold' } } } }));
    const kfcs = host.makeApiClient(CustomObjectsApi);
    const setTier = (cluster: string, tier: string | null) =>
      kfcs.patchNamespacedCustomObject({
        group: 'core.kubefed.io', version: 'v1beta1', namespace: KUBEFED_NS, plural: 'kubefedclusters', name: cluster,
        body: [tier === null ? { op: 'remove', path: '/metadata/labels/tier' } : { op: 'add', path: '/metadata/labels/tier', value: tier }],
      });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await configMap(member2, 'by-label')).toBeUndefined();
    await setTier('member2', 'gold');
    await expect.poll(() => cmData(member2, 'by-label'), { timeout: 20_000 }).toEqual({ a: '1' });
    expect(await configMap(member1, 'by-label')).toBeUndefined();
    await setTier('member2', null);
    await expect.poll(() => configMap(member2, 'by-label'), { timeout: 20_000 }).toBeUndefined();
  });

  it('updates members when the template changes, including removed fields, and leaves fields others own', async () => {
    await createFed(host, 'federatedconfigmaps', fedConfigMap('changer', { template: { data: { keep: 'x', drop: 'y' } }, placement: { clusters: both } }));
    for (const kc of [member1, member2]) await expect.poll(() => cmData(kc, 'changer'), { timeout: 20_000 }).toEqual({ keep: 'x', drop: 'y' });
    // Created by a create-only apply, so our fields are owned through `Apply` from the start (see perform.ts).
    const created = await configMap(member1, 'changer');
    expect(created?.metadata?.managedFields?.map((f) => `${f.manager}/${f.operation}`)).toEqual(['kubefed-ts/Apply']);
    // Someone else's key in a member is not ours to remove.
    await member1.makeApiClient(CoreV1Api).patchNamespacedConfigMap({
      name: 'changer',
      namespace: ns,
      body: [{ op: 'add', path: '/data/theirs', value: 't' }],
      fieldManager: 'someone-else',
    });
    await waitUntil('controllers idle', allIdle, 30_000);
    const before = await Promise.all([member1, member2].map((kc) => writeRequests(kc, ['configmaps'])));
    await patchFed(host, 'federatedconfigmaps', 'changer', ns, [{ op: 'replace', path: '/spec/template/data', value: { keep: 'z' } }]);
    await expect.poll(() => cmData(member1, 'changer'), { timeout: 20_000 }).toEqual({ keep: 'z', theirs: 't' });
    await expect.poll(() => cmData(member2, 'changer'), { timeout: 20_000 }).toEqual({ keep: 'z' });
    // The first update is one write per member.
    await waitUntil('controllers idle', allIdle, 30_000);
    const after = await Promise.all([member1, member2].map((kc) => writeRequests(kc, ['configmaps'])));
    expect(after.map((a, i) => writesBetween(before[i]!, a))).toEqual([{ 'configmaps APPLY': 1 }, { 'configmaps APPLY': 1 }]);
    const updated = await configMap(member1, 'changer');
    expect(updated?.metadata?.managedFields?.map((f) => `${f.manager}/${f.operation}`).sort()).toEqual(['kubefed-ts/Apply', 'someone-else/Update']);
  });

  it('deletes member objects before the federated object goes', async () => {
    await createFed(host, 'federatedconfigmaps', fedConfigMap('doomed', { template: { data: { a: '1' } }, placement: { clusters: both } }));
    for (const kc of [member1, member2]) await expect.poll(() => cmData(kc, 'doomed'), { timeout: 20_000 }).toEqual({ a: '1' });
    expect((await getFed(host, 'federatedconfigmaps', 'doomed', ns))?.metadata?.finalizers).toContain('kubefed.io/sync-controller');
    await deleteFed(host, 'federatedconfigmaps', 'doomed', ns);
    for (const kc of [member1, member2]) await expect.poll(() => configMap(kc, 'doomed'), { timeout: 20_000 }).toBeUndefined();
    await expect.poll(() => getFed(host, 'federatedconfigmaps', 'doomed', ns), { timeout: 20_000 }).toBeUndefined();
  });

  it('keeps member objects, unlabelled, when the federated object is deleted with kubefed.io/orphan', async () => {
    await createFed(host, 'federatedconfigmaps', fedConfigMap('orphan', { template: { data: { a: '1' } }, placement: { clusters: both } }, { 'kubefed.io/orphan': 'true' }));
    for (const kc of [member1, member2]) await expect.poll(() => cmData(kc, 'orphan'), { timeout: 20_000 }).toEqual({ a: '1' });
    await deleteFed(host, 'federatedconfigmaps', 'orphan', ns);
    await expect.poll(() => getFed(host, 'federatedconfigmaps', 'orphan', ns), { timeout: 20_000 }).toBeUndefined();
    for (const kc of [member1, member2]) {
      const cm = await configMap(kc, 'orphan');
      expect(cm?.data).toEqual({ a: '1' });
      expect(cm?.metadata?.labels?.['kubefed.io/managed']).toBeUndefined();
    }
  });

  it('reverts a change made directly in a member and says so in an Event', async () => {
    await createFed(host, 'federatedconfigmaps', fedConfigMap('guarded', { template: { data: { mode: 'safe' } }, placement: { clusters: both } }));
    await expect.poll(() => cmData(member1, 'guarded'), { timeout: 20_000 }).toEqual({ mode: 'safe' });
    await member1.makeApiClient(CoreV1Api).patchNamespacedConfigMap({
      name: 'guarded',
      namespace: ns,
      body: [{ op: 'replace', path: '/data/mode', value: 'yolo' }],
    });
    await expect.poll(() => cmData(member1, 'guarded'), { timeout: 20_000 }).toEqual({ mode: 'safe' });
    await expect.poll(async () => (await eventsFor(host, ns, 'guarded')).filter((e) => e.startsWith('DriftReverted')), { timeout: 20_000 }).toEqual([
      expect.stringMatching(/^DriftReverted: .*cluster "member1".*\/data\/mode/),
    ]);
  });

  it('collects the member objects\' status into status.clusters[].remoteStatus when the FTC asks for it', async () => {
    const custom = host.makeApiClient(CustomObjectsApi);
    await custom.patchNamespacedCustomObject({
      group: 'core.kubefed.io', version: 'v1beta1', namespace: KUBEFED_NS, plural: 'federatedtypeconfigs', name: 'deployments.apps',
      body: [{ op: 'add', path: '/spec/statusCollection', value: 'Enabled' }],
    });
    await createFed(host, 'federateddeployments', {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedDeployment',
      metadata: { name: 'observed', namespace: ns },
      spec: {
        template: { spec: { replicas: 1, selector: { matchLabels: { app: 'o' } }, template: { metadata: { labels: { app: 'o' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } },
        placement: { clusters: both },
      },
    });
    // The member's deployment controller (kube-controller-manager) writes the Deployment's status.
    await expect.poll(async () => {
      const fed = await getFed(host, 'federateddeployments', 'observed', ns);
      return (fed?.status?.clusters ?? []).map((c: Record<string, any>) => `${c.name}:${c.remoteStatus?.replicas ?? '-'}`).sort();
    }, { timeout: 30_000 }).toEqual(['member1:1', 'member2:1']);
    await custom.patchNamespacedCustomObject({
      group: 'core.kubefed.io', version: 'v1beta1', namespace: KUBEFED_NS, plural: 'federatedtypeconfigs', name: 'deployments.apps',
      body: [{ op: 'remove', path: '/spec/statusCollection' }],
    });
  });
});

describe('adoption and objects left alone', () => {
  it('adopts a pre-existing member object and leaves one labelled kubefed.io/managed=false alone', async () => {
    await member1.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'existing' }, data: { owner: 'someone' } } });
    await member2.makeApiClient(CoreV1Api).createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'existing', labels: { 'kubefed.io/managed': 'false' } }, data: { owner: 'someone' } },
    });
    await createFed(host, 'federatedconfigmaps', fedConfigMap('existing', { template: { data: { owner: 'federation' } }, placement: { clusters: both } }));
    await expect.poll(() => cmData(member1, 'existing'), { timeout: 20_000 }).toEqual({ owner: 'federation' });
    expect((await configMap(member1, 'existing'))?.metadata?.labels?.['kubefed.io/managed']).toBe('true');
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'existing', ns), { timeout: 20_000 }).toEqual({
      status: 'False',
      reason: 'CheckClusters',
      clusters: ['member1', 'member2:ManagedLabelFalse'],
    });
    expect(await cmData(member2, 'existing')).toEqual({ owner: 'someone' });
    expect(await eventsFor(host, ns, 'existing')).toContainEqual(expect.stringMatching(/^AdoptInCluster: .*member1/));
  });
});

describe('bad input', () => {
  it('reports each problem on the object concerned, while a healthy object created alongside propagates', async () => {
    // An override below a key that does not exist (KubeFed's json-patch fails it too): only that cluster fails.
    await createFed(host, 'federatedconfigmaps', fedConfigMap('bad-override', {
      template: { data: { a: '1' } },
      placement: { clusters: both },
      overrides: [{ clusterName: 'member2', clusterOverrides: [{ op: 'replace', path: '/data/missing/key', value: 'x' }] }],
    }));
    // A cluster that is not registered.
    await createFed(host, 'federatedconfigmaps', fedConfigMap('unknown-cluster', { template: { data: { a: '1' } }, placement: { clusters: [{ name: 'member1' }, { name: 'nowhere' }] } }));
    // A template the member API server rejects (ConfigMap data must be strings).
    await createFed(host, 'federatedconfigmaps', fedConfigMap('rejected', { template: { data: { n: 5 } }, placement: { clusters: [{ name: 'member1' }] } }));
    await createFed(host, 'federatedconfigmaps', fedConfigMap('healthy', { template: { data: { ok: 'yes' } }, placement: { clusters: both } }));

    for (const kc of [member1, member2]) await expect.poll(() => cmData(kc, 'healthy'), { timeout: 20_000 }).toEqual({ ok: 'yes' });
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'bad-override', ns), { timeout: 20_000 }).toEqual({
      status: 'False', reason: 'CheckClusters', clusters: ['member1', 'member2:ApplyOverridesFailed'],
    });
    expect(await cmData(member1, 'bad-override')).toEqual({ a: '1' });
    const badOverride = await getFed(host, 'federatedconfigmaps', 'bad-override', ns);
    expect(badOverride?.status?.conditions?.[0]?.message).toMatch(/member2.*ApplyOverridesFailed/);
    expect(await eventsFor(host, ns, 'bad-override')).toContainEqual(expect.stringMatching(/^ApplyOverridesFailed: .*\/data\/missing.*member2/));

    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'unknown-cluster', ns), { timeout: 20_000 }).toEqual({
      status: 'False', reason: 'CheckClusters', clusters: ['member1', 'nowhere:ClusterNotReady'],
    });
    expect(await cmData(member1, 'unknown-cluster')).toEqual({ a: '1' });

    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'rejected', ns), { timeout: 20_000 }).toEqual({
      status: 'False', reason: 'CheckClusters', clusters: ['member1:CreationFailed'],
    });
    expect(await eventsFor(host, ns, 'rejected')).toContainEqual(expect.stringMatching(/^CreateInClusterFailed: .*member1.*data/));
  });

  it('rejects an override of a forbidden path at admission, naming the field', async () => {
    await expect(createFed(host, 'federatedconfigmaps', fedConfigMap('renamer', {
      template: { data: { a: '1' } },
      placement: { clusters: both },
      overrides: [{ clusterName: 'member1', clusterOverrides: [{ path: '/metadata/name', value: 'other' }] }],
    }))).rejects.toMatchObject({ body: expect.stringMatching(/spec\.overrides\[0\]\.clusterOverrides\[0\]\.path/) });
  });
});

describe('namespaces that are not federated', () => {
  it('places nothing and says NamespaceNotFederated for an object whose namespace has no FederatedNamespace', async () => {
    const loneNs = `${ns}-lone`;
    await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: loneNs } } });
    await createFed(host, 'federatedconfigmaps', {
      apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name: 'lonely', namespace: loneNs },
      spec: { template: { data: { a: '1' } }, placement: { clusters: both } },
    });
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'lonely', loneNs), { timeout: 20_000 }).toEqual({
      status: 'False', reason: 'NamespaceNotFederated', clusters: [],
    });
    const fed = await getFed(host, 'federatedconfigmaps', 'lonely', loneNs);
    expect(fed?.status?.conditions?.[0]?.message).toMatch(/namespace/);
    expect(await getOrUndefined(member1.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'lonely', namespace: loneNs }))).toBeUndefined();
    await deleteFed(host, 'federatedconfigmaps', 'lonely', loneNs);
  });
});

describe('resync', () => {
  it('makes zero writes to members or host when a restarted controller finds nothing changed', async () => {
    // A write the member refused is retried once by a fresh process (the member may have changed since);
    // such an object is not "nothing changed", so it goes first.
    await deleteFed(host, 'federatedconfigmaps', 'rejected', ns);
    await waitUntil('refused object gone', async () => !(await getFed(host, 'federatedconfigmaps', 'rejected', ns)));
    await waitUntil('controllers idle', allIdle, 30_000);
    // Other files' namespaces still being cleaned up would show their DELETEs in the host's counters.
    await waitForNamespacesSettled(host);
    // Let watch events of the last writes settle, then snapshot the API servers' own counters.
    await new Promise((r) => setTimeout(r, 2_000));
    const memberResources = ['configmaps', 'deployments', 'namespaces', 'services', 'clusterroles'];
    const hostResources = ['federatedconfigmaps', 'federateddeployments', 'federatednamespaces', 'kubefedclusters', 'federatedtypeconfigs', 'events'];
    const before = await Promise.all([writeRequests(member1, memberResources), writeRequests(member2, memberResources), writeRequests(host, hostResources)]);

    await manager.stop();
    manager = await startManager(host);
    await waitUntil('default types running again', () => manager.typeConfigs.controllers().size >= 11);
    // Every fed object has now been reconciled at least once from a cold cache; give stragglers time too.
    await new Promise((r) => setTimeout(r, 3_000));
    await waitUntil('controllers idle', allIdle, 30_000);

    const after = await Promise.all([writeRequests(member1, memberResources), writeRequests(member2, memberResources), writeRequests(host, hostResources)]);
    expect({ member1: writesBetween(before[0], after[0]), member2: writesBetween(before[1], after[1]), host: writesBetween(before[2], after[2]) }).toEqual({
      member1: {},
      member2: {},
      host: {},
    });

    // And the controller is live: a change still propagates.
    await patchFed(host, 'federatedconfigmaps', 'changer', ns, [{ op: 'replace', path: '/spec/template/data', value: { keep: 'again' } }]);
    await expect.poll(() => cmData(member1, 'changer'), { timeout: 20_000 }).toEqual({ keep: 'again', theirs: 't' });
    const deployment = await getOrUndefined(member1.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'observed', namespace: ns }));
    expect(deployment?.metadata?.labels?.['kubefed.io/managed']).toBe('true');
  }, 120_000);
});

describe('adoptResources: Disabled', () => {
  it('reports AlreadyExists for a pre-existing member object instead of taking it over', async () => {
    await manager.stop();
    manager = await startManager(host, { tweak: (c) => ({ ...c, adoptResources: false }) });
    await waitUntil('both members ready', () => manager.registry.clusters().filter((c) => c.ready).length === 2);
    await waitUntil('default types running', () => manager.typeConfigs.controllers().size >= 11);
    await member1.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'not-mine' }, data: { owner: 'someone' } } });
    await createFed(host, 'federatedconfigmaps', fedConfigMap('not-mine', { template: { data: { owner: 'federation' } }, placement: { clusters: both } }));
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'not-mine', ns), { timeout: 20_000 }).toEqual({
      status: 'False', reason: 'CheckClusters', clusters: ['member1:AlreadyExists', 'member2'],
    });
    expect(await cmData(member1, 'not-mine')).toEqual({ owner: 'someone' });
    expect((await configMap(member1, 'not-mine'))?.metadata?.labels?.['kubefed.io/managed']).toBeUndefined();
    expect(await cmData(member2, 'not-mine')).toEqual({ owner: 'federation' });
  });
});

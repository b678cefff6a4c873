// Two deletion rules that protect what must not be lost: the host cluster joined as a member keeps its own
// namespaces (they are unlabelled, never deleted, or the federated objects inside them would go too), and
// `kubefed.io/deleteoption` is honoured when member objects are deleted.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { createFed, deleteFed, getFed, propagationOf } from '../harness/fed-objects.js';
import { getOrUndefined, joinMember, KUBEFED_NS, prepareFederation, startReadyManager, waitUntil } from '../harness/federation.js';

let host: KubeConfig;
let member1: KubeConfig;
let manager: ControllerManager;
const ns = `hostns-${Date.now().toString(36)}`;

beforeAll(async () => {
  host = kubeConfigFor('host');
  member1 = kubeConfigFor('member1');
  await prepareFederation(host, testEnv().clusters.host!.kubeconfigPath, [{ name: 'member1', kc: member1 }, { name: 'member2', kc: kubeConfigFor('member2') }]);
  // The host itself, joined as a member cluster, as KubeFed users often do.
  await joinMember(host, host, 'host-self', { labels: { self: 'true' } });
  manager = await startReadyManager(host, 3);
  await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
}, 120_000);

afterAll(async () => {
  await manager?.stop();
  await getOrUndefined(
    host.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({
      group: 'core.kubefed.io', version: 'v1beta1', namespace: KUBEFED_NS, plural: 'kubefedclusters', name: 'host-self',
    }),
  );
});

describe('the host cluster as a member', () => {
  it('labels the host\'s own namespace when federated there, and only unlabels it when the FederatedNamespace goes', async () => {
    await createFed(host, 'federatednamespaces', {
      apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedNamespace', metadata: { name: ns, namespace: ns },
      spec: { placement: { clusters: [{ name: 'host-self' }, { name: 'member1' }] } },
    });
    const hostNs = () => getOrUndefined(host.makeApiClient(CoreV1Api).readNamespace({ name: ns }));
    await expect.poll(async () => (await hostNs())?.metadata?.labels?.['kubefed.io/managed'], { timeout: 20_000 }).toBe('true');
    await expect.poll(() => propagationOf(host, 'federatednamespaces', ns, ns), { timeout: 20_000 }).toEqual({ status: 'True', clusters: ['host-self', 'member1'] });

    await deleteFed(host, 'federatednamespaces', ns, ns);
    await expect.poll(() => getFed(host, 'federatednamespaces', ns, ns), { timeout: 30_000 }).toBeUndefined();
    const after = await hostNs();
    expect(after?.status?.phase).toBe('Active');
    expect(after?.metadata?.deletionTimestamp).toBeUndefined();
    expect(after?.metadata?.labels?.['kubefed.io/managed']).toBeUndefined();
    // The member's copy is deleted as usual.
    await expect
      .poll(async () => {
        const n = await getOrUndefined(member1.makeApiClient(CoreV1Api).readNamespace({ name: ns }));
        return n === undefined || n.metadata?.deletionTimestamp !== undefined;
      }, { timeout: 30_000 })
      .toBe(true);
  });
});

describe('kubefed.io/deleteoption', () => {
  it('deletes member objects with the given propagation policy (Orphan keeps the Deployment\'s ReplicaSets)', async () => {
    const depNs = `${ns}-del`;
    await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: depNs } } });
    await createFed(host, 'federatednamespaces', {
      apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedNamespace', metadata: { name: depNs, namespace: depNs },
      spec: { placement: { clusters: [{ name: 'member1' }] } },
    });
    await createFed(host, 'federateddeployments', {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedDeployment',
      metadata: { name: 'kept', namespace: depNs, annotations: { 'kubefed.io/deleteoption': '{"propagationPolicy":"Orphan"}' } },
      spec: {
        template: { spec: { replicas: 1, selector: { matchLabels: { app: 'kept' } }, template: { metadata: { labels: { app: 'kept' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } } },
        placement: { clusters: [{ name: 'member1' }] },
      },
    });
    const apps = member1.makeApiClient(AppsV1Api);
    // The member's deployment controller (kube-controller-manager) makes a ReplicaSet owned by the Deployment.
    await expect.poll(async () => (await apps.listNamespacedReplicaSet({ namespace: depNs })).items.length, { timeout: 30_000 }).toBe(1);
    await deleteFed(host, 'federateddeployments', 'kept', depNs);
    await expect.poll(() => getOrUndefined(apps.readNamespacedDeployment({ name: 'kept', namespace: depNs })), { timeout: 30_000 }).toBeUndefined();
    // Orphan: the garbage collector leaves the ReplicaSet, only its owner reference goes.
    await expect
      .poll(async () => (await apps.listNamespacedReplicaSet({ namespace: depNs })).items.map((rs) => rs.metadata?.ownerReferences?.length ?? 0), { timeout: 30_000 })
      .toEqual([0]);
  });
});

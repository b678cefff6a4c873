// Replica scheduling on real API servers of its own (a member is stopped and restarted): a
// ReplicaSchedulingPreference spreads a FederatedDeployment's replicas by weight, re-plans on changes,
// fails over to the ready cluster, and moves back when rebalancing is asked for, growing the new cluster
// before shrinking the old one. No kubelet runs: the test writes the Deployments' ready replicas itself.
import { AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import { ControlPlane } from '../harness/control-plane.js';
import { testEnv } from '../harness/env.js';
import { createFed, getFed } from '../harness/fed-objects.js';
import {
  getOrUndefined,
  kubeConfigFromFile,
  prepareFederation,
  startReadyManager,
  waitUntil,
} from '../harness/federation.js';

let cp: ControlPlane;
let host: KubeConfig;
let members: Record<string, KubeConfig>;
let manager: ControllerManager;
const ns = 'sched';
const rspRef = { group: 'scheduling.kubefed.io', version: 'v1alpha1', namespace: ns, plural: 'replicaschedulingpreferences', name: 'web' };

const replicas = async (cluster: string) =>
  (await getOrUndefined(members[cluster]!.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'web', namespace: ns })))?.spec?.replicas;
const both = async () => ({ member1: await replicas('member1'), member2: await replicas('member2') });

/** What a kubelet would report: the member's Deployment has its replicas ready. */
async function markReady(cluster: string): Promise<void> {
  const api = members[cluster]!.makeApiClient(AppsV1Api);
  const d = await api.readNamespacedDeployment({ name: 'web', namespace: ns });
  const n = d.spec?.replicas ?? 0;
  await api.patchNamespacedDeploymentStatus({
    name: 'web',
    namespace: ns,
    body: [{ op: 'add', path: '/status', value: { replicas: n, readyReplicas: n, availableReplicas: n, observedGeneration: d.metadata?.generation } }],
  });
}

async function patchRsp(patch: unknown[]): Promise<void> {
  await host.makeApiClient(CustomObjectsApi).patchNamespacedCustomObject({ ...rspRef, body: patch });
}

async function rspCondition(): Promise<string> {
  const rsp = (await host.makeApiClient(CustomObjectsApi).getNamespacedCustomObject(rspRef)) as Record<string, any>;
  const c = rsp.status?.conditions?.find((x: Record<string, string>) => x.type === 'Scheduled');
  return `${c?.status}/${c?.reason}`;
}

beforeAll(async () => {
  cp = await ControlPlane.start({ members: 2, binDir: testEnv().binDir, controllerManagers: false });
  host = kubeConfigFromFile(cp.clusters.get('host')!.kubeconfigPath);
  members = {
    member1: kubeConfigFromFile(cp.clusters.get('member1')!.kubeconfigPath),
    member2: kubeConfigFromFile(cp.clusters.get('member2')!.kubeconfigPath),
  };
  await prepareFederation(host, cp.clusters.get('host')!.kubeconfigPath, [
    { name: 'member1', kc: members.member1! },
    { name: 'member2', kc: members.member2! },
  ]);
  manager = await startReadyManager(host, 2);
  await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await createFed(host, 'federatednamespaces', {
    apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedNamespace', metadata: { name: ns, namespace: ns },
    spec: { placement: { clusterSelector: {} } },
  });
  await createFed(host, 'federateddeployments', {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedDeployment',
    metadata: { name: 'web', namespace: ns },
    spec: {
      template: { spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } } },
      placement: { clusterSelector: {} },
      // A user override of another path must survive the scheduler's writes.
      overrides: [{ clusterName: 'member2', clusterOverrides: [{ path: '/spec/template/spec/containers/0/image', value: 'nginx:member2' }] }],
    },
  });
}, 180_000);

afterAll(async () => {
  await manager?.stop();
  await cp?.stop();
});

describe('ReplicaSchedulingPreference', () => {
  it('spreads 9 replicas 3 and 6 over weights 1:2', async () => {
    await host.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      ...rspRef,
      body: {
        apiVersion: 'scheduling.kubefed.io/v1alpha1', kind: 'ReplicaSchedulingPreference', metadata: { name: 'web', namespace: ns },
        spec: { targetKind: 'FederatedDeployment', totalReplicas: 9, clusters: { member1: { weight: 1 }, member2: { weight: 2 } } },
      },
    });
    await expect.poll(both, { timeout: 20_000 }).toEqual({ member1: 3, member2: 6 });
    const d2 = await members.member2!.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(d2.spec?.template.spec?.containers[0]?.image).toBe('nginx:member2');
    await markReady('member1');
    await markReady('member2');
    await expect.poll(rspCondition, { timeout: 20_000 }).toBe('True/Scheduled');
  });

  it('keeps running replicas where they are when only the weights change without rebalance', async () => {
    await patchRsp([{ op: 'replace', path: '/spec/clusters', value: { member1: { weight: 2 }, member2: { weight: 1 } } }]);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await both()).toEqual({ member1: 3, member2: 6 });
  });

  it('re-plans by weight with rebalance, growing the new share before shrinking the old one', async () => {
    await patchRsp([{ op: 'add', path: '/spec/rebalance', value: true }]);
    // First member1 grows to 6 while member2 keeps its 6: never fewer than 9 replicas in total.
    await expect.poll(both, { timeout: 20_000 }).toEqual({ member1: 6, member2: 6 });
    await expect.poll(rspCondition, { timeout: 10_000 }).toBe('False/WaitingForReplicas');
    await markReady('member1');
    await expect.poll(both, { timeout: 20_000 }).toEqual({ member1: 6, member2: 3 });
    await markReady('member2');
  });

  it('re-plans when the total changes', async () => {
    await patchRsp([{ op: 'replace', path: '/spec/totalReplicas', value: 12 }]);
    await expect.poll(both, { timeout: 20_000 }).toEqual({ member1: 8, member2: 4 });
    await markReady('member1');
    await markReady('member2');
    await expect.poll(rspCondition, { timeout: 20_000 }).toBe('True/Scheduled');
  });

  it('moves all replicas to the ready cluster when a member becomes not ready', async () => {
    await patchRsp([{ op: 'replace', path: '/spec/rebalance', value: false }]);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await both()).toEqual({ member1: 8, member2: 4 });
    await cp.stopCluster('member2');
    await waitUntil('member2 not ready', () => manager.registry.get('member2')?.ready === false, 20_000);
    await expect.poll(() => replicas('member1'), { timeout: 20_000 }).toBe(12);
    await markReady('member1');
    const fed = await getFed(host, 'federateddeployments', 'web', ns);
    // member2's replicas are still written (they run there) but no longer counted.
    expect(fed?.spec?.placement?.clusters?.map((c: { name: string }) => c.name)).toEqual(['member1', 'member2']);
  });

  it('keeps replicas where they run when the member returns without rebalance, and moves them back with rebalance', async () => {
    await cp.startCluster('member2');
    await waitUntil('member2 ready again', () => manager.registry.get('member2')?.ready === true, 30_000);
    // rebalance false: member1 runs 12 ready replicas, and they stay there.
    await expect.poll(both, { timeout: 20_000 }).toEqual({ member1: 12, member2: 0 });

    await patchRsp([{ op: 'replace', path: '/spec/rebalance', value: true }]);
    // member2 grows first; member1 shrinks only once member2's replicas are ready.
    await expect.poll(both, { timeout: 20_000 }).toEqual({ member1: 12, member2: 4 });
    await markReady('member2');
    await expect.poll(both, { timeout: 20_000 }).toEqual({ member1: 8, member2: 4 });
  });

  it('reports a target that is not schedulable on the RSP, without disturbing anything else', async () => {
    await host.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: rspRef.group,
      version: rspRef.version,
      namespace: ns,
      plural: rspRef.plural,
      body: {
        apiVersion: 'scheduling.kubefed.io/v1alpha1', kind: 'ReplicaSchedulingPreference', metadata: { name: 'missing', namespace: ns },
        spec: { targetKind: 'FederatedDeployment', totalReplicas: 3 },
      },
    });
    await expect
      .poll(async () => {
        const rsp = (await host.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...rspRef, name: 'missing' })) as Record<string, any>;
        const c = rsp.status?.conditions?.[0];
        return `${c?.status}/${c?.reason}`;
      }, { timeout: 20_000 })
      .toBe('False/TargetNotFound');
    expect(await both()).toEqual({ member1: 8, member2: 4 });
  });
});

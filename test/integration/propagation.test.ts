// Propagation end to end on the real host + 2 member API servers: the controller-manager runs in this
// process; objects are created on the host and read back from the members.
import { AppsV1Api, CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { createFed as createFedObject, patchFed as patchFedObject, propagationOf } from '../harness/fed-objects.js';
import { customObjects, getOrUndefined, KUBEFED_NS, prepareFederation, startReadyManager } from '../harness/federation.js';

let host: KubeConfig;
let member1: KubeConfig;
let member2: KubeConfig;
let manager: ControllerManager;
const ns = `prop-${Date.now().toString(36)}`;

const createFed = (plural: string, body: Record<string, unknown>, _namespace?: string) => createFedObject(host, plural, body);
const patchFed = (plural: string, name: string, namespace: string | undefined, patch: unknown[]) => patchFedObject(host, plural, name, namespace, patch);
const propagation = async (plural: string, name: string, namespace?: string) => {
  const { status, clusters } = await propagationOf(host, plural, name, namespace);
  return { status, clusters };
};

const configMap = (kc: KubeConfig, name: string) => getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace: ns }));

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
  await createFed('federatednamespaces', {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedNamespace',
    metadata: { name: ns, namespace: ns },
    spec: { placement: { clusters: [{ name: 'member1' }, { name: 'member2' }] } },
  }, ns);
}, 120_000);

afterAll(async () => {
  await manager?.stop();
});

describe('propagation to member clusters', () => {
  it('reports both KubeFedClusters Ready with their Kubernetes version', async () => {
    for (const name of ['member1', 'member2']) {
      await expect.poll(async () => {
        const kfc = (await customObjects(host).getNamespacedCustomObject({
          group: 'core.kubefed.io', version: 'v1beta1', plural: 'kubefedclusters', namespace: KUBEFED_NS, name,
        })) as Record<string, any>;
        const ready = kfc.status?.conditions?.find((c: { type: string }) => c.type === 'Ready');
        return `${ready?.status}/${ready?.reason}/${kfc.status?.kubernetesVersion?.slice(0, 5)}`;
      }, { timeout: 20_000 }).toBe('True/ClusterReady/v1.35');
    }
  });

  it('federates the namespace to both members', async () => {
    for (const kc of [member1, member2]) {
      await expect.poll(async () => (await getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespace({ name: ns })))?.metadata?.labels?.['kubefed.io/managed'], { timeout: 20_000 }).toBe('true');
    }
    await expect.poll(() => propagation('federatednamespaces', ns, ns), { timeout: 20_000 }).toEqual({ status: 'True', clusters: ['member1', 'member2'] });
  });

  it('propagates a FederatedConfigMap with a per-cluster override', async () => {
    await createFed('federatedconfigmaps', {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedConfigMap',
      metadata: { name: 'colors', namespace: ns },
      spec: {
        template: { metadata: { labels: { app: 'demo' }, annotations: { note: 'kept' } }, data: { color: 'red', size: 'L' } },
        placement: { clusters: [{ name: 'member1' }, { name: 'member2' }] },
        overrides: [{ clusterName: 'member2', clusterOverrides: [{ path: '/data/color', value: 'blue' }, { op: 'remove', path: '/data/size' }] }],
      },
    }, ns);
    await expect.poll(async () => (await configMap(member1, 'colors'))?.data, { timeout: 20_000 }).toEqual({ color: 'red', size: 'L' });
    await expect.poll(async () => (await configMap(member2, 'colors'))?.data, { timeout: 20_000 }).toEqual({ color: 'blue' });
    const cm = (await configMap(member1, 'colors'))!;
    expect(cm.metadata?.labels).toMatchObject({ app: 'demo', 'kubefed.io/managed': 'true' });
    expect(cm.metadata?.annotations).toMatchObject({ note: 'kept' });
    await expect.poll(() => propagation('federatedconfigmaps', 'colors', ns), { timeout: 20_000 }).toEqual({ status: 'True', clusters: ['member1', 'member2'] });
  });

  it('propagates a FederatedDeployment with a replicas override', async () => {
    await createFed('federateddeployments', {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedDeployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        template: {
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: 'web' } },
            template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27', resources: { limits: { cpu: '500m' } } }] } },
          },
        },
        placement: { clusterSelector: {} },
        overrides: [{ clusterName: 'member1', clusterOverrides: [{ path: '/spec/replicas', value: 5 }] }],
      },
    }, ns);
    const replicas = async (kc: KubeConfig) =>
      (await getOrUndefined(kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'web', namespace: ns })))?.spec?.replicas;
    await expect.poll(() => replicas(member1), { timeout: 20_000 }).toBe(5);
    await expect.poll(() => replicas(member2), { timeout: 20_000 }).toBe(2);
    await expect.poll(() => propagation('federateddeployments', 'web', ns), { timeout: 20_000 }).toEqual({ status: 'True', clusters: ['member1', 'member2'] });
  });

  it("applies KubeFed's documented overrides (op omitted) on keys the template lacks, and still fails a missing parent", async () => {
    // The template has no metadata.labels, metadata.annotations or pod nodeSelector: KubeFed's json-patch
    // creates each of them on replace, which is what its users' manifests and its e2e suite rely on.
    await createFed('federateddeployments', {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedDeployment',
      metadata: { name: 'documented', namespace: ns },
      spec: {
        template: {
          spec: {
            replicas: 1,
            selector: { matchLabels: { app: 'documented' } },
            template: { metadata: { labels: { app: 'documented' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
          },
        },
        placement: { clusters: [{ name: 'member1' }, { name: 'member2' }] },
        overrides: [
          {
            clusterName: 'member1',
            clusterOverrides: [
              { path: '/metadata/labels', value: { tier: 'gold' } },
              { path: '/metadata/annotations', value: { owner: 'team-a' } },
              { path: '/spec/template/spec/nodeSelector', value: { disk: 'ssd' } },
            ],
          },
          // The parent /metadata/labels does not exist: this still fails, for member2 alone.
          { clusterName: 'member2', clusterOverrides: [{ path: '/metadata/labels/tier', value: 'silver' }] },
        ],
      },
    });
    const deployment = (kc: KubeConfig) => getOrUndefined(kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'documented', namespace: ns }));
    await expect.poll(() => propagation('federateddeployments', 'documented', ns), { timeout: 20_000 }).toEqual({
      status: 'False',
      clusters: ['member1', 'member2:ApplyOverridesFailed'],
    });
    const propagated = (await deployment(member1))!;
    expect(propagated.metadata?.labels).toEqual({ tier: 'gold', 'kubefed.io/managed': 'true' });
    expect(propagated.metadata?.annotations).toMatchObject({ owner: 'team-a' });
    expect(propagated.spec?.template?.spec?.nodeSelector).toEqual({ disk: 'ssd' });
    expect(await deployment(member2)).toBeUndefined();

    // KubeFed's e2e update step: replace /metadata/labels with op omitted, here for member2, which then propagates.
    await patchFed('federateddeployments', 'documented', ns, [
      { op: 'replace', path: '/spec/overrides/1/clusterOverrides/0', value: { path: '/metadata/labels', value: { 'crudtester-operation': 'update' } } },
    ]);
    await expect.poll(async () => (await deployment(member2))?.metadata?.labels, { timeout: 20_000 }).toEqual({
      'crudtester-operation': 'update',
      'kubefed.io/managed': 'true',
    });
    await expect.poll(() => propagation('federateddeployments', 'documented', ns), { timeout: 20_000 }).toEqual({ status: 'True', clusters: ['member1', 'member2'] });
  });

  it('propagates a FederatedService and leaves the member-allocated clusterIP alone', async () => {
    await createFed('federatedservices', {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedService',
      metadata: { name: 'web', namespace: ns },
      spec: {
        template: { spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } },
        placement: { clusters: [{ name: 'member1' }, { name: 'member2' }] },
      },
    }, ns);
    const service = async (kc: KubeConfig) => getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespacedService({ name: 'web', namespace: ns }));
    await expect.poll(async () => (await service(member1))?.spec?.clusterIP, { timeout: 20_000 }).toMatch(/^10\.0\.0\./);
    const ipBefore = (await service(member1))!.spec!.clusterIP;
    // A template change is applied without disturbing the fields the member allocated.
    await patchFed('federatedservices', 'web', ns, [{ op: 'replace', path: '/spec/template/spec/ports/0/port', value: 81 }]);
    await expect.poll(async () => (await service(member1))?.spec?.ports?.[0]?.port, { timeout: 20_000 }).toBe(81);
    expect((await service(member1))!.spec!.clusterIP).toBe(ipBefore);
    await expect.poll(() => propagation('federatedservices', 'web', ns), { timeout: 20_000 }).toEqual({ status: 'True', clusters: ['member1', 'member2'] });
  });

  it('propagates a cluster-scoped FederatedClusterRole to the clusters its selector picks', async () => {
    const name = `${ns}-reader`;
    await createFed('federatedclusterroles', {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedClusterRole',
      metadata: { name },
      spec: {
        template: { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] },
        placement: { clusterSelector: { matchLabels: { region: 'eu' } } },
      },
    });
    const role = (kc: KubeConfig) => getOrUndefined(kc.makeApiClient(RbacAuthorizationV1Api).readClusterRole({ name }));
    await expect.poll(async () => (await role(member1))?.rules?.[0]?.verbs, { timeout: 20_000 }).toEqual(['get', 'list']);
    expect(await role(member2)).toBeUndefined();
    await expect.poll(() => propagation('federatedclusterroles', name), { timeout: 20_000 }).toEqual({ status: 'True', clusters: ['member1'] });
  });
});

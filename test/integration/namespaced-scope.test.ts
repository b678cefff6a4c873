// A namespace-scoped control plane (KubeFedConfig scope: Namespaced, KubeFed's -limited-scope) on the real host
// and members: it never runs the namespaces type (Namespace is cluster-scoped), yet its namespaced types run as
// soon as the namespaces FTC exists, as in KubeFed; they propagate inside its own namespace, and a
// FederatedNamespace there narrows their placement.
import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerManager } from '../../src/manager/controller-manager.js';
import { harnessLogger } from '../harness/log-capture.js';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { createFed, deleteFed, getFed, propagationOf } from '../harness/fed-objects.js';
import { createDefaultTypeConfigs, fastConfig, getOrUndefined, installCrds, joinMember, waitUntil } from '../harness/federation.js';

let host: KubeConfig;
let member1: KubeConfig;
let member2: KubeConfig;
let manager: ControllerManager | undefined;
const ns = `kf-limited-${Date.now().toString(36)}`;

function fedConfigMap(name: string): Record<string, unknown> {
  return {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedConfigMap',
    metadata: { name, namespace: ns },
    spec: { template: { data: { scope: 'namespaced' } }, placement: { clusters: [{ name: 'member1' }, { name: 'member2' }] } },
  };
}

const configMapIn = (kc: KubeConfig, name: string) => getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace: ns }));

async function ftcStatus(name: string): Promise<Record<string, unknown> | undefined> {
  const ftc = await getOrUndefined(
    host.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ group: 'core.kubefed.io', version: 'v1beta1', namespace: ns, plural: 'federatedtypeconfigs', name }),
  );
  return (ftc as { status?: Record<string, unknown> } | undefined)?.status;
}

beforeAll(async () => {
  host = kubeConfigFor('host');
  member1 = kubeConfigFor('member1');
  member2 = kubeConfigFor('member2');
  await installCrds(testEnv().clusters.host!.kubeconfigPath);
  // The control plane's own namespace holds its KubeFedClusters and FTCs (joinMember also creates it on each member).
  await joinMember(host, member1, 'member1', { namespace: ns });
  await joinMember(host, member2, 'member2', { namespace: ns });
  await createDefaultTypeConfigs(host, ns);
  manager = await ControllerManager.start({
    hostKubeConfig: host,
    namespace: ns,
    log: harnessLogger('controller-manager'),
    tweakConfig: (config) => ({ ...fastConfig(config), scope: 'Namespaced' }),
  });
  await waitUntil('both members ready', () => manager!.registry.clusters().filter((c) => c.ready).length === 2);
}, 120_000);

afterAll(async () => {
  for (const name of ['limited', 'narrowed']) await deleteFed(host, 'federatedconfigmaps', name, ns).catch(() => undefined);
  await deleteFed(host, 'federatednamespaces', ns, ns).catch(() => undefined);
  await waitUntil('fed objects gone', async () => !(await getFed(host, 'federatedconfigmaps', 'limited', ns)) && !(await getFed(host, 'federatedconfigmaps', 'narrowed', ns)), 30_000).catch(() => undefined);
  await manager?.stop();
  await host.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
  for (const [name, kc] of [['member1', member1], ['member2', member2]] as const) {
    await kc.makeApiClient(RbacAuthorizationV1Api).deleteClusterRoleBinding({ name: `kubefed-ts-${ns}-${name}` }).catch(() => undefined);
    await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
  }
});

describe('a namespace-scoped control plane', () => {
  it('runs its namespaced types without running the namespaces type', async () => {
    await waitUntil('the configmaps sync controller running', () => manager!.typeConfigs.controllers().has('configmaps'));
    expect(manager!.typeConfigs.controllers().has('namespaces')).toBe(false);
    await expect.poll(async () => (await ftcStatus('configmaps'))?.propagationController, { timeout: 10_000 }).toBe('Running');
    await expect.poll(async () => (await ftcStatus('namespaces'))?.propagationController, { timeout: 10_000 }).toBe('NotRunning');
  });

  it('propagates a federated object in its namespace to the members', async () => {
    await createFed(host, 'federatedconfigmaps', fedConfigMap('limited'));
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'limited', ns), { timeout: 20_000 }).toMatchObject({ status: 'True' });
    expect((await configMapIn(member1, 'limited'))?.data).toEqual({ scope: 'namespaced' });
    expect((await configMapIn(member2, 'limited'))?.data).toEqual({ scope: 'namespaced' });
  });

  it('narrows placement to its FederatedNamespace\'s clusters', async () => {
    await createFed(host, 'federatednamespaces', {
      apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedNamespace', metadata: { name: ns, namespace: ns },
      spec: { placement: { clusters: [{ name: 'member1' }] } },
    });
    await createFed(host, 'federatedconfigmaps', fedConfigMap('narrowed'));
    await expect.poll(() => configMapIn(member1, 'narrowed').then((cm) => cm?.data), { timeout: 20_000 }).toEqual({ scope: 'namespaced' });
    // The earlier object leaves member2 too, now that the namespace is placed on member1 only.
    await expect.poll(() => configMapIn(member2, 'limited'), { timeout: 20_000 }).toBeUndefined();
    expect(await configMapIn(member2, 'narrowed')).toBeUndefined();
    expect((await configMapIn(member1, 'limited'))?.data).toEqual({ scope: 'namespaced' });
  });
});

// TLS verification is on by default: a KubeFedCluster whose caBundle does not match its API server's
// certificate is not ready (and says why), and only `disabledTLSValidations: ["*"]` makes it usable.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { getOrUndefined, joinMember, KUBEFED_NS, prepareFederation, startReadyManager } from '../harness/federation.js';

let host: KubeConfig;
let manager: ControllerManager;
const kfc = { group: 'core.kubefed.io', version: 'v1beta1', namespace: KUBEFED_NS, plural: 'kubefedclusters' };

async function readyCondition(name: string): Promise<string> {
  const obj = (await host.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({ ...kfc, name })) as Record<string, any>;
  const ready = obj.status?.conditions?.find((c: Record<string, string>) => c.type === 'Ready');
  return `${ready?.status}/${ready?.reason}: ${ready?.message}`;
}

beforeAll(async () => {
  host = kubeConfigFor('host');
  await prepareFederation(host, testEnv().clusters.host!.kubeconfigPath, [
    { name: 'member1', kc: kubeConfigFor('member1') },
    { name: 'member2', kc: kubeConfigFor('member2') },
  ]);
  manager = await startReadyManager(host, 2);
}, 120_000);

afterAll(async () => {
  await manager?.stop();
  await getOrUndefined(host.makeApiClient(CustomObjectsApi).deleteNamespacedCustomObject({ ...kfc, name: 'wrong-ca' }));
});

describe('TLS verification of member clusters', () => {
  it('refuses an API server whose certificate is not signed by the caBundle, and accepts it only with disabledTLSValidations ["*"]', async () => {
    // member1's endpoint and token, but member2's CA.
    await joinMember(host, kubeConfigFor('member1'), 'wrong-ca');
    const member2Ca = kubeConfigFor('member2').getCurrentCluster()!.caData!;
    const api = host.makeApiClient(CustomObjectsApi);
    await api.patchNamespacedCustomObject({ ...kfc, name: 'wrong-ca', body: [{ op: 'replace', path: '/spec/caBundle', value: member2Ca }] });
    await expect.poll(() => readyCondition('wrong-ca'), { timeout: 20_000 }).toMatch(/^False\/ClusterNotReachable: .*(certificate|self.signed|issuer)/i);
    expect(manager.registry.get('wrong-ca')?.ready).toBe(false);

    await api.patchNamespacedCustomObject({ ...kfc, name: 'wrong-ca', body: [{ op: 'add', path: '/spec/disabledTLSValidations', value: ['*'] }] });
    await expect.poll(() => readyCondition('wrong-ca'), { timeout: 20_000 }).toMatch(/^True\/ClusterReady/);
  });
});

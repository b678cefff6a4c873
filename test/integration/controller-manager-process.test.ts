// The shipped artifact: `node dist/main.js` (the package's controller-manager bin and the image's entry
// point) against the real host, with KubeFed's flags; it propagates, follows FederatedTypeConfig changes,
// and on SIGTERM drains and exits 0.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { createFed, federateNamespace, propagationOf } from '../harness/fed-objects.js';
import {
  getOrUndefined,
  KUBEFED_NS,
  prepareFederation,
  waitUntil,
} from '../harness/federation.js';
import { startControllerManagerProcess, type RunningProcess } from '../harness/processes.js';

let host: KubeConfig;
let member1: KubeConfig;
let proc: RunningProcess;
const ns = `proc-${Date.now().toString(36)}`;
const ftcApi = () => host.makeApiClient(CustomObjectsApi);
const ftcRef = { group: 'core.kubefed.io', version: 'v1beta1', namespace: KUBEFED_NS, plural: 'federatedtypeconfigs' };

beforeAll(async () => {
  host = kubeConfigFor('host');
  member1 = kubeConfigFor('member1');
  await prepareFederation(host, testEnv().clusters.host!.kubeconfigPath, [
    { name: 'member1', kc: member1 },
    { name: 'member2', kc: kubeConfigFor('member2') },
  ]);
  proc = await startControllerManagerProcess(['--leader-elect', 'false']);
  await waitUntil('controller-manager started', () => proc.output().includes('"controller-manager started"'), 30_000);
  await federateNamespace(host, ns, ['member1']);
}, 120_000);

afterAll(async () => {
  await proc?.stop('SIGKILL');
});

const cm = (name: string) => getOrUndefined(member1.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace: ns }));

describe('controller-manager process', () => {
  it('logs structured JSON with the KubeFedConfig it uses', () => {
    const config = proc.logs().find((l) => l.msg === 'using valid KubeFedConfig');
    expect(config).toMatchObject({ level: 'info', source: `KubeFedConfig ${KUBEFED_NS}/kubefed` });
  });

  it('propagates a FederatedConfigMap', async () => {
    await createFed(host, 'federatedconfigmaps', {
      apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name: 'from-process', namespace: ns },
      spec: { template: { data: { by: 'dist/main.js' } }, placement: { clusters: [{ name: 'member1' }] } },
    });
    await expect.poll(async () => (await cm('from-process'))?.data, { timeout: 20_000 }).toEqual({ by: 'dist/main.js' });
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'from-process', ns), { timeout: 20_000 }).toEqual({ status: 'True', clusters: ['member1'] });
  });

  it('stops propagating a type whose FederatedTypeConfig is disabled, and resumes when it is enabled again', async () => {
    const patchPropagation = (value: string) =>
      ftcApi().patchNamespacedCustomObject({ ...ftcRef, name: 'configmaps', body: [{ op: 'replace', path: '/spec/propagation', value }] });
    const controllerStatus = async () => ((await ftcApi().getNamespacedCustomObject({ ...ftcRef, name: 'configmaps' })) as Record<string, any>).status?.propagationController;

    await patchPropagation('Disabled');
    await expect.poll(controllerStatus, { timeout: 20_000 }).toBe('NotRunning');
    await createFed(host, 'federatedconfigmaps', {
      apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name: 'while-disabled', namespace: ns },
      spec: { template: { data: { a: '1' } }, placement: { clusters: [{ name: 'member1' }] } },
    });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await cm('while-disabled')).toBeUndefined();

    await patchPropagation('Enabled');
    await expect.poll(controllerStatus, { timeout: 20_000 }).toBe('Running');
    await expect.poll(async () => (await cm('while-disabled'))?.data, { timeout: 20_000 }).toEqual({ a: '1' });
  });

  it('drains and exits 0 on SIGTERM', async () => {
    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(proc.output()).toContain('"controller-manager stopped"');
  });
});

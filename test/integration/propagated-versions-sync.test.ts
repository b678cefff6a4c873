// The sync controller records KubeFed's PropagatedVersions with the PropagatedVersions feature gate on, and
// none with it off, on the real host + 2 members: the PV named as KubeFed names it, with KubeFed's template and
// overrides hashes and each member object's version as the member API server reports it.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureGateName } from '../../src/api/index.js';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import { overridesVersion, templateVersion } from '../../src/sync/propagated-version.js';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { createFed, deleteFed, federateNamespace, getFed, patchFed, propagationOf, writeRequests, writesBetween, writesSettled } from '../harness/fed-objects.js';
import { customObjects, getOrUndefined, prepareFederation, startReadyManager, waitUntil } from '../harness/federation.js';

let host: KubeConfig;
let member1: KubeConfig;
let member2: KubeConfig;
let manager: ControllerManager | undefined;
const ns = `pvs-${Date.now().toString(36)}`;

function fedConfigMap(name: string, data: Record<string, string>): Record<string, unknown> {
  return {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedConfigMap',
    metadata: { name, namespace: ns },
    spec: {
      template: { data },
      placement: { clusters: [{ name: 'member1' }, { name: 'member2' }] },
      overrides: [{ clusterName: 'member2', clusterOverrides: [{ path: '/data/where', value: 'member2' }] }],
    },
  };
}

async function propagatedVersion(name: string): Promise<Record<string, any> | undefined> {
  return getOrUndefined(
    customObjects(host).getNamespacedCustomObject({ group: 'core.kubefed.io', version: 'v1alpha1', plural: 'propagatedversions', namespace: ns, name }),
  ) as Promise<Record<string, any> | undefined>;
}

async function memberVersions(name: string): Promise<Array<{ clusterName: string; version: string }>> {
  const out = [];
  for (const [clusterName, kc] of [['member1', member1], ['member2', member2]] as const) {
    const cm = await getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace: ns }));
    if (cm) out.push({ clusterName, version: `rv:${cm.metadata!.resourceVersion}` });
  }
  return out;
}

beforeAll(async () => {
  host = kubeConfigFor('host');
  member1 = kubeConfigFor('member1');
  member2 = kubeConfigFor('member2');
  await prepareFederation(host, testEnv().clusters.host!.kubeconfigPath, [
    { name: 'member1', kc: member1 },
    { name: 'member2', kc: member2 },
  ]);
  // The namespace on the host, and a FederatedNamespace placing it on both members.
  await federateNamespace(host, ns);
}, 120_000);

afterAll(async () => {
  await manager?.stop();
});

/** Runs `body` with a controller-manager whose gate is as given, stopped whatever happens. */
async function withGate(enabled: boolean, body: (started: ControllerManager) => Promise<void>): Promise<void> {
  manager = await startReadyManager(host, 2, { featureGates: { [FeatureGateName.PropagatedVersions]: enabled } });
  try {
    await body(manager);
  } finally {
    await manager.stop();
    manager = undefined;
  }
}

describe('PropagatedVersions written by the sync controller', () => {
  it('with the gate on: KubeFed\'s name, hashes and member versions, following a change, and no write when nothing changed', () => withGate(true, async (manager) => {
    await createFed(host, 'federatedconfigmaps', fedConfigMap('recorded', { a: '1' }));
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'recorded', ns), { timeout: 20_000 }).toMatchObject({ status: 'True' });

    // The PV and what it must say, read together each time: after a change the members' versions move on
    // only once the change has reached them.
    const recordedAndWanted = async () => {
      const fed = (await getFed(host, 'federatedconfigmaps', 'recorded', ns))!;
      const wanted = { templateVersion: templateVersion(fed), overridesVersion: overridesVersion(fed), clusterVersions: await memberVersions('recorded') };
      return { recorded: (await propagatedVersion('configmap-recorded'))?.status, wanted };
    };
    const expectRecorded = async (): Promise<void> => {
      let last = await recordedAndWanted();
      await waitUntil('the PropagatedVersion to say what the fed object and the members hold', async () => {
        last = await recordedAndWanted();
        return JSON.stringify(last.recorded) === JSON.stringify(last.wanted);
      }, 20_000).catch(() => undefined);
      expect(last.recorded).toEqual(last.wanted);
    };
    await expectRecorded();
    const pv = (await propagatedVersion('configmap-recorded'))!;
    expect(pv.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'FederatedConfigMap', name: 'recorded' })]);

    await patchFed(host, 'federatedconfigmaps', 'recorded', ns, [{ op: 'replace', path: '/spec/template/data', value: { a: '2' } }]);
    await expectRecorded();

    // A resync of converged objects records nothing new (counted once every object on the host has settled).
    const before = await writesSettled(host, ['propagatedversions']);
    for (const controller of manager.typeConfigs.controllers().values()) (controller as unknown as { enqueueAll(): void }).enqueueAll();
    await waitUntil('the resync is done', () => [...manager.typeConfigs.controllers().values()].every((c) => c.pending() === 0));
    // The controller never deletes a PV (the garbage collector does, for other files' objects): count the rest.
    const written = writesBetween(before, await writeRequests(host, ['propagatedversions']));
    expect(Object.fromEntries(Object.entries(written).filter(([key]) => !key.endsWith(' DELETE')))).toEqual({});
  }), 90_000);

  it('with the gate off (the default): no PropagatedVersion is written for a new object', () => withGate(false, async () => {
    const before = await writeRequests(host, ['propagatedversions']);
    await createFed(host, 'federatedconfigmaps', fedConfigMap('unrecorded', { a: '1' }));
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'unrecorded', ns), { timeout: 20_000 }).toMatchObject({ status: 'True' });
    expect(await propagatedVersion('configmap-unrecorded')).toBeUndefined();
    const written = writesBetween(before, await writeRequests(host, ['propagatedversions']));
    expect(Object.fromEntries(Object.entries(written).filter(([key]) => !key.endsWith(' DELETE')))).toEqual({});
    await deleteFed(host, 'federatedconfigmaps', 'unrecorded', ns);
    await deleteFed(host, 'federatedconfigmaps', 'recorded', ns);
    await waitUntil('both gone', async () => !(await getFed(host, 'federatedconfigmaps', 'unrecorded', ns)) && !(await getFed(host, 'federatedconfigmaps', 'recorded', ns)));
  }), 90_000);
});

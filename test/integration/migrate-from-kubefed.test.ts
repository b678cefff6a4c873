// Migration from a running KubeFed, on the real host + 2 members: KubeFed v0.10.0's own controller-manager
// (the Go binary, with KubeFed's default KubeFedConfig) propagates a mixed workload — a FederatedNamespace,
// FederatedConfigMaps, FederatedDeployments with overrides (`op` omitted on /metadata/labels and on the
// pod's nodeSelector) and a ReplicaSchedulingPreference — and is stopped; kubefed-ts then takes over on the
// same host. Counted by the members' own `apiserver_request_total`: the takeover writes nothing to any member
// (nor to the fed objects' specs) and, with the PropagatedVersions gate on, nothing to the PropagatedVersions
// KubeFed left; every status reads Propagation True; later changes (template, override, RSP) propagate; an FTC
// KubeFed finalized can be deleted; and a rollback to KubeFed writes nothing to the members either.
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFederatedTypeConfigs, FeatureGateName } from '../../src/api/index.js';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import type { KubeObject } from '../../src/kube/types.js';
import { objectVersion, overridesVersion, templateVersion } from '../../src/sync/propagated-version.js';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { createFed, getFed, patchFed, propagationOf, writeRequests, writesBetween, type Obj } from '../harness/fed-objects.js';
import {
  createDefaultTypeConfigs,
  customObjects,
  getOrUndefined,
  KUBEFED_NS,
  prepareFederation,
  sleep,
  startReadyManager,
  waitForNamespacesSettled,
  waitUntil,
} from '../harness/federation.js';
import { kubefedDefaultKubeFedConfig, startKubefedControllerManager } from '../harness/kubefed.js';
import type { RunningProcess } from '../harness/processes.js';

let host: KubeConfig;
let member1: KubeConfig;
let member2: KubeConfig;
let kubefed: RunningProcess | undefined;
let manager: ControllerManager | undefined;
/** The KubeFedConfig before this file replaced it with KubeFed's default (other files expect theirs back). */
let previousConfig: Obj | undefined;
const ns = `migrate-${Date.now().toString(36)}`;
const both = [{ name: 'member1' }, { name: 'member2' }];
const members = (): Array<[string, KubeConfig]> => [['member1', member1], ['member2', member2]];

const CORE = { group: 'core.kubefed.io', version: 'v1beta1' } as const;
const RSP = { group: 'scheduling.kubefed.io', version: 'v1alpha1', plural: 'replicaschedulingpreferences' } as const;
const PV = { group: 'core.kubefed.io', version: 'v1alpha1', plural: 'propagatedversions' } as const;

/** The federated objects of the workload: plural, name, and the target kind (which names their PropagatedVersion). */
const FED_OBJECTS = [
  { plural: 'federatednamespaces', name: ns, kind: 'Namespace' },
  { plural: 'federatedconfigmaps', name: 'settings', kind: 'ConfigMap' },
  { plural: 'federatedconfigmaps', name: 'only-member1', kind: 'ConfigMap' },
  { plural: 'federateddeployments', name: 'web', kind: 'Deployment' },
  { plural: 'federateddeployments', name: 'worker', kind: 'Deployment' },
] as const;
/**
 * The federated objects of the host (every default type, every namespace, this file's and others') that the
 * KubeFed process has not yet reconciled: its sync controllers log `Finished reconciling <Kind> "<key>"` at
 * klog level 4 once an object's dispatch to the members is done.
 */
async function notYetReconciledByKubefed(proc: RunningProcess): Promise<string[]> {
  const output = proc.output();
  const missing: string[] = [];
  for (const ftc of defaultFederatedTypeConfigs(KUBEFED_NS)) {
    const { group, version, pluralName } = ftc.spec.federatedType;
    const list = (await customObjects(host).listClusterCustomObject({ group: group!, version, plural: pluralName })) as { items: Obj[] };
    for (const fedObject of list.items) {
      const key = fedObject.metadata.namespace ? `${fedObject.metadata.namespace}/${fedObject.metadata.name}` : fedObject.metadata.name;
      const line = `Finished reconciling ${fedObject.kind} "${key}"`;
      if (!output.includes(line)) missing.push(line);
    }
  }
  return missing;
}

function fed(kind: string, name: string, spec: Obj): Obj {
  return { apiVersion: 'types.kubefed.io/v1beta1', kind, metadata: { name, namespace: ns }, spec };
}

function deploymentTemplate(app: string, replicas: number): Obj {
  return {
    spec: {
      replicas,
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers: [{ name: app, image: 'registry.example/web:1.0' }] } },
    },
  };
}

const WORKLOAD: Obj[] = [
  fed('FederatedConfigMap', 'settings', {
    template: { data: { mode: 'blue', retired: 'soon' } },
    placement: { clusters: both },
    // KubeFed's manifests omit `op` (replace): on a key the template lacks, it creates it.
    overrides: [{ clusterName: 'member2', clusterOverrides: [{ path: '/data/region', value: 'us' }] }],
  }),
  fed('FederatedConfigMap', 'only-member1', { template: { data: { a: '1' } }, placement: { clusters: [{ name: 'member1' }] } }),
  fed('FederatedDeployment', 'web', {
    template: deploymentTemplate('web', 1),
    placement: { clusters: both },
    overrides: [
      {
        clusterName: 'member1',
        clusterOverrides: [
          { path: '/metadata/labels', value: { region: 'eu' } },
          { path: '/spec/template/spec/nodeSelector', value: { 'topology.kubernetes.io/region': 'eu' } },
        ],
      },
      { clusterName: 'member2', clusterOverrides: [{ op: 'add', path: '/spec/template/spec/containers/0/env', value: [{ name: 'REGION', value: 'us' }] }] },
    ],
  }),
  fed('FederatedDeployment', 'worker', {
    template: deploymentTemplate('worker', 2),
    placement: { clusters: [{ name: 'member2' }] },
    overrides: [{ clusterName: 'member2', clusterOverrides: [{ path: '/spec/replicas', value: 4 }] }],
  }),
];

/** 9 replicas of `web`, weighted 1:2 (KubeFed's scheduler writes its placement and /spec/replicas overrides). */
const WEB_RSP = {
  apiVersion: 'scheduling.kubefed.io/v1alpha1',
  kind: 'ReplicaSchedulingPreference',
  metadata: { name: 'web', namespace: ns },
  spec: { targetKind: 'FederatedDeployment', totalReplicas: 9, clusters: { member1: { weight: 1 }, member2: { weight: 2 } } },
};

const MEMBER_RESOURCES = ['namespaces', 'configmaps', 'deployments'];
const PV_RESOURCES = ['propagatedversions', 'clusterpropagatedversions'];

/**
 * Writes to the members' namespaces, ConfigMaps and Deployments. Status subresource writes are left out: the
 * members' own Deployment controllers write those, never a federation controller.
 */
async function memberWrites(): Promise<Array<Record<string, number>>> {
  const counts = await Promise.all(members().map(([, kc]) => writeRequests(kc, MEMBER_RESOURCES)));
  return counts.map((c) => Object.fromEntries(Object.entries(c).filter(([key]) => !key.includes('/status '))));
}

/** Writes to the workload's federated objects and RSPs on the host, status writes left out. */
async function fedSpecWrites(): Promise<Record<string, number>> {
  const counts = await writeRequests(host, ['federatednamespaces', 'federatedconfigmaps', 'federateddeployments', 'replicaschedulingpreferences']);
  return Object.fromEntries(Object.entries(counts).filter(([key]) => !key.includes('/status ')));
}

async function replicasOf(kc: KubeConfig, name: string): Promise<number | undefined> {
  return (await getOrUndefined(kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace: ns })))?.spec?.replicas;
}

async function propagatedVersion(name: string): Promise<Obj | undefined> {
  return getOrUndefined(customObjects(host).getNamespacedCustomObject({ ...PV, namespace: ns, name })) as Promise<Obj | undefined>;
}

/** A member object of the workload, whole. */
async function memberObject(kc: KubeConfig, kind: string, name: string): Promise<KubeObject | undefined> {
  const read = kind === 'Namespace'
    ? kc.makeApiClient(CoreV1Api).readNamespace({ name })
    : kind === 'ConfigMap'
      ? kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace: ns })
      : kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace: ns });
  return (await getOrUndefined(read as Promise<unknown>)) as KubeObject | undefined;
}

/**
 * Whether the PropagatedVersion of a fed object records its current template and overrides and the version of
 * every member object as it is now: KubeFed's (or our) last step once an object is settled.
 */
async function versionsRecorded(plural: string, name: string, kind: string): Promise<boolean> {
  const object = await getFed(host, plural, name, ns);
  const pv = await propagatedVersion(`${kind.toLowerCase()}-${name}`);
  if (!object || pv?.status?.templateVersion !== templateVersion(object as never) || pv?.status?.overridesVersion !== overridesVersion(object as never)) return false;
  const versions: Array<{ clusterName: string; version: string }> = [];
  for (const [cluster, kc] of members()) {
    const member = await memberObject(kc, kind, name);
    if (member) versions.push({ clusterName: cluster, version: objectVersion(member) });
  }
  return JSON.stringify(pv.status.clusterVersions ?? []) === JSON.stringify(versions);
}

async function allPropagated(): Promise<boolean> {
  for (const o of FED_OBJECTS) if ((await propagationOf(host, o.plural, o.name, ns)).status !== 'True') return false;
  return true;
}

async function startKubefedTs(propagatedVersions: boolean): Promise<ControllerManager> {
  manager = await startReadyManager(host, 2, { featureGates: { [FeatureGateName.PropagatedVersions]: propagatedVersions }, timeoutMs: 60_000 });
  return manager;
}

/** Until the sync controllers have nothing queued, a few times in a row (a status write requeues once more). */
async function settle(started: ControllerManager): Promise<void> {
  const idle = (): boolean => [...started.typeConfigs.controllers().values()].every((c) => c.pending() === 0);
  for (let quiet = 0; quiet < 3; ) {
    await sleep(1_000);
    quiet = idle() ? quiet + 1 : 0;
  }
}

async function stopManager(): Promise<void> {
  await manager?.stop();
  manager = undefined;
}

beforeAll(async () => {
  host = kubeConfigFor('host');
  member1 = kubeConfigFor('member1');
  member2 = kubeConfigFor('member2');
  await prepareFederation(host, testEnv().clusters.host!.kubeconfigPath, [
    { name: 'member1', kc: member1 },
    { name: 'member2', kc: member2 },
  ]);
  // KubeFed's Helm chart installs this KubeFedConfig; kubefed-ts reads the same object later.
  const configRef = { ...CORE, namespace: KUBEFED_NS, plural: 'kubefedconfigs', name: 'kubefed' };
  previousConfig = (await getOrUndefined(customObjects(host).getNamespacedCustomObject(configRef))) as Obj | undefined;
  const config = kubefedDefaultKubeFedConfig();
  if (previousConfig) {
    await customObjects(host).replaceNamespacedCustomObject({ ...configRef, body: { ...config, metadata: { ...(config.metadata as Obj), resourceVersion: previousConfig.metadata.resourceVersion } } });
  } else {
    await customObjects(host).createNamespacedCustomObject({ ...configRef, body: config });
  }
  // Other files' namespaces being cleaned up would show their DELETEs in the members' counters.
  await Promise.all([host, member1, member2].map((kc) => waitForNamespacesSettled(kc)));

  kubefed = await startKubefedControllerManager({ kubeconfigPath: testEnv().clusters.host!.kubeconfigPath, extraArgs: ['--vmodule=controller=4'] });
  await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await createFed(host, 'federatednamespaces', fed('FederatedNamespace', ns, { placement: { clusters: both } }));
  for (const object of WORKLOAD) await createFed(host, `${(object.kind as string).toLowerCase()}s`, object);
  await customObjects(host).createNamespacedCustomObject({ ...RSP, namespace: ns, body: WEB_RSP });

  // KubeFed is done when every object reads Propagation True, its scheduler's replicas reached the members,
  // and each PropagatedVersion records the current template, overrides and member versions (its last step).
  await waitUntil('KubeFed propagating the workload', async () =>
    (await allPropagated()) && (await replicasOf(member1, 'web')) === 3 && (await replicasOf(member2, 'web')) === 6,
  120_000);
  await waitUntil('KubeFed recording the PropagatedVersions', async () => {
    for (const o of FED_OBJECTS) if (!(await versionsRecorded(o.plural, o.name, o.kind))) return false;
    return true;
  }, 60_000);
  // In a full run the host also holds other files' federated objects, and KubeFed takes them over too: it must
  // be done with them before it stops, or their writes would be counted as kubefed-ts's.
  await waitUntil('KubeFed reconciling every federated object of the host', async () => (await notYetReconciledByKubefed(kubefed!)).length === 0, 120_000)
    .catch(async (err: Error) => {
      throw new Error(`${err.message}: ${(await notYetReconciledByKubefed(kubefed!)).slice(0, 10).join(', ')}`);
    });
  await kubefed.stop();
  kubefed = undefined;
}, 300_000);

afterAll(async () => {
  await stopManager();
  await kubefed?.stop('SIGKILL');
  // Give the next files the KubeFedConfig they had, and drop the lock KubeFed left behind.
  const configRef = { ...CORE, namespace: KUBEFED_NS, plural: 'kubefedconfigs', name: 'kubefed' };
  const current = (await getOrUndefined(customObjects(host).getNamespacedCustomObject(configRef))) as Obj | undefined;
  if (previousConfig && current) {
    await customObjects(host).replaceNamespacedCustomObject({
      ...configRef,
      body: { ...previousConfig, metadata: { name: 'kubefed', namespace: KUBEFED_NS, resourceVersion: current.metadata.resourceVersion } },
    });
  } else if (current) {
    await customObjects(host).deleteNamespacedCustomObject(configRef);
  }
  await getOrUndefined(host.makeApiClient(CoreV1Api).deleteNamespacedConfigMap({ name: 'kubefed-controller-manager', namespace: KUBEFED_NS }));
}, 60_000);

describe('migrating from a running KubeFed v0.10.0', () => {
  it('KubeFed propagated the workload as its manifests say (op omitted creates the key)', async () => {
    const m1 = await member1.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'web', namespace: ns });
    expect(m1.metadata?.labels).toEqual({ region: 'eu', 'kubefed.io/managed': 'true' });
    expect(m1.spec?.template?.spec?.nodeSelector).toEqual({ 'topology.kubernetes.io/region': 'eu' });
    // Written by KubeFed: plain updates under its binary's name, and no hash of kubefed-ts's.
    expect(m1.metadata?.annotations?.['kubefed.io/propagated-hash']).toBeUndefined();
    expect(m1.metadata?.managedFields?.map((f) => `${f.manager} ${f.operation}`)).toContain('controller-manager Update');
    const cm2 = await member2.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'settings', namespace: ns });
    expect(cm2.data).toEqual({ mode: 'blue', retired: 'soon', region: 'us' });
    expect(await replicasOf(member2, 'worker')).toBe(4);
  });

  it('takes over with zero member writes, and every status reads Propagation True', async () => {
    const before = await Promise.all([memberWrites(), writeRequests(host, PV_RESOURCES), fedSpecWrites()]);
    const started = await startKubefedTs(false);
    await settle(started);
    await waitUntil('every status Propagation True', allPropagated, 30_000);
    await sleep(2_000);
    const after = await Promise.all([memberWrites(), writeRequests(host, PV_RESOURCES), fedSpecWrites()]);
    expect({
      member1: writesBetween(before[0][0]!, after[0][0]!),
      member2: writesBetween(before[0][1]!, after[0][1]!),
      propagatedVersions: writesBetween(before[1], after[1]),
      // Statuses are rewritten in kubefed-ts's form; the objects themselves (KubeFed's schedule too) are not.
      federatedObjects: writesBetween(before[2], after[2]),
    }).toEqual({ member1: {}, member2: {}, propagatedVersions: {}, federatedObjects: {} });
    for (const o of FED_OBJECTS) {
      const placed = o.name === 'only-member1' ? ['member1'] : o.name === 'worker' ? ['member2'] : ['member1', 'member2'];
      expect(await propagationOf(host, o.plural, o.name, ns), `${o.plural} ${o.name}`).toEqual({ status: 'True', clusters: placed });
    }
    await stopManager();
  }, 120_000);

  it('with the PropagatedVersions gate on, adopts the PropagatedVersions KubeFed left instead of rewriting them', async () => {
    const pvStatuses = async (): Promise<Record<string, string>> => {
      const list = (await customObjects(host).listNamespacedCustomObject({ ...PV, namespace: ns })) as { items: Obj[] };
      return Object.fromEntries(list.items.map((pv) => [pv.metadata.name, JSON.stringify(pv.status)]));
    };
    const before = await Promise.all([memberWrites(), writeRequests(host, PV_RESOURCES), pvStatuses()]);
    const started = await startKubefedTs(true);
    await settle(started);
    await sleep(2_000);
    const after = await Promise.all([memberWrites(), writeRequests(host, PV_RESOURCES), pvStatuses()]);
    // The garbage collector may delete other files' PropagatedVersions meanwhile; the controller never deletes one.
    const pvWrites = Object.fromEntries(Object.entries(writesBetween(before[1], after[1])).filter(([key]) => !key.endsWith(' DELETE')));
    const rewritten = Object.keys(after[2]).filter((name) => after[2][name] !== before[2][name]).map((name) => `${name}: ${before[2][name]} -> ${after[2][name]}`);
    expect({ member1: writesBetween(before[0][0]!, after[0][0]!), member2: writesBetween(before[0][1]!, after[0][1]!), propagatedVersions: pvWrites }, rewritten.join('\n'))
      .toEqual({ member1: {}, member2: {}, propagatedVersions: {} });
    for (const o of FED_OBJECTS) expect(await versionsRecorded(o.plural, o.name, o.kind), `${o.plural} ${o.name}`).toBe(true);
  }, 120_000);

  it('propagates later changes: a template, an override and the RSP', async () => {
    // A template change, removing a key KubeFed wrote: it goes from the members too.
    await patchFed(host, 'federatedconfigmaps', 'settings', ns, [{ op: 'replace', path: '/spec/template/data', value: { mode: 'green' } }]);
    // An override change. KubeFed's scheduler rewrote the overrides in Go's map order: find member1's nodeSelector.
    const web = (await getFed(host, 'federateddeployments', 'web', ns))!;
    const overrides = (web.spec as { overrides: Array<{ clusterName: string; clusterOverrides: Array<{ path: string }> }> }).overrides;
    const i = overrides.findIndex((o) => o.clusterName === 'member1');
    const j = overrides[i]!.clusterOverrides.findIndex((c) => c.path === '/spec/template/spec/nodeSelector');
    await patchFed(host, 'federateddeployments', 'web', ns, [
      { op: 'test', path: `/spec/overrides/${i}/clusterOverrides/${j}/path`, value: '/spec/template/spec/nodeSelector' },
      { op: 'replace', path: `/spec/overrides/${i}/clusterOverrides/${j}/value`, value: { 'topology.kubernetes.io/region': 'eu-west' } },
    ]);
    // The RSP: 12 replicas, still 1:2.
    await customObjects(host).patchNamespacedCustomObject({ ...RSP, namespace: ns, name: 'web', body: [{ op: 'replace', path: '/spec/totalReplicas', value: 12 }] });

    const cmData = async (kc: KubeConfig) => (await getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'settings', namespace: ns })))?.data;
    await expect.poll(() => cmData(member1), { timeout: 30_000 }).toEqual({ mode: 'green' });
    await expect.poll(() => cmData(member2), { timeout: 30_000 }).toEqual({ mode: 'green', region: 'us' });
    const nodeSelector = async () =>
      (await member1.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'web', namespace: ns })).spec?.template?.spec?.nodeSelector;
    await expect.poll(nodeSelector, { timeout: 30_000 }).toEqual({ 'topology.kubernetes.io/region': 'eu-west' });
    await expect.poll(async () => [await replicasOf(member1, 'web'), await replicasOf(member2, 'web')], { timeout: 30_000 }).toEqual([4, 8]);
    await waitUntil('every status Propagation True', allPropagated, 30_000);
    // The PropagatedVersions KubeFed left now follow kubefed-ts's writes.
    await expect.poll(() => versionsRecorded('federatedconfigmaps', 'settings', 'ConfigMap'), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => versionsRecorded('federateddeployments', 'web', 'Deployment'), { timeout: 30_000 }).toBe(true);
  }, 120_000);

  it('lets a FederatedTypeConfig that KubeFed finalized be deleted', async () => {
    const ftcRef = { ...CORE, namespace: KUBEFED_NS, plural: 'federatedtypeconfigs', name: 'jobs.batch' };
    const ftc = (await customObjects(host).getNamespacedCustomObject(ftcRef)) as Obj;
    expect(ftc.metadata.finalizers).toContain('core.kubefed.io/federated-type-config');
    await customObjects(host).deleteNamespacedCustomObject(ftcRef);
    await expect.poll(async () => getOrUndefined(customObjects(host).getNamespacedCustomObject(ftcRef)), { timeout: 20_000 }).toBeUndefined();
    // Back for the next files (and the rollback below).
    await createDefaultTypeConfigs(host);
    await waitUntil('jobs running again', () => manager!.typeConfigs.controllers().has('jobs.batch'), 30_000);
  });

  it('rolls back: KubeFed started again takes over what kubefed-ts wrote, and propagates a change', async () => {
    await settle(manager!);
    for (const o of FED_OBJECTS) await waitUntil(`${o.name}'s PropagatedVersion current`, () => versionsRecorded(o.plural, o.name, o.kind), 30_000);
    await stopManager();
    await sleep(1_000);
    const before = await memberWrites();
    // Its sync controllers' "Finished reconciling" lines (klog level 4) tell when each object has been seen.
    kubefed = await startKubefedControllerManager({ kubeconfigPath: testEnv().clusters.host!.kubeconfigPath, extraArgs: ['--vmodule=controller=4'] });
    await waitUntil('KubeFed reconciling every object', async () => (await notYetReconciledByKubefed(kubefed!)).length === 0, 60_000);
    await sleep(3_000);
    await waitUntil('every status Propagation True', allPropagated, 60_000);
    const after = await memberWrites();
    // With the PropagatedVersions kubefed-ts kept current, KubeFed finds nothing to write.
    expect({ member1: writesBetween(before[0]!, after[0]!), member2: writesBetween(before[1]!, after[1]!) }).toEqual({ member1: {}, member2: {} });

    await patchFed(host, 'federatedconfigmaps', 'settings', ns, [{ op: 'replace', path: '/spec/template/data', value: { mode: 'back' } }]);
    const cmData = async (kc: KubeConfig) => (await getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'settings', namespace: ns })))?.data;
    await expect.poll(() => cmData(member1), { timeout: 60_000 }).toEqual({ mode: 'back' });
    await expect.poll(() => cmData(member2), { timeout: 60_000 }).toEqual({ mode: 'back', region: 'us' });
    await kubefed.stop();
    kubefed = undefined;
  }, 180_000);
});

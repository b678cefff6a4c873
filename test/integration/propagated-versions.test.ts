// The PropagatedVersion writer against the real host API server: it creates KubeFed's objects with
// KubeFed's names and owner, writes again only when something changed, takes over PVs a KubeFed left
// behind without a write, survives out-of-band updates and deletions, and with the gate off sends no
// request at all. Everything created here is removed at the end, for the other files sharing the servers.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROPAGATED_VERSION_TYPES } from '../../src/api/index.js';
import { InformerCache } from '../../src/kube/informer-cache.js';
import { RestClient, type Verb } from '../../src/kube/rest-client.js';
import type { KubeObject, ResourceType } from '../../src/kube/types.js';
import { overridesVersion, propagatedVersionStatus, templateVersion } from '../../src/sync/propagated-version.js';
import {
  PROPAGATED_VERSIONS_OFF,
  PropagatedVersionWriter,
  propagatedVersionsFor,
  type PropagatedVersionWriterOptions,
} from '../../src/sync/propagated-version-writer.js';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { installCrds, sleep, waitUntil } from '../harness/federation.js';
import { harnessLogger } from '../harness/log-capture.js';

const ns = `pv-${randomBytes(3).toString('hex')}`;
const NAMESPACE: ResourceType = { group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false };
const FED_CONFIGMAPS: ResourceType = { group: 'types.kubefed.io', version: 'v1beta1', plural: 'federatedconfigmaps', kind: 'FederatedConfigMap', namespaced: true };
const FED_CLUSTERROLES: ResourceType = { group: 'types.kubefed.io', version: 'v1beta1', plural: 'federatedclusterroles', kind: 'FederatedClusterRole', namespaced: false };
const PVS = PROPAGATED_VERSION_TYPES.namespaced;
const CLUSTER_PVS = PROPAGATED_VERSION_TYPES.cluster;
const clusterRoleName = `${ns}-reader`;

const log = harnessLogger('propagated-versions');
/** Writes (and all requests) the writer's own client sends, by verb. */
const requests = new Map<Verb, number>();
const WRITE_VERBS: Verb[] = ['POST', 'PUT', 'PATCH', 'DELETE'];
const writes = (): number => WRITE_VERBS.reduce((sum, verb) => sum + (requests.get(verb) ?? 0), 0);
const allRequests = (): number => [...requests.values()].reduce((a, b) => a + b, 0);

let admin: RestClient;
let writerClient: RestClient;
const informers = new InformerCache();
const writers: PropagatedVersionWriter[] = [];

async function newWriter(overrides: Partial<PropagatedVersionWriterOptions> = {}): Promise<PropagatedVersionWriter> {
  const writer = new PropagatedVersionWriter({
    host: writerClient,
    informers,
    log,
    targetKind: 'ConfigMap',
    federatedNamespaced: true,
    namespace: undefined,
    ...overrides,
  });
  writers.push(writer);
  await writer.start();
  return writer;
}

function fedConfigMap(name: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedConfigMap',
    metadata: { name, namespace: ns },
    spec: {
      template: { data },
      placement: { clusters: [{ name: 'member1' }, { name: 'member2' }] },
      overrides: [{ clusterName: 'member2', clusterOverrides: [{ path: '/data/extra', value: 'two' }] }],
    },
  };
}

const createFed = (obj: KubeObject, type: ResourceType = FED_CONFIGMAPS) => admin.create<KubeObject>(type, obj, 'pv-test');
const getPv = (name: string) => admin.get<KubeObject & { status?: unknown }>(PVS, name, ns);
const versions = (entries: Array<[string, string]>) => new Map(entries);

beforeAll(async () => {
  const env = testEnv();
  await installCrds(env.clusters.host!.kubeconfigPath);
  admin = await RestClient.fromKubeConfig(kubeConfigFor('host'), { name: 'host' });
  writerClient = await RestClient.fromKubeConfig(kubeConfigFor('host'), {
    name: 'host',
    observer: { onResponse: (_cluster, verb) => requests.set(verb, (requests.get(verb) ?? 0) + 1) },
  });
  await admin.create(NAMESPACE, { metadata: { name: ns } }, 'pv-test');
});

afterAll(async () => {
  for (const writer of writers) await writer.stop();
  await informers.stopAll();
  await admin?.delete(FED_CLUSTERROLES, clusterRoleName, undefined).catch(() => undefined);
  await admin?.delete(NAMESPACE, ns, undefined).catch(() => undefined);
  writerClient?.close();
  admin?.close();
});

describe('PropagatedVersionWriter', () => {
  it('creates KubeFed\'s PropagatedVersion, then writes again only on change', async () => {
    const writer = await newWriter();
    const fed = await createFed(fedConfigMap('web', { a: '1' }));

    const before = writes();
    expect(await writer.record(fed, versions([['member2', 'rv:20'], ['member1', 'rv:10']]))).toBe('created');
    // A create, then the status (the API server ignores status in a create).
    expect(writes() - before).toBe(2);
    const pv = await getPv('configmap-web');
    expect(pv.metadata?.ownerReferences).toEqual([
      { apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', name: 'web', uid: fed.metadata!.uid },
    ]);
    expect(pv.status).toEqual({
      templateVersion: templateVersion(fed),
      overridesVersion: overridesVersion(fed),
      clusterVersions: [
        { clusterName: 'member1', version: 'rv:10' },
        { clusterName: 'member2', version: 'rv:20' },
      ],
    });

    // Same versions, right after the write (the watch may not have delivered it yet): nothing written.
    const settled = writes();
    expect(await writer.record(fed, versions([['member1', 'rv:10'], ['member2', 'rv:20']]))).toBe('unchanged');
    await sleep(1000); // the watch has delivered our write by now: the decision comes from the informer
    expect(await writer.record(fed, versions([['member1', 'rv:10'], ['member2', 'rv:20']]))).toBe('unchanged');
    expect(writes()).toBe(settled);

    expect(await writer.record(fed, versions([['member1', 'rv:11']]))).toBe('updated');
    expect(writes()).toBe(settled + 1);
    expect((await getPv('configmap-web')).status).toMatchObject({ clusterVersions: [{ clusterName: 'member1', version: 'rv:11' }] });
    expect(writer.versionsFor(fed)).toEqual(versions([['member1', 'rv:11']]));
  });

  it('reports recorded versions only for the current template and overrides', async () => {
    const writer = await newWriter();
    const fed = await createFed(fedConfigMap('versions', { a: '1' }));
    await writer.record(fed, versions([['member1', 'gen:3']]));
    expect(writer.versionsFor(fed)).toEqual(versions([['member1', 'gen:3']]));
    const changed = await admin.replace<KubeObject>(FED_CONFIGMAPS, { ...fed, spec: { ...(fed.spec as object), template: { data: { a: '2' } } } });
    expect(writer.versionsFor(changed)).toEqual(new Map());
  });

  it('takes over a PropagatedVersion KubeFed left behind without writing it', async () => {
    const fed = await createFed(fedConfigMap('left-behind', { from: 'kubefed' }));
    // As KubeFed's VersionManager wrote it: create, then the status.
    const status = propagatedVersionStatus({ templateVersion: templateVersion(fed), overridesVersion: overridesVersion(fed) }, versions([['member1', 'rv:7'], ['member2', 'gen:2']]));
    const created = await admin.create<KubeObject>(PVS, {
      apiVersion: 'core.kubefed.io/v1alpha1',
      kind: 'PropagatedVersion',
      metadata: { name: 'configmap-left-behind', namespace: ns, ownerReferences: [{ apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', name: 'left-behind', uid: fed.metadata!.uid! }] },
    }, 'kubefed');
    const kubefedWrote = await admin.replace<KubeObject>(PVS, { ...created, status }, { subresource: 'status' });

    const writer = await newWriter();
    expect(writer.versionsFor(fed)).toEqual(versions([['member1', 'rv:7'], ['member2', 'gen:2']]));
    const before = writes();
    expect(await writer.record(fed, versions([['member2', 'gen:2'], ['member1', 'rv:7']]))).toBe('unchanged');
    expect(writes()).toBe(before);
    expect((await getPv('configmap-left-behind')).metadata?.resourceVersion).toBe(kubefedWrote.metadata?.resourceVersion);
  });

  it('recovers from an out-of-band update and an out-of-band deletion', async () => {
    const writer = await newWriter();
    const fed = await createFed(fedConfigMap('out-of-band', { a: '1' }));
    await writer.record(fed, versions([['member1', 'rv:1']]));

    // Someone else changes the status: our remembered copy is stale (conflict), and we still win.
    const theirs = await getPv('configmap-out-of-band');
    await admin.replace(PVS, { ...theirs, status: { templateVersion: 'x', overridesVersion: 'y' } }, { subresource: 'status' });
    expect(await writer.record(fed, versions([['member1', 'rv:2']]))).toBe('updated');
    expect((await getPv('configmap-out-of-band')).status).toMatchObject({ templateVersion: templateVersion(fed), clusterVersions: [{ clusterName: 'member1', version: 'rv:2' }] });

    // Someone deletes it: it is created again.
    await admin.delete(PVS, 'configmap-out-of-band', ns);
    expect(await writer.record(fed, versions([['member1', 'rv:3']]))).toBe('created');
    expect((await getPv('configmap-out-of-band')).status).toMatchObject({ clusterVersions: [{ clusterName: 'member1', version: 'rv:3' }] });
  });

  it('makes a PropagatedVersion of an earlier object of the same name its own', async () => {
    const writer = await newWriter();
    const fed = await createFed(fedConfigMap('reborn', { a: '1' }));
    // The PV names another owner than this fed object. An owner that no longer exists would race the
    // garbage collector (it deletes the PV within milliseconds), so the owner here is a live object: the
    // writer must take the PV over all the same.
    const earlier = await createFed(fedConfigMap('reborn-earlier', { a: '0' }));
    await admin.create(PVS, {
      apiVersion: 'core.kubefed.io/v1alpha1',
      kind: 'PropagatedVersion',
      metadata: { name: 'configmap-reborn', namespace: ns, ownerReferences: [{ apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', name: 'reborn-earlier', uid: earlier.metadata!.uid! }] },
    }, 'pv-test');
    expect(await writer.record(fed, versions([['member1', 'rv:1']]))).toBe('updated');
    const pv = await getPv('configmap-reborn');
    expect(pv.metadata?.ownerReferences?.map((ref) => ref.uid)).toEqual([fed.metadata!.uid]);
    expect(pv.status).toMatchObject({ clusterVersions: [{ clusterName: 'member1', version: 'rv:1' }] });
  });

  it('is removed with its federated object by the garbage collector', async () => {
    const writer = await newWriter();
    const fed = await createFed(fedConfigMap('collected', { a: '1' }));
    await writer.record(fed, versions([['member1', 'rv:1']]));
    await admin.delete(FED_CONFIGMAPS, 'collected', ns);
    await waitUntil('the PropagatedVersion to be collected', async () => (await getPv('configmap-collected').catch(() => undefined)) === undefined, 45_000);
  });

  it('writes a ClusterPropagatedVersion for a cluster-scoped federated type', async () => {
    const writer = await newWriter({ targetKind: 'ClusterRole', federatedNamespaced: false });
    const fed = await createFed(
      { apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedClusterRole', metadata: { name: clusterRoleName }, spec: { template: { rules: [] } } },
      FED_CLUSTERROLES,
    );
    expect(await writer.record(fed, versions([['member1', 'rv:4']]))).toBe('created');
    const pv = await admin.get<KubeObject & { status?: unknown }>(CLUSTER_PVS, `clusterrole-${clusterRoleName}`);
    expect(pv.kind).toBe('ClusterPropagatedVersion');
    expect(pv.status).toMatchObject({ templateVersion: templateVersion(fed), clusterVersions: [{ clusterName: 'member1', version: 'rv:4' }] });
  });

  it('says so when the host does not serve the CRDs (a member has none)', async () => {
    const member = await RestClient.fromKubeConfig(kubeConfigFor('member1'), { name: 'member1' });
    try {
      const writer = new PropagatedVersionWriter({ host: member, informers, log, targetKind: 'ConfigMap', federatedNamespaced: true, namespace: undefined });
      await expect(writer.start()).rejects.toThrow(/PropagatedVersions feature gate is on, but the host does not serve propagatedversions\.core\.kubefed\.io/);
    } finally {
      member.close();
    }
  });
});

describe('with the gate off', () => {
  it('lists nothing, watches nothing and writes nothing', async () => {
    const off = propagatedVersionsFor(false, { host: writerClient, informers, log, targetKind: 'ConfigMap', federatedNamespaced: true, namespace: undefined });
    expect(off).toBe(PROPAGATED_VERSIONS_OFF);
    const fed = await createFed(fedConfigMap('gate-off', { a: '1' }));
    const before = allRequests();
    await off.start();
    expect(off.versionsFor(fed)).toBeUndefined();
    expect(await off.record(fed, versions([['member1', 'rv:1']]))).toBe('disabled');
    await off.stop();
    expect(allRequests()).toBe(before);
    await expect(getPv('configmap-gate-off')).rejects.toMatchObject({ code: 404 });
  });
});


// One federation on the real API servers with member1 in push mode and member2 in pull mode: the agent runs as
// a process (dist/agent/main.js) against member2 with the host kubeconfig `kubefedctl join --mode pull` wrote,
// and the controller-manager runs in this process. The same FederatedNamespace, FederatedConfigMap and
// FederatedDeployment (with overrides) give the same member objects and the same status vocabulary on both;
// drift on the pull member is reverted by its agent; an agent restart writes nothing to the member; an agent
// killed in the middle of a burst converges after a restart with every object created exactly once.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullClusterNamespace } from '../../src/api/index.js';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { createFed, deleteFed, eventsFor, getFed, patchFed, propagationOf, writeRequests, writesBetween, type Obj } from '../harness/fed-objects.js';
import {
  createDefaultTypeConfigs,
  customObjects,
  getOrUndefined,
  installCrds,
  joinMember,
  KUBEFED_NS,
  sleep,
  startManager,
  waitUntil,
} from '../harness/federation.js';
import { startAgentProcess, type RunningProcess } from '../harness/processes.js';
import { kubefedctl } from '../harness/kubefedctl.js';

const suffix = Date.now().toString(36);
const PUSH = `push-${suffix}`;
const PULL = `pull-${suffix}`;
const both = [{ name: PUSH }, { name: PULL }];
const ns = `mixed-${suffix}`;
const hostNamespace = pullClusterNamespace(PULL);
/** Long enough for an agent restart by SIGTERM on a loaded machine: the cluster stays Ready across it. */
const GRACE_MS = 20_000;
const MEMBER_RESOURCES = ['configmaps', 'deployments', 'namespaces'];

let host: KubeConfig;
let member1: KubeConfig;
let member2: KubeConfig;
let manager: ControllerManager | undefined;
let tmp: string;
let agentKubeconfig: string;
let agent: RunningProcess | undefined;
const agents: RunningProcess[] = [];

function startAgent(): Promise<RunningProcess> {
  return startAgentProcess({ cluster: PULL, memberKubeconfig: testEnv().clusters.member2!.kubeconfigPath, hostKubeconfig: agentKubeconfig }).then((proc) => {
    agents.push(proc);
    return proc;
  });
}

const configMap = (kc: KubeConfig, name: string) => getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace: ns }));
const deployment = (kc: KubeConfig, name: string) => getOrUndefined(kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace: ns }));

/** What propagation decides of a member object: everything but what its API server fills in. */
function propagated(object: Obj | undefined): Obj | undefined {
  if (!object) return undefined;
  const { uid: _u, resourceVersion: _r, creationTimestamp: _c, managedFields: _m, generation: _g, ...metadata } = object.metadata ?? {};
  const { status: _s, ...rest } = object;
  return JSON.parse(JSON.stringify({ ...rest, metadata }));
}

/** The report state the agent writes: its epoch, and whether it listed each type. */
async function reportState(): Promise<Obj | undefined> {
  const cm = await getOrUndefined(host.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'kubefed-report-state', namespace: hostNamespace }));
  return cm?.data?.state ? JSON.parse(cm.data.state) : undefined;
}

/** `apiserver_request_total` of one verb, resource and code, from the API server's own metrics. */
async function requestCount(kc: KubeConfig, verb: string, resource: string, code: string): Promise<number> {
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const url = new URL(`${kc.getCurrentCluster()!.server}/metrics`);
  const text = await new Promise<string>((resolve, reject) => {
    https
      .get(url, { ca: opts.ca, cert: opts.cert, key: opts.key, headers: opts.headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
  let n = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.verb === verb && labels.resource === resource && labels.code === code && !labels.subresource) n += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return n;
}

const fedConfigMap = (name: string, spec: Obj): Obj => ({ apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name, namespace: ns }, spec });

beforeAll(async () => {
  host = kubeConfigFor('host');
  member1 = kubeConfigFor('member1');
  member2 = kubeConfigFor('member2');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pull-mode-it-'));
  agentKubeconfig = path.join(tmp, 'agent.kubeconfig');
  await installCrds(testEnv().clusters.host!.kubeconfigPath);
  // Other files' clusters (they share these API servers) would have this controller-manager write to the
  // members too: only this file's two clusters stay.
  const custom = customObjects(host);
  let existing: { items: Obj[] } | undefined;
  // A CRD just installed may answer 429 while its storage initialises.
  await waitUntil('kubefedclusters served', async () => {
    try {
      existing = (await getOrUndefined(custom.listNamespacedCustomObject({ group: 'core.kubefed.io', version: 'v1beta1', namespace: KUBEFED_NS, plural: 'kubefedclusters' }))) as typeof existing;
      return true;
    } catch {
      return false;
    }
  });
  for (const kfc of existing?.items ?? []) {
    await getOrUndefined(custom.deleteNamespacedCustomObject({ group: 'core.kubefed.io', version: 'v1beta1', namespace: KUBEFED_NS, plural: 'kubefedclusters', name: kfc.metadata.name }));
  }
  await joinMember(host, member1, PUSH);
  const joined = await kubefedctl('join', PULL, '--mode', 'pull', '--cluster-context', 'member2', '--agent-kubeconfig-out', agentKubeconfig);
  if (joined.code !== 0) throw new Error(`join failed: ${joined.stderr}`);
  await createDefaultTypeConfigs(host);
  await custom.patchNamespacedCustomObject({
    group: 'core.kubefed.io', version: 'v1beta1', namespace: KUBEFED_NS, plural: 'federatedtypeconfigs', name: 'deployments.apps',
    body: [{ op: 'add', path: '/spec/statusCollection', value: 'Enabled' }],
  });
  manager = await startManager(host, { tweak: (config) => ({ ...config, health: { ...config.health, pullHeartbeatGraceMs: GRACE_MS } }) });
  agent = await startAgent();
  await waitUntil('both clusters ready', () => [PUSH, PULL].every((name) => manager!.registry.get(name)?.ready), 60_000);
  await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
}, 180_000);

afterAll(async () => {
  await customObjects(host)
    .patchNamespacedCustomObject({
      group: 'core.kubefed.io', version: 'v1beta1', namespace: KUBEFED_NS, plural: 'federatedtypeconfigs', name: 'deployments.apps',
      body: [{ op: 'remove', path: '/spec/statusCollection' }],
    })
    .catch(() => undefined);
  for (const proc of agents) await proc.stop('SIGKILL');
  await manager?.stop();
  await kubefedctl('unjoin', PULL, '--cluster-context', 'member2', '--force');
  await getOrUndefined(customObjects(host).deleteNamespacedCustomObject({ group: 'core.kubefed.io', version: 'v1beta1', namespace: KUBEFED_NS, plural: 'kubefedclusters', name: PUSH }));
  if (tmp) await rm(tmp, { recursive: true, force: true });
}, 120_000);

describe('member1 in push mode, member2 in pull mode', () => {
  it('federates a namespace to both, reported alike', async () => {
    await createFed(host, 'federatednamespaces', {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedNamespace',
      metadata: { name: ns, namespace: ns },
      spec: { placement: { clusters: both } },
    });
    for (const kc of [member1, member2]) {
      await expect.poll(async () => (await getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespace({ name: ns })))?.metadata?.labels?.['kubefed.io/managed'], { timeout: 30_000 }).toBe('true');
    }
    await expect.poll(() => propagationOf(host, 'federatednamespaces', ns, ns), { timeout: 30_000 }).toEqual({ status: 'True', clusters: [PULL, PUSH].sort() });
    const [a, b] = await Promise.all([member1, member2].map((kc) => kc.makeApiClient(CoreV1Api).readNamespace({ name: ns })));
    expect(propagated(b as Obj)!.metadata).toEqual(propagated(a as Obj)!.metadata);
  });

  it('gives the same ConfigMap on both from one FederatedConfigMap, with per-cluster overrides applied alike', async () => {
    await createFed(host, 'federatedconfigmaps', fedConfigMap('colors', {
      template: { metadata: { labels: { app: 'demo' }, annotations: { note: 'kept' } }, data: { color: 'red', size: 'L' } },
      placement: { clusters: both },
      overrides: [{ clusterName: PULL, clusterOverrides: [{ path: '/data/color', value: 'blue' }] }, { clusterName: PUSH, clusterOverrides: [{ path: '/data/color', value: 'blue' }] }],
    }));
    await expect.poll(async () => (await configMap(member2, 'colors'))?.data, { timeout: 30_000 }).toEqual({ color: 'blue', size: 'L' });
    await expect.poll(async () => (await configMap(member1, 'colors'))?.data, { timeout: 30_000 }).toEqual({ color: 'blue', size: 'L' });
    expect(propagated((await configMap(member2, 'colors')) as Obj)).toEqual(propagated((await configMap(member1, 'colors')) as Obj));
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'colors', ns), { timeout: 30_000 }).toEqual({ status: 'True', clusters: [PULL, PUSH].sort() });
  });

  it('propagates a FederatedDeployment with overrides and collects both members\' status', async () => {
    await createFed(host, 'federateddeployments', {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedDeployment',
      metadata: { name: 'web', namespace: ns },
      spec: {
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox:1' }] } } },
        },
        placement: { clusters: both },
        overrides: [
          { clusterName: PUSH, clusterOverrides: [{ path: '/spec/replicas', value: 2 }] },
          { clusterName: PULL, clusterOverrides: [{ path: '/spec/replicas', value: 3 }, { path: '/spec/template/spec/containers/0/image', value: 'busybox:2' }] },
        ],
      },
    });
    await expect.poll(async () => (await deployment(member2, 'web'))?.spec?.replicas, { timeout: 30_000 }).toBe(3);
    await expect.poll(async () => (await deployment(member1, 'web'))?.spec?.replicas, { timeout: 30_000 }).toBe(2);
    const [a, b] = [propagated((await deployment(member1, 'web')) as Obj)!, propagated((await deployment(member2, 'web')) as Obj)!];
    expect(b.spec.template.spec.containers[0].image).toBe('busybox:2');
    // Apart from the overrides, the same object.
    b.spec.replicas = a.spec.replicas;
    b.spec.template.spec.containers[0].image = a.spec.template.spec.containers[0].image;
    b.metadata.annotations['kubefed.io/propagated-hash'] = a.metadata.annotations['kubefed.io/propagated-hash'];
    delete a.metadata.annotations['deployment.kubernetes.io/revision'];
    delete b.metadata.annotations['deployment.kubernetes.io/revision'];
    expect(b).toEqual(a);
    // The members' deployment controllers write status; both come back in status.clusters.
    await expect.poll(async () => {
      const fed = await getFed(host, 'federateddeployments', 'web', ns);
      return (fed?.status?.clusters ?? []).map((c: Obj) => `${c.name}:${c.status ?? ''}:${c.remoteStatus?.replicas ?? '-'}`).sort();
    }, { timeout: 30_000 }).toEqual([`${PULL}::3`, `${PUSH}::2`].sort());
  });

  it('reports a member\'s refusal and a ManagedLabelFalse object in the same words on both', async () => {
    for (const kc of [member1, member2]) {
      await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'theirs', labels: { 'kubefed.io/managed': 'false' } }, data: { owner: 'them' } } });
    }
    await createFed(host, 'federatedconfigmaps', fedConfigMap('theirs', { template: { data: { owner: 'us' } }, placement: { clusters: both } }));
    await createFed(host, 'federatedconfigmaps', fedConfigMap('invalid', { template: { data: { 'not a key!': 'x' } }, placement: { clusters: both } }));
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'theirs', ns), { timeout: 30_000 }).toEqual({
      status: 'False',
      reason: 'CheckClusters',
      clusters: [`${PULL}:ManagedLabelFalse`, `${PUSH}:ManagedLabelFalse`].sort(),
    });
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'invalid', ns), { timeout: 30_000 }).toEqual({
      status: 'False',
      reason: 'CheckClusters',
      clusters: [`${PULL}:CreationFailed`, `${PUSH}:CreationFailed`].sort(),
    });
    // The member's own words, in the fed object's events, for both.
    await expect.poll(async () => {
      const failed = (await eventsFor(host, ns, 'invalid')).filter((e) => e.startsWith('CreateInClusterFailed')).join('\n');
      return [PUSH, PULL].every((c) => failed.includes(`"${c}"`)) && failed.includes('not a key!');
    }, { timeout: 30_000 }).toBe(true);
    expect(await configMap(member2, 'theirs')).toMatchObject({ data: { owner: 'them' } });
  });

  it('reverts drift on the pull member, and the fed object gets a DriftReverted event naming the cluster', async () => {
    await member2.makeApiClient(CoreV1Api).patchNamespacedConfigMap({ name: 'colors', namespace: ns, body: [{ op: 'replace', path: '/data/size', value: 'XXL' }] });
    await expect.poll(async () => (await configMap(member2, 'colors'))?.data, { timeout: 30_000 }).toEqual({ color: 'blue', size: 'L' });
    await expect.poll(async () => (await eventsFor(host, ns, 'colors')).filter((e) => e.startsWith('DriftReverted')), { timeout: 30_000 }).toEqual([
      expect.stringMatching(new RegExp(`^DriftReverted: .*cluster "${PULL}".*/data/size`)),
    ]);
  });

  it('writes nothing to the member when the agent restarts and nothing changed', async () => {
    await expect.poll(() => propagationOf(host, 'federateddeployments', 'web', ns), { timeout: 30_000 }).toMatchObject({ status: 'True' });
    await sleep(3_000); // let the last reports land
    const before = await writeRequests(member2, MEMBER_RESOURCES);
    const epoch = (await reportState())?.epoch;
    expect(await agent!.stop('SIGTERM')).toBe(0);
    agent = await startAgent();
    await expect.poll(async () => {
      const state = await reportState();
      return state?.epoch !== epoch && Object.values(state?.types ?? {}).every((t: any) => t.listed);
    }, { timeout: 30_000 }).toBe(true);
    await sleep(3_000);
    expect(writesBetween(before, await writeRequests(member2, MEMBER_RESOURCES))).toEqual({});
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'colors', ns), { timeout: 30_000 }).toEqual({ status: 'True', clusters: [PULL, PUSH].sort() });
  });

  it('converges after the agent is killed in the middle of a burst, creating every object exactly once', async () => {
    const N = 60;
    const createdBefore = await requestCount(member2, 'APPLY', 'configmaps', '201');
    const hostBundleWritesBefore = await writeRequests(host, ['secrets']);
    await Promise.all(
      Array.from({ length: N }, (_, i) => createFed(host, 'federatedconfigmaps', fedConfigMap(`burst-${i}`, { template: { data: { i: String(i) } }, placement: { clusters: both } }))),
    );
    const burstList = async () =>
      ((await member2.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: ns, labelSelector: 'kubefed.io/managed=true' })).items ?? []).filter((c) =>
        c.metadata?.name?.startsWith('burst-'),
      );
    await waitUntil('some of the burst in member2', async () => (await burstList()).length >= 3, 30_000);
    await agent!.stop('SIGKILL');
    // Killed before the burst was through (the rest waits in the bundles for the next agent).
    expect((await burstList()).length).toBeLessThan(N);
    agent = await startAgent();
    await expect.poll(async () => (await burstList()).length, { timeout: 60_000 }).toBe(N);
    for (let i = 0; i < N; i++) {
      await expect.poll(() => propagationOf(host, 'federatedconfigmaps', `burst-${i}`, ns), { timeout: 30_000 }).toEqual({ status: 'True', clusters: [PULL, PUSH].sort() });
    }
    // Each object created once (a create is a create-only apply: 201 when it creates): what was re-executed
    // after the kill found its object there (409) and took it as its own, never a twin.
    expect(await requestCount(member2, 'APPLY', 'configmaps', '201') - createdBefore).toBe(N);
    expect((await burstList()).map((c) => c.data?.i).sort()).toEqual(Array.from({ length: N }, (_, i) => String(i)).sort());
    // Bundles are batched: far fewer host writes than objects.
    const bundleWrites = Object.values(writesBetween(hostBundleWritesBefore, await writeRequests(host, ['secrets']))).reduce((a, b) => a + b, 0);
    expect(bundleWrites).toBeLessThan(N);
  });

  it('adopts an object that was there unmanaged, on both alike', async () => {
    for (const kc of [member1, member2]) {
      await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'found' }, data: { owner: 'someone' } } });
    }
    await createFed(host, 'federatedconfigmaps', fedConfigMap('found', { template: { data: { owner: 'federation' } }, placement: { clusters: both } }));
    for (const kc of [member1, member2]) {
      await expect.poll(async () => (await configMap(kc, 'found'))?.metadata?.labels?.['kubefed.io/managed'], { timeout: 30_000 }).toBe('true');
      expect((await configMap(kc, 'found'))?.data).toEqual({ owner: 'federation' });
    }
    await expect.poll(async () => {
      const adopted = (await eventsFor(host, ns, 'found')).filter((e) => e.startsWith('AdoptInCluster')).join('\n');
      return [PUSH, PULL].every((c) => adopted.includes(`"${c}"`));
    }, { timeout: 30_000 }).toBe(true);
  });

  it('deletes with the fed object\'s deleteoption on the pull member too (Orphan leaves the ReplicaSets)', async () => {
    const replicaSets = async (kc: KubeConfig) =>
      (await kc.makeApiClient(AppsV1Api).listNamespacedReplicaSet({ namespace: ns, labelSelector: 'app=web' })).items;
    for (const kc of [member1, member2]) await expect.poll(async () => (await replicaSets(kc)).length, { timeout: 30_000 }).toBeGreaterThan(0);
    await patchFed(host, 'federateddeployments', 'web', ns, [
      { op: 'add', path: '/metadata/annotations', value: { 'kubefed.io/deleteoption': '{"propagationPolicy":"Orphan"}' } },
    ]);
    await sleep(500);
    await deleteFed(host, 'federateddeployments', 'web', ns);
    for (const kc of [member1, member2]) await expect.poll(() => deployment(kc, 'web'), { timeout: 30_000 }).toBeUndefined();
    await sleep(1_000);
    for (const kc of [member1, member2]) {
      const left = await replicaSets(kc);
      expect(left.length).toBeGreaterThan(0);
      expect(left.every((rs) => (rs.metadata?.ownerReferences ?? []).length === 0)).toBe(true);
    }
  });

  it('deletes from both, and an orphaning deletion leaves the pull member\'s copy in place, unmanaged', async () => {
    await deleteFed(host, 'federatedconfigmaps', 'burst-0', ns);
    for (const kc of [member1, member2]) await expect.poll(() => configMap(kc, 'burst-0'), { timeout: 30_000 }).toBeUndefined();
    await patchFed(host, 'federatedconfigmaps', 'burst-1', ns, [{ op: 'add', path: '/metadata/annotations', value: { 'kubefed.io/orphan': 'true' } }]);
    await sleep(500);
    await deleteFed(host, 'federatedconfigmaps', 'burst-1', ns);
    await expect.poll(() => getFed(host, 'federatedconfigmaps', 'burst-1', ns), { timeout: 30_000 }).toBeUndefined();
    for (const kc of [member1, member2]) {
      const left = await configMap(kc, 'burst-1');
      expect(left?.data).toEqual({ i: '1' });
      expect(left?.metadata?.labels?.['kubefed.io/managed']).toBeUndefined();
    }
    // The done deletions leave the bundle once the agent reports the objects gone or unmanaged.
    await expect.poll(async () => {
      const secrets = await host.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: hostNamespace, labelSelector: 'kubefed.io/bundle=true' });
      return secrets.items.some((s) => Object.keys(s.data ?? {}).some((k) => k === `${ns}_burst-0` || k === `${ns}_burst-1`));
    }, { timeout: 30_000 }).toBe(false);
  });

  it('removes everything from both members when the namespace is deleted on the host', async () => {
    await host.makeApiClient(CoreV1Api).deleteNamespace({ name: ns });
    await expect.poll(() => getFed(host, 'federatednamespaces', ns, ns), { timeout: 90_000 }).toBeUndefined();
    for (const kc of [member1, member2]) {
      await expect.poll(async () => (await getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespace({ name: ns })))?.metadata?.deletionTimestamp !== undefined || !(await getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespace({ name: ns }))), { timeout: 30_000 }).toBe(true);
    }
  });
});


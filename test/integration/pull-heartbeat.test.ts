// A pull-mode KubeFedCluster's health on the real host API server: the in-process controller-manager reads
// the agent's heartbeat Lease in the cluster's host namespace (the test plays the agent and renews it), turns
// the cluster Ready with the versions the heartbeat carries, NotReady once the heartbeat is older than the
// grace period (here 3 s, set as KubeFedConfig's pullHeartbeatGracePeriod would), and Ready again on renewal.
import { CoordinationV1Api, CoreV1Api, V1MicroTime, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEARTBEAT_LEASE_NAME, pullClusterNamespace } from '../../src/api/index.js';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { customObjects, failClusterStatusWrites, getOrUndefined, holdClusterStatusWrites, installCrds, KUBEFED_NS, sleep, startManager } from '../harness/federation.js';

type Obj = Record<string, any>;

const GRACE_MS = 3_000;
const cluster = `pull-hb-${Date.now().toString(36)}`;
const namespace = pullClusterNamespace(cluster);
const KFC = { group: 'core.kubefed.io', version: 'v1beta1', plural: 'kubefedclusters', namespace: KUBEFED_NS };

let host: KubeConfig;
let manager: ControllerManager | undefined;
let leases: CoordinationV1Api;

const kfc = async () => (await getOrUndefined(customObjects(host).getNamespacedCustomObject({ ...KFC, name: cluster }))) as Obj | undefined;
const condition = (object: Obj | undefined, type: string) => object?.status?.conditions?.find((c: Obj) => c.type === type);

/** Writes the heartbeat as the agent does: renewTime now, versions in annotations. */
async function renew(annotations: Record<string, string> = { 'kubefed.io/kubernetes-version': 'v1.35.4', 'kubefed.io/agent-version': '0.1.0' }): Promise<number> {
  const body = {
    metadata: { name: HEARTBEAT_LEASE_NAME, namespace, annotations },
    spec: { holderIdentity: 'test-agent', leaseDurationSeconds: 40, renewTime: new V1MicroTime() },
  };
  const existing = await getOrUndefined(leases.readNamespacedLease({ name: HEARTBEAT_LEASE_NAME, namespace }));
  if (existing) await leases.replaceNamespacedLease({ name: HEARTBEAT_LEASE_NAME, namespace, body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata!.resourceVersion } } });
  else await leases.createNamespacedLease({ namespace, body });
  return Date.now();
}

beforeAll(async () => {
  host = kubeConfigFor('host');
  leases = host.makeApiClient(CoordinationV1Api);
  await installCrds(testEnv().clusters.host!.kubeconfigPath);
  const core = host.makeApiClient(CoreV1Api);
  for (const name of [KUBEFED_NS, namespace]) {
    if (!(await getOrUndefined(core.readNamespace({ name })))) await core.createNamespace({ body: { metadata: { name } } });
  }
  await customObjects(host).createNamespacedCustomObject({
    ...KFC,
    body: { apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedCluster', metadata: { name: cluster, namespace: KUBEFED_NS }, spec: { syncMode: 'Pull' } },
  });
  manager = await startManager(host, { tweak: (config) => ({ ...config, health: { ...config.health, pullHeartbeatGraceMs: GRACE_MS } }) });
});

afterAll(async () => {
  await manager?.stop();
  await getOrUndefined(customObjects(host).deleteNamespacedCustomObject({ ...KFC, name: cluster }));
  await getOrUndefined(host.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace }));
});

describe('a pull cluster\'s health from its agent\'s heartbeat Lease', () => {
  it('is not ready, and says why, while no heartbeat exists', async () => {
    await expect.poll(async () => condition(await kfc(), 'Ready')?.status, { timeout: 20_000 }).toBe('False');
    const object = await kfc();
    expect(condition(object, 'Ready')).toMatchObject({
      reason: 'ClusterNotReachable',
      message: `cluster is not reachable: no heartbeat from the agent: Lease ${namespace}/${HEARTBEAT_LEASE_NAME} does not exist (is the agent running?)`,
    });
    expect(condition(object, 'Offline')?.status).toBe('True');
  });

  it('turns Ready on a heartbeat, with the Kubernetes and agent versions it carries', async () => {
    await renew();
    await expect.poll(async () => condition(await kfc(), 'Ready')?.status, { timeout: 10_000 }).toBe('True');
    const object = (await kfc())!;
    expect(condition(object, 'Ready')).toMatchObject({ reason: 'ClusterReady', message: 'the agent renews its heartbeat' });
    expect(condition(object, 'Offline')).toBeUndefined();
    expect(object.status).toMatchObject({ kubernetesVersion: 'v1.35.4', agentVersion: '0.1.0' });
    const described = manager!.registry.describe().find((c) => c.name === cluster);
    expect(described).toMatchObject({ syncMode: 'Pull', ready: true, kubernetesVersion: 'v1.35.4', agentVersion: '0.1.0' });
    // Ready for work: the host publishes it in the cluster's namespace; it never holds a client for the member.
    expect(manager!.registry.get(cluster)).toMatchObject({ syncMode: 'Pull', ready: true, client: undefined });
  });

  it('stays Ready while renewed, ignores a version that is not one, and turns NotReady only after the grace period', async () => {
    let last = 0;
    for (let i = 0; i < 5; i++) {
      last = await renew({ 'kubefed.io/kubernetes-version': 'v1.35.5', 'kubefed.io/agent-version': 'not a version; <script>' });
      await sleep(1_000);
      expect(condition(await kfc(), 'Ready')?.status, `after renewal ${i}`).toBe('True');
    }
    const object = (await kfc())!;
    expect(object.status).toMatchObject({ kubernetesVersion: 'v1.35.5', agentVersion: '0.1.0' });
    // The heartbeat stops.
    await expect.poll(async () => condition(await kfc(), 'Ready')?.status, { timeout: GRACE_MS + 10_000, interval: 200 }).toBe('False');
    expect(Date.now() - last).toBeGreaterThanOrEqual(GRACE_MS);
    const stale = (await kfc())!;
    expect(condition(stale, 'Ready')?.message).toMatch(/^cluster is not reachable: the agent's heartbeat \(Lease .*\) was not renewed within the grace period of 3s; last renewed at /);
    expect(condition(stale, 'Offline')?.status).toBe('True');
  });

  it('turns Ready again as soon as the heartbeat is renewed, telling the controllers before its status write is done', async () => {
    // Hold the registry's status write: the controllers must hear "ready" as soon as the registry shows it
    // (they once heard it only after that write, and meanwhile handed work to an executor still not ready).
    const registry = manager!.registry;
    const statusWrites = holdClusterStatusWrites(registry, cluster);
    const events: string[] = [];
    const off = registry.onEvent((event) => {
      if (event.name === cluster) events.push(event.type);
    });
    try {
      await renew();
      await expect.poll(() => registry.get(cluster)?.ready, { timeout: 5_000, interval: 20 }).toBe(true);
      expect(events).toEqual(['ready']);
      expect(statusWrites.held()).toBe(1);
    } finally {
      off();
      statusWrites.release();
    }
    await expect.poll(async () => condition(await kfc(), 'Ready')?.status, { timeout: 5_000, interval: 200 }).toBe('True');
  });

  it('goes on probing while its status write hangs, and writes the latest status once the host answers', async () => {
    // The status write of one change hangs (a slow host): the next change must still be seen and told at once,
    // not after that write (the probe once waited for it), and the status written last must be the latest.
    const registry = manager!.registry;
    await expect.poll(() => registry.get(cluster)?.ready, { timeout: 5_000, interval: 20 }).toBe(true);
    const statusWrites = holdClusterStatusWrites(registry, cluster);
    const events: string[] = [];
    const off = registry.onEvent((event) => {
      if (event.name === cluster) events.push(event.type);
    });
    try {
      await renew({ 'kubefed.io/kubernetes-version': 'v1.35.6', 'kubefed.io/agent-version': '0.1.0' });
      await expect.poll(() => statusWrites.held(), { timeout: 5_000, interval: 20 }).toBe(1); // the new version's write hangs
      // No renewal any more: NotReady after the grace period, while that write still hangs.
      await expect.poll(() => registry.get(cluster)?.ready, { timeout: GRACE_MS + 5_000, interval: 50 }).toBe(false);
      expect(events).toEqual(['notReady']);
      expect(statusWrites.held()).toBe(1); // one write at a time: the newer status waits for the hung one
    } finally {
      off();
      statusWrites.release();
    }
    await expect.poll(async () => condition(await kfc(), 'Ready')?.status, { timeout: 5_000, interval: 200 }).toBe('False');
    expect((await kfc())!.status).toMatchObject({ kubernetesVersion: 'v1.35.6' });
  });

  it('writes a status whose write failed again at a later probe, with nothing else changing', async () => {
    // Only the conditions change (same versions as the status holds): a failed write of them was once lost for
    // good, and the KubeFedCluster said NotReady while the registry had it Ready.
    const registry = manager!.registry;
    // Settled first: NotReady everywhere, the status holding the versions the heartbeat will say, and the
    // registry's copy of the KubeFedCluster caught up with it (a version it has not seen would cause a write).
    await expect.poll(() => registry.get(cluster)?.ready, { timeout: GRACE_MS + 5_000, interval: 50 }).toBe(false);
    await expect.poll(async () => condition(await kfc(), 'Ready')?.status, { timeout: 5_000, interval: 200 }).toBe('False');
    expect((await kfc())!.status).toMatchObject({ kubernetesVersion: 'v1.35.6', agentVersion: '0.1.0' });
    await sleep(1_000);
    const statusWrites = failClusterStatusWrites(registry, cluster, 1);
    try {
      const renewed = await renew({ 'kubefed.io/kubernetes-version': 'v1.35.6', 'kubefed.io/agent-version': '0.1.0' });
      await expect.poll(() => registry.get(cluster)?.ready, { timeout: 2_000, interval: 20 }).toBe(true);
      await expect.poll(() => statusWrites.failed(), { timeout: 2_000, interval: 20 }).toBe(1);
      // Written again within a probe or two, well before the heartbeat runs out again (GRACE_MS after renewal).
      await expect.poll(async () => condition(await kfc(), 'Ready')?.status, { timeout: 2_000, interval: 100 }).toBe('True');
      expect(Date.now() - renewed).toBeLessThan(GRACE_MS);
    } finally {
      statusWrites.restore();
    }
  });
});

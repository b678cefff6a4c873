// Faults under a pull cluster (issue #15); member1 is a push cluster beside it.
// - The host's kube-apiserver is down for 30 s: the agent of member2 keeps every member object exactly as it
//   is (same uid, same resourceVersion: nothing deleted, nothing rewritten) while it cannot read its bundles
//   or write its reports, the host shows the cluster NotReady after the grace period, and once the host is back
//   both sides converge: the heartbeat and reports resume, and a change and a deletion made after the outage
//   reach the pull member.
// - The agent is stopped: the cluster turns NotReady after the grace period, and a deletion waits for it as in
//   push mode (the fed object keeps its finalizer, the member keeps its copy) until the agent is back.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerManager } from '../../../src/manager/controller-manager.js';
import { createFed, deleteFed, eventsFor, getFed, patchFed, propagationOf, writeRequests, writesBetween, type Obj } from '../../harness/fed-objects.js';
import { killApiServer, startOwnFederation, type OwnFederation } from '../../harness/faults.js';
import { sleep, startManager, waitUntil } from '../../harness/federation.js';
import { kubefedctlWith } from '../../harness/kubefedctl.js';
import { startAgentProcess, type RunningProcess } from '../../harness/processes.js';

const ns = 'pullhostoutage';
const PULL = 'edge';
const OUTAGE_MS = 30_000;
const GRACE_MS = 8_000;
const NAMES = Array.from({ length: 20 }, (_, i) => `cm-${String(i).padStart(2, '0')}`);
const placement = { clusters: [{ name: 'member1' }, { name: PULL }] };

let fed: OwnFederation;
let host: KubeConfig;
let member2: KubeConfig;
let manager: ControllerManager | undefined;
let agent: RunningProcess | undefined;
let tmp: string;
let agentKubeconfig: string;

/** Every managed ConfigMap of the namespace in member2: name → uid/resourceVersion/data. */
async function memberState(): Promise<Record<string, string>> {
  const list = await member2.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: ns, labelSelector: 'kubefed.io/managed' });
  return Object.fromEntries(list.items.map((c) => [c.metadata!.name!, `${c.metadata!.uid}/${c.metadata!.resourceVersion}/${JSON.stringify(c.data)}`]).sort());
}

const startAgent = () => startAgentProcess({ cluster: PULL, memberKubeconfig: fed.cp.clusters.get('member2')!.kubeconfigPath, hostKubeconfig: agentKubeconfig });

const fedConfigMap = (name: string, data: Record<string, string>): Obj => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind: 'FederatedConfigMap',
  metadata: { name, namespace: ns },
  spec: { template: { data }, placement },
});

beforeAll(async () => {
  // Its own control plane (the host is killed); kube-controller-managers issue the agent's token Secret.
  fed = await startOwnFederation({ join: ['member1'], controllerManagers: true });
  host = fed.host;
  member2 = fed.member2;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pull-host-outage-'));
  agentKubeconfig = path.join(tmp, 'agent.kubeconfig');
  const joined = await kubefedctlWith(fed.cp.kubeconfigPath, 'join', PULL, '--mode', 'pull', '--cluster-context', 'member2', '--agent-kubeconfig-out', agentKubeconfig);
  if (joined.code !== 0) throw new Error(`join failed: ${joined.stderr}`);
  manager = await startManager(host, { tweak: (config) => ({ ...config, health: { ...config.health, pullHeartbeatGraceMs: GRACE_MS } }) });
  agent = await startAgent();
  await waitUntil('both clusters ready', () => ['member1', PULL].every((c) => manager!.registry.get(c)?.ready), 60_000);
  await waitUntil('configmaps type running', () => manager!.typeConfigs.controllers().has('configmaps'), 30_000);
  await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  await createFed(host, 'federatednamespaces', { apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedNamespace', metadata: { name: ns, namespace: ns }, spec: { placement } });
  for (const name of NAMES) await createFed(host, 'federatedconfigmaps', fedConfigMap(name, { v: '1' }));
}, 240_000);

afterAll(async () => {
  await agent?.stop('SIGKILL');
  await manager?.stop();
  await fed?.cp.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
}, 120_000);

describe('the host down for 30 s under a pull cluster', () => {
  it('starts from every object in place on the pull member', async () => {
    await expect.poll(async () => Object.keys(await memberState()).length, { timeout: 60_000 }).toBe(NAMES.length);
    for (const name of NAMES) await expect.poll(() => propagationOf(host, 'federatedconfigmaps', name, ns), { timeout: 30_000 }).toEqual({ status: 'True', clusters: ['edge', 'member1'] });
  });

  it('keeps every member object as it is while the host is down, and the agent keeps running', async () => {
    await sleep(2_000);
    const before = await memberState();
    const writesBefore = await writeRequests(member2, ['configmaps', 'namespaces']);
    await killApiServer(fed.cp, 'host');
    const deadline = Date.now() + OUTAGE_MS;
    while (Date.now() < deadline) {
      await sleep(5_000);
      expect(await memberState()).toEqual(before);
      expect(agent!.child.exitCode).toBeNull();
    }
    expect(writesBetween(writesBefore, await writeRequests(member2, ['configmaps', 'namespaces']))).toEqual({});
    expect(manager!.registry.get(PULL)?.ready).toBe(false);
    await fed.cp.startCluster('host');
  });

  it('converges once the host is back: Ready again, nothing rewritten, and new changes reach the pull member', async () => {
    await waitUntil('the pull cluster ready again', () => manager!.registry.get(PULL)?.ready === true, 60_000);
    const after = await memberState();
    expect(Object.keys(after)).toEqual(NAMES);
    await patchFed(host, 'federatedconfigmaps', 'cm-00', ns, [{ op: 'replace', path: '/spec/template/data', value: { v: '2' } }]);
    await deleteFed(host, 'federatedconfigmaps', 'cm-01', ns);
    await expect.poll(async () => {
      const state = await memberState();
      return [state['cm-00']?.endsWith('{"v":"2"}'), 'cm-01' in state];
    }, { timeout: 60_000 }).toEqual([true, false]);
    const unchanged = await memberState();
    for (const name of NAMES.slice(2)) expect(unchanged[name]).toBe(after[name]);
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'cm-00', ns), { timeout: 30_000 }).toEqual({ status: 'True', clusters: ['edge', 'member1'] });
  });
});

describe('the agent stopped', () => {
  it('turns the cluster NotReady after the grace period; a deletion waits for it, and completes when it is back', async () => {
    expect(await agent!.stop('SIGTERM')).toBe(0);
    const stoppedAt = Date.now();
    await waitUntil('the pull cluster not ready', () => manager!.registry.get(PULL)?.ready === false, GRACE_MS + 20_000);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(GRACE_MS - 2_000);
    await deleteFed(host, 'federatedconfigmaps', 'cm-02', ns);
    await expect.poll(async () => (await eventsFor(host, ns, 'cm-02')).some((e) => e.startsWith('WaitForRemovalInCluster') && e.includes(PULL)), { timeout: 30_000 }).toBe(true);
    await sleep(2_000);
    expect((await getFed(host, 'federatedconfigmaps', 'cm-02', ns))?.metadata?.deletionTimestamp).toBeDefined();
    expect('cm-02' in (await memberState())).toBe(true);
    agent = await startAgent();
    await expect.poll(async () => 'cm-02' in (await memberState()), { timeout: 60_000 }).toBe(false);
    await expect.poll(() => getFed(host, 'federatedconfigmaps', 'cm-02', ns), { timeout: 30_000 }).toBeUndefined();
  });
});

// The built agent (`node dist/agent/main.js`) as a process against the real host and member2, with the host
// kubeconfig `kubefedctl join --mode pull` wrote: it takes its leader Lease in the member, renews the heartbeat
// on the host, and the in-process controller-manager turns the cluster Ready with the versions it reports.
// Stopped by pid, it releases its leader Lease and leaves the heartbeat alone, and the cluster turns NotReady
// once the grace period (here 4 s) has passed; a second agent brings it back, and a kill -9 has the same end.
// A cluster that comes back while the registry's status write is slow gets the work that waited for it, and
// the controller-manager does not spin meanwhile (it once froze there: see that test).
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoordinationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEARTBEAT_LEASE_NAME } from '../../src/api/index.js';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import { repoRoot } from '../harness/binaries.js';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { createDefaultTypeConfigs, customObjects, getOrUndefined, holdClusterStatusWrites, installCrds, KUBEFED_NS, sleep, startManager, waitUntil } from '../harness/federation.js';
import { httpGet, processLogLevel, startProcess, type RunningProcess } from '../harness/processes.js';
import { kubefedctl } from '../harness/kubefedctl.js';

type Obj = Record<string, any>;

const GRACE_MS = 4_000;
const INTERVAL = '1s';
const cluster = `agent-${Date.now().toString(36)}`;
const hostNamespace = `kubefed-cluster-${cluster}`;
const workNamespace = `agent-work-${Date.now().toString(36)}`;
const KFC = { group: 'core.kubefed.io', version: 'v1beta1', plural: 'kubefedclusters', namespace: KUBEFED_NS };

let host: KubeConfig;
let member2: KubeConfig;
let manager: ControllerManager | undefined;
let tmp: string;
let agentKubeconfig: string;
const agents: RunningProcess[] = [];

const kfc = async () => (await getOrUndefined(customObjects(host).getNamespacedCustomObject({ ...KFC, name: cluster }))) as Obj | undefined;
const readyOf = (object: Obj | undefined) => object?.status?.conditions?.find((c: Obj) => c.type === 'Ready')?.status as string | undefined;
const leases = (kc: KubeConfig) => kc.makeApiClient(CoordinationV1Api);

/** Starts the built agent; resolves with its process, ports and identity once it serves. */
async function startAgent(): Promise<RunningProcess & { health: number; metrics: number; identity: string }> {
  const main = path.join(repoRoot, 'dist', 'agent', 'main.js');
  if (!existsSync(main)) throw new Error('dist/agent/main.js missing: run `npm run build` (hack/test.sh does)');
  const proc = startProcess(
    process.execPath,
    [
      main,
      '--cluster-name', cluster,
      '--kubeconfig', testEnv().clusters.member2!.kubeconfigPath,
      '--host-kubeconfig', agentKubeconfig,
      '--kubefed-namespace', KUBEFED_NS,
      '--health-addr', '127.0.0.1:0',
      '--metrics-addr', '127.0.0.1:0',
      '--heartbeat-interval', INTERVAL,
    ],
    { KUBEFED_LOG_LEVEL: processLogLevel() },
    { capture: 'agent-process' },
  );
  agents.push(proc);
  await waitUntil('the agent serving', () => proc.logs().some((l) => l.msg === 'serving health and metrics') || proc.child.exitCode !== null, 30_000);
  const line = proc.logs().find((l) => l.msg === 'serving health and metrics');
  if (!line) throw new Error(`the agent exited:\n${proc.output()}`);
  return Object.assign(proc, { health: Number(line.health), metrics: Number(line.metrics), identity: String(line.identity) });
}

beforeAll(async () => {
  host = kubeConfigFor('host');
  member2 = kubeConfigFor('member2');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'agent-process-it-'));
  agentKubeconfig = path.join(tmp, 'agent.kubeconfig');
  await installCrds(testEnv().clusters.host!.kubeconfigPath);
  const core = host.makeApiClient(CoreV1Api);
  for (const name of [KUBEFED_NS, workNamespace]) {
    if (!(await getOrUndefined(core.readNamespace({ name })))) await core.createNamespace({ body: { metadata: { name } } });
  }
  await createDefaultTypeConfigs(host);
  // Only this file's pull cluster: a push cluster left by an earlier file on the same member2 would take the
  // objects placed on the pull cluster for its own strays and delete them.
  const existing = (await customObjects(host).listNamespacedCustomObject({ ...KFC })) as { items: Obj[] };
  for (const item of existing.items) await getOrUndefined(customObjects(host).deleteNamespacedCustomObject({ ...KFC, name: item.metadata.name }));
  const joined = await kubefedctl('join', cluster, '--mode', 'pull', '--cluster-context', 'member2', '--agent-kubeconfig-out', agentKubeconfig);
  if (joined.code !== 0) throw new Error(`join failed: ${joined.stderr}`);
  manager = await startManager(host, { tweak: (config) => ({ ...config, health: { ...config.health, pullHeartbeatGraceMs: GRACE_MS } }) });
}, 120_000);

afterAll(async () => {
  for (const agent of agents) await agent.stop('SIGKILL');
  await manager?.stop();
  if (await kfc()) await kubefedctl('unjoin', cluster, '--cluster-context', 'member2', '--force');
  if (tmp) await rm(tmp, { recursive: true, force: true });
}, 120_000);

describe('the kubefed-agent process', () => {
  let first: Awaited<ReturnType<typeof startAgent>>;

  it('is NotReady on the host before any agent runs', async () => {
    await expect.poll(async () => readyOf(await kfc()), { timeout: 20_000 }).toBe('False');
  });

  it('leads in the member, renews the heartbeat on the host, and the cluster turns Ready with its versions', async () => {
    first = await startAgent();
    await expect.poll(async () => readyOf(await kfc()), { timeout: 20_000 }).toBe('True');
    const status = (await kfc())!.status;
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
    expect(status).toMatchObject({ kubernetesVersion: expect.stringMatching(/^v1\.35\./), agentVersion: version });
    const heartbeat = await leases(host).readNamespacedLease({ name: HEARTBEAT_LEASE_NAME, namespace: hostNamespace });
    expect(heartbeat.spec?.holderIdentity).toBe(first.identity);
    expect(heartbeat.metadata?.annotations).toEqual({ 'kubefed.io/agent-version': version, 'kubefed.io/kubernetes-version': status.kubernetesVersion });
    const leader = await leases(member2).readNamespacedLease({ name: 'kubefed-agent', namespace: KUBEFED_NS });
    expect(leader.spec?.holderIdentity).toBe(first.identity);
    expect(manager!.registry.describe().find((c) => c.name === cluster)).toMatchObject({ syncMode: 'Pull', ready: true });
  });

  it('serves /healthz, /readyz and its metrics', async () => {
    expect(await httpGet(`http://127.0.0.1:${first.health}/healthz`)).toEqual({ status: 200, body: 'ok' });
    await expect.poll(async () => (await httpGet(`http://127.0.0.1:${first.health}/readyz`)).status, { timeout: 5_000 }).toBe(200);
    const metrics = (await httpGet(`http://127.0.0.1:${first.metrics}/metrics`)).body;
    expect(metrics).toMatch(/^kubefed_agent_heartbeats_total\{outcome="success"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^kubefed_agent_heartbeats_total\{outcome="error"\} 0$/m);
    expect(metrics).toMatch(/^kubefed_agent_leader 1$/m);
    expect(metrics).toContain(`kubefed_agent_info{cluster="${cluster}"`);
    expect(metrics).toContain('process_start_time_seconds');
  });

  it('stopped by pid, exits 0 releasing its leader Lease; the cluster turns NotReady only after the grace period', async () => {
    expect(await first.stop('SIGTERM')).toBe(0);
    const stoppedAt = Date.now();
    const leader = await leases(member2).readNamespacedLease({ name: 'kubefed-agent', namespace: KUBEFED_NS });
    expect(leader.spec?.holderIdentity).toBe('');
    await expect.poll(async () => readyOf(await kfc()), { timeout: GRACE_MS + 10_000, interval: 200 }).toBe('False');
    // The last renewal came at most one interval before the stop.
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(GRACE_MS - 1_000);
    const ready = (await kfc())!.status.conditions.find((c: Obj) => c.type === 'Ready');
    expect(ready.message).toContain(`was not renewed within the grace period of 4s`);
  });

  it('comes back while its status write is slow: the change waiting for it goes out, and nothing spins meanwhile', async () => {
    // Once, the registry showed the cluster ready before its status write was done but told the controllers
    // only after it: meanwhile the sync controller handed work to the executor, still "not ready", which
    // answered "not attempted" at once, and the object was reconciled again at once, on microtasks alone. No
    // timer or socket was served again, so the status write could never end it: the process froze.
    // Whatever happens here, no agent of this test outlives it (the next test starts its own).
    const before = agents.length;
    try {
      const third = await startAgent();
      await expect.poll(async () => readyOf(await kfc()), { timeout: 20_000 }).toBe('True');
      const fed = (plural: string, kind: string, name: string, spec: Obj) =>
        customObjects(host).createNamespacedCustomObject({
          group: 'types.kubefed.io', version: 'v1beta1', plural, namespace: workNamespace,
          body: { apiVersion: 'types.kubefed.io/v1beta1', kind, metadata: { name, namespace: workNamespace }, spec },
        });
      const placement = { clusters: [{ name: cluster }] };
      await fed('federatednamespaces', 'FederatedNamespace', workNamespace, { placement });
      await fed('federatedconfigmaps', 'FederatedConfigMap', 'waiting', { template: { data: { v: '1' } }, placement });
      const memberData = async () => (await getOrUndefined(member2.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'waiting', namespace: workNamespace })))?.data;
      await expect.poll(memberData, { timeout: 20_000 }).toEqual({ v: '1' });
      // Stopped by pid, so that it hands its leader Lease over and the next agent need not wait for it to expire.
      expect(await third.stop('SIGTERM')).toBe(0);
      await expect.poll(() => manager!.registry.get(cluster)?.ready, { timeout: GRACE_MS + 10_000, interval: 100 }).toBe(false);

      const statusWrites = holdClusterStatusWrites(manager!.registry, cluster);
      try {
        await startAgent();
        await expect.poll(() => manager!.registry.get(cluster)?.ready, { timeout: 20_000, interval: 50 }).toBe(true);
        // The new agent's first complete report: from then on the cluster's cache is fresh, and work is handed in.
        await sleep(1_500);
        await customObjects(host).patchNamespacedCustomObject({
          group: 'types.kubefed.io', version: 'v1beta1', plural: 'federatedconfigmaps', namespace: workNamespace, name: 'waiting',
          body: [{ op: 'replace', path: '/spec/template/data', value: { v: '2' } }],
        });
        // One second with the status write still held: timers keep firing, and this process is mostly idle.
        const cpuBefore = process.cpuUsage();
        const wallBefore = Date.now();
        await sleep(1_000);
        const wall = Date.now() - wallBefore;
        const cpu = process.cpuUsage(cpuBefore);
        expect(wall).toBeLessThan(1_500);
        // A spin takes a whole core; the sweeps of a cluster coming back, a fraction.
        expect((cpu.user + cpu.system) / 1000).toBeLessThan(700);
      } finally {
        statusWrites.release();
      }
      await expect.poll(memberData, { timeout: 20_000 }).toEqual({ v: '2' });
      await expect.poll(async () => readyOf(await kfc()), { timeout: 20_000 }).toBe('True');
      expect(await agents.at(-1)!.stop('SIGTERM')).toBe(0);
      await expect.poll(async () => readyOf(await kfc()), { timeout: GRACE_MS + 10_000, interval: 200 }).toBe('False');
    } finally {
      for (const agent of agents.slice(before)) await agent.stop('SIGTERM');
    }
  });

  it('a new agent brings the cluster back; killed with SIGKILL, it goes NotReady the same way', async () => {
    const second = await startAgent();
    await expect.poll(async () => readyOf(await kfc()), { timeout: 20_000 }).toBe('True');
    expect((await leases(host).readNamespacedLease({ name: HEARTBEAT_LEASE_NAME, namespace: hostNamespace })).spec?.holderIdentity).toBe(second.identity);
    await second.stop('SIGKILL');
    await expect.poll(async () => readyOf(await kfc()), { timeout: GRACE_MS + 10_000, interval: 200 }).toBe('False');
  });

  it('refuses a host kubeconfig that is not there, saying so', async () => {
    const main = path.join(repoRoot, 'dist', 'agent', 'main.js');
    const proc = startProcess(process.execPath, [main, '--cluster-name', cluster, '--host-kubeconfig', path.join(tmp, 'missing')], {}, { capture: 'agent-process' });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain(`kubefed-agent: cannot read --host-kubeconfig ${path.join(tmp, 'missing')}: ENOENT`);
  });
});

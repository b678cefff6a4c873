// Helpers for the fault-injection suites (test/integration/faults/): a federation of its own on a fresh
// ControlPlane, SIGKILL of one of its API servers, a controller-manager process (dist/main.js) against it,
// a writer that keeps retrying its changes through an outage, and exact readers of member state.
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import path from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { CORE_API_VERSION, CORE_GROUP, CORE_VERSION, KUBEFED_CONFIG_KIND, KUBEFED_CONFIG_NAME, KUBEFED_CONFIG_PLURAL } from '../../src/api/index.js';
import { canonicalJson } from '../../src/sync/render.js';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import type { RuntimeConfig } from '../../src/manager/config.js';
import type { Logger } from '../../src/util/log.js';
import { repoRoot } from './binaries.js';
import { ControlPlane, processRuns } from './control-plane.js';
import { testEnv } from './env.js';
import { createFed, federateNamespace, type Obj } from './fed-objects.js';
import {
  createDefaultTypeConfigs,
  customObjects,
  getOrUndefined,
  installCrds,
  joinMember,
  kubeConfigFromFile,
  KUBEFED_NS,
  sleep,
  startManager,
  waitUntil,
} from './federation.js';
import { harnessLogger } from './log-capture.js';
import { processLogLevel, startProcess, type RunningProcess } from './processes.js';

export interface OwnFederation {
  cp: ControlPlane;
  host: KubeConfig;
  member1: KubeConfig;
  member2: KubeConfig;
  /** A fresh KubeConfig for a cluster (its own kubeconfig file). */
  kc(cluster: string): KubeConfig;
}

/**
 * Starts a control plane of its own (host + 2 members, by default no kube-controller-managers), installs the
 * CRDs, joins the members (optionally labelled) and creates the default FederatedTypeConfigs. With `kubefedConfig`
 * the KubeFedConfig `kubefed` is created first with that spec (the API server defaults the rest).
 */
export async function startOwnFederation(
  options: {
    labels?: Record<string, Record<string, string>>;
    kubefedConfig?: Obj;
    /** Members to join with the test helper (default both); others are left for the test to join. */
    join?: string[];
    /** Run a kube-controller-manager per cluster (token Secrets for kubefedctl join). Default false. */
    controllerManagers?: boolean;
  } = {},
): Promise<OwnFederation> {
  const cp = await ControlPlane.start({ members: 2, binDir: testEnv().binDir, controllerManagers: options.controllerManagers ?? false });
  try {
    const kc = (cluster: string): KubeConfig => kubeConfigFromFile(cp.clusters.get(cluster)!.kubeconfigPath);
    const host = kc('host');
    await installCrds(cp.clusters.get('host')!.kubeconfigPath);
    for (const member of options.join ?? ['member1', 'member2']) {
      await joinMember(host, kc(member), member, { labels: options.labels?.[member] ?? {} });
    }
    await createDefaultTypeConfigs(host);
    if (options.kubefedConfig) {
      if (!(await getOrUndefined(host.makeApiClient(CoreV1Api).readNamespace({ name: KUBEFED_NS })))) {
        await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: KUBEFED_NS } } });
      }
      await customObjects(host).createNamespacedCustomObject({
        group: CORE_GROUP,
        version: CORE_VERSION,
        plural: KUBEFED_CONFIG_PLURAL,
        namespace: KUBEFED_NS,
        body: { apiVersion: CORE_API_VERSION, kind: KUBEFED_CONFIG_KIND, metadata: { name: KUBEFED_CONFIG_NAME, namespace: KUBEFED_NS }, spec: options.kubefedConfig },
      });
    }
    return { cp, host, member1: kc('member1'), member2: kc('member2'), kc };
  } catch (err) {
    await cp.stop();
    throw err;
  }
}

/** A KubeFedConfig spec with probes every second, for controller-manager processes (tests in-process use fastConfig). */
export const FAST_KUBEFED_CONFIG: Obj = {
  scope: 'Cluster',
  clusterHealthCheck: { period: '1s', timeout: '3s', failureThreshold: 2, successThreshold: 1 },
  syncController: { maxConcurrentReconciles: 8 },
};

/**
 * SIGKILLs one cluster's kube-apiserver (no graceful shutdown: open connections are reset, responses to
 * requests etcd already committed are lost) and waits until the process is gone. `cp.stopCluster` then only
 * forgets it, and `cp.startCluster` starts it again on the same port with the same data.
 */
export async function killApiServer(cp: ControlPlane, cluster: string): Promise<void> {
  const proc = cp.managedProcesses().find((p) => p.name === `kube-apiserver-${cluster}`);
  if (!proc) throw new Error(`no running kube-apiserver for ${cluster}`);
  process.kill(proc.pid, 'SIGKILL');
  await waitUntil(`kube-apiserver-${cluster} (pid ${proc.pid}) gone`, () => !processRuns(proc.pid, proc.binary), 10_000);
  await cp.stopCluster(cluster);
}

/**
 * SIGSTOPs one cluster's kube-apiserver, which mimics a hung node or a black-holed network: connections are
 * still accepted by the kernel but nothing is ever answered. Returns the SIGCONT, which is idempotent: call
 * it in a `finally`, so that a failing test never leaves a stopped server behind.
 */
export function pauseApiServer(cp: ControlPlane, cluster: string): () => void {
  const proc = cp.managedProcesses().find((p) => p.name === `kube-apiserver-${cluster}`);
  if (!proc || !processRuns(proc.pid, proc.binary)) throw new Error(`no running kube-apiserver for ${cluster}`);
  process.kill(proc.pid, 'SIGSTOP');
  let resumed = false;
  return () => {
    if (resumed) return;
    resumed = true;
    if (processRuns(proc.pid, proc.binary)) process.kill(proc.pid, 'SIGCONT');
  };
}

export type ControllerManagerProcess = RunningProcess & { healthPort: number; metricsPort: number };

/** Starts `node dist/main.js` against this control plane's host; resolves once it serves /healthz. */
export async function startControllerManagerFor(
  cp: ControlPlane,
  options: { args?: string[]; logLevel?: string } = {},
): Promise<ControllerManagerProcess> {
  const main = path.join(repoRoot, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error('dist/main.js missing: run `npm run build` (hack/test.sh does)');
  const proc = startProcess(
    process.execPath,
    [
      main,
      '--kubeconfig', cp.clusters.get('host')!.kubeconfigPath,
      '--kubefed-namespace', KUBEFED_NS,
      '--health-addr', '127.0.0.1:0',
      '--metrics-addr', '127.0.0.1:0',
      '--leader-elect', 'false',
      ...(options.args ?? []),
    ],
    { KUBEFED_LOG_LEVEL: options.logLevel ?? processLogLevel() },
    { capture: 'controller-manager-process' },
  );
  await waitUntil('controller-manager serving', () => proc.logs().some((l) => l.msg === 'serving health and metrics') || proc.child.exitCode !== null, 30_000);
  const line = proc.logs().find((l) => l.msg === 'serving health and metrics');
  if (!line) throw new Error(`controller-manager exited:\n${proc.output()}`);
  return Object.assign(proc, { healthPort: Number(line.health), metricsPort: Number(line.metrics) });
}

/** Waits until a controller-manager process has started its controllers. */
export async function waitForControllers(proc: RunningProcess, timeoutMs = 30_000): Promise<void> {
  await waitUntil('controller-manager started', () => proc.logs().some((l) => l.msg === 'controller-manager started') || proc.child.exitCode !== null, timeoutMs);
  if (proc.child.exitCode !== null) throw new Error(`controller-manager exited (${proc.child.exitCode}):\n${proc.output().slice(-4000)}`);
}

/** A namespace in the host federated to both members (a FederatedNamespace placed on both). */
/**
 * A controller-manager in this process on an own federation, once both members are ready and the configmaps
 * sync controller runs, with `ns` federated to both members: the starting point of the fault tests.
 */
export async function startFaultManager(
  fed: OwnFederation,
  ns: string,
  options: { log?: Logger; tweak?: (config: RuntimeConfig) => RuntimeConfig } = {},
): Promise<ControllerManager> {
  const manager = await startManager(fed.host, options);
  await waitUntil('both members ready', () => manager.registry.clusters().filter((c) => c.ready).length === 2);
  await waitUntil('configmaps type running', () => manager.typeConfigs.controllers().has('configmaps'), 30_000);
  await federateNamespace(fed.host, ns);
  return manager;
}

export interface MemberConfigMap {
  uid: string;
  data: Record<string, string> | undefined;
  labels: Record<string, string>;
}

/**
 * Every ConfigMap of a namespace in one cluster, managed or not (the control planes run no
 * kube-controller-manager, so nothing else creates ConfigMaps). Throws on a duplicated name, which a
 * correct API server never returns: the check guards the comparison itself.
 */
export async function configMapsIn(kc: KubeConfig, ns: string): Promise<Map<string, MemberConfigMap>> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: ns });
  const result = new Map<string, MemberConfigMap>();
  for (const cm of list.items) {
    const name = cm.metadata!.name!;
    if (name === 'kube-root-ca.crt') continue;
    if (result.has(name)) throw new Error(`ConfigMap ${ns}/${name} listed twice`);
    result.set(name, { uid: cm.metadata!.uid!, data: cm.data, labels: cm.metadata!.labels ?? {} });
  }
  return result;
}

/** name → data of the ConfigMaps in a namespace, sorted by name, with the managed label shown when it is not "true". */
export async function configMapState(kc: KubeConfig, ns: string): Promise<Record<string, unknown>> {
  const all = await configMapsIn(kc, ns);
  return Object.fromEntries(
    [...all.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, cm]) => [name, cm.labels['kubefed.io/managed'] === 'true' ? cm.data : { unmanaged: cm.labels['kubefed.io/managed'] ?? '(no label)', ...cm.data }]),
  );
}

/** The same shape as `configMapState` for the expected data. */
export function sortedRecord<T>(entries: Iterable<[string, T]>): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Fed objects of one plural in a namespace, by name. */
export async function listFed(host: KubeConfig, plural: string, ns: string): Promise<Map<string, Obj>> {
  const list = (await customObjects(host).listNamespacedCustomObject({ group: 'types.kubefed.io', version: 'v1beta1', plural, namespace: ns })) as Obj;
  return new Map((list.items as Obj[]).map((o) => [o.metadata.name as string, o]));
}

/** `name → "True"` or `"False/<reason> <cluster:status,...>"` for every fed object of a namespace. */
export async function propagationSummary(host: KubeConfig, plural: string, ns: string): Promise<Record<string, string>> {
  const all = await listFed(host, plural, ns);
  return sortedRecord(
    [...all.entries()].map(([name, fed]) => {
      const condition = (fed.status?.conditions ?? []).find((c: Obj) => c.type === 'Propagation');
      const clusters = ((fed.status?.clusters ?? []) as Obj[]).map((c) => (c.status ? `${c.name}:${c.status}` : c.name)).sort().join(',');
      const deleting = fed.metadata.deletionTimestamp ? ' (deleting)' : '';
      const state = condition?.status === 'True' ? `True ${clusters}` : `${condition?.status ?? 'none'}/${condition?.reason ?? ''} ${clusters}`;
      return [name, state + deleting] as [string, string];
    }),
  );
}

/**
 * Runs `op` until it succeeds, for a client that keeps trying through an outage of the API server; `op`
 * decides itself what an answer means after a lost response (see `createOnce`).
 */
export async function retrying(what: string, op: () => Promise<unknown>, timeoutMs = 90_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let attempts = 1; ; attempts++) {
    try {
      await op();
      return attempts;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: still failing after ${timeoutMs} ms: ${(err as Error).message}`);
      await sleep(200);
    }
  }
}

/**
 * Creates a fed object for a retrying client: AlreadyExists with the same template means an earlier attempt
 * was committed before the server died; a previous object of that name still being deleted (its finalizer
 * not yet released) means "try again".
 */
export async function createOnce(host: KubeConfig, plural: string, body: Obj): Promise<void> {
  try {
    await createFed(host, plural, body);
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    const existing = await customObjects(host).getNamespacedCustomObject({
      group: 'types.kubefed.io', version: 'v1beta1', plural, namespace: body.metadata.namespace, name: body.metadata.name,
    }) as Obj;
    if (existing.metadata.deletionTimestamp || canonicalJson(existing.spec?.template) !== canonicalJson(body.spec?.template)) {
      throw new Error(`${body.metadata.name}: an older object of that name is still there`);
    }
  }
}

/** Runs `work` over `items` with at most `limit` in flight. */
export async function inParallel<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

/** A KubeFedCluster's conditions as `type → status/reason`. */
export async function clusterConditions(host: KubeConfig, name: string): Promise<Record<string, string>> {
  const kfc = (await getOrUndefined(
    customObjects(host).getNamespacedCustomObject({ group: CORE_GROUP, version: CORE_VERSION, plural: 'kubefedclusters', namespace: KUBEFED_NS, name }),
  )) as Obj | undefined;
  return Object.fromEntries(((kfc?.status?.conditions ?? []) as Obj[]).map((c) => [c.type, `${c.status}/${c.reason}`]));
}

/**
 * A debug-level logger for an in-process controller-manager that keeps its last lines in memory, so that a
 * failing fault test can show what the controller did with the objects concerned (the run's own stderr
 * only gets warnings). Its lines go to the test log capture too.
 */
export function capturedLogger(maxLines = 100_000): { log: Logger; about(names: readonly string[]): string } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      if (lines.length > maxLines) lines.splice(0, lines.length - maxLines);
      done();
    },
  });
  return {
    log: harnessLogger('controller-manager', { tee: sink, console: false }),
    about: (names) =>
      lines
        .filter((l) => names.some((n) => l.includes(`"${n}"`)) || l.includes('"cluster readiness changed"') || l.includes('sync controller'))
        .slice(-300)
        .join('\n'),
  };
}

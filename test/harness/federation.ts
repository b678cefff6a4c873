// Test helpers that turn bare API servers into a federation: CRDs on the host, members joined with a
// real service-account token and CA, the default FederatedTypeConfigs, and a controller-manager running
// in the test process. Everything here talks to the real API servers.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, CustomObjectsApi, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import {
  CORE_API_VERSION,
  CORE_GROUP,
  CORE_VERSION,
  DEFAULT_KUBEFED_NAMESPACE,
  defaultFederatedTypeConfigs,
  KUBEFED_CLUSTER_KIND,
  KUBEFED_CLUSTER_PLURAL,
  FEDERATED_TYPE_CONFIG_PLURAL,
  type FeatureGateName,
} from '../../src/api/index.js';
import type { ClusterRegistry } from '../../src/cluster/registry.js';
import { RestClient } from '../../src/kube/rest-client.js';
import { ControllerManager } from '../../src/manager/controller-manager.js';
import type { RuntimeConfig } from '../../src/manager/config.js';
import type { Logger } from '../../src/util/log.js';
import { repoRoot, resolveBinDir } from './binaries.js';
import { harnessLogger, isCaptured, recordSecrets } from './log-capture.js';

const execFileAsync = promisify(execFile);

export const KUBEFED_NS = DEFAULT_KUBEFED_NAMESPACE;

export function kubeConfigFromFile(file: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  return kc;
}

const isConflict = (err: unknown): boolean => (err as { code?: number }).code === 409;
const isNotFound = (err: unknown): boolean => (err as { code?: number }).code === 404;

async function ignoreExists<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isConflict(err)) return undefined;
    throw err;
  }
}

/**
 * Installs (or updates) every CRD in crds/ (or the given files) with the real kubectl and waits until each
 * is Established. Not through client-node: its typed models drop `x-kubernetes-*` schema keys.
 */
export async function installCrds(kubeconfigPath: string, files: string[] = [path.join(repoRoot, 'crds')]): Promise<void> {
  const kubectl = path.join(resolveBinDir(['kubectl']), 'kubectl');
  const args = ['--kubeconfig', kubeconfigPath];
  for (const f of files) args.push('-f', f);
  await execFileAsync(kubectl, [...args.slice(0, 2), 'apply', '--server-side', '--force-conflicts', '--field-manager=kubefed-ts-tests', ...args.slice(2)]);
  await execFileAsync(kubectl, [...args.slice(0, 2), 'wait', '--for=condition=Established', '--timeout=60s', ...args.slice(2)]);
  await waitForCustomResourceStorage(kubeconfigPath);
}

/**
 * Established is not yet servable: right after a CRD is created (or its API server started) a list of its
 * objects can still answer 429 "storage is (re)initializing" while the watch cache fills. The controllers retry
 * that; a test's first direct request would fail. Waits until every CRD's objects can be listed.
 */
async function waitForCustomResourceStorage(kubeconfigPath: string, timeoutMs = 60_000): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const client = await RestClient.fromKubeConfig(kc, { name: 'crd-storage-wait' });
  type Crd = { spec: { group: string; names: { plural: string }; versions: Array<{ name: string; served: boolean }> } };
  try {
    const crds = await client.request<{ items: Crd[] }>('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions');
    const deadline = Date.now() + timeoutMs;
    for (const crd of crds.items) {
      const version = crd.spec.versions.find((v) => v.served)?.name;
      if (!version) continue;
      const list = `/apis/${crd.spec.group}/${version}/${crd.spec.names.plural}`;
      for (;;) {
        try {
          // Served from the watch cache, as a test's plain list is (a list with a limit and no selector would go
          // to etcd and succeed while the cache still refuses); a selector nothing matches keeps the answer small.
          await client.request('GET', list, { query: { labelSelector: 'kubefed-ts.io/storage-probe=none' } });
          break;
        } catch (err) {
          // Only "not ready yet" is waited out: a CRD on its way out (404) is none of this wait's business.
          if ((err as { code?: number }).code !== 429) break;
          if (Date.now() > deadline) throw err;
          await sleep(200);
        }
      }
    }
  } finally {
    client.close();
  }
}

/**
 * Registers a member with the host as `kubefedctl join` would: a service account with cluster-admin in
 * the member, a token for it (TokenRequest), and on the host the token Secret and a KubeFedCluster with
 * the member's endpoint and CA.
 */
export async function joinMember(
  host: KubeConfig,
  member: KubeConfig,
  name: string,
  options: { labels?: Record<string, string>; namespace?: string } = {},
): Promise<void> {
  const namespace = options.namespace ?? KUBEFED_NS;
  const memberCore = member.makeApiClient(CoreV1Api);
  const memberRbac = member.makeApiClient(RbacAuthorizationV1Api);
  const sa = `kubefed-ts-${name}`;
  await ignoreExists(memberCore.createNamespace({ body: { metadata: { name: namespace } } }));
  await ignoreExists(memberCore.createNamespacedServiceAccount({ namespace, body: { metadata: { name: sa } } }));
  await ignoreExists(
    memberRbac.createClusterRoleBinding({
      body: {
        // Named after the namespace too: a binding of the same cluster name joined elsewhere binds another subject.
        metadata: { name: namespace === KUBEFED_NS ? `kubefed-ts-${name}` : `kubefed-ts-${namespace}-${name}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: sa, namespace }],
      },
    }),
  );
  const tokenRequest = await memberCore.createNamespacedServiceAccountToken({
    name: sa,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 24 * 3600 } },
  });
  const token = tokenRequest.status!.token;
  recordSecrets([{ kind: 'token', source: `joinMember ${name}`, value: token }]);
  const hostCore = host.makeApiClient(CoreV1Api);
  await ignoreExists(hostCore.createNamespace({ body: { metadata: { name: namespace } } }));
  const secretName = `${name}-token`;
  const secret = { metadata: { name: secretName, namespace }, stringData: { token } };
  try {
    await hostCore.createNamespacedSecret({ namespace, body: secret });
  } catch (err) {
    if (!isConflict(err)) throw err;
    await hostCore.replaceNamespacedSecret({ name: secretName, namespace, body: secret });
  }
  const cluster = member.getCurrentCluster()!;
  const kfc = {
    apiVersion: CORE_API_VERSION,
    kind: KUBEFED_CLUSTER_KIND,
    metadata: { name, namespace, labels: options.labels ?? {} },
    spec: { apiEndpoint: cluster.server, caBundle: cluster.caData, secretRef: { name: secretName } },
  };
  const custom = host.makeApiClient(CustomObjectsApi);
  try {
    await custom.createNamespacedCustomObject({ group: CORE_GROUP, version: CORE_VERSION, namespace, plural: KUBEFED_CLUSTER_PLURAL, body: kfc });
  } catch (err) {
    if (!isConflict(err)) throw err;
    await custom.patchNamespacedCustomObject(
      { group: CORE_GROUP, version: CORE_VERSION, namespace, plural: KUBEFED_CLUSTER_PLURAL, name, body: [{ op: 'replace', path: '/spec', value: kfc.spec }, { op: 'replace', path: '/metadata/labels', value: kfc.metadata.labels }] },
    );
  }
}

/** Creates the default FederatedTypeConfigs (namespaces, configmaps, deployments…), keeping existing ones. */
export async function createDefaultTypeConfigs(host: KubeConfig, namespace = KUBEFED_NS): Promise<void> {
  const custom = host.makeApiClient(CustomObjectsApi);
  for (const ftc of defaultFederatedTypeConfigs(namespace)) {
    await ignoreExists(
      custom.createNamespacedCustomObject({ group: CORE_GROUP, version: CORE_VERSION, namespace, plural: FEDERATED_TYPE_CONFIG_PLURAL, body: ftc }),
    );
  }
}

/** Fast timings for tests: probe every 500 ms, flip after 2 failures. */
export function fastConfig(config: RuntimeConfig): RuntimeConfig {
  return {
    ...config,
    health: { ...config.health, periodMs: 500, timeoutMs: 2000, failureThreshold: 2, successThreshold: 1 },
    syncWorkers: Math.max(config.syncWorkers, 8),
  };
}

/** What a test may change in the controller-manager it starts. */
export interface ManagerOptions {
  /** Must come from `harnessLogger`, so that no manager's lines escape the credential scan. */
  log?: Logger;
  /** Gates set over what the KubeFedConfig says (e.g. `{ PropagatedVersions: true }`). */
  featureGates?: Partial<Record<FeatureGateName, boolean>>;
  /** Any other change to the runtime config, applied last. */
  tweak?: (config: RuntimeConfig) => RuntimeConfig;
}

/**
 * An in-process controller-manager logging at debug level into the test log capture (warnings to stderr);
 * a `log` of the caller's must come from `harnessLogger` too, so that no manager's lines escape the
 * credential scan.
 */
export async function startManager(host: KubeConfig, options: ManagerOptions = {}): Promise<ControllerManager> {
  if (options.log && !isCaptured(options.log)) throw new Error('startManager: make the log with harnessLogger (test/harness/log-capture.ts) so that it is captured');
  const withGates = (config: RuntimeConfig): RuntimeConfig =>
    options.featureGates ? { ...config, featureGates: { ...config.featureGates, ...options.featureGates } } : config;
  return ControllerManager.start({
    hostKubeConfig: host,
    namespace: KUBEFED_NS,
    log: options.log ?? harnessLogger('controller-manager'),
    tweakConfig: (config) => {
      const tested = withGates(fastConfig(config));
      return options.tweak ? options.tweak(tested) : tested;
    },
  });
}

/**
 * Runs `intercept` before each of the registry's KubeFedCluster status writes of `cluster` (it may wait, or throw
 * to fail the write); returns the function that puts the registry's client back as it was.
 */
function interceptClusterStatusWrites(registry: ClusterRegistry, cluster: string, intercept: () => Promise<void>): () => void {
  const client = (registry as unknown as { options: { host: RestClient } }).options.host;
  const original = client.mergePatch;
  client.mergePatch = async function (this: RestClient, ...args: Parameters<RestClient['mergePatch']>) {
    if (args[0].plural === 'kubefedclusters' && args[1] === cluster) await intercept();
    return original.apply(this, args);
  } as RestClient['mergePatch'];
  return () => (client.mergePatch = original);
}

/**
 * Holds the registry's KubeFedCluster status writes for `cluster` (a slow host, as far as those writes go) until
 * `release()`, which also puts the registry's client back as it was. `held()` counts the writes that waited.
 */
export function holdClusterStatusWrites(registry: ClusterRegistry, cluster: string): { held: () => number; release: () => void } {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let held = 0;
  const restore = interceptClusterStatusWrites(registry, cluster, async () => {
    held++;
    await gate;
  });
  return {
    held: () => held,
    release: () => {
      restore();
      open();
    },
  };
}

/**
 * Makes the registry's next `times` status writes of `cluster`'s KubeFedCluster fail (as a host answering 500
 * would); returns how many have failed so far, and `restore`.
 */
export function failClusterStatusWrites(registry: ClusterRegistry, cluster: string, times: number): { failed: () => number; restore: () => void } {
  let failed = 0;
  const restore = interceptClusterStatusWrites(registry, cluster, async () => {
    if (failed >= times) return;
    failed++;
    throw Object.assign(new Error('injected: the host answered 500'), { code: 500 });
  });
  return { failed: () => failed, restore };
}

/** A generic reader for any custom object on a cluster. */
export function customObjects(kc: KubeConfig): CustomObjectsApi {
  return kc.makeApiClient(CustomObjectsApi);
}

export async function getOrUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns true (for hooks, where expect.poll is not available). */
export async function waitUntil(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** CRDs on the host, the given members joined (with labels), and the default FederatedTypeConfigs. */
export async function prepareFederation(
  host: KubeConfig,
  hostKubeconfigPath: string,
  members: ReadonlyArray<{ name: string; kc: KubeConfig; labels?: Record<string, string> }>,
): Promise<void> {
  await installCrds(hostKubeconfigPath);
  for (const m of members) await joinMember(host, m.kc, m.name, m.labels ? { labels: m.labels } : {});
  await createDefaultTypeConfigs(host);
}

/**
 * An in-process controller-manager, returned once `readyMembers` clusters are ready and every default type
 * runs; stopped again if that does not happen within `timeoutMs`, so that a failed start leaves no manager behind.
 */
export async function startReadyManager(
  host: KubeConfig,
  readyMembers: number,
  options: ManagerOptions & { timeoutMs?: number } = {},
): Promise<ControllerManager> {
  const { timeoutMs = 30_000, ...managerOptions } = options;
  const manager = await startManager(host, managerOptions);
  try {
    await waitUntil(`${readyMembers} members ready`, () => manager.registry.clusters().filter((c) => c.ready).length >= readyMembers, timeoutMs);
    await waitUntil('default types running', () => manager.typeConfigs.controllers().size >= defaultFederatedTypeConfigs(KUBEFED_NS).length, timeoutMs);
  } catch (err) {
    await manager.stop();
    throw err;
  }
  return manager;
}

/**
 * Waits until no namespace of the cluster is being deleted: the namespace controller's cleanup of an earlier
 * file's namespaces (its DELETEs of everything inside) would otherwise show in a count of this file's writes.
 */
export async function waitForNamespacesSettled(kc: KubeConfig, timeoutMs = 60_000): Promise<void> {
  await waitUntil('no namespace terminating', async () => {
    const list = await kc.makeApiClient(CoreV1Api).listNamespace();
    return list.items.every((n) => n.metadata?.deletionTimestamp === undefined || n.metadata.deletionTimestamp === null);
  }, timeoutMs);
}

// A federation for one benchmark: its own ControlPlane (one etcd, a host and N member kube-apiservers, no
// kube-controller-managers), CRDs, joined members, the FederatedTypeConfigs it needs, admin clients for the
// benchmark's own reads and writes, and (optionally) the controller-manager running in this process.
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { defaultFederatedTypeConfigs, EnablementMode, NAMESPACES_FTC_NAME, TYPES_API_VERSION } from '../../src/api/index.js';
import { isAlreadyExists } from '../../src/kube/errors.js';
import { Informer } from '../../src/kube/informer.js';
import { RestClient } from '../../src/kube/rest-client.js';
import { CoreTypes, type KubeObject, type ResourceType } from '../../src/kube/types.js';
import { run as runKubefedctl } from '../../src/kubefedctl/cli.js';
import { ControllerManager } from '../../src/manager/controller-manager.js';
import type { RuntimeConfig } from '../../src/manager/config.js';
import { Metrics } from '../../src/metrics/metrics.js';
import { FederatedTypeConfigType } from '../../src/typeconfig/controller.js';
import { createLogger, silentLogger } from '../../src/util/log.js';
import { ControlPlane } from '../harness/control-plane.js';
import { installCrds, joinMember, KUBEFED_NS, kubeConfigFromFile } from '../harness/federation.js';
import { writeRequests, writesBetween } from '../harness/fed-objects.js';
import { CpuMeter, waitFor } from './lib.js';
import { fedTypeOf, type BenchKind } from './objects.js';

export interface BenchFederationOptions {
  members: number;
  binDir: string;
  /** FederatedTypeConfigs to create besides `namespaces` (which is always Enabled). */
  kinds: BenchKind[];
  /** Whether those start Enabled; Disabled lets a benchmark start their sync controller at a moment it chooses. */
  enabled: boolean;
  log: (message: string) => void;
  /** CRD files for the host (default: kubefed-ts's crds/; KubeFed's own chart CRDs to run KubeFed). */
  crds?: string[];
  /** Extra kube-apiserver flags for the members (ControlPlaneOptions.memberApiServerArgs). */
  memberApiServerArgs?: string[];
  /**
   * How the members are joined: `push` (default) as KubeFed does, or `pull` by `kubefedctl join --mode pull`,
   * which writes each member's agent host kubeconfig (`agentKubeconfigs`); the benchmark starts the agents.
   */
  syncMode?: 'push' | 'pull';
  /**
   * A kube-controller-manager per cluster (ControlPlaneOptions.controllerManagers; default none): pull-mode join
   * waits for the host's token controller to fill in the agent's token Secret.
   */
  controllerManagers?: boolean;
}

/**
 * Every resource a federation write can touch, for `writeRequests`. Leases are left out: every API server
 * renews its own identity Lease, and the controller-manager's leader election is counted on its side.
 */
export const FEDERATION_RESOURCES = [
  'configmaps',
  'deployments',
  'namespaces',
  'events',
  'federatedconfigmaps',
  'federateddeployments',
  'federatednamespaces',
  'federatedsecrets',
  'federatedreplicasets',
  'federatedtypeconfigs',
  'kubefedclusters',
  'kubefedconfigs',
  'secrets',
] as const;

/**
 * The configuration the benchmarks run the controller-manager with: the KubeFedConfig's defaults (16 sync
 * workers), except that members are probed every second so they are ready soon after a start.
 */
export function benchConfig(config: RuntimeConfig): RuntimeConfig {
  return { ...config, health: { ...config.health, periodMs: 1000, timeoutMs: 5000 } };
}

export class BenchFederation {
  readonly memberNames: string[];
  readonly host: RestClient;
  readonly members = new Map<string, RestClient>();
  readonly hostKc: KubeConfig;
  readonly memberKcs = new Map<string, KubeConfig>();
  /** Pull mode: the host kubeconfig join wrote for each member's agent. */
  readonly agentKubeconfigs = new Map<string, string>();
  kubernetesVersion = 'unknown';
  manager: ControllerManager | undefined;
  metrics: Metrics | undefined;
  readonly cpu: CpuMeter;

  private constructor(
    readonly cp: ControlPlane,
    host: RestClient,
    private readonly log: (message: string) => void,
  ) {
    this.host = host;
    this.memberNames = cp.clusterNames().filter((n) => n !== 'host');
    this.hostKc = kubeConfigFromFile(cp.clusters.get('host')!.kubeconfigPath);
    for (const name of this.memberNames) this.memberKcs.set(name, kubeConfigFromFile(cp.clusters.get(name)!.kubeconfigPath));
    this.cpu = new CpuMeter(() => cp.managedProcesses().map((p) => ({ name: p.name, pid: p.pid })));
  }

  /** Starts the control plane and turns it into a federation; stops what it started when that fails. */
  static async start(options: BenchFederationOptions): Promise<BenchFederation> {
    const started = Date.now();
    const cp = await ControlPlane.start({
      members: options.members,
      binDir: options.binDir,
      controllerManagers: options.controllerManagers ?? false,
      ...(options.memberApiServerArgs ? { memberApiServerArgs: options.memberApiServerArgs } : {}),
    });
    let fed: BenchFederation | undefined;
    try {
      const host = await RestClient.fromKubeConfig(kubeConfigFromFile(cp.clusters.get('host')!.kubeconfigPath), { name: 'host', userAgent: 'kubefed-ts-bench' });
      fed = new BenchFederation(cp, host, options.log);
      options.log(`control plane with ${options.members} members up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      for (const [name, kc] of fed.memberKcs) {
        fed.members.set(name, await RestClient.fromKubeConfig(kc, { name, userAgent: 'kubefed-ts-bench' }));
      }
      fed.kubernetesVersion = (await host.request<{ gitVersion?: string }>('GET', '/version')).gitVersion ?? 'unknown';
      await installCrds(cp.clusters.get('host')!.kubeconfigPath, options.crds);
      for (const name of fed.memberNames) {
        if (options.syncMode === 'pull') await fed.joinPull(name);
        else await joinMember(fed.hostKc, fed.memberKcs.get(name)!, name);
      }
      await fed.createTypeConfigs(options.kinds, options.enabled);
      options.log(`federation ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${fed.kubernetesVersion})`);
      return fed;
    } catch (err) {
      await (fed ? fed.stop() : cp.stop());
      throw err;
    }
  }

  /** `kubefedctl join NAME --mode pull`, as an administrator runs it, through the control plane's combined kubeconfig. */
  private async joinPull(name: string): Promise<void> {
    const file = path.join(this.cp.dir, `agent-${name}.kubeconfig`);
    let output = '';
    const io = { stdout: { write: (s: string) => (output += s) }, stderr: { write: (s: string) => (output += s) } };
    const code = await runKubefedctl(['--kubeconfig', this.cp.kubeconfigPath, '--host-cluster-context', 'host', 'join', name, '--mode', 'pull', '--cluster-context', name, '--agent-kubeconfig-out', file], io);
    if (code !== 0) throw new Error(`kubefedctl join ${name} --mode pull exited ${code}: ${output}`);
    this.agentKubeconfigs.set(name, file);
  }

  private async createTypeConfigs(kinds: BenchKind[], enabled: boolean): Promise<void> {
    const wanted = new Set<string>([NAMESPACES_FTC_NAME, ...kinds.map((k) => fedTypeOf(k).ftc)]);
    for (const ftc of defaultFederatedTypeConfigs(KUBEFED_NS)) {
      const name = ftc.metadata.name ?? '';
      if (!wanted.has(name)) continue;
      const propagation = name === NAMESPACES_FTC_NAME || enabled ? EnablementMode.Enabled : EnablementMode.Disabled;
      try {
        await this.host.create(FederatedTypeConfigType, { ...ftc, spec: { ...ftc.spec, propagation } } as unknown as KubeObject, 'kubefed-ts-bench');
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
    }
  }

  /**
   * Credentials for the controller-manager on the host as a deployment has them: a ServiceAccount token (the
   * chart's pod identity), not the admin client certificate, whose chain the API server verifies on every
   * request while a token's verification is cached.
   */
  async controllerKubeConfig(): Promise<KubeConfig> {
    // Made once: a restart of the controller (the idle benchmark) must not add the benchmark's writes.
    this.controllerKc ??= await this.makeControllerKubeConfig();
    return this.controllerKc;
  }

  private controllerKc: KubeConfig | undefined;

  private async makeControllerKubeConfig(): Promise<KubeConfig> {
    const sa = 'kubefed-ts-controller-manager';
    const ignoreExists = (err: unknown): void => {
      if (!isAlreadyExists(err)) throw err;
    };
    const sas: ResourceType = { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true };
    const bindings: ResourceType = { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false };
    await this.ensureNamespace(this.host, KUBEFED_NS);
    await this.host.create(sas, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: KUBEFED_NS } }, 'kubefed-ts-bench').catch(ignoreExists);
    await this.host
      .create(bindings, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: sa },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name: sa, namespace: KUBEFED_NS }],
      } as KubeObject, 'kubefed-ts-bench')
      .catch(ignoreExists);
    const request = await this.host.request<{ status?: { token?: string } }>('POST', `/api/v1/namespaces/${KUBEFED_NS}/serviceaccounts/${sa}/token`, {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 24 * 3600 } },
    });
    const cluster = this.hostKc.getCurrentCluster()!;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [cluster],
      users: [{ name: sa, token: request.status?.token ?? '' }],
      contexts: [{ name: 'controller', cluster: cluster.name, user: sa }],
      currentContext: 'controller',
    });
    return kc;
  }

  /** Starts the controller-manager in this process, with metrics, and waits until every member is ready. */
  async startManager(): Promise<ControllerManager> {
    this.metrics = new Metrics({ processMetrics: false });
    this.manager = await ControllerManager.start({
      hostKubeConfig: await this.controllerKubeConfig(),
      namespace: KUBEFED_NS,
      log: createLogger({ level: process.env.KUBEFED_BENCH_LOG_LEVEL ?? 'warn' }),
      tweakConfig: benchConfig,
      metrics: this.metrics,
    });
    const manager = this.manager;
    await waitFor('every member ready', () => manager.registry.clusters().filter((c) => c.ready).length === this.memberNames.length, 60_000);
    await waitFor('the namespaces sync controller', () => manager.typeConfigs.controllers().has(NAMESPACES_FTC_NAME), 60_000);
    return manager;
  }

  async stopManager(): Promise<void> {
    const manager = this.manager;
    this.manager = undefined;
    await manager?.stop();
  }

  /** Enables or disables a FederatedTypeConfig, which starts or stops its sync controller. */
  async setPropagation(kind: BenchKind, enabled: boolean): Promise<void> {
    await this.host.mergePatch(FederatedTypeConfigType, fedTypeOf(kind).ftc, KUBEFED_NS, {
      spec: { propagation: enabled ? EnablementMode.Enabled : EnablementMode.Disabled },
    });
  }

  /** Creates a namespace in the host and federates it to every member; resolves once every member has it. */
  async federateNamespace(namespace: string): Promise<void> {
    await this.ensureNamespace(this.host, namespace);
    try {
      await this.host.create(fedTypeOf('namespace').federated, {
        apiVersion: TYPES_API_VERSION,
        kind: 'FederatedNamespace',
        metadata: { name: namespace, namespace },
        spec: { placement: { clusters: this.memberNames.map((name) => ({ name })) } },
      }, 'kubefed-ts-bench');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    for (const client of this.members.values()) {
      await waitFor(`namespace ${namespace} in ${client.name}`, async () => {
        try {
          await client.get(CoreTypes.namespace, namespace);
          return true;
        } catch {
          return false;
        }
      }, 60_000, 100);
    }
  }

  async ensureNamespace(client: RestClient, namespace: string): Promise<void> {
    try {
      await client.create(CoreTypes.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }, 'kubefed-ts-bench');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  /** Write requests each API server has served so far, per `resource[/subresource] VERB` (see writeRequests). */
  async writeCounts(): Promise<Record<string, Record<string, number>>> {
    const out: Record<string, Record<string, number>> = { host: await writeRequests(this.hostKc, FEDERATION_RESOURCES) };
    for (const [name, kc] of this.memberKcs) out[name] = await writeRequests(kc, FEDERATION_RESOURCES);
    return out;
  }

  /** What grew between two `writeCounts`, per cluster; clusters with no writes are left out. */
  static writesBetween(before: Record<string, Record<string, number>>, after: Record<string, Record<string, number>>): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [cluster, counts] of Object.entries(after)) {
      const grown = writesBetween(before[cluster] ?? {}, counts);
      if (Object.keys(grown).length > 0) out[cluster] = grown;
    }
    return out;
  }

  /** A started (and synced) informer on `client`, for the benchmark's own observation. */
  async watch<T extends KubeObject = KubeObject>(client: RestClient, type: ResourceType, namespace?: string, labelSelector?: string): Promise<Informer<T>> {
    const informer = new Informer<T>(client, type, { namespace, labelSelector, log: silentLogger, watchTimeoutSeconds: 1800 });
    informer.start();
    await informer.waitForSync();
    return informer;
  }

  async stop(): Promise<void> {
    try {
      await this.stopManager();
    } finally {
      this.host.close();
      for (const client of this.members.values()) client.close();
      await this.cp.stop();
      this.log(`control plane with ${this.memberNames.length} members stopped`);
    }
  }
}

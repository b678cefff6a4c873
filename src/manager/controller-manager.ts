// The controller-manager: connects to the host cluster, reads the KubeFedConfig, and runs the cluster
// registry and the FederatedTypeConfig controller (which runs one sync controller per enabled type).
// `stop()` drains in-flight work before it returns, for a graceful SIGTERM.
import type { KubeConfig } from '@kubernetes/client-node';
import { FeatureGateName } from '../api/index.js';
import { ClusterRegistry } from '../cluster/registry.js';
import { EventRecorder } from '../kube/events.js';
import { Executors } from '../execution/executors.js';
import { InformerCache } from '../kube/informer-cache.js';
import { MemberCaches } from '../members/member-caches.js';
import { PullHub } from '../pull/hub.js';
import { RestClient } from '../kube/rest-client.js';
import type { Metrics } from '../metrics/metrics.js';
import { RspController } from '../scheduling/controller.js';
import { TypeConfigController } from '../typeconfig/controller.js';
import type { Logger } from '../util/log.js';
import { loadKubeFedConfig, logKubeFedConfig, type RuntimeConfig } from './config.js';

export interface ControllerManagerOptions {
  hostKubeConfig: KubeConfig;
  namespace: string;
  /** A KubeFedConfig YAML file instead of the object in the host (KubeFed's --kubefed-config). */
  configFile?: string | undefined;
  log: Logger;
  /** An already loaded configuration (the entry point loads it before leader election). */
  config?: RuntimeConfig;
  /** Adjusts the loaded configuration, e.g. faster health checks in tests. */
  tweakConfig?: (config: RuntimeConfig) => RuntimeConfig;
  metrics?: Metrics;
}

export class ControllerManager {
  private constructor(
    readonly config: RuntimeConfig,
    readonly host: RestClient,
    readonly registry: ClusterRegistry,
    readonly typeConfigs: TypeConfigController,
    readonly scheduler: RspController | undefined,
    /** Shared informers; the status page reads its own caches from here. */
    readonly informers: InformerCache,
    private readonly memberCaches: MemberCaches,
    readonly executors: Executors,
    private readonly pull: PullHub,
    private readonly log: Logger,
    private readonly stopCountingObjects: (() => void) | undefined,
  ) {}

  static async start(options: ControllerManagerOptions): Promise<ControllerManager> {
    const log = options.log;
    const requests = options.metrics?.requestObserver();
    const host = await RestClient.fromKubeConfig(options.hostKubeConfig, {
      name: 'host',
      userAgent: 'kubefed-ts/controller-manager',
      ...(requests ? { observer: requests } : {}),
    });
    let config = options.config;
    if (!config) {
      config = await loadKubeFedConfig(host, options.namespace, options.configFile);
      logKubeFedConfig(log, options.namespace, config);
    }
    if (options.tweakConfig) config = options.tweakConfig(config);

    const informers = new InformerCache();
    const registry = new ClusterRegistry({
      host,
      namespace: options.namespace,
      health: config.health,
      log,
      ...(requests ? { observer: requests } : {}),
      ...(options.metrics ? { onProbe: (cluster: string, ready: boolean) => options.metrics!.clusterReady(cluster, ready) } : {}),
    });
    // These subscribe to the registry before any controller does: caches and executors follow cluster changes first.
    const targetNamespace = config.scope === 'Namespaced' ? options.namespace : undefined;
    // Pull clusters: work published into their host namespaces, member caches filled from their agents' reports.
    const observer = options.metrics?.executorObserver();
    const pull = new PullHub({ host, registry, log, targetNamespace, observer });
    const memberCaches = new MemberCaches({ registry, targetNamespace, log, reported: pull });
    const executors = new Executors({ registry, log, observer, pullExecutor: (cluster) => pull.executor(cluster) });
    const events = new EventRecorder(host, 'kubefed-ts', log.child({ component: 'events' }));
    const typeConfigs = new TypeConfigController({
      host,
      registry,
      informers,
      memberCaches,
      executors,
      events,
      log,
      kubefedNamespace: options.namespace,
      scope: config.scope,
      adoptResources: config.adoptResources,
      workersPerType: config.syncWorkers,
      statusCollectionForAll: config.featureGates[FeatureGateName.RawResourceStatusCollection] === true,
      propagatedVersions: config.featureGates[FeatureGateName.PropagatedVersions] === true,
      metrics: options.metrics?.syncMetrics(),
    });
    const scheduler = config.featureGates[FeatureGateName.SchedulerPreferences] !== false
      ? new RspController({
          host,
          registry,
          informers,
          memberCaches,
          events,
          log,
          targetNamespace: config.scope === 'Namespaced' ? options.namespace : undefined,
          metrics: options.metrics?.syncMetrics(),
        })
      : undefined;
    await registry.start();
    await typeConfigs.start();
    if (scheduler) log.info('Starting scheduling manager');
    await scheduler?.start();
    const stopCountingObjects = options.metrics?.countFederatedObjects(() => typeConfigs.federatedObjectSources());
    log.info({ clusters: registry.clusters().map((c) => `${c.name}${c.ready ? '' : ' (not ready)'}`) }, 'controller-manager started');
    return new ControllerManager(config, host, registry, typeConfigs, scheduler, informers, memberCaches, executors, pull, log, stopCountingObjects);
  }

  /** Stops taking new work, waits for reconciles in flight, then closes every watch and connection. */
  async stop(): Promise<void> {
    this.stopCountingObjects?.();
    await this.scheduler?.stop();
    await this.typeConfigs.stop();
    await this.executors.stop();
    await this.memberCaches.stop();
    await this.pull.stop();
    await this.registry.stop();
    await this.informers.stopAll();
    this.host.close();
    this.log.info('controller-manager stopped');
  }
}

// The FederatedTypeConfig controller: runs one sync controller per FTC with `propagation: Enabled`, stops
// it when the FTC is disabled or deleted, restarts it when the FTC's spec changes, and reports
// `status.propagationController` and `observedGeneration`. Namespaced types wait for the `namespaces`
// FTC, whose FederatedNamespaces restrict where their objects may go.
import {
  ControllerStatus,
  CORE_GROUP,
  CORE_VERSION,
  EnablementMode,
  FEDERATED_TYPE_CONFIG_KIND,
  FEDERATED_TYPE_CONFIG_PLURAL,
  isNamespaceTypeConfig,
  NAMESPACES_FTC_NAME,
  setFederatedTypeConfigDefaults,
  type FederatedTypeConfig,
} from '../api/index.js';
import type { ClusterRegistry } from '../cluster/registry.js';
import { errorMessage, isNotFound } from '../kube/errors.js';
import type { EventSink } from '../kube/events.js';
import { Informer } from '../kube/informer.js';
import type { InformerCache, InformerLease } from '../kube/informer-cache.js';
import { resourcePath, type RestClient } from '../kube/rest-client.js';
import { CoreTypes, type KubeObject, type ResourceType } from '../kube/types.js';
import { WorkQueue } from '../queue/work-queue.js';
import type { SyncMetrics } from '../metrics/metrics.js';
import { SyncController, type FederatedTypeSpec, type NamespaceFederation } from '../sync/controller.js';
import { selectClusters } from '../sync/placement.js';
import type { Logger } from '../util/log.js';

export const FederatedTypeConfigType: ResourceType = {
  group: CORE_GROUP,
  version: CORE_VERSION,
  plural: FEDERATED_TYPE_CONFIG_PLURAL,
  kind: FEDERATED_TYPE_CONFIG_KIND,
  namespaced: true,
};

export interface TypeConfigControllerOptions {
  host: RestClient;
  registry: ClusterRegistry;
  informers: InformerCache;
  events: EventSink;
  log: Logger;
  kubefedNamespace: string;
  scope: 'Cluster' | 'Namespaced';
  adoptResources: boolean;
  workersPerType: number;
  /** RawResourceStatusCollection feature gate: remote status for every type. */
  statusCollectionForAll: boolean;
  metrics?: SyncMetrics | undefined;
}

interface Running {
  controller: SyncController;
  generation: number | undefined;
}

/** How long to wait before retrying an FTC that cannot run yet (missing CRD, missing namespaces FTC). */
const RETRY_MS = 5_000;

export class TypeConfigController {
  private readonly log: Logger;
  private readonly informer: Informer<FederatedTypeConfig & KubeObject>;
  private readonly queue: WorkQueue;
  private readonly running = new Map<string, Running>();
  private namespaceFederation: (NamespaceFederation & { close(): Promise<void> }) | undefined;
  private hostNamespaces: InformerLease | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: TypeConfigControllerOptions) {
    this.log = options.log.child({ controller: 'federatedtypeconfig' });
    this.queue = new WorkQueue(options.metrics ? { observer: options.metrics.queue('federatedtypeconfig') } : {});
    this.informer = new Informer(options.host, FederatedTypeConfigType, { namespace: options.kubefedNamespace, log: this.log });
  }

  async start(): Promise<void> {
    // Lifecycle lines in KubeFed's words, which its users look for.
    this.log.info('Starting FederatedTypeConfig controller');
    this.informer.start();
    await this.informer.waitForSync();
    // Subscribed after the initial list, so that the first round is queued in the order chosen below.
    this.informer.on(({ object }) => {
      const name = object.metadata?.name ?? '';
      this.queue.add(name);
      // Namespaced types depend on the namespaces FTC: re-evaluate them all when it changes.
      if (name === NAMESPACES_FTC_NAME) for (const ftc of this.informer.list()) this.queue.add(ftc.metadata?.name ?? '');
    });
    // The namespaces type first: every namespaced type waits for it.
    const names = this.informer.list().map((ftc) => ftc.metadata?.name ?? '');
    for (const name of [...names.filter((n) => n === NAMESPACES_FTC_NAME), ...names.filter((n) => n !== NAMESPACES_FTC_NAME)]) this.queue.add(name);
    this.loop = this.queue.run(1, (name) => this.reconcile(name));
  }

  async stop(): Promise<void> {
    await this.queue.shutdown({ drain: true });
    await this.loop;
    await Promise.all([...this.running.keys()].map((name) => this.stopController(name)));
    await this.namespaceFederation?.close();
    await this.hostNamespaces?.release();
    await this.informer.stop();
  }

  /** The running sync controllers, by FTC name. */
  controllers(): Map<string, SyncController> {
    return new Map([...this.running].map(([name, r]) => [name, r.controller]));
  }

  private async reconcile(name: string): Promise<{ requeueAfterMs?: number } | void> {
    const cached = this.informer.get(`${this.options.kubefedNamespace}/${name}`);
    const log = this.log.child({ name });
    if (!cached || cached.metadata?.deletionTimestamp) {
      await this.stopController(name);
      return;
    }
    const ftc = setFederatedTypeConfigDefaults(cached);
    const generation = ftc.metadata.generation;
    const spec = typeSpecOf(ftc, this.options.statusCollectionForAll);
    const namespaced = spec.target.namespaced && !spec.isNamespace;

    let shouldRun = ftc.spec.propagation === EnablementMode.Enabled;
    let problem: string | undefined;
    if (shouldRun && this.options.scope === 'Namespaced' && !spec.target.namespaced) {
      shouldRun = false;
      problem = 'a namespace-scoped control plane does not propagate cluster-scoped types';
    }
    if (shouldRun && namespaced && !this.running.has(NAMESPACES_FTC_NAME)) {
      shouldRun = false;
      problem = `the FederatedTypeConfig "${NAMESPACES_FTC_NAME}" must be enabled before namespaced types can propagate`;
    }
    if (shouldRun) {
      problem = await this.missingType(spec.federated);
      if (problem) shouldRun = false;
    }

    const current = this.running.get(name);
    if (current && (!shouldRun || current.generation !== generation)) await this.stopController(name);
    if (shouldRun && !this.running.has(name)) {
      try {
        await this.startController(name, spec, generation);
      } catch (err) {
        problem = errorMessage(err);
        shouldRun = false;
      }
    }
    if (problem && ftc.spec.propagation === EnablementMode.Enabled) {
      log.warn({ problem }, 'cannot run sync controller');
      this.options.events.record(cached, 'Warning', 'SyncControllerNotRunning', problem);
    }
    await this.writeStatus(cached, this.running.has(name));
    if (problem && ftc.spec.propagation === EnablementMode.Enabled) return { requeueAfterMs: RETRY_MS };
  }

  /** Why the federated type cannot be served by the host, or undefined when it can. */
  private async missingType(type: ResourceType): Promise<string | undefined> {
    try {
      // A namespace-scoped control plane may only list in its own namespace (its RBAC is a Role).
      const namespace = this.options.scope === 'Namespaced' && type.namespaced ? this.options.kubefedNamespace : undefined;
      await this.options.host.request('GET', resourcePath(type, { namespace }), { query: { limit: 1 }, verb: 'LIST' });
      return undefined;
    } catch (err) {
      if (isNotFound(err)) return `the federated type ${type.plural}.${type.group}/${type.version} is not served by the host cluster (is its CRD installed?)`;
      return `cannot list ${type.plural}.${type.group}: ${errorMessage(err)}`;
    }
  }

  private async startController(name: string, spec: FederatedTypeSpec, generation: number | undefined): Promise<void> {
    const o = this.options;
    this.log.info({ name, federatedType: spec.federated.kind }, `Starting sync controller for ${JSON.stringify(spec.federated.kind)}`);
    if (spec.isNamespace && !this.hostNamespaces) {
      this.hostNamespaces = o.informers.acquire(o.host, CoreTypes.namespace, { log: this.log });
    }
    const controller = new SyncController({
      type: spec,
      host: o.host,
      registry: o.registry,
      informers: o.informers,
      events: o.events,
      log: o.log,
      targetNamespace: o.scope === 'Namespaced' ? o.kubefedNamespace : undefined,
      scope: o.scope,
      adoptResources: o.adoptResources,
      workers: o.workersPerType,
      namespaces: spec.target.namespaced && !spec.isNamespace ? this.namespaceFederation : undefined,
      hostNamespaces: spec.isNamespace ? this.hostNamespaces?.informer : undefined,
      metrics: o.metrics,
    });
    await controller.start();
    this.running.set(name, { controller, generation });
    if (spec.isNamespace) {
      this.namespaceFederation = this.createNamespaceFederation(spec);
      // Namespaced types were waiting for this one.
      for (const ftc of this.informer.list()) if (ftc.metadata?.name !== name) this.queue.add(ftc.metadata?.name ?? '');
    }
    this.log.info({ name, federatedType: spec.federated.kind, targetType: spec.target.kind }, `Started sync controller for ${JSON.stringify(spec.federated.kind)}`);
  }

  private async stopController(name: string): Promise<void> {
    const current = this.running.get(name);
    if (!current) return;
    this.log.info({ name }, `Stopping controller for ${JSON.stringify(`${this.options.kubefedNamespace}/${name}`)}`);
    this.running.delete(name);
    await current.controller.stop();
    if (name === NAMESPACES_FTC_NAME) {
      await this.namespaceFederation?.close();
      this.namespaceFederation = undefined;
      // Namespaced controllers were built on the namespace placement that just went away.
      for (const other of [...this.running.keys()]) {
        await this.stopController(other);
        this.queue.add(other);
      }
    }
  }

  /** FederatedNamespace placements for namespaced types, read from a shared informer. */
  private createNamespaceFederation(spec: FederatedTypeSpec): NamespaceFederation & { close(): Promise<void> } {
    const { informers, host, registry, scope, kubefedNamespace } = this.options;
    const lease = informers.acquire<KubeObject>(host, spec.federated, {
      namespace: scope === 'Namespaced' ? kubefedNamespace : undefined,
      log: this.log,
    });
    const listeners = new Set<(namespace: string) => void>();
    const notify = (namespace: string | undefined): void => {
      if (!namespace) return;
      for (const l of listeners) l(namespace);
    };
    const offInformer = lease.informer.on(({ object }) => notify(object.metadata?.namespace));
    const offRegistry = registry.onEvent(() => {
      for (const fedNs of lease.informer.list()) notify(fedNs.metadata?.namespace);
    });
    return {
      clustersFor: (namespace) => {
        const fedNs = lease.informer.get(`${namespace}/${namespace}`);
        if (!fedNs) return undefined;
        const spec = fedNs.spec as { placement?: Parameters<typeof selectClusters>[0] } | undefined;
        return selectClusters(spec?.placement, registry.clusters()).clusters;
      },
      onChange: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      close: async () => {
        offInformer();
        offRegistry();
        listeners.clear();
        await lease.release();
      },
    };
  }

  private async writeStatus(ftc: FederatedTypeConfig & KubeObject, running: boolean): Promise<void> {
    const status = {
      observedGeneration: ftc.metadata.generation ?? 0,
      propagationController: running ? ControllerStatus.Running : ControllerStatus.NotRunning,
    };
    const before = ftc.status;
    if (before && before.observedGeneration === status.observedGeneration && before.propagationController === status.propagationController) return;
    try {
      await this.options.host.mergePatch(FederatedTypeConfigType, ftc.metadata.name ?? '', this.options.kubefedNamespace, { status }, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) this.log.warn({ name: ftc.metadata.name, err: errorMessage(err) }, 'could not write FederatedTypeConfig status');
    }
  }
}

/** What a sync controller needs to know about its types, from a defaulted FTC. */
export function typeSpecOf(ftc: FederatedTypeConfig, statusCollectionForAll: boolean): FederatedTypeSpec {
  const { targetType, federatedType } = ftc.spec;
  const isNamespace = isNamespaceTypeConfig(ftc);
  return {
    name: ftc.metadata.name ?? '',
    isNamespace,
    statusCollection: statusCollectionForAll || ftc.spec.statusCollection === EnablementMode.Enabled,
    target: {
      group: targetType.group ?? '',
      version: targetType.version,
      plural: targetType.pluralName,
      kind: targetType.kind,
      namespaced: targetType.scope === 'Namespaced',
    },
    federated: {
      group: federatedType.group,
      version: federatedType.version,
      plural: federatedType.pluralName,
      kind: federatedType.kind,
      // The FederatedNamespace is namespaced although a Namespace is not.
      namespaced: isNamespace || federatedType.scope === 'Namespaced',
    },
  };
}

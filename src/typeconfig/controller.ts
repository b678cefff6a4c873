// The FederatedTypeConfig controller: runs one sync controller per FTC with `propagation: Enabled`, stops
// it when the FTC is disabled or deleted, restarts it when the FTC's spec changes, and reports
// `status.propagationController`, `observedGeneration` and a SyncControllerRunning condition saying why.
// Namespaced types wait for the `namespaces` FTC, whose FederatedNamespaces restrict where their objects
// may go. It watches the host's CRDs, so a type whose CRD (federated or target) disappears is stopped and
// reported NotRunning, and started again when the CRD comes back.
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
import { errorMessage, isConflict, isNotFound } from '../kube/errors.js';
import type { EventSink } from '../kube/events.js';
import { Informer } from '../kube/informer.js';
import { WITHOUT_MANAGED_FIELDS, type InformerCache, type InformerLease } from '../kube/informer-cache.js';
import type { Executors } from '../execution/executors.js';
import type { MemberCaches } from '../members/member-caches.js';
import { resourcePath, type RestClient } from '../kube/rest-client.js';
import { CoreTypes, type KubeObject, type ResourceType } from '../kube/types.js';
import { WorkQueue } from '../queue/work-queue.js';
import type { FederatedObjectSource } from '../metrics/federated-objects.js';
import type { SyncMetrics } from '../metrics/metrics.js';
import { SyncController, type FederatedTypeSpec, type NamespaceFederation } from '../sync/controller.js';
import { selectClusters } from '../sync/placement.js';
import type { Logger } from '../util/log.js';
import {
  crdNameOf,
  decideSyncController,
  discoveryServes,
  finalizersAfterStop,
  NotRunningReason,
  SYNC_CONTROLLER_CONDITION,
  syncCondition,
  type RunDecision,
  type SyncCondition,
} from './decide.js';

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
  memberCaches: MemberCaches;
  executors: Executors;
  events: EventSink;
  log: Logger;
  kubefedNamespace: string;
  scope: 'Cluster' | 'Namespaced';
  adoptResources: boolean;
  workersPerType: number;
  /** RawResourceStatusCollection feature gate: remote status for every type. */
  statusCollectionForAll: boolean;
  metrics?: SyncMetrics | undefined;
  /** The PropagatedVersions feature gate. */
  propagatedVersions?: boolean;
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
  /** The host's CRDs, names only: a change to one re-evaluates the FTCs whose types it defines. */
  private readonly crds: Informer;
  private readonly queue: WorkQueue;
  private readonly running = new Map<string, Running>();
  private namespaceFederation: (NamespaceFederation & { close(): Promise<void> }) | undefined;
  private hostNamespaces: InformerLease | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: TypeConfigControllerOptions) {
    this.log = options.log.child({ controller: 'federatedtypeconfig' });
    this.queue = new WorkQueue(options.metrics ? { observer: options.metrics.queue('federatedtypeconfig') } : {});
    this.informer = new Informer(options.host, FederatedTypeConfigType, { namespace: options.kubefedNamespace, log: this.log });
    this.crds = new Informer<KubeObject>(options.host, CoreTypes.crd, {
      log: this.log,
      // CRDs carry whole schemas; only the name and version matter here.
      transform: (crd) => ({ apiVersion: crd.apiVersion, kind: crd.kind, metadata: { name: crd.metadata?.name, resourceVersion: crd.metadata?.resourceVersion } }),
    });
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
    // Not waited for: the reconcile asks the API server itself; the CRD cache only says when to ask again.
    this.crds.on(({ object }) => {
      const crd = object.metadata?.name;
      for (const ftc of this.informer.list()) if (crd && typeCrdNames(ftc).includes(crd)) this.queue.add(ftc.metadata?.name ?? '');
    });
    this.crds.start();
    this.loop = this.queue.run(1, (name) => this.reconcile(name));
  }

  async stop(): Promise<void> {
    await this.queue.shutdown({ drain: true });
    await this.loop;
    await Promise.all([...this.running.keys()].map((name) => this.stopController(name)));
    await this.namespaceFederation?.close();
    await this.hostNamespaces?.release();
    await this.crds.stop();
    await this.informer.stop();
  }

  /** The running sync controllers, by FTC name. */
  controllers(): Map<string, SyncController> {
    return new Map([...this.running].map(([name, r]) => [name, r.controller]));
  }

  /** What each running sync controller caches, under its metrics label: counted by /metrics at scrape time. */
  federatedObjectSources(): FederatedObjectSource[] {
    return [...this.running.values()].map(({ controller }) => ({ controller: controller.metricsName, objects: controller.fedInformer?.list() ?? [] }));
  }

  private async reconcile(name: string): Promise<{ requeueAfterMs?: number } | void> {
    const cached = this.informer.get(`${this.options.kubefedNamespace}/${name}`);
    const log = this.log.child({ name });
    if (!cached || cached.metadata?.deletionTimestamp) {
      await this.stopController(name);
      if (name === NAMESPACES_FTC_NAME) await this.dropNamespaceFederation();
      if (cached) await this.releaseKubeFedFinalizer(cached);
      return;
    }
    const ftc = setFederatedTypeConfigDefaults(cached);
    const generation = ftc.metadata.generation;
    const spec = typeSpecOf(ftc, this.options.statusCollectionForAll);
    const inputs = {
      propagationEnabled: ftc.spec.propagation === EnablementMode.Enabled,
      scope: this.options.scope,
      targetNamespaced: spec.target.namespaced,
      needsNamespaces: spec.target.namespaced && !spec.isNamespace,
      namespacesReady: this.namespaceFederation !== undefined,
      typeProblem: undefined,
    };
    let decision: RunDecision = decideSyncController(inputs);
    if (decision.run) {
      const served = await this.typesServed(spec);
      if (served.uncertain && this.running.has(name) && this.running.get(name)?.generation === generation) {
        // Not an answer that the type is gone: a running controller is left alone and asked about again.
        log.warn({ problem: served.uncertain }, 'cannot tell whether the host still serves the type');
        return { requeueAfterMs: RETRY_MS };
      }
      decision = decideSyncController({ ...inputs, typeProblem: served.problem ?? served.uncertain });
    }

    if (spec.isNamespace && this.options.scope === 'Namespaced') {
      // A namespace-scoped control plane never runs the namespaces type (Namespace is cluster-scoped), but its
      // FederatedNamespaces still narrow the placement of namespaced types, as in KubeFed, where namespaced
      // types need the namespaces FTC to exist, not to run.
      this.ensureNamespaceFederation(spec);
    }
    const current = this.running.get(name);
    if (current && (!decision.run || current.generation !== generation)) await this.stopController(name);
    if (decision.run && !this.running.has(name)) {
      try {
        await this.startController(name, spec, generation);
      } catch (err) {
        decision = { run: false, reason: NotRunningReason.StartFailed, message: errorMessage(err), warn: true };
      }
    }
    if (!decision.run && decision.warn) {
      log.warn({ problem: decision.message, reason: decision.reason }, 'cannot run sync controller');
      this.options.events.record(cached, 'Warning', 'SyncControllerNotRunning', decision.message);
    }
    await this.writeStatus(cached, decision.run ? undefined : decision);
    if (!decision.run && decision.warn) return { requeueAfterMs: RETRY_MS };
  }

  /** Lets a deleted FTC go that still carries KubeFed's finalizer (see finalizersAfterStop). */
  private async releaseKubeFedFinalizer(ftc: KubeObject): Promise<void> {
    const finalizers = finalizersAfterStop(ftc.metadata?.finalizers);
    if (!finalizers) return;
    try {
      await this.options.host.mergePatch(FederatedTypeConfigType, ftc.metadata?.name ?? '', this.options.kubefedNamespace, {
        metadata: { finalizers, resourceVersion: ftc.metadata?.resourceVersion },
      });
      this.log.info({ name: ftc.metadata?.name }, 'removed KubeFed\'s finalizer from a deleted FederatedTypeConfig');
    } catch (err) {
      // Gone already, or a newer version is on its way (and brings another reconcile).
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }

  /**
   * Whether the host serves the federated type (a LIST, which also proves we may read it) and the target
   * type (discovery, which needs no permission on it). `problem`: not served; `uncertain`: no answer.
   */
  private async typesServed(spec: FederatedTypeSpec): Promise<{ problem?: string; uncertain?: string }> {
    const { host, scope, kubefedNamespace } = this.options;
    const federated = spec.federated;
    try {
      // A namespace-scoped control plane may only list in its own namespace (its RBAC is a Role).
      const namespace = scope === 'Namespaced' && federated.namespaced ? kubefedNamespace : undefined;
      await host.request('GET', resourcePath(federated, { namespace }), { query: { limit: 1 }, verb: 'LIST' });
    } catch (err) {
      if (isNotFound(err)) return { problem: notServed('federated', federated) };
      return { uncertain: `cannot list ${federated.plural}.${federated.group}: ${errorMessage(err)}` };
    }
    const target = spec.target;
    const discovery = target.group ? `/apis/${target.group}/${target.version}` : `/api/${target.version}`;
    try {
      if (!discoveryServes(await host.request('GET', discovery), target.plural)) return { problem: notServed('target', target) };
    } catch (err) {
      if (isNotFound(err)) return { problem: notServed('target', target) };
      return { uncertain: `cannot read ${discovery} on the host: ${errorMessage(err)}` };
    }
    return {};
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
      memberCaches: o.memberCaches,
      executors: o.executors,
      events: o.events,
      log: o.log,
      targetNamespace: o.scope === 'Namespaced' ? o.kubefedNamespace : undefined,
      scope: o.scope,
      adoptResources: o.adoptResources,
      workers: o.workersPerType,
      namespaces: spec.target.namespaced && !spec.isNamespace ? this.namespaceFederation : undefined,
      hostNamespaces: spec.isNamespace ? this.hostNamespaces?.informer : undefined,
      metrics: o.metrics,
      propagatedVersions: o.propagatedVersions === true,
    });
    await controller.start();
    this.running.set(name, { controller, generation });
    if (spec.isNamespace) this.ensureNamespaceFederation(spec);
    this.log.info({ name, federatedType: spec.federated.kind, targetType: spec.target.kind }, `Started sync controller for ${JSON.stringify(spec.federated.kind)}`);
  }

  private async stopController(name: string): Promise<void> {
    const current = this.running.get(name);
    if (!current) return;
    this.log.info({ name }, `Stopping controller for ${JSON.stringify(`${this.options.kubefedNamespace}/${name}`)}`);
    this.running.delete(name);
    await current.controller.stop();
    if (name === NAMESPACES_FTC_NAME) await this.dropNamespaceFederation();
  }

  /** FederatedNamespace placements, once the namespaces type is there; namespaced types wait for them. */
  private ensureNamespaceFederation(spec: FederatedTypeSpec): void {
    if (this.namespaceFederation) return;
    this.namespaceFederation = this.createNamespaceFederation(spec);
    for (const ftc of this.informer.list()) if (ftc.metadata?.name !== NAMESPACES_FTC_NAME) this.queue.add(ftc.metadata?.name ?? '');
  }

  private async dropNamespaceFederation(): Promise<void> {
    if (!this.namespaceFederation) return;
    await this.namespaceFederation.close();
    this.namespaceFederation = undefined;
    // Namespaced controllers were built on the namespace placement that just went away.
    for (const other of [...this.running.keys()]) {
      await this.stopController(other);
      this.queue.add(other);
    }
  }

  /** FederatedNamespace placements for namespaced types, read from a shared informer. */
  private createNamespaceFederation(spec: FederatedTypeSpec): NamespaceFederation & { close(): Promise<void> } {
    const { informers, host, registry, scope, kubefedNamespace } = this.options;
    const lease = informers.acquire<KubeObject>(host, spec.federated, {
      namespace: scope === 'Namespaced' ? kubefedNamespace : undefined,
      log: this.log,
      view: WITHOUT_MANAGED_FIELDS,
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

  private async writeStatus(ftc: FederatedTypeConfig & KubeObject, notRunning: { reason: NotRunningReason; message: string } | undefined): Promise<void> {
    const before = ftc.status;
    const previous = before?.conditions?.find((c) => c.type === SYNC_CONTROLLER_CONDITION) as SyncCondition | undefined;
    const condition = syncCondition(notRunning && { reason: notRunning.reason, message: notRunning.message }, previous, new Date());
    const status = {
      observedGeneration: ftc.metadata.generation ?? 0,
      propagationController: notRunning ? ControllerStatus.NotRunning : ControllerStatus.Running,
      conditions: [...(before?.conditions ?? []).filter((c) => c.type !== SYNC_CONTROLLER_CONDITION), condition],
    };
    if (
      before &&
      before.observedGeneration === status.observedGeneration &&
      before.propagationController === status.propagationController &&
      previous?.status === condition.status &&
      previous.reason === condition.reason &&
      previous.message === condition.message
    ) {
      return;
    }
    try {
      await this.options.host.mergePatch(FederatedTypeConfigType, ftc.metadata.name ?? '', this.options.kubefedNamespace, { status }, { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) this.log.warn({ name: ftc.metadata.name, err: errorMessage(err) }, 'could not write FederatedTypeConfig status');
    }
  }
}

function notServed(role: 'federated' | 'target', type: ResourceType): string {
  return `the ${role} type ${type.group ? `${type.plural}.${type.group}` : type.plural}/${type.version} is not served by the host cluster (is its CRD installed?)`;
}

/** The CRDs that may define an FTC's federated and target types. */
function typeCrdNames(ftc: FederatedTypeConfig & KubeObject): string[] {
  try {
    const spec = typeSpecOf(setFederatedTypeConfigDefaults(ftc), false);
    return [crdNameOf(spec.federated), crdNameOf(spec.target)].filter((name): name is string => name !== undefined);
  } catch {
    return [];
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

// The push-mode sync controller of one federated type: for every Federated<X> in the host it renders the
// target object per member cluster and creates, updates or deletes it there, then writes one aggregated
// status. One reconcile per fed object key: observe (caches) → decide (pure plan per cluster) → act
// (writes to each cluster in parallel, every outcome recorded) → report (status written only on change).
import {
  DELETE_OPTIONS_ANNOTATION,
  MANAGED_LABEL,
  MANAGED_LABEL_FALSE,
  ORPHAN_ANNOTATION,
  ORPHAN_ANNOTATION_TRUE,
  PropagationStatus,
  SYNC_CONTROLLER_FINALIZER,
  AggregateReason,
  type FederatedResource,
  type FederatedResourceStatus,
} from '../api/index.js';
import type { ClusterRegistry, MemberCluster } from '../cluster/registry.js';
import { errorMessage, isAlreadyExists, isConflict, isForbidden, isInvalid, isNotFound } from '../kube/errors.js';
import type { EventSink } from '../kube/events.js';
import type { Informer, InformerEvent } from '../kube/informer.js';
import type { InformerCache, InformerLease } from '../kube/informer-cache.js';
import type { RestClient } from '../kube/rest-client.js';
import { apiVersionOf, objectKey, splitKey, type KubeObject, type ResourceType } from '../kube/types.js';
import type { SyncMetrics } from '../metrics/metrics.js';
import { WorkQueue } from '../queue/work-queue.js';
import type { Logger } from '../util/log.js';
import { computeNamespacedPlacement, selectClusters } from './placement.js';
import { applyOwnershipFor } from './field-ownership.js';
import { planClusterAction, recordOf, type ClusterAction, type WriteRecord } from './plan.js';
import { desiredHash, renderForCluster, type RenderResult } from './render.js';
import { aggregatePropagationStatus, isRecoverable, propagationStatusEqual, type ClusterOutcome } from './status.js';

export const FIELD_MANAGER = 'kubefed-ts';

export interface FederatedTypeSpec {
  /** The FederatedTypeConfig's name, e.g. `deployments.apps`; also the controller's name in logs and metrics. */
  name: string;
  federated: ResourceType;
  target: ResourceType;
  /** The `namespaces` type: FederatedNamespace `ns/ns` propagates Namespace `ns`. */
  isNamespace: boolean;
  /** Copy member objects' `.status` into `status.clusters[].remoteStatus`. */
  statusCollection: boolean;
}

/** Placement of FederatedNamespaces, which restricts every namespaced federated type. */
export interface NamespaceFederation {
  /** Clusters the namespace is federated to, or undefined when there is no FederatedNamespace for it. */
  clustersFor(namespace: string): string[] | undefined;
  onChange(listener: (namespace: string) => void): () => void;
}

export interface SyncControllerOptions {
  type: FederatedTypeSpec;
  host: RestClient;
  registry: ClusterRegistry;
  informers: InformerCache;
  events: EventSink;
  log: Logger;
  /** Namespace of a namespace-scoped control plane; undefined watches all namespaces. */
  targetNamespace: string | undefined;
  scope: 'Cluster' | 'Namespaced';
  adoptResources: boolean;
  workers: number;
  namespaces: NamespaceFederation | undefined;
  /** Objects of the host cluster's namespace informer, to recognise the host among the members. */
  hostNamespaces?: Informer | undefined;
  metrics?: SyncMetrics | undefined;
}

/** A cluster's outcome; `permanent` when retrying the same write cannot help (the member refused it). */
type Outcome = ClusterOutcome & { message?: string; permanent?: boolean };

function previousStatus(fed: FederatedResource, cluster: string): string {
  return fed.status?.clusters?.find((c) => c.name === cluster)?.status ?? PropagationStatus.Ok;
}

/** Requeue when a member cache is still filling. */
const CACHE_WAIT_MS = 500;
/** How long a new member cache may take to fill before its cluster is reported CachedRetrievalFailed. */
const CACHE_SYNC_GRACE_MS = 10_000;
/** Poll while member objects are being deleted (their watch events usually come first). */
const DELETION_RECHECK_MS = 2_000;

export class SyncController {
  readonly name: string;
  /** KubeFed's worker name (`federateddeployment`), used as the metrics label. */
  readonly metricsName: string;
  private readonly log: Logger;
  private readonly queue: WorkQueue;
  private fedLease: InformerLease<FederatedResource & KubeObject> | undefined;
  private readonly members = new Map<string, InformerLease & { acquiredAt: number; lastError?: string }>();
  /** cluster → target key → what we last wrote there. */
  private readonly records = new Map<string, Map<string, WriteRecord>>();
  /** When each cluster last became ready or not ready (for cache freshness after an outage). */
  private readonly readySince = new Map<string, number>();
  /** cluster → target key → a write the member refused (invalid, forbidden), by desired hash. */
  private readonly refusals = new Map<string, Map<string, { hash: string; status: PropagationStatus; message: string }>>();
  /**
   * fed key → the status we last wrote and the resourceVersion it was computed from. While the cache still
   * holds that version (our write's watch event is on its way), the status is judged against what we wrote.
   */
  private readonly statusWrites = new Map<string, { basedOn: string | undefined; status: FederatedResourceStatus }>();
  /** When each fed key last changed, for the propagation latency metric. */
  private readonly changedAt = new Map<string, number>();
  private readonly unsubscribe: Array<() => void> = [];
  private running: Promise<void> | undefined;

  constructor(private readonly options: SyncControllerOptions) {
    this.name = options.type.name;
    this.metricsName = options.type.federated.kind.toLowerCase();
    this.log = options.log.child({ controller: `sync/${this.name}` });
    this.queue = new WorkQueue(options.metrics ? { observer: options.metrics.queue(this.metricsName) } : {});
  }

  get fedInformer(): Informer<FederatedResource & KubeObject> | undefined {
    return this.fedLease?.informer;
  }

  async start(): Promise<void> {
    const { type, host, informers, registry } = this.options;
    this.fedLease = informers.acquire<FederatedResource & KubeObject>(host, type.federated, {
      namespace: this.options.targetNamespace,
      log: this.log,
    });
    this.fedLease.informer.on((event) => this.onFedEvent(event));
    this.unsubscribe.push(
      registry.onEvent((event) => {
        if (event.type === 'removed' || event.type === 'changed') void this.dropMember(event.name);
        if (event.type === 'ready' || event.type === 'notReady') {
          // A refusal seen around an outage (a 403 while the member's RBAC cache fills) is not final.
          this.refusals.delete(event.name);
          this.readySince.set(event.name, Date.now());
          // The cache may be deep in backoff after a long outage: refill it now, and decide from it only
          // once it has been relisted (until then the cluster is treated as not yet synced).
          if (event.type === 'ready') this.members.get(event.name)?.informer.retryNow();
        }
        this.ensureMemberInformers();
        this.enqueueAll();
      }),
    );
    if (this.options.namespaces && type.target.namespaced) {
      this.unsubscribe.push(this.options.namespaces.onChange((ns) => this.enqueueNamespace(ns)));
    }
    this.ensureMemberInformers();
    await this.fedLease.informer.waitForSync();
    for (const obj of this.fedLease.informer.list()) this.queue.add(objectKey(obj));
    this.running = this.queue.run(this.options.workers, (key) => this.reconcile(key));
    this.log.info({ workers: this.options.workers }, 'sync controller started');
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    await this.queue.shutdown({ drain: true });
    await this.running;
    await Promise.all([...this.members.keys()].map((c) => this.dropMember(c)));
    await this.fedLease?.release();
    this.log.info('sync controller stopped');
  }

  /** Keys waiting or in flight, for tests and readiness. */
  pending(): number {
    return this.queue.len() + this.queue.inFlight();
  }

  private onFedEvent(event: InformerEvent<FederatedResource & KubeObject>): void {
    const key = objectKey(event.object);
    if (event.type !== 'deleted') this.changedAt.set(key, Date.now());
    this.queue.add(key);
  }

  private enqueueAll(): void {
    for (const obj of this.fedLease?.informer.list() ?? []) this.queue.add(objectKey(obj));
  }

  private enqueueNamespace(namespace: string): void {
    for (const obj of this.fedLease?.informer.list() ?? []) {
      if (obj.metadata?.namespace === namespace) this.queue.add(objectKey(obj));
    }
  }

  private ensureMemberInformers(): void {
    const { type, informers, registry } = this.options;
    for (const cluster of registry.clusters()) {
      if (!cluster.client || this.members.has(cluster.name)) continue;
      const entry: InformerLease & { acquiredAt: number; lastError?: string } = {
        ...informers.acquire(cluster.client, type.target, {
          namespace: this.options.targetNamespace,
          // Both "true" and "false": an object explicitly marked unmanaged must be seen to be left alone.
          labelSelector: MANAGED_LABEL,
          // The informer names its cluster in every line itself.
          log: this.log,
          onError: (err) => {
            entry.lastError = errorMessage(err);
          },
        }),
        acquiredAt: Date.now(),
      };
      entry.informer.on((event) => this.onMemberEvent(cluster.name, event));
      this.members.set(cluster.name, entry);
    }
  }

  private async dropMember(cluster: string): Promise<void> {
    const lease = this.members.get(cluster);
    this.members.delete(cluster);
    this.records.delete(cluster);
    this.refusals.delete(cluster);
    await lease?.release();
  }

  private onMemberEvent(cluster: string, event: InformerEvent<KubeObject>): void {
    const targetKey = objectKey(event.object);
    if (event.type === 'deleted') this.records.get(cluster)?.delete(targetKey);
    this.queue.add(this.fedKeyForTarget(targetKey));
  }

  /** A FederatedNamespace `ns/ns` propagates Namespace `ns`; every other type keeps its key. */
  private fedKeyForTarget(targetKey: string): string {
    return this.options.type.isNamespace ? `${targetKey}/${targetKey}` : targetKey;
  }

  private targetKeyFor(fed: KubeObject): string {
    const { namespace, name } = { namespace: fed.metadata?.namespace, name: fed.metadata?.name ?? '' };
    if (this.options.type.isNamespace) return name;
    return this.options.type.target.namespaced && namespace ? `${namespace}/${name}` : name;
  }

  private record(cluster: string): Map<string, WriteRecord> {
    let m = this.records.get(cluster);
    if (!m) this.records.set(cluster, (m = new Map()));
    return m;
  }

  // ---------------------------------------------------------------------------------------------------
  // reconcile

  private async reconcile(key: string): Promise<{ requeueAfterMs?: number } | void> {
    const fed = this.fedLease!.informer.get(key);
    if (!fed) {
      this.statusWrites.delete(key);
      return this.releaseOrphans(key);
    }
    const log = this.log.child({ namespace: fed.metadata?.namespace, name: fed.metadata?.name });
    if (this.options.type.isNamespace && fed.metadata?.name !== fed.metadata?.namespace) {
      // Never propagated, so nothing to clean up: a finalizer of ours (added by hand) must not block deletion.
      if (fed.metadata?.deletionTimestamp) {
        if ((fed.metadata.finalizers ?? []).includes(SYNC_CONTROLLER_FINALIZER)) await this.removeFinalizer(fed);
        return;
      }
      this.options.events.record(fed, 'Warning', 'InvalidName', 'The name of a federated namespace must match the name of its containing namespace.');
      return;
    }
    if (fed.metadata?.deletionTimestamp) return this.ensureDeletion(fed, log);
    if (!(fed.metadata?.finalizers ?? []).includes(SYNC_CONTROLLER_FINALIZER)) {
      // Go on with the object the API server returned rather than wait for it to come back through the watch.
      const withFinalizer = await this.addFinalizer(fed);
      if (!withFinalizer) return; // a newer version is on its way through the informer
      return this.syncToClusters(withFinalizer, log);
    }
    return this.syncToClusters(fed, log);
  }

  private async syncToClusters(fed: FederatedResource & KubeObject, log: Logger): Promise<{ requeueAfterMs?: number } | void> {
    const { type, registry } = this.options;
    const clusters = registry.clusters();
    const placement = this.placementOf(fed, clusters);
    const selected = new Set(placement.clusters);
    const targetKey = this.targetKeyFor(fed);

    // Every cache we decide from must be filled first, or a missing object would look like "absent". A cache
    // that cannot fill (the member lacks the type, or denies access) is reported for that cluster alone.
    const unsynced = new Set<string>();
    for (const cluster of clusters) {
      const lease = this.members.get(cluster.name);
      if (!cluster.ready) continue;
      const since = Math.max(lease?.acquiredAt ?? 0, this.readySince.get(cluster.name) ?? 0);
      const fresh = lease?.informer.hasSynced() && (lease.informer.isWatching() || lease.informer.lastListedAt >= (this.readySince.get(cluster.name) ?? 0));
      if (fresh) continue;
      if (lease && Date.now() - since < CACHE_SYNC_GRACE_MS) return { requeueAfterMs: CACHE_WAIT_MS };
      unsynced.add(cluster.name);
    }

    const outcomes: Outcome[] = [];
    const writes: Array<Promise<void>> = [];
    const target = { apiVersion: fed.spec?.template?.apiVersion as string | undefined ?? apiVersionOf(type.target), kind: type.target.kind, namespaced: type.target.namespaced };
    for (const cluster of clusters) {
      const cached = this.members.get(cluster.name)?.informer.get(targetKey);
      const isSelected = selected.has(cluster.name);
      if (unsynced.has(cluster.name)) {
        if (isSelected) {
          const error = this.members.get(cluster.name)?.lastError;
          outcomes.push({ name: cluster.name, status: PropagationStatus.CachedRetrievalFailed, message: `cannot list ${type.target.plural} in cluster "${cluster.name}"${error ? `: ${error}` : ''}` });
        }
        continue;
      }
      let rendered: RenderResult | undefined;
      let hash: string | undefined;
      if (isSelected && cluster.ready) {
        rendered = renderForCluster({ fedObject: fed, target, cluster: cluster.name });
        if (rendered.ok) hash = desiredHash(rendered.object);
        else hash = 'invalid';
      }
      let action = planClusterAction({
        ready: cluster.ready,
        selected: isSelected,
        rendered,
        hash,
        cached,
        record: this.records.get(cluster.name)?.get(targetKey),
        isHostNamespace: this.isHostNamespace(cached),
      });
      // A cluster that cannot be asked may still hold a copy placed there before: it stays in the status until
      // it is back and the copy is gone, so that the status tells, and a restarted controller still knows.
      if (!cluster.ready && !isSelected && this.mayHold(fed, cluster.name, targetKey)) {
        action = { kind: 'none', status: PropagationStatus.ClusterNotReady };
      }
      if (action.kind === 'none') {
        if (isSelected || action.status !== PropagationStatus.Ok) {
          const outcome: Outcome = { name: cluster.name, status: action.status };
          if (action.message) outcome.message = action.message;
          this.addRemoteStatus(outcome, cached);
          outcomes.push(outcome);
        }
        // Events tell of changes: a cluster that was already reported in this state gets no new one.
        const newlyReported = previousStatus(fed, cluster.name) !== action.status;
        if (newlyReported && action.status === PropagationStatus.ClusterNotReady) {
          this.options.events.record(fed, 'Warning', 'ClusterNotReady', `Cluster "${cluster.name}" is not ready`);
        }
        if (newlyReported && !rendered?.ok && rendered?.message) {
          this.options.events.record(fed, 'Warning', rendered.status, `${rendered.message} (cluster "${cluster.name}")`);
        }
        continue;
      }
      // A write the member refused for this exact desired object is not repeated until something changes.
      const refused = this.refusals.get(cluster.name)?.get(targetKey);
      if (refused && (action.kind === 'create' || action.kind === 'update') && refused.hash === action.hash) {
        outcomes.push({ name: cluster.name, status: refused.status, message: refused.message });
        continue;
      }
      const outcome: Outcome = { name: cluster.name, status: PropagationStatus.Ok };
      if (isSelected || action.kind === 'delete') outcomes.push(outcome);
      writes.push(this.act(fed, cluster, targetKey, action, cached, outcome, log));
    }
    for (const name of placement.unknownClusters) {
      outcomes.push({ name, status: PropagationStatus.ClusterNotReady, message: `cluster "${name}" is not registered` });
    }
    await Promise.all(writes);

    // A deleted-from-cluster object that is gone needs no status entry; one still terminating does.
    const reported = outcomes.filter((o) => selected.has(o.name) || o.status !== PropagationStatus.Ok || placement.unknownClusters.includes(o.name));
    await this.writeStatus(fed, reported, placement.reason, placement.message, log);
    const changedAt = this.changedAt.get(objectKey(fed));
    if (changedAt !== undefined && writes.length > 0) {
      this.options.metrics?.propagationLatency(this.metricsName, (Date.now() - changedAt) / 1000);
      this.changedAt.delete(objectKey(fed));
    }
    const retry = reported.filter((o) => isRecoverable(o.status) && !o.permanent);
    if (retry.length > 0) throw new Error(`propagation failed in ${retry.map((o) => o.name).join(', ')}`);
    if (reported.some((o) => o.status === PropagationStatus.WaitingForRemoval)) return { requeueAfterMs: DELETION_RECHECK_MS };
  }

  private placementOf(
    fed: FederatedResource & KubeObject,
    clusters: MemberCluster[],
  ): { clusters: string[]; unknownClusters: string[]; reason?: AggregateReason; message?: string } {
    const selection = selectClusters(fed.spec?.placement, clusters);
    if (selection.error) {
      return { clusters: [], unknownClusters: [], reason: AggregateReason.ComputePlacementFailed, message: selection.error };
    }
    const { type, namespaces, scope } = this.options;
    if (!type.target.namespaced || type.isNamespace || !namespaces) return selection;
    const ns = fed.metadata?.namespace ?? '';
    const narrowed = computeNamespacedPlacement({ resourceClusters: selection.clusters, namespaceClusters: namespaces.clustersFor(ns), scope });
    return { ...narrowed, unknownClusters: selection.unknownClusters, ...(narrowed.reason ? { reason: narrowed.reason } : {}) };
  }

  private addRemoteStatus(outcome: Outcome, cached: KubeObject | undefined): void {
    if (this.options.type.statusCollection && cached && typeof cached.status === 'object' && cached.status) {
      outcome.remoteStatus = cached.status as Record<string, unknown>;
    }
  }

  /**
   * Whether a cluster that cannot be asked may hold a copy of this fed object: its cache saw the copy before
   * the cluster went away, or, when its cache never filled (the controller restarted during the outage), the
   * fed object's status lists the cluster, i.e. the object was placed there.
   */
  private mayHold(fed: FederatedResource & KubeObject, cluster: string, targetKey: string): boolean {
    const cache = this.members.get(cluster)?.informer;
    if (cache?.hasSynced()) return cache.get(targetKey) !== undefined;
    return (fed.status?.clusters ?? []).some((c) => c.name === cluster);
  }

  /** The host cluster's own Namespace, seen through a KubeFedCluster pointing at the host: never deleted. */
  private isHostNamespace(cached: KubeObject | undefined): boolean {
    if (!this.options.type.isNamespace || !cached?.metadata?.uid) return false;
    const hostNs = this.options.hostNamespaces?.get(cached.metadata.name ?? '');
    return hostNs?.metadata?.uid === cached.metadata.uid;
  }

  private async act(
    fed: FederatedResource & KubeObject,
    cluster: MemberCluster,
    targetKey: string,
    action: Exclude<ClusterAction, { kind: 'none' }>,
    cached: KubeObject | undefined,
    outcome: Outcome,
    log: Logger,
  ): Promise<void> {
    const client = cluster.client!;
    const { type, events, metrics } = this.options;
    const what = `${type.target.kind} "${targetKey}" in cluster "${cluster.name}"`;
    const clusterLog = log.child({ cluster: cluster.name });
    const started = performance.now();
    const observe = (outcome: 'success' | 'error'): void =>
      metrics?.memberWrite(this.metricsName, cluster.name, action.kind, outcome, (performance.now() - started) / 1000);
    try {
      switch (action.kind) {
        case 'create': {
          // The common case is one POST; AlreadyExists means something is there, and only then is it read.
          let existing: KubeObject | undefined;
          try {
            const written = await client.create(type.target, action.desired, FIELD_MANAGER, { fieldValidation: 'Strict' });
            this.record(cluster.name).set(targetKey, recordOf(action.hash, written, cached));
            this.refusals.get(cluster.name)?.delete(targetKey);
            observe('success');
            events.record(fed, 'Normal', 'CreateInCluster', `Created ${what}`);
            clusterLog.debug({ action: 'create' }, 'propagated');
            return;
          } catch (err) {
            if (!isAlreadyExists(err)) throw err;
            existing = await this.getUncached(client, targetKey);
          }
          if (existing) {
            const label = existing.metadata?.labels?.[MANAGED_LABEL];
            if (label === MANAGED_LABEL_FALSE) {
              outcome.status = PropagationStatus.ManagedLabelFalse;
              return;
            }
            if (label === undefined && !this.options.adoptResources && !this.isHostNamespace(existing)) {
              outcome.status = PropagationStatus.AlreadyExists;
              outcome.message = `${what} already exists and adoptResources is Disabled`;
              events.record(fed, 'Warning', 'AlreadyExists', `${what} already exists; not adopted because adoptResources is Disabled`);
              return;
            }
            if (label === undefined) events.record(fed, 'Normal', 'AdoptInCluster', `Adopting ${what}`);
          }
          const intermediate = existing ? await this.takeApplyOwnership(client, existing) : undefined;
          const written = await client.apply(type.target, action.desired, FIELD_MANAGER);
          this.record(cluster.name).set(targetKey, recordOf(action.hash, written, existing ?? cached, intermediate));
          this.refusals.get(cluster.name)?.delete(targetKey);
          observe('success');
          if (!existing) events.record(fed, 'Normal', 'CreateInCluster', `Created ${what}`);
          clusterLog.debug({ action: 'create' }, 'propagated');
          return;
        }
        case 'update': {
          const intermediate = cached ? await this.takeApplyOwnership(client, cached) : undefined;
          const written = await client.apply(type.target, action.desired, FIELD_MANAGER);
          this.record(cluster.name).set(targetKey, recordOf(action.hash, written, cached, intermediate));
          this.refusals.get(cluster.name)?.delete(targetKey);
          observe('success');
          if (action.drift) {
            events.record(fed, 'Warning', 'DriftReverted', `Reverted a change made directly to ${what}: ${action.drift.join(', ')}`);
            clusterLog.info({ drift: action.drift }, 'reverted drift in member cluster');
          } else {
            events.record(fed, 'Normal', 'UpdateInCluster', `Updated ${what}`);
          }
          return;
        }
        case 'delete': {
          await client.delete(type.target, splitKey(targetKey).name, splitKey(targetKey).namespace, deleteOptionsOf(fed));
          this.records.get(cluster.name)?.delete(targetKey);
          observe('success');
          outcome.status = PropagationStatus.WaitingForRemoval;
          events.record(fed, 'Normal', 'DeleteInCluster', `Deleted ${what}`);
          return;
        }
        case 'unlabel': {
          await this.unlabel(client, targetKey);
          this.records.get(cluster.name)?.delete(targetKey);
          observe('success');
          events.record(fed, 'Normal', 'RemoveManagedLabelFromInCluster', `Removed the managed label from ${what}`);
          return;
        }
      }
    } catch (err) {
      if (action.kind === 'delete' && isNotFound(err)) {
        this.records.get(cluster.name)?.delete(targetKey);
        return;
      }
      observe('error');
      const failed = {
        create: PropagationStatus.CreationFailed,
        update: PropagationStatus.UpdateFailed,
        delete: PropagationStatus.DeletionFailed,
        unlabel: PropagationStatus.LabelRemovalFailed,
      }[action.kind];
      outcome.status = failed;
      outcome.message = errorMessage(err);
      if ((isInvalid(err) || isForbidden(err)) && (action.kind === 'create' || action.kind === 'update')) {
        outcome.permanent = true;
        let refusals = this.refusals.get(cluster.name);
        if (!refusals) this.refusals.set(cluster.name, (refusals = new Map()));
        refusals.set(targetKey, { hash: action.hash, status: failed, message: outcome.message });
      }
      const reason = { create: 'CreateInClusterFailed', update: 'UpdateInClusterFailed', delete: 'DeleteInClusterFailed', unlabel: 'RemoveManagedLabelFromInClusterFailed' }[action.kind];
      events.record(fed, 'Warning', reason, `Failed to ${action.kind} ${what}: ${errorMessage(err)}`);
      clusterLog.warn({ action: action.kind, err: errorMessage(err) }, 'member write failed');
    }
  }

  /**
   * Turns the field ownership our POST recorded into apply ownership (see field-ownership.ts), once. Returns
   * the resourceVersion that write made, if it wrote: a cache showing it has not seen the apply yet.
   */
  private async takeApplyOwnership(client: RestClient, object: KubeObject, retried = false): Promise<string | undefined> {
    const managedFields = applyOwnershipFor(object, FIELD_MANAGER);
    if (!managedFields) return undefined;
    const { name = '', namespace, resourceVersion } = object.metadata ?? {};
    try {
      // resourceVersion makes it conditional: ownership read from a stale copy must not be written back.
      const written = await client.mergePatch(this.options.type.target, name, namespace, { metadata: { resourceVersion, managedFields } }, { fieldManager: FIELD_MANAGER });
      return written.metadata?.resourceVersion;
    } catch (err) {
      if (!isConflict(err) || retried) throw err;
      // The cache was behind (our own create's watch event not in yet): once more from the live object.
      const live = await this.getUncached(client, objectKey(object));
      return live ? this.takeApplyOwnership(client, live, true) : undefined;
    }
  }

  private async getUncached(client: RestClient, targetKey: string): Promise<KubeObject | undefined> {
    const { namespace, name } = splitKey(targetKey);
    try {
      return await client.get(this.options.type.target, name, namespace);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async unlabel(client: RestClient, targetKey: string): Promise<void> {
    const { namespace, name } = splitKey(targetKey);
    try {
      await client.mergePatch(this.options.type.target, name, namespace, {
        metadata: { labels: { [MANAGED_LABEL]: null }, annotations: { 'kubefed.io/propagated-hash': null } },
      }, { fieldManager: FIELD_MANAGER });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async writeStatus(
    fed: FederatedResource & KubeObject,
    clusters: Outcome[],
    reason: AggregateReason | undefined,
    message: string | undefined,
    log: Logger,
  ): Promise<void> {
    const key = objectKey(fed);
    const last = this.statusWrites.get(key);
    const cacheLags = last !== undefined && last.basedOn === fed.metadata?.resourceVersion;
    if (last && !cacheLags) this.statusWrites.delete(key);
    const previous = cacheLags ? last.status : fed.status;
    const status = aggregatePropagationStatus({
      previous,
      generation: fed.metadata?.generation,
      clusters,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
      now: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    if (propagationStatusEqual(status, previous)) return;
    log.debug({ before: previous, after: status }, 'writing status');
    const { namespace, name } = { namespace: fed.metadata?.namespace, name: fed.metadata?.name ?? '' };
    try {
      await this.options.host.mergePatch(this.options.type.federated, name, namespace, { status }, { subresource: 'status', fieldManager: FIELD_MANAGER });
      this.statusWrites.set(key, { basedOn: fed.metadata?.resourceVersion, status });
    } catch (err) {
      this.statusWrites.delete(key);
      if (isNotFound(err)) return;
      log.warn({ err: errorMessage(err) }, 'could not write status');
      throw err;
    }
  }

  /** The fed object with our finalizer added, or undefined when a newer version is on its way. */
  private async addFinalizer<T extends KubeObject>(fed: T): Promise<T | undefined> {
    const finalizers = [...(fed.metadata?.finalizers ?? []), SYNC_CONTROLLER_FINALIZER];
    try {
      return await this.options.host.mergePatch<T>(this.options.type.federated, fed.metadata?.name ?? '', fed.metadata?.namespace, {
        metadata: { finalizers, resourceVersion: fed.metadata?.resourceVersion },
      });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return undefined;
      this.options.events.record(fed, 'Warning', 'EnsureFinalizerError', `Failed to add finalizer: ${errorMessage(err)}`);
      throw err;
    }
  }

  private async removeFinalizer(fed: KubeObject): Promise<void> {
    const finalizers = (fed.metadata?.finalizers ?? []).filter((f) => f !== SYNC_CONTROLLER_FINALIZER);
    try {
      await this.options.host.mergePatch(this.options.type.federated, fed.metadata?.name ?? '', fed.metadata?.namespace, {
        metadata: { finalizers, resourceVersion: fed.metadata?.resourceVersion },
      });
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return;
      throw err;
    }
  }

  /**
   * Deleting a fed object deletes its member objects first (or, with `kubefed.io/orphan: "true"`, leaves
   * them unlabelled) and only then releases the finalizer. A cluster that cannot be reached holds the
   * finalizer: its object must not be forgotten.
   */
  private async ensureDeletion(fed: FederatedResource & KubeObject, log: Logger): Promise<{ requeueAfterMs?: number } | void> {
    if (!(fed.metadata?.finalizers ?? []).includes(SYNC_CONTROLLER_FINALIZER)) return;
    const targetKey = this.targetKeyFor(fed);
    const orphan = fed.metadata?.annotations?.[ORPHAN_ANNOTATION] === ORPHAN_ANNOTATION_TRUE;
    const unreachable: string[] = [];
    const remaining: string[] = [];
    const placed = new Set(this.placementOf(fed, this.options.registry.clusters()).clusters);
    await Promise.all(
      this.options.registry.clusters().map(async (cluster) => {
        // A cluster the object never went to holds nothing of it: a KubeFedCluster broken from the start (or
        // one whose objects cannot be read) must not block every deletion.
        const mayHold = placed.has(cluster.name) || this.mayHold(fed, cluster.name, targetKey);
        if (!cluster.ready || !cluster.client) {
          // An unreachable cluster holds the finalizer if it may hold the object.
          if (mayHold) unreachable.push(cluster.name);
          return;
        }
        if (!mayHold && !this.members.get(cluster.name)?.informer.hasSynced()) return;
        // The cache can lag behind our own create: ask the member itself.
        const existing = await this.getUncached(cluster.client, targetKey);
        if (!existing || existing.metadata?.labels?.[MANAGED_LABEL] !== 'true') return;
        const what = `${this.options.type.target.kind} "${targetKey}" in cluster "${cluster.name}"`;
        if (orphan || this.isHostNamespace(existing)) {
          await this.unlabel(cluster.client, targetKey);
          this.options.events.record(fed, 'Normal', 'RemoveManagedLabelFromInCluster', `Removed the managed label from ${what}`);
          return;
        }
        remaining.push(cluster.name);
        if (existing.metadata?.deletionTimestamp) return;
        try {
          await cluster.client.delete(this.options.type.target, splitKey(targetKey).name, splitKey(targetKey).namespace, deleteOptionsOf(fed));
          this.options.events.record(fed, 'Normal', 'DeleteInCluster', `Deleting ${what}`);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }),
    );
    if (unreachable.length > 0) {
      const message = `Waiting for clusters ${unreachable.join(', ')} to become reachable before deleting`;
      this.options.events.record(fed, 'Warning', 'WaitForRemovalInCluster', message);
      log.info({ clusters: unreachable }, 'deletion waits for unreachable clusters');
      return { requeueAfterMs: DELETION_RECHECK_MS * 5 };
    }
    if (remaining.length > 0) {
      this.options.events.record(
        fed,
        'Normal',
        'WaitForRemovalInCluster',
        `Waiting for managed resources to be removed from the following clusters: ${remaining.join(', ')}`,
      );
      return { requeueAfterMs: DELETION_RECHECK_MS };
    }
    for (const records of this.records.values()) records.delete(targetKey);
    await this.removeFinalizer(fed);
    log.info({ orphaned: orphan }, 'deleted from all clusters');
  }

  /**
   * A managed member object whose fed object is gone (its finalizer was removed by hand): stop managing
   * it rather than delete it, so nothing is lost.
   */
  private async releaseOrphans(key: string): Promise<void> {
    const targetKey = this.options.type.isNamespace ? splitKey(key).name : key;
    await Promise.all(
      [...this.members.entries()].map(async ([clusterName, lease]) => {
        const cached = lease.informer.get(targetKey);
        if (!cached || cached.metadata?.labels?.[MANAGED_LABEL] !== 'true' || cached.metadata?.deletionTimestamp) return;
        const cluster = this.options.registry.get(clusterName);
        if (!cluster?.ready || !cluster.client) return;
        await this.unlabel(cluster.client, targetKey);
        this.records.get(clusterName)?.delete(targetKey);
        this.log.info({ cluster: clusterName, key: targetKey }, 'released a managed object whose federated object is gone');
      }),
    );
  }
}

function deleteOptionsOf(fed: KubeObject): Record<string, unknown> | undefined {
  const raw = fed.metadata?.annotations?.[DELETE_OPTIONS_ANNOTATION];
  if (!raw) return undefined;
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    const options: Record<string, unknown> = {};
    for (const k of ['gracePeriodSeconds', 'propagationPolicy', 'preconditions']) if (k in parsed) options[k] = parsed[k];
    return options;
  } catch {
    return undefined;
  }
}

export { isAlreadyExists };

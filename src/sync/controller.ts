// The push-mode sync controller of one federated type. For every Federated<X> in the host, one reconcile:
// observe (the fed object, the member caches, the registry, the ledger of our own work) → decide (`planSync`,
// pure) → act (host writes: the finalizer; member work handed to each cluster's executor, never awaited) →
// report (events, and the status once every cluster's outcome is known, written only when it changed).
// Outcomes come back from the executors into the ledger and requeue the fed object's key.
import {
  DELETE_OPTIONS_ANNOTATION,
  FIELD_MANAGER,
  ORPHAN_ANNOTATION,
  ORPHAN_ANNOTATION_TRUE,
  PROPAGATED_HASH_ANNOTATION,
  SYNC_CONTROLLER_FINALIZER,
  AggregateReason,
  type FederatedResource,
  type FederatedResourceStatus,
} from '../api/index.js';
import type { ClusterRegistry, MemberCluster } from '../cluster/registry.js';
import type { Executors } from '../execution/executors.js';
import type { MemberAction, WorkOutcome } from '../execution/work.js';
import { errorMessage, isConflict, isNotFound } from '../kube/errors.js';
import type { EventSink } from '../kube/events.js';
import type { Informer, InformerEvent } from '../kube/informer.js';
import { withoutManagedFields, type InformerCache, type InformerLease } from '../kube/informer-cache.js';
import type { RestClient } from '../kube/rest-client.js';
import { apiVersionOf, objectKey, splitKey, type KubeObject, type ResourceType } from '../kube/types.js';
import type { MemberCacheLease, MemberCaches } from '../members/member-caches.js';
import type { Judgement, MemberObject } from '../members/member-object.js';
import type { SyncMetrics } from '../metrics/metrics.js';
import { WorkQueue, type ReconcileResult } from '../queue/work-queue.js';
import type { Logger } from '../util/log.js';
import { Ledger } from './ledger.js';
import { OwnWrites } from './own-writes.js';
import { outcomeEvents } from './outcome-events.js';
import { computeNamespacedPlacement, selectClusters } from './placement.js';
import { isWrittenByKubeFed, judgeMemberObject } from './plan.js';
import { planRelease, planSync, type ClusterSnapshot, type ClusterStatus, type PlacementDecision, type SyncSnapshot } from './plan-sync.js';
import { desiredHash, renderForCluster, type RenderTarget } from './render.js';
import { objectVersion } from './propagated-version.js';
import { propagatedVersionsFor, type PropagatedVersions } from './propagated-version-writer.js';
import { aggregatePropagationStatus, propagationStatusEqual } from './status.js';

export { FIELD_MANAGER };

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
  /** Host informers, shared with other controllers. */
  informers: InformerCache;
  memberCaches: MemberCaches;
  executors: Executors;
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
  /** The PropagatedVersions feature gate: record KubeFed's PropagatedVersions on the host (a write per change). */
  propagatedVersions?: boolean;
}

type FedObject = FederatedResource & KubeObject;

const NO_PLACEMENT: PlacementDecision = { clusters: [], unknownClusters: [] };
/** How soon an object whose finalizer patch met a conflict is looked at again (its newer version is usually in by then). */
const CONFLICT_RECHECK_MS = 250;

export class SyncController {
  readonly name: string;
  /** KubeFed's worker name (`federateddeployment`), used as the metrics label. */
  readonly metricsName: string;
  private readonly log: Logger;
  private readonly queue: WorkQueue;
  private fedLease: InformerLease<FedObject> | undefined;
  private memberLease: MemberCacheLease | undefined;
  private readonly ledger = new Ledger();
  /** fed key → outcomes come back since its last settled report, for the events of the change. */
  private readonly notes = new Map<string, Array<{ cluster: string; outcome: WorkOutcome }>>();
  /**
   * fed key → the status we last wrote and the resourceVersion it was computed from. While the cache still
   * holds that version (our write's watch event is on its way), the status is judged against what we wrote.
   */
  private readonly statusWrites = new Map<string, { basedOn: string | undefined; status: FederatedResourceStatus }>();
  /** Versions our own finalizer and status writes produced: their watch events need no reconcile. */
  private readonly ownWrites = new OwnWrites();
  /** When each fed key last changed, for the propagation latency metric. */
  private readonly changedAt = new Map<string, number>();
  /** Per cluster, the objects that found its member cache filling (see onCacheFilled). */
  private readonly cacheWaiters = new Map<string, Set<string>>();
  private readonly unsubscribe: Array<() => void> = [];
  private running: Promise<void> | undefined;
  private readonly versions: PropagatedVersions;

  constructor(private readonly options: SyncControllerOptions) {
    this.name = options.type.name;
    this.metricsName = options.type.federated.kind.toLowerCase();
    this.log = options.log.child({ controller: `sync/${this.name}` });
    this.queue = new WorkQueue(options.metrics ? { observer: options.metrics.queue(this.metricsName) } : {});
    this.versions = propagatedVersionsFor(options.propagatedVersions === true, {
      host: options.host,
      informers: options.informers,
      log: this.log,
      targetKind: options.type.target.kind,
      federatedNamespaced: options.type.federated.namespaced,
      namespace: options.targetNamespace,
      fieldManager: FIELD_MANAGER,
    });
  }

  get fedInformer(): Informer<FedObject> | undefined {
    return this.fedLease?.informer;
  }

  async start(): Promise<void> {
    const { type, host, informers, registry, executors } = this.options;
    this.fedLease = informers.acquire<FedObject>(host, type.federated, {
      namespace: this.options.targetNamespace,
      log: this.log,
      view: withoutManagedFields(),
    });
    this.fedLease.informer.on((event) => this.onFedEvent(event));
    this.unsubscribe.push(
      registry.onEvent((event) => {
        if (event.type === 'removed' || event.type === 'changed') this.ledger.forgetCluster(event.name);
        // A refusal seen around an outage (a 403 while the member's RBAC cache fills) is not final.
        if (event.type === 'ready' || event.type === 'notReady') this.ledger.forgetRefusals(event.name);
        this.enqueueAll();
      }),
      executors.onAvailable(() => this.enqueueAll()),
    );
    if (this.options.namespaces && type.target.namespaced) {
      this.unsubscribe.push(this.options.namespaces.onChange((ns) => this.enqueueNamespace(ns)));
    }
    // Member objects are judged against the fed objects when their events come: load those first.
    await this.fedLease.informer.waitForSync();
    await this.versions.start();
    this.memberLease = this.options.memberCaches.acquire({
      type: type.target,
      projection: { status: type.statusCollection, workload: false },
      onEvent: (cluster, event) => this.onMemberEvent(cluster, event),
      onFilled: (cluster) => this.onCacheFilled(cluster),
      judge: (cluster, object) => this.judge(cluster, object),
    });
    for (const obj of this.fedLease.informer.list()) this.queue.add(objectKey(obj));
    this.running = this.queue.run(this.options.workers, (key) => this.reconcile(key));
    this.log.info({ workers: this.options.workers }, 'sync controller started');
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    await this.queue.shutdown({ drain: true });
    await this.running;
    await this.memberLease?.release();
    await this.versions.stop();
    await this.fedLease?.release();
    this.log.info('sync controller stopped');
  }

  /** Keys waiting or in flight, and member work not finished, for tests and readiness. */
  pending(): number {
    return this.queue.len() + this.queue.inFlight() + this.ledger.outstanding();
  }

  private onFedEvent(event: InformerEvent<FedObject>): void {
    const key = objectKey(event.object);
    if (event.type === 'updated' && this.ownWrites.isEcho(key, event.object.metadata?.resourceVersion)) return;
    // Only a new object or a new generation (spec) starts a propagation; our own status and finalizer writes
    // come back here too, and an entry for each of them would stay (no write ends it).
    if (event.type === 'added' || (event.type === 'updated' && event.old?.metadata?.generation !== event.object.metadata?.generation)) {
      this.changedAt.set(key, Date.now());
    }
    this.queue.add(key);
  }

  /** A sweep (a cluster changed): every object is looked at again, behind objects that changed themselves. */
  private enqueueAll(): void {
    for (const obj of this.fedLease?.informer.list() ?? []) this.queue.addBulk(objectKey(obj));
  }

  private enqueueNamespace(namespace: string): void {
    for (const obj of this.fedLease?.informer.list() ?? []) {
      if (obj.metadata?.namespace === namespace) this.queue.addBulk(objectKey(obj));
    }
  }

  /**
   * Remembers which filling caches `key` waits for, and forgets those it no longer waits for (a member event
   * brought it back before the cache said it had filled: no second look is needed then).
   */
  private noteCacheWaits(key: string, clusters: string[]): void {
    for (const [cluster, waiting] of this.cacheWaiters) if (!clusters.includes(cluster)) waiting.delete(key);
    for (const cluster of clusters) {
      let waiting = this.cacheWaiters.get(cluster);
      if (!waiting) this.cacheWaiters.set(cluster, (waiting = new Set()));
      waiting.add(key);
    }
  }

  /**
   * A finalizer patch found the object changed (or gone): this reconcile decided from an older copy, possibly
   * one from before our own last write, whose watch event may even have come (and been skipped as an echo)
   * while the patch was on its way. Not skipping that echo, and looking again shortly, makes sure the newer
   * version is reconciled.
   */
  private lookAgainAfterConflict(key: string): ReconcileResult {
    this.ownWrites.forget(key);
    return { requeueAfterMs: CONFLICT_RECHECK_MS };
  }

  /** The objects that waited for `cluster`'s cache to fill are looked at again now. */
  private onCacheFilled(cluster: string): void {
    const waiting = this.cacheWaiters.get(cluster);
    this.cacheWaiters.delete(cluster);
    for (const key of waiting ?? []) this.queue.add(key);
  }

  private onMemberEvent(cluster: string, event: InformerEvent<MemberObject>): void {
    const targetKey = objectKey(event.object);
    if (event.type === 'deleted') this.ledger.memberGone(cluster, targetKey);
    else this.ledger.caughtUp(cluster, targetKey, event.object);
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

  private renderTarget(fed: FedObject): RenderTarget {
    const { target } = this.options.type;
    const apiVersion = (fed.spec?.template?.apiVersion as string | undefined) ?? apiVersionOf(target);
    return { apiVersion, kind: target.kind, namespaced: target.namespaced };
  }

  /**
   * Whether a whole member object (as its watch event brings it) holds what its fed object wants in `cluster`;
   * the cache keeps only the verdict. Our own last write needs no comparison.
   */
  private judge(cluster: string, object: KubeObject): Judgement | undefined {
    const informer = this.fedLease?.informer;
    if (!informer?.hasSynced()) return undefined;
    const targetKey = objectKey(object);
    const annotated = object.metadata?.annotations?.[PROPAGATED_HASH_ANNOTATION];
    const record = this.ledger.get(cluster, targetKey)?.record;
    if (record && annotated === record.hash && record.resourceVersion === object.metadata?.resourceVersion) return { hash: record.hash, drift: [] };
    const fed = informer.get(this.fedKeyForTarget(targetKey));
    // Without a hash only KubeFed's objects are worth judging (see judgeMemberObject).
    if (!fed || (annotated === undefined && !isWrittenByKubeFed(object))) return { hash: undefined, drift: [] };
    const rendered = renderForCluster({ fedObject: fed, target: this.renderTarget(fed), cluster });
    if (!rendered.ok) return { hash: undefined, drift: [] };
    return judgeMemberObject(object, { object: rendered.object, hash: desiredHash(rendered.object) });
  }

  // ---------------------------------------------------------------------------------------------------
  // reconcile

  private async reconcile(key: string): Promise<ReconcileResult> {
    const fed = this.fedLease!.informer.get(key);
    if (!fed) {
      this.noteCacheWaits(key, []);
      this.statusWrites.delete(key);
      this.ownWrites.forget(key);
      this.notes.delete(key);
      this.changedAt.delete(key);
      this.releaseOrphans(key);
      return;
    }
    const log = this.log.child({ namespace: fed.metadata?.namespace, name: fed.metadata?.name });
    const snapshot = this.observe(fed);
    const plan = planSync(snapshot);
    this.noteCacheWaits(key, plan.waitingForCaches);

    let current = fed;
    if (plan.finalizer === 'add') {
      // Go on with the object the API server returned rather than wait for it to come back through the watch.
      const updated = await this.addFinalizer(fed);
      if (!updated) return this.lookAgainAfterConflict(key);
      current = updated;
    }
    for (const cluster of plan.withdraw) {
      this.options.executors.for(cluster).cancel(this.workKey(snapshot.targetKey));
      this.ledger.withdrawn(cluster, snapshot.targetKey);
    }
    for (const { cluster, action } of plan.actions) this.submit(key, snapshot.targetKey, cluster, action);

    if (plan.settled) {
      // Said with the status they explain: until then every reconcile would say them again (a host write each).
      for (const event of plan.events) this.options.events.record(current, event.type, event.reason, event.message);
      const notes = this.notes.get(key) ?? [];
      this.notes.delete(key);
      for (const event of outcomeEvents(snapshot.what, notes)) this.options.events.record(current, event.type, event.reason, event.message);
      const changedAt = this.changedAt.get(key);
      if (changedAt !== undefined && notes.some((n) => n.outcome.written)) {
        this.options.metrics?.propagationLatency(this.metricsName, (Date.now() - changedAt) / 1000);
        this.changedAt.delete(key);
      } else if (changedAt !== undefined && plan.clusters.every((c) => c.status === '')) {
        // Everywhere as desired without a write of ours (a restart, a change that renders the same): no latency.
        this.changedAt.delete(key);
      }
      if (!plan.skipStatus) {
        await this.writeStatus(current, plan.clusters, plan.reason, plan.message, log);
        if (this.versions.enabled) await this.recordVersions(current, snapshot, plan.clusters);
      }
    }
    if (plan.finalizer === 'remove') {
      if (!(await this.removeFinalizer(fed))) return this.lookAgainAfterConflict(key);
      log.info({ orphaned: snapshot.orphan }, 'deleted from all clusters');
    }
    if (plan.requeueAfterMs !== undefined) return { requeueAfterMs: plan.requeueAfterMs };
  }

  /** Everything `planSync` decides from, read from caches and the ledger. */
  private observe(fed: FedObject): SyncSnapshot {
    const { type, registry, executors } = this.options;
    const clusters = registry.clusters();
    const targetKey = this.targetKeyFor(fed);
    const deleting = fed.metadata?.deletionTimestamp !== undefined && fed.metadata.deletionTimestamp !== null;
    return {
      fed,
      targetKey,
      what: `${type.target.kind} "${targetKey}"`,
      target: this.renderTarget(fed),
      placement: deleting ? NO_PLACEMENT : this.placementOf(fed, clusters),
      clusters: clusters.map((cluster) => this.clusterSnapshot(cluster, targetKey, executors.available(cluster.name))),
      statusCollection: type.statusCollection,
      adoption: {
        adoptResources: this.options.adoptResources,
        hostNamespaceUid: type.isNamespace ? this.options.hostNamespaces?.get(targetKey)?.metadata?.uid : undefined,
      },
      deleteOptions: deleteOptionsOf(fed),
      orphan: fed.metadata?.annotations?.[ORPHAN_ANNOTATION] === ORPHAN_ANNOTATION_TRUE,
      hasFinalizer: (fed.metadata?.finalizers ?? []).includes(SYNC_CONTROLLER_FINALIZER),
      invalidName: type.isNamespace && fed.metadata?.name !== fed.metadata?.namespace,
    };
  }

  private clusterSnapshot(cluster: MemberCluster, targetKey: string, executorAvailable: boolean): ClusterSnapshot {
    const member = this.memberLease!.get(cluster.name, targetKey);
    return {
      name: cluster.name,
      ready: cluster.ready,
      executorAvailable,
      cache: this.memberLease!.state(cluster.name),
      member,
      ledger: this.ledger.get(cluster.name, targetKey),
      isHostNamespace: this.isHostNamespace(member),
    };
  }

  private placementOf(fed: FedObject, clusters: MemberCluster[]): PlacementDecision {
    const selection = selectClusters(fed.spec?.placement, clusters);
    if (selection.error) {
      return { clusters: [], unknownClusters: [], reason: AggregateReason.ComputePlacementFailed, message: selection.error };
    }
    const { type, namespaces, scope } = this.options;
    if (!type.target.namespaced || type.isNamespace || !namespaces) return selection;
    const ns = fed.metadata?.namespace ?? '';
    const narrowed = computeNamespacedPlacement({ resourceClusters: selection.clusters, namespaceClusters: namespaces.clustersFor(ns), scope });
    return { clusters: narrowed.clusters, unknownClusters: selection.unknownClusters, reason: narrowed.reason };
  }

  /** The host cluster's own Namespace, seen through a KubeFedCluster pointing at the host: never deleted. */
  private isHostNamespace(member: MemberObject | undefined): boolean {
    if (!this.options.type.isNamespace || !member?.metadata.uid) return false;
    const hostNs = this.options.hostNamespaces?.get(member.metadata.name ?? '');
    return hostNs?.metadata?.uid === member.metadata.uid;
  }

  /** The executor's key for this type's object: one type's work never replaces another's. */
  private workKey(targetKey: string): string {
    return `${this.name}|${targetKey}`;
  }

  private submit(fedKey: string, targetKey: string, cluster: string, action: MemberAction): void {
    const hash = action.kind === 'create' || action.kind === 'update' ? action.hash : undefined;
    const accepted = this.options.executors
      .for(cluster)
      .submit(this.workKey(targetKey), { type: this.options.type.target, targetKey, action }, (outcome) => this.onOutcome(fedKey, targetKey, cluster, outcome));
    if (!accepted) {
      // The cluster's queue is full: try again later rather than grow it without bound.
      this.log.warn({ cluster, key: targetKey }, 'member work queue full; will retry');
      this.queue.addRateLimited(fedKey);
      return;
    }
    this.ledger.submitted(cluster, targetKey, action.kind, hash, Date.now());
  }

  private onOutcome(fedKey: string, targetKey: string, cluster: string, outcome: WorkOutcome): void {
    this.ledger.applyOutcome(cluster, targetKey, outcome);
    // The write's watch event may have come first.
    if (outcome.written) this.ledger.caughtUp(cluster, targetKey, this.memberLease?.get(cluster, targetKey));
    if (!outcome.notAttempted) {
      const failed = outcome.status !== '' && outcome.status !== 'WaitingForRemoval';
      this.options.metrics?.memberWrite(this.metricsName, cluster, outcome.kind, failed ? 'error' : 'success', (outcome.elapsedMs ?? 0) / 1000);
      const fields = { cluster, key: targetKey, action: outcome.kind, status: outcome.status || 'Ok' };
      if (failed) this.log.warn({ ...fields, err: outcome.message, retrying: outcome.retrying === true }, 'member write failed');
      else this.log.debug(fields, 'propagated');
    }
    if (this.fedLease?.informer.get(fedKey)) {
      let notes = this.notes.get(fedKey);
      if (!notes) this.notes.set(fedKey, (notes = []));
      notes.push({ cluster, outcome });
    }
    // Work answered without a request (the cluster went away) comes back for every object at once: a sweep.
    if (outcome.notAttempted) this.queue.addBulk(fedKey);
    else this.queue.add(fedKey);
  }

  /**
   * KubeFed's PropagatedVersion (gate on): the version of each member object in the desired state. Deferred
   * while a cache still lags behind our own write there: its watch event requeues the object, and one record
   * with the final versions is one host write instead of two.
   */
  private async recordVersions(fed: FedObject, snapshot: SyncSnapshot, clusters: ClusterStatus[]): Promise<void> {
    const versions = new Map<string, string>();
    for (const line of clusters) {
      if (line.status !== '') continue;
      const cluster = snapshot.clusters.find((c) => c.name === line.name);
      const member = cluster?.member;
      if (!cluster || !member) return;
      // The cache still shows the object as it was before our write (or halfway through it).
      const written = cluster.ledger?.record;
      const rv = member.metadata.resourceVersion;
      if (written && rv !== undefined && (rv === written.previousResourceVersion || written.intermediateResourceVersions?.includes(rv))) return;
      versions.set(line.name, objectVersion(member));
    }
    await this.versions.record(fed, versions);
  }

  private async writeStatus(fed: FedObject, clusters: ClusterStatus[], reason: AggregateReason | undefined, message: string | undefined, log: Logger): Promise<void> {
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
      const written = await this.options.host.mergePatch(this.options.type.federated, name, namespace, { status }, { subresource: 'status', fieldManager: FIELD_MANAGER });
      this.statusWrites.set(key, { basedOn: fed.metadata?.resourceVersion, status });
      // A patch that changed nothing keeps the version and has no echo to wait for.
      if (written.metadata?.resourceVersion !== fed.metadata?.resourceVersion) this.ownWrites.wrote(key, written.metadata?.resourceVersion);
      else this.ownWrites.forget(key);
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
      const updated = await this.options.host.mergePatch<T>(this.options.type.federated, fed.metadata?.name ?? '', fed.metadata?.namespace, {
        metadata: { finalizers, resourceVersion: fed.metadata?.resourceVersion },
      });
      // This reconcile goes on with the updated object: its watch event has nothing new to say.
      this.ownWrites.wrote(objectKey(updated), updated.metadata?.resourceVersion);
      return updated;
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return undefined;
      this.options.events.record(fed, 'Warning', 'EnsureFinalizerError', `Failed to add finalizer: ${errorMessage(err)}`);
      throw err;
    }
  }

  /** False when the object changed or went meanwhile (a conflict, or not found). */
  private async removeFinalizer(fed: KubeObject): Promise<boolean> {
    const finalizers = (fed.metadata?.finalizers ?? []).filter((f) => f !== SYNC_CONTROLLER_FINALIZER);
    try {
      await this.options.host.mergePatch(this.options.type.federated, fed.metadata?.name ?? '', fed.metadata?.namespace, {
        metadata: { finalizers, resourceVersion: fed.metadata?.resourceVersion },
      });
      return true;
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return false;
      throw err;
    }
  }

  /**
   * A managed member object whose fed object is gone (its finalizer was removed by hand): stop managing
   * it rather than delete it, so nothing is lost.
   */
  private releaseOrphans(key: string): void {
    const targetKey = this.options.type.isNamespace ? splitKey(key).name : key;
    const clusters = this.options.registry.clusters().map((c) => this.clusterSnapshot(c, targetKey, this.options.executors.available(c.name)));
    for (const { cluster, action } of planRelease(clusters)) {
      this.log.info({ cluster, key: targetKey }, 'releasing a managed object whose federated object is gone');
      this.submit(key, targetKey, cluster, action);
    }
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

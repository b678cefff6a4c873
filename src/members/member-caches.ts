// One cache per member cluster and target type, shared by every controller that reads member objects (the
// sync controller of the type and the replica scheduler): created and rebuilt on the registry's events, told
// fresh or not after an outage, and slim (member-object.ts). Each user hears every event and every list/watch
// failure of the caches it holds. A push cluster's cache watches the member; a pull cluster's (which the host
// cannot reach) is filled from its agent's reports by a `ReportedCacheSource` (src/pull/), the same to users.
import { SyncMode } from '../api/index.js';
import type { ClusterEvent, ClusterRegistry } from '../cluster/registry.js';
import { errorMessage } from '../kube/errors.js';
import { Informer, type InformerEvent } from '../kube/informer.js';
import { resourcePath } from '../kube/rest-client.js';
import type { KubeObject, ResourceType } from '../kube/types.js';
import type { Logger } from '../util/log.js';
import {
  coversProjection,
  METADATA_ONLY,
  projectMemberObject,
  unionProjection,
  withJudgement,
  type Judge,
  type MemberObject,
  type MemberProjection,
} from './member-object.js';
import { MANAGED_LABEL } from '../api/constants.js';

export interface MemberCacheUser {
  type: ResourceType;
  projection: MemberProjection;
  onEvent(cluster: string, event: InformerEvent<MemberObject>): void;
  onError?(cluster: string, err: unknown): void;
  /** `cluster`'s cache stopped filling: it is fresh, or failed after the grace period. */
  onFilled?(cluster: string): void;
  /** At most one user of a type judges its objects (its sync controller). */
  judge?: Judge;
}

/** Whether a member's cache can be decided from. */
export type CacheState =
  | { kind: 'fresh' }
  /** Filling, or refilling after the cluster came back: ask again shortly. */
  | { kind: 'filling' }
  /** Could not fill within the grace period (the member lacks the type, or denies access). */
  | { kind: 'failed'; error: string | undefined }
  /** No cache: the cluster has no usable client. */
  | { kind: 'absent' };

export interface MemberCacheLease {
  state(cluster: string): CacheState;
  get(cluster: string, key: string): MemberObject | undefined;
  /**
   * Whether `cluster` may hold a copy of `key`: its filled cache shows one, or, when its cache never filled
   * (the controller started during an outage), `listedInStatus` (the fed object's status names the cluster).
   */
  mayHold(cluster: string, key: string, listedInStatus: boolean): boolean;
  release(): Promise<void>;
}

/** The member cache of one type in a pull cluster, kept from its agent's reports. */
export interface ReportedMemberCache {
  get(key: string): MemberObject | undefined;
  /** `fresh` once the reports are complete for the type; `failed` with the agent's own error. */
  state(): { kind: 'fresh' } | { kind: 'filling' } | { kind: 'failed'; error: string };
  /** The reports were read in full once. */
  synced(): boolean;
  retryNow(): void;
  stop(): Promise<void>;
}

export interface ReportedCacheSource {
  open(cluster: string, type: ResourceType, projection: MemberProjection, onEvent: (event: InformerEvent<MemberObject>) => void): ReportedMemberCache;
}

type ClusterCache =
  | {
      kind: 'watched';
      informer: Informer<MemberObject>;
      acquiredAt: number;
      lastError: string | undefined;
      /** When the last list/watch failure happened (0: never). */
      lastErrorAt: number;
    }
  | { kind: 'reported'; cache: ReportedMemberCache; acquiredAt: number };

interface TypeCaches {
  type: ResourceType;
  users: Set<MemberCacheUser>;
  projection: MemberProjection;
  clusters: Map<string, ClusterCache>;
  /** Per cluster, the timer that watches a filling cache (one per cache, not one per object). */
  fillChecks: Map<string, NodeJS.Timeout>;
}

export interface MemberCachesOptions {
  registry: ClusterRegistry;
  /** Namespace of a namespace-scoped control plane; undefined watches all namespaces. */
  targetNamespace: string | undefined;
  log: Logger;
  /** How long a cache may take to fill before its cluster is reported as failing. Default 10 s. */
  syncGraceMs?: number;
  /** The caches of pull clusters; without it a pull cluster has none (its objects cannot be seen). */
  reported?: ReportedCacheSource | undefined;
}

const DEFAULT_SYNC_GRACE_MS = 10_000;
/** How often a filling cache's state is looked at, to tell its users when it is done. */
const FILL_CHECK_MS = 100;

export class MemberCaches {
  private readonly types = new Map<string, TypeCaches>();
  /** When each cluster last became ready or not ready: a cache is fresh only if relisted or watching since. */
  private readonly readySince = new Map<string, number>();
  private readonly unsubscribe: () => void;

  /** Subscribe before any user does, so caches are rebuilt before users hear of a cluster change. */
  constructor(private readonly options: MemberCachesOptions) {
    this.unsubscribe = options.registry.onEvent((event) => this.onClusterEvent(event));
  }

  acquire(user: MemberCacheUser): MemberCacheLease {
    const id = typeId(user.type);
    let caches = this.types.get(id);
    if (!caches) {
      caches = { type: user.type, users: new Set(), projection: METADATA_ONLY, clusters: new Map(), fillChecks: new Map() };
      this.types.set(id, caches);
    }
    const judged = [...caches.users].find((u) => u.judge);
    if (user.judge && judged) throw new Error(`member objects of ${user.type.plural} are judged by another user already`);
    caches.users.add(user);
    const wanted = unionProjection(caches.projection, user.projection);
    if (!coversProjection(caches.projection, wanted)) {
      // Rare (status collection switched on while the scheduler holds the caches): refill with more kept.
      caches.projection = wanted;
      for (const cluster of [...caches.clusters.keys()]) this.drop(caches, cluster);
    }
    this.ensure(caches);
    const held = caches;
    let released = false;
    return {
      state: (cluster) => this.state(held, cluster),
      get: (cluster, key) => this.get(held, cluster, key),
      mayHold: (cluster, key, listedInStatus) => {
        const cache = held.clusters.get(cluster);
        const synced = cache?.kind === 'watched' ? cache.informer.hasSynced() : cache?.cache.synced();
        if (synced) return this.get(held, cluster, key) !== undefined;
        return listedInStatus;
      },
      release: async () => {
        if (released) return;
        released = true;
        held.users.delete(user);
        if (held.users.size > 0) return;
        this.types.delete(id);
        await Promise.all([...held.clusters.keys()].map((cluster) => this.drop(held, cluster)));
      },
    };
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    const all = [...this.types.values()];
    this.types.clear();
    await Promise.all(all.flatMap((caches) => [...caches.clusters.keys()].map((cluster) => this.drop(caches, cluster))));
  }

  private onClusterEvent(event: ClusterEvent): void {
    if (event.type === 'removed' || event.type === 'changed') {
      for (const caches of this.types.values()) void this.drop(caches, event.name);
    }
    if (event.type === 'ready' || event.type === 'notReady') {
      this.readySince.set(event.name, Date.now());
      // The cache may be deep in backoff after a long outage: refill it now, and count it as fresh only once
      // it has been relisted (or is watching again).
      if (event.type === 'ready') {
        for (const caches of this.types.values()) {
          const cache = caches.clusters.get(event.name);
          if (cache?.kind === 'watched') cache.informer.retryNow();
          else cache?.cache.retryNow();
        }
      }
    }
    if (event.type === 'removed') this.readySince.delete(event.name);
    for (const caches of this.types.values()) {
      this.ensure(caches);
      if (event.type === 'ready' || event.type === 'notReady') this.watchFill(caches, event.name);
    }
  }

  /**
   * Tells the users of `caches` when `cluster`'s cache stops filling (its first list, a relist after an
   * outage, an agent's first complete report, or the grace period over), so that objects that waited for it
   * are looked at then, and not polled meanwhile.
   */
  private watchFill(caches: TypeCaches, cluster: string): void {
    if (caches.fillChecks.has(cluster) || !caches.clusters.has(cluster)) return;
    const timer = setInterval(() => {
      if (!caches.clusters.has(cluster)) {
        this.stopFillCheck(caches, cluster);
        return;
      }
      if (this.state(caches, cluster).kind === 'filling') return;
      this.stopFillCheck(caches, cluster);
      for (const user of caches.users) user.onFilled?.(cluster);
    }, FILL_CHECK_MS);
    timer.unref();
    caches.fillChecks.set(cluster, timer);
  }

  private stopFillCheck(caches: TypeCaches, cluster: string): void {
    clearInterval(caches.fillChecks.get(cluster));
    caches.fillChecks.delete(cluster);
  }

  /** A cache for every cluster that has a client, or (pull) a source of reports. */
  private ensure(caches: TypeCaches): void {
    for (const cluster of this.options.registry.clusters()) {
      if (caches.clusters.has(cluster.name)) continue;
      const name = cluster.name;
      const emit = (event: InformerEvent<MemberObject>): void => {
        for (const user of caches.users) user.onEvent(name, event);
      };
      if (cluster.syncMode === SyncMode.Pull) {
        if (!this.options.reported) continue;
        caches.clusters.set(name, { kind: 'reported', cache: this.options.reported.open(name, caches.type, caches.projection, emit), acquiredAt: Date.now() });
        this.watchFill(caches, name);
        continue;
      }
      if (!cluster.client) continue;
      const entry: Extract<ClusterCache, { kind: 'watched' }> = {
        kind: 'watched',
        acquiredAt: Date.now(),
        lastError: undefined,
        lastErrorAt: 0,
        informer: new Informer<MemberObject>(cluster.client, caches.type, {
          namespace: this.options.targetNamespace,
          // Both "true" and "false": an object explicitly marked unmanaged must be seen to be left alone.
          labelSelector: MANAGED_LABEL,
          log: this.options.log,
          transform: (object) => this.project(caches, name, object),
          onError: (err) => {
            entry.lastError = errorMessage(err);
            entry.lastErrorAt = Date.now();
            for (const user of caches.users) user.onError?.(name, err);
          },
        }),
      };
      entry.informer.on(emit);
      caches.clusters.set(name, entry);
      entry.informer.start();
      this.watchFill(caches, name);
    }
  }

  private async drop(caches: TypeCaches, cluster: string): Promise<void> {
    const entry = caches.clusters.get(cluster);
    if (!entry) return;
    caches.clusters.delete(cluster);
    this.stopFillCheck(caches, cluster);
    if (entry.kind === 'watched') await entry.informer.stop();
    else await entry.cache.stop();
  }

  private project(caches: TypeCaches, cluster: string, object: KubeObject): MemberObject {
    const judge = judgeOf(caches);
    return projectMemberObject(object, caches.projection, judge ? judge(cluster, object) : undefined);
  }

  private get(caches: TypeCaches, cluster: string, key: string): MemberObject | undefined {
    const entry = caches.clusters.get(cluster);
    if (entry?.kind === 'reported') return entry.cache.get(key);
    const informer = entry?.informer;
    const kept = informer?.get(key);
    if (!kept?.unjudged) return kept;
    // Cached before it could be judged (the judge came later, or the fed objects were not loaded yet).
    const judgement = judgeOf(caches)?.(cluster, kept.unjudged);
    if (!judgement) return kept;
    const judged = withJudgement(kept, judgement);
    informer!.refine(key, (current) => (current === kept ? judged : current));
    return judged;
  }

  private state(caches: TypeCaches, cluster: string): CacheState {
    const entry = caches.clusters.get(cluster);
    if (!entry) return { kind: 'absent' };
    const readySince = this.readySince.get(cluster) ?? 0;
    const since = Math.max(entry.acquiredAt, readySince);
    const withinGrace = Date.now() - since < (this.options.syncGraceMs ?? DEFAULT_SYNC_GRACE_MS);
    if (entry.kind === 'reported') {
      // The agent says when its reports are complete (it relists after every start), and why it cannot.
      const state = entry.cache.state();
      if (state.kind !== 'filling' || withinGrace) return state;
      return { kind: 'failed', error: `the agent of cluster "${cluster}" has not reported its ${caches.type.plural} yet` };
    }
    const { informer } = entry;
    if (informer.hasSynced() && (informer.isWatching() || informer.lastListedAt >= readySince)) return { kind: 'fresh' };
    // A long first list (10,000s of objects on a loaded member) is progress, not failure: only a cache whose
    // list or watch failed since is given up on, once the grace period is over.
    if (entry.lastErrorAt < since) return { kind: 'filling' };
    if (withinGrace) return { kind: 'filling' };
    return { kind: 'failed', error: entry.lastError };
  }
}

function judgeOf(caches: TypeCaches): Judge | undefined {
  for (const user of caches.users) if (user.judge) return user.judge;
  return undefined;
}

function typeId(type: ResourceType): string {
  return resourcePath(type);
}

// Every decision of one sync reconcile, as a pure function of a snapshot: what to do in each member cluster,
// the per-cluster status known without acting, whether the status can be written now, the events of changes
// seen, when to look again, and the finalizer. Deletion is the same plan with an empty placement. The
// controller observes (caches, registry, ledger) into a `SyncSnapshot` and carries the plan out.
import { AggregateReason, PropagationStatus } from '../api/constants.js';
import type { FederatedResource } from '../api/federated-resource.js';
import type { AdoptionPolicy, MemberAction } from '../execution/work.js';
import type { KubeObject } from '../kube/types.js';
import type { CacheState } from '../members/member-caches.js';
import type { MemberObject } from '../members/member-object.js';
import type { LedgerEntry } from './ledger.js';
import type { PlannedEvent } from './outcome-events.js';
import { planClusterAction, type ClusterAction } from './plan.js';
import { desiredHash, renderForCluster, renderShareKey, type RenderResult, type RenderTarget } from './render.js';
import { MANAGED_LABEL, MANAGED_LABEL_TRUE } from '../api/constants.js';

export interface PlacementDecision {
  /** Selected registered clusters. */
  clusters: readonly string[];
  /** Listed in placement but not registered. */
  unknownClusters: readonly string[];
  reason?: AggregateReason | undefined;
  message?: string | undefined;
}

export interface ClusterSnapshot {
  name: string;
  /** Healthy by the prober, with a client. */
  ready: boolean;
  /** Its executor takes work (false while it fails fast because the cluster does not answer). */
  executorAvailable: boolean;
  cache: CacheState;
  /** The member object as the cache keeps it. */
  member: MemberObject | undefined;
  ledger: LedgerEntry | undefined;
  /** The member object is the host cluster's own Namespace (a KubeFedCluster pointing at the host). */
  isHostNamespace: boolean;
}

export interface SyncSnapshot {
  fed: FederatedResource & KubeObject;
  /** `namespace/name` (or `name`) of the member objects. */
  targetKey: string;
  /** How to call the member object in messages, e.g. `ConfigMap "ns/x"`. */
  what: string;
  target: RenderTarget;
  placement: PlacementDecision;
  clusters: readonly ClusterSnapshot[];
  statusCollection: boolean;
  adoption: AdoptionPolicy;
  /** DeleteOptions from the `kubefed.io/deleteoption` annotation. */
  deleteOptions: Record<string, unknown> | undefined;
  /** Deleting: `kubefed.io/orphan: "true"` leaves member objects in place, unmanaged. */
  orphan: boolean;
  /** The fed object carries the sync controller's finalizer. */
  hasFinalizer: boolean;
  /** A FederatedNamespace named unlike its namespace: never propagated. */
  invalidName: boolean;
}

/** A cluster's line in `status.clusters`. */
export interface ClusterStatus {
  name: string;
  /** `''` when in the desired state. */
  status: string;
  message?: string | undefined;
  remoteStatus?: Record<string, unknown> | undefined;
}

export interface SyncPlan {
  /** Work for the executors. */
  actions: Array<{ cluster: string; action: MemberAction }>;
  /** Clusters whose waiting work is moot (nothing to do there any more). */
  withdraw: string[];
  /** Every placed or still-holding cluster's status; complete only when `settled`. */
  clusters: ClusterStatus[];
  reason?: AggregateReason | undefined;
  message?: string | undefined;
  /** No work of this object awaits its first outcome: the status can be written. */
  settled: boolean;
  /** Write no status (deleting, or the object is not propagated at all). */
  skipStatus: boolean;
  events: PlannedEvent[];
  /**
   * Clusters whose member cache is still filling. The controller looks again when such a cache has filled (or
   * failed): the caches say so (MemberCaches' onFilled), so nothing polls meanwhile (polling every object
   * every 500 ms while 20 member caches filled at start-up kept the CPU busy re-planning).
   */
  waitingForCaches: string[];
  requeueAfterMs?: number | undefined;
  finalizer?: 'add' | 'remove' | undefined;
}

/** Look again while member objects are being deleted (their watch events usually come first). */
export const DELETION_RECHECK_MS = 2_000;
/** Look again while a deletion waits for clusters that cannot be asked. */
export const UNREACHABLE_RECHECK_MS = 10_000;

export function planSync(snapshot: SyncSnapshot): SyncPlan {
  if (snapshot.invalidName) return planInvalidName(snapshot);
  if (snapshot.fed.metadata?.deletionTimestamp) return planDeletion(snapshot);
  return planPropagation(snapshot);
}

function emptyPlan(): SyncPlan {
  return { actions: [], withdraw: [], clusters: [], settled: true, skipStatus: false, events: [], waitingForCaches: [] };
}

function planInvalidName(snapshot: SyncSnapshot): SyncPlan {
  const plan = { ...emptyPlan(), skipStatus: true };
  if (snapshot.fed.metadata?.deletionTimestamp) {
    // Never propagated, so nothing to clean up: a finalizer of ours (added by hand) must not block deletion.
    if (snapshot.hasFinalizer) plan.finalizer = 'remove';
    return plan;
  }
  plan.events.push({ type: 'Warning', reason: 'InvalidName', message: 'The name of a federated namespace must match the name of its containing namespace.' });
  return plan;
}

function previousStatusOf(fed: FederatedResource, cluster: string): string | undefined {
  const entry = fed.status?.clusters?.find((c) => c.name === cluster);
  return entry ? (entry.status ?? '') : undefined;
}

function listedInStatus(fed: FederatedResource, cluster: string): boolean {
  return (fed.status?.clusters ?? []).some((c) => c.name === cluster);
}

/** Whether a cluster whose cache cannot be read, or that cannot be asked, may hold a copy. */
function mayHold(snapshot: SyncSnapshot, cluster: ClusterSnapshot): boolean {
  if (cluster.ledger?.record || cluster.ledger?.outstanding) return true;
  if (cluster.cache.kind === 'fresh' || (cluster.cache.kind === 'filling' && cluster.member)) return holdsManaged(cluster.member);
  return listedInStatus(snapshot.fed, cluster.name);
}

function holdsManaged(member: MemberObject | undefined): boolean {
  return member?.metadata.labels?.[MANAGED_LABEL] === MANAGED_LABEL_TRUE;
}

/** We deleted or unlabelled the object as the cache still shows it. */
function goingAway(cluster: ClusterSnapshot): boolean {
  const removed = cluster.ledger?.removed;
  return removed !== undefined && cluster.member !== undefined && cluster.member.metadata.resourceVersion === removed.resourceVersion;
}

function markedDeleting(member: MemberObject): MemberObject {
  return { ...member, metadata: { ...member.metadata, deletionTimestamp: member.metadata.deletionTimestamp ?? 'requested' } };
}

function toStatus(action: Extract<ClusterAction, { kind: 'none' }>): string {
  return action.status === PropagationStatus.Ok ? '' : action.status;
}

function planPropagation(snapshot: SyncSnapshot): SyncPlan {
  const { fed, placement } = snapshot;
  const plan = emptyPlan();
  if (!snapshot.hasFinalizer) plan.finalizer = 'add';
  plan.reason = placement.reason;
  plan.message = placement.message;
  const selected = new Set(placement.clusters);

  const renders = new Map<string, { rendered: RenderResult; hash: string }>();
  for (const cluster of snapshot.clusters) {
    // Decide only from a filled cache, or a missing object would look absent; the other clusters go on (a
    // member coming back or flapping refills its cache, which must not hold back the healthy ones).
    if (cluster.ready && cluster.cache.kind === 'filling') {
      plan.waitingForCaches.push(cluster.name);
      plan.settled = false;
      continue;
    }
    const isSelected = selected.has(cluster.name);
    const report = (status: string, message?: string): void => {
      const line: ClusterStatus = { name: cluster.name, status };
      if (message) line.message = message;
      if (snapshot.statusCollection && cluster.member && cluster.member.status && typeof cluster.member.status === 'object') {
        line.remoteStatus = cluster.member.status as Record<string, unknown>;
      }
      plan.clusters.push(line);
    };
    const reportedBefore = previousStatusOf(fed, cluster.name);

    if (cluster.ready && cluster.cache.kind === 'failed') {
      if (isSelected) {
        report(PropagationStatus.CachedRetrievalFailed, `cannot list ${snapshot.target.kind} objects in cluster "${cluster.name}"${cluster.cache.error ? `: ${cluster.cache.error}` : ''}`);
      }
      continue;
    }

    // A cluster whose executor fails fast is as good as not ready until it answers again.
    const usable = cluster.ready && cluster.executorAvailable && cluster.cache.kind === 'fresh';
    let rendered: RenderResult | undefined;
    let hash: string | undefined;
    if (isSelected && usable) {
      // Clusters without overrides of their own share one render (and one hash) of the object.
      const shareKey = renderShareKey(fed, cluster.name);
      let shared = renders.get(shareKey);
      if (!shared) {
        const result = renderForCluster({ fedObject: fed, target: snapshot.target, cluster: cluster.name });
        shared = { rendered: result, hash: result.ok ? desiredHash(result.object) : 'invalid' };
        renders.set(shareKey, shared);
      }
      ({ rendered, hash } = shared);
    }
    let action = planClusterAction({
      ready: usable,
      selected: isSelected,
      rendered,
      hash,
      // Our deletion is under way though the cache does not show it yet.
      cached: cluster.member && goingAway(cluster) ? markedDeleting(cluster.member) : cluster.member,
      record: cluster.ledger?.record,
      isHostNamespace: cluster.isHostNamespace,
    });
    // A cluster that cannot be asked may still hold a copy placed there before: it stays in the status until it
    // is back and the copy is gone, so that the status tells, and a restarted controller still knows.
    if (!usable && !isSelected && mayHold(snapshot, cluster)) action = { kind: 'none', status: PropagationStatus.ClusterNotReady };

    if (action.kind === 'none') {
      if (cluster.ledger?.outstanding) plan.withdraw.push(cluster.name);
      if (isSelected || action.status !== PropagationStatus.Ok) {
        const message = action.message ?? (action.status === PropagationStatus.ClusterNotReady ? notReadyMessage(cluster) : undefined);
        report(toStatus(action), message);
      }
      // Events tell of changes: a cluster already reported in this state gets no new one.
      const newly = reportedBefore !== toStatus(action);
      if (newly && action.status === PropagationStatus.ClusterNotReady && isSelected) {
        plan.events.push({ type: 'Warning', reason: 'ClusterNotReady', message: `Cluster "${cluster.name}" is not ready` });
      }
      if (newly && rendered && !rendered.ok) {
        plan.events.push({ type: 'Warning', reason: rendered.status, message: `${rendered.message} (cluster "${cluster.name}")` });
      }
      continue;
    }

    const memberAction = toMemberAction(snapshot, cluster, action);
    const actionHash = 'hash' in memberAction ? memberAction.hash : undefined;
    const refusal = cluster.ledger?.refusal;
    if (refusal && refusal.kind === memberAction.kind && refusal.hash === actionHash) {
      // Refused for this exact desired object: not sent again until something changes.
      if (isSelected) report(refusal.status, refusal.message);
      continue;
    }
    const outstanding = cluster.ledger?.outstanding;
    if (outstanding && outstanding.kind === memberAction.kind && outstanding.hash === actionHash) {
      const failure = cluster.ledger?.failure;
      if (failure && failure.kind === outstanding.kind && failure.hash === outstanding.hash) {
        // The executor retries it; the status says why it is not done yet.
        if (isSelected || memberAction.kind === 'delete') report(failure.status, failure.message);
      } else {
        plan.settled = false;
      }
      continue;
    }
    plan.actions.push({ cluster: cluster.name, action: memberAction });
    plan.settled = false;
  }

  for (const name of placement.unknownClusters) {
    plan.clusters.push({ name, status: PropagationStatus.ClusterNotReady, message: `cluster "${name}" is not registered` });
  }
  if (plan.clusters.some((c) => c.status === PropagationStatus.WaitingForRemoval)) plan.requeueAfterMs = DELETION_RECHECK_MS;
  return plan;
}

function notReadyMessage(cluster: ClusterSnapshot): string | undefined {
  if (cluster.ready && !cluster.executorAvailable) return cluster.ledger?.failure?.message ?? `cluster "${cluster.name}" does not answer`;
  return undefined;
}

function toMemberAction(snapshot: SyncSnapshot, cluster: ClusterSnapshot, action: Exclude<ClusterAction, { kind: 'none' }>): MemberAction {
  switch (action.kind) {
    case 'create':
      return { kind: 'create', desired: action.desired, hash: action.hash, adoption: snapshot.adoption };
    case 'update':
      return {
        kind: 'update',
        desired: action.desired,
        hash: action.hash,
        basedOn: cluster.member?.metadata.resourceVersion,
        applyOwnership: cluster.member?.applyOwnership,
        drift: action.drift,
      };
    case 'delete':
      return { kind: 'delete', options: snapshot.deleteOptions, basedOn: cluster.member?.metadata.resourceVersion };
    case 'unlabel':
      return { kind: 'unlabel', basedOn: cluster.member?.metadata.resourceVersion };
  }
}

/**
 * Deleting: every copy is deleted (or, orphaning, unlabelled) first, and only then is the finalizer released. A
 * cluster that cannot be asked and may hold a copy keeps the finalizer: its copy must not be forgotten.
 */
function planDeletion(snapshot: SyncSnapshot): SyncPlan {
  const plan = { ...emptyPlan(), skipStatus: true };
  if (!snapshot.hasFinalizer) return plan;
  const unreachable: string[] = [];
  const remaining: string[] = [];
  for (const cluster of snapshot.clusters) {
    const usable = cluster.ready && cluster.executorAvailable && cluster.cache.kind !== 'failed';
    // Work under way counts as a copy it may hold (see mayHold).
    if (!mayHold(snapshot, cluster)) continue;
    if (!usable) {
      unreachable.push(cluster.name);
      continue;
    }
    const member = cluster.member;
    // Marked unmanaged by someone else: not ours to touch.
    if (member && !holdsManaged(member)) continue;
    const orphaning = snapshot.orphan || cluster.isHostNamespace;
    // Work under way (an unlabel whose watch event came before its outcome) is let finish: what follows is
    // decided from its outcome, never from a cache that no longer shows the object.
    if (cluster.ledger?.outstanding) {
      remaining.push(cluster.name);
      continue;
    }
    // Only the cached object tells whether this is the host's own namespace (its uid): without it, wait for the
    // cache rather than risk deleting the host's namespace.
    if (!member && snapshot.adoption.hostNamespaceUid !== undefined) {
      remaining.push(cluster.name);
      continue;
    }
    if (!orphaning && member?.metadata.deletionTimestamp) {
      remaining.push(cluster.name);
      continue;
    }
    if (member && goingAway(cluster)) {
      if (!orphaning) remaining.push(cluster.name);
      continue;
    }
    const basedOn = member?.metadata.resourceVersion;
    const action: MemberAction = orphaning ? { kind: 'unlabel', basedOn } : { kind: 'delete', options: snapshot.deleteOptions, basedOn };
    if (!orphaning) remaining.push(cluster.name);
    plan.actions.push({ cluster: cluster.name, action });
  }
  if (unreachable.length > 0) {
    plan.events.push({
      type: 'Warning',
      reason: 'WaitForRemovalInCluster',
      message: `Waiting for clusters ${unreachable.join(', ')} to become reachable before deleting`,
    });
    plan.requeueAfterMs = UNREACHABLE_RECHECK_MS;
    return plan;
  }
  if (remaining.length > 0 || plan.actions.length > 0) {
    // Said once, when the deletions are sent; the rechecks that follow say nothing new.
    if (remaining.length > 0 && plan.actions.some((a) => a.action.kind === 'delete')) {
      plan.events.push({
        type: 'Normal',
        reason: 'WaitForRemovalInCluster',
        message: `Waiting for managed resources to be removed from the following clusters: ${remaining.join(', ')}`,
      });
    }
    plan.requeueAfterMs = DELETION_RECHECK_MS;
    return plan;
  }
  plan.finalizer = 'remove';
  return plan;
}

/**
 * A fed object is gone while managed copies remain (its finalizer was removed by hand): they are released,
 * unlabelled rather than deleted, so that nothing is lost.
 */
export function planRelease(clusters: readonly ClusterSnapshot[]): Array<{ cluster: string; action: MemberAction }> {
  const actions: Array<{ cluster: string; action: MemberAction }> = [];
  for (const cluster of clusters) {
    const member = cluster.member;
    if (!member || !holdsManaged(member) || member.metadata.deletionTimestamp) continue;
    if (!cluster.ready || !cluster.executorAvailable || goingAway(cluster) || cluster.ledger?.outstanding?.kind === 'unlabel') continue;
    actions.push({ cluster: cluster.name, action: { kind: 'unlabel', basedOn: member.metadata.resourceVersion } });
  }
  return actions;
}

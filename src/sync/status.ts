// Computes the status the sync controller writes on a Federated<X> from the per-cluster outcomes of one
// reconcile, and tells whether it differs from what is already there, so status is written only on change.
import {
  FederatedConditionSchema,
  type ClusterPropagationStatus,
  type FederatedCondition,
  type FederatedResourceStatus,
} from '../api/federated-resource.js';
import {
  AggregateReason,
  ConditionStatus,
  PROPAGATION_CONDITION_TYPE,
  PropagationStatus,
  RECOVERABLE_PROPAGATION_STATUSES,
} from '../api/constants.js';

/** The outcome in one member cluster, as the dispatcher recorded it. */
export interface ClusterOutcome {
  name: string;
  /** A `PropagationStatus`; `""` when the cluster is in the desired state. */
  status: string;
  /** The member object's `.status`, when collected. */
  remoteStatus?: Record<string, unknown>;
}

export interface AggregateInput {
  previous: FederatedResourceStatus | undefined;
  generation: number | undefined;
  clusters: ReadonlyArray<ClusterOutcome>;
  /** A failure of the whole reconcile (e.g. `NamespaceNotFederated`, `ComputePlacementFailed`); absent or `""` if none. */
  reason?: AggregateReason;
  /** Why, in words, when `reason` is set. */
  message?: string;
  /** RFC 3339 time to stamp on changed conditions. */
  now: string;
}

/**
 * Whether the Propagation condition can carry a message. The CRD is generated from this schema, and the API
 * server prunes fields the CRD does not declare: writing a message it would drop would make every computed
 * status differ from the stored one and cause a status write on every reconcile.
 */
export const CONDITION_MESSAGE_SUPPORTED: boolean = 'message' in FederatedConditionSchema.shape;

const DEFAULT_REASON_MESSAGES: Partial<Record<AggregateReason, string>> = {
  [AggregateReason.ClusterRetrievalFailed]: 'the registered clusters could not be listed',
  [AggregateReason.ComputePlacementFailed]: 'the placement could not be computed',
  [AggregateReason.NamespaceNotFederated]: 'the namespace of this resource is not federated (no FederatedNamespace)',
};

function isOk(status: string | undefined): boolean {
  return status === undefined || status === PropagationStatus.Ok;
}

/**
 * Sorted by name (KubeFed's order was random, which made every reconcile look like a change); a name given
 * twice keeps its last outcome. Copies remoteStatus so the result never shares structure with a cached object.
 */
function clusterStatuses(clusters: ReadonlyArray<ClusterOutcome>): ClusterPropagationStatus[] {
  const byName = new Map<string, ClusterOutcome>();
  for (const cluster of clusters) byName.set(cluster.name, cluster);
  return [...byName.keys()].sort().map((name) => {
    const cluster = byName.get(name) as ClusterOutcome;
    const entry: ClusterPropagationStatus = { name };
    if (!isOk(cluster.status)) entry.status = cluster.status;
    if (cluster.remoteStatus !== undefined) entry.remoteStatus = structuredClone(cluster.remoteStatus);
    return entry;
  });
}

/**
 * The human explanation of a Propagation condition that is not True, e.g.
 * `2 of 3 clusters not in the desired state: member2 (ClusterNotReady), member3 (AlreadyExists)`.
 * Exported for Events, and used on the condition itself once the CRD has a `message` field.
 */
export function propagationMessage(input: Pick<AggregateInput, 'clusters' | 'reason' | 'message'>): string | undefined {
  if (input.reason) return input.message || DEFAULT_REASON_MESSAGES[input.reason] || input.reason;
  const statuses = clusterStatuses(input.clusters);
  const failing = statuses.filter((cluster) => !isOk(cluster.status));
  if (failing.length === 0) return input.message || undefined;
  const plural = statuses.length === 1 ? 'cluster' : 'clusters';
  const list = failing.map((cluster) => `${cluster.name} (${cluster.status})`).join(', ');
  return `${failing.length} of ${statuses.length} ${plural} not in the desired state: ${list}`;
}

/**
 * The status of a Federated<X> after a reconcile, with KubeFed's meaning:
 * - `observedGeneration` is the generation that was reconciled;
 * - `clusters` lists each placed cluster sorted by name, `status` omitted when OK;
 * - the `Propagation` condition is True only when there is no aggregate `reason` and every cluster is OK; else False
 *   with the given reason, or `CheckClusters` when only clusters failed;
 * - `lastTransitionTime` moves only when the condition's status or reason changes; `lastUpdateTime` also when the
 *   cluster list changes (ignoring order);
 * - conditions of other types in `previous` are kept as they were.
 */
export function aggregatePropagationStatus(input: AggregateInput): FederatedResourceStatus {
  const clusters = clusterStatuses(input.clusters);
  const allOk = clusters.every((cluster) => isOk(cluster.status));
  const reason = input.reason || (allOk ? AggregateReason.Ok : AggregateReason.CheckClusters);
  const status = reason === AggregateReason.Ok ? ConditionStatus.True : ConditionStatus.False;

  const previousConditions = input.previous?.conditions ?? [];
  const previousCondition = previousConditions.find((condition) => condition?.type === PROPAGATION_CONDITION_TYPE);
  const transitioned =
    previousCondition === undefined || previousCondition.status !== status || (previousCondition.reason ?? '') !== reason;
  const clustersChanged = !sameClusters(input.previous?.clusters, clusters);

  const lastTransitionTime = transitioned ? input.now : (previousCondition?.lastTransitionTime ?? input.now);
  const lastUpdateTime = transitioned || clustersChanged ? input.now : (previousCondition?.lastUpdateTime ?? input.now);

  const condition: FederatedCondition = { type: PROPAGATION_CONDITION_TYPE, status };
  if (reason !== AggregateReason.Ok) condition.reason = reason;
  condition.lastUpdateTime = lastUpdateTime;
  condition.lastTransitionTime = lastTransitionTime;
  if (CONDITION_MESSAGE_SUPPORTED && status !== ConditionStatus.True) {
    const message = propagationMessage(input);
    if (message) Object.assign(condition, { message });
  }

  // The Propagation condition keeps its place among the others; stray duplicates of it are dropped.
  const conditions = previousConditions.flatMap((existing) => {
    if (existing === previousCondition) return [condition];
    return existing?.type === PROPAGATION_CONDITION_TYPE ? [] : [structuredClone(existing)];
  });
  if (previousCondition === undefined) conditions.push(condition);

  const result: FederatedResourceStatus = {};
  if (input.generation !== undefined) result.observedGeneration = input.generation;
  result.conditions = conditions;
  result.clusters = clusters;
  return result;
}

// KubeFed stored clusters in random order, so a status it wrote must not look changed just for its order.
function sameClusters(previous: ReadonlyArray<ClusterPropagationStatus> | undefined, next: ClusterPropagationStatus[]): boolean {
  const before = [...(previous ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return jsonEqual(before, next);
}

/**
 * Deep equality of two statuses with JSON meaning: key order and `undefined`-valued keys do not matter,
 * everything else (including list order and empty strings) does. Use it to write status only when it changed.
 */
export function propagationStatusEqual(a: FederatedResourceStatus | undefined, b: FederatedResourceStatus | undefined): boolean {
  return jsonEqual(a, b);
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Timestamps from a cache may be Date objects where a freshly computed status holds strings.
  if (a instanceof Date || b instanceof Date) return timeOf(a) !== undefined && timeOf(a) === timeOf(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((element, index) => jsonEqual(element, b[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) {
    if (!jsonEqual(left[key], right[key])) return false;
  }
  return true;
}

function timeOf(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value !== 'string') return undefined;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** Whether a cluster's propagation status is worth retrying with backoff (a write failed or timed out). */
export function isRecoverable(status: string | undefined): boolean {
  return status !== undefined && RECOVERABLE_PROPAGATION_STATUSES.has(status as PropagationStatus);
}

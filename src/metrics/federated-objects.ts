// Counts of federated objects by Propagation status, computed from the objects' own status when Prometheus
// scrapes, so the sync controllers keep no bookkeeping of their own for it and the counts can never drift
// from what `kubectl get` shows.
import { ConditionStatus, PROPAGATION_CONDITION_TYPE, PropagationStatus } from '../api/constants.js';
import type { FederatedResourceStatus } from '../api/federated-resource.js';

/** The federated objects one sync controller caches; `controller` is its metrics label (`federateddeployment`). */
export interface FederatedObjectSource {
  controller: string;
  objects: Iterable<{ status?: FederatedResourceStatus | undefined }>;
}

/** Label value of a cluster that is in the desired state (KubeFed leaves its `status` empty). */
export const CLUSTER_STATUS_OK = 'Ok';

export interface ObjectCount {
  controller: string;
  /** The Propagation condition's status: True, False, or Unknown while the object has none yet. */
  status: string;
  /** The condition's reason (`CheckClusters`, `NamespaceNotFederated`, ...); empty when True. */
  reason: string;
  count: number;
}

export interface ClusterCount {
  controller: string;
  cluster: string;
  /** `Ok`, or the cluster's propagation status (`CreationFailed`, `ClusterNotReady`, ...). */
  status: string;
  count: number;
}

/** Objects per controller, Propagation status and reason; only combinations that occur. */
export function countByPropagation(sources: Iterable<FederatedObjectSource>): ObjectCount[] {
  const counts = new Map<string, ObjectCount>();
  for (const { controller, objects } of sources) {
    for (const object of objects) {
      const condition = object.status?.conditions?.find((c) => c?.type === PROPAGATION_CONDITION_TYPE);
      const status = condition?.status || ConditionStatus.Unknown;
      const reason = condition?.reason ?? '';
      const key = JSON.stringify([controller, status, reason]);
      const entry = counts.get(key);
      if (entry) entry.count++;
      else counts.set(key, { controller, status, reason, count: 1 });
    }
  }
  return [...counts.values()];
}

/**
 * Placements (object × cluster in `status.clusters`) per controller, cluster and per-cluster status; only
 * combinations that occur. This is what tells which member refuses which type.
 */
export function countByClusterStatus(sources: Iterable<FederatedObjectSource>): ClusterCount[] {
  const counts = new Map<string, ClusterCount>();
  for (const { controller, objects } of sources) {
    for (const object of objects) {
      for (const entry of object.status?.clusters ?? []) {
        if (!entry?.name) continue;
        const status = !entry.status || entry.status === PropagationStatus.Ok ? CLUSTER_STATUS_OK : entry.status;
        const key = JSON.stringify([controller, entry.name, status]);
        const found = counts.get(key);
        if (found) found.count++;
        else counts.set(key, { controller, cluster: entry.name, status, count: 1 });
      }
    }
  }
  return [...counts.values()];
}

// Placement decisions of the sync controller: which registered member clusters a Federated<X> selects,
// and how a namespaced resource's placement is narrowed by its FederatedNamespace.
import type { Placement } from '../api/federated-resource.js';
import { AggregateReason, type ResourceScope } from '../api/constants.js';
import { matchesLabelSelector, validateLabelSelector } from './label-selector.js';

/** A registered member cluster as placement sees it: the KubeFedCluster's name and metadata.labels. */
export interface PlacementCandidate {
  name: string;
  labels?: Record<string, string>;
}

/** The clusters a placement selects. */
export interface ClusterSelection {
  /** Selected registered clusters, sorted and without duplicates. */
  clusters: string[];
  /** Names listed in `placement.clusters` that are not registered, sorted, so status can say which. */
  unknownClusters: string[];
  /** Set when the placement cannot be evaluated (invalid selector); `clusters` is then empty. */
  error?: string;
}

function sortedUnique(names: Iterable<string>): string[] {
  // Sorted output keeps status and events stable from one reconcile to the next.
  return [...new Set(names)].sort();
}

/**
 * Selects member clusters with KubeFed semantics:
 * - `placement.clusters` present, even `[]`: exactly the listed clusters that are registered; the selector is ignored;
 * - otherwise `placement.clusterSelector`: absent selects none, `{}` selects all, else matched against cluster labels;
 * - an invalid selector selects none and reports why in `error`.
 */
export function selectClusters(
  placement: Placement | undefined,
  clusters: ReadonlyArray<PlacementCandidate>,
): ClusterSelection {
  if (placement == null) return { clusters: [], unknownClusters: [] };

  // `!= null`: a Go nil slice arrives as null or absent; only an actual list (even empty) pins the clusters.
  if (placement.clusters != null) {
    const registered = new Set(clusters.map((cluster) => cluster.name));
    const wanted = placement.clusters.map((reference) => reference?.name).filter((name): name is string => typeof name === 'string');
    return {
      clusters: sortedUnique(wanted.filter((name) => registered.has(name))),
      unknownClusters: sortedUnique(wanted.filter((name) => !registered.has(name))),
    };
  }

  const selector = placement.clusterSelector;
  // LabelSelectorAsSelector(nil) is "Nothing": a placement without clusters and selector places nowhere.
  if (selector == null) return { clusters: [], unknownClusters: [] };

  const errors = validateLabelSelector(selector);
  if (errors.length > 0) return { clusters: [], unknownClusters: [], error: errors.join('; ') };

  return {
    clusters: sortedUnique(clusters.filter((cluster) => matchesLabelSelector(selector, cluster.labels)).map((cluster) => cluster.name)),
    unknownClusters: [],
  };
}

/** Placement of a namespaced resource after taking its namespace's FederatedNamespace into account. */
export interface NamespacedPlacement {
  /** Sorted, without duplicates. */
  clusters: string[];
  /** Set when the resource cannot be placed because its namespace is not federated. */
  reason?: typeof AggregateReason.NamespaceNotFederated;
}

/**
 * Narrows a namespaced resource's clusters to those of the FederatedNamespace `<ns>/<ns>`.
 *
 * @param input.resourceClusters clusters selected by the resource's own placement
 * @param input.namespaceClusters clusters selected by the FederatedNamespace, or `undefined` when there is none
 * @param input.scope scope of the control plane (KubeFedConfig `spec.scope`)
 * @returns with a cluster-scoped control plane, no FederatedNamespace means no clusters and reason
 *   `NamespaceNotFederated` (the namespace itself would be missing in the members); with a namespace-scoped
 *   control plane the namespace is assumed to exist in the members, so the resource's clusters stand as they are
 */
export function computeNamespacedPlacement(input: {
  resourceClusters: ReadonlyArray<string>;
  namespaceClusters: ReadonlyArray<string> | undefined;
  scope: ResourceScope;
}): NamespacedPlacement {
  const { resourceClusters, namespaceClusters, scope } = input;
  if (namespaceClusters === undefined) {
    if (scope === 'Cluster') return { clusters: [], reason: AggregateReason.NamespaceNotFederated };
    return { clusters: sortedUnique(resourceClusters) };
  }
  const namespaceSet = new Set(namespaceClusters);
  return { clusters: sortedUnique(resourceClusters.filter((name) => namespaceSet.has(name))) };
}

import { describe, expect, it } from 'vitest';
import type { Placement } from '../../../src/api/federated-resource.js';
import {
  computeNamespacedPlacement,
  selectClusters,
  type ClusterSelection,
  type PlacementCandidate,
} from '../../../src/sync/placement.js';

const registered: PlacementCandidate[] = [
  { name: 'member3', labels: { region: 'us' } },
  { name: 'member1', labels: { region: 'eu', tier: 'gold' } },
  { name: 'member2', labels: { region: 'eu' } },
  { name: 'bare' },
];

describe('selectClusters', () => {
  it.each<[string, Placement | undefined, ClusterSelection]>([
    ['no placement → none', undefined, { clusters: [], unknownClusters: [] }],
    ['empty placement → none', {}, { clusters: [], unknownClusters: [] }],
    ['clusters [] → none, selector ignored', { clusters: [], clusterSelector: {} }, { clusters: [], unknownClusters: [] }],
    [
      'named clusters, sorted',
      { clusters: [{ name: 'member2' }, { name: 'member1' }] },
      { clusters: ['member1', 'member2'], unknownClusters: [] },
    ],
    [
      'named clusters win over the selector',
      { clusters: [{ name: 'member3' }], clusterSelector: { matchLabels: { region: 'eu' } } },
      { clusters: ['member3'], unknownClusters: [] },
    ],
    [
      'unknown names reported',
      { clusters: [{ name: 'nope' }, { name: 'member1' }, { name: 'gone' }] },
      { clusters: ['member1'], unknownClusters: ['gone', 'nope'] },
    ],
    [
      'duplicates collapse',
      { clusters: [{ name: 'member1' }, { name: 'member1' }, { name: 'x' }, { name: 'x' }] },
      { clusters: ['member1'], unknownClusters: ['x'] },
    ],
    ['selector {} → all, sorted', { clusterSelector: {} }, { clusters: ['bare', 'member1', 'member2', 'member3'], unknownClusters: [] }],
    ['selector by label', { clusterSelector: { matchLabels: { region: 'eu' } } }, { clusters: ['member1', 'member2'], unknownClusters: [] }],
    [
      'selector with expressions',
      { clusterSelector: { matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] } },
      { clusters: ['bare', 'member2', 'member3'], unknownClusters: [] },
    ],
    ['selector matching nothing', { clusterSelector: { matchLabels: { region: 'ap' } } }, { clusters: [], unknownClusters: [] }],
    [
      'invalid selector → error and none',
      { clusterSelector: { matchExpressions: [{ key: 'region', operator: 'Equals', values: ['eu'] }] } },
      {
        clusters: [],
        unknownClusters: [],
        error:
          'spec.placement.clusterSelector.matchExpressions[0].operator: unknown operator "Equals"; must be one of In, NotIn, Exists, DoesNotExist',
      },
    ],
    [
      'several selector errors joined',
      {
        clusterSelector: {
          matchExpressions: [
            { key: 'a', operator: 'In', values: [] },
            { key: 'b', operator: 'Exists', values: ['x'] },
          ],
        },
      },
      {
        clusters: [],
        unknownClusters: [],
        error:
          'spec.placement.clusterSelector.matchExpressions[0].values: must be non-empty when operator is In; ' +
          'spec.placement.clusterSelector.matchExpressions[1].values: must be empty when operator is Exists',
      },
    ],
  ])('%s', (_name, placement, expected) => {
    expect(selectClusters(placement, registered)).toEqual(expected);
  });

  it('treats clusters: null (a Go nil slice) as absent', () => {
    const placement = { clusters: null, clusterSelector: { matchLabels: { region: 'us' } } } as unknown as Placement;
    expect(selectClusters(placement, registered)).toEqual({ clusters: ['member3'], unknownClusters: [] });
  });

  it('selects nothing when no cluster is registered', () => {
    expect(selectClusters({ clusters: [{ name: 'member1' }] }, [])).toEqual({ clusters: [], unknownClusters: ['member1'] });
    expect(selectClusters({ clusterSelector: {} }, [])).toEqual({ clusters: [], unknownClusters: [] });
  });

  it('does not mutate its inputs', () => {
    const placement: Placement = { clusters: [{ name: 'member2' }, { name: 'member1' }] };
    const before = structuredClone({ placement, registered });
    selectClusters(Object.freeze(placement), Object.freeze([...registered]));
    expect({ placement, registered }).toEqual(before);
  });
});

describe('computeNamespacedPlacement', () => {
  it.each<[string, Parameters<typeof computeNamespacedPlacement>[0], ReturnType<typeof computeNamespacedPlacement>]>([
    [
      'cluster scope: intersection',
      { resourceClusters: ['c', 'a', 'b'], namespaceClusters: ['b', 'c', 'd'], scope: 'Cluster' },
      { clusters: ['b', 'c'] },
    ],
    [
      'cluster scope: no FederatedNamespace → none, NamespaceNotFederated',
      { resourceClusters: ['a', 'b'], namespaceClusters: undefined, scope: 'Cluster' },
      { clusters: [], reason: 'NamespaceNotFederated' },
    ],
    [
      'cluster scope: FederatedNamespace placed nowhere → none, no reason',
      { resourceClusters: ['a', 'b'], namespaceClusters: [], scope: 'Cluster' },
      { clusters: [] },
    ],
    [
      'namespace scope: intersection when the FederatedNamespace exists',
      { resourceClusters: ['a', 'b'], namespaceClusters: ['b'], scope: 'Namespaced' },
      { clusters: ['b'] },
    ],
    [
      'namespace scope: no FederatedNamespace → resource clusters as they are',
      { resourceClusters: ['b', 'a'], namespaceClusters: undefined, scope: 'Namespaced' },
      { clusters: ['a', 'b'] },
    ],
    ['resource placed nowhere', { resourceClusters: [], namespaceClusters: ['a'], scope: 'Cluster' }, { clusters: [] }],
  ])('%s', (_name, input, expected) => {
    expect(computeNamespacedPlacement(input)).toEqual(expected);
  });

  it('returns a fresh array', () => {
    const resourceClusters = ['a'];
    const result = computeNamespacedPlacement({ resourceClusters, namespaceClusters: undefined, scope: 'Namespaced' });
    expect(result.clusters).not.toBe(resourceClusters);
  });
});

import { describe, expect, it } from 'vitest';
import type { FederatedResourceStatus } from '../../../src/api/federated-resource.js';
import { PropagationStatus, RECOVERABLE_PROPAGATION_STATUSES } from '../../../src/api/constants.js';
import {
  aggregatePropagationStatus,
  CONDITION_MESSAGE_SUPPORTED,
  isRecoverable,
  propagationMessage,
  propagationStatusEqual,
  type AggregateInput,
} from '../../../src/sync/status.js';

const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-01T00:05:00Z';

const ok = (name: string, remoteStatus?: Record<string, unknown>) => ({ name, status: '', ...(remoteStatus ? { remoteStatus } : {}) });
const bad = (name: string, status: string) => ({ name, status });

function previousWith(
  condition: { status: string; reason?: string },
  clusters: FederatedResourceStatus['clusters'],
): FederatedResourceStatus {
  return {
    observedGeneration: 1,
    conditions: [{ type: 'Propagation', ...condition, lastUpdateTime: T0, lastTransitionTime: T0 }],
    clusters,
  };
}

function input(overrides: Partial<AggregateInput>): AggregateInput {
  return { previous: undefined, generation: 2, clusters: [], now: T1, ...overrides };
}

describe('aggregatePropagationStatus', () => {
  it.each<[string, AggregateInput, FederatedResourceStatus]>([
    [
      'all OK, first status',
      input({ clusters: [ok('member2'), ok('member1')] }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1, lastTransitionTime: T1 }],
        clusters: [{ name: 'member1' }, { name: 'member2' }],
      },
    ],
    [
      'no clusters is OK',
      input({}),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1, lastTransitionTime: T1 }],
        clusters: [],
      },
    ],
    [
      'some clusters failing → CheckClusters',
      input({ clusters: [bad('member3', 'AlreadyExists'), ok('member1'), bad('member2', 'ClusterNotReady')] }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'False', reason: 'CheckClusters', lastUpdateTime: T1, lastTransitionTime: T1 }],
        clusters: [{ name: 'member1' }, { name: 'member2', status: 'ClusterNotReady' }, { name: 'member3', status: 'AlreadyExists' }],
      },
    ],
    [
      'aggregate reason wins over cluster failures',
      input({ clusters: [bad('member1', 'CreationFailed')], reason: 'ComputePlacementFailed', message: 'bad selector' }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'False', reason: 'ComputePlacementFailed', lastUpdateTime: T1, lastTransitionTime: T1 }],
        clusters: [{ name: 'member1', status: 'CreationFailed' }],
      },
    ],
    [
      'aggregate reason with all clusters OK',
      input({ reason: 'NamespaceNotFederated' }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'False', reason: 'NamespaceNotFederated', lastUpdateTime: T1, lastTransitionTime: T1 }],
        clusters: [],
      },
    ],
    [
      'empty reason is success',
      input({ reason: '', clusters: [ok('a')] }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1, lastTransitionTime: T1 }],
        clusters: [{ name: 'a' }],
      },
    ],
    [
      'nothing changed → times kept',
      input({ previous: previousWith({ status: 'True' }, [{ name: 'a' }, { name: 'b' }]), clusters: [ok('b'), ok('a')] }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T0, lastTransitionTime: T0 }],
        clusters: [{ name: 'a' }, { name: 'b' }],
      },
    ],
    [
      'previous clusters in random order (KubeFed) are not a change',
      input({ previous: previousWith({ status: 'True' }, [{ name: 'b' }, { name: 'a' }]), clusters: [ok('a'), ok('b')] }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T0, lastTransitionTime: T0 }],
        clusters: [{ name: 'a' }, { name: 'b' }],
      },
    ],
    [
      'cluster added, status unchanged → only lastUpdateTime moves',
      input({ previous: previousWith({ status: 'True' }, [{ name: 'a' }]), clusters: [ok('a'), ok('b')] }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1, lastTransitionTime: T0 }],
        clusters: [{ name: 'a' }, { name: 'b' }],
      },
    ],
    [
      'remote status changed → lastUpdateTime moves',
      input({
        previous: previousWith({ status: 'True' }, [{ name: 'a', remoteStatus: { replicas: 1 } }]),
        clusters: [ok('a', { replicas: 2 })],
      }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1, lastTransitionTime: T0 }],
        clusters: [{ name: 'a', remoteStatus: { replicas: 2 } }],
      },
    ],
    [
      'another cluster fails, still CheckClusters → only lastUpdateTime moves',
      input({
        previous: previousWith({ status: 'False', reason: 'CheckClusters' }, [{ name: 'a', status: 'ClusterNotReady' }, { name: 'b' }]),
        clusters: [ok('a'), bad('b', 'UpdateFailed')],
      }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'False', reason: 'CheckClusters', lastUpdateTime: T1, lastTransitionTime: T0 }],
        clusters: [{ name: 'a' }, { name: 'b', status: 'UpdateFailed' }],
      },
    ],
    [
      'recovered → transition',
      input({ previous: previousWith({ status: 'False', reason: 'CheckClusters' }, [{ name: 'a', status: 'CreationFailed' }]), clusters: [ok('a')] }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1, lastTransitionTime: T1 }],
        clusters: [{ name: 'a' }],
      },
    ],
    [
      'reason changes while False → transition',
      input({ previous: previousWith({ status: 'False', reason: 'CheckClusters' }, []), reason: 'NamespaceNotFederated' }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'False', reason: 'NamespaceNotFederated', lastUpdateTime: T1, lastTransitionTime: T1 }],
        clusters: [],
      },
    ],
    [
      'previous condition without times gets them',
      input({ previous: { conditions: [{ type: 'Propagation', status: 'True' }], clusters: [] } }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1, lastTransitionTime: T1 }],
        clusters: [],
      },
    ],
    [
      'other condition types kept in place, duplicates of Propagation dropped',
      input({
        previous: {
          conditions: [
            { type: 'Other', status: 'True', reason: 'X' },
            { type: 'Propagation', status: 'True', lastUpdateTime: T0, lastTransitionTime: T0 },
            { type: 'Propagation', status: 'False', reason: 'CheckClusters' },
          ],
          clusters: [],
        },
      }),
      {
        observedGeneration: 2,
        conditions: [
          { type: 'Other', status: 'True', reason: 'X' },
          { type: 'Propagation', status: 'True', lastUpdateTime: T0, lastTransitionTime: T0 },
        ],
        clusters: [],
      },
    ],
    [
      'no generation → no observedGeneration',
      input({ generation: undefined }),
      { conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1, lastTransitionTime: T1 }], clusters: [] },
    ],
    [
      'a cluster given twice keeps its last outcome',
      input({ clusters: [bad('a', 'CreationFailed'), ok('a')] }),
      {
        observedGeneration: 2,
        conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1, lastTransitionTime: T1 }],
        clusters: [{ name: 'a' }],
      },
    ],
  ])('%s', (_name, given, expected) => {
    const result = aggregatePropagationStatus(given);
    if (CONDITION_MESSAGE_SUPPORTED) {
      // Once the CRD carries condition messages, the False conditions here carry one too.
      for (const condition of result.conditions ?? []) delete (condition as { message?: string }).message;
    }
    expect(result).toStrictEqual(expected);
  });

  it('writes a condition message only when the CRD schema has the field', () => {
    const result = aggregatePropagationStatus(input({ clusters: [bad('a', 'ClusterNotReady')] }));
    const condition = result.conditions?.[0] as Record<string, unknown>;
    if (CONDITION_MESSAGE_SUPPORTED) expect(condition.message).toBe('1 of 1 cluster not in the desired state: a (ClusterNotReady)');
    else expect(condition).not.toHaveProperty('message');
  });

  it('does not mutate or share structure with its inputs', () => {
    const remoteStatus = { replicas: 1, conditions: [{ type: 'Available' }] };
    const previous = previousWith({ status: 'True' }, [{ name: 'a', remoteStatus: { replicas: 0 } }]);
    previous.conditions?.unshift({ type: 'Other', status: 'True' });
    const given = input({ previous, clusters: [ok('a', remoteStatus)] });
    const before = structuredClone(given);
    const result = aggregatePropagationStatus(Object.freeze(given));
    expect(given).toEqual(before);
    expect(result.clusters?.[0]?.remoteStatus).toEqual(remoteStatus);
    expect(result.clusters?.[0]?.remoteStatus).not.toBe(remoteStatus);
    expect(result.conditions?.[0]).not.toBe(previous.conditions?.[0]);
  });

  it('is a fixed point: recomputing from its own output changes nothing', () => {
    const first = aggregatePropagationStatus(input({ clusters: [bad('b', 'AlreadyExists'), ok('a', { phase: 'Active' })] }));
    const second = aggregatePropagationStatus(
      input({ previous: first, clusters: [ok('a', { phase: 'Active' }), bad('b', 'AlreadyExists')], now: '2030-01-01T00:00:00Z' }),
    );
    expect(propagationStatusEqual(first, second)).toBe(true);
  });
});

describe('propagationMessage', () => {
  it.each<[string, Parameters<typeof propagationMessage>[0], string | undefined]>([
    ['all OK', { clusters: [ok('a')] }, undefined],
    [
      'clusters failing',
      { clusters: [bad('member3', 'AlreadyExists'), ok('member1'), bad('member2', 'ClusterNotReady')] },
      '2 of 3 clusters not in the desired state: member2 (ClusterNotReady), member3 (AlreadyExists)',
    ],
    ['one cluster', { clusters: [bad('a', 'UpdateFailed')] }, '1 of 1 cluster not in the desired state: a (UpdateFailed)'],
    ['given message', { clusters: [], reason: 'ComputePlacementFailed', message: 'selector: unknown operator' }, 'selector: unknown operator'],
    ['default for a reason', { clusters: [], reason: 'NamespaceNotFederated' }, 'the namespace of this resource is not federated (no FederatedNamespace)'],
    ['default for listing failure', { clusters: [], reason: 'ClusterRetrievalFailed' }, 'the registered clusters could not be listed'],
  ])('%s', (_name, given, expected) => {
    expect(propagationMessage(given)).toBe(expected);
  });
});

describe('propagationStatusEqual', () => {
  const status: FederatedResourceStatus = {
    observedGeneration: 3,
    conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T0, lastTransitionTime: T0 }],
    clusters: [{ name: 'a', remoteStatus: { replicas: 1, ready: true } }, { name: 'b' }],
  };
  const reordered = {
    clusters: [{ remoteStatus: { ready: true, replicas: 1 }, name: 'a' }, { name: 'b' }],
    conditions: [{ lastTransitionTime: T0, lastUpdateTime: T0, status: 'True', type: 'Propagation' }],
    observedGeneration: 3,
  };

  it.each<[string, FederatedResourceStatus | undefined, FederatedResourceStatus | undefined, boolean]>([
    ['same object', status, status, true],
    ['key order differs', status, reordered, true],
    ['undefined members are absent', { ...status, clusters: [{ name: 'a', status: undefined, remoteStatus: { replicas: 1, ready: true } }, { name: 'b' }] }, status, true],
    ['both undefined', undefined, undefined, true],
    ['one undefined', status, undefined, false],
    ['generation differs', status, { ...status, observedGeneration: 4 }, false],
    ['cluster order differs', status, { ...status, clusters: [{ name: 'b' }, { name: 'a', remoteStatus: { replicas: 1, ready: true } }] }, false],
    ['cluster status differs', status, { ...status, clusters: [{ name: 'a', remoteStatus: { replicas: 1, ready: true } }, { name: 'b', status: 'ClusterNotReady' }] }, false],
    ['empty string is not absent', { clusters: [{ name: 'a', status: '' }] }, { clusters: [{ name: 'a' }] }, false],
    ['remote status differs', status, { ...status, clusters: [{ name: 'a', remoteStatus: { replicas: 2, ready: true } }, { name: 'b' }] }, false],
    ['time differs', status, { ...status, conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1, lastTransitionTime: T0 }] }, false],
    ['empty vs missing list', { clusters: [] }, {}, false],
  ])('%s', (_name, a, b, equal) => {
    expect(propagationStatusEqual(a, b)).toBe(equal);
    expect(propagationStatusEqual(b, a)).toBe(equal);
  });

  it('treats a cached Date like its RFC 3339 string', () => {
    const cached = { conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: new Date(T0) }] } as unknown as FederatedResourceStatus;
    expect(propagationStatusEqual(cached, { conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T0 }] })).toBe(true);
    expect(propagationStatusEqual(cached, { conditions: [{ type: 'Propagation', status: 'True', lastUpdateTime: T1 }] })).toBe(false);
  });
});

describe('isRecoverable', () => {
  it.each(Object.values(PropagationStatus).map((status) => [status, RECOVERABLE_PROPAGATION_STATUSES.has(status)] as const))(
    '%j → %s',
    (status, recoverable) => {
      expect(isRecoverable(status)).toBe(recoverable);
    },
  );

  it.each<[string | undefined, boolean]>([
    ['CreationFailed', true],
    ['UpdateTimedOut', true],
    ['ClientRetrievalFailed', true],
    ['ClusterNotReady', false],
    ['AlreadyExists', false],
    ['', false],
    [undefined, false],
    ['SomethingNew', false],
  ])('%j → %s', (status, recoverable) => {
    expect(isRecoverable(status)).toBe(recoverable);
  });
});

// The events of one change: one per reason, naming every cluster, rather than one per cluster.
import { describe, expect, it } from 'vitest';
import { PropagationStatus } from '../../../src/api/constants.js';
import type { WorkOutcome } from '../../../src/execution/work.js';
import { clusterList, outcomeEvents, type PlannedEvent } from '../../../src/sync/outcome-events.js';

const what = 'ConfigMap "ns/x"';
const created: WorkOutcome = { kind: 'create', hash: 'h', status: '', written: { resourceVersion: '1', previousResourceVersion: undefined } };
const updated: WorkOutcome = { kind: 'update', hash: 'h', status: '', written: { resourceVersion: '2', previousResourceVersion: '1' } };
const on = (cluster: string, outcome: WorkOutcome): { cluster: string; outcome: WorkOutcome } => ({ cluster, outcome });

describe('outcomeEvents', () => {
  it.each<[string, Array<{ cluster: string; outcome: WorkOutcome }>, PlannedEvent[]]>([
    ['nothing came back', [], []],
    ['one create', [on('m1', created)], [{ type: 'Normal', reason: 'CreateInCluster', message: 'Created ConfigMap "ns/x" in cluster "m1"' }]],
    [
      'creates in several clusters, named in order',
      [on('m2', created), on('m1', created), on('m3', created)],
      [{ type: 'Normal', reason: 'CreateInCluster', message: 'Created ConfigMap "ns/x" in clusters "m1", "m2", "m3"' }],
    ],
    [
      'one event per reason, in the order the reasons first came',
      [on('m1', updated), on('m2', created), on('m3', updated)],
      [
        { type: 'Normal', reason: 'UpdateInCluster', message: 'Updated ConfigMap "ns/x" in clusters "m1", "m3"' },
        { type: 'Normal', reason: 'CreateInCluster', message: 'Created ConfigMap "ns/x" in cluster "m2"' },
      ],
    ],
    ['an adoption', [on('m1', { ...created, adopted: true })], [{ type: 'Normal', reason: 'AdoptInCluster', message: 'Adopted ConfigMap "ns/x" in cluster "m1"' }]],
    [
      'a reverted drift names the paths, per cluster',
      [on('m1', { ...updated, drift: ['/data/a', '/data/b'] }), on('m2', { ...updated, drift: ['/data/c'] })],
      [{ type: 'Warning', reason: 'DriftReverted', message: 'Reverted a change made directly to ConfigMap "ns/x": in cluster "m1": /data/a, /data/b; in cluster "m2": /data/c' }],
    ],
    [
      'deletes, and a delete waiting for finalizers',
      [on('m1', { kind: 'delete', hash: undefined, status: '' }), on('m2', { kind: 'delete', hash: undefined, status: PropagationStatus.WaitingForRemoval })],
      [{ type: 'Normal', reason: 'DeleteInCluster', message: 'Deleted ConfigMap "ns/x" in clusters "m1", "m2"' }],
    ],
    [
      'an unlabelling',
      [on('m1', { kind: 'unlabel', hash: undefined, status: '' })],
      [{ type: 'Normal', reason: 'RemoveManagedLabelFromInCluster', message: 'Removed the managed label from ConfigMap "ns/x" in cluster "m1"' }],
    ],
    [
      'failures name their errors, per cluster',
      [
        on('m2', { kind: 'create', hash: 'h', status: PropagationStatus.CreationTimedOut, message: 'timed out after 10000 ms' }),
        on('m1', { kind: 'create', hash: 'h', status: PropagationStatus.CreationFailed, message: 'admission webhook denied' }),
      ],
      [{ type: 'Warning', reason: 'CreateInClusterFailed', message: 'Failed to create ConfigMap "ns/x": in cluster "m1": admission webhook denied; in cluster "m2": timed out after 10000 ms' }],
    ],
    [
      'a failure without a message names its status',
      [on('m1', { kind: 'update', hash: 'h', status: PropagationStatus.UpdateFailed })],
      [{ type: 'Warning', reason: 'UpdateInClusterFailed', message: 'Failed to update ConfigMap "ns/x": in cluster "m1": UpdateFailed' }],
    ],
    [
      'failed deletes and unlabellings',
      [on('m1', { kind: 'delete', hash: undefined, status: PropagationStatus.DeletionFailed, message: 'e1' }), on('m2', { kind: 'unlabel', hash: undefined, status: PropagationStatus.LabelRemovalFailed, message: 'e2' })],
      [
        { type: 'Warning', reason: 'DeleteInClusterFailed', message: 'Failed to delete ConfigMap "ns/x": in cluster "m1": e1' },
        { type: 'Warning', reason: 'RemoveManagedLabelFromInClusterFailed', message: 'Failed to unlabel ConfigMap "ns/x": in cluster "m2": e2' },
      ],
    ],
    [
      'an existing object not adopted',
      [on('m1', { kind: 'create', hash: 'h', status: PropagationStatus.AlreadyExists, refused: true, message: 'already exists' }), on('m2', { kind: 'create', hash: 'h', status: PropagationStatus.AlreadyExists, refused: true })],
      [{ type: 'Warning', reason: 'AlreadyExists', message: 'Not adopted (adoptResources is Disabled), already existing: ConfigMap "ns/x" in clusters "m1", "m2"' }],
    ],
    [
      'work never attempted, and objects marked unmanaged, have no event of their own',
      [on('m1', { kind: 'create', hash: 'h', status: PropagationStatus.ClusterNotReady, notAttempted: true }), on('m2', { kind: 'create', hash: 'h', status: PropagationStatus.ManagedLabelFalse, refused: true })],
      [],
    ],
    [
      'a cluster that failed twice and then succeeded appears in both events, with its latest failure',
      [
        on('m1', { kind: 'create', hash: 'h', status: PropagationStatus.CreationTimedOut, message: 'first', retrying: true }),
        on('m1', { kind: 'create', hash: 'h', status: PropagationStatus.CreationFailed, message: 'second', retrying: true }),
        on('m1', created),
      ],
      [
        { type: 'Warning', reason: 'CreateInClusterFailed', message: 'Failed to create ConfigMap "ns/x": in cluster "m1": second' },
        { type: 'Normal', reason: 'CreateInCluster', message: 'Created ConfigMap "ns/x" in cluster "m1"' },
      ],
    ],
  ])('%s', (_name, outcomes, expected) => {
    expect(outcomeEvents(what, outcomes)).toEqual(expected);
  });
});

describe('clusterList', () => {
  it.each([
    [['a'], 'cluster "a"'],
    [['a', 'b'], 'clusters "a", "b"'],
  ])('%j → %s', (clusters, text) => {
    expect(clusterList(clusters)).toBe(text);
  });
});

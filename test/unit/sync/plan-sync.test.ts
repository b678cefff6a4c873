// planSync's branches, one snapshot at a time: what each member cluster gets (an action, a status line, a
// withdrawal), whether the status may be written, the events of changes, the requeue and the finalizer.
import { describe, expect, it } from 'vitest';
import { AggregateReason, MANAGED_LABEL, PropagationStatus } from '../../../src/api/constants.js';
import type { FederatedResource } from '../../../src/api/federated-resource.js';
import type { KubeObject } from '../../../src/kube/types.js';
import { METADATA_ONLY, projectMemberObject, type MemberObject } from '../../../src/members/member-object.js';
import { withHash } from '../../../src/sync/plan.js';
import {
  DELETION_RECHECK_MS,
  planRelease,
  planSync,
  UNREACHABLE_RECHECK_MS,
  type ClusterSnapshot,
  type SyncPlan,
  type SyncSnapshot,
} from '../../../src/sync/plan-sync.js';
import { desiredHash, renderForCluster, type RenderTarget } from '../../../src/sync/render.js';

type Fed = FederatedResource & KubeObject;

const target: RenderTarget = { apiVersion: 'v1', kind: 'ConfigMap', namespaced: true };

function fedObject(over: { deleting?: boolean; status?: Fed['status']; overrides?: unknown; name?: string; namespace?: string } = {}): Fed {
  return {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedConfigMap',
    metadata: {
      name: over.name ?? 'cm',
      namespace: over.namespace ?? 'ns',
      resourceVersion: '100',
      generation: 1,
      finalizers: ['kubefed.io/sync-controller'],
      ...(over.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: {
      template: { data: { mode: 'safe' } },
      placement: { clusters: [{ name: 'm1' }, { name: 'm2' }] },
      ...(over.overrides ? { overrides: over.overrides } : {}),
    },
    ...(over.status ? { status: over.status } : {}),
  } as unknown as Fed;
}

/** The desired object of `cluster` and its hash, as the planner computes them. */
function desiredIn(fed: Fed, cluster: string): { object: KubeObject; hash: string } {
  const rendered = renderForCluster({ fedObject: fed, target, cluster });
  if (!rendered.ok) throw new Error(rendered.message);
  const hash = desiredHash(rendered.object);
  return { object: withHash(rendered.object, hash), hash };
}

/** A member object as the cache keeps it; by default our current desired object, judged clean. */
function member(
  fed: Fed,
  cluster: string,
  over: { rv?: string; hash?: string; drift?: string[]; managed?: string; deleting?: boolean; status?: unknown } = {},
): MemberObject {
  const { object, hash } = desiredIn(fed, cluster);
  const annotated = over.hash ?? hash;
  const whole: KubeObject = {
    ...object,
    metadata: {
      ...object.metadata,
      uid: `uid-${cluster}`,
      resourceVersion: over.rv ?? '7',
      labels: { [MANAGED_LABEL]: over.managed ?? 'true' },
      annotations: { 'kubefed.io/propagated-hash': annotated },
      ...(over.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    ...(over.status ? { status: over.status } : {}),
  };
  return projectMemberObject(whole, { status: over.status !== undefined, workload: false }, { hash: annotated === hash ? hash : undefined, drift: over.drift ?? [] });
}

function cluster(name: string, over: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return { name, ready: true, executorAvailable: true, cache: { kind: 'fresh' }, member: undefined, ledger: undefined, isHostNamespace: false, ...over };
}

function snapshot(fed: Fed, clusters: ClusterSnapshot[], over: Partial<SyncSnapshot> = {}): SyncSnapshot {
  return {
    fed,
    targetKey: 'ns/cm',
    what: 'ConfigMap "ns/cm"',
    target,
    placement: { clusters: ['m1', 'm2'], unknownClusters: [] },
    clusters,
    statusCollection: false,
    adoption: { adoptResources: true },
    deleteOptions: undefined,
    orphan: false,
    hasFinalizer: true,
    invalidName: false,
    ...over,
  };
}

/** A compact view of a plan: per cluster the action kind, the status lines, and the rest. */
function summary(plan: SyncPlan): Record<string, unknown> {
  return {
    actions: plan.actions.map((a) => `${a.cluster}:${a.action.kind}`),
    withdraw: plan.withdraw,
    clusters: plan.clusters.map((c) => `${c.name}:${c.status || 'Ok'}`),
    settled: plan.settled,
    events: plan.events.map((e) => `${e.type}/${e.reason}`),
    requeueAfterMs: plan.requeueAfterMs,
    waitingForCaches: plan.waitingForCaches,
    finalizer: plan.finalizer,
  };
}

const fed = fedObject();
const h1 = desiredIn(fed, 'm1').hash;
const inSync = (name: string): ClusterSnapshot => cluster(name, { member: member(fed, name), ledger: { record: { hash: desiredIn(fed, name).hash, resourceVersion: '7', previousResourceVersion: undefined } } });
const statusSaying = (lines: Array<[string, string]>): Fed['status'] => ({ clusters: lines.map(([name, status]) => (status ? { name, status } : { name })) }) as Fed['status'];

describe('planSync: propagation, one cluster at a time (m2 is in sync)', () => {
  it.each<[string, ClusterSnapshot, Fed, Record<string, unknown>]>([
    ['creates where the cache holds nothing', cluster('m1'), fed, { actions: ['m1:create'], clusters: ['m2:Ok'], settled: false, events: [] }],
    ['writes nothing where the member holds the desired object', inSync('m1'), fed, { actions: [], clusters: ['m1:Ok', 'm2:Ok'], settled: true }],
    ['updates a member carrying an older hash', cluster('m1', { member: member(fed, 'm1', { hash: 'old' }) }), fed, { actions: ['m1:update'], settled: false }],
    ['reverts drift judged when the watch event came', cluster('m1', { member: member(fed, 'm1', { drift: ['/data/mode'] }) }), fed, { actions: ['m1:update'] }],
    ['leaves an object marked managed=false alone', cluster('m1', { member: member(fed, 'm1', { managed: 'false' }) }), fed, { actions: [], clusters: ['m1:ManagedLabelFalse', 'm2:Ok'], settled: true }],
    ['waits for a copy being deleted by someone', cluster('m1', { member: member(fed, 'm1', { deleting: true }) }), fed, { actions: [], clusters: ['m1:WaitingForRemoval', 'm2:Ok'], requeueAfterMs: DELETION_RECHECK_MS }],
    [
      'reports a not ready cluster, with an event when it becomes so',
      cluster('m1', { ready: false }),
      fed,
      { actions: [], clusters: ['m1:ClusterNotReady', 'm2:Ok'], settled: true, events: ['Warning/ClusterNotReady'] },
    ],
    [
      'says nothing new of a cluster the status already calls not ready',
      cluster('m1', { ready: false }),
      fedObject({ status: statusSaying([['m1', 'ClusterNotReady'], ['m2', '']]) }),
      { clusters: ['m1:ClusterNotReady', 'm2:Ok'], events: [] },
    ],
    [
      'treats a cluster whose executor fails fast as not ready',
      cluster('m1', { executorAvailable: false }),
      fed,
      { actions: [], clusters: ['m1:ClusterNotReady', 'm2:Ok'], events: ['Warning/ClusterNotReady'] },
    ],
    [
      'reports a cache that could not be filled, without acting',
      cluster('m1', { cache: { kind: 'failed', error: 'forbidden' } }),
      fed,
      { actions: [], clusters: ['m1:CachedRetrievalFailed', 'm2:Ok'], settled: true },
    ],
    [
      'does not send again what the member refused',
      cluster('m1', { ledger: { refusal: { kind: 'create', hash: h1, status: PropagationStatus.CreationFailed, message: 'invalid' } } }),
      fed,
      { actions: [], clusters: ['m1:CreationFailed', 'm2:Ok'], settled: true },
    ],
    [
      'sends a changed desired object although an older one was refused',
      cluster('m1', { ledger: { refusal: { kind: 'create', hash: 'older', status: PropagationStatus.CreationFailed, message: 'invalid' } } }),
      fed,
      { actions: ['m1:create'], settled: false },
    ],
    [
      'waits for work handed to the executor, without sending it twice',
      cluster('m1', { ledger: { outstanding: { kind: 'create', hash: h1, since: 1 } } }),
      fed,
      { actions: [], withdraw: [], clusters: ['m2:Ok'], settled: false },
    ],
    [
      'reports why outstanding work is not done yet while the executor retries it',
      cluster('m1', {
        ledger: {
          outstanding: { kind: 'create', hash: h1, since: 1 },
          failure: { kind: 'create', hash: h1, status: PropagationStatus.CreationTimedOut, message: 'timed out', notAttempted: false },
        },
      }),
      fed,
      { actions: [], clusters: ['m1:CreationTimedOut', 'm2:Ok'], settled: true },
    ],
    [
      'replaces outstanding work for an older desired object',
      cluster('m1', { ledger: { outstanding: { kind: 'create', hash: 'older', since: 1 } } }),
      fed,
      { actions: ['m1:create'], settled: false },
    ],
    [
      'withdraws waiting work that is moot (the member holds the desired object now)',
      cluster('m1', { member: member(fed, 'm1'), ledger: { outstanding: { kind: 'update', hash: h1, since: 1 } } }),
      fed,
      { actions: [], withdraw: ['m1'], clusters: ['m1:Ok', 'm2:Ok'], settled: true },
    ],
    [
      'withdraws waiting work of a cluster that went not ready',
      cluster('m1', { ready: false, ledger: { outstanding: { kind: 'create', hash: h1, since: 1 } } }),
      fed,
      { actions: [], withdraw: ['m1'], clusters: ['m1:ClusterNotReady', 'm2:Ok'] },
    ],
    [
      'recognises its own create that the cache does not show yet',
      cluster('m1', { ledger: { record: { hash: h1, resourceVersion: '9', previousResourceVersion: undefined } } }),
      fed,
      { actions: [], clusters: ['m1:Ok', 'm2:Ok'], settled: true },
    ],
    [
      'reports a render failure of one cluster, with an event',
      cluster('m1'),
      fedObject({ overrides: [{ clusterName: 'm1', clusterOverrides: [{ op: 'replace', path: '/data/missing/deep', value: 1 }] }] }),
      { actions: [], clusters: ['m1:ApplyOverridesFailed', 'm2:Ok'], events: ['Warning/ApplyOverridesFailed'] },
    ],
  ])('%s', (_name, m1, fedObj, expected) => {
    const m2 = fedObj === fed ? inSync('m2') : cluster('m2', { member: member(fedObj, 'm2'), ledger: { record: { hash: desiredIn(fedObj, 'm2').hash, resourceVersion: '7', previousResourceVersion: undefined } } });
    const plan = planSync(snapshot(fedObj, [m1, m2]));
    expect(summary(plan)).toMatchObject(expected);
  });

  it('reports a render failure once: a status already saying so gets no new event', () => {
    const overrides = [{ clusterName: 'm1', clusterOverrides: [{ op: 'replace', path: '/data/missing/deep', value: 1 }] }];
    const first = planSync(snapshot(fedObject({ overrides }), [cluster('m1')], { placement: { clusters: ['m1'], unknownClusters: [] } }));
    expect(first.clusters).toEqual([{ name: 'm1', status: 'ApplyOverridesFailed', message: expect.stringContaining('clusterOverrides[0]') }]);
    expect(first.events).toEqual([{ type: 'Warning', reason: 'ApplyOverridesFailed', message: expect.stringContaining('(cluster "m1")') }]);
    const again = planSync(snapshot(fedObject({ overrides, status: statusSaying([['m1', 'ApplyOverridesFailed']]) }), [cluster('m1')], { placement: { clusters: ['m1'], unknownClusters: [] } }));
    expect(again.clusters.map((c) => c.status)).toEqual(['ApplyOverridesFailed']);
    expect(again.events).toEqual([]);
  });
});

describe('planSync: propagation, the whole object', () => {
  it('adds the finalizer first when it is missing, and carries the placement reason', () => {
    const plan = planSync(
      snapshot(fed, [cluster('m1'), cluster('m2')], {
        hasFinalizer: false,
        placement: { clusters: ['m1', 'm2'], unknownClusters: [], reason: AggregateReason.NamespaceNotFederated, message: 'why' },
      }),
    );
    expect(plan.finalizer).toBe('add');
    expect(plan.reason).toBe(AggregateReason.NamespaceNotFederated);
    expect(plan.message).toBe('why');
    expect(plan.skipStatus).toBe(false);
  });

  it('decides nothing for a ready cluster whose cache fills, and goes on with the others', () => {
    // A member coming back (or flapping) refills its cache: that must not hold back the healthy members.
    const filling = cluster('m1', { cache: { kind: 'filling' }, ledger: { outstanding: { kind: 'create', hash: h1, since: 1 } } });
    const plan = planSync(snapshot(fed, [filling, cluster('m2')], { hasFinalizer: false }));
    expect(summary(plan)).toMatchObject({ actions: ['m2:create'], withdraw: [], clusters: [], settled: false, waitingForCaches: ['m1'], requeueAfterMs: undefined, finalizer: 'add' });
    // Even when everything else is done, the status waits for the cache.
    const waiting = planSync(snapshot(fed, [cluster('m1', { cache: { kind: 'filling' } }), inSync('m2')]));
    expect(summary(waiting)).toMatchObject({ actions: [], clusters: ['m2:Ok'], settled: false, waitingForCaches: ['m1'], requeueAfterMs: undefined });
    // Not placed there either: nothing is deleted from a cache that may not show the copy yet.
    const moved = planSync(snapshot(fed, [cluster('m1', { cache: { kind: 'filling' }, member: member(fed, 'm1') }), inSync('m2')], { placement: { clusters: ['m2'], unknownClusters: [] } }));
    expect(summary(moved)).toMatchObject({ actions: [], settled: false, waitingForCaches: ['m1'], requeueAfterMs: undefined });
  });

  it('waits for a filling cache and still looks again for a removal elsewhere', () => {
    const plan = planSync(
      snapshot(fed, [cluster('m1', { cache: { kind: 'filling' } }), cluster('m2', { member: member(fed, 'm2', { deleting: true }) })], { placement: { clusters: ['m1'], unknownClusters: [] } }),
    );
    expect(summary(plan)).toMatchObject({ clusters: ['m2:WaitingForRemoval'], waitingForCaches: ['m1'], requeueAfterMs: DELETION_RECHECK_MS });
  });

  it('does not wait for the cache of a cluster that is not ready', () => {
    const plan = planSync(snapshot(fed, [cluster('m1', { ready: false, cache: { kind: 'filling' } }), cluster('m2')]));
    expect(summary(plan)).toMatchObject({ actions: ['m2:create'], clusters: ['m1:ClusterNotReady'], waitingForCaches: [], requeueAfterMs: undefined });
  });

  it('sends the executor what the update needs: the version decided on and the ownership to move', () => {
    const stale = member(fed, 'm1', { hash: 'old', rv: '42' });
    const plan = planSync(snapshot(fed, [cluster('m1', { member: { ...stale, applyOwnership: '[{"manager":"x"}]' } })], { placement: { clusters: ['m1'], unknownClusters: [] } }));
    expect(plan.actions).toEqual([
      {
        cluster: 'm1',
        action: { kind: 'update', desired: desiredIn(fed, 'm1').object, hash: h1, basedOn: '42', applyOwnership: '[{"manager":"x"}]', drift: undefined },
      },
    ]);
    const drifted = planSync(snapshot(fed, [cluster('m1', { member: member(fed, 'm1', { drift: ['/data/mode'] }) })], { placement: { clusters: ['m1'], unknownClusters: [] } }));
    expect(drifted.actions[0]!.action).toMatchObject({ kind: 'update', drift: ['/data/mode'] });
  });

  it('creates with the adoption policy of the snapshot', () => {
    const adoption = { adoptResources: false, hostNamespaceUid: 'u1' };
    const plan = planSync(snapshot(fed, [cluster('m1')], { adoption, placement: { clusters: ['m1'], unknownClusters: [] } }));
    expect(plan.actions).toEqual([{ cluster: 'm1', action: { kind: 'create', desired: desiredIn(fed, 'm1').object, hash: h1, adoption } }]);
  });

  it('deletes from a cluster no longer placed, unlabels the host namespace there, and ignores clusters holding nothing', () => {
    const placement = { clusters: ['m2'], unknownClusters: [] };
    const plan = planSync(snapshot(fed, [cluster('m1', { member: member(fed, 'm1', { rv: '8' }) }), inSync('m2'), cluster('m3')], { placement, deleteOptions: { propagationPolicy: 'Foreground' } }));
    expect(plan.actions).toEqual([{ cluster: 'm1', action: { kind: 'delete', options: { propagationPolicy: 'Foreground' }, basedOn: '8' } }]);
    expect(plan.clusters.map((c) => c.name)).toEqual(['m2']);
    const host = planSync(snapshot(fed, [cluster('m1', { member: member(fed, 'm1', { rv: '8' }), isHostNamespace: true }), inSync('m2')], { placement }));
    expect(host.actions).toEqual([{ cluster: 'm1', action: { kind: 'unlabel', basedOn: '8' } }]);
  });

  it('keeps a removal of ours that the cache does not show yet as on its way out', () => {
    const placement = { clusters: ['m2'], unknownClusters: [] };
    const going = cluster('m1', { member: member(fed, 'm1', { rv: '8' }), ledger: { removed: { resourceVersion: '8' } } });
    const plan = planSync(snapshot(fed, [going, inSync('m2')], { placement }));
    expect(summary(plan)).toMatchObject({ actions: [], clusters: ['m1:WaitingForRemoval', 'm2:Ok'], requeueAfterMs: DELETION_RECHECK_MS });
    // The cache shows a newer version (someone wrote after our delete, e.g. recreated it): decide again.
    const newer = cluster('m1', { member: member(fed, 'm1', { rv: '9' }), ledger: { removed: { resourceVersion: '8' } } });
    expect(planSync(snapshot(fed, [newer, inSync('m2')], { placement })).actions.map((a) => a.action.kind)).toEqual(['delete']);
  });

  it.each<[string, Partial<ClusterSnapshot>, Fed, boolean]>([
    ['a copy we wrote (ledger record)', { ledger: { record: { hash: 'x', resourceVersion: '3', previousResourceVersion: undefined } } }, fed, true],
    ['work outstanding there', { ledger: { outstanding: { kind: 'create', hash: 'x', since: 1 } } }, fed, true],
    ['a status that lists it (the cache never filled)', { cache: { kind: 'absent' } }, fedObject({ status: statusSaying([['m1', '']]) }), true],
    ['a filled cache holding a managed copy', { member: member(fed, 'm1') }, fed, true],
    ['nothing known of a copy', { cache: { kind: 'absent' } }, fed, false],
    ['a filled cache holding no copy', {}, fed, false],
  ])('a cluster that cannot be asked and is no longer placed stays in the status when it may hold a copy: %s', (_name, over, fedObj, listed) => {
    const placement = { clusters: ['m2'], unknownClusters: [] };
    const plan = planSync(snapshot(fedObj, [cluster('m1', { ready: false, ...over }), inSync('m2')], { placement }));
    expect(plan.clusters.map((c) => `${c.name}:${c.status || 'Ok'}`)).toEqual(listed ? ['m1:ClusterNotReady', 'm2:Ok'] : ['m2:Ok']);
    // Not placed there: the cluster's unreadiness is no news for this object.
    expect(plan.events).toEqual([]);
    expect(plan.actions).toEqual([]);
  });

  it('reports placed clusters that are not registered', () => {
    const plan = planSync(snapshot(fed, [inSync('m1')], { placement: { clusters: ['m1'], unknownClusters: ['ghost'] } }));
    expect(plan.clusters).toEqual([{ name: 'm1', status: '' }, { name: 'ghost', status: 'ClusterNotReady', message: 'cluster "ghost" is not registered' }]);
    expect(plan.settled).toBe(true);
  });

  it('tells why a ready cluster is treated as not ready: the last failure, or that it does not answer', () => {
    const failure = { kind: 'create' as const, hash: h1, status: PropagationStatus.CreationTimedOut, message: 'POST timed out after 10000 ms', notAttempted: false };
    const withFailure = planSync(snapshot(fed, [cluster('m1', { executorAvailable: false, ledger: { failure } })], { placement: { clusters: ['m1'], unknownClusters: [] } }));
    expect(withFailure.clusters).toEqual([{ name: 'm1', status: 'ClusterNotReady', message: 'POST timed out after 10000 ms' }]);
    const without = planSync(snapshot(fed, [cluster('m1', { executorAvailable: false })], { placement: { clusters: ['m1'], unknownClusters: [] } }));
    expect(without.clusters).toEqual([{ name: 'm1', status: 'ClusterNotReady', message: 'cluster "m1" does not answer' }]);
    // Not ready by the prober: no message of ours.
    const notReady = planSync(snapshot(fed, [cluster('m1', { ready: false })], { placement: { clusters: ['m1'], unknownClusters: [] } }));
    expect(notReady.clusters).toEqual([{ name: 'm1', status: 'ClusterNotReady' }]);
  });

  it('names the cache failure in the status message', () => {
    const plan = planSync(snapshot(fed, [cluster('m1', { cache: { kind: 'failed', error: 'configmaps is forbidden' } })], { placement: { clusters: ['m1'], unknownClusters: [] } }));
    expect(plan.clusters).toEqual([{ name: 'm1', status: 'CachedRetrievalFailed', message: 'cannot list ConfigMap objects in cluster "m1": configmaps is forbidden' }]);
    // Not placed there: nothing to say.
    expect(planSync(snapshot(fed, [cluster('m1', { cache: { kind: 'failed', error: 'x' } })], { placement: { clusters: [], unknownClusters: [] } })).clusters).toEqual([]);
  });

  it('collects the member status only when status collection is on', () => {
    const withStatus = cluster('m1', { member: member(fed, 'm1', { status: { phase: 'Ready' } }), ledger: { record: { hash: h1, resourceVersion: '7', previousResourceVersion: undefined } } });
    const placement = { clusters: ['m1'], unknownClusters: [] };
    expect(planSync(snapshot(fed, [withStatus], { placement, statusCollection: true })).clusters).toEqual([{ name: 'm1', status: '', remoteStatus: { phase: 'Ready' } }]);
    expect(planSync(snapshot(fed, [withStatus], { placement })).clusters).toEqual([{ name: 'm1', status: '' }]);
  });

  it('reports a failure of outstanding deletion work in a cluster no longer placed', () => {
    const placement = { clusters: ['m2'], unknownClusters: [] };
    const m1 = cluster('m1', {
      member: member(fed, 'm1', { rv: '8' }),
      ledger: {
        outstanding: { kind: 'delete', hash: undefined, since: 1 },
        failure: { kind: 'delete', hash: undefined, status: PropagationStatus.DeletionFailed, message: '500', notAttempted: false },
      },
    });
    expect(summary(planSync(snapshot(fed, [m1, inSync('m2')], { placement })))).toMatchObject({ actions: [], clusters: ['m1:DeletionFailed', 'm2:Ok'], settled: true });
  });
});

describe('planSync: deletion', () => {
  const deleting = fedObject({ deleting: true });
  const holding = (name: string, over: Partial<ClusterSnapshot> = {}): ClusterSnapshot => cluster(name, { member: member(deleting, name, { rv: '8' }), ...over });
  const del = (clusters: ClusterSnapshot[], over: Partial<SyncSnapshot> = {}): SyncPlan =>
    planSync(snapshot(deleting, clusters, { placement: { clusters: [], unknownClusters: [] }, ...over }));

  it.each<[string, ClusterSnapshot[], Partial<SyncSnapshot>, Record<string, unknown>]>([
    [
      'deletes every copy and waits for them to go',
      [holding('m1'), holding('m2')],
      {},
      { actions: ['m1:delete', 'm2:delete'], events: ['Normal/WaitForRemovalInCluster'], requeueAfterMs: DELETION_RECHECK_MS, finalizer: undefined },
    ],
    ['releases the finalizer when no copy remains', [cluster('m1'), cluster('m2')], {}, { actions: [], events: [], finalizer: 'remove' }],
    [
      'unlabels rather than deletes when orphaning, and releases once unlabelled',
      [holding('m1'), cluster('m2')],
      { orphan: true },
      { actions: ['m1:unlabel'], events: [], requeueAfterMs: DELETION_RECHECK_MS, finalizer: undefined },
    ],
    [
      'counts an unlabelling of ours the cache does not show yet as done when orphaning',
      [holding('m1', { ledger: { removed: { resourceVersion: '8' } } })],
      { orphan: true },
      { actions: [], finalizer: 'remove' },
    ],
    ['never deletes the host cluster\'s own namespace: unlabels it', [holding('m1', { isHostNamespace: true })], {}, { actions: ['m1:unlabel'], events: [] }],
    [
      'waits for copies already being deleted, saying nothing new',
      [holding('m1', { member: member(deleting, 'm1', { deleting: true }) })],
      {},
      { actions: [], events: [], requeueAfterMs: DELETION_RECHECK_MS, finalizer: undefined },
    ],
    [
      'waits for a deletion of ours the cache does not show yet',
      [holding('m1', { ledger: { removed: { resourceVersion: '8' } } })],
      {},
      { actions: [], events: [], requeueAfterMs: DELETION_RECHECK_MS, finalizer: undefined },
    ],
    ['does not send a deletion twice', [holding('m1', { ledger: { outstanding: { kind: 'delete', hash: undefined, since: 1 } } })], {}, { actions: [], requeueAfterMs: DELETION_RECHECK_MS, finalizer: undefined }],
    ['leaves a copy someone marked unmanaged', [holding('m1', { member: member(deleting, 'm1', { managed: 'false' }) })], {}, { actions: [], finalizer: 'remove' }],
    // Work still outstanding may yet make a copy: the deletion replaces it in the executor's queue.
    [
      'lets a creation still outstanding finish before deleting (its outcome decides, not a cache that lags)',
      [cluster('m1', { ledger: { outstanding: { kind: 'create', hash: 'x', since: 1 } } }), cluster('m2')],
      {},
      { actions: [], withdraw: [], requeueAfterMs: DELETION_RECHECK_MS, finalizer: undefined },
    ],
    [
      'keeps the finalizer while a cluster that may hold a copy cannot be asked, deleting the others at once',
      [holding('m1'), cluster('m2', { ready: false, ledger: { record: { hash: 'x', resourceVersion: '3', previousResourceVersion: undefined } } })],
      {},
      { actions: ['m1:delete'], events: ['Warning/WaitForRemovalInCluster'], requeueAfterMs: UNREACHABLE_RECHECK_MS, finalizer: undefined },
    ],
    [
      'treats a cluster whose executor fails fast as unreachable',
      [cluster('m1'), holding('m2', { executorAvailable: false })],
      {},
      { actions: [], events: ['Warning/WaitForRemovalInCluster'], requeueAfterMs: UNREACHABLE_RECHECK_MS, finalizer: undefined },
    ],
    [
      'treats a cluster whose cache failed as unreachable when the status lists it',
      [cluster('m1', { cache: { kind: 'failed', error: 'x' } })],
      { fed: fedObject({ deleting: true, status: statusSaying([['m1', '']]) }) },
      { actions: [], events: ['Warning/WaitForRemovalInCluster'], finalizer: undefined },
    ],
    ['releases the finalizer past an unreachable cluster known to hold nothing', [cluster('m1'), cluster('m2', { ready: false })], {}, { actions: [], finalizer: 'remove' }],
    [
      'releases the finalizer of an object that was never propagated',
      [cluster('m1', { ready: false, cache: { kind: 'absent' } })],
      {},
      { actions: [], events: [], finalizer: 'remove' },
    ],
  ])('%s', (_name, clusters, over, expected) => {
    const plan = del(clusters, over);
    expect(summary(plan)).toMatchObject(expected);
    expect(plan.skipStatus).toBe(true);
  });

  it('does nothing at all without its finalizer', () => {
    expect(del([holding('m1')], { hasFinalizer: false })).toEqual({ actions: [], withdraw: [], clusters: [], settled: true, skipStatus: true, events: [], waitingForCaches: [] });
  });

  it('never deletes a namespace it cannot see when the host has one of that name: it may be the host itself', () => {
    const record = { hash: 'x', resourceVersion: '3', previousResourceVersion: undefined };
    const adoption = { adoptResources: true, hostNamespaceUid: 'host-uid' };
    // Our record says we wrote it, but the cache does not show it (an unlabel's watch event came first).
    expect(summary(del([cluster('m1', { ledger: { record } })], { adoption }))).toMatchObject({ actions: [], requeueAfterMs: DELETION_RECHECK_MS, finalizer: undefined });
    // Without a host namespace of that name, the copy the record tells of is deleted.
    expect(summary(del([cluster('m1', { ledger: { record } })]))).toMatchObject({ actions: ['m1:delete'] });
    // An unlabel under way is let finish rather than followed by a delete.
    const unlabelling = cluster('m1', { ledger: { outstanding: { kind: 'unlabel', hash: undefined, since: 1 } } });
    expect(summary(del([unlabelling], { adoption }))).toMatchObject({ actions: [], finalizer: undefined });
  });

  it('sends the delete options and the version decided on; names the clusters waited for', () => {
    const plan = del([holding('m1'), holding('m2', { member: member(deleting, 'm2', { deleting: true }) })], { deleteOptions: { gracePeriodSeconds: 0 } });
    expect(plan.actions).toEqual([{ cluster: 'm1', action: { kind: 'delete', options: { gracePeriodSeconds: 0 }, basedOn: '8' } }]);
    expect(plan.events).toEqual([{ type: 'Normal', reason: 'WaitForRemovalInCluster', message: 'Waiting for managed resources to be removed from the following clusters: m1, m2' }]);
    const unreachable = del([cluster('m1', { ready: false, ledger: { record: { hash: 'x', resourceVersion: '3', previousResourceVersion: undefined } } }), holding('m2', { executorAvailable: false })]);
    expect(unreachable.events).toEqual([{ type: 'Warning', reason: 'WaitForRemovalInCluster', message: 'Waiting for clusters m1, m2 to become reachable before deleting' }]);
  });
});

describe('planSync: a FederatedNamespace named unlike its namespace', () => {
  it('is never propagated, and says why', () => {
    const plan = planSync(snapshot(fed, [cluster('m1')], { invalidName: true, hasFinalizer: false }));
    expect(summary(plan)).toMatchObject({ actions: [], finalizer: undefined });
    expect(plan.skipStatus).toBe(true);
    expect(plan.events).toEqual([{ type: 'Warning', reason: 'InvalidName', message: 'The name of a federated namespace must match the name of its containing namespace.' }]);
  });

  it('lets a finalizer of ours go when it is deleted, and touches no member', () => {
    const deleting = fedObject({ deleting: true });
    expect(planSync(snapshot(deleting, [cluster('m1', { member: member(deleting, 'm1') })], { invalidName: true }))).toMatchObject({ actions: [], events: [], finalizer: 'remove' });
    expect(planSync(snapshot(deleting, [cluster('m1')], { invalidName: true, hasFinalizer: false })).finalizer).toBeUndefined();
  });
});

describe('planRelease', () => {
  const m = (name: string, over: Partial<ClusterSnapshot> = {}, memberOver: Parameters<typeof member>[2] = {}): ClusterSnapshot =>
    cluster(name, { member: member(fed, name, { rv: '5', ...memberOver }), ...over });

  it.each<[string, ClusterSnapshot, boolean]>([
    ['a managed copy in a ready cluster', m('m1'), true],
    ['no copy', cluster('m1'), false],
    ['a copy marked unmanaged', m('m1', {}, { managed: 'false' }), false],
    ['a copy being deleted', m('m1', {}, { deleting: true }), false],
    ['a cluster not ready', m('m1', { ready: false }), false],
    ['a cluster whose executor fails fast', m('m1', { executorAvailable: false }), false],
    ['a copy we removed already', m('m1', { ledger: { removed: { resourceVersion: '5' } } }), false],
    ['an unlabelling outstanding', m('m1', { ledger: { outstanding: { kind: 'unlabel', hash: undefined, since: 1 } } }), false],
  ])('unlabels %s', (_name, c, released) => {
    expect(planRelease([c])).toEqual(released ? [{ cluster: 'm1', action: { kind: 'unlabel', basedOn: '5' } }] : []);
  });
});

import { describe, expect, it } from 'vitest';
import {
  buildPageModel,
  clusterStatusTone,
  parsePageQuery,
  propagationOf,
  replicasInFedObject,
  timeText,
  type PageQuery,
  type Tone,
} from '../../../src/ui/page-model.js';
import type { FedObjectSnapshot } from '../../../src/ui/federation-view.js';
import { cluster, fed, manyObjects, NOW, rsp, snapshot, type } from './snapshots.js';

const query = (q: Partial<PageQuery> = {}): PageQuery => ({ namespace: '', type: '', status: '', page: 1, ...q });
const build = (snap = snapshot(), q: Partial<PageQuery> = {}, pageSize?: number) =>
  buildPageModel(snap, query(q), { kubefedNamespace: 'kube-federation-system', now: NOW, ...(pageSize ? { pageSize } : {}) });

describe('parsePageQuery', () => {
  it.each<[string, Record<string, unknown>, PageQuery]>([
    ['empty', {}, query()],
    ['filters and page', { namespace: 'demo', type: 'configmaps', status: 'CreationFailed', page: '3' }, query({ namespace: 'demo', type: 'configmaps', status: 'CreationFailed', page: 3 })],
    ['repeated parameters take the first', { namespace: ['a', 'b'] }, query({ namespace: 'a' })],
    ['a page that is not a positive number is 1', { page: '-2' }, query()],
    ['a page that is not a number is 1', { page: 'x' }, query()],
    ['non-string values are ignored', { namespace: { nested: 'x' }, type: 5 }, query()],
    ['long values are cut', { namespace: 'n'.repeat(1000) }, query({ namespace: 'n'.repeat(253) })],
  ])('%s', (_name, raw, expected) => {
    expect(parsePageQuery(raw)).toEqual(expected);
  });
});

describe('statuses', () => {
  it.each<[string, Tone]>([
    ['OK', 'ok'],
    ['', 'none'],
    ['WaitingForRemoval', 'pending'],
    ['ClusterNotReady', 'notready'],
    ['CachedRetrievalFailed', 'notready'],
    ['CreationFailed', 'failed'],
    ['UpdateTimedOut', 'failed'],
    ['AlreadyExists', 'failed'],
  ])('cluster status %j is %s', (status, tone) => {
    expect(clusterStatusTone(status)).toBe(tone);
  });

  it.each<[string, FedObjectSnapshot, { status: string; message: string }]>([
    ['no status yet', fed('a', 'b'), { status: 'Pending', message: '' }],
    ['True', fed('a', 'b', { propagation: 'True', clusters: { m1: '' } }), { status: 'Propagated', message: '' }],
    ['False with a reason and message', fed('a', 'b', { propagation: 'CheckClusters', message: 'm1 (CreationFailed)' }), { status: 'CheckClusters', message: 'm1 (CreationFailed)' }],
    [
      'False without a reason',
      { metadata: { name: 'b', namespace: 'a' }, status: { conditions: [{ type: 'Propagation', status: 'False' }] } },
      { status: 'Failed', message: '' },
    ],
    [
      'Unknown',
      { metadata: { name: 'b', namespace: 'a' }, status: { conditions: [{ type: 'Propagation', status: 'Unknown' }] } },
      { status: 'Pending', message: '' },
    ],
    [
      'only other conditions',
      { metadata: { name: 'b', namespace: 'a' }, status: { conditions: [{ type: 'Other', status: 'True' }] } },
      { status: 'Pending', message: '' },
    ],
  ])('object: %s', (_name, obj, expected) => {
    expect(propagationOf(obj)).toEqual(expected);
  });

  it.each<[string, string | Date | undefined, { relative: string; iso: string }]>([
    ['unknown', undefined, { relative: '', iso: '' }],
    ['unparseable', 'yesterday', { relative: '', iso: '' }],
    ['seconds', '2025-06-01T11:59:55Z', { relative: '5s ago', iso: '2025-06-01T11:59:55Z' }],
    ['a Date from a cache', new Date('2025-06-01T11:57:00Z'), { relative: '3m ago', iso: '2025-06-01T11:57:00Z' }],
    ['hours', '2025-06-01T09:00:00Z', { relative: '3h ago', iso: '2025-06-01T09:00:00Z' }],
    ['days', '2025-05-29T12:00:00Z', { relative: '3d ago', iso: '2025-05-29T12:00:00Z' }],
    ['a clock ahead of ours', '2025-06-01T12:00:09Z', { relative: '0s ago', iso: '2025-06-01T12:00:09Z' }],
  ])('time: %s', (_name, time, expected) => {
    expect(timeText(time, NOW)).toEqual(expected);
  });
});

describe('clusters', () => {
  const snap = snapshot({
    clusters: [cluster('member2', { labels: { zone: 'b', region: 'us' } }), cluster('member1'), cluster('dead', { ready: false, kubernetesVersion: undefined })],
    types: [
      type('configmaps', 'FederatedConfigMap', [
        fed('ns', 'a', { clusters: { member1: '', dead: 'ClusterNotReady' }, propagation: 'CheckClusters' }),
        fed('ns', 'b', { clusters: { member1: 'CreationFailed', member2: '' }, propagation: 'CheckClusters' }),
        fed('ns', 'c'),
      ]),
    ],
  });

  it('lists every cluster by name with readiness, version, probe time, labels and the objects placed there', () => {
    expect(build(snap).clusters).toEqual([
      {
        name: 'dead',
        ready: false,
        readiness: 'NotReady',
        tone: 'notready',
        reason: 'ClusterNotReachable',
        message: 'cluster is not reachable: connect ECONNREFUSED 127.0.0.1:1',
        version: '',
        lastProbe: { relative: '5s ago', iso: '2025-06-01T11:59:55Z' },
        readyChanged: { relative: '2m ago', iso: '2025-06-01T11:58:00Z' },
        labels: [],
        placed: 1,
        notOk: 1,
      },
      expect.objectContaining({ name: 'member1', ready: true, readiness: 'Ready', tone: 'ok', message: '', version: 'v1.35.4', placed: 2, notOk: 1 }),
      expect.objectContaining({ name: 'member2', labels: ['region=us', 'zone=b'], placed: 1, notOk: 0 }),
    ]);
  });

  it('says Unknown for a cluster never probed', () => {
    const [row] = build(snapshot({ clusters: [cluster('new', { ready: false, readyCondition: undefined, lastProbeAt: undefined })] })).clusters;
    expect(row).toMatchObject({ readiness: 'Unknown', lastProbe: { relative: '' }, message: '' });
  });
});

describe('types', () => {
  it('counts each type\'s objects by Propagation status, Propagated first and Pending last', () => {
    const model = build(
      snapshot({
        types: [
          type('deployments.apps', 'FederatedDeployment', [
            fed('a', '1'),
            fed('a', '2', { propagation: 'True' }),
            fed('a', '3', { propagation: 'NamespaceNotFederated' }),
            fed('a', '4', { propagation: 'CheckClusters' }),
            fed('a', '5', { propagation: 'True' }),
          ]),
          type('configmaps', 'FederatedConfigMap', []),
          type('jobs.batch', 'FederatedJob', [], false),
        ],
      }),
    );
    expect(model.types).toEqual([
      { name: 'configmaps', federatedKind: 'FederatedConfigMap', targetKind: 'ConfigMap', running: true, total: 0, counts: [] },
      {
        name: 'deployments.apps',
        federatedKind: 'FederatedDeployment',
        targetKind: 'Deployment',
        running: true,
        total: 5,
        counts: [
          { status: 'Propagated', tone: 'ok', count: 2 },
          { status: 'CheckClusters', tone: 'failed', count: 1 },
          { status: 'NamespaceNotFederated', tone: 'failed', count: 1 },
          { status: 'Pending', tone: 'pending', count: 1 },
        ],
      },
      { name: 'jobs.batch', federatedKind: 'FederatedJob', targetKind: 'Job', running: false, total: 0, counts: [] },
    ]);
  });
});

describe('the object × cluster matrix', () => {
  const snap = snapshot({
    clusters: [cluster('member2'), cluster('member1')],
    types: [
      type('configmaps', 'FederatedConfigMap', [
        fed('web', 'settings', { clusters: { member1: '', member2: 'CreationFailed' }, propagation: 'CheckClusters', message: '1 of 2 clusters not in the desired state: member2 (CreationFailed)' }),
        fed('api', 'settings', { clusters: { member1: '' }, propagation: 'True' }),
        fed('web', 'ghost', { clusters: { member1: '', lost: 'ClusterNotReady' }, propagation: 'CheckClusters' }),
      ]),
      type('deployments.apps', 'FederatedDeployment', [fed('web', 'settings', { clusters: { member1: '', member2: '' }, propagation: 'True' }), fed('web', 'new')]),
    ],
  });

  it('has a column per registered cluster, then clusters only named in statuses', () => {
    expect(build(snap).matrix.clusters).toEqual(['member1', 'member2', 'lost']);
  });

  it('has a row per object sorted by namespace, name and type, with a cell per cluster and the failure message', () => {
    const rows = build(snap).matrix.rows.map((r) => [r.namespace, r.name, r.type, r.status, r.cells.map((c) => c.status || '-').join(' '), r.message]);
    expect(rows).toEqual([
      ['api', 'settings', 'configmaps', 'Propagated', 'OK - -', ''],
      ['web', 'ghost', 'configmaps', 'CheckClusters', 'OK - ClusterNotReady', ''],
      ['web', 'new', 'deployments.apps', 'Pending', '- - -', ''],
      ['web', 'settings', 'configmaps', 'CheckClusters', 'OK CreationFailed -', '1 of 2 clusters not in the desired state: member2 (CreationFailed)'],
      ['web', 'settings', 'deployments.apps', 'Propagated', 'OK OK -', ''],
    ]);
    expect(build(snap).matrix.rows[3]!.cells.map((c) => c.tone)).toEqual(['ok', 'failed', 'none']);
  });

  it.each<[string, Partial<PageQuery>, string[]]>([
    ['no filter', {}, ['api/settings', 'web/ghost', 'web/new', 'web/settings', 'web/settings']],
    ['namespace', { namespace: 'api' }, ['api/settings']],
    ['type', { type: 'deployments.apps' }, ['web/new', 'web/settings']],
    ['object status', { status: 'Propagated' }, ['api/settings', 'web/settings']],
    ['object status Pending', { status: 'Pending' }, ['web/new']],
    ['a cluster status matches objects with that status in any cluster', { status: 'CreationFailed' }, ['web/settings']],
    ['cluster status OK', { status: 'OK' }, ['api/settings', 'web/ghost', 'web/settings', 'web/settings']],
    ['not Propagated', { status: 'NotPropagated' }, ['web/ghost', 'web/new', 'web/settings']],
    ['combined', { namespace: 'web', type: 'configmaps', status: 'ClusterNotReady' }, ['web/ghost']],
    ['an unknown namespace matches nothing', { namespace: 'nope' }, []],
  ])('filters: %s', (_name, q, expected) => {
    const model = build(snap, q);
    expect(model.matrix.rows.map((r) => `${r.namespace}/${r.name}`)).toEqual(expected);
    expect(model.matrix.matching).toBe(expected.length);
    expect(model.matrix.total).toBe(5);
  });

  it('offers the namespaces, types and statuses present as filter values', () => {
    expect(build(snap).filters).toEqual({
      namespaces: ['api', 'web'],
      types: ['configmaps', 'deployments.apps'],
      statuses: ['Propagated', 'OK', 'CheckClusters', 'ClusterNotReady', 'CreationFailed', 'Pending'],
    });
  });

  it.each<[string, number, number, { page: number; pages: number; first: number; last: number; names: string[] }]>([
    ['first page', 1, 2, { page: 1, pages: 3, first: 1, last: 2, names: ['api/settings', 'web/ghost'] }],
    ['middle page', 2, 2, { page: 2, pages: 3, first: 3, last: 4, names: ['web/new', 'web/settings'] }],
    ['last, partial page', 3, 2, { page: 3, pages: 3, first: 5, last: 5, names: ['web/settings'] }],
    ['a page past the end shows the last', 9, 2, { page: 3, pages: 3, first: 5, last: 5, names: ['web/settings'] }],
    ['one page', 1, 200, { page: 1, pages: 1, first: 1, last: 5, names: ['api/settings', 'web/ghost', 'web/new', 'web/settings', 'web/settings'] }],
  ])('pages: %s', (_name, page, pageSize, expected) => {
    const { matrix, query: q } = build(snap, { page }, pageSize);
    expect({ page: matrix.page, pages: matrix.pages, first: matrix.first, last: matrix.last, names: matrix.rows.map((r) => `${r.namespace}/${r.name}`) }).toEqual(expected);
    expect(q.page).toBe(expected.page);
  });

  it('bounds the rows built with thousands of objects, and still counts them all', () => {
    const model = build(snapshot({ clusters: [cluster('member1'), cluster('member2'), cluster('member3', { ready: false })], types: [type('configmaps', 'FederatedConfigMap', manyObjects(5000))] }));
    expect(model.matrix).toMatchObject({ total: 5000, matching: 5000, pages: 25, first: 1, last: 200 });
    expect(model.matrix.rows).toHaveLength(200);
    const counts = Object.fromEntries(model.types[0]!.counts.map((c) => [c.status, c.count]));
    expect(counts).toEqual({ Propagated: 2572, CheckClusters: 1713, Pending: 715 });
    expect(model.clusters.find((c) => c.name === 'member3')).toMatchObject({ placed: 1713, notOk: 1713 });
  });
});

describe('replica scheduling', () => {
  const deployment = (placement: string[], overrides: Record<string, number>, templateReplicas?: number): FedObjectSnapshot =>
    fed('demo', 'web', {
      propagation: 'True',
      spec: {
        template: templateReplicas === undefined ? {} : { spec: { replicas: templateReplicas } },
        placement: { clusters: placement.map((name) => ({ name })) },
        overrides: Object.entries(overrides).map(([clusterName, value]) => ({ clusterName, clusterOverrides: [{ path: '/spec/replicas', value }] })),
      },
    });

  it.each<[string, FedObjectSnapshot, string, number | undefined]>([
    ['an override', deployment(['a', 'b'], { a: 3, b: 6 }), 'a', 3],
    ['not placed', deployment(['a'], { a: 3 }), 'b', 0],
    ['the template without an override', deployment(['a'], {}, 5), 'a', 5],
    ['unknown without replicas anywhere', deployment(['a'], {}), 'a', undefined],
    ['placed by selector', fed('demo', 'web', { spec: { placement: { clusterSelector: {} } } }), 'a', undefined],
  ])('replicas in the fed object: %s', (_name, obj, clusterName, expected) => {
    expect(replicasInFedObject(obj, clusterName)).toBe(expected);
  });

  it('shows each RSP\'s weights against its schedule and the fed object', () => {
    const model = build(
      snapshot({
        clusters: [cluster('member1'), cluster('member2'), cluster('member3')],
        types: [type('deployments.apps', 'FederatedDeployment', [deployment(['member1', 'member2'], { member1: 3, member2: 6 })])],
        rsps: [
          rsp('demo', 'web', { clusters: { member2: { weight: 2, minReplicas: 0 }, member1: { weight: 1, minReplicas: 1, maxReplicas: 5 } } }, {
            schedule: { member1: 3, member2: 6 },
            conditions: [{ type: 'Scheduled', status: 'True', reason: 'Scheduled' }],
          }),
        ],
      }),
    );
    expect(model.rsps).toEqual([
      {
        namespace: 'demo',
        name: 'web',
        targetKind: 'FederatedDeployment',
        totalReplicas: 9,
        rebalance: false,
        scheduled: { status: 'True', tone: 'ok', reason: 'Scheduled', message: '' },
        targetFound: true,
        clusters: [
          { cluster: 'member1', weight: 1, weightShare: 33, minReplicas: 1, maxReplicas: 5, scheduled: 3, inFedObject: 3, overflow: undefined },
          { cluster: 'member2', weight: 2, weightShare: 67, minReplicas: 0, maxReplicas: undefined, scheduled: 6, inFedObject: 6, overflow: undefined },
        ],
      },
    ]);
  });

  it.each<[string, Parameters<typeof rsp>[2], Parameters<typeof rsp>[3], { clusters: string; scheduled: string; found: boolean }]>([
    [
      'no preferences mean weight 1 on every registered cluster',
      {},
      undefined,
      { clusters: 'member1:1:50:- member2:1:50:-', scheduled: 'Unknown/pending', found: false },
    ],
    [
      'a wildcard applies to clusters not named',
      { clusters: { '*': { weight: 1, minReplicas: 0 }, member2: { weight: 3, minReplicas: 0 } } },
      { schedule: { member1: 2, member2: 7 }, conditions: [{ type: 'Scheduled', status: 'True' }] },
      { clusters: 'member1:1:25:2 member2:3:75:7', scheduled: 'True/ok', found: false },
    ],
    [
      'waiting for new replicas to be ready is progress, not a failure',
      { clusters: { member1: { weight: 1, minReplicas: 0 } } },
      { schedule: { member1: 9 }, conditions: [{ type: 'Scheduled', status: 'False', reason: 'WaitingForReplicas' }] },
      { clusters: 'member1:1:100:9', scheduled: 'False/pending', found: false },
    ],
    [
      'a scheduled cluster no longer preferred is still shown',
      { clusters: { member1: { weight: 1, minReplicas: 0 } } },
      { schedule: { member1: 9, gone: 0 }, conditions: [{ type: 'Scheduled', status: 'False', reason: 'NoReadyClusters', message: 'none ready' }] },
      { clusters: 'gone:0:0:0 member1:1:100:9', scheduled: 'False/failed', found: false },
    ],
  ])('RSP: %s', (_name, spec, status, expected) => {
    const [row] = build(snapshot({ clusters: [cluster('member1'), cluster('member2')], rsps: [rsp('demo', 'web', spec, status)] })).rsps!;
    expect({
      clusters: row!.clusters.map((c) => `${c.cluster}:${c.weight}:${c.weightShare}:${c.scheduled ?? '-'}`).join(' '),
      scheduled: `${row!.scheduled.status}/${row!.scheduled.tone}`,
      found: row!.targetFound,
    }).toEqual(expected);
  });

  it('has no RSP section when the scheduler is off', () => {
    expect(build(snapshot({ rsps: undefined })).rsps).toBeUndefined();
  });
});

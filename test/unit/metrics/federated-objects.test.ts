import { describe, expect, it } from 'vitest';
import type { FederatedResourceStatus } from '../../../src/api/federated-resource.js';
import { countByClusterStatus, countByPropagation, type FederatedObjectSource } from '../../../src/metrics/federated-objects.js';
import { Metrics } from '../../../src/metrics/metrics.js';

const propagated = (status: string, reason?: string, clusters: FederatedResourceStatus['clusters'] = []): { status: FederatedResourceStatus } => ({
  status: { conditions: [{ type: 'Propagation', status, ...(reason ? { reason } : {}) }], clusters },
});

describe('countByPropagation', () => {
  it.each([
    { name: 'no objects', sources: [], want: [] },
    {
      name: 'True, False with its reason, and Unknown for an object without a condition yet',
      sources: [{ controller: 'federatedconfigmap', objects: [propagated('True'), propagated('True'), propagated('False', 'CheckClusters'), {}, { status: {} }] }],
      want: [
        { controller: 'federatedconfigmap', status: 'True', reason: '', count: 2 },
        { controller: 'federatedconfigmap', status: 'False', reason: 'CheckClusters', count: 1 },
        { controller: 'federatedconfigmap', status: 'Unknown', reason: '', count: 2 },
      ],
    },
    {
      name: 'each controller apart; other condition types ignored',
      sources: [
        { controller: 'federatedsecret', objects: [{ status: { conditions: [{ type: 'Other', status: 'False' }, { type: 'Propagation', status: 'False', reason: 'NamespaceNotFederated' }] } }] },
        { controller: 'federatedconfigmap', objects: [propagated('False', 'NamespaceNotFederated')] },
      ],
      want: [
        { controller: 'federatedsecret', status: 'False', reason: 'NamespaceNotFederated', count: 1 },
        { controller: 'federatedconfigmap', status: 'False', reason: 'NamespaceNotFederated', count: 1 },
      ],
    },
  ])('$name', ({ sources, want }) => {
    expect(countByPropagation(sources as FederatedObjectSource[])).toEqual(want);
  });
});

describe('countByClusterStatus', () => {
  it('counts each placement by cluster and its status, an empty status as Ok', () => {
    const sources: FederatedObjectSource[] = [
      {
        controller: 'federateddeployment',
        objects: [
          propagated('False', 'CheckClusters', [{ name: 'member1' }, { name: 'member2', status: 'CreationFailed' }]),
          propagated('False', 'CheckClusters', [{ name: 'member1', status: '' }, { name: 'member2', status: 'CreationFailed' }]),
          propagated('True', undefined, [{ name: 'member1' }]),
          {},
        ],
      },
    ];
    expect(countByClusterStatus(sources)).toEqual([
      { controller: 'federateddeployment', cluster: 'member1', status: 'Ok', count: 3 },
      { controller: 'federateddeployment', cluster: 'member2', status: 'CreationFailed', count: 2 },
    ]);
  });
});

describe('Metrics.countFederatedObjects', () => {
  it('exports the counts of the objects as they are when scraped, and nothing once stopped', async () => {
    const metrics = new Metrics({ processMetrics: false });
    const objects = [propagated('True', undefined, [{ name: 'member1' }])];
    const stop = metrics.countFederatedObjects(() => [{ controller: 'federatedconfigmap', objects }]);
    const scrape = () => metrics.registry.metrics();

    expect(await scrape()).toMatch(/^kubefed_federated_objects\{controller="federatedconfigmap",status="True",reason=""\} 1$/m);
    expect(await scrape()).toMatch(/^kubefed_federated_object_clusters\{controller="federatedconfigmap",cluster="member1",status="Ok"\} 1$/m);

    // The object's status changes: the next scrape shows the new state and no longer the old one.
    objects[0] = propagated('False', 'CheckClusters', [{ name: 'member1', status: 'UpdateFailed' }]);
    const after = await scrape();
    expect(after).toMatch(/^kubefed_federated_objects\{controller="federatedconfigmap",status="False",reason="CheckClusters"\} 1$/m);
    expect(after).not.toMatch(/status="True"/);
    expect(after).toMatch(/^kubefed_federated_object_clusters\{controller="federatedconfigmap",cluster="member1",status="UpdateFailed"\} 1$/m);
    expect(after).not.toMatch(/status="Ok"/);

    stop();
    expect(await scrape()).not.toMatch(/^kubefed_federated_object/m);
  });

  it('exports a zero error counter and queue depth for each controller from its start', async () => {
    const metrics = new Metrics({ processMetrics: false });
    metrics.queueObserver('federatedconfigmap');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^controller_runtime_reconcile_errors_total\{controller="federatedconfigmap"\} 0$/m);
    expect(text).toMatch(/^workqueue_depth\{name="federatedconfigmap"\} 0$/m);
  });
});

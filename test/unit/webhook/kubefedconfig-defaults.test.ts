import { describe, expect, it } from 'vitest';
import { defaultKubeFedConfigSpec, fillKubeFedConfigDefaults } from '../../../src/api/kubefedconfig.js';
import { kubeFedConfigDefaultsPatch } from '../../../src/webhook/kubefedconfig-defaults.js';

// kubefed-ts's defaults (their values are pinned in test/unit/api/manifests.test.ts): KubeFed's, except
// the Lease lock with a 2 s retry and 16 sync workers.
const { scope: _scope, ...DEFAULT_SPEC } = defaultKubeFedConfigSpec('Cluster');

// What a KubeFed user writes to keep KubeFed's own values: all of them are kept as written.
const KUBEFED_VALUES = {
  scope: 'Cluster',
  leaderElect: { retryPeriod: '5s', resourceLock: 'configmaps' },
  syncController: { maxConcurrentReconciles: 1 },
};

describe('fillKubeFedConfigDefaults', () => {
  it.each<[string, unknown, unknown]>([
    ['an empty spec gets every default (scope has none)', {}, DEFAULT_SPEC],
    ['an absent spec is an empty one', undefined, DEFAULT_SPEC],
    ['scope is kept', { scope: 'Namespaced' }, { scope: 'Namespaced', ...DEFAULT_SPEC }],
    [
      "KubeFed's values for kubefed-ts's deliberate defaults are kept",
      KUBEFED_VALUES,
      {
        ...DEFAULT_SPEC,
        scope: 'Cluster',
        leaderElect: { leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '5s', resourceLock: 'configmaps' },
        syncController: { maxConcurrentReconciles: 1, adoptResources: 'Enabled' },
      },
    ],
    [
      'missing feature gates are added at their defaults and the list sorted by name',
      { featureGates: [{ name: 'SchedulerPreferences', configuration: 'Disabled' }, { name: 'RawResourceStatusCollection', configuration: 'Enabled' }] },
      {
        ...DEFAULT_SPEC,
        featureGates: [
          { name: 'PushReconciler', configuration: 'Enabled' },
          { name: 'RawResourceStatusCollection', configuration: 'Enabled' },
          { name: 'SchedulerPreferences', configuration: 'Disabled' },
        ],
      },
    ],
    [
      'null fields count as unset',
      { clusterHealthCheck: { period: null, failureThreshold: 5 }, statusController: null },
      { ...DEFAULT_SPEC, clusterHealthCheck: { ...DEFAULT_SPEC.clusterHealthCheck, period: '10s', failureThreshold: 5 } },
    ],
    [
      'values that are set stay, valid or not (validation judges them)',
      { controllerDuration: { availableDelay: 'soon' }, syncController: 'fast', featureGates: [{ name: 'Unknown', configuration: 'Enabled' }] },
      {
        ...DEFAULT_SPEC,
        controllerDuration: { availableDelay: 'soon', unavailableDelay: '1m0s', cacheSyncTimeout: '5m0s' },
        syncController: 'fast',
        featureGates: [...DEFAULT_SPEC.featureGates, { name: 'Unknown', configuration: 'Enabled' }],
      },
    ],
    ['a feature gate list it cannot read is left alone', { featureGates: [{ configuration: 'Enabled' }] }, { ...DEFAULT_SPEC, featureGates: [{ configuration: 'Enabled' }] }],
    ['a spec that is not an object is left alone', 'Cluster', undefined],
  ])('%s', (_name, spec, expected) => {
    expect(fillKubeFedConfigDefaults(spec)).toEqual(expected);
  });

  it('does not touch its input', () => {
    const spec = { leaderElect: { retryPeriod: '5s' }, featureGates: [{ name: 'SchedulerPreferences', configuration: 'Disabled' }] };
    const copy = structuredClone(spec);
    fillKubeFedConfigDefaults(spec);
    expect(spec).toEqual(copy);
  });
});

describe('kubeFedConfigDefaultsPatch', () => {
  const resource = { group: 'core.kubefed.io', resource: 'kubefedconfigs' };
  const config = (spec: unknown) => ({ apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedConfig', metadata: { name: 'kubefed' }, spec });

  it.each(['CREATE', 'UPDATE'])('fills the spec in one add on %s', (operation) => {
    expect(kubeFedConfigDefaultsPatch({ operation, resource, object: config({ scope: 'Cluster' }) })).toEqual([
      { op: 'add', path: '/spec', value: { scope: 'Cluster', ...DEFAULT_SPEC } },
    ]);
  });

  it('creates a missing spec', () => {
    const { spec: _spec, ...withoutSpec } = config(undefined);
    expect(kubeFedConfigDefaultsPatch({ operation: 'CREATE', resource, object: withoutSpec })).toEqual([{ op: 'add', path: '/spec', value: DEFAULT_SPEC }]);
  });

  it.each<[string, Parameters<typeof kubeFedConfigDefaultsPatch>[0]]>([
    ['a complete spec (key order aside)', { operation: 'CREATE', resource, object: config({ ...structuredClone(DEFAULT_SPEC), scope: 'Cluster' }) }],
    ['DELETE', { operation: 'DELETE', resource, object: config({}) }],
    ['a subresource', { operation: 'UPDATE', subResource: 'status', resource, object: config({}) }],
    ['another resource', { operation: 'CREATE', resource: { group: 'core.kubefed.io', resource: 'kubefedclusters' }, object: config({}) }],
    ['no object', { operation: 'CREATE', resource }],
    ['a spec that is not an object', { operation: 'CREATE', resource, object: config(['x']) }],
  ])('patches nothing for %s', (_name, request) => {
    expect(kubeFedConfigDefaultsPatch(request)).toBeUndefined();
  });
});

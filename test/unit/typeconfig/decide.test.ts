import { describe, expect, it } from 'vitest';
import { crdNameOf, decideSyncController, discoveryServes, finalizersAfterStop, syncCondition, type RunInputs } from '../../../src/typeconfig/decide.js';

const runnable: RunInputs = {
  propagationEnabled: true,
  scope: 'Cluster',
  targetNamespaced: true,
  needsNamespaces: true,
  namespacesReady: true,
  typeProblem: undefined,
};

describe('decideSyncController', () => {
  it.each<[string, Partial<RunInputs>, unknown]>([
    ['everything in place', {}, { run: true }],
    ['a cluster-scoped type needs no namespaces FTC', { targetNamespaced: false, needsNamespaces: false, namespacesReady: false }, { run: true }],
    ['propagation Disabled (no warning: on purpose)', { propagationEnabled: false, typeProblem: 'gone' }, { run: false, reason: 'PropagationDisabled', warn: false }],
    ['a cluster-scoped type in a namespace-scoped control plane', { scope: 'Namespaced', targetNamespaced: false, needsNamespaces: false }, { run: false, reason: 'ClusterScopedTypeInNamespacedScope', warn: true }],
    ['the namespaces FTC not running', { namespacesReady: false }, { run: false, reason: 'NamespacesTypeNotRunning', warn: true }],
    [
      'the type not served by the host',
      { typeProblem: 'the target type widgets.example.io/v1 is not served by the host cluster (is its CRD installed?)' },
      { run: false, reason: 'TypeNotServed', message: 'the target type widgets.example.io/v1 is not served by the host cluster (is its CRD installed?)', warn: true },
    ],
  ])('%s', (_name, change, expected) => {
    expect(decideSyncController({ ...runnable, ...change })).toMatchObject(expected as object);
  });
});

describe('syncCondition', () => {
  const t0 = new Date('2026-01-02T03:04:05.678Z');
  const t1 = new Date('2026-01-02T03:09:00.000Z');

  it('is True while running, False with the reason otherwise, in whole seconds', () => {
    expect(syncCondition(undefined, undefined, t0)).toEqual({
      type: 'SyncControllerRunning', status: 'True', reason: 'Running', message: 'the sync controller runs', lastTransitionTime: '2026-01-02T03:04:05Z',
    });
    expect(syncCondition({ reason: 'TypeNotServed', message: 'gone' }, undefined, t0)).toMatchObject({ status: 'False', reason: 'TypeNotServed', message: 'gone' });
  });

  it('keeps the transition time while status and reason stay, and moves it when either changes', () => {
    const first = syncCondition({ reason: 'TypeNotServed', message: 'a' }, undefined, t0);
    expect(syncCondition({ reason: 'TypeNotServed', message: 'b' }, first, t1).lastTransitionTime).toBe('2026-01-02T03:04:05Z');
    expect(syncCondition({ reason: 'NamespacesTypeNotRunning', message: 'a' }, first, t1).lastTransitionTime).toBe('2026-01-02T03:09:00Z');
    expect(syncCondition(undefined, first, t1).lastTransitionTime).toBe('2026-01-02T03:09:00Z');
  });
});

describe('crdNameOf and discoveryServes', () => {
  it.each<[{ plural: string; group: string }, string | undefined]>([
    [{ plural: 'widgets', group: 'example.io' }, 'widgets.example.io'],
    [{ plural: 'federatedwidgets', group: 'types.kubefed.io' }, 'federatedwidgets.types.kubefed.io'],
    [{ plural: 'configmaps', group: '' }, undefined],
  ])('%j → %s', (type, name) => {
    expect(crdNameOf(type)).toBe(name);
  });

  it.each<[unknown, boolean]>([
    [{ kind: 'APIResourceList', resources: [{ name: 'widgets' }, { name: 'widgets/status' }] }, true],
    [{ kind: 'APIResourceList', resources: [{ name: 'widgets/status' }, { name: 'gadgets' }] }, false],
    [{ kind: 'APIResourceList' }, false],
    [null, false],
  ])('discoveryServes(%j, "widgets") = %s', (list, served) => {
    expect(discoveryServes(list, 'widgets')).toBe(served);
  });
});

describe('finalizersAfterStop', () => {
  it.each([
    ['KubeFed\'s alone', ['core.kubefed.io/federated-type-config'], []],
    ['KubeFed\'s beside another', ['example.com/keep', 'core.kubefed.io/federated-type-config'], ['example.com/keep']],
    ['only others: nothing to write', ['example.com/keep'], undefined],
    ['none', undefined, undefined],
  ])('%s', (_what, finalizers, kept) => {
    expect(finalizersAfterStop(finalizers)).toEqual(kept);
  });
});

import { describe, expect, it } from 'vitest';
import type { FederatedResource, Override } from '../../../src/api/federated-resource.js';
import { canonicalJson, desiredHash, renderForCluster, renderShareKey, type RenderableFederatedObject, type RenderTarget } from '../../../src/sync/render.js';

const configMap: RenderTarget = { apiVersion: 'v1', kind: 'ConfigMap', namespaced: true };
const deployment: RenderTarget = { apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true };
const namespaceTarget: RenderTarget = { apiVersion: 'v1', kind: 'Namespace', namespaced: false };
const clusterRole: RenderTarget = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespaced: false };

const managed = { 'kubefed.io/managed': 'true' };

function fed(spec: RenderableFederatedObject['spec'], metadata: RenderableFederatedObject['metadata'] = { name: 'app', namespace: 'ns' }) {
  return { metadata, spec };
}

function render(fedObject: RenderableFederatedObject, target: RenderTarget = configMap, cluster = 'member1') {
  return renderForCluster({ fedObject, target, cluster });
}

function overridesFor(cluster: string, ...clusterOverrides: Override['clusterOverrides'] & object): Override[] {
  return [{ clusterName: cluster, clusterOverrides }];
}

describe('renderForCluster: object construction', () => {
  it.each<[string, RenderableFederatedObject, RenderTarget, Record<string, unknown>]>([
    [
      'no template → bare object of the target kind',
      fed(undefined),
      configMap,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'ns', labels: managed } },
    ],
    [
      'template body kept',
      fed({ template: { data: { key: 'value' } } }),
      configMap,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'ns', labels: managed }, data: { key: 'value' } },
    ],
    [
      "template's apiVersion wins",
      fed({ template: { apiVersion: 'apps/v1beta2', spec: { replicas: 2 } } }),
      deployment,
      { apiVersion: 'apps/v1beta2', kind: 'Deployment', metadata: { name: 'app', namespace: 'ns', labels: managed }, spec: { replicas: 2 } },
    ],
    [
      'core group "/v1" normalised to v1',
      fed({ template: {} }),
      { apiVersion: '/v1', kind: 'Secret', namespaced: true },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app', namespace: 'ns', labels: managed } },
    ],
    [
      'FederatedNamespace ns/ns → Namespace ns without namespace',
      fed({ template: { metadata: { namespace: 'ns' } } }, { name: 'ns', namespace: 'ns' }),
      namespaceTarget,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', labels: managed } },
    ],
    [
      'cluster-scoped target drops the namespace',
      fed({ template: { rules: [] } }),
      clusterRole,
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'app', labels: managed }, rules: [] },
    ],
    [
      'labels and annotations kept, managed label added',
      fed({ template: { metadata: { labels: { app: 'web' }, annotations: { note: 'kept' } } } }),
      configMap,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'app', namespace: 'ns', labels: { app: 'web', ...managed }, annotations: { note: 'kept' } },
      },
    ],
    [
      'managed label "false" in the template is overwritten',
      fed({ template: { metadata: { labels: { 'kubefed.io/managed': 'false' } } } }),
      configMap,
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'ns', labels: managed } },
    ],
    [
      'server-owned metadata and status dropped',
      fed({
        template: {
          metadata: {
            resourceVersion: '12',
            uid: 'u-1',
            creationTimestamp: '2024-01-01T00:00:00Z',
            deletionTimestamp: '2024-01-01T00:00:00Z',
            deletionGracePeriodSeconds: 30,
            generation: 3,
            managedFields: [{ manager: 'kubectl' }],
            selfLink: '/api/v1/x',
            ownerReferences: [],
            finalizers: [],
            generateName: 'app-',
          },
          status: { phase: 'Active' },
          data: { a: 'b' },
        },
      }),
      configMap,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'app', namespace: 'ns', labels: managed, generateName: 'app-' },
        data: { a: 'b' },
      },
    ],
    [
      'retainReplicas removes spec.replicas',
      fed({ template: { spec: { replicas: 3, paused: false } }, retainReplicas: true }),
      deployment,
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'ns', labels: managed }, spec: { paused: false } },
    ],
    [
      'retainReplicas false keeps spec.replicas',
      fed({ template: { spec: { replicas: 3 } }, retainReplicas: false }),
      deployment,
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'ns', labels: managed }, spec: { replicas: 3 } },
    ],
    [
      "retainReplicas yields to this cluster's explicit replicas override",
      fed({
        template: { spec: { replicas: 3 } },
        retainReplicas: true,
        overrides: overridesFor('member1', { path: '/spec/replicas', value: 5 }),
      }),
      deployment,
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'ns', labels: managed }, spec: { replicas: 5 } },
    ],
    [
      "retainReplicas ignores another cluster's replicas override",
      fed({
        template: { spec: { replicas: 3 } },
        retainReplicas: true,
        overrides: overridesFor('member2', { path: '/spec/replicas', value: 5 }),
      }),
      deployment,
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'ns', labels: managed }, spec: {} },
    ],
  ])('%s', (_name, fedObject, target, expected) => {
    const result = render(fedObject, target);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.object).toStrictEqual(expected);
  });

  it.each<[string, RenderableFederatedObject, RenderTarget, string[]]>([
    ['nothing to warn about', fed({ template: { metadata: { name: 'app', namespace: 'ns' } } }), configMap, []],
    [
      'dropped finalizers',
      fed({ template: { metadata: { finalizers: ['example.com/keep'] } } }),
      configMap,
      [
        'spec.template.metadata.finalizers ["example.com/keep"] are not propagated; add finalizers to member objects with an override if they are really wanted',
      ],
    ],
    [
      'dropped ownerReferences',
      fed({ template: { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u' }] } } }),
      configMap,
      ['spec.template.metadata.ownerReferences are not propagated: they refer to objects of the host cluster'],
    ],
    [
      'template kind, name and namespace that disagree',
      fed({ template: { kind: 'Secret', metadata: { name: 'other', namespace: 'elsewhere' } } }),
      configMap,
      [
        'spec.template.kind "Secret" is ignored: the target kind is ConfigMap',
        'spec.template.metadata.name "other" is ignored: member objects are named "app"',
        'spec.template.metadata.namespace "elsewhere" is ignored: member objects live in "ns"',
      ],
    ],
    [
      'override of the managed label',
      fed({
        template: { metadata: { labels: { 'kubefed.io/managed': 'true' } } },
        overrides: overridesFor('member1', { op: 'remove', path: '/metadata/labels/kubefed.io~1managed' }),
      }),
      configMap,
      ['spec.overrides[0].clusterOverrides[0] has no effect: the kubefed.io/managed label is always set to "true"'],
    ],
  ])('warns: %s', (_name, fedObject, target, warnings) => {
    const result = render(fedObject, target);
    expect(result).toMatchObject({ ok: true, warnings });
  });

  it.each<[string, RenderableFederatedObject, RenderTarget, string]>([
    ['no name', fed({}, { namespace: 'ns' }), configMap, 'the federated object has no metadata.name'],
    ['namespaced target without namespace', fed({}, { name: 'app' }), configMap, 'ConfigMap is namespaced but the federated object has no metadata.namespace'],
    ['template not an object', fed({ template: ['x'] as unknown as Record<string, unknown> }), configMap, 'spec.template must be an object'],
    ['metadata not an object', fed({ template: { metadata: 'x' } }), configMap, 'spec.template.metadata must be an object'],
    ['apiVersion not a string', fed({ template: { apiVersion: 1 } }), configMap, 'spec.template.apiVersion must be a string'],
  ])('ComputeResourceFailed: %s', (_name, fedObject, target, message) => {
    expect(render(fedObject, target)).toEqual({ ok: false, status: 'ComputeResourceFailed', message });
  });

  it('never mutates or shares structure with the federated object', () => {
    const value = { nested: ['v'] };
    const fedObject = fed({
      template: { metadata: { labels: { app: 'web' }, finalizers: ['f'] }, spec: { replicas: 1, list: [{ a: 1 }] } },
      overrides: overridesFor('member1', { op: 'add', path: '/spec/extra', value }),
      retainReplicas: true,
    });
    const before = structuredClone(fedObject);
    const result = render(deepFreeze(structuredClone(fedObject)), deployment);
    const again = render(fedObject, deployment);
    expect(fedObject).toEqual(before);
    expect(result.ok && again.ok).toBe(true);
    if (!again.ok) return;
    const spec = again.object.spec as { list: unknown[]; extra: unknown };
    expect(spec.extra).toEqual(value);
    expect(spec.extra).not.toBe(value);
    expect(spec.list).not.toBe((fedObject.spec?.template?.spec as { list: unknown[] }).list);
    expect((again.object.metadata as { labels: unknown }).labels).not.toBe(
      (fedObject.spec?.template?.metadata as { labels: unknown }).labels,
    );
  });

  it('renders each cluster independently', () => {
    const fedObject = fed({
      template: { data: { color: 'blue' } },
      overrides: [
        { clusterName: 'member1', clusterOverrides: [{ path: '/data/color', value: 'red' }] },
        { clusterName: 'member2', clusterOverrides: [{ path: '/data/missing/key', value: 'x' }] },
      ],
    });
    expect(render(fedObject, configMap, 'member1')).toMatchObject({ ok: true, object: { data: { color: 'red' } } });
    expect(render(fedObject, configMap, 'member2')).toMatchObject({ ok: false, status: 'ApplyOverridesFailed' });
    expect(render(fedObject, configMap, 'member3')).toMatchObject({ ok: true, object: { data: { color: 'blue' } } });
  });
  it('accepts a FederatedResource as parsed from the API', () => {
    const typed: FederatedResource = {
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedConfigMap',
      metadata: { name: 'app', namespace: 'ns', generation: 1, finalizers: ['kubefed.io/sync-controller'] },
      spec: { template: { data: { a: 'b' } }, placement: { clusters: [{ name: 'member1' }] } },
    };
    expect(renderForCluster({ fedObject: typed, target: configMap, cluster: 'member1' })).toEqual({
      ok: true,
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app', namespace: 'ns', labels: managed }, data: { a: 'b' } },
      warnings: [],
    });
  });
});

describe('renderForCluster: overrides', () => {
  const template = {
    metadata: { labels: { app: 'web' } },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
  };

  it.each<[string, Override['clusterOverrides'] & object, (object: Record<string, unknown>) => unknown, unknown]>([
    ['empty op means replace', [{ path: '/spec/replicas', value: 4 }], (o) => (o.spec as { replicas: unknown }).replicas, 4],
    ['explicit replace', [{ op: 'replace', path: '/spec/replicas', value: 0 }], (o) => (o.spec as { replicas: unknown }).replicas, 0],
    ['replace with null', [{ op: 'replace', path: '/spec/replicas', value: null }], (o) => (o.spec as { replicas: unknown }).replicas, null],
    ['add a new field', [{ op: 'add', path: '/spec/paused', value: true }], (o) => (o.spec as { paused: unknown }).paused, true],
    [
      'add an annotation map',
      [{ op: 'add', path: '/metadata/annotations', value: { a: 'b' } }],
      (o) => (o.metadata as { annotations: unknown }).annotations,
      { a: 'b' },
    ],
    ['remove a field', [{ op: 'remove', path: '/spec/replicas' }], (o) => 'replicas' in (o.spec as object), false],
    [
      'replace inside an array',
      [{ path: '/spec/template/spec/containers/0/image', value: 'nginx:2' }],
      (o) => o.spec,
      { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } },
    ],
    [
      'append to an array with -',
      [{ op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'side' } }],
      (o) => (o.spec as { template: { spec: { containers: unknown[] } } }).template.spec.containers.length,
      2,
    ],
    [
      'ops apply in order',
      [
        { op: 'add', path: '/data', value: {} },
        { op: 'add', path: '/data/k', value: 'v' },
      ],
      (o) => o.data,
      { k: 'v' },
    ],
    [
      'labels can be replaced wholesale, managed label comes back',
      [{ path: '/metadata/labels', value: { only: 'this' } }],
      (o) => (o.metadata as { labels: unknown }).labels,
      { only: 'this', 'kubefed.io/managed': 'true' },
    ],
    [
      'escaped label key',
      [{ op: 'add', path: '/metadata/labels/example.com~1tier', value: 'gold' }],
      (o) => (o.metadata as { labels: unknown }).labels,
      { app: 'web', 'example.com/tier': 'gold', 'kubefed.io/managed': 'true' },
    ],
    // KubeFed's json-patch creates a key that replace names in an existing object (tests of every case: overrides.test.ts).
    ['replace creates a missing field', [{ path: '/spec/minReadySeconds', value: 5 }], (o) => (o.spec as { minReadySeconds: unknown }).minReadySeconds, 5],
    [
      'op omitted creates annotations the template lacks',
      [{ path: '/metadata/annotations', value: { a: 'b' } }],
      (o) => (o.metadata as { annotations: unknown }).annotations,
      { a: 'b' },
    ],
    [
      'op omitted creates a nodeSelector the pod template lacks',
      [{ path: '/spec/template/spec/nodeSelector', value: { disk: 'ssd' } }],
      (o) => (o.spec as { template: { spec: { nodeSelector: unknown } } }).template.spec.nodeSelector,
      { disk: 'ssd' },
    ],
    ['a missing value writes null, as in KubeFed', [{ op: 'add', path: '/spec/paused' }], (o) => (o.spec as { paused: unknown }).paused, null],
    [
      'a negative index counts from the end',
      [{ path: '/spec/template/spec/containers/-1/image', value: 'nginx:3' }],
      (o) => (o.spec as { template: { spec: { containers: Array<{ image: unknown }> } } }).template.spec.containers[0]?.image,
      'nginx:3',
    ],
  ])('%s', (_name, clusterOverrides, pick, expected) => {
    const result = render(fed({ template, overrides: overridesFor('member1', ...clusterOverrides) }), deployment);
    expect(result.ok).toBe(true);
    if (result.ok) expect(pick(result.object)).toEqual(expected);
  });

  const at = 'spec.overrides[0].clusterOverrides';
  const identityRule = 'overrides may not change apiVersion, kind, metadata.name, metadata.namespace or metadata.generateName';
  it.each<[string, Override[], string]>([
    [
      'unsupported op',
      overridesFor('member1', { op: 'move', path: '/spec/replicas' }),
      `${at}[0].op: unsupported op "move" (must be add, remove or replace, or empty for replace)`,
    ],
    [
      'op test refused too',
      overridesFor('member1', { path: '/spec/paused', value: false }, { op: 'test', path: '/spec/replicas', value: 1 }),
      `${at}[1].op: unsupported op "test" (must be add, remove or replace, or empty for replace)`,
    ],
    [
      'path not a JSON pointer',
      overridesFor('member1', { path: 'spec/replicas', value: 2 }),
      `${at}[0].path: "spec/replicas" is not a JSON pointer: it must start with "/", e.g. /spec/replicas`,
    ],
    [
      'empty path (the whole object)',
      overridesFor('member1', { path: '', value: {} }),
      `${at}[0].path: "" (the whole object) covers /metadata/name, /metadata/namespace, /metadata/generateName, /kind, /apiVersion: ${identityRule} (override the fields inside it instead, e.g. /metadata/labels/<key>)`,
    ],
    [
      'bad escape',
      overridesFor('member1', { path: '/metadata/labels/a~2b', value: 'x' }),
      `${at}[0].path: "/metadata/labels/a~2b" is not a JSON pointer: "~" must be followed by 0 or 1 (~0 stands for "~", ~1 for "/")`,
    ],
    ...(['/metadata/name', '/metadata/namespace', '/metadata/generateName', '/kind', '/apiVersion'] as const).map(
      (path): [string, Override[], string] => [
        `forbidden path ${path}`,
        overridesFor('member1', { path, value: 'x' }),
        `${at}[0].path: ${path} may not be overridden: ${identityRule}`,
      ],
    ),
    [
      'replace below a missing parent',
      overridesFor('member1', { path: '/metadata/annotations/a', value: 'b' }),
      `${at}[0] (replace /metadata/annotations/a): /metadata/annotations does not exist`,
    ],
    [
      'remove of a missing field',
      overridesFor('member1', { path: '/spec/replicas', value: 2 }, { op: 'remove', path: '/spec/paused' }),
      `${at}[1] (remove /spec/paused): nothing to remove: /spec/paused does not exist`,
    ],
    [
      'add below a missing parent',
      overridesFor('member1', { op: 'add', path: '/metadata/annotations/a', value: 'b' }),
      `${at}[0] (add /metadata/annotations/a): /metadata/annotations does not exist`,
    ],
    [
      'add beyond the end of an array',
      overridesFor('member1', { op: 'add', path: '/spec/template/spec/containers/2', value: {} }),
      `${at}[0] (add /spec/template/spec/containers/2): array index 2 is out of range; add takes 0 to 1 or "-" (the array at /spec/template/spec/containers has 1 element)`,
    ],
    [
      'replace beyond the end of an array',
      overridesFor('member1', { path: '/spec/template/spec/containers/1/image', value: 'x' }),
      `${at}[0] (replace /spec/template/spec/containers/1/image): /spec/template/spec/containers/1 does not exist: array index 1 is out of range (the array at /spec/template/spec/containers has 1 element)`,
    ],
    [
      'replace of "-" (only add may append)',
      overridesFor('member1', { path: '/spec/template/spec/containers/-', value: {} }),
      `${at}[0] (replace /spec/template/spec/containers/-): "-" (after the last element) can only be used with add`,
    ],
    [
      'child of a scalar',
      overridesFor('member1', { op: 'add', path: '/spec/replicas/x', value: 1 }),
      `${at}[0] (add /spec/replicas/x): /spec/replicas is a number, not an object or array`,
    ],
    [
      'duplicate path',
      overridesFor('member1', { path: '/spec/replicas', value: 1 }, { op: 'add', path: '/spec/x', value: 1 }, { path: '/spec/replicas', value: 2 }),
      `${at}[2].path: "/spec/replicas" appears more than once for cluster "member1" (also ${at}[0].path)`,
    ],
    [
      'duplicate clusterName',
      [
        { clusterName: 'member1', clusterOverrides: [] },
        { clusterName: 'member2', clusterOverrides: [] },
        { clusterName: 'member1', clusterOverrides: [{ path: '/spec/replicas', value: 1 }] },
      ],
      'spec.overrides[2].clusterName: cluster "member1" appears more than once (also spec.overrides[0].clusterName)',
    ],
    [
      'all of metadata (it holds the name)',
      overridesFor('member1', { path: '/metadata', value: { name: 'app', namespace: 'ns' } }),
      `${at}[0].path: "/metadata" covers /metadata/name, /metadata/namespace, /metadata/generateName: ${identityRule} (override the fields inside it instead, e.g. /metadata/labels/<key>)`,
    ],
    [
      'labels made a string',
      overridesFor('member1', { path: '/metadata/labels', value: 'x' }),
      'overrides for cluster "member1" make metadata.labels something other than a map',
    ],
    [
      'prototype pollution refused',
      overridesFor('member1', { op: 'add', path: '/__proto__/polluted', value: 'x' }),
      `${at}[0] (add /__proto__/polluted): /__proto__ does not exist`,
    ],
  ])('ApplyOverridesFailed: %s', (_name, overrides, message) => {
    expect(render(fed({ template, overrides }), deployment)).toEqual({ ok: false, status: 'ApplyOverridesFailed', message });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("ignores problems in other clusters' overrides", () => {
    const overrides: Override[] = [
      { clusterName: 'member2', clusterOverrides: [{ op: 'move', path: 'nope' }] },
      { clusterName: 'member2', clusterOverrides: [] },
      { clusterName: 'member1', clusterOverrides: [{ path: '/spec/replicas', value: 9 }] },
    ];
    expect(render(fed({ template, overrides }), deployment)).toMatchObject({ ok: true, object: { spec: { replicas: 9 } } });
  });
});

describe('renderShareKey: clusters without overrides of their own share one render', () => {
  const template = { data: { a: '1' }, metadata: { labels: { app: 'x' } } };
  const cases: Array<[string, unknown, Record<string, string>]> = [
    ['no overrides', undefined, { member1: '', member2: '', member3: '' }],
    ['overrides null', null, { member1: '', member2: '', member3: '' }],
    ['an empty list', [], { member1: '', member2: '', member3: '' }],
    ['overrides for member1 only', overridesFor('member1', { path: '/data/a', value: '2' }), { member1: 'cluster:member1', member2: '', member3: '' }],
    ['an invalid entry of member1', [{ clusterName: 'member1', clusterOverrides: 'nope' }], { member1: 'cluster:member1', member2: '', member3: '' }],
    ['entries without a cluster name (a problem for no cluster in particular)', [{ clusterOverrides: [] }, 'junk'], { member1: '', member2: '', member3: '' }],
    ['overrides not a list', { member1: [] }, { member1: 'cluster:member1', member2: 'cluster:member2', member3: 'cluster:member3' }],
  ];
  it.each(cases)('%s', (_, overrides, want) => {
    const fedObject = fed({ template, overrides: overrides as Override[] });
    const keys = Object.fromEntries(Object.keys(want).map((c) => [c, renderShareKey(fedObject, c)]));
    expect(keys).toEqual(want);
    // What the sharing rests on: clusters under one key render the very same object or the same failure.
    for (const a of Object.keys(want)) {
      for (const b of Object.keys(want)) {
        if (keys[a] !== keys[b]) continue;
        expect(canonicalJson(render(fedObject, configMap, a))).toBe(canonicalJson(render(fedObject, configMap, b)));
      }
    }
  });
});

describe('desiredHash', () => {
  it.each<[string, unknown, unknown]>([
    ['key order', { a: 1, b: { c: [1, 2], d: 'x' } }, { b: { d: 'x', c: [1, 2] }, a: 1 }],
    ['undefined members', { a: 1, b: undefined }, { a: 1 }],
    ['Date vs its JSON', { t: new Date('2024-01-02T03:04:05.000Z') }, { t: '2024-01-02T03:04:05.000Z' }],
  ])('same hash despite %s', (_name, a, b) => {
    expect(desiredHash(a)).toBe(desiredHash(b));
  });

  it.each<[string, unknown, unknown]>([
    ['different value', { a: 1 }, { a: 2 }],
    ['number vs string', { a: 1 }, { a: '1' }],
    ['array order', { a: [1, 2] }, { a: [2, 1] }],
    ['null vs absent', { a: null }, {}],
  ])('different hash for %s', (_name, a, b) => {
    expect(desiredHash(a)).not.toBe(desiredHash(b));
  });

  it('is 32 hex digits and stable across calls', () => {
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } };
    expect(desiredHash(object)).toMatch(/^[0-9a-f]{32}$/);
    expect(desiredHash(object)).toBe(desiredHash(structuredClone(object)));
  });

  it.each<[unknown, string]>([
    [{ b: 1, a: [true, null, 'x'] }, '{"a":[true,null,"x"],"b":1}'],
    [[undefined, () => 1], '[null,null]'],
    [{ 'a"b': 'é' }, '{"a\\"b":"é"}'],
    [undefined, 'null'],
  ])('canonicalJson(%j) = %s', (value, json) => {
    expect(canonicalJson(value)).toBe(json);
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

import { describe, expect, it } from 'vitest';
import { diffPaths, isSemanticSubset, MAX_DIFF_PATHS } from '../../../src/sync/compare.js';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'ns', labels: { app: 'web', 'kubefed.io/managed': 'true' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'c', image: 'nginx:1', ports: [{ containerPort: 80 }] }] } } },
};
const fromServer = {
  ...deployment,
  metadata: { ...deployment.metadata, uid: 'u', resourceVersion: '7', generation: 1, creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: {
    ...deployment.spec,
    progressDeadlineSeconds: 600,
    template: {
      spec: {
        restartPolicy: 'Always',
        containers: [{ name: 'c', image: 'nginx:1', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }] }],
      },
    },
  },
  status: { replicas: 2 },
};

// Each case: desired, actual, subset?, differing paths.
const cases: Array<[string, unknown, unknown, boolean, string[]]> = [
  ['identical', deployment, deployment, true, []],
  ['server defaults and status are extra', deployment, fromServer, true, []],
  ['empty desired', {}, fromServer, true, []],
  ['equal primitives', 'a', 'a', true, []],
  ['different primitives at the top', 'a', 'b', false, ['']],
  ['number vs numeric string', { data: { port: 80 } }, { data: { port: '80' } }, false, ['/data/port']],
  ['numeric string vs number', { data: { port: '80' } }, { data: { port: 80 } }, false, ['/data/port']],
  ['boolean vs string', { a: true }, { a: 'true' }, false, ['/a']],
  ['changed field', { spec: { replicas: 3 } }, fromServer, false, ['/spec/replicas']],
  ['missing field', { spec: { paused: false } }, fromServer, false, ['/spec/paused']],
  ['missing object', { data: { k: 'v' } }, { metadata: {} }, false, ['/data']],
  ['object vs scalar', { spec: { a: { b: 1 } } }, { spec: { a: 1 } }, false, ['/spec/a']],
  ['object vs array', { a: { b: 1 } }, { a: [1] }, false, ['/a']],
  ['array vs object', { a: [1] }, { a: { 0: 1 } }, false, ['/a']],
  ['array length differs', { a: [1, 2] }, { a: [1, 2, 3] }, false, ['/a']],
  ['array elements are subsets', { a: [{ x: 1 }, { y: 2 }] }, { a: [{ x: 1, z: 0 }, { y: 2 }] }, true, []],
  ['array element differs', { a: [{ x: 1 }, { y: 2 }] }, { a: [{ x: 1 }, { y: 3 }] }, false, ['/a/1/y']],
  ['array order matters', { a: ['x', 'y'] }, { a: ['y', 'x'] }, false, ['/a/0', '/a/1']],
  ['null matches absent', { spec: { selector: null } }, { spec: {} }, true, []],
  ['null matches null', { spec: { selector: null } }, { spec: { selector: null } }, true, []],
  ['null does not match a value', { spec: { selector: null } }, { spec: { selector: {} } }, false, ['/spec/selector']],
  ['value does not match null', { a: 1 }, { a: null }, false, ['/a']],
  ['empty map matches absent (omitempty)', { metadata: { annotations: {} } }, { metadata: {} }, true, []],
  ['empty list matches absent (omitempty)', { spec: { args: [] } }, { spec: {} }, true, []],
  ['empty list does not match a non-empty one', { spec: { args: [] } }, { spec: { args: ['x'] } }, false, ['/spec/args']],
  ['map of nulls matches absent', { a: { b: null, c: {} } }, {}, true, []],
  ['undefined in desired is absent', { a: undefined }, {}, true, []],
  ['zero is a value', { spec: { replicas: 0 } }, { spec: {} }, false, ['/spec/replicas']],
  ['empty string is a value', { data: { k: '' } }, { data: {} }, false, ['/data/k']],
  ['escaped keys', { metadata: { labels: { 'kubefed.io/managed': 'true', 'a~b': 'x' } } }, { metadata: { labels: {} } }, false, [
    '/metadata/labels/a~0b',
    '/metadata/labels/kubefed.io~1managed',
  ]],
  ['Date matches its RFC 3339 string', { t: '2024-01-01T00:00:00Z' }, { t: new Date('2024-01-01T00:00:00Z') }, true, []],
  ['Date in desired too', { t: new Date('2024-01-01T00:00:00Z') }, { t: '2024-01-01T00:00:00.000Z' }, true, []],
  ['different instants', { t: '2024-01-01T00:00:01Z' }, { t: new Date('2024-01-01T00:00:00Z') }, false, ['/t']],
  [
    'several differences in sorted order',
    { spec: { replicas: 3 }, data: { key: 'x' }, metadata: { labels: { app: 'api' } } },
    { spec: { replicas: 2 }, data: { key: 'y' }, metadata: { labels: { app: 'web' } } },
    false,
    ['/data/key', '/metadata/labels/app', '/spec/replicas'],
  ],
];

describe('isSemanticSubset', () => {
  it.each(cases)('%s', (_name, desired, actual, subset) => {
    expect(isSemanticSubset(desired, actual)).toBe(subset);
  });
});

describe('diffPaths', () => {
  it.each(cases)('%s', (_name, desired, actual, _subset, paths) => {
    expect(diffPaths(desired, actual)).toEqual(paths);
  });

  it(`reports at most ${MAX_DIFF_PATHS} paths by default`, () => {
    const desired = Object.fromEntries(Array.from({ length: 25 }, (_, index) => [`k${String(index).padStart(2, '0')}`, index]));
    const paths = diffPaths({ data: desired }, { data: {} });
    expect(paths).toHaveLength(MAX_DIFF_PATHS);
    expect(paths[0]).toBe('/data/k00');
    expect(paths[9]).toBe('/data/k09');
    expect(diffPaths({ data: desired }, { data: {} }, 3)).toEqual(['/data/k00', '/data/k01', '/data/k02']);
    expect(diffPaths({ data: desired }, { data: {} }, 0)).toEqual([]);
  });

  it('agrees with isSemanticSubset', () => {
    for (const [, desired, actual, subset] of cases) expect(diffPaths(desired, actual).length === 0).toBe(subset);
  });
});

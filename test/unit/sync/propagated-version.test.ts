// kubefed-ts's PropagatedVersion names, hashes and versions against KubeFed's own Go functions: the
// fixture file kubefed-hashes.json is what sigs.k8s.io/kubefed v0.10.0 computed for objects.json
// (regenerate with hack/kubefed-hashes/run.sh).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/kube/types.js';
import {
  compareGoStrings,
  desiredPropagatedVersion,
  goJsonEncode,
  mergeClusterVersions,
  objectVersion,
  overridesVersion,
  propagatedVersionName,
  propagatedVersionStatus,
  propagatedVersionStatusEqual,
  recordedClusterVersions,
  templateVersion,
  VersionHashError,
} from '../../../src/sync/propagated-version.js';

interface Fixture {
  name: string;
  targetKind: string;
  fedObject: KubeObject;
  memberObject?: KubeObject;
}
interface GoResult {
  name: string;
  propagatedVersionName: string;
  templateVersion?: string;
  templateError?: boolean;
  overridesVersion?: string;
  overridesError?: boolean;
  objectVersion?: string;
}

const fixtureDir = new URL('../../fixtures/propagated-version/', import.meta.url);
const fixtures = JSON.parse(readFileSync(new URL('objects.json', fixtureDir), 'utf8')) as Fixture[];
const goResults = (JSON.parse(readFileSync(new URL('kubefed-hashes.json', fixtureDir), 'utf8')) as { results: GoResult[] }).results;

/** What our functions compute, in the shape the Go program prints (Go's omitempty included). */
function ours(fixture: Fixture): GoResult {
  const result: GoResult = {
    name: fixture.name,
    propagatedVersionName: propagatedVersionName(fixture.targetKind, fixture.fedObject.metadata?.name ?? ''),
  };
  const outcome = (compute: () => string): { value?: string; error?: true } => {
    try {
      return { value: compute() };
    } catch (err) {
      expect(err).toBeInstanceOf(VersionHashError);
      return { error: true };
    }
  };
  const template = outcome(() => templateVersion(fixture.fedObject));
  if (template.value) result.templateVersion = template.value;
  if (template.error) result.templateError = true;
  const overrides = outcome(() => overridesVersion(fixture.fedObject));
  if (overrides.value) result.overridesVersion = overrides.value;
  if (overrides.error) result.overridesError = true;
  if (fixture.memberObject) result.objectVersion = objectVersion(fixture.memberObject);
  return result;
}

describe('against KubeFed v0.10.0 (kubefed-hashes.json)', () => {
  it('has a Go result for every fixture, in order', () => {
    expect(goResults.map((r) => r.name)).toEqual(fixtures.map((f) => f.name));
  });

  it.each(fixtures.map((fixture, i) => [fixture.name, fixture, goResults[i]!] as const))('%s', (_name, fixture, go) => {
    expect(ours(fixture)).toEqual(go);
  });

  it('reproduces the vector of KubeFed\'s own unit test', () => {
    expect(templateVersion({ spec: { template: { spec: { foo: null } } } })).toBe('a5b8d4352d5aed51c51b93900258ccf3');
  });
});

describe('goJsonEncode', () => {
  it.each<[string, unknown, string]>([
    ['sorted keys and a trailing newline', { b: 1, a: [true, null] }, '{"a":[true,null],"b":1}\n'],
    ['HTML characters escaped', '<a href="x">&</a>', '"\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"\n'],
    ['line and paragraph separators escaped', '\u2028\u2029', '"\\u2028\\u2029"\n'],
    ['control characters as Go ≥ 1.22 writes them', '\b\f\n\r\t\u0001', '"\\b\\f\\n\\r\\t\\u0001"\n'],
    ['floats in Go\'s format', [1e21, 1e-7, 1.5e-9, 0.000001, 123456789.5, -0], '[1e+21,1e-7,1.5e-9,0.000001,123456789.5,-0]\n'],
  ])('%s', (_name, value, expected) => {
    expect(goJsonEncode(value)).toBe(expected);
  });

  it('refuses what JSON cannot hold', () => {
    expect(() => goJsonEncode({ n: Number.NaN })).toThrow(VersionHashError);
  });
});

describe('compareGoStrings', () => {
  it('orders by code point, where UTF-16 order differs', () => {
    expect(['\u{1F600}', '\uE000', 'Z', 'a', ''].sort(compareGoStrings)).toEqual(['', 'Z', 'a', '\uE000', '\u{1F600}']);
    // The default sort puts the surrogate pair of U+1F600 (0xD83D…) before U+E000.
    expect(['\uE000', '\u{1F600}'].sort()).toEqual(['\u{1F600}', '\uE000']);
  });
});

describe('objectVersion', () => {
  it.each<[string, KubeObject, string]>([
    ['generation', { metadata: { generation: 4, resourceVersion: '17' } }, 'gen:4'],
    ['no generation', { metadata: { resourceVersion: '17' } }, 'rv:17'],
    ['generation 0 counts as none', { metadata: { generation: 0, resourceVersion: '17' } }, 'rv:17'],
  ])('%s', (_name, obj, expected) => {
    expect(objectVersion(obj)).toBe(expected);
  });
});

const hashes = { templateVersion: 't1', overridesVersion: 'o1' };

describe('propagatedVersionStatus', () => {
  it('sorts clusters by name and leaves out empty versions (a removed object)', () => {
    const status = propagatedVersionStatus(hashes, new Map([['member2', 'gen:2'], ['host', 'rv:9'], ['gone', ''], ['member1', 'rv:10']]));
    expect(status).toEqual({
      templateVersion: 't1',
      overridesVersion: 'o1',
      clusterVersions: [
        { clusterName: 'host', version: 'rv:9' },
        { clusterName: 'member1', version: 'rv:10' },
        { clusterName: 'member2', version: 'gen:2' },
      ],
    });
  });
});

describe('propagatedVersionStatusEqual', () => {
  const base = propagatedVersionStatus(hashes, new Map([['a', 'gen:1']]));
  it.each<[string, Parameters<typeof propagatedVersionStatusEqual>[1], boolean]>([
    ['same content', propagatedVersionStatus(hashes, new Map([['a', 'gen:1']])), true],
    ['another template', { ...base, templateVersion: 't2' }, false],
    ['other overrides', { ...base, overridesVersion: 'o2' }, false],
    ['another version', propagatedVersionStatus(hashes, new Map([['a', 'gen:2']])), false],
    ['one more cluster', propagatedVersionStatus(hashes, new Map([['a', 'gen:1'], ['b', 'gen:1']])), false],
    ['no status', undefined, false],
  ])('%s', (_name, other, equal) => {
    expect(propagatedVersionStatusEqual(base, other)).toBe(equal);
  });

  it('treats an omitted clusterVersions (as KubeFed writes an empty one) as empty', () => {
    expect(propagatedVersionStatusEqual({ templateVersion: 't', overridesVersion: 'o' }, propagatedVersionStatus({ templateVersion: 't', overridesVersion: 'o' }, new Map()))).toBe(true);
  });
});

describe('recordedClusterVersions', () => {
  const status = propagatedVersionStatus(hashes, new Map([['a', 'gen:1'], ['b', 'rv:5']]));
  it('gives the versions when recorded for the same template and overrides', () => {
    expect(recordedClusterVersions(status, hashes)).toEqual(new Map([['a', 'gen:1'], ['b', 'rv:5']]));
  });
  it.each([
    ['template changed', { ...hashes, templateVersion: 'x' }],
    ['overrides changed', { ...hashes, overridesVersion: 'x' }],
  ])('gives none when the %s', (_name, now) => {
    expect(recordedClusterVersions(status, now).size).toBe(0);
  });
  it('gives none without a status', () => {
    expect(recordedClusterVersions(undefined, hashes).size).toBe(0);
  });
});

describe('desiredPropagatedVersion', () => {
  const status = propagatedVersionStatus(hashes, new Map());
  it('is a namespaced PropagatedVersion owned by a namespaced fed object', () => {
    const fed = { apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name: 'web', namespace: 'demo', uid: 'u1' } };
    expect(desiredPropagatedVersion(fed, 'ConfigMap', status)).toEqual({
      apiVersion: 'core.kubefed.io/v1alpha1',
      kind: 'PropagatedVersion',
      metadata: {
        name: 'configmap-web',
        namespace: 'demo',
        ownerReferences: [{ apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', name: 'web', uid: 'u1' }],
      },
      status,
    });
  });
  it('is a ClusterPropagatedVersion for a cluster-scoped fed object', () => {
    const fed = { apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedClusterRole', metadata: { name: 'reader', uid: 'u2' } };
    const pv = desiredPropagatedVersion(fed, 'ClusterRole', status);
    expect(pv.kind).toBe('ClusterPropagatedVersion');
    expect(pv.metadata).toEqual({
      name: 'clusterrole-reader',
      ownerReferences: [{ apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedClusterRole', name: 'reader', uid: 'u2' }],
    });
  });
});

describe('mergeClusterVersions', () => {
  const recorded = new Map([['a', 'gen:1'], ['b', 'rv:5'], ['c', 'rv:7']]);
  it.each<[string, Map<string, string>, string[], Map<string, string>]>([
    ['keeps selected clusters not written now', new Map([['a', 'gen:2']]), ['a', 'b'], new Map([['a', 'gen:2'], ['b', 'rv:5']])],
    ['drops clusters no longer selected', new Map(), ['a'], new Map([['a', 'gen:1']])],
    ['an empty version removes a cluster', new Map([['b', '']]), ['a', 'b'], new Map([['a', 'gen:1']])],
    ['adds newly written clusters', new Map([['d', 'rv:1']]), ['d'], new Map([['d', 'rv:1']])],
  ])('%s', (_name, written, selected, expected) => {
    expect(mergeClusterVersions(recorded, written, selected)).toEqual(expected);
  });
});

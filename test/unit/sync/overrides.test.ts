// Override semantics pinned to KubeFed v0.10: kubefed-overrides.json holds each case with the outcome of
// KubeFed's own library (evanphx/json-patch v4.12, run by hack/kubefed-overrides/pin.sh), and what kubefed-ts
// answers where that is a failure or a deliberate refusal.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyOverride, checkOverrides, overrideOpOf, overridePathProblem } from '../../../src/sync/overrides.js';

interface PinnedCase {
  name: string;
  doc: Record<string, unknown>;
  overrides: unknown[];
  /** KubeFed's outcome, recorded by the Go program. */
  kubefed: { result: unknown } | { error: string };
  /** kubefed-ts's message when KubeFed fails too, or the refusal where kubefed-ts deliberately differs. */
  kubefedTs?: { error: string } | { refused: string };
}

const cases = JSON.parse(readFileSync(new URL('./kubefed-overrides.json', import.meta.url), 'utf8')) as PinnedCase[];

/** Checks and applies one cluster's overrides as the sync controller does. */
function applyAll(doc: Record<string, unknown>, overrides: unknown[]) {
  const { problems, byCluster } = checkOverrides([{ clusterName: 'c', clusterOverrides: overrides }]);
  if (problems.length > 0) return { refused: problems.map((problem) => problem.message).join('; ') };
  const object = structuredClone(doc);
  for (const override of byCluster.get('c') ?? []) {
    const error = applyOverride(object, { ...override, value: structuredClone(override.value) });
    if (error) return { error };
  }
  return { result: object };
}

describe('overrides behave as in KubeFed v0.10 (pinned with evanphx/json-patch v4.12)', () => {
  it('has pinned cases', () => {
    expect(cases.length).toBeGreaterThan(50);
    for (const pinned of cases) expect(pinned.kubefed, pinned.name).toBeDefined();
  });

  const applied = cases.filter((pinned) => !(pinned.kubefedTs && 'refused' in pinned.kubefedTs));
  it.each(applied.map((pinned) => [pinned.name, pinned] as const))('%s', (_name, pinned) => {
    const outcome = applyAll(pinned.doc, pinned.overrides);
    if ('result' in pinned.kubefed) {
      expect(outcome).toEqual({ result: pinned.kubefed.result });
    } else {
      // KubeFed fails it too; kubefed-ts says why in its own words.
      expect(pinned.kubefedTs, 'the case needs kubefedTs.error').toHaveProperty('error');
      expect(outcome).toEqual({ error: (pinned.kubefedTs as { error: string }).error });
    }
  });

  const refused = cases.filter((pinned) => pinned.kubefedTs && 'refused' in pinned.kubefedTs);
  it.each(refused.map((pinned) => [pinned.name, pinned] as const))('deliberately refused: %s', (_name, pinned) => {
    const outcome = applyAll(pinned.doc, pinned.overrides);
    expect(outcome).toHaveProperty('refused');
    expect((outcome as { refused: string }).refused).toContain((pinned.kubefedTs as { refused: string }).refused);
  });
});

describe('overrideOpOf', () => {
  it.each<[unknown, unknown]>([
    [undefined, { op: 'replace' }],
    [null, { op: 'replace' }],
    ['', { op: 'replace' }],
    ['add', { op: 'add' }],
    ['remove', { op: 'remove' }],
    ['replace', { op: 'replace' }],
    ['Replace', { problem: 'unsupported op "Replace" (must be add, remove or replace, or empty for replace)' }],
    ['test', { problem: 'unsupported op "test" (must be add, remove or replace, or empty for replace)' }],
    [1, { problem: 'must be a string' }],
  ])('%j → %j', (value, expected) => {
    expect(overrideOpOf(value)).toEqual(expected);
  });
});

describe('overridePathProblem', () => {
  it.each(['/spec/replicas', '/metadata/labels', '/metadata~1name', '/metadata/annotations/name', '/spec/template/metadata/name'])('allows %s', (path) => {
    expect(overridePathProblem(path)).toBeUndefined();
  });

  it.each<[string, string]>([
    ['/metadata/namespace', '/metadata/namespace may not be overridden'],
    ['/metadata/generateName', '/metadata/generateName may not be overridden'],
    ['/metadata/name/0', '"/metadata/name/0" lies inside /metadata/name'],
    ['/metadata', '"/metadata" covers /metadata/name, /metadata/namespace, /metadata/generateName'],
    ['spec', 'must start with "/"'],
  ])('refuses %s', (path, message) => {
    expect(overridePathProblem(path)).toContain(message);
  });
});

describe('checkOverrides', () => {
  it('reports every problem at its field', () => {
    const { problems, byCluster } = checkOverrides([
      { clusterName: 'a', clusterOverrides: [{ path: '/spec/replicas', value: 1 }, { op: 'add', path: '/spec/replicas', value: 2 }] },
      { clusterName: 'b', clusterOverrides: [{ op: 'copy', path: '/x' }, { value: 1 }, 'x'] },
      { clusterOverrides: [] },
      { clusterName: 'c' },
      { clusterName: 'c', clusterOverrides: {} },
    ]);
    expect(problems).toEqual([
      {
        field: 'spec.overrides[0].clusterOverrides[1].path',
        message: '"/spec/replicas" appears more than once for cluster "a" (also spec.overrides[0].clusterOverrides[0].path)',
      },
      { field: 'spec.overrides[1].clusterOverrides[0].op', message: 'unsupported op "copy" (must be add, remove or replace, or empty for replace)' },
      { field: 'spec.overrides[1].clusterOverrides[1].path', message: 'required' },
      { field: 'spec.overrides[1].clusterOverrides[2]', message: 'must be an object with op, path and value' },
      { field: 'spec.overrides[2].clusterName', message: 'required' },
      { field: 'spec.overrides[4].clusterName', message: 'cluster "c" appears more than once (also spec.overrides[3].clusterName)' },
      { field: 'spec.overrides[4].clusterOverrides', message: 'must be a list' },
    ]);
    expect([...byCluster.keys()]).toEqual([]);
  });

  it('judges only the named cluster when asked, so a mistake elsewhere fails that cluster alone', () => {
    const overrides = [
      { clusterName: 'b', clusterOverrides: [{ op: 'move', path: 'nope' }] },
      { clusterOverrides: [] },
      { clusterName: 'a', clusterOverrides: [{ path: '/spec/replicas' }] },
    ];
    expect(checkOverrides(overrides, 'a')).toEqual({
      problems: [],
      byCluster: new Map([['a', [{ field: 'spec.overrides[2].clusterOverrides[0]', op: 'replace', path: '/spec/replicas', value: null }]]]),
    });
    expect(checkOverrides(overrides, 'b').problems.map((problem) => problem.field)).toEqual([
      'spec.overrides[0].clusterOverrides[0].op',
      'spec.overrides[0].clusterOverrides[0].path',
    ]);
  });

  it.each<[unknown, string]>([
    ['x', 'must be a list'],
    [{}, 'must be a list'],
  ])('refuses spec.overrides %j', (overrides, message) => {
    expect(checkOverrides(overrides).problems).toEqual([{ field: 'spec.overrides', message }]);
  });
});

describe('applyOverride', () => {
  it('creates a "__proto__" key as a plain member, never touching a prototype', () => {
    const object: Record<string, unknown> = { spec: {} };
    expect(applyOverride(object, { op: 'replace', path: '/spec/__proto__', value: { polluted: true } })).toBeUndefined();
    expect(Object.hasOwn(object.spec as object, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(object.spec)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(applyOverride(object, { op: 'add', path: '/__proto__/polluted', value: 1 })).toBe('/__proto__ does not exist');
  });
});

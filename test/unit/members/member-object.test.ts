// What a member cache keeps of an object: only what decisions read, the verdict instead of the contents.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/kube/types.js';
import {
  coversProjection,
  METADATA_ONLY,
  NO_DRIFT,
  projectMemberObject,
  unionProjection,
  withJudgement,
  type MemberProjection,
} from '../../../src/members/member-object.js';

const managedFields = [
  { manager: 'kubefed-ts', operation: 'Update', apiVersion: 'apps/v1', time: '2024-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
  { manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } },
];

const deployment: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'ns',
    uid: 'u1',
    resourceVersion: '42',
    generation: 3,
    creationTimestamp: '2024-01-01T00:00:00Z',
    labels: { 'kubefed.io/managed': 'true', app: 'web', tier: 'front' },
    annotations: { 'kubefed.io/propagated-hash': 'abc', 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"blob"}' },
    finalizers: ['x'],
    ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'o1' }],
  },
  spec: { replicas: 4, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'a', operator: 'Exists' }] }, template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  status: { readyReplicas: 4, conditions: [{ type: 'Available', status: 'True' }] },
};

const slimMetadata = {
  name: 'web',
  namespace: 'ns',
  uid: 'u1',
  resourceVersion: '42',
  generation: 3,
  labels: { 'kubefed.io/managed': 'true' },
  annotations: { 'kubefed.io/propagated-hash': 'abc' },
};

describe('projectMemberObject', () => {
  it.each<[string, MemberProjection, Record<string, unknown>]>([
    ['metadata only', METADATA_ONLY, { metadata: slimMetadata }],
    ['with status (status collection)', { status: true, workload: false }, { metadata: slimMetadata, status: deployment.status }],
    ['with the workload fields (replica scheduling)', { status: false, workload: true }, { metadata: slimMetadata, spec: { replicas: 4, selector: { matchLabels: { app: 'web' } } } }],
  ])('keeps %s, and the judgement instead of the object', (_name, projection, expected) => {
    const judgement = { hash: 'abc', drift: [] };
    expect(projectMemberObject(deployment, projection, judgement)).toEqual({ ...expected, judgement });
  });

  it('keeps the whole object until it can be judged, and lets it go once judged', () => {
    const kept = projectMemberObject(deployment, METADATA_ONLY, undefined);
    expect(kept).toEqual({ metadata: slimMetadata, unjudged: deployment });
    const judged = withJudgement(kept, { hash: 'abc', drift: ['/spec/replicas'] });
    expect(judged).toEqual({ metadata: slimMetadata, judgement: { hash: 'abc', drift: ['/spec/replicas'] } });
    expect(kept.unjudged).toBe(deployment);
  });

  it('keeps the ownership move our first update sends while our POST owns fields by Update', () => {
    const kept = projectMemberObject({ ...deployment, metadata: { ...deployment.metadata, managedFields } }, METADATA_ONLY, { hash: 'abc', drift: [] });
    expect(typeof kept.applyOwnership).toBe('string');
    const moved = JSON.parse(kept.applyOwnership!) as Array<{ manager: string; operation: string }>;
    expect(moved.find((m) => m.manager === 'kubefed-ts')?.operation).toBe('Apply');
    // No managedFields of ours by Update: nothing to move.
    expect(projectMemberObject(deployment, METADATA_ONLY, { hash: 'abc', drift: [] }).applyOwnership).toBeUndefined();
  });

  it.each<[string, KubeObject, Record<string, unknown>]>([
    ['an object without labels or annotations', { metadata: { name: 'a', resourceVersion: '1' } }, { metadata: { name: 'a', resourceVersion: '1' } }],
    ['an object marked unmanaged', { metadata: { name: 'a', labels: { 'kubefed.io/managed': 'false', x: 'y' } } }, { metadata: { name: 'a', labels: { 'kubefed.io/managed': 'false' } } }],
    ['an object being deleted', { metadata: { name: 'a', deletionTimestamp: '2024-01-01T00:00:00Z' } }, { metadata: { name: 'a', deletionTimestamp: '2024-01-01T00:00:00Z' } }],
    ['an object without metadata', {}, { metadata: {} }],
    ['a workload without replicas or selector', { metadata: { name: 'a' }, spec: {} }, { metadata: { name: 'a' }, spec: {} }],
  ])('projects %s', (_name, object, expected) => {
    const judgement = { hash: undefined, drift: [] };
    const projection = object.spec ? { status: true, workload: true } : METADATA_ONLY;
    expect(projectMemberObject(object, projection, judgement)).toEqual({ ...expected, judgement });
  });

  it('shares the managed label and an empty drift across objects, frozen, and keeps one copy of an equal hash', () => {
    const other = { ...deployment, metadata: { ...deployment.metadata, name: 'other', annotations: { 'kubefed.io/propagated-hash': 'def' } } };
    const a = projectMemberObject(deployment, METADATA_ONLY, { hash: 'abc', drift: [] });
    const b = projectMemberObject(other, METADATA_ONLY, { hash: 'def', drift: [] });
    expect(a.metadata.labels).toBe(b.metadata.labels);
    expect(Object.isFrozen(a.metadata.labels)).toBe(true);
    expect(a.judgement!.drift).toBe(NO_DRIFT);
    expect(b.judgement!.drift).toBe(NO_DRIFT);
    expect(Object.isFrozen(NO_DRIFT)).toBe(true);
    // The same hash computed elsewhere (another string object) is replaced by the annotation's.
    const computed = ['a', 'bc'].join('');
    const c = projectMemberObject(deployment, METADATA_ONLY, { hash: computed, drift: [] });
    expect(c.judgement!.hash).toBe(c.metadata.annotations!['kubefed.io/propagated-hash']);
    // A drift is kept as it is; a judgement of another hash too.
    const drifted = projectMemberObject(deployment, METADATA_ONLY, { hash: 'zzz', drift: ['/data/x'] });
    expect(drifted.judgement).toEqual({ hash: 'zzz', drift: ['/data/x'] });
    // Unusual values of the label are kept per object (nothing to share).
    const odd = projectMemberObject({ metadata: { name: 'x', labels: { 'kubefed.io/managed': 'maybe' } } }, METADATA_ONLY, undefined);
    expect(odd.metadata.labels).toEqual({ 'kubefed.io/managed': 'maybe' });
    expect(Object.isFrozen(odd.metadata.labels)).toBe(false);
    // Judged later: the same sharing.
    expect(withJudgement(projectMemberObject(deployment, METADATA_ONLY, undefined), { hash: 'abc', drift: [] }).judgement!.drift).toBe(NO_DRIFT);
  });

  it('shares nothing mutable with the labels and annotations of the object it came from', () => {
    const kept = projectMemberObject(deployment, METADATA_ONLY, { hash: 'abc', drift: [] });
    expect(kept.metadata.labels).not.toBe(deployment.metadata!.labels);
    expect(kept.metadata.annotations).not.toBe(deployment.metadata!.annotations);
  });
});

describe('projections', () => {
  it.each<[MemberProjection, MemberProjection, MemberProjection]>([
    [METADATA_ONLY, METADATA_ONLY, METADATA_ONLY],
    [METADATA_ONLY, { status: true, workload: false }, { status: true, workload: false }],
    [{ status: false, workload: true }, { status: true, workload: false }, { status: true, workload: true }],
  ])('the union of %j and %j is %j, and covers both', (a, b, union) => {
    expect(unionProjection(a, b)).toEqual(union);
    expect(coversProjection(union, a)).toBe(true);
    expect(coversProjection(union, b)).toBe(true);
  });

  it.each<[MemberProjection, MemberProjection, boolean]>([
    [METADATA_ONLY, { status: true, workload: false }, false],
    [METADATA_ONLY, { status: false, workload: true }, false],
    [{ status: true, workload: false }, METADATA_ONLY, true],
  ])('%j covers %j: %s', (have, want, covers) => {
    expect(coversProjection(have, want)).toBe(covers);
  });
});

import { describe, expect, it } from 'vitest';
import { PropagationStatus } from '../../../src/api/constants.js';
import type { KubeObject } from '../../../src/kube/types.js';
import { METADATA_ONLY, projectMemberObject, type MemberObject } from '../../../src/members/member-object.js';
import { judgeMemberObject, planClusterAction, PROPAGATED_HASH_ANNOTATION, recordOf, withHash, type ClusterPlanInput } from '../../../src/sync/plan.js';

const rendered = { ok: true as const, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' }, data: { mode: 'safe' } }, warnings: [] };
const hash = 'h1';
const desired = withHash(rendered.object, hash);
const wholeMember = (rv: string, data: Record<string, string>, annotationHash = hash): KubeObject => ({
  ...desired,
  metadata: { ...desired.metadata, resourceVersion: rv, annotations: { [PROPAGATED_HASH_ANNOTATION]: annotationHash } },
  data,
});
/** The member object as the cache keeps it: judged when its watch event came, against the desired object. */
const member = (rv: string, data: Record<string, string>, annotationHash = hash): MemberObject => {
  const whole = wholeMember(rv, data, annotationHash);
  return projectMemberObject(whole, METADATA_ONLY, judgeMemberObject(whole, { object: rendered.object, hash }));
};
const input = (over: Partial<ClusterPlanInput>): ClusterPlanInput => ({
  ready: true,
  selected: true,
  rendered,
  hash,
  cached: undefined,
  record: undefined,
  isHostNamespace: false,
  ...over,
});

describe('planClusterAction', () => {
  it('creates what the cache does not hold, unless our own create has not reached it yet', () => {
    expect(planClusterAction(input({})).kind).toBe('create');
    const created = recordOf(hash, member('5', { mode: 'safe' }), undefined);
    expect(planClusterAction(input({ record: created }))).toEqual({ kind: 'none', status: PropagationStatus.Ok });
    // The template changed since: create (AlreadyExists then tells it is there).
    expect(planClusterAction(input({ record: recordOf('h0', member('5', { mode: 'safe' }), undefined) })).kind).toBe('create');
  });

  it('writes nothing when the cache shows our last write, or a version from before it', () => {
    const drifted = member('7', { mode: 'yolo' });
    const record = recordOf(hash, member('9', { mode: 'safe' }), drifted, '8');
    expect(planClusterAction(input({ cached: member('9', { mode: 'safe' }), record }))).toEqual({ kind: 'none', status: PropagationStatus.Ok });
    // Still the drifted version we reverted: the revert's watch event is on its way.
    expect(planClusterAction(input({ cached: drifted, record })).kind).toBe('none');
    // The version our field-ownership patch made before the apply: still drifted, but ours is on its way too.
    expect(planClusterAction(input({ cached: member('8', { mode: 'yolo' }), record })).kind).toBe('none');
    // Without that knowledge the same version would be reverted a second time.
    expect(planClusterAction(input({ cached: member('8', { mode: 'yolo' }), record: recordOf(hash, member('9', { mode: 'safe' }), drifted) }))).toMatchObject({
      kind: 'update',
      drift: ['/data/mode'],
    });
  });

  it('updates on a changed template and reverts drift it has not written itself', () => {
    expect(planClusterAction(input({ cached: member('3', { mode: 'safe' }, 'old') }))).toMatchObject({ kind: 'update', drift: undefined });
    expect(planClusterAction(input({ cached: member('4', { mode: 'yolo' }) }))).toMatchObject({ kind: 'update', drift: ['/data/mode'] });
    expect(planClusterAction(input({ cached: member('4', { mode: 'safe' }) }))).toEqual({ kind: 'none', status: PropagationStatus.Ok });
  });

  it('deletes from clusters no longer selected, and only unlabels the host namespace', () => {
    expect(planClusterAction(input({ selected: false, cached: member('4', { mode: 'safe' }) })).kind).toBe('delete');
    expect(planClusterAction(input({ selected: false, cached: member('4', { mode: 'safe' }), isHostNamespace: true })).kind).toBe('unlabel');
    expect(planClusterAction(input({ selected: false }))).toEqual({ kind: 'none', status: PropagationStatus.Ok });
    expect(planClusterAction(input({ ready: false }))).toEqual({ kind: 'none', status: PropagationStatus.ClusterNotReady });
  });

  it('trusts only a judgement made against this desired object, and writes when there is none', () => {
    const whole = wholeMember('4', { mode: 'safe' });
    const unjudged = projectMemberObject(whole, METADATA_ONLY, undefined);
    expect(planClusterAction(input({ cached: unjudged }))).toMatchObject({ kind: 'update', drift: undefined });
    // Judged against another desired object (the template changed back and forth since): not trusted either.
    const judgedElsewhere = projectMemberObject(whole, METADATA_ONLY, { hash: 'h0', drift: [] });
    expect(planClusterAction(input({ cached: judgedElsewhere }))).toMatchObject({ kind: 'update', drift: undefined });
  });
});

describe('taking over what KubeFed wrote (the managed label, no hash annotation)', () => {
  /** KubeFed's member object: the template with the managed label, and annotations of the member's own. */
  const kubefedMember = (data: Record<string, string>, labels: Record<string, string> = { 'kubefed.io/managed': 'true' }): KubeObject => ({
    ...rendered.object,
    metadata: { ...rendered.object.metadata, resourceVersion: '4', labels, annotations: { 'example.com/theirs': 'x' } },
    data,
  });
  const cachedKubefed = (whole: KubeObject): MemberObject => projectMemberObject(whole, METADATA_ONLY, judgeMemberObject(whole, { object: rendered.object, hash }));

  it.each([
    ['holds the desired object', { mode: 'safe' }, { kind: 'none', status: PropagationStatus.Ok }],
    ['holds it with extra fields', { mode: 'safe', extra: 'x' }, { kind: 'none', status: PropagationStatus.Ok }],
    ['differs from it', { mode: 'yolo' }, { kind: 'update', hash, drift: undefined }],
  ])('an object that %s', (_what, data, action) => {
    expect(planClusterAction(input({ cached: cachedKubefed(kubefedMember(data)) }))).toMatchObject(action);
  });

  it('judges it without the hash annotation, and never an unmanaged object or one with another hash', () => {
    expect(judgeMemberObject(kubefedMember({ mode: 'safe' }), { object: rendered.object, hash })).toEqual({ hash, drift: [] });
    expect(judgeMemberObject(kubefedMember({ mode: 'yolo' }), { object: rendered.object, hash })).toEqual({ hash, drift: ['/data/mode'] });
    expect(judgeMemberObject(kubefedMember({ mode: 'safe' }), undefined)).toEqual({ hash: undefined, drift: [] });
    // Not labelled managed: someone else's object, adopted (and written) only through a create.
    expect(judgeMemberObject(kubefedMember({ mode: 'safe' }, {}), { object: rendered.object, hash })).toEqual({ hash: undefined, drift: [] });
    expect(planClusterAction(input({ cached: cachedKubefed(kubefedMember({ mode: 'safe' }, {})) }))).toMatchObject({ kind: 'update' });
  });

  it('writes once the template changes, adding the hash', () => {
    const cached = cachedKubefed(kubefedMember({ mode: 'safe' }));
    const changed = { ...rendered, object: { ...rendered.object, data: { mode: 'strict' } } };
    const action = planClusterAction(input({ cached, rendered: changed, hash: 'h2' }));
    expect(action).toMatchObject({ kind: 'update', hash: 'h2' });
    expect((action as { desired: KubeObject }).desired.metadata?.annotations).toEqual({ [PROPAGATED_HASH_ANNOTATION]: 'h2' });
  });
});

describe('judgeMemberObject', () => {
  it.each([
    ['contains the desired object (extra fields are fine)', { mode: 'safe', extra: 'x' }, hash, { hash, drift: [] }],
    ['differs where someone changed it', { mode: 'yolo' }, hash, { hash, drift: ['/data/mode'] }],
    ['carries another hash: vouches for nothing', { mode: 'safe' }, 'other', { hash: undefined, drift: [] }],
  ])('%s', (_what, data, annotationHash, judgement) => {
    expect(judgeMemberObject(wholeMember('1', data, annotationHash), { object: rendered.object, hash })).toEqual(judgement);
  });

  it('vouches for nothing without a desired object', () => {
    expect(judgeMemberObject(wholeMember('1', { mode: 'safe' }), undefined)).toEqual({ hash: undefined, drift: [] });
  });
});

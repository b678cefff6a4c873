// The decisions both sides of pull mode share: when submitted work is new work, which reported outcome answers
// it (Ok only with the hash published), when a done deletion leaves the bundle, what a report says of a member
// object (and back), what the agent executes, and when the host may decide from a type's reports.
import { describe, expect, it } from 'vitest';
import type { MemberObject } from '../../../src/members/member-object.js';
import {
  acceptedOutcome,
  mayHaveSettledRemoval,
  memberObjectOf,
  needsNewSeq,
  removalSettled,
  reportedCacheState,
  reportedMemberOf,
  reportEntryOf,
  shouldExecute,
} from '../../../src/pull/decide.js';
import type { BundleEntry, ReportEntry } from '../../../src/pull/entries.js';

const desired = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'demo' }, data: { a: '1' } };
const create: BundleEntry['action'] = { kind: 'create', desired, hash: 'h1', adoption: { adoptResources: true } };
const published: BundleEntry = { key: 'demo/web', seq: 7, action: create };
const done = (seq: number, outcome: Partial<NonNullable<ReportEntry['done']>['outcome']> = {}): ReportEntry => ({
  key: 'demo/web',
  done: { seq, outcome: { kind: 'create', hash: 'h1', status: '', ...outcome } },
});

describe('needsNewSeq', () => {
  it.each<[string, BundleEntry | undefined, BundleEntry['action'], ReportEntry | undefined, boolean]>([
    ['nothing published', undefined, create, undefined, true],
    ['the same work, not reported yet', published, create, undefined, false],
    ['the same work, the agent still retrying it', published, create, done(7, { status: 'CreationFailed', retrying: true }), false],
    ['the same work, skipped while the member did not answer', published, create, done(7, { status: 'ClusterNotReady', notAttempted: true }), false],
    ['the same work, done before: asked again, the member changed since', published, create, done(7), true],
    ['the same work, an older entry reported done', published, create, done(6), false],
    ['other work', published, { ...create, hash: 'h2' }, undefined, true],
    ['the same work with keys in another order', published, { adoption: { adoptResources: true }, hash: 'h1', desired, kind: 'create' } as BundleEntry['action'], undefined, false],
  ])('%s → %s', (_, entry, action, report, want) => {
    expect(needsNewSeq(entry, action, report)).toBe(want);
  });
});

describe('acceptedOutcome', () => {
  const work = { seq: 7, kind: 'create' as const, hash: 'h1' };

  it('gives the outcome of the very work published', () => {
    expect(acceptedOutcome(work, done(7, { written: { resourceVersion: '5' } }).done)).toEqual({ kind: 'create', hash: 'h1', status: '', written: { resourceVersion: '5' } });
  });

  it.each<[string, ReportEntry['done']]>([
    ['no report', undefined],
    ['another seq', done(8).done],
    ['another kind', { seq: 7, outcome: { kind: 'update', hash: 'h1', status: '' } }],
    ['another hash: an agent cannot vouch for an object other than the one published', done(7, { hash: 'forged' }).done],
    ['no hash at all', { seq: 7, outcome: { kind: 'create', status: '' } }],
  ])('ignores %s', (_, reported) => {
    expect(acceptedOutcome(work, reported)).toBeUndefined();
  });

  it('drops a hash a deletion\'s outcome should not carry', () => {
    expect(acceptedOutcome({ seq: 3, kind: 'delete', hash: undefined }, { seq: 3, outcome: { kind: 'delete', hash: 'x', status: '' } })).toEqual({ kind: 'delete', status: '' });
  });
});

describe('removalSettled', () => {
  const del: BundleEntry = { key: 'demo/web', seq: 9, action: { kind: 'delete' } };
  const unlabel: BundleEntry = { key: 'demo/web', seq: 9, action: { kind: 'unlabel' } };
  const member = (managed: string | undefined, deletionTimestamp?: string) => ({ resourceVersion: '3', ...(managed ? { managed } : {}), ...(deletionTimestamp ? { deletionTimestamp } : {}) });
  it.each<[string, BundleEntry, ReportEntry | undefined, boolean]>([
    ['a create never', published, done(7), false],
    ['a delete not reported', del, undefined, false],
    ['a delete done, object gone', del, { key: 'demo/web', done: { seq: 9, outcome: { kind: 'delete', status: '' } } }, true],
    ['a delete waiting for removal, object still there', del, { key: 'demo/web', member: member('true', 'now'), done: { seq: 9, outcome: { kind: 'delete', status: 'WaitingForRemoval' } } }, false],
    ['a delete waiting for removal, object gone', del, { key: 'demo/web', done: { seq: 9, outcome: { kind: 'delete', status: 'WaitingForRemoval' } } }, true],
    ['a delete still retrying', del, { key: 'demo/web', done: { seq: 9, outcome: { kind: 'delete', status: 'DeletionFailed', retrying: true } } }, false],
    ['a delete of another seq', del, { key: 'demo/web', done: { seq: 8, outcome: { kind: 'delete', status: '' } } }, false],
    ['an unlabel done, object unmanaged', unlabel, { key: 'demo/web', member: member(undefined), done: { seq: 9, outcome: { kind: 'unlabel', status: '' } } }, true],
    ['an unlabel done, the report still showing it managed', unlabel, { key: 'demo/web', member: member('true'), done: { seq: 9, outcome: { kind: 'unlabel', status: '' } } }, false],
  ])('%s → %s', (_, entry, report, want) => {
    expect(removalSettled(entry, report)).toBe(want);
    // The cheap test from the report alone never rules out a removal that settles.
    if (want) expect(mayHaveSettledRemoval(report)).toBe(true);
  });
});

describe('mayHaveSettledRemoval', () => {
  it.each<[string, ReportEntry | undefined, boolean]>([
    ['no report', undefined, false],
    ['no outcome yet', { key: 'demo/web', member: { resourceVersion: '3' } }, false],
    ['a create done', done(7), false],
    ['an update done', done(7, { kind: 'update' }), false],
    ['a delete done', { key: 'demo/web', done: { seq: 9, outcome: { kind: 'delete', status: '' } } }, true],
    ['a delete waiting for removal', { key: 'demo/web', done: { seq: 9, outcome: { kind: 'delete', status: 'WaitingForRemoval' } } }, true],
    ['a delete still retrying', { key: 'demo/web', done: { seq: 9, outcome: { kind: 'delete', status: 'DeletionFailed', retrying: true } } }, false],
    ['a delete skipped, the member not answering', { key: 'demo/web', done: { seq: 9, outcome: { kind: 'delete', status: 'ClusterNotReady', notAttempted: true } } }, false],
    ['an unlabel done', { key: 'demo/web', done: { seq: 9, outcome: { kind: 'unlabel', status: '' } } }, true],
  ])('%s → %s', (_, report, want) => {
    expect(mayHaveSettledRemoval(report)).toBe(want);
  });
});

describe('what a report says of a member object', () => {
  const cached: MemberObject = {
    metadata: {
      name: 'web',
      namespace: 'demo',
      uid: 'u1',
      resourceVersion: '12',
      generation: 2,
      labels: { 'kubefed.io/managed': 'true' },
      annotations: { 'kubefed.io/propagated-hash': 'h1' },
    },
    status: { replicas: 3 },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } } },
    judgement: { hash: 'h1', drift: ['/data/a'] },
    applyOwnership: '[]',
  };

  it('round-trips through the report into what a member cache keeps (no field-ownership patch: the agent keeps it)', () => {
    const reported = reportedMemberOf(cached, { status: true, workload: true });
    expect(reported).toEqual({
      uid: 'u1',
      resourceVersion: '12',
      generation: 2,
      managed: 'true',
      hash: 'h1',
      status: { replicas: 3 },
      workload: { replicas: 3, selector: { matchLabels: { app: 'web' } } },
      judgement: { hash: 'h1', drift: ['/data/a'] },
    });
    const { applyOwnership: _local, ...rest } = cached;
    expect(memberObjectOf('demo/web', reported)).toEqual(rest);
  });

  it('carries status and workload only when asked', () => {
    const reported = reportedMemberOf(cached, { status: false, workload: false });
    expect(reported).not.toHaveProperty('status');
    expect(reported).not.toHaveProperty('workload');
  });

  it('makes a cluster-scoped object of a key without a namespace, and a never-judged one vouching for nothing', () => {
    expect(memberObjectOf('edge', { resourceVersion: '1', managed: 'false' })).toEqual({
      metadata: { name: 'edge', resourceVersion: '1', labels: { 'kubefed.io/managed': 'false' } },
      judgement: { hash: undefined, drift: [] },
    });
    expect(memberObjectOf('edge', undefined)).toBeUndefined();
  });

  it('has no report entry with nothing to say', () => {
    expect(reportEntryOf('demo/web', undefined, undefined)).toBeUndefined();
    expect(reportEntryOf('demo/web', { resourceVersion: '1' }, undefined)).toEqual({ key: 'demo/web', member: { resourceVersion: '1' } });
  });
});

describe('shouldExecute', () => {
  it.each<[string, BundleEntry | undefined, number | undefined, number | undefined, boolean]>([
    ['no entry', undefined, undefined, undefined, false],
    ['never executed', published, undefined, undefined, true],
    ['executed to its end (a restart reads it back from the reports)', published, 7, undefined, false],
    ['under way', published, undefined, 7, false],
    ['newer work than the one executed', { ...published, seq: 8 }, 7, undefined, true],
    ['newer work than the one under way', { ...published, seq: 8 }, undefined, 7, true],
  ])('%s → %s', (_, entry, executed, submitted, want) => {
    expect(shouldExecute(entry, executed, submitted)).toBe(want);
  });
});

describe('reportedCacheState', () => {
  const projection = { status: true, workload: false };
  const state = (types: Record<string, { listed: boolean; status: boolean; workload: boolean; error?: string }>) => ({ epoch: 'e1', types });
  it.each<[string, Parameters<typeof reportedCacheState>[0], string]>([
    ['reports not read yet', { synced: false, state: state({ configmaps: { listed: true, status: true, workload: false } }), typeId: 'configmaps', projection }, 'filling'],
    ['no state from the agent', { synced: true, state: undefined, typeId: 'configmaps', projection }, 'filling'],
    ['the type not taken up yet', { synced: true, state: state({}), typeId: 'configmaps', projection }, 'filling'],
    ['listing', { synced: true, state: state({ configmaps: { listed: false, status: true, workload: false } }), typeId: 'configmaps', projection }, 'filling'],
    ['listed without the status asked for', { synced: true, state: state({ configmaps: { listed: true, status: false, workload: false } }), typeId: 'configmaps', projection }, 'filling'],
    ['listed', { synced: true, state: state({ configmaps: { listed: true, status: true, workload: false } }), typeId: 'configmaps', projection }, 'fresh'],
  ])('%s → %s', (_, input, want) => {
    expect(reportedCacheState(input).kind).toBe(want);
  });

  it('fails with the agent\'s own words when it cannot list the type', () => {
    expect(reportedCacheState({ synced: true, state: state({ 'widgets.example.com': { listed: false, status: false, workload: false, error: 'the server could not find the requested resource' } }), typeId: 'widgets.example.com', projection })).toEqual({
      kind: 'failed',
      error: 'the server could not find the requested resource',
    });
  });
});

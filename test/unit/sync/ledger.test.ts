// The ledger of our own work: how each outcome that comes back changes what the planner knows of a cluster.
import { describe, expect, it } from 'vitest';
import { PropagationStatus } from '../../../src/api/constants.js';
import type { ActionKind, WorkOutcome } from '../../../src/execution/work.js';
import type { MemberObject } from '../../../src/members/member-object.js';
import { planClusterAction } from '../../../src/sync/plan.js';
import { cacheShowsRecord, Ledger, nextLedgerEntry, type LedgerEntry } from '../../../src/sync/ledger.js';

const record = { hash: 'h0', resourceVersion: '3', previousResourceVersion: undefined };
const outstanding = (kind: ActionKind, hash: string | undefined): NonNullable<LedgerEntry['outstanding']> => ({ kind, hash, since: 1 });
const timedOut: WorkOutcome = { kind: 'create', hash: 'h1', status: PropagationStatus.CreationTimedOut, message: 'timed out', retrying: true, unanswered: true };

describe('nextLedgerEntry', () => {
  it.each<[string, LedgerEntry | undefined, WorkOutcome, LedgerEntry | undefined]>([
    [
      'a create done: our write is recorded and the work is no longer outstanding',
      { outstanding: outstanding('create', 'h1') },
      { kind: 'create', hash: 'h1', status: '', written: { resourceVersion: '5', previousResourceVersion: undefined } },
      { record: { hash: 'h1', resourceVersion: '5', previousResourceVersion: undefined } },
    ],
    [
      'an update done: the versions our own writes made on the way are kept too',
      { record, outstanding: outstanding('update', 'h1'), failure: { kind: 'update', hash: 'h1', status: PropagationStatus.UpdateFailed, message: '500', notAttempted: false } },
      { kind: 'update', hash: 'h1', status: '', written: { resourceVersion: '9', previousResourceVersion: '3', intermediateResourceVersion: '8' } },
      { record: { hash: 'h1', resourceVersion: '9', previousResourceVersion: '3', intermediateResourceVersions: ['8'] } },
    ],
    [
      'a create or update done ends an earlier removal',
      { removed: { resourceVersion: '4' }, outstanding: outstanding('create', 'h1') },
      { kind: 'create', hash: 'h1', status: '', written: { resourceVersion: '5', previousResourceVersion: undefined } },
      { record: { hash: 'h1', resourceVersion: '5', previousResourceVersion: undefined } },
    ],
    [
      'a failure the executor retries: still outstanding, with the reason',
      { outstanding: outstanding('create', 'h1') },
      timedOut,
      {
        outstanding: outstanding('create', 'h1'),
        failure: { kind: 'create', hash: 'h1', status: PropagationStatus.CreationTimedOut, message: 'timed out', notAttempted: false },
      },
    ],
    [
      'work that ends without being done (not attempted): no longer outstanding, the failure kept',
      { outstanding: outstanding('create', 'h1') },
      { kind: 'create', hash: 'h1', status: PropagationStatus.ClusterNotReady, message: 'does not answer', notAttempted: true },
      { failure: { kind: 'create', hash: 'h1', status: PropagationStatus.ClusterNotReady, message: 'does not answer', notAttempted: true } },
    ],
    [
      'a refusal: remembered so as not to send the same again; no failure',
      { outstanding: outstanding('update', 'h1'), failure: { kind: 'update', hash: 'h1', status: PropagationStatus.UpdateFailed, message: 'x', notAttempted: false } },
      { kind: 'update', hash: 'h1', status: PropagationStatus.UpdateFailed, message: 'invalid', refused: true },
      { refusal: { kind: 'update', hash: 'h1', status: PropagationStatus.UpdateFailed, message: 'invalid' } },
    ],
    [
      'a delete done: the record goes, the removal is remembered at the version decided on',
      { record, outstanding: outstanding('delete', undefined) },
      { kind: 'delete', hash: undefined, status: '', basedOn: '3' },
      { removed: { resourceVersion: '3' } },
    ],
    [
      'a delete waiting for finalizers counts as done',
      { record, outstanding: outstanding('delete', undefined) },
      { kind: 'delete', hash: undefined, status: PropagationStatus.WaitingForRemoval, basedOn: '3' },
      { removed: { resourceVersion: '3' } },
    ],
    [
      'an unlabel done, of an object the cache never showed',
      { record, outstanding: outstanding('unlabel', undefined) },
      { kind: 'unlabel', hash: undefined, status: '', basedOn: undefined },
      { removed: { resourceVersion: undefined } },
    ],
    [
      'a done outcome clears an earlier refusal',
      { refusal: { kind: 'create', hash: 'h0', status: PropagationStatus.CreationFailed, message: 'x' }, outstanding: outstanding('create', 'h1') },
      { kind: 'create', hash: 'h1', status: '', written: { resourceVersion: '5', previousResourceVersion: undefined } },
      { record: { hash: 'h1', resourceVersion: '5', previousResourceVersion: undefined } },
    ],
    [
      'a failure of older work says nothing of the newer work outstanding',
      { outstanding: outstanding('create', 'h2') },
      timedOut,
      { outstanding: outstanding('create', 'h2') },
    ],
    [
      'a failure of work nothing waits for any more is kept (the status may tell it)',
      { record },
      { ...timedOut, retrying: false },
      { record, failure: { kind: 'create', hash: 'h1', status: PropagationStatus.CreationTimedOut, message: 'timed out', notAttempted: false } },
    ],
    ['a delete of a copy the cache never showed (outstanding no more)', { outstanding: outstanding('delete', undefined) }, { kind: 'delete', hash: undefined, status: '', basedOn: undefined }, { removed: { resourceVersion: undefined } }],
    ['a refusal with no entry before', undefined, { kind: 'unlabel', hash: undefined, status: PropagationStatus.ManagedLabelFalse, refused: true }, { refusal: { kind: 'unlabel', hash: undefined, status: PropagationStatus.ManagedLabelFalse, message: undefined } }],
  ])('%s', (_name, entry, outcome, expected) => {
    const before = entry ? structuredClone(entry) : undefined;
    expect(nextLedgerEntry(entry, outcome)).toEqual(expected);
    // Pure: the entry given is not changed.
    expect(entry).toEqual(before);
  });

  it('drops an entry that holds nothing any more', () => {
    const removed: LedgerEntry = { removed: { resourceVersion: '3' } };
    // A create done without a written version (never happens with a real server, but the entry must stay coherent).
    expect(nextLedgerEntry(removed, { kind: 'create', hash: undefined, status: '' })).toBeUndefined();
  });
});

describe('Ledger', () => {
  it('counts outstanding work across clusters as it is submitted, answered and withdrawn', () => {
    const ledger = new Ledger();
    ledger.submitted('m1', 'ns/a', 'create', 'h1', 1);
    ledger.submitted('m2', 'ns/a', 'create', 'h1', 1);
    ledger.submitted('m1', 'ns/b', 'create', 'h1', 1);
    // Resubmitting the same key does not count twice.
    ledger.submitted('m1', 'ns/b', 'update', 'h2', 2);
    expect(ledger.outstanding()).toBe(3);
    ledger.applyOutcome('m1', 'ns/a', { kind: 'create', hash: 'h1', status: '', written: { resourceVersion: '5', previousResourceVersion: undefined } });
    expect(ledger.outstanding()).toBe(2);
    ledger.applyOutcome('m2', 'ns/a', timedOut);
    expect(ledger.outstanding()).toBe(2);
    ledger.withdrawn('m2', 'ns/a');
    expect(ledger.get('m2', 'ns/a')).toBeUndefined();
    expect(ledger.outstanding()).toBe(1);
    ledger.forgetCluster('m1');
    expect(ledger.outstanding()).toBe(0);
    expect(ledger.size()).toBe(0);
  });

  it('forgets the failure of earlier work when new work is submitted, unless it is the same work', () => {
    const ledger = new Ledger();
    ledger.submitted('m1', 'k', 'create', 'h1', 1);
    ledger.applyOutcome('m1', 'k', timedOut);
    ledger.submitted('m1', 'k', 'create', 'h1', 2);
    expect(ledger.get('m1', 'k')?.failure?.status).toBe(PropagationStatus.CreationTimedOut);
    ledger.submitted('m1', 'k', 'create', 'h2', 3);
    expect(ledger.get('m1', 'k')?.failure).toBeUndefined();
    // A not-attempted failure says nothing of an attempt to come.
    ledger.applyOutcome('m1', 'k', { kind: 'create', hash: 'h2', status: PropagationStatus.ClusterNotReady, notAttempted: true });
    ledger.submitted('m1', 'k', 'create', 'h2', 4);
    expect(ledger.get('m1', 'k')).toEqual({ outstanding: { kind: 'create', hash: 'h2', since: 4 } });
  });

  it('forgets what it wrote or removed once the member object is gone, and refusals around an outage', () => {
    const ledger = new Ledger();
    ledger.submitted('m1', 'k', 'create', 'h1', 1);
    ledger.applyOutcome('m1', 'k', { kind: 'create', hash: 'h1', status: '', written: { resourceVersion: '5', previousResourceVersion: undefined } });
    ledger.memberGone('m1', 'k');
    expect(ledger.get('m1', 'k')).toBeUndefined();
    ledger.applyOutcome('m1', 'k', { kind: 'create', hash: 'h1', status: PropagationStatus.CreationFailed, refused: true, message: 'forbidden' });
    ledger.applyOutcome('m1', 'j', { kind: 'create', hash: 'h1', status: PropagationStatus.CreationFailed, refused: true, message: 'forbidden' });
    ledger.applyOutcome('m1', 'j', { kind: 'create', hash: 'h1', status: '', written: { resourceVersion: '6', previousResourceVersion: undefined } });
    ledger.applyOutcome('m1', 'j', { kind: 'update', hash: 'h2', status: PropagationStatus.UpdateFailed, refused: true, message: 'forbidden' });
    ledger.forgetRefusals('m1');
    expect(ledger.get('m1', 'k')).toBeUndefined();
    expect(ledger.get('m1', 'j')).toEqual({ record: { hash: 'h1', resourceVersion: '6', previousResourceVersion: undefined } });
  });

  it('withdraws only outstanding work, and with it the failure of that work', () => {
    const ledger = new Ledger();
    ledger.applyOutcome('m1', 'k', { kind: 'create', hash: 'h1', status: '', written: { resourceVersion: '5', previousResourceVersion: undefined } });
    ledger.withdrawn('m1', 'k');
    expect(ledger.get('m1', 'k')?.record?.resourceVersion).toBe('5');
    ledger.submitted('m1', 'k', 'update', 'h2', 2);
    ledger.applyOutcome('m1', 'k', { kind: 'update', hash: 'h2', status: PropagationStatus.UpdateTimedOut, retrying: true });
    ledger.withdrawn('m1', 'k');
    expect(ledger.get('m1', 'k')).toEqual({ record: { hash: 'h1', resourceVersion: '5', previousResourceVersion: undefined } });
    expect(ledger.outstanding()).toBe(0);
  });

  it('lets a record go once the member cache shows that write, and keeps the rest of the entry', () => {
    const ledger = new Ledger();
    ledger.applyOutcome('m1', 'k', { kind: 'create', hash: 'h1', status: '', written: { resourceVersion: '5', previousResourceVersion: undefined } });
    ledger.caughtUp('m1', 'k', member({ resourceVersion: '4' }));
    expect(ledger.get('m1', 'k')?.record?.resourceVersion).toBe('5');
    ledger.caughtUp('m1', 'k', member({}));
    expect(ledger.get('m1', 'k')).toBeUndefined();
    expect(ledger.size()).toBe(0);
    // Work outstanding since stays.
    ledger.applyOutcome('m1', 'j', { kind: 'create', hash: 'h1', status: '', written: { resourceVersion: '5', previousResourceVersion: undefined } });
    ledger.submitted('m1', 'j', 'update', 'h2', 7);
    ledger.caughtUp('m1', 'j', member({}));
    expect(ledger.get('m1', 'j')).toEqual({ outstanding: { kind: 'update', hash: 'h2', since: 7 } });
    expect(ledger.outstanding()).toBe(1);
  });
});

/** A member cache's copy of our write of hash h1 at resourceVersion 5, judged without drift, but for `change`. */
function member(change: { resourceVersion?: string; hash?: string; managed?: string; judged?: string | null; drift?: string[]; deleting?: boolean }): MemberObject {
  const judged = change.judged === null ? undefined : { hash: change.judged ?? 'h1', drift: change.drift ?? [] };
  return {
    metadata: {
      name: 'k',
      resourceVersion: change.resourceVersion ?? '5',
      labels: { 'kubefed.io/managed': change.managed ?? 'true' },
      annotations: { 'kubefed.io/propagated-hash': change.hash ?? 'h1' },
      ...(change.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    ...(judged ? { judgement: judged } : {}),
  };
}

describe('cacheShowsRecord', () => {
  const written = { hash: 'h1', resourceVersion: '5', previousResourceVersion: '4' };
  it.each<[string, MemberObject | undefined, boolean]>([
    ['the very version we wrote, our hash, judged without drift', member({}), true],
    ['not in the cache', undefined, false],
    ['an older version (the cache lags behind)', member({ resourceVersion: '4' }), false],
    ['a newer version (changed since)', member({ resourceVersion: '6' }), false],
    ['another hash', member({ hash: 'h0' }), false],
    ['not labelled managed', member({ managed: 'false' }), false],
    ['not judged yet', member({ judged: null }), false],
    ['judged against another desired object', member({ judged: 'h0' }), false],
    ['judged with a drift', member({ drift: ['/data/x'] }), false],
    ['being deleted', member({ deleting: true }), false],
  ])('%s: %s', (_name, cached, shows) => {
    expect(cacheShowsRecord(written, cached)).toBe(shows);
    // Where the record may go, the planner decides the same without it: nothing to do.
    if (shows) {
      const rendered = { ok: true as const, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'k' } }, warnings: [] };
      const input = { ready: true, selected: true, rendered, hash: 'h1', cached, isHostNamespace: false };
      expect(planClusterAction({ ...input, record: written })).toEqual({ kind: 'none', status: PropagationStatus.Ok });
      expect(planClusterAction({ ...input, record: undefined })).toEqual({ kind: 'none', status: PropagationStatus.Ok });
    }
  });
});

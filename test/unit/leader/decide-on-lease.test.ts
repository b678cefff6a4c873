import { describe, expect, it } from 'vitest';
import { decideOnLease, microTime, type LeaderElectionRecord } from '../../../src/leader/lease.js';

const now = new Date('2030-01-01T00:00:10.000Z');
const at = (observedAgoMs: number) => ({ identity: 'me', leaseDurationMs: 15_000, now, observedAt: now.getTime() - observedAgoMs });
const earlier = '2030-01-01T00:00:00.000000Z';

describe('decideOnLease', () => {
  it.each<[string, LeaderElectionRecord, number, ReturnType<typeof decideOnLease>]>([
    ['an existing lease naming no holder is taken, one transition', {}, 0,
      { write: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(now), renewTime: microTime(now), leaderTransitions: 1 } }],
    ['our own lease is renewed, keeping its acquireTime and transitions', { holderIdentity: 'me', acquireTime: earlier, leaderTransitions: 2, leaseDurationSeconds: 15 }, 0,
      { write: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: earlier, renewTime: microTime(now), leaderTransitions: 2 } }],
    ['another holder, seen unchanged for less than its duration: wait', { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: earlier }, 14_999,
      { waitFor: 'other' }],
    ['another holder, seen unchanged for its whole duration: take over, one more transition', { holderIdentity: 'other', leaseDurationSeconds: 15, leaderTransitions: 1 }, 15_000,
      { write: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(now), renewTime: microTime(now), leaderTransitions: 2 } }],
    ['its own short duration counts, not ours', { holderIdentity: 'other', leaseDurationSeconds: 1 }, 1_000,
      { write: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(now), renewTime: microTime(now), leaderTransitions: 1 } }],
    ['a released lease (empty holder) is taken at once, one more transition (as client-go counts)', { holderIdentity: '', leaseDurationSeconds: 1, leaderTransitions: 4 }, 0,
      { write: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: microTime(now), renewTime: microTime(now), leaderTransitions: 5 } }],
  ])('%s', (_name, current, observedAgoMs, expected) => {
    expect(decideOnLease(current, at(observedAgoMs))).toEqual(expected);
  });
});

describe('decideOnLease timestamps', () => {
  it('are written in the format of the lock kind (whole seconds for the annotation locks)', () => {
    const seconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    expect(decideOnLease({}, { ...at(0), time: seconds })).toMatchObject({ write: { acquireTime: '2030-01-01T00:00:10Z', renewTime: '2030-01-01T00:00:10Z' } });
  });
});

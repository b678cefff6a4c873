// A pull cluster's health from its agent's heartbeat Lease, judged by the host's clock.
import { describe, expect, it } from 'vitest';
import { judgeHeartbeat, HEARTBEAT_OK_MESSAGE, type HeartbeatInput } from '../../../src/cluster/heartbeat.js';

const GRACE = 40_000;
const T0 = Date.parse('2025-06-01T12:00:00Z');
const LEASE = 'kubefed-cluster-edge/kubefed-agent-heartbeat';
const at = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

function judge(input: Partial<HeartbeatInput>) {
  return judgeHeartbeat({ previous: undefined, heartbeat: undefined, nowMs: T0, graceMs: GRACE, lease: LEASE, ...input });
}

describe('judgeHeartbeat', () => {
  it('a missing Lease: not reachable, saying so', () => {
    expect(judge({})).toEqual({
      observation: undefined,
      outcome: { kind: 'unreachable', error: `no heartbeat from the agent: Lease ${LEASE} does not exist (is the agent running?)` },
    });
  });

  it('a Lease never renewed: not reachable', () => {
    expect(judge({ heartbeat: { renewTime: undefined } }).outcome).toMatchObject({ kind: 'unreachable', error: expect.stringContaining('has no renewTime') });
  });

  it.each<[string, number, 'ready' | 'unreachable', number]>([
    // first sight, by the agent's clock: renewed 5 s ago → seen now
    ['renewed 5 s ago', T0 - 5_000, 'ready', T0],
    // exactly at the grace period: still ready
    ['renewed 40 s ago', T0 - GRACE, 'ready', T0],
    // older than the grace period by the agent's clock: taken at its word
    ['renewed 41 s ago', T0 - 41_000, 'unreachable', T0 - 41_000],
    // an agent clock ahead of ours: seen now, gets the whole grace period
    ['renewed "in 5 minutes"', T0 + 300_000, 'ready', T0],
  ])('at first sight, a heartbeat %s', (_, renewed, kind, seenAtMs) => {
    const { observation, outcome } = judge({ heartbeat: { renewTime: at(renewed) } });
    expect(outcome.kind).toBe(kind);
    expect(observation).toEqual({ renewTime: at(renewed), seenAtMs });
  });

  it('an unparseable renewTime at first sight counts from now', () => {
    expect(judge({ heartbeat: { renewTime: 'yesterday' } })).toEqual({
      observation: { renewTime: 'yesterday', seenAtMs: T0 },
      outcome: { kind: 'ready', message: HEARTBEAT_OK_MESSAGE },
    });
  });

  it('stays ready while renewals keep coming, whatever the agent clock says', () => {
    // The agent's clock is 10 minutes behind ours: every renewTime looks stale, yet each one is new.
    let previous = judge({ heartbeat: { renewTime: at(T0 - 600_000) }, nowMs: T0 }).observation;
    for (let i = 1; i <= 5; i++) {
      const nowMs = T0 + i * 10_000;
      const judged = judge({ previous, heartbeat: { renewTime: at(nowMs - 600_000) }, nowMs });
      expect(judged.outcome.kind, `renewal ${i}`).toBe('ready');
      expect(judged.observation!.seenAtMs).toBe(nowMs);
      previous = judged.observation;
    }
  });

  it('turns not reachable once the same renewTime is older than the grace period by the host clock, with a message that does not change', () => {
    const renewTime = at(T0 + 300_000); // agent clock ahead: only the host's clock counts
    const first = judge({ heartbeat: { renewTime } });
    const within = judge({ previous: first.observation, heartbeat: { renewTime }, nowMs: T0 + GRACE });
    expect(within.outcome.kind).toBe('ready');
    const after = judge({ previous: within.observation, heartbeat: { renewTime }, nowMs: T0 + GRACE + 1 });
    const later = judge({ previous: after.observation, heartbeat: { renewTime }, nowMs: T0 + GRACE + 60_000 });
    const expected = {
      kind: 'unreachable',
      error: `the agent's heartbeat (Lease ${LEASE}) was not renewed within the grace period of 40s; last renewed at ${renewTime}`,
    };
    expect(after.outcome).toEqual(expected);
    expect(later.outcome).toEqual(expected);
    // A renewal brings it back at once.
    const renewed = judge({ previous: later.observation, heartbeat: { renewTime: at(T0 + 400_000) }, nowMs: T0 + GRACE + 61_000 });
    expect(renewed.outcome).toEqual({ kind: 'ready', message: HEARTBEAT_OK_MESSAGE });
  });

  it('a host read failure keeps the last observation until the grace period runs out', () => {
    const seen = { renewTime: at(T0), seenAtMs: T0 };
    expect(judge({ previous: seen, readError: 'connect ECONNREFUSED', nowMs: T0 + 30_000 })).toEqual({
      observation: seen,
      outcome: { kind: 'ready', message: HEARTBEAT_OK_MESSAGE },
    });
    expect(judge({ previous: seen, readError: 'connect ECONNREFUSED', nowMs: T0 + 41_000 }).outcome).toEqual({
      kind: 'unreachable',
      error: `cannot read the agent's heartbeat (Lease ${LEASE}): connect ECONNREFUSED`,
    });
    expect(judge({ readError: 'Forbidden' }).outcome.kind).toBe('unreachable');
  });

  it('names a grace period below a second in milliseconds', () => {
    const first = judge({ heartbeat: { renewTime: at(T0) }, graceMs: 500 });
    const after = judge({ previous: first.observation, heartbeat: { renewTime: at(T0) }, graceMs: 500, nowMs: T0 + 501 });
    expect(after.outcome).toMatchObject({ error: expect.stringContaining('within the grace period of 500ms') });
  });
});

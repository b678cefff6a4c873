// Pure health decision for a pull-mode cluster: its agent renews a Lease on the host every 10 s, and the
// cluster is ready while the host has seen that Lease renewed within the grace period.
//
// The host judges by its own clock, as Kubernetes' node lifecycle controller judges node Leases: it notes when
// it saw renewTime change, and compares that with its own now. The agent's clock only counts at first sight (a
// restarted host), and then only to see that a heartbeat is already older than the grace period; a heartbeat
// that looks fresh, or from the future, gets the whole grace period from the moment the host first saw it.
import type { ProbeOutcome } from './health.js';

/** What the host reads of the heartbeat Lease. */
export interface Heartbeat {
  /** `spec.renewTime` (RFC 3339 with microseconds), as the agent wrote it. */
  renewTime: string | undefined;
}

/** When (host clock, ms) the host saw the heartbeat's renewTime take its current value. */
export interface HeartbeatObservation {
  renewTime: string;
  seenAtMs: number;
}

export interface HeartbeatJudgement {
  observation: HeartbeatObservation | undefined;
  outcome: ProbeOutcome;
}

export interface HeartbeatInput {
  previous: HeartbeatObservation | undefined;
  /** Undefined when the Lease does not exist. */
  heartbeat: Heartbeat | undefined;
  nowMs: number;
  graceMs: number;
  /** `namespace/name` of the Lease, for messages. */
  lease: string;
  /** The Lease could not be read (the host API server failed): the last observation stands until the grace runs out. */
  readError?: string | undefined;
}

/** The Ready condition's message of a pull cluster. */
export const HEARTBEAT_OK_MESSAGE = 'the agent renews its heartbeat';

/** Ready while the heartbeat was renewed within the grace period, judged by the host's clock. */
export function judgeHeartbeat(input: HeartbeatInput): HeartbeatJudgement {
  const { previous, heartbeat, nowMs, graceMs, lease } = input;
  const grace = formatGrace(graceMs);
  if (input.readError !== undefined) {
    const why = `cannot read the agent's heartbeat (Lease ${lease}): ${input.readError}`;
    if (previous && nowMs - previous.seenAtMs <= graceMs) return { observation: previous, outcome: { kind: 'ready', message: HEARTBEAT_OK_MESSAGE } };
    return { observation: previous, outcome: { kind: 'unreachable', error: why } };
  }
  if (!heartbeat) {
    return { observation: undefined, outcome: { kind: 'unreachable', error: `no heartbeat from the agent: Lease ${lease} does not exist (is the agent running?)` } };
  }
  const renewTime = heartbeat.renewTime;
  if (!renewTime) {
    return { observation: undefined, outcome: { kind: 'unreachable', error: `no heartbeat from the agent: Lease ${lease} has no renewTime` } };
  }
  const observation = observe(previous, renewTime, nowMs, graceMs);
  if (nowMs - observation.seenAtMs > graceMs) {
    // The message names the last renewal rather than an age, so that it stays the same (and the status is not
    // rewritten) for as long as the agent stays silent.
    return {
      observation,
      outcome: { kind: 'unreachable', error: `the agent's heartbeat (Lease ${lease}) was not renewed within ${grace}; last renewed at ${renewTime}` },
    };
  }
  return { observation, outcome: { kind: 'ready', message: HEARTBEAT_OK_MESSAGE } };
}

function observe(previous: HeartbeatObservation | undefined, renewTime: string, nowMs: number, graceMs: number): HeartbeatObservation {
  if (previous?.renewTime === renewTime) return previous;
  if (previous) return { renewTime, seenAtMs: nowMs };
  // First sight: only an already stale heartbeat is taken at its word.
  const written = Date.parse(renewTime);
  if (Number.isFinite(written) && nowMs - written > graceMs) return { renewTime, seenAtMs: written };
  return { renewTime, seenAtMs: nowMs };
}

function formatGrace(ms: number): string {
  return ms % 1000 === 0 ? `the grace period of ${ms / 1000}s` : `the grace period of ${ms}ms`;
}

// Pure health bookkeeping for one member cluster: turns a stream of probe results into the conditions
// written on its KubeFedCluster, debounced by the KubeFedConfig's failure and success thresholds.
//
// Deliberate fix over KubeFed: KubeFed compared the thresholds with the length of the *reported* state, so
// after a long healthy run a single failed probe marked a cluster offline. Here a state only flips after
// `failureThreshold` consecutive failures (or `successThreshold` consecutive successes).
import {
  ClusterConditionMessage,
  ClusterConditionReason,
  ClusterConditionType,
  ConditionStatus,
  type ClusterCondition,
} from '../api/index.js';

export type ProbeOutcome =
  /** `message` replaces the /healthz wording (a pull cluster's health comes from its agent's heartbeat). */
  | { kind: 'ready'; message?: string }
  | { kind: 'notReady'; detail?: string }
  | { kind: 'unreachable'; error: string }
  | { kind: 'malformed'; error: string };

export interface ClusterHealth {
  /** What the conditions currently say. */
  reported: ProbeOutcome['kind'] | undefined;
  conditions: ClusterCondition[];
  /** Consecutive probes whose readiness disagrees with what is reported. */
  pendingCount: number;
}

export const initialHealth = (): ClusterHealth => ({ reported: undefined, conditions: [], pendingCount: 0 });

/**
 * The health a KubeFedCluster's status already reports, so that a restarted controller that probes the
 * same outcome writes nothing (and keeps the times).
 */
export function healthFromConditions(conditions: readonly ClusterCondition[] | undefined): ClusterHealth {
  if (!conditions?.length) return initialHealth();
  const is = (type: string, status: string): boolean => conditions.some((c) => c.type === type && c.status === status);
  const reported: ProbeOutcome['kind'] = is(ClusterConditionType.Ready, ConditionStatus.True)
    ? 'ready'
    : is(ClusterConditionType.ConfigMalformed, ConditionStatus.True)
      ? 'malformed'
      : is(ClusterConditionType.Offline, ConditionStatus.True)
        ? 'unreachable'
        : 'notReady';
  return { reported, conditions: [...conditions], pendingCount: 0 };
}

export interface Thresholds {
  failureThreshold: number;
  successThreshold: number;
}

/** The next health state after one probe. A malformed config is reported at once: no probe can fix it. */
export function nextHealth(prev: ClusterHealth, outcome: ProbeOutcome, thresholds: Thresholds, now: string): ClusterHealth {
  if (prev.reported === undefined || outcome.kind === 'malformed' || sameOutcome(prev, outcome)) {
    return report(prev, outcome, now);
  }
  const wasReady = prev.reported === 'ready';
  const nowReady = outcome.kind === 'ready';
  // Switching between two kinds of "not ready" (unreachable vs. answering without ok) needs no debounce.
  if (wasReady === nowReady) return report(prev, outcome, now);
  const pendingCount = prev.pendingCount + 1;
  const threshold = nowReady ? thresholds.successThreshold : thresholds.failureThreshold;
  if (pendingCount >= threshold) return report(prev, outcome, now);
  return { ...prev, pendingCount };
}

function sameOutcome(prev: ClusterHealth, outcome: ProbeOutcome): boolean {
  return prev.reported === outcome.kind && conditionsFor(outcome, '').every((c, i) => c.message === prev.conditions[i]?.message);
}

function report(prev: ClusterHealth, outcome: ProbeOutcome, now: string): ClusterHealth {
  const conditions = conditionsFor(outcome, now).map((c) => {
    const before = prev.conditions.find((p) => p.type === c.type);
    // lastTransitionTime moves only when the condition's status changes; lastProbeTime only when the
    // condition is written, so a steady cluster costs no status writes (see README).
    if (before && before.status === c.status) {
      const unchanged = before.reason === c.reason && before.message === c.message;
      return { ...c, lastTransitionTime: before.lastTransitionTime, lastProbeTime: unchanged ? before.lastProbeTime : now };
    }
    return c;
  });
  return { reported: outcome.kind, conditions, pendingCount: 0 };
}

/** KubeFed's condition vocabulary for each outcome. */
export function conditionsFor(outcome: ProbeOutcome, now: string): ClusterCondition[] {
  const condition = (
    type: ClusterCondition['type'],
    status: ClusterCondition['status'],
    reason: string,
    message: string,
  ): ClusterCondition => ({ type, status, reason, message, lastProbeTime: now, lastTransitionTime: now });
  switch (outcome.kind) {
    case 'ready':
      return [condition(ClusterConditionType.Ready, ConditionStatus.True, ClusterConditionReason.ClusterReady, outcome.message ?? ClusterConditionMessage.HealthzOk)];
    case 'notReady':
      return [
        condition(
          ClusterConditionType.Ready,
          ConditionStatus.False,
          ClusterConditionReason.ClusterNotReady,
          outcome.detail ? `${ClusterConditionMessage.HealthzNotOk}: ${outcome.detail}` : ClusterConditionMessage.HealthzNotOk,
        ),
        condition(ClusterConditionType.Offline, ConditionStatus.False, ClusterConditionReason.ClusterReachable, ClusterConditionMessage.ClusterReachable),
      ];
    case 'unreachable':
      return [
        condition(ClusterConditionType.Ready, ConditionStatus.False, ClusterConditionReason.ClusterNotReachable, `${ClusterConditionMessage.ClusterNotReachable}: ${outcome.error}`),
        condition(ClusterConditionType.Offline, ConditionStatus.True, ClusterConditionReason.ClusterNotReachable, `${ClusterConditionMessage.ClusterNotReachable}: ${outcome.error}`),
      ];
    case 'malformed':
      return [
        condition(ClusterConditionType.Ready, ConditionStatus.False, ClusterConditionReason.ClusterConfigMalformed, `${ClusterConditionMessage.ClusterConfigMalformed}: ${outcome.error}`),
        condition(ClusterConditionType.ConfigMalformed, ConditionStatus.True, ClusterConditionReason.ClusterConfigMalformed, `${ClusterConditionMessage.ClusterConfigMalformed}: ${outcome.error}`),
      ];
  }
}

export const isReady = (health: ClusterHealth): boolean => health.reported === 'ready';

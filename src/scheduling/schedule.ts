// Pure steps between the planner's output and the fed object the RSP controller writes: the final
// per-cluster schedule (as KubeFed builds it), the safe order of a move (grow before shrink), and the
// placement and `/spec/replicas` overrides that carry it, leaving the user's other overrides alone.
import type { Override } from '../api/federated-resource.js';
import { canonicalJson } from '../sync/render.js';

export const REPLICAS_PATH = '/spec/replicas';

/**
 * KubeFed's final schedule: clusters that already hold the member object start at 0 (so they are kept in
 * the placement and scaled to 0 rather than deleted), then the plan, then the overflow on top.
 */
export function finalSchedule(input: {
  plan: Record<string, number>;
  overflow: Record<string, number>;
  existing: readonly string[];
}): Record<string, number> {
  const schedule: Record<string, number> = {};
  for (const cluster of input.existing) schedule[cluster] = 0;
  for (const [cluster, n] of Object.entries(input.plan)) schedule[cluster] = n;
  for (const [cluster, n] of Object.entries(input.overflow)) schedule[cluster] = (schedule[cluster] ?? 0) + n;
  return schedule;
}

/**
 * What to write now so that replicas never drop below the plan during a move: clusters that grow get
 * their new count at once; clusters that shrink keep what they have until every growing cluster reports
 * its new replicas ready. Clusters that are not ready keep their last written count (they cannot be
 * changed, and their replicas must not be forgotten).
 */
export function phasedSchedule(input: {
  target: Record<string, number>;
  /** Replicas per cluster as currently written in the fed object's overrides. */
  applied: Record<string, number>;
  /** Ready replicas per cluster, from member workload status that has observed the current spec. */
  ready: Record<string, number>;
  readyClusters: ReadonlySet<string>;
}): { schedule: Record<string, number>; waitingFor: string[] } {
  const { target, applied, ready, readyClusters } = input;
  const schedule: Record<string, number> = {};
  // Not "clusters whose count grows in this write": a count written a moment ago may not be ready yet either.
  const waitingFor = Object.keys(target)
    .filter((c) => readyClusters.has(c) && (ready[c] ?? 0) < (target[c] ?? 0))
    .sort();
  for (const [cluster, n] of Object.entries(target)) {
    const before = applied[cluster];
    schedule[cluster] = waitingFor.length > 0 && before !== undefined && n < before ? before : n;
  }
  for (const [cluster, n] of Object.entries(applied)) {
    if (!(cluster in schedule) && !readyClusters.has(cluster)) schedule[cluster] = n;
    else if (!(cluster in schedule) && waitingFor.length > 0) schedule[cluster] = n;
  }
  return { schedule, waitingFor };
}

/** The `/spec/replicas` override value per cluster in a fed object's overrides. */
export function appliedReplicas(overrides: readonly Override[] | undefined): Record<string, number> {
  const applied: Record<string, number> = {};
  for (const o of overrides ?? []) {
    const replicas = o.clusterOverrides?.find((c) => c.path === REPLICAS_PATH && (c.op ?? 'replace') !== 'remove');
    if (o.clusterName && replicas && typeof replicas.value === 'number') applied[o.clusterName] = replicas.value;
  }
  return applied;
}

/**
 * The placement and overrides carrying `schedule`: placement lists every scheduled cluster (sorted), each
 * gets one `/spec/replicas` override, clusters no longer scheduled lose theirs, and every other override
 * the user wrote stays as it was. Entries are sorted by cluster so that equal schedules give equal specs.
 */
export function withSchedule(
  overrides: readonly Override[] | undefined,
  schedule: Record<string, number>,
): { clusters: Array<{ name: string }>; overrides: Override[] } {
  const byCluster = new Map<string, Override>();
  for (const o of overrides ?? []) {
    const name = o.clusterName ?? '';
    const rest = (o.clusterOverrides ?? []).filter((c) => c.path !== REPLICAS_PATH);
    byCluster.set(name, { ...o, clusterOverrides: rest });
  }
  for (const [cluster, replicas] of Object.entries(schedule)) {
    const entry = byCluster.get(cluster) ?? { clusterName: cluster, clusterOverrides: [] };
    entry.clusterOverrides = [...(entry.clusterOverrides ?? []), { path: REPLICAS_PATH, value: replicas }];
    byCluster.set(cluster, entry);
  }
  const result = [...byCluster.values()]
    .filter((o) => (o.clusterOverrides ?? []).length > 0)
    .sort((a, b) => (a.clusterName ?? '').localeCompare(b.clusterName ?? ''));
  return { clusters: Object.keys(schedule).sort().map((name) => ({ name })), overrides: result };
}

/**
 * Whether writing `next` (from `withSchedule`) would change the fed object. The placement is a set, and the
 * overrides' entries are compared by cluster whatever their order: KubeFed wrote them in Go's random map
 * order, and rewriting such a schedule only to sort it would, after a migration, cost a fed object write and
 * (with the PropagatedVersions gate) a PropagatedVersion write for nothing.
 */
export function scheduleChanged(
  current: { placement: readonly string[]; overrides: readonly Override[] | undefined },
  next: { clusters: ReadonlyArray<{ name: string }>; overrides: readonly Override[] },
): boolean {
  const byCluster = (overrides: readonly Override[]): Override[] =>
    [...overrides].sort((a, b) => (a.clusterName ?? '').localeCompare(b.clusterName ?? ''));
  return (
    canonicalJson([...current.placement].sort()) !== canonicalJson(next.clusters.map((c) => c.name)) ||
    canonicalJson(byCluster(current.overrides ?? [])) !== canonicalJson(next.overrides)
  );
}

// A deliberately plain replica planner that follows the reference description of KubeFed's planner step by
// step (objects, maps, a comparison sort, a fresh list per round). It exists to check the fast planner
// against, in the randomized test and in hack/bench-planner.ts; it does no input validation.
import type { PlanReplicasInput, ReplicaPlan } from '../../../src/scheduling/planner.js';

interface NamedPreferences {
  name: string;
  hash: number;
  weight: number;
  minReplicas: number;
  maxReplicas: number | undefined;
}

const encoder = new TextEncoder();

/** FNV-1 32-bit over the UTF-8 bytes of the arguments, one byte at a time. */
export function referenceFnv1(...parts: string[]): number {
  let hash = 2166136261;
  for (const part of parts) {
    for (const byte of encoder.encode(part)) hash = (Math.imul(hash, 16777619) ^ byte) >>> 0;
  }
  return hash;
}

/** ceil(a * b / c) for non-negative integers, exactly. */
function ceilMulDiv(a: number, b: number, c: number): number {
  if (a * b + c < Number.MAX_SAFE_INTEGER) {
    const numerator = a * b + c - 1;
    return (numerator - (numerator % c)) / c;
  }
  return Number((BigInt(a) * BigInt(b) + BigInt(c) - 1n) / BigInt(c));
}

export function referencePlanReplicas(input: PlanReplicasInput): ReplicaPlan {
  const key = input.key ?? '';
  const rebalance = input.rebalance ?? false;
  const spec = new Map(Object.entries(input.clusters ?? {}));
  if (spec.size === 0) spec.set('*', { weight: 1 });
  const current = new Map(Object.entries(input.currentReplicas ?? {}));
  const capacity = new Map(Object.entries(input.estimatedCapacity ?? {}));
  const available = [...new Set(input.availableClusters)];

  const plan = new Map<string, number>();
  const overflow = new Map<string, number>();

  // 1. Preferences of each available cluster: its own entry, else "*", else it gets 0.
  let preferences: NamedPreferences[] = [];
  for (const name of available) {
    const prefs = spec.get(name) ?? spec.get('*');
    if (prefs === undefined) {
      plan.set(name, 0);
      continue;
    }
    preferences.push({
      name,
      hash: referenceFnv1(name, key),
      weight: prefs.weight ?? 0,
      minReplicas: prefs.minReplicas ?? 0,
      maxReplicas: prefs.maxReplicas ?? undefined,
    });
  }

  // 2. Weight descending, then hash ascending (then name: the fast planner's rule for full ties).
  preferences.sort((a, b) => {
    if (a.weight !== b.weight) return a.weight > b.weight ? -1 : 1;
    if (a.hash !== b.hash) return a.hash < b.hash ? -1 : 1;
    return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });

  // 3. Minimums.
  let remaining = input.totalReplicas;
  for (const p of preferences) {
    let min = Math.min(p.minReplicas, remaining);
    const cap = capacity.get(p.name);
    if (cap !== undefined) min = Math.min(min, cap);
    remaining -= min;
    plan.set(p.name, min);
  }

  // 4. Preallocation of replicas already running.
  const preallocated = new Map<string, number>();
  if (!rebalance) {
    for (const p of preferences) {
      const planned = plan.get(p.name)!;
      const count = current.get(p.name);
      if (count !== undefined && count > planned) {
        let target = count;
        if (p.maxReplicas !== undefined) target = Math.min(target, p.maxReplicas);
        const cap = capacity.get(p.name);
        if (cap !== undefined) target = Math.min(target, cap);
        let extra = Math.min(target - planned, remaining);
        if (extra < 0) extra = 0;
        remaining -= extra;
        preallocated.set(p.name, extra);
        plan.set(p.name, planned + extra);
      }
    }
  }

  // 5. Weighted rounds.
  let modified = true;
  while (modified && remaining > 0) {
    modified = false;
    let weightSum = 0;
    for (const p of preferences) weightSum += p.weight;
    if (weightSum <= 0) break;
    const next: NamedPreferences[] = [];
    const distributeInThisLoop = remaining;
    for (const p of preferences) {
      const start = plan.get(p.name)!;
      let extra = ceilMulDiv(distributeInThisLoop, p.weight, weightSum);
      extra = Math.min(extra, remaining);
      const prealloc = preallocated.get(p.name) ?? 0;
      const used = Math.min(extra, prealloc);
      preallocated.set(p.name, prealloc - used);
      extra -= used;
      if (used > 0) modified = true;
      let total = start + extra;
      let full = false;
      if (p.maxReplicas !== undefined && total > p.maxReplicas) {
        total = p.maxReplicas;
        full = true;
      }
      const cap = capacity.get(p.name);
      if (cap !== undefined && total > cap) {
        overflow.set(p.name, total - cap);
        total = cap;
        full = true;
      }
      if (!full) next.push(p);
      remaining -= total - start;
      plan.set(p.name, total);
      if (total > start) modified = true;
      if (remaining <= 0) break;
    }
    preferences = next;
  }

  // 6. Without rebalancing, overflow is cut to what could not be placed.
  const trimmed: [string, number][] = [];
  for (const [name, value] of overflow) {
    const v = rebalance ? value : Math.min(value, remaining);
    if (v > 0) trimmed.push([name, v]);
  }
  return { plan: Object.fromEntries(plan), overflow: Object.fromEntries(trimmed) };
}

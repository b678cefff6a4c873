// The replica planner: how many of a ReplicaSchedulingPreference's replicas each available cluster gets.
// A pure function whose results are those of KubeFed's planner (same order, rounding and tie-breaks),
// computed over typed arrays in time about linear in the number of clusters (hack/bench-planner.ts).
import { FNV1_32_OFFSET_BASIS, FNV1_32_PRIME, fnv1Update32 } from './fnv.js';

/** One entry of an RSP's `spec.clusters`; every field is a non-negative integer. */
export interface ClusterReplicaPreferences {
  /** Share of the replicas left after minimums, relative to the other clusters' weights. Default 0. */
  weight?: number;
  /** Replicas this cluster gets before any are shared out by weight. Default 0. */
  minReplicas?: number;
  /** Most replicas this cluster may get; unbounded when unset. */
  maxReplicas?: number;
}

export interface PlanReplicasInput {
  /** Replicas to distribute (int32, ≥ 0). */
  totalReplicas: number;
  /** When false (the default), replicas already running in a cluster are kept there where possible. */
  rebalance?: boolean;
  /** The RSP's `spec.clusters`: preferences by cluster name, `"*"` for clusters not listed. Empty means `{"*": {weight: 1}}`. */
  clusters: Record<string, ClusterReplicaPreferences>;
  /** Clusters that may receive replicas (treated as a set: repeated names count once). */
  availableClusters: readonly string[];
  /** Replicas running now, by cluster; only used when `rebalance` is false. */
  currentReplicas?: Record<string, number>;
  /** Most replicas a cluster can run, by cluster; unlisted clusters are unbounded. */
  estimatedCapacity?: Record<string, number>;
  /** The target object's `namespace/name`; it seeds the hash that orders clusters of equal weight. */
  key?: string;
}

export interface ReplicaPlan {
  /** Replicas per available cluster, every available cluster included (0 when it gets none). */
  plan: Record<string, number>;
  /**
   * Replicas that were due to a cluster but did not fit its estimated capacity. With `rebalance: false`
   * each entry is cut to the replicas that could not be placed anywhere, and entries of 0 are dropped.
   */
  overflow: Record<string, number>;
}

/** Thrown when the planner's input is malformed; `field` names the offending field, as does the message. */
export class PlannerInputError extends Error {
  override readonly name = 'PlannerInputError';
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** The RSP `totalReplicas` field is an int32. */
const MAX_TOTAL_REPLICAS = 2_147_483_647;
/** Below this, `distribute * weight + weightSum` is exact in a double and `Math.ceil(a / b)` is exact. */
const EXACT_DOUBLE_LIMIT = 2 ** 52;
/** KubeFed computes the weighted share in int64; beyond this its arithmetic would wrap. */
const INT64_LIMIT = 2n ** 63n;
/** From this many clusters up, order by radix sort rather than by comparison. */
const RADIX_SORT_MIN = 64;
/** Weights up to this bound are ordered by counting sort in the radix path. */
const COUNTING_SORT_MAX_WEIGHT = 4096;
const RADIX_BITS = 8;
const RADIX_SIZE = 1 << RADIX_BITS;
const RADIX_MASK = RADIX_SIZE - 1;

const DEFAULT_CLUSTERS: Readonly<Record<string, ClusterReplicaPreferences>> = Object.freeze({ '*': Object.freeze({ weight: 1 }) });
const utf8 = new TextEncoder();
const hasOwn = Object.hasOwn;

/**
 * Spreads `totalReplicas` over `availableClusters` the way KubeFed's replica planner does:
 *
 * 1. Each available cluster takes its own entry in `clusters`, else the `"*"` entry, else gets 0 and no
 *    further say. Clusters are ordered by decreasing weight, then by increasing 32-bit FNV-1 hash of the
 *    cluster name's UTF-8 bytes followed by `key`'s.
 * 2. In that order each cluster gets its `minReplicas`, limited by what is left and by its capacity.
 * 3. Unless `rebalance`, each cluster running more than that keeps its running replicas (limited by max,
 *    capacity and what is left); these are remembered as preallocated.
 * 4. In rounds, what is left is shared out in proportion to weight, rounding up, in order. A cluster's
 *    share first uses up its preallocated replicas; a cluster hitting its max or capacity is full (the
 *    excess over capacity is recorded as overflow) and drops out. Rounds stop when nothing is left, no
 *    weight remains, or a round changes nothing.
 *
 * Where KubeFed's result is not defined this one is: clusters whose weight and hash are both equal are
 * ordered by name (KubeFed leaves them to an unstable sort), and a name repeated in `availableClusters`
 * counts once. `plan` lists clusters in the order of `availableClusters`.
 *
 * Cost: linear in the clusters for typical inputs (a radix sort orders them; weight-0 clusters skip the
 * rounds; rounds that only use up preallocated replicas are run in bulk); at worst O(n log n + totalReplicas).
 *
 * @throws PlannerInputError on a malformed input: a count that is negative, fractional or not a number
 * (every `clusters` entry is checked, used or not; `currentReplicas` and `estimatedCapacity` entries as
 * they are read), `minReplicas` above `maxReplicas`, `totalReplicas` beyond int32, or weights so large
 * that KubeFed's int64 share arithmetic would overflow.
 */
export function planReplicas(input: PlanReplicasInput): ReplicaPlan {
  const total = input.totalReplicas;
  if (typeof total !== 'number' || !Number.isInteger(total) || total < 0 || total > MAX_TOTAL_REPLICAS) {
    throw new PlannerInputError('totalReplicas', `totalReplicas (${String(total)}) must be an integer from 0 to ${MAX_TOTAL_REPLICAS}`);
  }
  const rebalance = input.rebalance ?? false;
  if (typeof rebalance !== 'boolean') throw new PlannerInputError('rebalance', `rebalance (${String(rebalance)}) must be a boolean`);
  const key = input.key ?? '';
  if (typeof key !== 'string') throw new PlannerInputError('key', `key (${String(key)}) must be a string`);
  const available = input.availableClusters;
  if (!Array.isArray(available)) throw new PlannerInputError('availableClusters', 'availableClusters must be an array of cluster names');
  const current = rebalance ? undefined : optionalRecord(input.currentReplicas, 'currentReplicas');
  const capacity = optionalRecord(input.estimatedCapacity, 'estimatedCapacity');
  const clusters = validateClusters(input.clusters);

  const n = available.length;
  const s = acquireScratch(n);
  try {
    const m = readPreferences(s, available, clusters, current, capacity);
    hashPreferences(s, m, available, key);
    const count = orderPreferences(s, m, available);
    gatherInOrder(s, count);
    const remaining = distribute(s, count, total, rebalance);
    return buildResult(s, available, rebalance, remaining);
  } finally {
    releaseScratch(s);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Input

function optionalRecord(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new PlannerInputError(field, `${field} must be an object`);
  return value as Record<string, unknown>;
}

/** Checks every entry of `spec.clusters` (not only those of available clusters) and applies the empty default. */
function validateClusters(value: unknown): Record<string, ClusterReplicaPreferences> {
  const clusters = optionalRecord(value, 'clusters');
  if (clusters === undefined) return DEFAULT_CLUSTERS;
  const names = Object.keys(clusters);
  for (let i = 0; i < names.length; i++) {
    const prefs = clusters[names[i]!];
    if (typeof prefs !== 'object' || prefs === null || Array.isArray(prefs)) {
      const field = `clusters[${JSON.stringify(names[i])}]`;
      throw new PlannerInputError(field, `${field} must be an object`);
    }
    const { weight, minReplicas, maxReplicas } = prefs as Record<string, unknown>;
    // Messages are built only on failure: this runs for every entry of every plan.
    if (!isCount(weight)) countError(`clusters[${JSON.stringify(names[i])}].weight`, weight);
    if (!isCount(minReplicas)) countError(`clusters[${JSON.stringify(names[i])}].minReplicas`, minReplicas);
    if (!isCount(maxReplicas)) countError(`clusters[${JSON.stringify(names[i])}].maxReplicas`, maxReplicas);
    if (typeof minReplicas === 'number' && typeof maxReplicas === 'number' && minReplicas > maxReplicas) {
      const field = `clusters[${JSON.stringify(names[i])}]`;
      throw new PlannerInputError(`${field}.minReplicas`, `${field}.minReplicas (${minReplicas}) > maxReplicas (${maxReplicas})`);
    }
  }
  return names.length === 0 ? DEFAULT_CLUSTERS : (clusters as Record<string, ClusterReplicaPreferences>);
}

/** An optional non-negative integer (null counts as unset, as in Go's JSON decoding). */
function isCount(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0);
}

function countError(field: string, value: unknown): never {
  throw new PlannerInputError(field, `${field} (${describe(value)}) must be a non-negative integer`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** An own entry of a record, or undefined (never something inherited such as `toString`). */
function own<T>(record: Record<string, T>, name: string): T | undefined {
  const value = record[name];
  return value !== undefined && hasOwn(record, name) ? value : undefined;
}

/**
 * Whether everything a record inherits comes from `Object.prototype` (or nothing does). Those inherited
 * members are all functions but `__proto__`, so a number (or an object under any other name) read from
 * such a record is its own, and the second lookup of `Object.hasOwn` can be skipped.
 */
function plainPrototype(record: object): boolean {
  const proto: unknown = Object.getPrototypeOf(record);
  return proto === Object.prototype || proto === null;
}

/** A count for `name` (≥ 0), or -1 when the record has none. */
function readCount(record: Record<string, unknown> | undefined, plain: boolean, name: string, field: string): number {
  if (record === undefined) return -1;
  const value = record[name];
  if (value === undefined) return -1;
  if (!(plain && typeof value === 'number') && (!hasOwn(record, name) || value === null)) return -1;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) countError(`${field}[${JSON.stringify(name)}]`, value);
  return value;
}

/**
 * Fills one slot per available cluster that has preferences (slots in input order) and returns how many.
 * `slotOf` maps an input position to its slot, or -1 for a cluster without preferences.
 */
function readPreferences(
  s: Scratch,
  available: readonly string[],
  clusters: Record<string, ClusterReplicaPreferences>,
  current: Record<string, unknown> | undefined,
  capacity: Record<string, unknown> | undefined,
): number {
  const star = own(clusters, '*');
  const starWeight = star?.weight ?? 0;
  const starMin = star?.minReplicas ?? 0;
  const starMax = star?.maxReplicas ?? Infinity;
  const { slotOf, inputOf, weight, minR, maxR, cap, cur } = s;
  const plainClusters = plainPrototype(clusters);
  const plainCurrent = current !== undefined && plainPrototype(current);
  const plainCapacity = capacity !== undefined && plainPrototype(capacity);
  let m = 0;
  for (let i = 0; i < available.length; i++) {
    const name = available[i];
    if (typeof name !== 'string') {
      throw new PlannerInputError(`availableClusters[${i}]`, `availableClusters[${i}] (${describe(name)}) must be a string`);
    }
    let prefs = clusters[name];
    const surelyOwn = plainClusters && typeof prefs === 'object' && name !== '__proto__';
    if (prefs !== undefined && !surelyOwn && !hasOwn(clusters, name)) prefs = undefined;
    if (prefs === undefined) {
      if (star === undefined) {
        slotOf[i] = -1;
        continue;
      }
      weight[m] = starWeight;
      minR[m] = starMin;
      maxR[m] = starMax;
    } else {
      weight[m] = prefs.weight ?? 0;
      minR[m] = prefs.minReplicas ?? 0;
      maxR[m] = prefs.maxReplicas ?? Infinity;
    }
    const c = readCount(capacity, plainCapacity, name, 'estimatedCapacity');
    cap[m] = c < 0 ? Infinity : c;
    cur[m] = readCount(current, plainCurrent, name, 'currentReplicas');
    inputOf[m] = i;
    slotOf[i] = m;
    m++;
  }
  return m;
}

/**
 * FNV-1 of each cluster's name then the key. One FNV-1 chain is a string of dependent multiplications,
 * so four are advanced side by side for the CPU to overlap; the key's bytes, the same for every cluster,
 * are encoded once.
 */
function hashPreferences(s: Scratch, m: number, available: readonly string[], key: string): void {
  const { hash, inputOf } = s;
  const basis = FNV1_32_OFFSET_BASIS | 0;
  const prime = FNV1_32_PRIME;
  const imul = Math.imul;
  let j = 0;
  for (; j + 4 <= m; j += 4) {
    const s0 = available[inputOf[j]!]!;
    const s1 = available[inputOf[j + 1]!]!;
    const s2 = available[inputOf[j + 2]!]!;
    const s3 = available[inputOf[j + 3]!]!;
    const common = Math.min(s0.length, s1.length, s2.length, s3.length);
    let h0 = basis;
    let h1 = basis;
    let h2 = basis;
    let h3 = basis;
    let seen = 0;
    let i = 0;
    for (; i < common; i++) {
      const c0 = s0.charCodeAt(i);
      const c1 = s1.charCodeAt(i);
      const c2 = s2.charCodeAt(i);
      const c3 = s3.charCodeAt(i);
      seen |= c0 | c1 | c2 | c3;
      h0 = imul(h0, prime) ^ c0;
      h1 = imul(h1, prime) ^ c1;
      h2 = imul(h2, prime) ^ c2;
      h3 = imul(h3, prime) ^ c3;
    }
    if (seen < 0x80) {
      // ASCII so far, one byte per character: finish each name from where the common part ended.
      hash[j] = fnv1Update32(h0, s0, i);
      hash[j + 1] = fnv1Update32(h1, s1, i);
      hash[j + 2] = fnv1Update32(h2, s2, i);
      hash[j + 3] = fnv1Update32(h3, s3, i);
    } else {
      hash[j] = fnv1Update32(FNV1_32_OFFSET_BASIS, s0);
      hash[j + 1] = fnv1Update32(FNV1_32_OFFSET_BASIS, s1);
      hash[j + 2] = fnv1Update32(FNV1_32_OFFSET_BASIS, s2);
      hash[j + 3] = fnv1Update32(FNV1_32_OFFSET_BASIS, s3);
    }
  }
  for (; j < m; j++) hash[j] = fnv1Update32(FNV1_32_OFFSET_BASIS, available[inputOf[j]!]!);

  const bytes = utf8.encode(key);
  const k = bytes.length;
  if (k === 0) return;
  j = 0;
  for (; j + 4 <= m; j += 4) {
    let h0 = hash[j]!;
    let h1 = hash[j + 1]!;
    let h2 = hash[j + 2]!;
    let h3 = hash[j + 3]!;
    for (let b = 0; b < k; b++) {
      const byte = bytes[b]!;
      h0 = imul(h0, prime) ^ byte;
      h1 = imul(h1, prime) ^ byte;
      h2 = imul(h2, prime) ^ byte;
      h3 = imul(h3, prime) ^ byte;
    }
    hash[j] = h0;
    hash[j + 1] = h1;
    hash[j + 2] = h2;
    hash[j + 3] = h3;
  }
  for (; j < m; j++) {
    let h = hash[j]!;
    for (let b = 0; b < k; b++) h = imul(h, prime) ^ bytes[b]!;
    hash[j] = h;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Order: weight descending, then hash ascending (unsigned), then name; repeated names dropped.

/** Writes the slots in planning order to `s.order` and returns how many there are (after dropping repeats). */
function orderPreferences(s: Scratch, m: number, available: readonly string[]): number {
  const { order, weight, hash, inputOf } = s;
  let maxWeight = 0;
  for (let j = 0; j < m; j++) {
    order[j] = j;
    if (weight[j]! > maxWeight) maxWeight = weight[j]!;
  }
  if (m < RADIX_SORT_MIN || maxWeight > COUNTING_SORT_MAX_WEIGHT) {
    order.subarray(0, m).sort((a, b) => {
      const byWeight = weight[b]! - weight[a]!;
      if (byWeight !== 0) return byWeight;
      const byHash = (hash[a]! >>> 0) - (hash[b]! >>> 0);
      if (byHash !== 0) return byHash;
      return compareNames(available[inputOf[a]!]!, available[inputOf[b]!]!) || a - b;
    });
  } else {
    radixOrder(s, m, maxWeight);
  }
  return settleTies(s, m, available);
}

/**
 * LSD radix sort of the slots by unsigned hash, a byte at a time (each hash travels with its slot, so the
 * passes read memory in sequence), then a stable counting sort by descending weight.
 */
function radixOrder(s: Scratch, m: number, maxWeight: number): void {
  const { hash, weight, counts } = s;
  let src = s.order;
  let dst = s.tmp;
  let srcKey = s.keysA;
  let dstKey = s.keysB;
  for (let j = 0; j < m; j++) srcKey[j] = hash[j]!;
  for (let shift = 0; shift < 32; shift += RADIX_BITS) {
    counts.fill(0, 0, RADIX_SIZE);
    for (let r = 0; r < m; r++) counts[(srcKey[r]! >>> shift) & RADIX_MASK]!++;
    let sum = 0;
    for (let d = 0; d < RADIX_SIZE; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let r = 0; r < m; r++) {
      const k = srcKey[r]!;
      const at = counts[(k >>> shift) & RADIX_MASK]!++;
      dst[at] = src[r]!;
      dstKey[at] = k;
    }
    const t = src;
    src = dst;
    dst = t;
    const tk = srcKey;
    srcKey = dstKey;
    dstKey = tk;
  }
  // Bucket by weight, heaviest first, keeping the hash order within a weight.
  counts.fill(0, 0, maxWeight + 1);
  for (let r = 0; r < m; r++) counts[weight[src[r]!]!]!++;
  let sum = 0;
  for (let w = maxWeight; w >= 0; w--) {
    const c = counts[w]!;
    counts[w] = sum;
    sum += c;
  }
  for (let r = 0; r < m; r++) {
    const j = src[r]!;
    dst[counts[weight[j]!]!++] = j;
  }
  if (dst !== s.order) s.order.set(dst.subarray(0, m));
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders runs of equal weight and hash by name (KubeFed's unstable sort leaves them in no defined order)
 * and drops repeated names, which are adjacent by then. Marks a dropped cluster's input position -2.
 */
function settleTies(s: Scratch, m: number, available: readonly string[]): number {
  const { order, weight, hash, inputOf, slotOf } = s;
  let out = 0;
  let r = 0;
  while (r < m) {
    const first = order[r]!;
    let end = r + 1;
    while (end < m && hash[order[end]!] === hash[first] && weight[order[end]!] === weight[first]) end++;
    if (end - r > 1) {
      // Rare (a 32-bit hash collision or a repeated name): insertion sort by name, then input position.
      for (let x = r + 1; x < end; x++) {
        const j = order[x]!;
        const name = available[inputOf[j]!]!;
        let y = x - 1;
        while (y >= r) {
          const k = order[y]!;
          const cmp = compareNames(available[inputOf[k]!]!, name);
          if (cmp < 0 || (cmp === 0 && k < j)) break;
          order[y + 1] = k;
          y--;
        }
        order[y + 1] = j;
      }
      for (let x = r; x < end; x++) {
        const j = order[x]!;
        if (out > 0 && x > r && available[inputOf[j]!] === available[inputOf[order[out - 1]!]!]) {
          slotOf[inputOf[j]!] = -2;
          continue;
        }
        order[out++] = j;
      }
    } else {
      order[out++] = first;
    }
    r = end;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Distribution

/**
 * Copies the preferences into planning order, so that the phases below read memory in sequence, and
 * points each input position at its rank.
 */
function gatherInOrder(s: Scratch, count: number): void {
  const { order, slotOf, inputOf, weight, minR, maxR, cap, cur, rWeight, rMin, rMax, rCap, rCur } = s;
  for (let r = 0; r < count; r++) {
    const j = order[r]!;
    rWeight[r] = weight[j]!;
    rMin[r] = minR[j]!;
    rMax[r] = maxR[j]!;
    rCap[r] = cap[j]!;
    rCur[r] = cur[j]!;
    slotOf[inputOf[j]!] = r;
  }
}

/** Runs the minimum, preallocation and weighted phases over the first `count` ranks; returns the replicas left. */
function distribute(s: Scratch, count: number, total: number, rebalance: boolean): number {
  const { rWeight: weight, rMin: minR, rMax: maxR, rCap: cap, rCur: cur, plan, pre, ovf, active, share } = s;
  let remaining = total;

  // Minimums, in order; max is not applied here (KubeFed applies it only in the weighted rounds).
  for (let j = 0; j < count; j++) {
    let v = minR[j]!;
    if (v > remaining) v = remaining;
    if (v > cap[j]!) v = cap[j]!;
    plan[j] = v;
    pre[j] = 0;
    ovf[j] = 0;
    remaining -= v;
  }

  // Keep what already runs where it runs, as far as max, capacity and what is left allow.
  if (!rebalance) {
    for (let j = 0; j < count && remaining > 0; j++) {
      const running = cur[j]!;
      const planned = plan[j]!;
      if (running <= planned) continue;
      let target = running;
      if (target > maxR[j]!) target = maxR[j]!;
      if (target > cap[j]!) target = cap[j]!;
      let extra = target - planned;
      if (extra > remaining) extra = remaining;
      if (extra <= 0) continue;
      pre[j] = extra;
      plan[j] = planned + extra;
      remaining -= extra;
    }
  }

  // Weighted rounds. Weight-0 clusters never receive anything in them, so they are left out from the start.
  let n = 0;
  let weightSum = 0;
  for (let j = 0; j < count; j++) {
    if (weight[j]! > 0) {
      active[n++] = j;
      weightSum += weight[j]!;
    }
  }
  if (remaining === 0 || n === 0) return remaining;

  // Shares are ceil(distribute * weight / weightSum) computed in int64 by KubeFed; doubles are exact for the
  // usual sizes, BigInt covers the rest, and inputs that would overflow int64 are refused.
  let bigWeightSum = 0n;
  const exact = weightSum < EXACT_DOUBLE_LIMIT && (remaining + 1) * weightSum < EXACT_DOUBLE_LIMIT;
  if (!exact) {
    for (let r = 0; r < n; r++) bigWeightSum += BigInt(weight[active[r]!]!);
    if ((BigInt(remaining) + 1n) * bigWeightSum >= INT64_LIMIT) {
      throw new PlannerInputError(
        'clusters',
        `the weights of the available clusters (sum ${bigWeightSum}) are too large for ${remaining} replicas: KubeFed's int64 arithmetic would overflow`,
      );
    }
  }

  let modified = true;
  while (remaining > 0 && modified && n > 0) {
    modified = false;
    // Every share of a round is computed from what was left, and the weight in play, at its start.
    const d = remaining;
    const roundWeightSum = weightSum;
    if (!exact) {
      const bigD = BigInt(d);
      for (let r = 0; r < n; r++) share[r] = Number((bigD * BigInt(weight[active[r]!]!) + bigWeightSum - 1n) / bigWeightSum);
    }

    let kept = 0;
    let absorbedOnly = true;
    for (let r = 0; r < n; r++) {
      const j = active[r]!;
      let extra = exact ? Math.ceil((d * weight[j]!) / roundWeightSum) : share[r]!;
      share[r] = extra;
      if (extra > remaining) extra = remaining;
      const p = pre[j]!;
      if (p > 0) {
        const used = extra < p ? extra : p;
        pre[j] = p - used;
        extra -= used;
        modified = true;
      }
      if (extra === 0) {
        // The whole share went to replicas this cluster was already given: nothing else changes.
        active[kept++] = j;
        continue;
      }
      absorbedOnly = false;
      const start = plan[j]!;
      let next = start + extra;
      let full = false;
      if (next > maxR[j]!) {
        next = maxR[j]!;
        full = true;
      }
      if (next > cap[j]!) {
        ovf[j] = next - cap[j]!;
        next = cap[j]!;
        full = true;
      }
      remaining -= next - start;
      plan[j] = next;
      if (next > start) modified = true;
      if (full) {
        if (exact) weightSum -= weight[j]!;
        else bigWeightSum -= BigInt(weight[j]!);
      } else {
        active[kept++] = j;
      }
      if (remaining === 0) break;
    }
    n = kept;

    // A round in which every share went to preallocated replicas leaves everything but the preallocations
    // as it was, so the next round would be the same: run as many such rounds at once as all clusters allow.
    if (absorbedOnly && remaining > 0) {
      let rounds = Infinity;
      for (let r = 0; r < n; r++) {
        const k = Math.floor(pre[active[r]!]! / share[r]!);
        if (k < rounds) rounds = k;
      }
      if (rounds > 0) for (let r = 0; r < n; r++) pre[active[r]!] = pre[active[r]!]! - rounds * share[r]!;
    }
  }
  return remaining;
}

function buildResult(s: Scratch, available: readonly string[], rebalance: boolean, remaining: number): ReplicaPlan {
  const { slotOf: rankOf, plan: planned, ovf } = s;
  const plan: Record<string, number> = {};
  const overflow: Record<string, number> = {};
  for (let i = 0; i < available.length; i++) {
    const j = rankOf[i]!;
    if (j === -2) continue;
    const name = available[i]!;
    setEntry(plan, name, j < 0 ? 0 : planned[j]!);
    if (j < 0) continue;
    let over = ovf[j]!;
    if (over === 0) continue;
    // Without rebalancing, overflow only counts replicas that found no place anywhere.
    if (!rebalance && over > remaining) over = remaining;
    if (over > 0) setEntry(overflow, name, over);
  }
  return { plan, overflow };
}

/** `record[name] = value`, also for a cluster named `__proto__`. */
function setEntry(record: Record<string, number>, name: string, value: number): void {
  if (name === '__proto__') Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
  else record[name] = value;
}

// ---------------------------------------------------------------------------------------------------------
// Scratch memory, reused between calls so that a plan allocates little besides its result.

class Scratch {
  readonly capacity: number;
  /** Input position → slot (then → rank, once ordered); -1 without preferences, -2 for a repeated name. */
  readonly slotOf: Int32Array;
  /** Slot → input position. */
  readonly inputOf: Int32Array;
  /** Rank → slot. */
  readonly order: Int32Array;
  readonly tmp: Int32Array;
  readonly keysA: Int32Array;
  readonly keysB: Int32Array;
  /** Ranks still taking part in the weighted rounds. */
  readonly active: Int32Array;
  readonly counts: Int32Array;
  // By slot (input order of the clusters with preferences).
  /** FNV-1 hashes as int32 bit patterns (compare with `>>> 0`). */
  readonly hash: Int32Array;
  readonly weight: Float64Array;
  readonly minR: Float64Array;
  /** Infinity when unbounded. */
  readonly maxR: Float64Array;
  /** Infinity when unknown. */
  readonly cap: Float64Array;
  /** Running replicas, -1 when unknown. */
  readonly cur: Float64Array;
  // By rank (planning order).
  readonly rWeight: Float64Array;
  readonly rMin: Float64Array;
  readonly rMax: Float64Array;
  readonly rCap: Float64Array;
  readonly rCur: Float64Array;
  readonly plan: Float64Array;
  readonly pre: Float64Array;
  readonly ovf: Float64Array;
  /** The current round's share, by position in `active`. */
  readonly share: Float64Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    const floatArrays = 14;
    const intArrays = 8;
    const countsLength = Math.max(RADIX_SIZE, COUNTING_SORT_MAX_WEIGHT + 1);
    const buffer = new ArrayBuffer(capacity * (floatArrays * 8 + intArrays * 4) + countsLength * 4);
    let offset = 0;
    const floats = (): Float64Array => {
      const a = new Float64Array(buffer, offset, capacity);
      offset += capacity * 8;
      return a;
    };
    const ints = (length: number): Int32Array => {
      const a = new Int32Array(buffer, offset, length);
      offset += length * 4;
      return a;
    };
    this.weight = floats();
    this.minR = floats();
    this.maxR = floats();
    this.cap = floats();
    this.cur = floats();
    this.rWeight = floats();
    this.rMin = floats();
    this.rMax = floats();
    this.rCap = floats();
    this.rCur = floats();
    this.plan = floats();
    this.pre = floats();
    this.ovf = floats();
    this.share = floats();
    this.slotOf = ints(capacity);
    this.inputOf = ints(capacity);
    this.order = ints(capacity);
    this.tmp = ints(capacity);
    this.keysA = ints(capacity);
    this.keysB = ints(capacity);
    this.active = ints(capacity);
    this.hash = ints(capacity);
    this.counts = ints(countsLength);
  }
}

let cached: Scratch | undefined;
let cachedInUse = false;

/** Scratch for more clusters than this (about 9 MiB) is not kept after the plan. */
const MAX_CACHED_CAPACITY = 1 << 16;

function acquireScratch(n: number): Scratch {
  // Re-entry (input getters that plan) gets its own memory rather than the one in use.
  if (cachedInUse || n > MAX_CACHED_CAPACITY) return new Scratch(Math.max(n, 1));
  if (cached === undefined || cached.capacity < n) {
    cached = new Scratch(Math.min(MAX_CACHED_CAPACITY, Math.max(n, 16, cached ? cached.capacity * 2 : 0)));
  }
  cachedInUse = true;
  return cached;
}

function releaseScratch(s: Scratch): void {
  if (s === cached) cachedInUse = false;
}

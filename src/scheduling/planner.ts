// The replica planner: how many of a ReplicaSchedulingPreference's replicas each available cluster gets.
// A pure function whose results are those of KubeFed's planner (same order, rounding and tie-breaks),
// computed over typed arrays with a native sort (hack/bench-planner.ts measures it).
import { FNV1_32_OFFSET_BASIS, fnv1SuffixTable32, fnv1Update32, fnv1UpdateEach32 } from './fnv.js';

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
/**
 * Counts are kept in int32 scratch memory, clamped to this. No plan places more than `totalReplicas`
 * (≤ this) anywhere, so a min, max, capacity or running count at or above it acts as it would unclamped,
 * and an unbounded max or unknown capacity can be this too.
 */
const UNBOUNDED = MAX_TOTAL_REPLICAS;
/** Below this, `distribute * weight + weightSum` is exact in a double and `Math.ceil(a / b)` is exact. */
const EXACT_DOUBLE_LIMIT = 2 ** 52;
/** KubeFed computes the weighted share in int64; beyond this its arithmetic would wrap. */
const INT64_LIMIT = 2n ** 63n;
/**
 * Clusters are ordered by sorting 64-bit keys natively (`BigUint64Array.prototype.sort`): from the top,
 * 13 bits of `maxWeight − weight`, the 32-bit hash, then 19 bits of slot. Larger weights or more clusters
 * than fit (rare) are ordered by a comparison sort.
 */
const KEY_SLOT_BITS = 19;
const MAX_KEYED_SLOTS = 1 << KEY_SLOT_BITS;
const MAX_KEYED_WEIGHT = (1 << (32 - KEY_SLOT_BITS)) - 1;
const KEY_SLOT_MASK = MAX_KEYED_SLOTS - 1;
/** Index of the low 32-bit half of a 64-bit key in its Uint32Array view. */
const LOW_HALF = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
/** From this many clusters up, the key's bytes are applied to the hashes through a table (fnv1SuffixTable32). */
const KEY_TABLE_MIN = 256;
/** Result records of more entries than this are built as hash tables from the start (newRecord). */
const DICTIONARY_RECORD_MIN = 32;

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
 * Cost: O(n log n) for typical inputs, with a native sort (weight-0 clusters skip the rounds; rounds that
 * only use up preallocated replicas are run in bulk); at worst O(n log n + totalReplicas). For large
 * fleets most of the time goes to reading the input records and writing `plan`, which V8 keeps as hash
 * tables: see `recordFloor` in bench/results/planner.json.
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
    const remaining = distribute(s, m, count, total, rebalance);
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

/** A count for `name` (≥ 0, at most UNBOUNDED), or -1 when the record has none. */
function readCount(record: Record<string, unknown> | undefined, plain: boolean, name: string, field: string): number {
  if (record === undefined) return -1;
  const value = record[name];
  if (value === undefined) return -1;
  if (!(plain && typeof value === 'number') && (!hasOwn(record, name) || value === null)) return -1;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) countError(`${field}[${JSON.stringify(name)}]`, value);
  return value < UNBOUNDED ? value : UNBOUNDED;
}

/** A validated optional count as an int32: `unset` when missing, else clamped to UNBOUNDED. */
function clampCount(value: number | null | undefined, unset: number): number {
  if (value === undefined || value === null) return unset;
  return value < UNBOUNDED ? value : UNBOUNDED;
}

/**
 * Fills one slot per available cluster that has preferences (slots in input order) and returns how many.
 * `slotOf` maps an input position to its slot, or -1 for a cluster without preferences. Notes the
 * largest weight in `s.maxWeight`.
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
  const starMin = clampCount(star?.minReplicas, 0);
  const starMax = clampCount(star?.maxReplicas, UNBOUNDED);
  const { slotOf, inputOf, weight, minR, maxR, cap, cur } = s;
  const plainClusters = plainPrototype(clusters);
  const plainCurrent = current !== undefined && plainPrototype(current);
  const plainCapacity = capacity !== undefined && plainPrototype(capacity);
  let m = 0;
  let maxWeight = 0;
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
      if (starWeight > maxWeight) maxWeight = starWeight;
      minR[m] = starMin;
      maxR[m] = starMax;
    } else {
      const w = prefs.weight ?? 0;
      weight[m] = w;
      if (w > maxWeight) maxWeight = w;
      minR[m] = clampCount(prefs.minReplicas, 0);
      maxR[m] = clampCount(prefs.maxReplicas, UNBOUNDED);
    }
    const c = readCount(capacity, plainCapacity, name, 'estimatedCapacity');
    cap[m] = c < 0 ? UNBOUNDED : c;
    cur[m] = readCount(current, plainCurrent, name, 'currentReplicas');
    inputOf[m] = i;
    slotOf[i] = m;
    m++;
  }
  s.maxWeight = maxWeight;
  return m;
}

/**
 * FNV-1 of cluster names (not yet followed by a key), by name: an RSP controller plans the same fleet's
 * names over and over, and a lookup costs less than hashing a name again. Results do not depend on it.
 * Bounded: cleared when it would hold more than NAME_HASHES_MAX names or NAME_HASHES_MAX_CHARS characters.
 */
const nameHashes = new Map<string, number>();
let nameHashChars = 0;
const NAME_HASHES_MAX = 1 << 16;
const NAME_HASHES_MAX_CHARS = 1 << 21;

function nameHash(name: string): number {
  let h = nameHashes.get(name);
  if (h === undefined) {
    h = fnv1Update32(FNV1_32_OFFSET_BASIS, name) | 0;
    if (nameHashes.size >= NAME_HASHES_MAX || nameHashChars + name.length > NAME_HASHES_MAX_CHARS) {
      nameHashes.clear();
      nameHashChars = 0;
    }
    nameHashes.set(name, h);
    nameHashChars += name.length;
  }
  return h;
}

/**
 * FNV-1 of each cluster's name then the key. Names' hashes come from nameHash (directly for fleets too
 * large to keep); the key, the same for every cluster, is applied through a table for many clusters
 * (fnv1SuffixTable32), else a byte at a time.
 */
function hashPreferences(s: Scratch, m: number, available: readonly string[], key: string): void {
  const { hash, inputOf, keyTable: table } = s;
  const imul = Math.imul;
  let step = 256;
  if (m >= KEY_TABLE_MIN) step = fnv1SuffixTable32(key, table);
  else for (let b = 0; b < 256; b++) table[b] = b;
  const cached = m <= NAME_HASHES_MAX / 2;
  for (let j = 0; j < m; j++) {
    const name = available[inputOf[j]!]!;
    const h = cached ? nameHash(name) : fnv1Update32(FNV1_32_OFFSET_BASIS, name) | 0;
    hash[j] = table[h & 0xff]! + imul(h >>> 8, step);
  }
  if (m >= KEY_TABLE_MIN || key.length === 0) return;

  // Few clusters: the table was the identity. Append the key's bytes (encodeKey may grow s.keyBytes).
  const length = encodeKey(s, key);
  fnv1UpdateEach32(hash, m, s.keyBytes, length);
}

/** Puts the UTF-8 bytes of `key` in `s.keyBytes` and returns how many there are. */
function encodeKey(s: Scratch, key: string): number {
  const n = key.length;
  // At most 3 bytes per UTF-16 unit (a surrogate pair's 4 bytes take 2 units).
  if (s.keyBytes.length < 3 * n) s.keyBytes = new Uint8Array(3 * n);
  const out = s.keyBytes;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c >= 0x80) return utf8.encodeInto(key, out).written;
    out[i] = c;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------------------
// Order: weight descending, then hash ascending (unsigned), then name; repeated names dropped.

/** Writes the slots in planning order to `s.order` and returns how many there are (after dropping repeats). */
function orderPreferences(s: Scratch, m: number, available: readonly string[]): number {
  const { order, weight, hash, inputOf, maxWeight } = s;
  if (m > MAX_KEYED_SLOTS || maxWeight > MAX_KEYED_WEIGHT) {
    for (let j = 0; j < m; j++) order[j] = j;
    order.subarray(0, m).sort((a, b) => {
      const byWeight = weight[b]! - weight[a]!;
      if (byWeight !== 0) return byWeight;
      const byHash = (hash[a]! >>> 0) - (hash[b]! >>> 0);
      if (byHash !== 0) return byHash;
      return compareNames(available[inputOf[a]!]!, available[inputOf[b]!]!) || a - b;
    });
    return settleTies(s, m, available);
  }
  // A native sort of 64-bit integers, no comparison callback: [maxWeight − weight | hash | slot].
  const keys = s.keys32;
  const low = LOW_HALF;
  const high = 1 - LOW_HALF;
  for (let j = 0; j < m; j++) {
    const h = hash[j]!;
    keys[2 * j + high] = ((maxWeight - weight[j]!) << KEY_SLOT_BITS) | (h >>> (32 - KEY_SLOT_BITS));
    keys[2 * j + low] = (h << KEY_SLOT_BITS) | j;
  }
  s.keys64.subarray(0, m).sort();
  // Slots of equal weight and hash are adjacent, in slot order: rare, left to settleTies.
  let ties = false;
  let previousHigh = -1;
  let previousLow = -1;
  for (let r = 0; r < m; r++) {
    const hi = keys[2 * r + high]!;
    const lo = keys[2 * r + low]!;
    order[r] = lo & KEY_SLOT_MASK;
    if (hi === previousHigh && lo >>> KEY_SLOT_BITS === previousLow) ties = true;
    previousHigh = hi;
    previousLow = lo >>> KEY_SLOT_BITS;
  }
  return ties ? settleTies(s, m, available) : m;
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
 * Runs the minimum, preallocation and weighted phases over the first `count` slots of `s.order` (of `m`
 * slots); returns the replicas left. Works by slot: the arrays are small enough to stay in the CPU's
 * caches, so reading them in planning order costs less than copying them into that order.
 */
function distribute(s: Scratch, m: number, count: number, total: number, rebalance: boolean): number {
  const { order, weight, minR, maxR, cap, cur, plan, pre, ovf, active, share } = s;
  pre.fill(0, 0, m);
  ovf.fill(0, 0, m);
  s.overflowing = 0;
  let remaining = total;

  // Minimums, in order; max is not applied here (KubeFed applies it only in the weighted rounds).
  for (let r = 0; r < count; r++) {
    const j = order[r]!;
    let v = minR[j]!;
    if (v > remaining) v = remaining;
    const c = cap[j]!;
    if (v > c) v = c;
    plan[j] = v;
    remaining -= v;
  }

  // Keep what already runs where it runs, as far as max, capacity and what is left allow. On the way,
  // list the clusters of the weighted rounds: weight-0 clusters never receive anything in them.
  let n = 0;
  let weightSum = 0;
  for (let r = 0; r < count; r++) {
    const j = order[r]!;
    if (!rebalance && remaining > 0) {
      const running = cur[j]!;
      const planned = plan[j]!;
      if (running > planned) {
        let target = running;
        if (target > maxR[j]!) target = maxR[j]!;
        if (target > cap[j]!) target = cap[j]!;
        let extra = target - planned;
        if (extra > remaining) extra = remaining;
        if (extra > 0) {
          pre[j] = extra;
          plan[j] = planned + extra;
          remaining -= extra;
        }
      }
    }
    const w = weight[j]!;
    if (w > 0) {
      active[n++] = j;
      weightSum += w;
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
        if (kept !== r) active[kept] = j;
        kept++;
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
        s.overflowing++;
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
        if (kept !== r) active[kept] = j;
        kept++;
      }
      if (remaining === 0) break;
    }
    n = kept;

    // A round in which every share went to preallocated replicas leaves everything but the preallocations
    // as it was (no cluster dropped out, `remaining` and the weight in play unchanged), so the next round
    // would be the same: run as many such rounds at once as all clusters allow. Shares never exceed `d`.
    if (absorbedOnly && remaining > 0) {
      let rounds = Infinity;
      for (let r = 0; r < n; r++) {
        const j = active[r]!;
        const shareOf = exact ? Math.ceil((d * weight[j]!) / roundWeightSum) : share[r]!;
        const k = Math.floor(pre[j]! / shareOf);
        if (k < rounds) rounds = k;
      }
      if (rounds > 0) {
        for (let r = 0; r < n; r++) {
          const j = active[r]!;
          const shareOf = exact ? Math.ceil((d * weight[j]!) / roundWeightSum) : share[r]!;
          pre[j] = pre[j]! - rounds * shareOf;
        }
      }
    }
  }
  return remaining;
}

/** Writes `plan` and `overflow` once each, in the order of `availableClusters`. */
function buildResult(s: Scratch, available: readonly string[], rebalance: boolean, remaining: number): ReplicaPlan {
  const { slotOf, plan: planned, ovf } = s;
  const plan = newRecord(available.length);
  const overflow = newRecord(s.overflowing);
  for (let i = 0; i < available.length; i++) {
    const j = slotOf[i]!;
    if (j === -2) continue;
    const name = available[i]!;
    if (j < 0) {
      setEntry(plan, name, 0);
      continue;
    }
    setEntry(plan, name, planned[j]!);
    let over = ovf[j]!;
    if (over === 0) continue;
    // Without rebalancing, overflow only counts replicas that found no place anywhere.
    if (!rebalance && over > remaining) over = remaining;
    if (over > 0) setEntry(overflow, name, over);
  }
  return { plan, overflow };
}

/**
 * An empty plain object for up to `size` entries. A large one is made a hash table from the start: a `{}`
 * given the same keys in the same order as an object V8 kept in fast mode before (an RSP decoded by
 * `JSON.parse`, say) follows that object's hidden-class transitions and stays in fast mode for up to about
 * 1,000 properties, copying its property array as it grows: 4-7× slower for 1,000 clusters.
 */
function newRecord(size: number): Record<string, number> {
  if (size <= DICTIONARY_RECORD_MIN) return {};
  return Object.setPrototypeOf(Object.create(null), Object.prototype) as Record<string, number>;
}

/** `record[name] = value`, also for a cluster named `__proto__`. */
function setEntry(record: Record<string, number>, name: string, value: number): void {
  if (name === '__proto__') Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
  else record[name] = value;
}

// ---------------------------------------------------------------------------------------------------------
// Scratch memory, reused between calls so that a plan allocates little besides its result. Counts are
// int32 (clamped to UNBOUNDED), weights doubles: 68 bytes a cluster.

class Scratch {
  readonly capacity: number;
  /** Input position → slot; -1 without preferences, -2 for a repeated name. */
  readonly slotOf: Int32Array;
  /** Slot → input position. */
  readonly inputOf: Int32Array;
  /** Planning order: rank → slot. */
  readonly order: Int32Array;
  /** Slots still taking part in the weighted rounds, in planning order. */
  readonly active: Int32Array;
  /** Sort keys (orderPreferences), as 64-bit integers and as their 32-bit halves. */
  readonly keys64: BigUint64Array;
  readonly keys32: Uint32Array;
  /** fnv1SuffixTable32's table for the key. */
  readonly keyTable: Int32Array;
  /** The key's UTF-8 bytes (grown for long keys). */
  keyBytes = new Uint8Array(256);
  /** The largest weight of the current plan's slots. */
  maxWeight = 0;
  /** How many clusters of the current plan overflowed their capacity. */
  overflowing = 0;
  // By slot (input order of the clusters with preferences).
  /** FNV-1 hashes as int32 bit patterns (compare with `>>> 0`). */
  readonly hash: Int32Array;
  readonly weight: Float64Array;
  readonly minR: Int32Array;
  /** UNBOUNDED when unset. */
  readonly maxR: Int32Array;
  /** UNBOUNDED when unknown. */
  readonly cap: Int32Array;
  /** Running replicas, -1 when unknown. */
  readonly cur: Int32Array;
  readonly plan: Int32Array;
  readonly pre: Int32Array;
  readonly ovf: Int32Array;
  /** The current round's share, by position in `active` (only when shares are computed with BigInt). */
  readonly share: Int32Array;

  constructor(capacity: number) {
    this.capacity = capacity;
    const intArrays = 13;
    const buffer = new ArrayBuffer(capacity * (8 + 8 + intArrays * 4) + 256 * 4);
    let offset = 0;
    this.keys64 = new BigUint64Array(buffer, offset, capacity);
    this.keys32 = new Uint32Array(buffer, offset, 2 * capacity);
    offset += capacity * 8;
    this.weight = new Float64Array(buffer, offset, capacity);
    offset += capacity * 8;
    const ints = (length = capacity): Int32Array => {
      const a = new Int32Array(buffer, offset, length);
      offset += length * 4;
      return a;
    };
    this.slotOf = ints();
    this.inputOf = ints();
    this.order = ints();
    this.active = ints();
    this.hash = ints();
    this.minR = ints();
    this.maxR = ints();
    this.cap = ints();
    this.cur = ints();
    this.plan = ints();
    this.pre = ints();
    this.ovf = ints();
    this.share = ints();
    this.keyTable = ints(256);
  }
}

let cached: Scratch | undefined;
let cachedInUse = false;

/** Scratch for more clusters than this (about 4.3 MiB) is not kept after the plan. */
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

// Benchmark of the replica planner (src/scheduling/planner.ts) against the literal reference planner of the
// unit tests, at 10 to 5,000 clusters, and against the floor of reading its input records and writing its
// result record. Prints a table and writes bench/results/planner.json.
// Usage: npx tsx hack/bench-planner.ts [--time-ms N]
// Per size: 2×N ms of alternating planner/reference batches, then N ms each of the planner alone and of
// the record floor (default N = 1500).
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import { planReplicas, type PlanReplicasInput, type ReplicaPlan } from '../src/scheduling/planner.js';
import { referencePlanReplicas } from '../test/unit/scheduling/reference-planner.js';

const loadAtStart = os.loadavg();
const SIZES = [10, 100, 1_000, 5_000];
const INPUTS_PER_SIZE = 8;
const WARMUP_MS = 400;
const BATCH_MS = 20;

// A full collection before each batch, so that one planner's garbage is not collected on the other's time.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;
const timeArg = process.argv.indexOf('--time-ms');
const TIMED_MS = timeArg > 0 ? Number(process.argv[timeArg + 1]) : 1_500;

/** mulberry32, so that every run plans the same inputs. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A fleet of `n` clusters as an RSP controller would see it: `*` with weight 1, half the clusters listed
 * with weights 1-5 (some with a min or a max), rebalance off, most clusters already running about their
 * share of 10 replicas per cluster, a few with an estimated capacity.
 */
function realisticInput(n: number, seed: number): PlanReplicasInput {
  const rand = prng(seed);
  const int = (k: number): number => Math.floor(rand() * k);
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-south-1', 'ap-northeast-1'];
  const names = Array.from({ length: n }, (_, i) => `prod-${regions[i % regions.length]}-${String(i).padStart(5, '0')}`);
  const total = 10 * n;
  const clusters: PlanReplicasInput['clusters'] = { '*': { weight: 1 } };
  for (const name of names) {
    if (rand() < 0.5) {
      const prefs: PlanReplicasInput['clusters'][string] = { weight: 1 + int(5) };
      if (rand() < 0.1) prefs.minReplicas = 1 + int(3);
      if (rand() < 0.1) prefs.maxReplicas = 5 + int(20);
      clusters[name] = prefs;
    }
  }
  const currentReplicas: Record<string, number> = {};
  const estimatedCapacity: Record<string, number> = {};
  for (const name of names) {
    if (rand() < 0.8) currentReplicas[name] = int(25);
    if (rand() < 0.05) estimatedCapacity[name] = int(15);
  }
  // Present the names as an API client would: strings freshly decoded, not literals.
  const availableClusters = JSON.parse(JSON.stringify(names)) as string[];
  return {
    totalReplicas: total,
    rebalance: false,
    clusters,
    availableClusters,
    currentReplicas,
    estimatedCapacity,
    key: 'default/web-frontend',
  };
}

interface Timing {
  plansPerSecond: number;
  meanMicros: number;
  /** Per plan, in the fastest and the median batch (robust to GC pauses and to a busy machine). */
  bestBatchMicros: number;
  medianBatchMicros: number;
  iterations: number;
}

type Planner = (input: PlanReplicasInput) => ReplicaPlan;

/**
 * Times both planners on the same inputs in alternating batches of some milliseconds each, so that both
 * see the same machine (a busy neighbour slows both, not one of them), each batch after a full GC.
 */
function compare(planners: [Planner, Planner], inputs: PlanReplicasInput[]): [Timing, Timing] {
  let sink = 0;
  const pass = (plan: Planner): void => {
    for (const input of inputs) sink += plan(input).plan[input.availableClusters[0]!] ?? 0;
  };
  // Warm up, and find how many passes make a batch of about BATCH_MS.
  const passesPerBatch = planners.map((plan) => {
    const deadline = performance.now() + WARMUP_MS;
    let passes = 0;
    const start = performance.now();
    while (performance.now() < deadline) {
      pass(plan);
      passes++;
    }
    return Math.max(1, Math.round((BATCH_MS * passes) / (performance.now() - start)));
  });
  const batches: [number[], number[]] = [[], []];
  const spent = [0, 0];
  const deadline = performance.now() + 2 * TIMED_MS;
  while (performance.now() < deadline) {
    for (let k = 0; k < 2; k++) {
      collectGarbage();
      const start = performance.now();
      for (let p = 0; p < passesPerBatch[k]!; p++) pass(planners[k]!);
      const elapsed = performance.now() - start;
      spent[k]! += elapsed;
      batches[k]!.push(elapsed / (passesPerBatch[k]! * inputs.length));
    }
  }
  if (sink < 0) console.log(sink);
  const timing = (k: number): Timing => {
    const sorted = [...batches[k]!].sort((x, y) => x - y);
    const iterations = sorted.length * passesPerBatch[k]! * inputs.length;
    return {
      plansPerSecond: Math.round((iterations / spent[k]!) * 1000),
      meanMicros: round((spent[k]! / iterations) * 1000),
      bestBatchMicros: round(sorted[0]! * 1000),
      medianBatchMicros: round(sorted[Math.floor(sorted.length / 2)]! * 1000),
      iterations,
    };
  };
  return [timing(0), timing(1)];
}

/** The planner on its own (no reference planner's garbage and cache traffic in between): median and best batch. */
function alone(plan: Planner, inputs: PlanReplicasInput[]): { medianBatchMicros: number; bestBatchMicros: number } {
  let sink = 0;
  const batches: number[] = [];
  collectGarbage();
  const deadline = performance.now() + TIMED_MS;
  while (performance.now() < deadline) {
    const start = performance.now();
    let plans = 0;
    while (performance.now() - start < BATCH_MS) {
      for (const input of inputs) sink += plan(input).plan[input.availableClusters[0]!] ?? 0;
      plans += inputs.length;
    }
    batches.push((performance.now() - start) / plans);
  }
  if (sink < 0) console.log(sink);
  batches.sort((x, y) => x - y);
  return { medianBatchMicros: round(batches[Math.floor(batches.length / 2)]! * 1000), bestBatchMicros: round(batches[0]! * 1000) };
}

/**
 * The record floor: what any implementation of `planReplicas` has to do with its records, and nothing
 * else. It enumerates `clusters` and reads every entry (all are validated), looks every available cluster
 * up in `clusters`, `currentReplicas` and `estimatedCapacity`, then writes a `plan` record with an entry per
 * available cluster, built the cheapest way known (as the planner does: a hash table from the start for
 * large records). No hashing, ordering or arithmetic: the planner's time above this is its own work.
 */
function recordFloor(input: PlanReplicasInput): ReplicaPlan {
  const { clusters, availableClusters: names } = input;
  const current = input.currentReplicas ?? {};
  const capacity = input.estimatedCapacity ?? {};
  let sum = 0;
  const keys = Object.keys(clusters);
  for (let i = 0; i < keys.length; i++) {
    const prefs = clusters[keys[i]!]!;
    sum += (prefs.weight ?? 0) + (prefs.minReplicas ?? 0) + (prefs.maxReplicas ?? 0);
  }
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const prefs = clusters[name];
    if (prefs !== undefined) sum += (prefs.weight ?? 0) + (prefs.minReplicas ?? 0) + (prefs.maxReplicas ?? 0);
    sum += (current[name] ?? 0) + (capacity[name] ?? 0);
  }
  const plan = (names.length > 32 ? Object.setPrototypeOf(Object.create(null), Object.prototype) : {}) as Record<string, number>;
  for (let i = 0; i < names.length; i++) plan[names[i]!] = (sum + i) & 7;
  return { plan, overflow: {} };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

const results = [];
for (const size of SIZES) {
  const inputs = Array.from({ length: INPUTS_PER_SIZE }, (_, i) => realisticInput(size, size * 1000 + i));
  // Besides checking, this leaves V8 hidden-class transitions for these names in this order (sortedLike's
  // Object.fromEntries), as any JSON-decoded object keyed by them would: a planner that builds `plan` as a
  // plain `{}` follows them and slows down several times (the old planner's 1,000-cluster figure).
  for (const input of inputs) {
    if (JSON.stringify(planReplicas(input)) !== JSON.stringify(sortedLike(referencePlanReplicas(input), input))) {
      throw new Error(`planner and reference disagree on a ${size}-cluster input`);
    }
  }
  const [planner, reference] = compare([planReplicas, referencePlanReplicas], inputs);
  const plannerAlone = alone(planReplicas, inputs);
  const floor = alone(recordFloor, inputs);
  results.push({
    clusters: size,
    totalReplicas: 10 * size,
    planner,
    plannerAlone,
    reference,
    recordFloor: floor,
    /** Ratio of the median batch times. */
    speedup: round(reference.medianBatchMicros / planner.medianBatchMicros),
    /** The planner alone over the record floor (median batches). */
    overFloor: round(plannerAlone.medianBatchMicros / floor.medianBatchMicros),
  });
}

/** The reference's result with its keys in the planner's order, for a byte-for-byte comparison. */
function sortedLike(result: ReplicaPlan, input: PlanReplicasInput): ReplicaPlan {
  const order = (r: Record<string, number>): Record<string, number> =>
    Object.fromEntries(input.availableClusters.filter((c) => c in r).map((c) => [c, r[c]!]));
  return { plan: order(result.plan), overflow: order(result.overflow) };
}

const cpus = os.cpus();
const report = {
  benchmark: 'replica planner (planReplicas) vs literal reference planner',
  date: new Date().toISOString(),
  machine: {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    platform: `${os.platform()} ${os.arch()}`,
    memoryGiB: round(os.totalmem() / 2 ** 30),
    /** 1, 5 and 15 minute load averages: the machine may be shared, and timings move with its load. */
    loadAverageAtStart: loadAtStart.map(round),
    loadAverageAtEnd: os.loadavg().map(round),
  },
  node: process.version,
  method: {
    inputsPerSize: INPUTS_PER_SIZE,
    warmupMsPerPlanner: WARMUP_MS,
    timedMsPerSize: 2 * TIMED_MS,
    batches:
      `alternating planner and reference batches of about ${BATCH_MS} ms, each after a full GC; ` +
      'speedup = ratio of median batch times; plannerAlone = the planner without the reference in between; ' +
      'recordFloor = reading the input records and writing a plan record, nothing else (hack/bench-planner.ts recordFloor), ' +
      'timed like plannerAlone; overFloor = plannerAlone / recordFloor',
    input:
      'clusters "*": weight 1 plus ~50% listed with weight 1-5 (10% min 1-3, 10% max 5-24); rebalance false; ' +
      '~80% with current replicas 0-24; ~5% with capacity 0-14; totalReplicas = 10 x clusters',
  },
  results,
};

const header = [
  'clusters',
  'planner plans/s',
  'planner µs/plan median (best)',
  'planner alone µs/plan median (best)',
  'record floor µs median (best)',
  'reference plans/s',
  'reference µs/plan median (best)',
  'speedup',
];
const rows = results.map((r) => [
  r.clusters.toLocaleString('en-US'),
  r.planner.plansPerSecond.toLocaleString('en-US'),
  `${r.planner.medianBatchMicros.toFixed(1)} (${r.planner.bestBatchMicros.toFixed(1)})`,
  `${r.plannerAlone.medianBatchMicros.toFixed(1)} (${r.plannerAlone.bestBatchMicros.toFixed(1)})`,
  `${r.recordFloor.medianBatchMicros.toFixed(1)} (${r.recordFloor.bestBatchMicros.toFixed(1)})`,
  r.reference.plansPerSecond.toLocaleString('en-US'),
  `${r.reference.medianBatchMicros.toFixed(1)} (${r.reference.bestBatchMicros.toFixed(1)})`,
  `${r.speedup.toFixed(1)}×`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
console.log(
  `${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.node}, ` +
    `load ${load(report.machine.loadAverageAtStart)} → ${load(report.machine.loadAverageAtEnd)}`,
);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'results', 'planner.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${out}`);

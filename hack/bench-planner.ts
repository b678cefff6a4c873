// Benchmark of the replica planner (src/scheduling/planner.ts) against the literal reference planner of the
// unit tests, at 10 to 5,000 clusters. Prints a table and writes bench/results/planner.json.
// Usage: npx tsx hack/bench-planner.ts [--time-ms N]   (N: timed duration per measurement, default 1500)
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planReplicas, type PlanReplicasInput, type ReplicaPlan } from '../src/scheduling/planner.js';
import { referencePlanReplicas } from '../test/unit/scheduling/reference-planner.js';

const SIZES = [10, 100, 1_000, 5_000];
const INPUTS_PER_SIZE = 8;
const WARMUP_MS = 400;
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
  return { totalReplicas: total, rebalance: false, clusters, availableClusters, currentReplicas, estimatedCapacity, key: 'default/web-frontend' };
}

interface Timing {
  plansPerSecond: number;
  meanMicros: number;
  medianBatchMicros: number;
  iterations: number;
}

function measure(plan: (input: PlanReplicasInput) => ReplicaPlan, inputs: PlanReplicasInput[]): Timing {
  let sink = 0;
  const runFor = (ms: number, record?: number[]): number => {
    const deadline = performance.now() + ms;
    let iterations = 0;
    while (performance.now() < deadline) {
      // Batches of one pass over the inputs, timed separately for a median that shrugs off GC pauses.
      const start = performance.now();
      for (const input of inputs) sink += plan(input).plan[input.availableClusters[0]!] ?? 0;
      record?.push((performance.now() - start) / inputs.length);
      iterations += inputs.length;
    }
    return iterations;
  };
  runFor(WARMUP_MS);
  const batches: number[] = [];
  const start = performance.now();
  const iterations = runFor(TIMED_MS, batches);
  const elapsed = performance.now() - start;
  if (sink < 0) console.log(sink);
  batches.sort((a, b) => a - b);
  return {
    plansPerSecond: Math.round((iterations / elapsed) * 1000),
    meanMicros: round((elapsed / iterations) * 1000),
    medianBatchMicros: round(batches[Math.floor(batches.length / 2)]! * 1000),
    iterations,
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

const results = [];
for (const size of SIZES) {
  const inputs = Array.from({ length: INPUTS_PER_SIZE }, (_, i) => realisticInput(size, size * 1000 + i));
  for (const input of inputs) {
    if (JSON.stringify(planReplicas(input)) !== JSON.stringify(sortedLike(referencePlanReplicas(input), input))) {
      throw new Error(`planner and reference disagree on a ${size}-cluster input`);
    }
  }
  const fast = measure(planReplicas, inputs);
  const reference = measure(referencePlanReplicas, inputs);
  results.push({
    clusters: size,
    totalReplicas: 10 * size,
    planner: fast,
    reference,
    speedup: round(reference.meanMicros / fast.meanMicros),
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
    loadAverage: os.loadavg().map(round),
  },
  node: process.version,
  method: {
    inputsPerSize: INPUTS_PER_SIZE,
    warmupMsPerMeasurement: WARMUP_MS,
    timedMsPerMeasurement: TIMED_MS,
    input: 'clusters "*": weight 1 plus ~50% listed with weight 1-5 (10% min 1-3, 10% max 5-24); rebalance false; ~80% with current replicas 0-24; ~5% with capacity 0-14; totalReplicas = 10 x clusters',
  },
  results,
};

const header = ['clusters', 'planner plans/s', 'planner µs/plan', 'reference plans/s', 'reference µs/plan', 'speedup'];
const rows = results.map((r) => [
  String(r.clusters),
  r.planner.plansPerSecond.toLocaleString('en-US'),
  r.planner.meanMicros.toFixed(1),
  r.reference.plansPerSecond.toLocaleString('en-US'),
  r.reference.meanMicros.toFixed(1),
  `${r.speedup.toFixed(1)}×`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padStart(widths[i]!)).join(' | ')} |`;
console.log(`${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.node}, load ${report.machine.loadAverage.join(' ')}`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of rows) console.log(line(row));

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'results', 'planner.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${out}`);

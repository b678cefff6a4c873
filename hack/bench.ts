// The benchmark suite of issue #6, against real kube-apiservers started here: throughput against a plain
// client loop (the ceiling), propagation latency, idle cost of resyncs, memory and cold start, scale in
// clusters, and the replica planner's figures. Writes bench/results/<name>.json and regenerates BENCHMARKS.md.
//
// Usage: npx tsx hack/bench.ts [--quick] [--only throughput,latency,idle,memory,scale,isolation,planner]
//                              [--out DIR] [--report-only] [--cpu-prof]
//   --quick        small sizes (~3-4 minutes), results to bench/tmp/quick, BENCHMARKS.md untouched
//   --only         run these benchmarks only (throughput,hostcost,livecreates,latency,idle,memory,scale,isolation,image,planner) (BENCHMARKS.md is regenerated from every result file present)
//   --out DIR      where result files go (default bench/results, or bench/tmp/quick with --quick)
//   --report-only  regenerate BENCHMARKS.md from the result files, run nothing
//   --cpu-prof     run the memory benchmark's controller-manager processes with --cpu-prof (bench/tmp/prof)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveBinDir } from '../test/harness/binaries.js';
import { buildDist, BENCH_TMP } from '../test/bench/child-manager.js';
import { BenchFederation } from '../test/bench/federation.js';
import { runHostCost } from '../test/bench/host-cost.js';
import { runLiveCreates } from '../test/bench/live-creates.js';
import { runIdle } from '../test/bench/idle.js';
import { isolationTargets, runIsolation, type IsolationParameters } from '../test/bench/isolation.js';
import { runLatency } from '../test/bench/latency.js';
import { logger, machine, RESULTS_DIR, revision, round, writeResult, type ResultFile } from '../test/bench/lib.js';
import { runMemory } from '../test/bench/memory.js';
import { readPlanner } from '../test/bench/planner.js';
import { writeBenchmarksMd, summary } from '../test/bench/report.js';
import { runThroughput, type ThroughputResult } from '../test/bench/throughput.js';

const BENCHMARKS = ['throughput', 'hostcost', 'livecreates', 'latency', 'idle', 'memory', 'scale', 'isolation', 'image', 'planner'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    'report-only': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
  },
  strict: true,
});
const quick = values.quick!;
const only = new Set<Benchmark>(
  values.only ? (values.only.split(',').map((s) => s.trim()) as Benchmark[]) : BENCHMARKS,
);
for (const b of only) if (!BENCHMARKS.includes(b)) throw new Error(`unknown benchmark ${b}; choose from ${BENCHMARKS.join(', ')}`);
const outDir = path.resolve(values.out ?? (quick ? path.join(BENCH_TMP, 'quick') : RESULTS_DIR));

/** Sizes of the full suite (issue #6) and of the --quick smoke check. */
const SIZES = quick
  ? { objects: 200, members: [2, 3], latencySeconds: 30, memorySizes: [200, 1000], memoryMembers: 3, scaleMembers: 4, scaleObjects: 200, isolationMembers: 3, isolationBurst: 200, isolationLatencySeconds: 10 }
  : { objects: 1000, members: [2, 5], latencySeconds: 60, memorySizes: [1000, 10_000], memoryMembers: 3, scaleMembers: 10, scaleObjects: 1000, isolationMembers: 3, isolationBurst: 500, isolationLatencySeconds: 20 };

const log = logger();

async function main(): Promise<number> {
  if (values['report-only']) {
    writeBenchmarksMd(RESULTS_DIR);
    log(`regenerated BENCHMARKS.md from ${RESULTS_DIR}`);
    return 0;
  }
  const binDir = resolveBinDir(['etcd', 'kube-apiserver', 'kubectl']);
  const started = Date.now();
  const failures: string[] = [];
  let kubernetes = 'unknown';
  const meta = (benchmark: string, parameters: Record<string, unknown>, results: unknown, extra: Record<string, unknown> = {}): ResultFile => ({
    benchmark,
    date: new Date().toISOString(),
    quick,
    machine: machine(),
    kubernetes,
    revision: revision(),
    parameters,
    results,
    ...extra,
  });
  const phase = async (name: string, fn: () => Promise<void>): Promise<void> => {
    const t0 = Date.now();
    log(`== ${name}`);
    try {
      await fn();
      log(`== ${name} done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    } catch (err) {
      failures.push(`${name}: ${(err as Error).stack ?? String(err)}`);
      log(`== ${name} FAILED: ${(err as Error).stack ?? String(err)}`);
    }
  };
  const written: string[] = [];
  const write = (name: string, file: ResultFile): void => {
    written.push(writeResult(outDir, name, file));
  };

  const throughput: ThroughputResult[] = [];
  const throughputParams = (members: number[]): Record<string, unknown> => ({
    objects: SIZES.objects,
    members,
    kinds: ['configmap', 'deployment'],
    placement: 'spec.placement.clusters lists every member; one federated namespace',
    controller: 'in-process ControllerManager, KubeFedConfig defaults (maxConcurrentReconciles 16), health probe every 1 s',
    timing: 'from enabling the FederatedTypeConfig (starting the sync controller; the federated objects already exist) until every member object is seen by a watch and every federated object reports Propagation True',
    ceiling: 'a POST (the controller\'s create) of the same rendered member objects (controller render + hash code) by a plain loop through the controller\'s member clients: maxConcurrentReconciles objects at a time, each written to every member in parallel; measured before and after the controller',
  });

  // A: two members: throughput, latency and idle cost on the same federation.
  if (only.has('throughput') || only.has('latency') || only.has('idle')) {
    await phase(`federation of ${SIZES.members[0]} members: throughput, latency, idle`, async () => {
      const fed = await BenchFederation.start({ members: SIZES.members[0]!, binDir, kinds: ['configmap', 'deployment'], enabled: false, log });
      try {
        kubernetes = fed.kubernetesVersion;
        await fed.startManager();
        const timeoutMs = 15 * 60_000;
        throughput.push(await runThroughput(fed, { kind: 'configmap', objects: SIZES.objects, namespace: 'tp-configmap', timeoutMs }, log));
        const kinds: Record<string, number> = { configmap: SIZES.objects, namespace: 1 };
        if (only.has('throughput') || only.has('idle')) {
          throughput.push(await runThroughput(fed, { kind: 'deployment', objects: SIZES.objects, namespace: 'tp-deployment', timeoutMs }, log));
          kinds.deployment = SIZES.objects;
          kinds.namespace = 2;
        }
        if (only.has('latency')) {
          const p = { namespace: 'tp-configmap', objects: SIZES.objects, durationSeconds: SIZES.latencySeconds, intervalMs: 100, drainMs: 15_000 };
          const result = await runLatency(fed, p, log);
          log(`latency: P50 ${result.p50Ms} ms, P90 ${result.p90Ms} ms, P99 ${result.p99Ms} ms (${result.samples} samples, ${result.missing} missing)`);
          write('latency', meta('propagation latency in steady state', { ...p, members: fed.memberNames.length, kind: 'configmap' }, result, {
            targets: { p99Ms: { target: '< 1000', met: result.p99Ms < 1000 && result.missing === 0 } },
          }));
        }
        if (only.has('idle')) {
          const p = { objects: kinds, labelResyncs: 2, restarts: 1 };
          const result = await runIdle(fed, p, log);
          write('idle', meta('idle cost: writes during full resyncs of converged objects', { ...p, members: fed.memberNames.length }, result, {
            targets: { writes: { target: '0', met: result.totalWrites === 0 } },
          }));
        }
      } finally {
        await fed.stop();
      }
    });
  }

  // What one request costs the host API server (explains the throughput figures).
  if (only.has('hostcost')) {
    await phase('host API server cost per request', async () => {
      const fed = await BenchFederation.start({ members: 1, binDir, kinds: ['configmap'], enabled: false, log });
      try {
        kubernetes = fed.kubernetesVersion;
        await fed.startManager();
        const requests = quick ? 300 : 1000;
        const result = await runHostCost(fed, requests, log);
        write('host-cost', meta('host API server CPU per request', { requests, concurrency: 32, client: 'the controller-manager\'s host client (ServiceAccount token) unless noted' }, result));
      } finally {
        await fed.stop();
      }
    });
  }

  // Objects created while the controller runs, with and without the finalizer webhook.
  if (only.has('livecreates')) {
    await phase(`federation of ${SIZES.members[0]} members: live creates, with and without the finalizer webhook`, async () => {
      const fed = await BenchFederation.start({ members: SIZES.members[0]!, binDir, kinds: ['configmap'], enabled: true, log });
      try {
        kubernetes = fed.kubernetesVersion;
        await fed.startManager();
        const result = await runLiveCreates(fed, SIZES.objects, log);
        write('live-creates', meta('federated objects created while the controller runs, with and without the finalizer webhook', {
          objects: SIZES.objects,
          members: SIZES.members[0],
          kind: 'configmap',
          createConcurrency: result.createConcurrency,
          timing: 'from the first create of the federated objects until every one reports Propagation True (seen through the controller\'s cache)',
          order: 'ceiling, without, with, with, without, ceiling',
        }, result));
      } finally {
        await fed.stop();
      }
    });
  }

  // B: more members, both kinds.
  if (only.has('throughput')) {
    await phase(`federation of ${SIZES.members[1]} members: throughput`, async () => {
      const fed = await BenchFederation.start({ members: SIZES.members[1]!, binDir, kinds: ['configmap', 'deployment'], enabled: false, log });
      try {
        kubernetes = fed.kubernetesVersion;
        await fed.startManager();
        for (const kind of ['configmap', 'deployment'] as const) {
          throughput.push(await runThroughput(fed, { kind, objects: SIZES.objects, namespace: `tp-${kind}`, timeoutMs: 15 * 60_000 }, log));
        }
      } finally {
        await fed.stop();
      }
    });
    if (throughput.length > 0) {
      write('throughput', meta('throughput against the ceiling', throughputParams(SIZES.members), throughput, {
        targets: Object.fromEntries(throughput.map((t) => [`${t.kind}×${t.members}`, { target: 'ratio ≤ 1.25', met: t.ratio <= 1.25 }])),
      }));
    }
  }

  // C: memory and cold start of the controller-manager process.
  if (only.has('memory')) {
    await phase(`federation of ${SIZES.memoryMembers} members: memory and cold start (child process)`, async () => {
      const dist = await buildDist(log);
      const fed = await BenchFederation.start({ members: SIZES.memoryMembers, binDir, kinds: ['configmap'], enabled: true, log });
      try {
        kubernetes = fed.kubernetesVersion;
        const p = { namespace: 'mem', sizes: SIZES.memorySizes, settleMs: 5000, convergeTimeoutMs: 20 * 60_000 };
        const result = await runMemory(fed, dist, p, log, values['cpu-prof'] ? path.join(BENCH_TMP, 'prof') : undefined);
        write('memory', meta('memory and cold start of the controller-manager process', {
          ...p,
          members: fed.memberNames.length,
          process: `node ${path.relative(process.cwd(), path.join(dist, 'main.js'))} (src compiled by tsconfig.build.json), leader election on, KubeFedConfig defaults`,
        }, result, {
          targets: { coldStartWrites: { target: '0', met: result.coldStart.serverWritesTotal === 0 } },
        }));
      } finally {
        await fed.stop();
      }
    });
  }

  // D: many members.
  if (only.has('scale')) {
    await phase(`federation of ${SIZES.scaleMembers} members: scale in clusters`, async () => {
      const fed = await BenchFederation.start({ members: SIZES.scaleMembers, binDir, kinds: ['configmap'], enabled: false, log });
      try {
        kubernetes = fed.kubernetesVersion;
        await fed.startManager();
        const result = await runThroughput(fed, { kind: 'configmap', objects: SIZES.scaleObjects, namespace: 'scale', timeoutMs: 20 * 60_000 }, log);
        write('scale', meta('scale in clusters: throughput against the ceiling', { ...throughputParams([SIZES.scaleMembers]), objects: SIZES.scaleObjects, kinds: ['configmap'] }, result, {
          targets: { ratio: { target: 'ratio ≤ 1.25', met: result.ratio <= 1.25 } },
        }));
      } finally {
        await fed.stop();
      }
    });
  }

  // E: one member slowed, then hung, against an all-healthy baseline in the same run (issue #12).
  if (only.has('isolation')) {
    await phase(`federation of ${SIZES.isolationMembers} members: member isolation (all healthy, one slowed, one hung)`, async () => {
      const fed = await BenchFederation.start({ members: SIZES.isolationMembers, binDir, kinds: ['configmap'], enabled: true, log });
      try {
        kubernetes = fed.kubernetesVersion;
        const p: IsolationParameters = {
          scenarios: ['baseline', 'slowed', 'hung', 'baseline'],
          impaired: fed.memberNames[fed.memberNames.length - 1]!,
          slowDelayMs: 300,
          latencySeconds: SIZES.isolationLatencySeconds,
          intervalMs: 100,
          burstObjects: SIZES.isolationBurst,
          burstConcurrency: 32,
          timeoutMs: 5 * 60_000,
        };
        const result = await runIsolation(fed, p, log);
        write('isolation', meta('member isolation: one member slowed or hung, against an all-healthy baseline', {
          ...p,
          members: fed.memberNames.length,
          kind: 'configmap',
          placement: 'every member',
          controller: 'in-process ControllerManager, KubeFedConfig defaults (maxConcurrentReconciles 16), health probe every 1 s (timeout 5 s); executors: 16 requests in flight per member, 10 s request timeout',
          proxy: 'the impaired member\'s KubeFedCluster points at a TCP proxy in this process (delay 0 except when slowed: each chunk the controller sends is passed on slowDelayMs later); the benchmark\'s own watches go to every member directly',
        }, result, { targets: isolationTargets(result) }));
      } finally {
        await fed.stop();
      }
    });
  }

  // F: the container image built and started here (hack/image-test.sh; its cold cost is over CI's budget).
  if (only.has('image')) {
    await phase('container image: build with buildah, check, run the controller in it', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'kubefed-ts-bench-image-'));
      try {
        const resultFile = path.join(dir, 'image.json');
        const child = spawn('bash', ['hack/image-test.sh'], { stdio: ['ignore', 2, 2], env: { ...process.env, IMAGE_TEST_RESULT: resultFile } });
        const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
        if (code !== 0) throw new Error(`hack/image-test.sh exited ${code}`);
        const result = JSON.parse(readFileSync(resultFile, 'utf8')) as Record<string, unknown>;
        write('image', meta('container image: build (stand-in base cached after the first run), checks, controller-manager in the image', {
          script: 'hack/image-test.sh', cold: 'a run that built the stand-in base lists the phase "stand-in base (cold)"',
        }, result));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  if (only.has('planner')) {
    const planner = readPlanner();
    if (planner) log(`planner: read bench/results/planner.json (${planner.date})`);
    else failures.push('planner: bench/results/planner.json is missing; run npx tsx hack/bench-planner.ts');
  }

  log(`suite finished in ${round((Date.now() - started) / 60_000, 1)} min; wrote ${written.map((f) => path.relative(process.cwd(), f)).join(', ') || 'nothing'}`);
  if (!quick && outDir === RESULTS_DIR) {
    writeBenchmarksMd(RESULTS_DIR);
    log('regenerated BENCHMARKS.md');
  }
  process.stdout.write(`${summary(outDir)}\n`);
  for (const f of failures) process.stderr.write(`FAILED ${f}\n`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);

// The benchmark suite of issue #6, against real kube-apiservers started here: throughput against a plain
// client loop (the ceiling), propagation latency, idle cost of resyncs, memory and cold start, scale in
// clusters, side by side with KubeFed itself (#13), and the replica planner's figures. Writes bench/results/<name>.json and regenerates BENCHMARKS.md.
//
// Usage: npx tsx hack/bench.ts [--quick] [--only throughput,latency,idle,memory,scale,isolation,planner]
//                              [--out DIR] [--report-only] [--cpu-prof]
//                              [--vs-kubefed [--runs N] [--objects N] [--scenarios configmap-2,...]]
//   --quick        small sizes (~3-4 minutes), results to bench/tmp/quick, BENCHMARKS.md untouched
//   --only         run these benchmarks only (throughput,hostcost,livecreates,latency,idle,memory,scale,isolation,image,vskubefed,pull,planner) (BENCHMARKS.md is regenerated from every result file present)
//   --out DIR      where result files go (default bench/results, or bench/tmp/quick with --quick)
//   --report-only  regenerate BENCHMARKS.md from the result files, run nothing
//   --cpu-prof     run the memory, pull and comparison benchmarks' controller-manager processes with --cpu-prof (bench/tmp/prof)
//   --node-args "…"  more Node/V8 flags for the comparison's kubefed-ts controller-manager (trying a flag out; use with --out)
//   --heap-snapshot  the memory benchmark writes a heap snapshot of the controller-manager at every point (bench/tmp/heap;
//                  a measurement run only: the snapshots cost memory; read them with hack/heap-breakdown.ts)
//   --vs-kubefed   only the side-by-side comparison with KubeFed v0.10.0 (= --only vskubefed; issue #13)
//   --runs N       runs per contender and scenario of the comparison (default 2; the report takes medians)
//   --objects N    federated objects per scenario of the comparison (default 1,000; 200 with --quick)
//   --scenarios    which comparison scenarios (default all: configmap-2,deployment-5,configmap-5,configmap-20)
//   --contenders   which contenders of the comparison (default all: kubefed-stock,kubefed-best,kubefed-ts)
//   pull           pull mode against push mode (issue #15): 1,000 FederatedConfigMaps → 2 members (200 with --quick)
//   --pull-members N  members of the pull benchmark (default 2, the issue's scenario; more shows how the member
//                  side, which moves to the agents, grows); use with --out, as the report reads 2 members
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { runPullMode, type PullParameters } from '../test/bench/pull.js';
import { resultTargets } from '../test/bench/pull-report.js';
import { logger, machine, RESULTS_DIR, revision, round, writeResult, type ResultFile } from '../test/bench/lib.js';
import { runMemory } from '../test/bench/memory.js';
import { measureRuntimeBaseline } from '../test/bench/runtime-baseline.js';
import { CONTROLLER_MANAGER_NODE_FLAGS } from '../src/manager/node-flags.js';
import { readPlanner } from '../test/bench/planner.js';
import { writeBenchmarksMd, summary } from '../test/bench/report.js';
import { runThroughput, type ThroughputResult } from '../test/bench/throughput.js';
import { CONTENDER_SETTINGS, CONTENDERS, runVsKubefed, type Contender, type VsParameters, type VsScenario } from '../test/bench/vs-kubefed.js';
import { renderVsKubefed, type VsResult } from '../test/bench/vs-kubefed-report.js';
import { kubefedBinDir, kubefedCrdFiles, KUBEFED_VERSION } from './lib/kubefed-release.js';
import { ProcessGroup } from './lib/process-group.js';

const BENCHMARKS = ['throughput', 'hostcost', 'livecreates', 'latency', 'idle', 'memory', 'scale', 'isolation', 'image', 'vskubefed', 'pull', 'planner'] as const;
type Benchmark = (typeof BENCHMARKS)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string' },
    'report-only': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'heap-snapshot': { type: 'boolean', default: false },
    'vs-kubefed': { type: 'boolean', default: false },
    runs: { type: 'string' },
    objects: { type: 'string' },
    scenarios: { type: 'string' },
    contenders: { type: 'string' },
    'pull-members': { type: 'string' },
    'node-args': { type: 'string' },
  },
  strict: true,
});
const quick = values.quick!;
const only = new Set<Benchmark>(
  values['vs-kubefed'] ? ['vskubefed'] : values.only ? (values.only.split(',').map((s) => s.trim()) as Benchmark[]) : BENCHMARKS,
);
for (const b of only) if (!BENCHMARKS.includes(b)) throw new Error(`unknown benchmark ${b}; choose from ${BENCHMARKS.join(', ')}`);
const outDir = path.resolve(values.out ?? (quick ? path.join(BENCH_TMP, 'quick') : RESULTS_DIR));

/** Sizes of the full suite (issue #6) and of the --quick smoke check. */
const SIZES = quick
  ? { objects: 200, members: [2, 3], latencySeconds: 30, memorySizes: [200, 1000], memoryMembers: 3, scaleMembers: 4, scaleObjects: 200, isolationMembers: 3, isolationBurst: 200, isolationLatencySeconds: 10 }
  : { objects: 1000, members: [2, 5], latencySeconds: 60, memorySizes: [1000, 10_000], memoryMembers: 3, scaleMembers: 10, scaleObjects: 1000, isolationMembers: 3, isolationBurst: 500, isolationLatencySeconds: 20 };

const log = logger();

/** A whole number ≥ `min` from a flag, or a clear error. */
function intFlag(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, not ${JSON.stringify(value)}`);
  return n;
}

/**
 * Flags for the 20 member kube-apiservers of the largest comparison, chosen to fit 22 API servers and etcd on
 * 2 cores: only the API groups a federation member needs (core, apps, RBAC, authn/z, leases, events, and what the
 * server itself requires), no admission plugins that watch other kinds, no profiling, lower in-flight limits.
 */
const SMALL_MEMBER_FLAGS = [
  '--profiling=false',
  '--disable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy,MutatingAdmissionPolicy,' +
    'ResourceQuota,LimitRanger,DefaultStorageClass,StorageObjectInUseProtection,RuntimeClass,PodSecurity,Priority,DefaultTolerationSeconds,' +
    'DefaultIngressClass,PersistentVolumeClaimResize,CertificateApproval,CertificateSigning,ClusterTrustBundleAttest,CertificateSubjectRestriction,TaintNodesByCondition',
  '--runtime-config=api/all=false,api/v1=true,apps/v1=true,rbac.authorization.k8s.io/v1=true,authentication.k8s.io/v1=true,' +
    'authorization.k8s.io/v1=true,coordination.k8s.io/v1=true,scheduling.k8s.io/v1=true,events.k8s.io/v1=true,apiregistration.k8s.io/v1=true,' +
    'apiextensions.k8s.io/v1=true,networking.k8s.io/v1=true,discovery.k8s.io/v1=true',
  '--max-requests-inflight=100',
  '--max-mutating-requests-inflight=50',
];

function vsScenarios(objects: number): VsScenario[] {
  const n = objects.toLocaleString('en-US');
  return [
    { id: 'configmap-2', title: `${n} FederatedConfigMaps → 2 members, then live creates and updates, idle, restart`, kind: 'configmap', members: 2, objects, followUps: true },
    { id: 'deployment-5', title: `${n} FederatedDeployments → 5 members`, kind: 'deployment', members: 5, objects, followUps: false },
    { id: 'configmap-5', title: `${n} FederatedConfigMaps → 5 members`, kind: 'configmap', members: 5, objects, followUps: false },
    {
      id: 'configmap-20', title: `${n} FederatedConfigMaps → 20 members (members started with the small flags)`, kind: 'configmap', members: 20, objects, followUps: false,
      memberApiServerArgs: SMALL_MEMBER_FLAGS,
    },
  ];
}

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
        const p = { namespace: 'mem', sizes: SIZES.memorySizes, settleMs: 5000, steadyMs: 45_000, convergeTimeoutMs: 20 * 60_000 };
        const result = await runMemory(fed, dist, p, log, values['cpu-prof'] ? path.join(BENCH_TMP, 'prof') : undefined, values['heap-snapshot'] ? path.join(BENCH_TMP, 'heap') : undefined);
        write('memory', meta('memory and cold start of the controller-manager process', {
          ...p,
          members: fed.memberNames.length,
          process: `node ${CONTROLLER_MANAGER_NODE_FLAGS.join(' ')} ${path.relative(process.cwd(), path.join(dist, 'main.js'))} (src built as npm run build does: a bundle), leader election on, KubeFedConfig defaults`,
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

  // G: side by side with KubeFed v0.10.0's own controller-manager (issue #13).
  if (only.has('vskubefed')) {
    await phase('side by side with KubeFed v0.10.0', async () => {
      const objects = intFlag('objects', values.objects, quick ? 200 : 1000);
      const runs = intFlag('runs', values.runs, 2);
      const all = vsScenarios(objects);
      const wanted = values.scenarios ? values.scenarios.split(',').map((x) => x.trim()) : all.map((x) => x.id);
      for (const id of wanted) if (!all.some((x) => x.id === id)) throw new Error(`unknown scenario ${id}; choose from ${all.map((x) => x.id).join(', ')}`);
      const scenarios = wanted.map((id) => all.find((x) => x.id === id)!);
      const contenders = values.contenders ? values.contenders.split(',').map((x) => x.trim()) as Contender[] : [...CONTENDERS];
      for (const c of contenders) if (!CONTENDERS.includes(c)) throw new Error(`unknown contender ${c}; choose from ${CONTENDERS.join(', ')}`);
      const p: VsParameters = quick
        ? { liveObjects: Math.max(10, Math.round(objects / 5)), liveIntervalMs: 50, updateObjects: Math.max(10, Math.round(objects / 10)), idleSeconds: 30, convergeTimeoutMs: 10 * 60_000 }
        : { liveObjects: 200, liveIntervalMs: 50, updateObjects: 50, idleSeconds: 120, convergeTimeoutMs: 30 * 60_000 };
      const kubefedBin = kubefedBinDir(true);
      const dist = await buildDist(log);
      const workDir = mkdtempSync(path.join(os.tmpdir(), 'kubefed-ts-bench-vs-'));
      const group = new ProcessGroup();
      group.startReaper(workDir);
      const startedAt = machine();
      const revisionAtStart = revision();
      const t0 = Date.now();
      try {
        const nodeArgs = [
          ...(values['node-args'] ?? '').split(' ').filter(Boolean),
          ...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.join(BENCH_TMP, 'prof', `vs-${Date.now()}`)}`] : []),
        ];
        const env = { kubefedBin, kubefedCrds: kubefedCrdFiles(kubefedBin), dist, binDir, workDir, group, log, ...(nodeArgs.length ? { nodeArgs } : {}) };
        // First, on a quiet machine; a failure here costs this figure only, never the comparison's results.
        const runtimeBaseline = await measureRuntimeBaseline(path.join(BENCH_TMP, 'runtime-baseline')).catch((err: unknown) => {
          log(`runtime baseline not measured: ${(err as Error).message}`);
          return undefined;
        });
        if (runtimeBaseline) log(`runtime baseline: node alone ${runtimeBaseline.nodeMiB} MiB, with the required libraries ${runtimeBaseline.requiredLibrariesMiB} MiB`);
        const outcome = await runVsKubefed(env, scenarios, runs, p, contenders);
        failures.push(...outcome.failures);
        const result: VsResult = { scenarios, contenders: [...contenders], settings: CONTENDER_SETTINGS, runs: outcome.runs };
        kubernetes = binDir.match(/k8s-(v[\d.]+)/)?.[1] ?? kubernetes;
        write('vs-kubefed', meta(`side by side with KubeFed ${KUBEFED_VERSION}`, {
          objects, runs, scenarios: scenarios.map((x) => x.id), ...p, kubefed: KUBEFED_VERSION, contenders: CONTENDER_SETTINGS,
          order: 'per scenario, run 1: kubefed-stock, kubefed-best, kubefed-ts; run 2 the reverse; and so on',
          smallMemberFlags: SMALL_MEMBER_FLAGS,
          runtimeBaseline,
          // Flags tried out beyond the shipped ones (--node-args, --cpu-prof): the report says so.
          ...(nodeArgs.length ? { extraNodeArgs: nodeArgs } : {}),
          loadAverageAtStart: startedAt.loadAverage,
          loadAverageAtEnd: machine().loadAverage,
          // The commit the run started from (the file's revision is taken when it is written).
          revisionAtStart,
          wallMinutes: round((Date.now() - t0) / 60_000, 1),
        }, result));
        const md = renderVsKubefed(result, startedAt.cores);
        writeFileSync(path.join(outDir, 'vs-kubefed.md'), `${md}\n`);
        process.stdout.write(`${md}\n`);
        if (outcome.failures.length > 0) log(`controller logs kept in ${workDir}`);
        else rmSync(workDir, { recursive: true, force: true });
      } finally {
        await group.stopAll();
      }
    });
  }

  // H: pull mode against push mode, each on fresh API servers in this one run (issue #15).
  if (only.has('pull')) {
    const pullMembers = Number(values['pull-members'] ?? 2);
    if (!Number.isInteger(pullMembers) || pullMembers < 1) throw new Error(`--pull-members: a whole number ≥ 1, got ${values['pull-members']}`);
    await phase(`pull mode against push mode: ${SIZES.objects} FederatedConfigMaps → ${pullMembers} members`, async () => {
      const p: PullParameters = { objects: SIZES.objects, members: pullMembers, heartbeatInterval: '10s', convergeTimeoutMs: (quick ? 5 : 15) * 60_000 };
      const dist = await buildDist(log);
      const workDir = mkdtempSync(path.join(os.tmpdir(), 'kubefed-ts-bench-pull-'));
      const group = new ProcessGroup();
      group.startReaper(workDir);
      const startedAt = machine();
      try {
        const profDir = values['cpu-prof'] ? path.join(BENCH_TMP, 'prof', `pull-${Date.now()}`) : undefined;
        const outcome = await runPullMode({ dist, binDir, workDir, group, log, profDir }, p);
        failures.push(...outcome.failures);
        kubernetes = binDir.match(/k8s-(v[\d.]+)/)?.[1] ?? kubernetes;
        write('pull', meta('pull mode against push mode', {
          ...p,
          kind: 'configmap',
          order: 'push, then pull, each on a fresh federation (etcd, host and member kube-apiservers, a kube-controller-manager per cluster)',
          controller: `node ${CONTROLLER_MANAGER_NODE_FLAGS.join(' ')} dist/main.js (src built as npm run build does: a bundle), its defaults (maxConcurrentReconciles 16), leader election on, host credentials a ServiceAccount token`,
          agents: 'pull: one node dist/agent/main.js per member, started as the pull-mode tests start it, with the host kubeconfig `kubefedctl join --mode pull` wrote, leader election on, the heartbeat every heartbeatInterval (the agent\'s default; the tests use 1 s)',
          loadAverageAtStart: startedAt.loadAverage,
          loadAverageAtEnd: machine().loadAverage,
        }, outcome.result, { targets: resultTargets(outcome.result) }));
        if (outcome.failures.length > 0) log(`controller and agent logs kept in ${workDir}`);
        else rmSync(workDir, { recursive: true, force: true });
      } finally {
        await group.stopAll();
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

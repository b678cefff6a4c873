// kubefed-ts side by side with KubeFed v0.10.0's own controller-manager (issue #13): the same federation
// (fresh API servers per run), the same objects, the same observation, each controller as a process of its
// own. Contenders: KubeFed with its chart's default KubeFedConfig, KubeFed with its best settings, and
// kubefed-ts with its defaults; runs interleaved, the report takes medians (vs-kubefed-report.ts).
import { CONTROLLER_MANAGER_NODE_FLAGS } from '../../src/manager/node-flags.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CORE_API_VERSION, KUBEFED_CONFIG_KIND, KUBEFED_CONFIG_NAME, KUBEFED_CONFIG_PLURAL, CORE_GROUP, CORE_VERSION, MANAGED_LABEL } from '../../src/api/index.js';
import type { Informer } from '../../src/kube/informer.js';
import type { KubeObject, ResourceType } from '../../src/kube/types.js';
import { ProcessGroup } from '../../hack/lib/process-group.js';
import { freePort } from '../harness/control-plane.js';
import { KUBEFED_NS } from '../harness/federation.js';
import { apiServerMetrics } from '../harness/fed-objects.js';
import { BenchFederation } from './federation.js';
import { forEachConcurrently, percentile, processCpuSeconds, processMemoryMiB, round, sleep, waitFor } from './lib.js';
import { fedObject, fedTypeOf, objectName, SEQ_KEY } from './objects.js';
import { propagated } from './throughput.js';
import { metricSum } from './child-manager.js';
import { requestsBetween, requestsByKey, type RequestCounts } from './vs-kubefed-report.js';

export const CONTENDERS = ['kubefed-stock', 'kubefed-best', 'kubefed-ts'] as const;
export type Contender = (typeof CONTENDERS)[number];

/** What each contender runs with; the report prints these. */
export const CONTENDER_SETTINGS: Record<Contender, string> = {
  'kubefed-stock': 'KubeFed v0.10.0 controller-manager, its chart\'s KubeFedConfig defaults (sync and status maxConcurrentReconciles 1), default flags (host --rest-config-qps 100, burst 200; member clients fixed at QPS 20, burst 30 in its code)',
  'kubefed-best': 'KubeFed v0.10.0 controller-manager, KubeFedConfig sync and status maxConcurrentReconciles 16 (as kubefed-ts) and controllerDuration.availableDelay 1s (default 20s: how long its sync controller waits for member caches before it retries objects, at start and after a restart), --rest-config-qps=1000 --rest-config-burst=2000 (host client); member clients stay at QPS 20, burst 30 (constants in its code, not configurable)',
  'kubefed-ts': 'node dist/main.js (src compiled by tsconfig.build.json), its defaults (no KubeFedConfig: maxConcurrentReconciles 16), leader election on',
};

export interface VsScenario {
  /** e.g. `configmap-2`. */
  id: string;
  title: string;
  kind: 'configmap' | 'deployment';
  members: number;
  objects: number;
  /** Live creates and updates, idle and restart after convergence (the 2-member scenario). */
  followUps: boolean;
  memberApiServerArgs?: string[];
}

export interface VsParameters {
  /** New objects created while the controller runs, one every `liveIntervalMs`. */
  liveObjects: number;
  liveIntervalMs: number;
  /** Existing objects updated twice (first and second update), one every `liveIntervalMs`. */
  updateObjects: number;
  idleSeconds: number;
  convergeTimeoutMs: number;
}

export interface LatencySummary {
  samples: number;
  missing: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface VsRun {
  scenario: string;
  contender: Contender;
  run: number;
  /** The whole run, federation start to stop (the benchmark's time budget). */
  wallSeconds?: number;
  /** From enabling the FederatedTypeConfig until every federated object reports Propagation True and every member holds every object. */
  convergeSeconds: number;
  timedOut: boolean;
  /** Federated objects propagated and member objects found when the clock stopped. */
  propagated: number;
  memberObjects: number[];
  /** Seconds until 50 / 90 / 100 % of the federated objects were propagated. */
  progress: { p50: number; p90: number; p100: number };
  rssMiB: { afterStart: number; converged: number; peak: number };
  /** CPU seconds during convergence per process: `controller`, `etcd`, `kube-apiserver-<cluster>`, `bench` (this process). */
  cpu: Record<string, number>;
  /** Requests during convergence (apiserver_request_total): `resource[/subresource] VERB` per cluster. */
  requests: Record<string, RequestCounts>;
  live?: {
    creates: LatencySummary;
    firstUpdate: LatencySummary;
    secondUpdate: LatencySummary;
    requests: Record<string, RequestCounts>;
  };
  idle?: { seconds: number; cpu: Record<string, number>; requests: Record<string, RequestCounts> };
  restart?: {
    /** From spawning the new process until it reconciled every federated object successfully. */
    convergedSeconds: number;
    /**
     * From spawning to holding the leader lock, seen by polling every 200 ms. KubeFed does not release its lock
     * when stopped, so its new process waits for the old lease to expire; kubefed-ts releases its Lease.
     */
    leaderSeconds?: number;
    reconciles: number;
    timedOut: boolean;
    /** Requests from spawn until 5 s after that (all verbs). */
    requests: Record<string, RequestCounts>;
    cpu: Record<string, number>;
  };
}

const KUBEFED_CONFIG_TYPE: ResourceType = { group: CORE_GROUP, version: CORE_VERSION, plural: KUBEFED_CONFIG_PLURAL, kind: KUBEFED_CONFIG_KIND, namespaced: true };

/** The KubeFedConfig KubeFed's chart installs with its default values; KubeFed (no webhook here) needs every field set. */
export function kubefedChartConfig(syncWorkers: number, availableDelay = '20s'): KubeObject {
  return {
    apiVersion: CORE_API_VERSION,
    kind: KUBEFED_CONFIG_KIND,
    metadata: { name: KUBEFED_CONFIG_NAME, namespace: KUBEFED_NS },
    spec: {
      scope: 'Cluster',
      controllerDuration: { availableDelay, unavailableDelay: '60s', cacheSyncTimeout: '5m' },
      leaderElect: { leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '5s', resourceLock: 'configmaps' },
      clusterHealthCheck: { period: '10s', failureThreshold: 3, successThreshold: 1, timeout: '3s' },
      syncController: { maxConcurrentReconciles: syncWorkers, adoptResources: 'Enabled' },
      statusController: { maxConcurrentReconciles: syncWorkers },
      featureGates: [
        { name: 'PushReconciler', configuration: 'Enabled' },
        { name: 'SchedulerPreferences', configuration: 'Enabled' },
        { name: 'RawResourceStatusCollection', configuration: 'Disabled' },
      ],
    },
  };
}

export interface VsEnvironment {
  kubefedBin: string;
  kubefedCrds: string[];
  /** Compiled kubefed-ts (bench/tmp/dist). */
  dist: string;
  binDir: string;
  workDir: string;
  group: ProcessGroup;
  log: (m: string) => void;
}

/** What starting a controller-manager process needs (KubeFed's binaries only for KubeFed's contenders). */
export type ControllerEnvironment = Pick<VsEnvironment, 'dist' | 'workDir' | 'group'> & {
  kubefedBin?: string;
  /** Node flags for a kubefed-ts controller-manager (e.g. --cpu-prof). */
  nodeArgs?: string[];
};

function kubefedBinOf(env: ControllerEnvironment): string {
  if (!env.kubefedBin) throw new Error('KubeFed\'s binaries are needed to run its controller-manager (hack/build-kubefed.sh)');
  return env.kubefedBin;
}

/** One controller-manager process, either kind, with its metrics endpoint. */
export interface ControllerProcess {
  pid: number;
  /** Whether it holds the leader lock now (kubefed-ts: its kubefed_leader gauge; KubeFed: its log says so). */
  leads(metricsText: string): boolean;
  metrics(): Promise<string>;
  stop(): Promise<void>;
}

let processCounter = 0;

/** Starts a contender's controller-manager as a process of `env.group`; resolves once it serves metrics. */
export async function startController(env: ControllerEnvironment, contender: Contender, kubeconfig: string): Promise<ControllerProcess> {
  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const name = `${contender}-${++processCounter}`;
  const logFile = path.join(env.workDir, `${name}.log`);
  const child = contender === 'kubefed-ts'
    ? env.group.start(name, process.execPath, [
      // As shipped: the image's and the bin's V8 flags (src/manager/node-flags.ts).
      ...CONTROLLER_MANAGER_NODE_FLAGS, ...(env.nodeArgs ?? []), path.join(env.dist, 'main.js'), '--kubeconfig', kubeconfig, '--kubefed-namespace', KUBEFED_NS,
      '--health-addr', `127.0.0.1:${healthPort}`, '--metrics-addr', `127.0.0.1:${metricsPort}`,
    ], logFile, { ...process.env, KUBEFED_LOG_LEVEL: 'warn' })
    : env.group.start(name, path.join(kubefedBinOf(env), 'controller-manager'), [
      `--kubeconfig=${kubeconfig}`, `--kubefed-namespace=${KUBEFED_NS}`,
      `--metrics-addr=127.0.0.1:${metricsPort}`, `--healthz-addr=127.0.0.1:${healthPort}`, '--v=1',
      ...(contender === 'kubefed-best' ? ['--rest-config-qps=1000', '--rest-config-burst=2000'] : []),
    ], logFile);
  const metrics = async (): Promise<string> => {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) throw new Error(`${name} exited (${child.proc.exitCode ?? child.proc.signalCode}); see ${logFile}`);
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(30_000) });
    return res.text();
  };
  await waitFor(`${name} serving metrics`, async () => {
    try {
      await metrics();
      return true;
    } catch (err) {
      if (/exited/.test((err as Error).message)) throw err;
      return false;
    }
  }, 60_000, 100);
  const leads = contender === 'kubefed-ts'
    ? (text: string): boolean => metricSum(text, 'kubefed_leader') === 1
    : (): boolean => readFileSync(logFile, 'utf8').includes('successfully acquired lease');
  return { pid: child.proc.pid, leads, metrics, stop: () => env.group.stop(name, 30_000) };
}

/** Snapshot of every cluster's apiserver_request_total. */
export async function requestSnapshot(fed: BenchFederation): Promise<Record<string, RequestCounts>> {
  const out: Record<string, RequestCounts> = { host: requestsByKey(await apiServerMetrics(fed.hostKc)) };
  await Promise.all([...fed.memberKcs].map(async ([name, kc]) => {
    out[name] = requestsByKey(await apiServerMetrics(kc));
  }));
  return out;
}

export function requestsSince(before: Record<string, RequestCounts>, after: Record<string, RequestCounts>): Record<string, RequestCounts> {
  return Object.fromEntries(Object.entries(after).map(([cluster, counts]) => [cluster, requestsBetween(before[cluster] ?? {}, counts)]));
}

/**
 * CPU seconds of the federation's processes, the controller, any `more` processes (pull-mode agents) and this
 * process, between start() and stop().
 */
export function cpuMeter(fed: BenchFederation, controllerPid: () => number, more: () => Array<{ name: string; pid: number }> = () => []): { start(): void; stop(): Record<string, number> } {
  let before = new Map<string, number>();
  let self = process.cpuUsage();
  const sample = (): Map<string, number> => new Map([
    ...fed.cp.managedProcesses().map((p) => [p.name, processCpuSeconds(p.pid) ?? 0] as const),
    ['controller', processCpuSeconds(controllerPid()) ?? 0] as const,
    ...more().map((p) => [p.name, processCpuSeconds(p.pid) ?? 0] as const),
  ]);
  return {
    start() {
      before = sample();
      self = process.cpuUsage();
    },
    stop() {
      const out: Record<string, number> = {};
      for (const [name, s] of sample()) out[name] = round(s - (before.get(name) ?? 0), 2);
      const used = process.cpuUsage(self);
      out.bench = round((used.user + used.system) / 1e6, 2);
      return out;
    },
  };
}

/** Change → every member: per object, from just before the request to the last member's watch event showing it. */
class MemberChangeTracker {
  private readonly pending = new Map<string, { sentAt: number; want: (o: KubeObject) => boolean; seen: Set<string> }>();
  readonly latenciesMs: number[] = [];

  constructor(private readonly informers: Map<string, Informer>) {
    for (const [member, informer] of informers) informer.on((e) => this.check(member, e.object));
  }

  expect(name: string, want: (o: KubeObject) => boolean): void {
    this.pending.set(name, { sentAt: performance.now(), want, seen: new Set() });
  }

  private check(member: string, obj: KubeObject): void {
    const entry = this.pending.get(obj.metadata?.name ?? '');
    if (!entry || !entry.want(obj)) return;
    entry.seen.add(member);
    if (entry.seen.size === this.informers.size) {
      this.latenciesMs.push(performance.now() - entry.sentAt);
      this.pending.delete(obj.metadata!.name!);
    }
  }

  async drain(timeoutMs: number): Promise<LatencySummary> {
    await waitFor('every change in every member', () => this.pending.size === 0, timeoutMs, 50).catch(() => undefined);
    const s = this.latenciesMs;
    const summary = { samples: s.length, missing: this.pending.size, p50Ms: round(percentile(s, 50), 1), p99Ms: round(percentile(s, 99), 1), maxMs: round(Math.max(...s), 1) };
    this.pending.clear();
    this.latenciesMs.length = 0;
    return summary;
  }
}

/** What `timeConvergence` measured: from enabling the type until every object is propagated and in every member. */
export interface ConvergenceFigures {
  convergeSeconds: number;
  timedOut: boolean;
  propagated: number;
  memberObjects: number[];
  progress: { p50: number; p90: number; p100: number };
  cpu: Record<string, number>;
  requests: Record<string, RequestCounts>;
}

export interface Convergence extends ConvergenceFigures {
  /** The benchmark's own watches of the member objects, left running (they are in `informers`, for the caller to stop). */
  memberInformers: Map<string, Informer>;
}

/**
 * Creates `count` federated objects while their type is Disabled (so the clock times the sync controller only),
 * then enables it and waits until the benchmark's own watches see every one report Propagation True and every
 * member hold every object. CPU (`cpu`) and every API server's requests are taken over that span.
 */
export async function timeConvergence(
  fed: BenchFederation, kind: 'configmap' | 'deployment', count: number, namespace: string,
  cpu: { start(): void; stop(): Record<string, number> }, informers: Informer[], timeoutMs: number,
): Promise<Convergence> {
  const type = fedTypeOf(kind);
  const objects = Array.from({ length: count }, (_, i) => fedObject(kind, namespace, i, fed.memberNames));
  await forEachConcurrently(objects, 32, async (o) => {
    await fed.host.create(type.federated, o, 'kubefed-ts-bench');
  });
  const hostInformer = await fed.watch(fed.host, type.federated, namespace);
  informers.push(hostInformer);
  const memberInformers = new Map<string, Informer>();
  for (const [name, client] of fed.members) {
    const informer = await fed.watch(client, type.target, namespace, `${MANAGED_LABEL}=true`);
    informers.push(informer);
    memberInformers.set(name, informer);
  }
  const propagatedAt = new Map<string, number>();
  const notePropagation = (o: KubeObject): void => {
    if (propagated(o) && !propagatedAt.has(o.metadata!.name!)) propagatedAt.set(o.metadata!.name!, performance.now());
  };
  hostInformer.on((e) => notePropagation(e.object));

  const before = await requestSnapshot(fed);
  cpu.start();
  const started = performance.now();
  await fed.setPropagation(kind, true);
  const converged = (): boolean => propagatedAt.size >= count && [...memberInformers.values()].every((i) => i.size() >= count);
  let timedOut = false;
  await waitFor(`${count} objects converged`, converged, timeoutMs, 50).catch(() => {
    timedOut = true;
  });
  const convergeSeconds = (performance.now() - started) / 1000;
  const convergeCpu = cpu.stop();
  const requests = requestsSince(before, await requestSnapshot(fed));
  const times = [...propagatedAt.values()].sort((a, b) => a - b);
  const at = (q: number): number => round(((times[Math.max(0, Math.ceil((q / 100) * count) - 1)] ?? NaN) - started) / 1000, 2);
  return {
    convergeSeconds: round(convergeSeconds, 2),
    timedOut,
    propagated: propagatedAt.size,
    memberObjects: [...memberInformers.values()].map((i) => i.size()),
    progress: { p50: at(50), p90: at(90), p100: at(100) },
    cpu: convergeCpu,
    requests,
    memberInformers,
  };
}

/** One run of one scenario for one contender, on a federation of its own. */
export async function runVsOnce(env: VsEnvironment, scenario: VsScenario, contender: Contender, run: number, p: VsParameters): Promise<VsRun> {
  const log = (m: string): void => env.log(`${scenario.id} ${contender} run ${run}: ${m}`);
  const isKubefed = contender !== 'kubefed-ts';
  const type = fedTypeOf(scenario.kind);
  const fed = await BenchFederation.start({
    members: scenario.members,
    binDir: env.binDir,
    kinds: [scenario.kind],
    enabled: false,
    log,
    ...(isKubefed ? { crds: env.kubefedCrds } : {}),
    ...(scenario.memberApiServerArgs ? { memberApiServerArgs: scenario.memberApiServerArgs } : {}),
  });
  let controller: ControllerProcess | undefined;
  const informers: Informer[] = [];
  try {
    if (isKubefed) {
      const config = contender === 'kubefed-best' ? kubefedChartConfig(16, '1s') : kubefedChartConfig(1);
      await fed.host.create(KUBEFED_CONFIG_TYPE, config, 'kubefed-ts-bench');
    }
    const kubeconfig = path.join(fed.cp.dir, 'controller.kubeconfig');
    writeFileSync(kubeconfig, (await fed.controllerKubeConfig()).exportConfig(), { mode: 0o600 });
    controller = await startController(env, contender, kubeconfig);
    const current = controller;
    await waitForClustersReady(fed, 120_000);
    const namespace = 'bench';
    await fed.federateNamespace(namespace);
    const rssAfterStart = processMemoryMiB(current.pid)?.rss ?? NaN;
    const cpu = cpuMeter(fed, () => current.pid);

    const converged = await timeConvergence(fed, scenario.kind, scenario.objects, namespace, cpu, informers, p.convergeTimeoutMs);
    const { memberInformers, timedOut } = converged;
    const total = scenario.objects;
    const result: VsRun = {
      scenario: scenario.id,
      contender,
      run,
      convergeSeconds: converged.convergeSeconds,
      timedOut,
      propagated: converged.propagated,
      memberObjects: converged.memberObjects,
      progress: converged.progress,
      rssMiB: { afterStart: rssAfterStart, converged: processMemoryMiB(current.pid)?.rss ?? NaN, peak: NaN },
      cpu: converged.cpu,
      requests: converged.requests,
    };
    log(`converged in ${result.convergeSeconds} s${timedOut ? ' (TIMED OUT)' : ''}; controller CPU ${result.cpu.controller} s, RSS ${result.rssMiB.converged} MiB`);

    if (scenario.followUps && !timedOut) {
      // Live creates, then the first and the second update of existing objects, open loop.
      const tracker = new MemberChangeTracker(memberInformers);
      const liveBefore = await requestSnapshot(fed);
      const tick = async (names: string[], send: (name: string) => Promise<void>, want: (value: string) => (o: KubeObject) => boolean, value: string): Promise<void> => {
        const inFlight: Promise<void>[] = [];
        for (const name of names) {
          tracker.expect(name, want(value));
          inFlight.push(send(name).catch((err: unknown) => log(`change of ${name} failed: ${(err as Error).message}`)));
          await sleep(p.liveIntervalMs);
        }
        await Promise.all(inFlight);
      };
      const liveNames = Array.from({ length: p.liveObjects }, (_, i) => objectName(total + i));
      await tick(liveNames, async (name) => {
        const index = Number(name.slice(4));
        await fed.host.create(type.federated, fedObject(scenario.kind, namespace, index, fed.memberNames), 'kubefed-ts-bench');
      }, () => () => true, '');
      const creates = await tracker.drain(60_000);
      const updateNames = Array.from({ length: p.updateObjects }, (_, i) => objectName(i));
      const update = (value: string) => async (name: string): Promise<void> => {
        const patch = scenario.kind === 'configmap'
          ? { spec: { template: { data: { [SEQ_KEY]: value } } } }
          : { spec: { template: { metadata: { annotations: { [SEQ_KEY]: value } } } } };
        await fed.host.mergePatch(type.federated, name, namespace, patch);
      };
      const shows = (value: string) => (o: KubeObject): boolean => scenario.kind === 'configmap'
        ? (o as { data?: Record<string, string> }).data?.[SEQ_KEY] === value
        : o.metadata?.annotations?.[SEQ_KEY] === value;
      await tick(updateNames, update('1'), shows, '1');
      const firstUpdate = await tracker.drain(60_000);
      await tick(updateNames, update('2'), shows, '2');
      const secondUpdate = await tracker.drain(60_000);
      result.live = { creates, firstUpdate, secondUpdate, requests: requestsSince(liveBefore, await requestSnapshot(fed)) };
      log(`live: creates P50 ${creates.p50Ms} / P99 ${creates.p99Ms} ms, first update P99 ${firstUpdate.p99Ms} ms, second ${secondUpdate.p99Ms} ms`);
      // Let the last status writes land before idle starts.
      await sleep(5_000);

      const idleBefore = await requestSnapshot(fed);
      cpu.start();
      await sleep(p.idleSeconds * 1000);
      result.idle = { seconds: p.idleSeconds, cpu: cpu.stop(), requests: requestsSince(idleBefore, await requestSnapshot(fed)) };
      log(`idle ${p.idleSeconds} s: controller CPU ${result.idle.cpu.controller} s`);
    }
    result.rssMiB.peak = processMemoryMiB(current.pid)?.peak ?? NaN;

    if (scenario.followUps && !timedOut) {
      // Restart: a graceful stop, then a new process; converged once it reconciled every federated object.
      await current.stop();
      const all = total + p.liveObjects;
      const restartBefore = await requestSnapshot(fed);
      const spawnedAt = performance.now();
      controller = await startController(env, contender, kubeconfig);
      const next = controller;
      const restartCpu = cpuMeter(fed, () => next.pid);
      restartCpu.start();
      let reconciles = 0;
      let restartTimedOut = false;
      let leaderSeconds = Number.NaN;
      await waitFor('every object reconciled after the restart', async () => {
        const text = await next.metrics();
        if (Number.isNaN(leaderSeconds) && next.leads(text)) leaderSeconds = (performance.now() - spawnedAt) / 1000;
        reconciles = metricSum(text, 'controller_runtime_reconcile_total', { controller: type.metricsName, result: 'success' });
        return reconciles >= all;
      }, p.convergeTimeoutMs, 200).catch(() => {
        restartTimedOut = true;
      });
      const convergedSeconds = (performance.now() - spawnedAt) / 1000;
      await sleep(5_000);
      result.restart = {
        convergedSeconds: round(convergedSeconds, 2),
        leaderSeconds: round(leaderSeconds, 2),
        reconciles,
        timedOut: restartTimedOut,
        requests: requestsSince(restartBefore, await requestSnapshot(fed)),
        cpu: restartCpu.stop(),
      };
      log(`restart: ${reconciles} reconciles in ${result.restart.convergedSeconds} s`);
    }
    return result;
  } finally {
    for (const i of informers) await i.stop();
    await controller?.stop();
    await fed.stop();
  }
}

/** Both contenders' clusters must be Ready (their own health checks) before the clock starts. */
export async function waitForClustersReady(fed: BenchFederation, timeoutMs: number): Promise<void> {
  await waitFor('every KubeFedCluster Ready', async () => {
    const list = await fed.host.request<{ items: Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }> }>(
      'GET', `/apis/${CORE_GROUP}/${CORE_VERSION}/namespaces/${KUBEFED_NS}/kubefedclusters`,
    );
    return list.items.filter((c) => c.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')).length === fed.memberNames.length;
  }, timeoutMs, 250);
}

/** Interleaved: odd runs go stock, best, kubefed-ts; even runs the other way round, so drift shows in both. */
export function runOrder(run: number, contenders: readonly Contender[] = CONTENDERS): Contender[] {
  return run % 2 === 1 ? [...contenders] : [...contenders].reverse();
}

/** Runs every scenario `runs` times per contender, interleaved; a failed run is recorded and the rest go on. */
export async function runVsKubefed(env: VsEnvironment, scenarios: VsScenario[], runs: number, p: VsParameters, contenders: readonly Contender[] = CONTENDERS): Promise<{ runs: VsRun[]; failures: string[] }> {
  mkdirSync(env.workDir, { recursive: true });
  const results: VsRun[] = [];
  const failures: string[] = [];
  for (const scenario of scenarios) {
    for (let run = 1; run <= runs; run++) {
      for (const contender of runOrder(run, contenders)) {
        try {
          const started = performance.now();
          const result = await runVsOnce(env, scenario, contender, run, p);
          results.push({ ...result, wallSeconds: round((performance.now() - started) / 1000, 1) });
        } catch (err) {
          failures.push(`${scenario.id} ${contender} run ${run}: ${(err as Error).stack ?? String(err)}`);
          env.log(`${scenario.id} ${contender} run ${run} FAILED: ${(err as Error).message}`);
        }
      }
    }
  }
  return { runs: results, failures };
}

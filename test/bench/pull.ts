// Pull mode against push mode (issue #15): the same FederatedConfigMaps propagated to the same number of
// members, once on a federation whose members all joined in push mode and once on a fresh one whose members
// joined with `kubefedctl join --mode pull`, each with one kubefed-agent process per member. The controller-manager
// and the agents run as processes of their own (compiled src/), so each one's CPU is its own.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Informer } from '../../src/kube/informer.js';
import type { ProcessGroup } from '../../hack/lib/process-group.js';
import { KUBEFED_NS } from '../harness/federation.js';
import { BenchFederation } from './federation.js';
import { sliceProfile, type CpuProfile } from './idle-cpu.js';
import { profileShares } from './pull-profile.js';
import { round, waitFor } from './lib.js';
import { SYNC_MODES, type PullModeRun, type PullResult, type SyncMode } from './pull-report.js';
import { metricSum } from './child-manager.js';
import { cpuMeter, startController, timeConvergence, waitForClustersReady, type ControllerProcess } from './vs-kubefed.js';

export interface PullParameters {
  objects: number;
  members: number;
  /** The agents' `--heartbeat-interval`. */
  heartbeatInterval: string;
  convergeTimeoutMs: number;
}

export interface PullEnvironment {
  /** Compiled kubefed-ts (bench/tmp/dist): main.js and agent/main.js. */
  dist: string;
  binDir: string;
  workDir: string;
  group: ProcessGroup;
  log: (m: string) => void;
  /** Where the controller-manager writes its CPU profile (node --cpu-prof), a folder per mode; none when undefined. */
  profDir?: string | undefined;
}

interface AgentProcess {
  cluster: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts `agent/main.js` for a member with the host kubeconfig join wrote, as the pull-mode tests start it
 * (test/harness/processes.ts startAgentProcess); resolves once it carries out the host's work.
 */
async function startAgent(env: PullEnvironment, fed: BenchFederation, cluster: string, heartbeatInterval: string): Promise<AgentProcess> {
  const name = `agent-${cluster}-${Date.now().toString(36)}`;
  const logFile = path.join(env.workDir, `${name}.log`);
  writeFileSync(logFile, '');
  const child = env.group.start(name, process.execPath, [
    path.join(env.dist, 'agent', 'main.js'),
    '--cluster-name', cluster,
    '--kubeconfig', fed.cp.clusters.get(cluster)!.kubeconfigPath,
    '--host-kubeconfig', fed.agentKubeconfigs.get(cluster)!,
    '--kubefed-namespace', KUBEFED_NS,
    '--health-addr', '127.0.0.1:0',
    '--metrics-addr', '127.0.0.1:0',
    '--heartbeat-interval', heartbeatInterval,
  ], logFile, { ...process.env, KUBEFED_LOG_LEVEL: 'info' });
  const stop = (): Promise<void> => env.group.stop(name, 30_000);
  try {
    await waitFor(`the agent of ${cluster} carrying out work`, () => {
      if (child.proc.exitCode !== null || child.proc.signalCode !== null) throw new Error(`the agent of ${cluster} exited; see ${logFile}`);
      return readFileSync(logFile, 'utf8').includes('carrying out the host\'s work');
    }, 60_000, 100);
  } catch (err) {
    await stop();
    throw err;
  }
  return { cluster, pid: child.proc.pid, stop };
}

/** One mode on a federation of its own. */
export async function runPullModeOnce(env: PullEnvironment, mode: SyncMode, p: PullParameters): Promise<PullModeRun> {
  const log = (m: string): void => env.log(`${mode}: ${m}`);
  const started = performance.now();
  // Kube-controller-managers in both modes, so that the two differ only in how members are joined and served.
  const fed = await BenchFederation.start({ members: p.members, binDir: env.binDir, kinds: ['configmap'], enabled: false, log, syncMode: mode, controllerManagers: true });
  let controller: ControllerProcess | undefined;
  const agents: AgentProcess[] = [];
  const informers: Informer[] = [];
  try {
    const kubeconfig = path.join(fed.cp.dir, 'controller.kubeconfig');
    writeFileSync(kubeconfig, (await fed.controllerKubeConfig()).exportConfig(), { mode: 0o600 });
    const profDir = env.profDir ? path.join(env.profDir, mode) : undefined;
    let profile: PullModeRun['profile'];
    if (profDir) mkdirSync(profDir, { recursive: true });
    controller = await startController(profDir ? { ...env, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] } : env, 'kubefed-ts', kubeconfig);
    const current = controller;
    if (mode === 'pull') {
      for (const member of fed.memberNames) agents.push(await startAgent(env, fed, member, p.heartbeatInterval));
    }
    await waitForClustersReady(fed, 120_000);
    const namespace = 'bench';
    await fed.federateNamespace(namespace);
    const meter = cpuMeter(fed, () => current.pid, () => agents.map((a) => ({ name: `agent-${a.cluster}`, pid: a.pid })));
    // The measured span on the clock of CPU profiles, to tell the profile's samples in it from the rest.
    const window = { fromUs: 0, toUs: 0 };
    const cpu = {
      start: (): void => {
        meter.start();
        window.fromUs = monotonicMicros();
      },
      stop: (): Record<string, number> => {
        window.toUs = monotonicMicros();
        return meter.stop();
      },
    };
    const reconcilesBefore = metricSum(await current.metrics(), 'controller_runtime_reconcile_total', { controller: 'federatedconfigmap' });
    const converged = await timeConvergence(fed, 'configmap', p.objects, namespace, cpu, informers, p.convergeTimeoutMs);
    // Counted after the span: a reconcile or two may end after it, which is noise at this size.
    const reconciles = metricSum(await current.metrics(), 'controller_runtime_reconcile_total', { controller: 'federatedconfigmap' }) - reconcilesBefore;
    const agentCpu = agents.map((a) => converged.cpu[`agent-${a.cluster}`]).join(' + ');
    log(`converged in ${converged.convergeSeconds} s${converged.timedOut ? ' (TIMED OUT)' : ''}; controller CPU ${converged.cpu.controller} s${agents.length ? `, agents ${agentCpu} s` : ''}; ${reconciles} reconciles`);
    if (profDir) {
      // The profile is written when the process exits.
      await controller.stop();
      controller = undefined;
      profile = summarizeProfile(profDir, window, env.dist, log);
    }
    return {
      mode,
      objects: p.objects,
      members: p.members,
      convergeSeconds: converged.convergeSeconds,
      timedOut: converged.timedOut,
      propagated: converged.propagated,
      memberObjects: converged.memberObjects,
      progress: converged.progress,
      cpu: converged.cpu,
      requests: converged.requests,
      reconciles,
      ...(profile ? { profile } : {}),
      wallSeconds: round((performance.now() - started) / 1000, 1),
    };
  } finally {
    for (const i of informers) await i.stop();
    for (const a of agents) await a.stop();
    await controller?.stop();
    await fed.stop();
  }
}

/** Monotonic microseconds, on the clock V8's CPU profiles use (CLOCK_MONOTONIC on Linux). */
function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Writes `window.json` (the measured span) and `summary.json` (the profile's samples in it) beside the profile;
 * returns the span's samples grouped by what they serve.
 */
function summarizeProfile(dir: string, window: { fromUs: number; toUs: number }, dist: string, log: (m: string) => void): PullModeRun['profile'] {
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (1 is the loader hooks' worker).
  const file = readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f)).sort().pop();
  if (!file) {
    log(`no CPU profile in ${dir}`);
    return undefined;
  }
  const profile = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as CpuProfile;
  writeFileSync(path.join(dir, 'window.json'), `${JSON.stringify({ profile: file, ...window }, null, 2)}\n`);
  const inWindow = sliceProfile(profile, window.fromUs, window.toUs, 40);
  writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify(inWindow, null, 2)}\n`);
  log(`CPU profile ${path.join(dir, file)}: ${inWindow.busyMs} ms busy in the measured span; summary.json beside it`);
  return profileShares(profile, window.fromUs, window.toUs, readFileSync(path.join(dist, 'kube', 'rest-client.js'), 'utf8'));
}

/** Push, then pull, each on fresh API servers; a failed mode is recorded and the other still runs. */
export async function runPullMode(env: PullEnvironment, p: PullParameters): Promise<{ result: PullResult; failures: string[] }> {
  const runs: PullModeRun[] = [];
  const failures: string[] = [];
  for (const mode of SYNC_MODES) {
    try {
      runs.push(await runPullModeOnce(env, mode, p));
    } catch (err) {
      failures.push(`pull benchmark, ${mode} mode: ${(err as Error).stack ?? String(err)}`);
      env.log(`${mode} FAILED: ${(err as Error).message}`);
    }
  }
  return { result: { runs }, failures };
}

// Memory and cold start of the controller-manager process (`node dist/main.js`, leader election on, as
// deployed): its resident memory (VmRSS) idle, then with 1k and 10k converged FederatedConfigMaps placed on
// every member; then a restart with all of them in place, timed from spawn to ready and to converged
// (every object reconciled, queue empty), with the writes the restart made (target: none).
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KUBEFED_NS } from '../harness/federation.js';
import type { Informer } from '../../src/kube/informer.js';
import type { KubeObject } from '../../src/kube/types.js';
import { CONTROLLER_MANAGER_NODE_FLAGS } from '../../src/manager/node-flags.js';
import { FederatedTypeConfigType } from '../../src/typeconfig/controller.js';
import { PROPAGATION_CONDITION_TYPE } from '../../src/api/index.js';
import { clientWrites, metricSum, startChildManager, type ChildManager } from './child-manager.js';
import { BenchFederation } from './federation.js';
import { forEachConcurrently, round, sleep, waitFor } from './lib.js';
import { fedObject, fedTypeOf } from './objects.js';

export interface MemoryParameters {
  namespace: string;
  /** Cumulative object counts at which memory is read, e.g. [1000, 10000]. */
  sizes: number[];
  settleMs: number;
  /** How much longer after `settleMs` the steady figures are read: long enough for the heap compaction (src/manager/heap-compaction.ts: looked at every 10 s, at most every 30 s) to have run once after the burst. */
  steadyMs: number;
  convergeTimeoutMs: number;
}

export interface MemoryPoint {
  federatedObjects: number;
  memberObjects: number;
  rssMiB: number;
  peakRssMiB: number;
  heapUsedMiB: number;
  /** V8's heap committed (all spaces), its young generation (new space) committed, and memory outside the heap (Buffers). */
  heapTotalMiB?: number;
  newSpaceMiB?: number;
  externalMiB?: number;
  /** Heap used after the full GC a heap snapshot makes (only with snapshots on, at the last point): what is live. */
  liveHeapMiB?: number;
  /** The same figures after the process has been idle longer (see `steady`). */
  steady?: { afterSeconds: number; rssMiB: number; heapUsedMiB: number; heapTotalMiB: number };
  /** Time for the running process to propagate this step's new objects (created meanwhile). */
  convergeSeconds?: number;
  /** CPU seconds (user + system) the process spent on this step, from /proc/<pid>/stat. */
  cpuSeconds?: number;
  /** One-minute load average when the point was taken. */
  load: number;
}

export interface ColdStart {
  federatedObjects: number;
  memberObjects: number;
  /** From spawn to serving /healthz, to /readyz OK, and to every object reconciled with an empty queue. */
  servingSeconds: number;
  readySeconds: number;
  convergedSeconds: number;
  /** Successful reconciles of the FederatedConfigMap controller by then. */
  reconciles: number;
  rssMiB: number;
  peakRssMiB: number;
  /** Writes the API servers received during the restart (apiserver_request_total; leases excluded). */
  serverWrites: Record<string, Record<string, number>>;
  serverWritesTotal: number;
  /** Writes the process made itself, by cluster and verb (its kubefed_member_requests_total): includes leader election. */
  clientWrites: Record<string, number>;
  load: number;
}

export interface MemoryResult {
  members: number;
  idle: MemoryPoint;
  points: MemoryPoint[];
  coldStart: ColdStart;
  /** RSS growth per 1,000 federated objects between the first and last point. */
  rssMiBPer1kObjects: number;
  /** The same per 1,000 member objects (federated objects × members). */
  rssMiBPer1kMemberObjects?: number;
}

const MiB = 2 ** 20;

function propagated(obj: KubeObject): boolean {
  const conditions = (obj.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === PROPAGATION_CONDITION_TYPE && c.status === 'True');
}

async function point(child: ChildManager, objects: number, members: number): Promise<MemoryPoint> {
  const mem = child.memory();
  const text = await child.metrics();
  return {
    federatedObjects: objects,
    memberObjects: objects * members,
    rssMiB: mem?.rss ?? Number.NaN,
    peakRssMiB: mem?.peak ?? Number.NaN,
    heapUsedMiB: round(metricSum(text, 'nodejs_heap_size_used_bytes') / MiB, 1),
    heapTotalMiB: round(metricSum(text, 'nodejs_heap_size_total_bytes') / MiB, 1),
    newSpaceMiB: round(metricSum(text, 'nodejs_heap_space_size_total_bytes', { space: 'new' }) / MiB, 1),
    externalMiB: round(metricSum(text, 'nodejs_external_memory_bytes') / MiB, 1),
    load: round(os.loadavg()[0]!, 2),
  };
}

/**
 * The same figures once the process has been idle a while: V8's memory reducer starts 8 s after activity ends
 * (full GCs that compact and hand free pages back), so this is what an idle federation of that size keeps.
 */
async function steady(child: ChildManager, pt: MemoryPoint, members: number, waitMs: number): Promise<MemoryPoint['steady']> {
  await sleep(waitMs);
  const later = await point(child, pt.federatedObjects, members);
  return { afterSeconds: round(waitMs / 1000, 0), rssMiB: later.rssMiB, heapUsedMiB: later.heapUsedMiB, heapTotalMiB: later.heapTotalMiB ?? Number.NaN };
}

/** User + system CPU seconds of a process so far (clock ticks of /proc/<pid>/stat; 100 per second on Linux). */
function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** SIGUSR2 makes the child (started with --heapsnapshot-signal) write a snapshot; waits until it is complete. */
async function takeHeapSnapshot(child: ChildManager, dir: string): Promise<void> {
  const before = new Set(readdirSync(dir));
  process.kill(child.pid, 'SIGUSR2');
  let file: string | undefined;
  let lastSize = -1;
  await waitFor('heap snapshot written', () => {
    file ??= readdirSync(dir).find((f) => !before.has(f) && f.endsWith('.heapsnapshot'));
    if (!file) return false;
    const size = statSync(path.join(dir, file)).size;
    const done = size > 0 && size === lastSize;
    lastSize = size;
    return done;
  }, 600_000, 2000);
}

/** Runs on a federation without an in-process manager; starts and stops its own child processes. */
export async function runMemory(
  fed: BenchFederation,
  distDir: string,
  p: MemoryParameters,
  log: (m: string) => void,
  /** Where the child processes write CPU profiles (node --cpu-prof); none when undefined. */
  profDir?: string,
  /** Where the child processes write a heap snapshot at every point (not the cold start); none when undefined. */
  snapshotDir?: string,
): Promise<MemoryResult> {
  // The flags the product runs with (image, bin), then the measurement's own.
  const nodeArgs = [...CONTROLLER_MANAGER_NODE_FLAGS, ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])];
  if (snapshotDir) {
    mkdirSync(snapshotDir, { recursive: true });
    nodeArgs.push('--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`);
  }
  const type = fedTypeOf('configmap');
  const members = fed.memberNames.length;
  const hostKubeconfig = fed.cp.clusters.get('host')!.kubeconfigPath;
  let child: ChildManager | undefined;
  let hostCache: Informer | undefined;
  try {
    child = await startChildManager(distDir, hostKubeconfig, { nodeArgs });
    const c0 = child;
    await waitFor('controller-manager ready', () => c0.ready(), 120_000, 100);
    await waitFor('FederatedConfigMap sync controller running', async () => {
      const ftc = await fed.host.get<KubeObject>(FederatedTypeConfigType, type.ftc, KUBEFED_NS);
      return (ftc.status as { propagationController?: string } | undefined)?.propagationController === 'Running';
    }, 120_000, 200);
    await fed.federateNamespace(p.namespace);
    await sleep(p.settleMs);
    const idle = await point(child, 0, members);
    idle.steady = await steady(child, idle, members, p.steadyMs);
    log(`memory: idle RSS ${idle.rssMiB} MiB, heap ${idle.heapUsedMiB} of ${idle.heapTotalMiB}; ${idle.steady!.afterSeconds} s later RSS ${idle.steady!.rssMiB} MiB`);

    hostCache = await fed.watch(fed.host, type.federated, p.namespace);
    const host = hostCache;
    const points: MemoryPoint[] = [];
    let created = 0;
    for (const size of p.sizes) {
      const batch = Array.from({ length: size - created }, (_, i) => fedObject('configmap', p.namespace, created + i, fed.memberNames));
      const start = performance.now();
      const cpuBefore = processCpuSeconds(child.pid);
      await forEachConcurrently(batch, 32, async (obj) => {
        await fed.host.create(type.federated, obj, 'kubefed-ts-bench');
      });
      created = size;
      await waitFor(`${size} objects propagated`, () => host.list().filter(propagated).length >= size, p.convergeTimeoutMs, 200);
      const convergeSeconds = (performance.now() - start) / 1000;
      const cpuSeconds = round(processCpuSeconds(child.pid) - cpuBefore, 1);
      await sleep(p.settleMs);
      const pt: MemoryPoint = { ...(await point(child, size, members)), convergeSeconds: round(convergeSeconds, 1), cpuSeconds };
      pt.steady = await steady(child, pt, members, p.steadyMs);
      if (snapshotDir && size === p.sizes[p.sizes.length - 1]) {
        // After every reading: writing a snapshot costs memory of its own. It starts with a full GC, so the heap
        // used just after it is what is live.
        await takeHeapSnapshot(child, snapshotDir);
        pt.liveHeapMiB = round(metricSum(await child.metrics(), 'nodejs_heap_size_used_bytes') / MiB, 1);
      }
      points.push(pt);
      log(`memory: ${size} federated objects × ${members} members: created and propagated in ${convergeSeconds.toFixed(1)} s (${cpuSeconds} s CPU), RSS ${pt.rssMiB} MiB (peak ${pt.peakRssMiB}), heap ${pt.heapUsedMiB} MiB of ${pt.heapTotalMiB} (new space ${pt.newSpaceMiB}, external ${pt.externalMiB}${pt.liveHeapMiB !== undefined ? `, live ${pt.liveHeapMiB}` : ''}); ${pt.steady!.afterSeconds} s later RSS ${pt.steady!.rssMiB} MiB, heap ${pt.steady!.heapUsedMiB} of ${pt.steady!.heapTotalMiB}`);
    }
    await hostCache.stop();
    hostCache = undefined;

    // Cold start with everything in place.
    await child.stop();
    child = undefined;
    const before = await fed.writeCounts();
    const restarted = await startChildManager(distDir, hostKubeconfig, { nodeArgs });
    child = restarted;
    let readyAt = Number.NaN;
    let reconciles = 0;
    const total = created;
    await waitFor('restarted controller-manager converged', async () => {
      if (Number.isNaN(readyAt) && (await restarted.ready())) readyAt = performance.now();
      if (Number.isNaN(readyAt)) return false;
      const text = await restarted.metrics();
      reconciles = metricSum(text, 'controller_runtime_reconcile_total', { controller: type.metricsName, result: 'success' });
      const depth = metricSum(text, 'workqueue_depth', { name: type.metricsName });
      return reconciles >= total && depth === 0;
    }, p.convergeTimeoutMs, 100);
    const convergedAt = performance.now();
    const mem = restarted.memory();
    await sleep(p.settleMs);
    const serverWrites = BenchFederation.writesBetween(before, await fed.writeCounts());
    const coldStart: ColdStart = {
      federatedObjects: total,
      memberObjects: total * members,
      servingSeconds: round((restarted.servingAt - restarted.spawnedAt) / 1000, 2),
      readySeconds: round((readyAt - restarted.spawnedAt) / 1000, 2),
      convergedSeconds: round((convergedAt - restarted.spawnedAt) / 1000, 2),
      reconciles,
      rssMiB: mem?.rss ?? Number.NaN,
      peakRssMiB: mem?.peak ?? Number.NaN,
      serverWrites,
      serverWritesTotal: Object.values(serverWrites).flatMap((w) => Object.values(w)).reduce((a, b) => a + b, 0),
      clientWrites: clientWrites(await restarted.metrics()),
      load: round(os.loadavg()[0]!, 2),
    };
    log(`memory: cold start with ${total} objects: ready ${coldStart.readySeconds} s, converged ${coldStart.convergedSeconds} s, ${coldStart.serverWritesTotal} federation writes, RSS ${coldStart.rssMiB} MiB`);
    const first = points[0]!;
    const last = points[points.length - 1]!;
    const rssMiBPer1kMemberObjects = round(((last.rssMiB - first.rssMiB) / (last.memberObjects - first.memberObjects)) * 1000, 1);
    log(`memory: RSS grows by ${rssMiBPer1kMemberObjects} MiB per 1,000 member objects`);
    return {
      members,
      idle,
      points,
      coldStart,
      rssMiBPer1kObjects: round(((last.rssMiB - first.rssMiB) / (last.federatedObjects - first.federatedObjects)) * 1000, 1),
      rssMiBPer1kMemberObjects,
    };
  } finally {
    await hostCache?.stop();
    await child?.stop();
  }
}


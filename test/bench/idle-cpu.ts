// Idle CPU of the controller-manager process (issue #13, item 3): `node dist/main.js` with leader election on
// and the KubeFedConfig defaults, a few hundred converged FederatedConfigMaps on every member, then a quiet
// window. It reports the CPU the process and each API server spent in the window, every request each API
// server served in it (apiserver_request_total, by resource and verb, reads included), and, with --cpu-prof,
// where the process spent its CPU in the window (self time by function and by the part of kubefed-ts on
// the stack).
//
// Usage: npx tsx test/bench/idle-cpu.ts [--objects 300] [--members 2] [--idle-seconds 120] [--cpu-prof]
//                                       [--extra-args '--flag value ...'] [--node-args '--trace-gc']
//                                       [--output-file FILE]
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROPAGATION_CONDITION_TYPE } from '../../src/api/index.js';
import type { RestClient } from '../../src/kube/rest-client.js';
import type { KubeObject } from '../../src/kube/types.js';
import { FederatedTypeConfigType } from '../../src/typeconfig/controller.js';
import { resolveBinDir } from '../harness/binaries.js';
import { KUBEFED_NS } from '../harness/federation.js';
import { BENCH_TMP, buildDist, startChildManager, type ChildManager } from './child-manager.js';
import { BenchFederation } from './federation.js';
import { forEachConcurrently, logger, processCpuSeconds, round, sleep, waitFor } from './lib.js';
import { fedObject, fedTypeOf } from './objects.js';

export interface IdleCpuParameters {
  objects: number;
  idleSeconds: number;
  /** Extra controller-manager flags. */
  extraArgs: string[];
  /** Where node --cpu-prof writes; no profile when undefined. */
  profDir: string | undefined;
  /** Extra node flags (e.g. --trace-gc). */
  nodeArgs?: string[];
  /** Where the controller-manager's output goes when it stops. */
  outputFile?: string | undefined;
}

export interface IdleCpuResult {
  federatedObjects: number;
  members: number;
  idleSeconds: number;
  /** CPU seconds in the window, per process. */
  cpuSeconds: Record<string, number>;
  /** Requests per API server in the window, by `resource[/subresource] VERB` (reads included). */
  requests: Record<string, Record<string, number>>;
  rssMiB: number | undefined;
  profile?: ProfileSlice;
}

/** Every request an API server has served so far, by `resource[/subresource] VERB` (non-resource: the path). */
export async function requestCounts(client: RestClient): Promise<Record<string, number>> {
  const text = await client.request<string>('GET', '/metrics', { raw: true });
  const counts: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const what = labels.resource ? `${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}` : `(${labels.path ?? 'other'})`;
    const key = `${what} ${labels.verb}`;
    counts[key] = (counts[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return counts;
}

function grown(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v > (before[k] ?? 0)) out[k] = v - (before[k] ?? 0);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function propagated(obj: KubeObject): boolean {
  const conditions = (obj.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === PROPAGATION_CONDITION_TYPE && c.status === 'True');
}

/** Monotonic microseconds, on the clock V8's CPU profiles use (CLOCK_MONOTONIC on Linux). */
function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export async function runIdleCpu(fed: BenchFederation, distDir: string, p: IdleCpuParameters, log: (m: string) => void): Promise<IdleCpuResult> {
  const type = fedTypeOf('configmap');
  const hostKubeconfig = fed.cp.clusters.get('host')!.kubeconfigPath;
  const nodeArgs = [...(p.profDir ? ['--cpu-prof', `--cpu-prof-dir=${p.profDir}`] : []), ...(p.nodeArgs ?? [])];
  let child: ChildManager | undefined;
  try {
    child = await startChildManager(distDir, hostKubeconfig, { nodeArgs, extraArgs: p.extraArgs });
    const c = child;
    await waitFor('controller-manager ready', () => c.ready(), 120_000, 100);
    await waitFor('FederatedConfigMap sync controller running', async () => {
      const ftc = await fed.host.get<KubeObject>(FederatedTypeConfigType, type.ftc, KUBEFED_NS);
      return (ftc.status as { propagationController?: string } | undefined)?.propagationController === 'Running';
    }, 120_000, 200);
    const namespace = 'idle';
    await fed.federateNamespace(namespace);
    const objects = Array.from({ length: p.objects }, (_, i) => fedObject('configmap', namespace, i, fed.memberNames));
    await forEachConcurrently(objects, 16, async (obj) => {
      await fed.host.create(type.federated, obj, 'kubefed-ts-bench');
    });
    await waitFor(`${p.objects} objects propagated`, async () => {
      const list = await fed.host.list<KubeObject>(type.federated, { namespace });
      return list.items.filter(propagated).length >= p.objects;
    }, 600_000, 1000);
    log(`idle-cpu: ${p.objects} objects propagated; settling`);
    await sleep(10_000);

    const servers = [['host', fed.host] as const, ...[...fed.members].map(([n, cl]) => [n, cl] as const)];
    const processes = () => [
      { name: 'controller-manager', pid: c.pid },
      ...fed.cp.managedProcesses().map((m) => ({ name: m.name, pid: m.pid })),
    ];
    const cpuBefore = new Map(processes().map((x) => [x.name, processCpuSeconds(x.pid) ?? 0]));
    const requestsBefore = new Map(await Promise.all(servers.map(async ([n, cl]) => [n, await requestCounts(cl)] as const)));
    const windowStart = monotonicMicros();
    log(`idle-cpu: idle for ${p.idleSeconds} s`);
    await sleep(p.idleSeconds * 1000);
    const windowEnd = monotonicMicros();
    const cpuSeconds: Record<string, number> = {};
    for (const x of processes()) cpuSeconds[x.name] = round((processCpuSeconds(x.pid) ?? 0) - (cpuBefore.get(x.name) ?? 0), 2);
    const requests: Record<string, Record<string, number>> = {};
    for (const [n, cl] of servers) requests[n] = grown(requestsBefore.get(n)!, await requestCounts(cl));
    const rssMiB = child.memory()?.rss;
    await child.stop();
    if (p.outputFile) writeFileSync(p.outputFile, child.output());
    child = undefined;
    const result: IdleCpuResult = { federatedObjects: p.objects, members: fed.memberNames.length, idleSeconds: p.idleSeconds, cpuSeconds, requests, rssMiB };
    if (p.profDir) {
      const file = newestProfile(p.profDir);
      if (file) result.profile = sliceProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, windowStart, windowEnd);
    }
    return result;
  } finally {
    await child?.stop();
  }
}

function newestProfile(dir: string): string | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  return files.length > 0 ? path.join(dir, files[files.length - 1]!) : undefined;
}

// --- CPU profiles (the .cpuprofile format of node --cpu-prof) ---

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSlice {
  /** Milliseconds of samples in the window that were not idle. */
  busyMs: number;
  /** Self time by function (`name file:line`), top entries. */
  selfMs: Array<[string, number]>;
  /** Time by the innermost kubefed-ts module on the stack (or what runs without one: GC, timers, I/O). */
  byModuleMs: Array<[string, number]>;
  /** Time by the outermost kubefed-ts frame on the stack: what started the work. */
  byEntryMs: Array<[string, number]>;
}

const SRC = /\/(?:src|dist)\/(.+?)\.(?:ts|js)$/;

function shortUrl(url: string): string {
  const m = SRC.exec(url);
  if (m) return m[1]!;
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length).split('/').slice(0, 2).join('/');
  return url.replace(/^node:/, '') || '(native)';
}

/** Sums the profile's samples taken between two monotonic times (µs) by function, module and entry point. */
export function sliceProfile(profile: CpuProfile, fromUs: number, toUs: number, top = 25): ProfileSlice {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const module = new Map<string, number>();
  const entry = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, us: number): void => {
    m.set(k, (m.get(k) ?? 0) + us);
  };
  let t = profile.startTime;
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    // A sample's time is the interval until the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (t < fromUs || t > toUs) continue;
    const node = byId.get(profile.samples[i]!)!;
    const fn = node.callFrame.functionName;
    if (fn === '(idle)') continue;
    busy += us;
    add(self, `${fn || '(anonymous)'} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`, us);
    let innermost: string | undefined;
    let outermost: string | undefined;
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const url = byId.get(id)!.callFrame.url;
      if (!SRC.test(url)) continue;
      innermost ??= shortUrl(url);
      outermost = `${byId.get(id)!.callFrame.functionName || '(anonymous)'} ${shortUrl(url)}`;
    }
    add(module, innermost ?? (fn.startsWith('(') ? fn : `(outside kubefed-ts: ${shortUrl(node.callFrame.url)})`), us);
    add(entry, outermost ?? (fn.startsWith('(') ? fn : `(outside kubefed-ts: ${shortUrl(node.callFrame.url)})`), us);
  }
  const ms = (m: Map<string, number>): Array<[string, number]> =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, round(v / 1000, 1)]);
  return { busyMs: round(busy / 1000, 1), selfMs: ms(self), byModuleMs: ms(module), byEntryMs: ms(entry) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      objects: { type: 'string', default: '300' },
      members: { type: 'string', default: '2' },
      'idle-seconds': { type: 'string', default: '120' },
      'cpu-prof': { type: 'boolean', default: false },
      'extra-args': { type: 'string', default: '' },
      'node-args': { type: 'string', default: '' },
      'output-file': { type: 'string' },
    },
    strict: true,
  });
  const log = logger('idle-cpu');
  const binDir = resolveBinDir(['etcd', 'kube-apiserver', 'kubectl']);
  const dist = await buildDist(log);
  const profDir = values['cpu-prof'] ? path.join(BENCH_TMP, 'prof-idle', String(Date.now())) : undefined;
  const fed = await BenchFederation.start({ members: Number(values.members), binDir, kinds: ['configmap'], enabled: true, log });
  try {
    const result = await runIdleCpu(fed, dist, {
      objects: Number(values.objects),
      idleSeconds: Number(values['idle-seconds']),
      extraArgs: values['extra-args'] ? values['extra-args'].split(' ').filter(Boolean) : [],
      profDir,
      nodeArgs: values['node-args'] ? values['node-args'].split(' ').filter(Boolean) : [],
      outputFile: values['output-file'],
    }, log);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await fed.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}

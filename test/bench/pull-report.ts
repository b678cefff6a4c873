// Pure helpers of the pull-mode benchmark (issue #15): the figures of a push and a pull run of the same
// scenario, the ratios pull / push against the issue's targets, and the Markdown for BENCHMARKS.md.
import {
  byVerb,
  formatNumber,
  formatRatio,
  formatVerbs,
  ratio,
  renderTable,
  sumClusters,
  writesOf,
  type Row,
} from './vs-kubefed-report.js';
import { PROFILE_GROUPS, type ProfileShares } from './pull-profile.js';
import type { ConvergenceFigures } from './vs-kubefed.js';

export const SYNC_MODES = ['push', 'pull'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

/**
 * One measured run: a fresh federation whose members all joined in `mode`. Its CPU seconds are per process:
 * `controller`, `agent-<member>` (pull), `etcd`, `kube-apiserver-<cluster>`, `bench`.
 */
export interface PullModeRun extends ConvergenceFigures {
  mode: SyncMode;
  objects: number;
  members: number;
  /** The whole run, federation start to stop. */
  wallSeconds?: number;
  /** The FederatedConfigMap sync controller's reconciles over the measured span (older results lack it). */
  reconciles?: number;
  /** With --cpu-prof: the controller's busy samples in the span, grouped by what they serve (shares 0..1). */
  profile?: { busySamples: number; shares: ProfileShares };
}

export interface PullResult {
  runs: PullModeRun[];
}

/** What the report and the targets are made of, for one run. */
export interface PullFigures {
  convergeSeconds: number;
  hostRequestsPerObject: number;
  hostRequestsPerObjectByVerb: Record<string, number>;
  hostWritesPerObject: number;
  hostApiserverCpuSeconds: number;
  controllerCpuMsPerObject: number;
  /** Every agent together (0 in push mode). */
  agentsCpuSeconds: number;
  memberApiserversCpuSeconds: number;
  etcdCpuSeconds: number;
  /** Controller, agents, every API server, etcd and the kube-controller-managers (not the benchmark's own process). */
  allCpuSeconds: number;
}

const isHost = (cluster: string): boolean => cluster === 'host';
const isMember = (cluster: string): boolean => cluster.startsWith('member');

function cpuSum(cpu: Record<string, number>, which: (name: string) => boolean): number {
  return Object.entries(cpu).reduce((a, [name, s]) => (which(name) ? a + s : a), 0);
}

export function pullFigures(run: PullModeRun): PullFigures {
  const n = run.objects;
  const host = sumClusters(run.requests, isHost);
  const verbs = byVerb(host);
  const total = Object.values(verbs).reduce((a, b) => a + b, 0);
  return {
    convergeSeconds: run.timedOut ? Number.NaN : run.convergeSeconds,
    hostRequestsPerObject: total / n,
    hostRequestsPerObjectByVerb: Object.fromEntries(Object.entries(verbs).map(([verb, count]) => [verb, count / n])),
    hostWritesPerObject: writesOf(host) / n,
    hostApiserverCpuSeconds: run.cpu['kube-apiserver-host'] ?? Number.NaN,
    controllerCpuMsPerObject: ((run.cpu.controller ?? Number.NaN) * 1000) / n,
    agentsCpuSeconds: cpuSum(run.cpu, (name) => name.startsWith('agent-')),
    memberApiserversCpuSeconds: cpuSum(run.cpu, (name) => name.startsWith('kube-apiserver-member')),
    etcdCpuSeconds: run.cpu.etcd ?? 0,
    allCpuSeconds: cpuSum(run.cpu, (name) => name !== 'bench'),
  };
}

export interface PullTarget {
  /** What is compared, as the issue says it. */
  figure: string;
  /** pull / push, or for the request target pull − push. */
  value: number;
  /** Both figures, shown. */
  measured: string;
  /** `value`, shown. */
  comparison: string;
  target: string;
  met: boolean;
}

/** Float noise allowed at a target's edge (2.2 − 2 is 0.2000000000000002). */
const EDGE = 1e-9;

/** The issue's three targets, pull against push measured in the same benchmark run. */
export function pullTargets(push: PullFigures, pull: PullFigures): PullTarget[] {
  const cpu = ratio(pull.controllerCpuMsPerObject, push.controllerCpuMsPerObject);
  const extra = pull.hostRequestsPerObject - push.hostRequestsPerObject;
  const converge = ratio(pull.convergeSeconds, push.convergeSeconds);
  const check = (figure: string, value: number, measured: string, comparison: string, target: string, bound: number): PullTarget => ({
    figure, value, measured, comparison, target, met: Number.isFinite(value) && value <= bound + EDGE,
  });
  return [
    check('controller-manager CPU per federated object', cpu,
      `${formatNumber(pull.controllerCpuMsPerObject, 2)} ms pull, ${formatNumber(push.controllerCpuMsPerObject, 2)} ms push`, formatRatio(cpu), '≤ 0.5× push', 0.5),
    check('host API requests per federated object', extra,
      `${formatNumber(pull.hostRequestsPerObject, 2)} pull, ${formatNumber(push.hostRequestsPerObject, 2)} push`,
      Number.isFinite(extra) ? `${extra >= 0 ? '+' : '−'}${formatNumber(Math.abs(extra), 2)}` : '–', '≤ push + 0.2', 0.2),
    check('time to converge', converge,
      `${formatNumber(pull.convergeSeconds, 2)} s pull, ${formatNumber(push.convergeSeconds, 2)} s push`, formatRatio(converge), '≤ 1.2× push', 1.2),
  ];
}

/** The push and the pull run of a result (the last of each, should a file hold more). */
export function pushAndPull(result: PullResult): { push?: PullModeRun; pull?: PullModeRun } {
  const last = (mode: SyncMode): PullModeRun | undefined => result.runs.filter((r) => r.mode === mode).pop();
  return { push: last('push'), pull: last('pull') };
}

/** The targets as a result file records them (`targets` beside `results`); none without both runs. */
export function resultTargets(result: PullResult): Record<string, { target: string; met: boolean }> {
  const { push, pull } = pushAndPull(result);
  if (!push || !pull) return {};
  return Object.fromEntries(pullTargets(pullFigures(push), pullFigures(pull)).map((t) => [t.figure, { target: t.target, met: t.met }]));
}

/** Figure rows for the push / pull table (the ratio column is pull / push). */
export function pullRows(push: PullModeRun, pull: PullModeRun): Row[] {
  const f = [pullFigures(push), pullFigures(pull)];
  const n = push.objects;
  const num = (figure: string, pick: (x: PullFigures, i: number) => number, digits = 2): Row => {
    const values = f.map((x, i) => pick(x, i));
    return { figure, values, shown: values.map((v) => formatNumber(v, digits)) };
  };
  const text = (figure: string, shown: string[]): Row => ({ figure, values: shown.map(() => Number.NaN), shown, ratios: false });
  const memberRequests = [push, pull].map((r) => formatVerbs(byVerb(sumClusters(r.requests, isMember)), n));
  return [
    num('time to converge, s', (x) => x.convergeSeconds),
    num('host requests per object (every verb)', (x) => x.hostRequestsPerObject),
    text('host requests per object, by verb', f.map((x) => formatVerbs(x.hostRequestsPerObjectByVerb, 1))),
    // Which resources the requests went to: tells the bundles and reports from the federated objects.
    text('host requests per object, by resource and verb', [push, pull].map((r) => formatVerbs(sumClusters(r.requests, isHost), n, 3))),
    num('host writes per object', (x) => x.hostWritesPerObject),
    num('host kube-apiserver CPU, s', (x) => x.hostApiserverCpuSeconds),
    num('host kube-apiserver CPU ms per object', (x) => (x.hostApiserverCpuSeconds * 1000) / n),
    num('controller-manager CPU ms per object', (x) => x.controllerCpuMsPerObject),
    num('controller reconciles per object', (_x, i) => ([push, pull][i]!.reconciles ?? Number.NaN) / n),
    num('agents\' CPU, s (all agents)', (x) => x.agentsCpuSeconds),
    num('agents\' CPU ms per object (all agents)', (x) => (x.agentsCpuSeconds * 1000) / n),
    num('controller-manager + agents CPU ms per object', (x) => x.controllerCpuMsPerObject + (x.agentsCpuSeconds * 1000) / n),
    num(`member kube-apiservers CPU ms per object (${push.members} members)`, (x) => (x.memberApiserversCpuSeconds * 1000) / n),
    num('etcd CPU ms per object', (x) => (x.etcdCpuSeconds * 1000) / n),
    num('CPU ms per object: every process but the benchmark', (x) => (x.allCpuSeconds * 1000) / n),
    text('member requests per object (all members), by verb', memberRequests),
  ];
}

/**
 * When the controller's CPU target is missed, what bounds it, from the run's own figures: the host-side work per
 * object (its host writes) stays with the controller in both modes; only the member side moved to the agents.
 */
export function controllerCpuNote(push: PullModeRun, pull: PullModeRun): string {
  const [fPush, fPull] = [pullFigures(push), pullFigures(pull)];
  const [cpu] = pullTargets(fPush, fPull);
  if (!cpu || cpu.met || !Number.isFinite(cpu.value)) return '';
  const saved = fPush.controllerCpuMsPerObject - fPull.controllerCpuMsPerObject;
  const memberWrites = writesOf(sumClusters(push.requests, isMember)) / push.objects;
  return `**What bounds the controller's CPU.** Its host writes per object are ${formatNumber(fPush.hostWritesPerObject, 2)} in push mode and ` +
    `${formatNumber(fPull.hostWritesPerObject, 2)} in pull mode: the finalizer, the status and the Events stay with the central controller in both ` +
    `modes, and so do its reconciles, renders and host watches. What moved to the agents is the member side, ${formatNumber(memberWrites, 2)} member writes ` +
    `per object and the member watches: pull mode saved ${formatNumber(saved, 2)} ms of ${formatNumber(fPush.controllerCpuMsPerObject, 2)} ms per object ` +
    `(${formatNumber((saved / fPush.controllerCpuMsPerObject) * 100, 0)} %), net of publishing bundles and reading reports. ≤ 0.5× would need the member side ` +
    'to be at least half of the push controller\'s CPU.' + profileBreakdown(push, pull);
}

/**
 * With both runs profiled: the controller's CPU per object by what it served (each group's share of the busy
 * samples times the process's CPU), the reconciles per object, and what ≤ 0.5× would take of the pull side.
 */
export function profileBreakdown(push: PullModeRun, pull: PullModeRun): string {
  if (!push.profile || !pull.profile) return '';
  const [fPush, fPull] = [pullFigures(push), pullFigures(pull)];
  const ms = (run: PullModeRun, f: PullFigures, group: (typeof PROFILE_GROUPS)[number]): number => run.profile!.shares[group] * f.controllerCpuMsPerObject;
  const rows = PROFILE_GROUPS.map((g) => {
    const [a, b] = [ms(push, fPush, g), ms(pull, fPull, g)];
    return `| ${g} | ${formatNumber(a, 2)} | ${formatNumber(b, 2)} | ${formatNumber(b - a, 2)} |`;
  });
  const table = [
    '| controller-manager CPU ms per object, by what it served | push | pull | pull − push |',
    '|---|---|---|---|',
    ...rows,
    `| **all** | **${formatNumber(fPush.controllerCpuMsPerObject, 2)}** | **${formatNumber(fPull.controllerCpuMsPerObject, 2)}** | ${formatNumber(fPull.controllerCpuMsPerObject - fPush.controllerCpuMsPerObject, 2)} |`,
  ].join('\n');
  const n = push.objects;
  const reconciles = (r: PullModeRun): string => (r.reconciles === undefined ? '–' : formatNumber(r.reconciles / r.objects, 2));
  const memberRequests = Object.values(byVerb(sumClusters(push.requests, isMember))).reduce((a, b) => a + b, 0) / n;
  const target = fPush.controllerCpuMsPerObject / 2;
  const requests = ms(pull, fPull, 'host and member requests (HTTP, TLS, JSON)');
  const host = requests + ms(pull, fPull, 'watch streams (read, JSON.parse, informers)');
  const perRequest = (run: PullModeRun, f: PullFigures): string => {
    const made = controllerRequests(run) / run.objects;
    return `${formatNumber(made, 2)} requests per object, ${formatNumber(ms(run, f, 'host and member requests (HTTP, TLS, JSON)') / made, 2)} ms each`;
  };
  return `\n\nBy the controller's CPU profiles (\`--cpu-prof\`; the busy samples of the measured span grouped by the innermost kubefed-ts frame, ` +
    `each group's share applied to the process's CPU time; ${push.profile.busySamples} and ${pull.profile.busySamples} samples):\n\n${table}\n\n` +
    `Reconciles of the sync controller per object: ${reconciles(push)} push, ${reconciles(pull)} pull. Requests per object: push ` +
    `${formatNumber(fPush.hostRequestsPerObject, 2)} to the host (every client) and ${formatNumber(memberRequests, 2)} to the members, pull ` +
    `${formatNumber(fPull.hostRequestsPerObject, 2)} to the host (the agents' reports and Leases included) and none to the members. ` +
    `≤ 0.5× is ${formatNumber(target, 2)} ms per object here; pull's requests alone take ${formatNumber(requests, 2)} ms, and with its watch streams ` +
    `${formatNumber(host, 2)} ms (${formatNumber((host / target) * 100, 0)} % of that budget). The controller's own writes and what its request group ` +
    `cost each: push ${perRequest(push, fPush)}; pull ${perRequest(pull, fPull)}.\n\n${PULL_CPU_HISTORY}`;
}

/**
 * What was measured and cut on the way (dated: later runs do not change it), and what would move the bound. Kept
 * beside the breakdown so that BENCHMARKS.md says it whenever the target is missed.
 */
export const PULL_CPU_HISTORY = [
  '*Fixed and per-object cost.* The first quick run (200 objects) measured 0.90×; 1,000 objects on the same code (2026-12-03 11:53, the',
  'source of commit 5a370b9, this benchmark\'s code, load average 9–11) measured push 7.46 and pull 5.24 ms per object, 0.70×, with',
  '3.02 and 3.09 reconciles per object: a 200-object run carries start-up costs (the pull links\' first lists and watches, the types',
  'Secret, the bundles\' first writes, new TLS connections to the host) that weigh five times as much per object.',
  '*Cut since* (wip/pullcpu): the watch event of our own finalizer or status write is no longer reconciled again (both modes: 3.02 → 2.05',
  'reconciles per object in push, 3.09 → 2.10 in pull, in this table); clusters without overrides of their own share one render and',
  'hash per reconcile; a report decodes the published bundle entry only when it reports a final removal (every report event did, with',
  'zod); a shard PATCH\'s answer is no longer parsed; shard placement and the desired hash use the one-shot sha256. Per object these are',
  'smaller than the run-to-run spread on this shared machine (the request group\'s cost per request moved from 1.1 to 1.4 ms between the',
  'two 1,000-object runs), so the ratio did not visibly move: 0.70× before, the table above after.',
  '*What bounds it.* Pull mode keeps, per object, the finalizer PATCH, the status PATCH and the Events of KubeFed\'s API, the fed object\'s',
  'watch events and about two reconciles; at this machine\'s cost per request the two writes alone take most of the 0.5× budget, and',
  'nothing the agents take over can lower them. ≤ 0.5× needs fewer host writes per object in pull mode, or requests that cost far',
  'less: the finalizer added at creation by the admission webhook (§1) takes one write away in both modes; a leaner host client (one',
  'multiplexed HTTP/2 connection instead of HTTP/1.1 over a pool of TLS connections, responses not parsed beyond what is read) lowers',
  'the cost of each; both help push, which makes twice the requests, at least as much, so neither alone reaches 0.5×. What is left in',
  'the pull group is mostly validating the agents\' report entries (zod, untrusted input) and serializing bundle entries.',
].join(' ');

/**
 * The controller's own writes: the fed objects and their status, Events and bundles on the host, and in push mode
 * its applies and deletions in the members (in pull mode the agents make those).
 */
export function controllerRequests(run: PullModeRun): number {
  let n = 0;
  for (const [cluster, counts] of Object.entries(run.requests)) {
    for (const [key, count] of Object.entries(counts)) {
      const own = isHost(cluster)
        ? /^(federated[a-z]+(\/status)? PATCH|events POST|secrets (PATCH|POST))$/.test(key)
        : run.mode === 'push' && isMember(cluster) && / (APPLY|DELETE)$/.test(key);
      if (own) n += count;
    }
  }
  return n;
}

/** The push / pull table and the targets table, as Markdown (no title). */
export function renderPull(result: PullResult): string {
  const { push, pull } = pushAndPull(result);
  if (!push || !pull) return `Incomplete result: ${[push ? '' : 'no push run', pull ? '' : 'no pull run'].filter(Boolean).join(', ')}.`;
  const targets = pullTargets(pullFigures(push), pullFigures(pull));
  const targetTable = [
    '| target (issue #15) | measured | pull against push | target | met |',
    '|---|---|---|---|---|',
    ...targets.map((t) => `| ${t.figure} | ${t.measured} | ${t.comparison} | ${t.target} | ${t.met ? 'yes' : '**no**'} |`),
  ].join('\n');
  const timedOut = [push, pull].filter((r) => r.timedOut).map((r) => `${r.mode} timed out (${r.propagated} propagated, member objects ${r.memberObjects.join(' / ')})`);
  const note = controllerCpuNote(push, pull);
  return `${renderTable(['push', 'pull'], pullRows(push, pull))}\n\n${targetTable}${timedOut.length ? `\n\n**${timedOut.join('; ')}.**` : ''}${note ? `\n\n${note}` : ''}`;
}

/** Rows for BENCHMARKS.md's summary table (figure, measured, ratio, target, met); `label` says the size. */
export function pullSummaryRows(result: PullResult, label: string): string[][] {
  const { push, pull } = pushAndPull(result);
  if (!push || !pull) return [];
  return pullTargets(pullFigures(push), pullFigures(pull)).map((t) => [
    `Pull mode${label}: ${t.figure}`,
    t.measured,
    t.comparison,
    t.target,
    t.met ? 'yes' : '**no**',
  ]);
}

// Pure helpers of the side-by-side benchmark with KubeFed: counting the API servers' requests, medians of
// runs, ratios, and the Markdown tables that go into bench/results/vs-kubefed.md and BENCHMARKS.md.

/** Requests an API server served, `resource[/subresource] VERB` → count (non-resource paths as `- VERB`). */
export type RequestCounts = Record<string, number>;

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY', 'DELETECOLLECTION']);

/** Sums apiserver_request_total (every code, scope, component) per `resource[/subresource] VERB`. */
export function requestsByKey(metricsText: string): RequestCounts {
  const counts: RequestCounts = {};
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const resource = labels.resource ? `${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}` : '-';
    const key = `${resource} ${labels.verb ?? '?'}`;
    counts[key] = (counts[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return counts;
}

/** What grew between two snapshots; keys that did not grow are left out. */
export function requestsBetween(before: RequestCounts, after: RequestCounts): RequestCounts {
  const out: RequestCounts = {};
  for (const [key, n] of Object.entries(after)) if (n > (before[key] ?? 0)) out[key] = n - (before[key] ?? 0);
  return out;
}

/** Totals per verb (WATCH counts watches that ended). */
export function byVerb(counts: RequestCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, n] of Object.entries(counts)) {
    const verb = key.slice(key.lastIndexOf(' ') + 1);
    out[verb] = (out[verb] ?? 0) + n;
  }
  return out;
}

export function writesOf(counts: RequestCounts): number {
  let sum = 0;
  for (const [key, n] of Object.entries(counts)) if (WRITE_VERBS.has(key.slice(key.lastIndexOf(' ') + 1))) sum += n;
  return sum;
}

/**
 * Writes of federation objects: leader election left out (kubefed-ts's Lease, KubeFed's ConfigMap lock on the
 * host, where nothing else writes ConfigMaps) and the API servers' own Lease renewals.
 */
export function federationWrites(perCluster: Record<string, RequestCounts>): number {
  let sum = 0;
  for (const [cluster, counts] of Object.entries(perCluster)) {
    for (const [key, n] of Object.entries(counts)) {
      const [resource, verb] = key.split(' ');
      if (!WRITE_VERBS.has(verb ?? '') || resource === 'leases' || (cluster === 'host' && resource === 'configmaps')) continue;
      sum += n;
    }
  }
  return sum;
}

/** Event writes (core and events.k8s.io: creates and the patches that aggregate repeats). */
export function eventWrites(counts: RequestCounts): number {
  let sum = 0;
  for (const [key, n] of Object.entries(counts)) {
    const [resource, verb] = key.split(' ');
    if (resource === 'events' && WRITE_VERBS.has(verb ?? '')) sum += n;
  }
  return sum;
}

/** Sums the counts of every cluster whose name passes `which`. */
export function sumClusters(perCluster: Record<string, RequestCounts>, which: (cluster: string) => boolean): RequestCounts {
  const out: RequestCounts = {};
  for (const [cluster, counts] of Object.entries(perCluster)) {
    if (!which(cluster)) continue;
    for (const [key, n] of Object.entries(counts)) out[key] = (out[key] ?? 0) + n;
  }
  return out;
}

/** Median of the finite values; NaN when there are none. */
export function median(values: readonly number[]): number {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return Number.NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 === 1 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

/** a / b; NaN when either is missing or b is 0 while a is not (0 / 0 is 1: both did nothing). */
export function ratio(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Number.NaN;
  if (b === 0) return a === 0 ? 1 : Number.NaN;
  return a / b;
}

/** `1.23×`, or `–` when undefined. */
export function formatRatio(r: number): string {
  return Number.isFinite(r) ? `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×` : '–';
}

/** A number with `digits` decimals, thousands separated; `–` when missing. */
export function formatNumber(x: number, digits = 1): string {
  if (!Number.isFinite(x)) return '–';
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** `GET 1.2, LIST 0.0, PATCH 2.0` per object, verbs sorted, zeros left out. */
export function formatVerbs(perVerb: Record<string, number>, divisor: number, digits = 2): string {
  const parts = Object.entries(perVerb)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([verb, n]) => `${verb} ${formatNumber(n / divisor, digits)}`);
  return parts.length > 0 ? parts.join(', ') : '0';
}

export interface Row {
  figure: string;
  /** Per contender, in the table's column order: a number (median) and how it is shown. */
  values: number[];
  shown?: string[];
  /** Whether a ratio makes sense for this row (not for text rows). */
  ratios?: boolean;
}

/**
 * A Markdown table: the figure, one column per contender, then `last / each other` ratios (the last
 * contender is the one measured against the others).
 */
export function renderTable(contenders: readonly string[], rows: readonly Row[]): string {
  const subject = contenders[contenders.length - 1]!;
  const others = contenders.slice(0, -1);
  const header = ['figure', ...contenders, ...others.map((o) => `${subject} / ${o}`)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) {
    const shown = row.shown ?? row.values.map((v) => formatNumber(v, Math.abs(v) >= 100 ? 0 : 2));
    const ratios = others.map((_, i) => (row.ratios === false ? '' : formatRatio(ratio(row.values[row.values.length - 1]!, row.values[i]!))));
    lines.push(`| ${[row.figure, ...shown, ...ratios].join(' | ')} |`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// The side-by-side report of a run (types only from the runner: this module stays free of I/O).

import type { Contender, VsRun, VsScenario } from './vs-kubefed.js';

export interface VsResult {
  scenarios: VsScenario[];
  contenders: Contender[];
  settings: Record<string, string>;
  runs: VsRun[];
}

const isMember = (cluster: string): boolean => cluster.startsWith('member');
const isHost = (cluster: string): boolean => cluster === 'host';

/** Median over the runs of one contender in one scenario of `pick(run)`. */
function med(runs: VsRun[], pick: (r: VsRun) => number | undefined): number {
  return median(runs.map((r) => pick(r) ?? Number.NaN));
}

function cpuOf(cpu: Record<string, number>, which: 'controller' | 'host' | 'members' | 'etcd' | 'total'): number {
  let sum = 0;
  for (const [name, s] of Object.entries(cpu)) {
    const match = which === 'total' ? name !== 'bench'
      : which === 'members' ? name.startsWith('kube-apiserver-member')
        : which === 'host' ? name === 'kube-apiserver-host'
          : name === which;
    if (match) sum += s;
  }
  return sum;
}

/** Median per-verb counts over runs (verb by verb), divided later for display. */
function medianVerbs(runs: VsRun[], pick: (r: VsRun) => RequestCounts | undefined): Record<string, number> {
  const perRun = runs.map((r) => byVerb(pick(r) ?? {}));
  const verbs = new Set(perRun.flatMap((v) => Object.keys(v)));
  return Object.fromEntries([...verbs].map((verb) => [verb, median(perRun.map((v) => v[verb] ?? 0))]));
}

/** The figure of the machine bound (see scenarioRows). */
const MACHINE_BOUND = 'API servers and etcd CPU ÷ cores, s (the machine bound: a controller taking no CPU, making these requests)';

/**
 * The rows of one scenario's table, each a median over that contender's runs. `cores`: the machine's, for
 * the machine bound: the CPU the API servers and etcd spent during convergence, spread over every core, is
 * about the soonest a controller making the same requests could converge on this machine, were it to take no
 * CPU of its own. About: it includes the API servers' own background work (their Leases, watch bookkeeping;
 * ~0.02 cores each when idle), which a shorter run would pay less of.
 */
export function scenarioRows(scenario: VsScenario, byContender: VsRun[][], cores?: number): Row[] {
  const n = scenario.objects;
  const num = (figure: string, pick: (r: VsRun) => number | undefined, digits = 2): Row => {
    const values = byContender.map((runs) => med(runs, pick));
    return { figure, values, shown: values.map((v) => formatNumber(v, digits)) };
  };
  const text = (figure: string, shown: string[]): Row => ({ figure, values: shown.map(() => Number.NaN), shown, ratios: false });
  const rows: Row[] = [
    num('time to converge, s', (r) => (r.timedOut ? Number.NaN : r.convergeSeconds)),
    num('half the objects propagated at, s', (r) => r.progress.p50),
    num('controller RSS after start, MiB', (r) => r.rssMiB.afterStart, 0),
    num('controller RSS at convergence, MiB', (r) => r.rssMiB.converged, 0),
    num('controller RSS peak (whole run), MiB', (r) => r.rssMiB.peak, 0),
    num('CPU ms per object: controller', (r) => (cpuOf(r.cpu, 'controller') * 1000) / n),
    num('CPU ms per object: host kube-apiserver', (r) => (cpuOf(r.cpu, 'host') * 1000) / n),
    num(`CPU ms per object: ${scenario.members} member kube-apiservers`, (r) => (cpuOf(r.cpu, 'members') * 1000) / n),
    num('CPU ms per object: one member kube-apiserver (mean)', (r) => (cpuOf(r.cpu, 'members') * 1000) / n / scenario.members),
    num('CPU ms per object: etcd', (r) => (cpuOf(r.cpu, 'etcd') * 1000) / n),
    num('CPU ms per object: all of them', (r) => (cpuOf(r.cpu, 'total') * 1000) / n),
    ...(cores ? [num(MACHINE_BOUND, (r) => (cpuOf(r.cpu, 'host') + cpuOf(r.cpu, 'members') + cpuOf(r.cpu, 'etcd')) / cores, 1)] : []),
    num('host writes per object', (r) => writesOf(sumClusters(r.requests, isHost)) / n),
    num('member writes per object (all members)', (r) => writesOf(sumClusters(r.requests, isMember)) / n),
    num('host event writes per object', (r) => eventWrites(sumClusters(r.requests, isHost)) / n),
    text('host requests per object, by verb', byContender.map((runs) => formatVerbs(medianVerbs(runs, (r) => sumClusters(r.requests, isHost)), n))),
    text('member requests per object (all members), by verb', byContender.map((runs) => formatVerbs(medianVerbs(runs, (r) => sumClusters(r.requests, isMember)), n))),
  ];
  if (scenario.followUps) {
    rows.push(
      num('live creates: create → every member, P50 ms', (r) => r.live?.creates.p50Ms, 0),
      num('live creates: create → every member, P99 ms', (r) => r.live?.creates.p99Ms, 0),
      num('first update: change → every member, P99 ms', (r) => r.live?.firstUpdate.p99Ms, 0),
      num('second update: change → every member, P99 ms', (r) => r.live?.secondUpdate.p99Ms, 0),
      num('live phase: changes not seen in every member', (r) => (r.live ? r.live.creates.missing + r.live.firstUpdate.missing + r.live.secondUpdate.missing : undefined), 0),
      num('live phase: host writes per change', (r) => (r.live ? writesOf(sumClusters(r.live.requests, isHost)) / (r.live.creates.samples + r.live.creates.missing + 2 * (r.live.firstUpdate.samples + r.live.firstUpdate.missing)) : undefined)),
      num('idle: controller CPU s per 60 s', (r) => (r.idle ? (r.idle.cpu.controller! * 60) / r.idle.seconds : undefined), 3),
      num('idle: host requests per 60 s', (r) => (r.idle ? (Object.values(sumClusters(r.idle.requests, isHost)).reduce((a, b) => a + b, 0) * 60) / r.idle.seconds : undefined), 1),
      num('idle: member requests per 60 s (all members)', (r) => (r.idle ? (Object.values(sumClusters(r.idle.requests, isMember)).reduce((a, b) => a + b, 0) * 60) / r.idle.seconds : undefined), 1),
      num('restart: spawn → every object reconciled, s', (r) => (r.restart && !r.restart.timedOut ? r.restart.convergedSeconds : Number.NaN)),
      num('restart: spawn → leader (KubeFed waits out its old lock), s', (r) => r.restart?.leaderSeconds),
      num('restart: leader → every object reconciled, s', (r) => (r.restart && !r.restart.timedOut && Number.isFinite(r.restart.leaderSeconds) ? r.restart.convergedSeconds - r.restart.leaderSeconds! : Number.NaN)),
      num('restart: federation writes, host (no leader election)', (r) => (r.restart ? federationWrites({ host: r.restart.requests.host ?? {} }) : undefined), 0),
      num('restart: federation writes, members', (r) => (r.restart ? federationWrites(Object.fromEntries(Object.entries(r.restart.requests).filter(([c]) => isMember(c)))) : undefined), 0),
      num('restart: host Lease and ConfigMap writes (leader election, the API server\'s own Lease)', (r) => (r.restart ? Object.entries(r.restart.requests.host ?? {}).filter(([k]) => /^(leases|configmaps) (PUT|PATCH|POST)$/.test(k)).reduce((a, [, v]) => a + v, 0) : undefined), 0),
      num('restart: controller CPU s', (r) => r.restart?.cpu.controller, 2),
    );
  }
  return rows;
}

/** Runs of a scenario grouped per contender, in `contenders` order. */
export function groupRuns(runs: readonly VsRun[], scenario: string, contenders: readonly Contender[]): VsRun[][] {
  return contenders.map((c) => runs.filter((r) => r.scenario === scenario && r.contender === c));
}

/** How convergence time and peak RSS grow with the members of the FederatedConfigMap scenarios. */
export function growthTable(result: VsResult): string | undefined {
  const scenarios = result.scenarios.filter((s) => s.kind === 'configmap').sort((a, b) => a.members - b.members);
  if (scenarios.length < 2) return undefined;
  const base = scenarios[0]!;
  const header = ['contender', ...scenarios.map((s) => `converge s, ${s.members} members`), ...scenarios.slice(1).map((s) => `× (${s.members} / ${base.members})`),
    ...scenarios.map((s) => `peak RSS MiB, ${s.members}`), ...scenarios.slice(1).map((s) => `RSS × (${s.members} / ${base.members})`)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const contender of result.contenders) {
    const runsOf = (s: VsScenario): VsRun[] => result.runs.filter((r) => r.scenario === s.id && r.contender === contender);
    const times = scenarios.map((s) => med(runsOf(s), (r) => (r.timedOut ? Number.NaN : r.convergeSeconds)));
    // Peak RSS of the throughput phase alone where the scenario had follow-ups (they add objects).
    const rss = scenarios.map((s) => med(runsOf(s), (r) => (s.followUps ? r.rssMiB.converged : r.rssMiB.peak)));
    lines.push(`| ${[contender, ...times.map((t) => formatNumber(t, 1)), ...times.slice(1).map((t) => formatRatio(ratio(t, times[0]!))),
      ...rss.map((m) => formatNumber(m, 0)), ...rss.slice(1).map((m) => formatRatio(ratio(m, rss[0]!)))].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Every scenario's table and the growth table, as Markdown (without a top-level title). */
export function renderVsKubefed(result: VsResult, cores?: number): string {
  const parts: string[] = [];
  for (const scenario of result.scenarios) {
    const grouped = groupRuns(result.runs, scenario.id, result.contenders);
    const counts = grouped.map((g, i) => `${result.contenders[i]} ${g.length}`).join(', ');
    // Rows an older result file has no data for are left out.
    const rows = scenarioRows(scenario, grouped, cores).filter((r) => r.ratios === false || r.values.some((v) => Number.isFinite(v)));
    const wall = median(grouped.flat().map((r) => r.wallSeconds ?? Number.NaN));
    const budget = Number.isFinite(wall) ? ` One run, federation start to stop: ${formatNumber(wall, 0)} s (median).` : '';
    parts.push(`### ${scenario.title}\n\nMedian of the runs (${counts}).${budget}\n\n${renderTable(result.contenders, rows)}`);
  }
  const growth = growthTable(result);
  if (growth) parts.push(`### Growth with members (FederatedConfigMaps)\n\nConvergence time and controller RSS (peak of the throughput phase; at convergence where live creates followed).\n\n${growth}`);
  return parts.join('\n\n');
}

/**
 * Rows for BENCHMARKS.md's summary table (figure, measured, ratio, target, met): the issue's targets against
 * stock KubeFed, per scenario, from the medians. `label` says the size when it is not the full one.
 */
export function vsSummaryRows(result: VsResult, label: string, cores?: number, runtime?: { requiredLibrariesMiB: number }): string[][] {
  const rows: string[][] = [];
  const idx = (c: Contender): number => result.contenders.indexOf(c);
  const [stock, best, ts] = [idx('kubefed-stock'), idx('kubefed-best'), idx('kubefed-ts')];
  if (stock < 0 || ts < 0) return rows;
  for (const scenario of result.scenarios) {
    const rowsOf = scenarioRows(scenario, groupRuns(result.runs, scenario.id, result.contenders), cores);
    const value = (figure: string): number[] => rowsOf.find((r) => r.figure === figure)?.values ?? [];
    const add = (what: string, figure: string, unit: string, target: number, digits = 1, bound?: number, boundIs = 'the API servers and etcd alone'): void => {
      const v = value(figure);
      if (v.length === 0) return;
      const r = ratio(v[ts]!, v[stock]!);
      const rBest = best >= 0 ? ratio(v[ts]!, v[best]!) : Number.NaN;
      // A miss the machine forces: the API servers alone took longer than the target allows.
      const boundNote = bound !== undefined && Number.isFinite(bound) && bound > target * v[stock]!
        ? ` (bound: ${boundIs} ${formatNumber(bound, digits)}${unit} > ${formatNumber(target * v[stock]!, digits)}${unit})` : '';
      rows.push([
        `vs KubeFed${label}: ${scenario.title.split(', ')[0]}: ${what}`,
        `kubefed-ts ${formatNumber(v[ts]!, digits)}${unit}, KubeFed stock ${formatNumber(v[stock]!, digits)}${unit}${best >= 0 ? `, best ${formatNumber(v[best]!, digits)}${unit}` : ''}`,
        `${formatRatio(r)} stock${best >= 0 ? `, ${formatRatio(rBest)} best` : ''}`,
        `≤ ${target}× stock`,
        Number.isFinite(r) ? (r <= target ? 'yes' : `**no**${boundNote}`) : 'n/a',
      ]);
    };
    add('time to converge', 'time to converge, s', ' s', 0.33, 1, value(MACHINE_BOUND)[ts]);
    add('host writes per object', 'host writes per object', '', 0.4, 2);
    add('controller peak RSS', 'controller RSS peak (whole run), MiB', ' MiB', 1, 0);
    add('controller RSS right after start', 'controller RSS after start, MiB', ' MiB', 1, 0, runtime?.requiredLibrariesMiB, 'Node with the required libraries alone');
    if (scenario.followUps) {
      add('idle controller CPU per 60 s', 'idle: controller CPU s per 60 s', ' s', 1, 3);
      add('restart, spawn → every object reconciled', 'restart: spawn → every object reconciled, s', ' s', 0.2);
    }
  }
  return rows;
}

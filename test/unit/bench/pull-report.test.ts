import { describe, expect, it } from 'vitest';
import {
  controllerCpuNote,
  profileBreakdown,
  pullFigures,
  pullRows,
  pullSummaryRows,
  pullTargets,
  pushAndPull,
  renderPull,
  resultTargets,
  type PullFigures,
  type PullModeRun,
} from '../../bench/pull-report.js';
import { render } from '../../bench/report.js';
import type { ResultFile } from '../../bench/lib.js';
import { PROFILE_GROUPS } from '../../bench/pull-profile.js';

function run(mode: 'push' | 'pull', over: Partial<PullModeRun> = {}): PullModeRun {
  return {
    mode,
    objects: 100,
    members: 2,
    convergeSeconds: 10,
    timedOut: false,
    propagated: 100,
    memberObjects: [100, 100],
    progress: { p50: 5, p90: 9, p100: 10 },
    cpu: { controller: 2, etcd: 1, 'kube-apiserver-host': 3, 'kube-apiserver-member1': 0.5, 'kube-apiserver-member2': 0.5, bench: 4 },
    requests: {
      host: { 'federatedconfigmaps PATCH': 100, 'federatedconfigmaps/status PATCH': 100, 'leases PUT': 5, 'federatedconfigmaps WATCH': 1 },
      member1: { 'configmaps POST': 100 },
      member2: { 'configmaps POST': 100 },
    },
    ...over,
  };
}

const figures = (over: Partial<PullFigures>): PullFigures => ({
  convergeSeconds: 10,
  hostRequestsPerObject: 2,
  hostRequestsPerObjectByVerb: {},
  hostWritesPerObject: 2,
  hostApiserverCpuSeconds: 3,
  controllerCpuMsPerObject: 20,
  agentsCpuSeconds: 0,
  memberApiserversCpuSeconds: 1,
  etcdCpuSeconds: 1,
  allCpuSeconds: 7,
  ...over,
});

describe('pullFigures', () => {
  it('divides the host requests per verb and the controller CPU by the objects, sums agents and member API servers', () => {
    const f = pullFigures(run('pull', { cpu: { controller: 0.5, 'agent-member1': 1, 'agent-member2': 1.5, 'kube-apiserver-host': 2, 'kube-apiserver-member1': 1, 'kube-apiserver-member2': 1, etcd: 1, bench: 9 } }));
    expect(f.hostRequestsPerObject).toBeCloseTo(2.06);
    expect(f.hostRequestsPerObjectByVerb).toEqual({ PATCH: 2, PUT: 0.05, WATCH: 0.01 });
    expect(f.hostWritesPerObject).toBeCloseTo(2.05);
    expect(f.controllerCpuMsPerObject).toBe(5);
    expect(f.agentsCpuSeconds).toBe(2.5);
    expect(f.memberApiserversCpuSeconds).toBe(2);
    expect(f.hostApiserverCpuSeconds).toBe(2);
    // Everything but the benchmark's own process.
    expect(f.allCpuSeconds).toBe(8);
  });

  it('has no convergence time for a run that timed out', () => {
    expect(pullFigures(run('pull', { timedOut: true })).convergeSeconds).toBeNaN();
  });

  it('counts no agents in push mode', () => {
    expect(pullFigures(run('push')).agentsCpuSeconds).toBe(0);
  });
});

describe('pullTargets', () => {
  it.each([
    // controller CPU ms/object pull, requests/object pull, converge s pull → met [cpu, requests, converge]
    ['all met', { controllerCpuMsPerObject: 10, hostRequestsPerObject: 2.2, convergeSeconds: 12 }, [true, true, true]],
    ['all just missed', { controllerCpuMsPerObject: 10.01, hostRequestsPerObject: 2.21, convergeSeconds: 12.01 }, [false, false, false]],
    ['fewer requests and faster than push', { controllerCpuMsPerObject: 2, hostRequestsPerObject: 1.5, convergeSeconds: 8 }, [true, true, true]],
    ['pull timed out', { controllerCpuMsPerObject: 5, hostRequestsPerObject: 2, convergeSeconds: Number.NaN }, [true, true, false]],
  ])('%s', (_, pull, met) => {
    const targets = pullTargets(figures({}), figures(pull));
    expect(targets.map((t) => t.met)).toEqual(met);
    expect(targets.map((t) => t.target)).toEqual(['≤ 0.5× push', '≤ push + 0.2', '≤ 1.2× push']);
  });

  it('shows the ratios and the difference in requests', () => {
    const [cpu, requests, converge] = pullTargets(figures({}), figures({ controllerCpuMsPerObject: 5, hostRequestsPerObject: 1.75, convergeSeconds: 11 }));
    expect(cpu!.value).toBe(0.25);
    expect(cpu!.comparison).toBe('0.25×');
    expect(cpu!.measured).toBe('5.00 ms pull, 20.00 ms push');
    expect(requests!.value).toBeCloseTo(-0.25);
    expect(requests!.comparison).toBe('−0.25');
    expect(converge!.comparison).toBe('1.10×');
  });

  it('cannot be met when push did no work to compare with', () => {
    const [cpu] = pullTargets(figures({ controllerCpuMsPerObject: 0 }), figures({ controllerCpuMsPerObject: 1 }));
    expect(cpu!.met).toBe(false);
    expect(cpu!.comparison).toBe('–');
  });
});

describe('the report', () => {
  const both = { runs: [run('push'), run('pull', { convergeSeconds: 11, cpu: { controller: 0.5, 'agent-member1': 1, 'agent-member2': 1, 'kube-apiserver-host': 2 } })] };

  it('takes the last run of each mode', () => {
    const later = run('push', { convergeSeconds: 99 });
    expect(pushAndPull({ runs: [run('push'), run('pull'), later] }).push).toBe(later);
  });

  it('renders a push / pull table with the ratio column and the targets', () => {
    const md = renderPull(both);
    expect(md).toContain('| figure | push | pull | pull / push |');
    expect(md).toContain('| controller-manager CPU ms per object | 20.00 | 5.00 | 0.25× |');
    expect(md).toContain('| host requests per object, by verb | PATCH 2.00, PUT 0.05, WATCH 0.01 | PATCH 2.00, PUT 0.05, WATCH 0.01 |  |');
    expect(md).toContain('| host requests per object, by resource and verb | federatedconfigmaps PATCH 1.000, federatedconfigmaps WATCH 0.010, federatedconfigmaps/status PATCH 1.000, leases PUT 0.050 |');
    expect(md).toContain('| time to converge | 11.00 s pull, 10.00 s push | 1.10× | ≤ 1.2× push | yes |');
    expect(md).not.toContain('timed out');
  });

  it('says which run timed out', () => {
    const md = renderPull({ runs: [run('push'), run('pull', { timedOut: true, propagated: 40, memberObjects: [100, 40] })] });
    expect(md).toContain('**pull timed out (40 propagated, member objects 100 / 40).**');
    expect(md).toContain('| time to converge | – s pull, 10.00 s push | – | ≤ 1.2× push | **no** |');
  });

  it.each([
    [[run('push')], 'Incomplete result: no pull run.'],
    [[run('pull')], 'Incomplete result: no push run.'],
    [[], 'Incomplete result: no push run, no pull run.'],
  ])('says what is missing (%#)', (runs, text) => {
    expect(renderPull({ runs })).toBe(text);
    expect(pullSummaryRows({ runs }, '')).toEqual([]);
    expect(resultTargets({ runs })).toEqual({});
  });

  it('gives one summary row and one recorded target per issue target', () => {
    expect(pullSummaryRows(both, ' (quick)')[0]).toEqual([
      'Pull mode (quick): controller-manager CPU per federated object', '5.00 ms pull, 20.00 ms push', '0.25×', '≤ 0.5× push', 'yes',
    ]);
    expect(resultTargets(both)).toEqual({
      'controller-manager CPU per federated object': { target: '≤ 0.5× push', met: true },
      'host API requests per federated object': { target: '≤ push + 0.2', met: true },
      'time to converge': { target: '≤ 1.2× push', met: true },
    });
  });

  it('says what bounds the controller\'s CPU when its target is missed, and nothing when it is met', () => {
    const missed = run('pull', { cpu: { controller: 1.8 } });
    expect(controllerCpuNote(run('push'), missed)).toBe(
      '**What bounds the controller\'s CPU.** Its host writes per object are 2.05 in push mode and 2.05 in pull mode: the finalizer, the status and ' +
        'the Events stay with the central controller in both modes, and so do its reconciles, renders and host watches. What moved to the agents is the ' +
        'member side, 2.00 member writes per object and the member watches: pull mode saved 2.00 ms of 20.00 ms per object (10 %), net of publishing ' +
        'bundles and reading reports. ≤ 0.5× would need the member side to be at least half of the push controller\'s CPU.',
    );
    expect(renderPull({ runs: [run('push'), missed] })).toContain('**What bounds the controller\'s CPU.**');
    expect(controllerCpuNote(run('push'), run('pull', { cpu: { controller: 1 } }))).toBe('');
    expect(renderPull(both)).not.toContain('What bounds');
  });

  it('breaks the controller\'s CPU down by the profiles\' groups when both runs were profiled', () => {
    const shares = (over: Partial<Record<(typeof PROFILE_GROUPS)[number], number>>) =>
      ({ ...Object.fromEntries(PROFILE_GROUPS.map((g) => [g, 0])), ...over }) as Record<(typeof PROFILE_GROUPS)[number], number>;
    const push = run('push', {
      reconciles: 250,
      requests: { ...run('push').requests, member1: { 'configmaps APPLY': 100, 'leases PUT': 7 }, member2: { 'configmaps APPLY': 100 } },
      profile: { busySamples: 1000, shares: shares({ 'host and member requests (HTTP, TLS, JSON)': 0.5, 'reconcile: render and hash': 0.5 }) } });
    const pull = run('pull', {
      cpu: { controller: 1.8 },
      reconciles: 300,
      requests: { host: { 'federatedconfigmaps PATCH': 100, 'federatedconfigmaps/status PATCH': 100, 'configmaps PATCH': 10 } },
      profile: { busySamples: 900, shares: shares({ 'host and member requests (HTTP, TLS, JSON)': 0.5, 'watch streams (read, JSON.parse, informers)': 0.25, 'pull: bundles and reports': 0.25 }) },
    });
    const text = profileBreakdown(push, pull);
    expect(text).toContain('| host and member requests (HTTP, TLS, JSON) | 10.00 | 9.00 | -1.00 |');
    expect(text).toContain('| reconcile: render and hash | 10.00 | 0.00 | -10.00 |');
    expect(text).toContain('| pull: bundles and reports | 0.00 | 4.50 | 4.50 |');
    expect(text).toContain('| **all** | **20.00** | **18.00** | -2.00 |');
    expect(text).toContain('Reconciles of the sync controller per object: 2.50 push, 3.00 pull.');
    expect(text).toContain('push 2.06 to the host (every client) and 2.07 to the members, pull 2.10 to the host');
    // Push: 2 host writes + 2 member applies per object; pull: the 2 host writes (the agents' report PATCHes are not the controller's).
    expect(text).toContain('push 4.00 requests per object, 2.50 ms each; pull 2.00 requests per object, 4.50 ms each.');
    expect(text).toContain('≤ 0.5× is 10.00 ms per object here; pull\'s requests alone take 9.00 ms, and with its watch streams 13.50 ms (135 % of that budget).');
    expect(controllerCpuNote(push, pull)).toContain(text);
    // One run without a profile: no breakdown.
    expect(profileBreakdown(run('push'), pull)).toBe('');
  });

  it('lists member requests by verb and the agents\' CPU per object', () => {
    const rows = pullRows(both.runs[0]!, both.runs[1]!);
    expect(rows.find((r) => r.figure.startsWith('member requests'))!.shown).toEqual(['POST 2.00', 'POST 2.00']);
    expect(rows.find((r) => r.figure === 'agents\' CPU ms per object (all agents)')!.values).toEqual([0, 20]);
  });

  it('goes into BENCHMARKS.md as section 9 and a summary row labelled with the reduced size and the load', () => {
    const file: ResultFile & { results: typeof both } = {
      benchmark: 'pull mode against push mode',
      date: '2026-12-03T09:40:00.000Z',
      quick: true,
      machine: { cpu: 'cpu', cores: 2, memoryGiB: 24, platform: 'linux', node: 'v20', loadAverage: [3.1, 2, 1] },
      kubernetes: 'v1.35.4',
      revision: { commit: 'abcdef0123456789', dirty: false },
      parameters: { objects: 200, members: 2, heartbeatInterval: '10s', order: 'push, then pull, each on a fresh federation', loadAverageAtStart: [3.1, 2, 1], loadAverageAtEnd: [4.25, 3, 2] },
      results: both,
    };
    const md = render({ pull: file });
    expect(md).toContain('## 9. Pull mode against push mode');
    expect(md).toContain('(`npx tsx hack/bench.ts --quick --only pull`)');
    expect(md).toContain('**A reduced run (`--quick`): 200 FederatedConfigMaps**');
    expect(md).toContain('load average 3.10 2.00 1.00 at the start and 4.25 3.00 2.00 at the end');
    expect(md).toContain('| Pull mode (quick run, 200 objects, load 3.1–4.3): time to converge |');
  });
});

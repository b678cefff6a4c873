import { describe, expect, it } from 'vitest';
import {
  byVerb,
  eventWrites,
  federationWrites,
  formatRatio,
  formatVerbs,
  median,
  ratio,
  renderTable,
  requestsBetween,
  requestsByKey,
  scenarioRows,
  sumClusters,
  vsSummaryRows,
  writesOf,
} from '../../bench/vs-kubefed-report.js';
import { runOrder, kubefedChartConfig, type VsRun } from '../../bench/vs-kubefed.js';

describe('median', () => {
  it.each([
    [[], Number.NaN],
    [[3], 3],
    [[5, 1], 3],
    [[9, 1, 5], 5],
    [[4, 1, 3, 2], 2.5],
    [[1, Number.NaN, 3], 2],
  ])('median(%j) = %d', (values, expected) => {
    expect(median(values)).toEqual(expected);
  });
});

describe('ratio and formatRatio', () => {
  it.each([
    [10, 5, 2, '2.00×'],
    [1, 4, 0.25, '0.25×'],
    [0, 0, 1, '1.00×'],
    [3, 0, Number.NaN, '–'],
    [Number.NaN, 2, Number.NaN, '–'],
    [25, 2, 12.5, '12.5×'],
  ])('%d / %d', (a, b, expected, shown) => {
    expect(ratio(a, b)).toEqual(expected);
    expect(formatRatio(ratio(a, b))).toBe(shown);
  });
});

const METRICS = `# HELP apiserver_request_total Counter of apiserver requests
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="POST",version="v1"} 10
apiserver_request_total{code="409",component="apiserver",dry_run="",group="",resource="configmaps",scope="resource",subresource="",verb="POST",version="v1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="types.kubefed.io",resource="federatedconfigmaps",scope="resource",subresource="status",verb="PATCH",version="v1beta1"} 4
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="events",scope="namespace",subresource="",verb="POST",version="v1"} 3
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="",scope="",subresource="",verb="GET",version=""} 7
apiserver_request_total_other{verb="GET"} 99
`;

describe('request counting', () => {
  it('sums apiserver_request_total per resource/subresource and verb, whatever the code', () => {
    expect(requestsByKey(METRICS)).toEqual({
      'configmaps POST': 12,
      'federatedconfigmaps/status PATCH': 4,
      'events POST': 3,
      '- GET': 7,
    });
  });

  it('keeps only what grew between snapshots', () => {
    expect(requestsBetween({ 'configmaps POST': 10, '- GET': 7 }, { 'configmaps POST': 12, '- GET': 7, 'events POST': 1 })).toEqual({ 'configmaps POST': 2, 'events POST': 1 });
  });

  it('totals per verb, writes and event writes', () => {
    const counts = requestsByKey(METRICS);
    expect(byVerb(counts)).toEqual({ POST: 15, PATCH: 4, GET: 7 });
    expect(writesOf(counts)).toBe(19);
    expect(eventWrites(counts)).toBe(3);
  });

  it('counts federation writes without leader election or the API servers\' own Leases', () => {
    expect(federationWrites({
      host: { 'configmaps PUT': 5, 'leases PUT': 3, 'federatedconfigmaps/status PATCH': 2, 'events POST': 1, 'federatedconfigmaps GET': 9 },
      member1: { 'configmaps POST': 4, 'leases PUT': 3 },
    })).toBe(7);
  });

  it('sums the clusters a predicate selects', () => {
    const per = { host: { 'a GET': 1 }, member1: { 'a GET': 2, 'b POST': 1 }, member2: { 'a GET': 3 } };
    expect(sumClusters(per, (c) => c.startsWith('member'))).toEqual({ 'a GET': 5, 'b POST': 1 });
  });

  it('formats per-object verbs sorted, zeros left out', () => {
    expect(formatVerbs({ POST: 2000, GET: 0, LIST: 10 }, 1000)).toBe('LIST 0.01, POST 2.00');
    expect(formatVerbs({}, 1000)).toBe('0');
  });
});

describe('renderTable', () => {
  it('puts the last contender against each other one', () => {
    const md = renderTable(['kubefed-stock', 'kubefed-best', 'kubefed-ts'], [
      { figure: 'time to converge, s', values: [50, 20, 10] },
      { figure: 'verbs', values: [Number.NaN, Number.NaN, Number.NaN], shown: ['a', 'b', 'c'], ratios: false },
    ]);
    expect(md.split('\n')).toEqual([
      '| figure | kubefed-stock | kubefed-best | kubefed-ts | kubefed-ts / kubefed-stock | kubefed-ts / kubefed-best |',
      '|---|---|---|---|---|---|',
      '| time to converge, s | 50.00 | 20.00 | 10.00 | 0.20× | 0.50× |',
      '| verbs | a | b | c |  |  |',
    ]);
  });
});

describe('scenarioRows', () => {
  const run = (contender: VsRun['contender'], seconds: number, controllerCpu: number, timedOut = false): VsRun => ({
    scenario: 's', contender, run: 1, convergeSeconds: seconds, timedOut, propagated: 100, memberObjects: [100, 100],
    progress: { p50: 1, p90: 2, p100: seconds },
    rssMiB: { afterStart: 50, converged: 60, peak: 70 },
    cpu: { controller: controllerCpu, 'kube-apiserver-host': 2, 'kube-apiserver-member1': 1, 'kube-apiserver-member2': 1, etcd: 1, bench: 9 },
    requests: { host: { 'federatedconfigmaps PATCH': 100, 'events POST': 50, 'federatedconfigmaps LIST': 1 }, member1: { 'configmaps POST': 100 }, member2: { 'configmaps POST': 100 } },
  });
  const scenario = { id: 's', title: 's', kind: 'configmap' as const, members: 2, objects: 100, followUps: false };

  it('takes medians per contender and leaves timed-out runs out of the time', () => {
    const rows = scenarioRows(scenario, [[run('kubefed-stock', 50, 10), run('kubefed-stock', 70, 12), run('kubefed-stock', 1, 1, true)], [run('kubefed-ts', 10, 4)]]);
    const get = (figure: string): number[] => rows.find((r) => r.figure === figure)!.values;
    expect(get('time to converge, s')).toEqual([60, 10]);
    expect(get('CPU ms per object: controller')).toEqual([100, 40]);
    // controller + host + members + etcd, not the benchmark's own process
    expect(get('CPU ms per object: all of them')).toEqual([150, 90]);
    expect(get('host writes per object')).toEqual([1.5, 1.5]);
    expect(get('member writes per object (all members)')).toEqual([2, 2]);
    expect(get('host event writes per object')).toEqual([0.5, 0.5]);
    expect(rows.find((r) => r.figure === 'host requests per object, by verb')!.shown).toEqual(['LIST 0.01, PATCH 1.00, POST 0.50', 'LIST 0.01, PATCH 1.00, POST 0.50']);
  });
});

describe('vsSummaryRows', () => {
  it('checks each target against stock KubeFed and names the size', () => {
    const base = { scenario: 's', run: 1, timedOut: false, propagated: 100, memberObjects: [100], progress: { p50: 1, p90: 1, p100: 1 }, cpu: {}, requests: { host: { 'x PATCH': 100 } } };
    const runs: VsRun[] = [
      { ...base, contender: 'kubefed-stock', convergeSeconds: 30, rssMiB: { afterStart: 40, converged: 60, peak: 60 } },
      { ...base, contender: 'kubefed-best', convergeSeconds: 20, rssMiB: { afterStart: 40, converged: 60, peak: 60 } },
      { ...base, contender: 'kubefed-ts', convergeSeconds: 9, rssMiB: { afterStart: 100, converged: 120, peak: 120 } },
    ];
    const rows = vsSummaryRows({
      scenarios: [{ id: 's', title: '100 FederatedConfigMaps → 1 member, then more', kind: 'configmap', members: 1, objects: 100, followUps: false }],
      contenders: ['kubefed-stock', 'kubefed-best', 'kubefed-ts'],
      settings: {},
      runs,
    }, ' (quick)');
    const withBaseline = vsSummaryRows({ scenarios: [{ id: 's', title: '100 FederatedConfigMaps → 1 member', kind: 'configmap', members: 1, objects: 100, followUps: false }], contenders: ['kubefed-stock', 'kubefed-best', 'kubefed-ts'], settings: {}, runs }, '', undefined, { requiredLibrariesMiB: 79 });
    expect(withBaseline.at(-1)![4]).toBe('**no** (bound: Node with the required libraries alone 79 MiB > 40 MiB)');
    expect(rows.map((r) => [r[0], r[2], r[4]])).toEqual([
      ['vs KubeFed (quick): 100 FederatedConfigMaps → 1 member: time to converge', '0.30× stock, 0.45× best', 'yes'],
      ['vs KubeFed (quick): 100 FederatedConfigMaps → 1 member: host writes per object', '1.00× stock, 1.00× best', '**no**'],
      ['vs KubeFed (quick): 100 FederatedConfigMaps → 1 member: controller peak RSS', '2.00× stock, 2.00× best', '**no**'],
      ['vs KubeFed (quick): 100 FederatedConfigMaps → 1 member: controller RSS right after start', '2.50× stock, 2.50× best', '**no**'],
    ]);
  });
});

describe('the machine bound', () => {
  it('spreads the API servers\' and etcd\'s CPU over the cores, and names it when it alone misses the target', () => {
    const base = { scenario: 's', run: 1, timedOut: false, propagated: 100, memberObjects: [100], progress: { p50: 1, p90: 1, p100: 1 }, requests: { host: {} } };
    const rssMiB = { afterStart: 40, converged: 60, peak: 60 };
    const runs: VsRun[] = [
      { ...base, contender: 'kubefed-stock', convergeSeconds: 30, rssMiB, cpu: { 'kube-apiserver-host': 20, etcd: 4, controller: 9, bench: 2 } },
      // 12 + 2 × 3 + 2 = 20 s of API server and etcd CPU over 2 cores: 10 s, while the target is 30 / 3 ≈ 9.9 s.
      { ...base, contender: 'kubefed-ts', convergeSeconds: 12, rssMiB, cpu: { 'kube-apiserver-host': 12, 'kube-apiserver-member1': 3, 'kube-apiserver-member2': 3, etcd: 2, controller: 5, bench: 1 } },
    ];
    const result = {
      scenarios: [{ id: 's', title: '100 FederatedConfigMaps → 2 members', kind: 'configmap' as const, members: 2, objects: 100, followUps: false }],
      contenders: ['kubefed-stock', 'kubefed-ts'] as const,
      settings: {},
      runs,
    };
    const bound = scenarioRows(result.scenarios[0]!, [[runs[0]!], [runs[1]!]], 2).find((r) => r.figure.startsWith('API servers and etcd CPU ÷ cores'));
    expect(bound?.values).toEqual([12, 10]);
    expect(scenarioRows(result.scenarios[0]!, [[runs[0]!], [runs[1]!]]).some((r) => r.figure.startsWith('API servers and etcd'))).toBe(false);
    const converge = vsSummaryRows({ ...result, contenders: [...result.contenders] }, '', 2)[0]!;
    expect(converge[4]).toBe('**no** (bound: the API servers and etcd alone 10.0 s > 9.9 s)');
  });
});

describe('runOrder', () => {
  it('alternates the order of the contenders between runs', () => {
    expect(runOrder(1)).toEqual(['kubefed-stock', 'kubefed-best', 'kubefed-ts']);
    expect(runOrder(2)).toEqual(['kubefed-ts', 'kubefed-best', 'kubefed-stock']);
    expect(runOrder(3)).toEqual(['kubefed-stock', 'kubefed-best', 'kubefed-ts']);
  });
});

describe('kubefedChartConfig', () => {
  it('sets every field KubeFed validates (it runs without its defaulting webhook here)', () => {
    const spec = kubefedChartConfig(16).spec as Record<string, any>;
    expect(Object.keys(spec).sort()).toEqual(['clusterHealthCheck', 'controllerDuration', 'featureGates', 'leaderElect', 'scope', 'statusController', 'syncController']);
    expect(spec.syncController.maxConcurrentReconciles).toBe(16);
    expect(kubefedChartConfig(1).spec).toMatchObject({ syncController: { maxConcurrentReconciles: 1 }, statusController: { maxConcurrentReconciles: 1 }, controllerDuration: { availableDelay: '20s' } });
    expect(kubefedChartConfig(16, '1s').spec).toMatchObject({ controllerDuration: { availableDelay: '1s' } });
  });
});

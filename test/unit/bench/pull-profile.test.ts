// The pull benchmark's profile breakdown: each busy sample in the span goes to the group of the innermost
// kubefed-ts frame that says what it serves; the rest-client's closures are told apart by the method they sit in.
import { describe, expect, it } from 'vitest';
import type { CpuProfile } from '../../bench/idle-cpu.js';
import { profileShares, restClientMethods } from '../../bench/pull-profile.js';

const restClient = [
  'export class RestClient {',
  '    constructor(kc) {',
  '    }',
  '    async request(method, path, opts = {}) {',
  '        return new Promise((resolve) => {',
  '        });',
  '    }',
  '    async watch(path, query, onEvent, options = {}) {',
  '        const onData = () => {};',
  '    }',
  '    mergePatch(type, name) {',
  '    }',
  '}',
].join('\n');

const url = (module: string): string => `file:///repo/dist/${module}.js`;
const frame = (functionName: string, u: string, lineNumber = 0) => ({ functionName, url: u, lineNumber });

// root → reconcile → render ; root → request closure (line 5) ; root → watch closure (line 9) → informer ;
// root → watch closure (line 9) ; root → writev (native, no kubefed frame) ; root → GC ; root → idle ;
// root → shard-reader ; root → prom-client under metrics
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 4, 5, 7, 8, 9, 10, 11, 12] },
    { id: 2, callFrame: frame('reconcile', url('sync/controller')), children: [3] },
    { id: 3, callFrame: frame('renderForCluster', url('sync/render')) },
    { id: 4, callFrame: frame('', url('kube/rest-client'), 4) },
    { id: 5, callFrame: frame('', url('kube/rest-client'), 8), children: [6] },
    { id: 6, callFrame: frame('emit', url('kube/informer')) },
    { id: 7, callFrame: frame('', url('kube/rest-client'), 8) },
    { id: 8, callFrame: frame('writev', '') },
    { id: 9, callFrame: frame('(garbage collector)', '') },
    { id: 10, callFrame: frame('(idle)', '') },
    { id: 11, callFrame: frame('onObject', url('pull/shard-reader')) },
    { id: 12, callFrame: frame('onResponse', url('metrics/metrics')), children: [13] },
    { id: 13, callFrame: frame('inc', 'file:///repo/node_modules/prom-client/lib/counter.js') },
  ],
  startTime: 1000,
  endTime: 2000,
  // One sample per node, 10 µs apart; the first and the last fall outside the span.
  samples: [3, 3, 4, 6, 7, 8, 9, 10, 11, 13, 3],
  timeDeltas: [0, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10],
};

describe('restClientMethods', () => {
  it('tells which method a line of the compiled client sits in', () => {
    const at = restClientMethods(restClient);
    expect([1, 3, 4, 5, 8, 9, 11, 12].map(at)).toEqual([undefined, undefined, 'request', 'request', 'watch', 'watch', undefined, undefined]);
  });
});

describe('profileShares', () => {
  it('groups the busy samples of the span', () => {
    const { busySamples, shares } = profileShares(profile, 1005, 1095, restClient);
    // In the span: 3 (render), 4 (request), 6 (informer), 7 (watch), 8 (writev), 9 (GC), 11 (pull), 13 (metrics); 10 is idle.
    expect(busySamples).toBe(8);
    const n = (k: number): number => k / 8;
    expect(shares).toEqual({
      'host and member requests (HTTP, TLS, JSON)': n(2),
      'watch streams (read, JSON.parse, informers)': n(2),
      'reconcile: render and hash': n(1),
      'reconcile: plan, status, ledger, queue': 0,
      'pull: bundles and reports': n(1),
      'push: executors and member caches': 0,
      'metrics and logs': n(1),
      'garbage collection': n(1),
      other: 0,
    });
  });

  it('an empty span has no shares', () => {
    expect(profileShares(profile, 5000, 6000, restClient).busySamples).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { fnv1Hash32, fnv1SuffixTable32, fnv1Update32 } from '../../../src/scheduling/fnv.js';
import { planReplicas, PlannerInputError, type PlanReplicasInput } from '../../../src/scheduling/planner.js';
import { referenceFnv1, referencePlanReplicas } from './reference-planner.js';

type Prefs = PlanReplicasInput['clusters'];
type Counts = Record<string, number>;

const ABC = ['A', 'B', 'C'];
const star = (prefs: Prefs[string]): Prefs => ({ '*': prefs });

describe('fnv1Hash32', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0x050c5d7e],
    ['foobar', 0x31f0b262],
  ])('FNV-1 32 of %j is the published value', (text, expected) => {
    expect(fnv1Hash32(text)).toBe(expected);
  });

  it('is FNV-1 (multiply then xor), not FNV-1a', () => {
    expect(fnv1Hash32('a')).not.toBe(0xe40c292c);
  });

  it('hashes parts as if concatenated, as Go writes name then key into one hasher', () => {
    expect(fnv1Hash32('cluster-a', 'default/web')).toBe(fnv1Hash32('cluster-adefault/web'));
    expect(fnv1Update32(fnv1Hash32('cluster-a'), 'default/web')).toBe(fnv1Hash32('cluster-adefault/web'));
  });

  it.each(['é', 'straße', '日本-cluster', 'rocket-🚀', 'lone-\ud800-surrogate', 'trail-\udc00', '\u07ff\u0800\uffff'])(
    'hashes the UTF-8 bytes of %j',
    (text) => {
      expect(fnv1Hash32(text)).toBe(referenceFnv1(text));
    },
  );
});

describe('fnv1SuffixTable32', () => {
  // A key continues every cluster's hash: the table must agree with hashing the key's bytes one by one.
  it.each(['', 'a', 'default/web-frontend', 'x'.repeat(300), 'ns/日本', 'prod/rocket-🚀', 'lone-\ud800', 'é/\u07ff\u0800\uffff'])(
    'continues any hash over %j as fnv1Update32 does',
    (text) => {
      const table = new Int32Array(256);
      const step = fnv1SuffixTable32(text, table);
      const rand = prng(text.length + 1);
      const starts = [0, 1, 255, 256, 0x811c9dc5, 0xffffffff, 0x80000000, ...Array.from({ length: 2000 }, () => Math.floor(rand() * 2 ** 32))];
      for (const h of starts) {
        const viaTable = (table[h & 0xff]! + Math.imul(h >>> 8, step)) >>> 0;
        if (viaTable !== fnv1Update32(h, text)) expect({ h, viaTable }).toEqual({ h, viaTable: fnv1Update32(h, text) });
      }
      expect((table[0x9dc5 & 0xff]! + Math.imul(0x811c9dc5 >>> 8, step)) >>> 0).toBe(referenceFnv1(text));
    },
  );
});

interface Case {
  clusters: Prefs;
  total: number;
  available: string[];
  current?: Counts;
  capacity?: Counts;
  rebalance?: boolean;
  key?: string;
  plan: Counts;
  overflow?: Counts;
}

function run(c: Case): { plan: Counts; overflow: Counts } {
  return planReplicas({
    totalReplicas: c.total,
    clusters: c.clusters,
    availableClusters: c.available,
    ...(c.current ? { currentReplicas: c.current } : {}),
    ...(c.capacity ? { estimatedCapacity: c.capacity } : {}),
    ...(c.rebalance !== undefined ? { rebalance: c.rebalance } : {}),
    ...(c.key !== undefined ? { key: c.key } : {}),
  });
}

function check(c: Case): void {
  const result = run(c);
  expect(result.plan).toEqual(c.plan);
  expect(result.overflow).toEqual(c.overflow ?? {});
}

// KubeFed's pkg/controller/util/planner/planner_test.go, with key "" (its tests' key) and rebalance false
// unless stated.
describe('planReplicas: KubeFed planner_test.go vectors', () => {
  it.each<[string, Case]>([
    ['equal: 50 over A,B,C (hash dependent)', { clusters: star({ weight: 1 }), total: 50, available: ABC, plan: { A: 16, B: 17, C: 17 } }],
    ['equal: 50 over A,B', { clusters: star({ weight: 1 }), total: 50, available: ['A', 'B'], plan: { A: 25, B: 25 } }],
    ['equal: 1 over A,B (hash dependent)', { clusters: star({ weight: 1 }), total: 1, available: ['A', 'B'], plan: { A: 0, B: 1 } }],
    ['equal: 1 over A,B,C,D (hash dependent)', { clusters: star({ weight: 1 }), total: 1, available: ['A', 'B', 'C', 'D'], plan: { A: 0, B: 0, C: 0, D: 1 } }],
    ['equal: 1 over A', { clusters: star({ weight: 1 }), total: 1, available: ['A'], plan: { A: 1 } }],
    ['equal: no clusters', { clusters: star({ weight: 1 }), total: 1, available: [], plan: {} }],
  ])('TestEqual %s', (_name, c) => check(c));

  it.each<[string, Partial<Case>]>([
    ['C:30 kept', { current: { C: 30 }, total: 50, available: ABC, plan: { A: 10, B: 10, C: 30 } }],
    ['A:30 kept', { current: { A: 30 }, total: 50, plan: { A: 30, B: 20 } }],
    ['A:0 B:8', { current: { A: 0, B: 8 }, total: 15, plan: { A: 7, B: 8 } }],
    ['A:1 B:8', { current: { A: 1, B: 8 }, total: 15, plan: { A: 7, B: 8 } }],
    ['A:4 B:8', { current: { A: 4, B: 8 }, total: 15, plan: { A: 7, B: 8 } }],
    ['A:5 B:8', { current: { A: 5, B: 8 }, total: 15, plan: { A: 7, B: 8 } }],
    ['A:6 B:8', { current: { A: 6, B: 8 }, total: 15, plan: { A: 7, B: 8 } }],
    ['A:7 B:8', { current: { A: 7, B: 8 }, total: 15, plan: { A: 7, B: 8 } }],
    ['A:300000 of 500000', { current: { A: 300000 }, total: 500000, plan: { A: 300000, B: 200000 } }],
    ['A:10 of 50', { current: { A: 10 }, total: 50, plan: { A: 25, B: 25 } }],
    ['A:10 B:70 of 50 (hash dependent; KubeFed notes 10:40 would be better)', { current: { A: 10, B: 70 }, total: 50, plan: { A: 0, B: 50 } }],
    ['A:30 of 1', { current: { A: 30 }, total: 1, plan: { A: 1, B: 0 } }],
    ['A:10 B:20 of 50', { current: { A: 10, B: 20 }, total: 50, plan: { A: 25, B: 25 } }],
  ])('TestEqualWithExisting %s', (_name, c) => check({ clusters: star({ weight: 1 }), available: ['A', 'B'], ...c } as Case));

  it.each<[string, Case]>([
    [
      'rebalance, C capacity 10',
      { rebalance: true, clusters: star({ weight: 1 }), total: 50, available: ABC, capacity: { C: 10 }, plan: { A: 20, B: 20, C: 10 }, overflow: { C: 7 } },
    ],
    [
      'rebalance, A unavailable, B capacity 10',
      {
        rebalance: true,
        clusters: { A: { weight: 10000 }, B: { weight: 1 } },
        total: 50,
        available: ['B', 'C'],
        capacity: { B: 10 },
        plan: { B: 10, C: 0 },
        overflow: { B: 40 },
      },
    ],
    [
      'rebalance, weights 1:2, B capacity 10',
      {
        rebalance: true,
        clusters: { A: { weight: 1 }, B: { weight: 2 } },
        total: 60,
        available: ABC,
        capacity: { B: 10 },
        plan: { A: 50, B: 10, C: 0 },
        overflow: { B: 30 },
      },
    ],
    [
      'rebalance, max and capacity',
      {
        rebalance: true,
        clusters: { A: { weight: 10000, maxReplicas: 10 }, B: { weight: 1 }, C: { weight: 1, maxReplicas: 21 }, D: { weight: 1, maxReplicas: 10 } },
        total: 71,
        available: ['A', 'B', 'C', 'D'],
        capacity: { C: 10 },
        plan: { A: 10, B: 41, C: 10, D: 10 },
        overflow: { C: 11 },
      },
    ],
    [
      'no rebalance, A and B capacity 10: overflow of the replicas placed nowhere',
      {
        rebalance: false,
        clusters: { A: { weight: 1 }, B: { weight: 1 } },
        total: 60,
        available: ABC,
        capacity: { A: 10, B: 10 },
        plan: { A: 10, B: 10, C: 0 },
        overflow: { A: 20, B: 20 },
      },
    ],
    [
      'no rebalance, weights 1:5, B capacity 10: nothing left unplaced, so no overflow',
      {
        rebalance: false,
        clusters: { A: { weight: 1 }, B: { weight: 5 } },
        total: 60,
        available: ABC,
        capacity: { B: 10 },
        plan: { A: 50, B: 10, C: 0 },
        overflow: {},
      },
    ],
    [
      'no rebalance, min 20 weight 0, B capacity 10',
      {
        rebalance: false,
        clusters: star({ minReplicas: 20, weight: 0 }),
        total: 50,
        available: ABC,
        capacity: { B: 10 },
        plan: { A: 20, B: 10, C: 20 },
        overflow: {},
      },
    ],
    [
      'rebalance, min 20 weight 1, B capacity 10',
      {
        rebalance: true,
        clusters: star({ minReplicas: 20, weight: 1 }),
        total: 60,
        available: ['A', 'B'],
        capacity: { B: 10 },
        plan: { A: 50, B: 10 },
        overflow: { B: 15 },
      },
    ],
  ])('TestWithExistingAndCapacity %s', (_name, c) => check(c));

  it.each<[string, Case]>([
    ['min 2 weight 0', { clusters: star({ minReplicas: 2, weight: 0 }), total: 50, available: ABC, plan: { A: 2, B: 2, C: 2 } }],
    ['min 20 weight 0 (hash dependent)', { clusters: star({ minReplicas: 20, weight: 0 }), total: 50, available: ABC, plan: { A: 10, B: 20, C: 20 } }],
    [
      'A min 100 weight 1 goes first',
      { clusters: { '*': { minReplicas: 20, weight: 0 }, A: { minReplicas: 100, weight: 1 } }, total: 50, available: ABC, plan: { A: 50, B: 0, C: 0 } },
    ],
    ['min 10 weight 1 max 12', { clusters: star({ minReplicas: 10, weight: 1, maxReplicas: 12 }), total: 50, available: ABC, plan: { A: 12, B: 12, C: 12 } }],
  ])('TestMin %s', (_name, c) => check(c));

  it.each<[string, Case]>([
    ['weight 1 max 2', { clusters: star({ weight: 1, maxReplicas: 2 }), total: 50, available: ABC, plan: { A: 2, B: 2, C: 2 } }],
    ['weight 0 max 2', { clusters: star({ weight: 0, maxReplicas: 2 }), total: 50, available: ABC, plan: { A: 0, B: 0, C: 0 } }],
  ])('TestMax %s', (_name, c) => check(c));

  it.each<[string, Case]>([
    ['A1 B2 over A,B,C', { clusters: { A: { weight: 1 }, B: { weight: 2 } }, total: 60, available: ABC, plan: { A: 20, B: 40, C: 0 } }],
    ['A10000 B1 over A,B,C', { clusters: { A: { weight: 10000 }, B: { weight: 1 } }, total: 50, available: ABC, plan: { A: 50, B: 0, C: 0 } }],
    ['A10000 B1 over B,C', { clusters: { A: { weight: 10000 }, B: { weight: 1 } }, total: 50, available: ['B', 'C'], plan: { B: 50, C: 0 } }],
    [
      'A max 10',
      { clusters: { A: { weight: 10000, maxReplicas: 10 }, B: { weight: 1 }, C: { weight: 1 } }, total: 50, available: ABC, plan: { A: 10, B: 20, C: 20 } },
    ],
    [
      'A and C max 10',
      {
        clusters: { A: { weight: 10000, maxReplicas: 10 }, B: { weight: 1 }, C: { weight: 1, maxReplicas: 10 } },
        total: 50,
        available: ABC,
        plan: { A: 10, B: 30, C: 10 },
      },
    ],
    [
      'four clusters with maxes',
      {
        clusters: { A: { weight: 10000, maxReplicas: 10 }, B: { weight: 1 }, C: { weight: 1, maxReplicas: 21 }, D: { weight: 1, maxReplicas: 10 } },
        total: 71,
        available: ['A', 'B', 'C', 'D'],
        plan: { A: 10, B: 30, C: 21, D: 10 },
      },
    ],
    [
      'five clusters with maxes',
      {
        clusters: {
          A: { weight: 10000, maxReplicas: 10 },
          B: { weight: 1 },
          C: { weight: 1, maxReplicas: 21 },
          D: { weight: 1, maxReplicas: 10 },
          E: { weight: 1 },
        },
        total: 91,
        available: ['A', 'B', 'C', 'D', 'E'],
        plan: { A: 10, B: 25, C: 21, D: 10, E: 25 },
      },
    ],
  ])('TestWeight %s', (_name, c) => check(c));
});

describe('planReplicas: behaviour', () => {
  it.each<[string, Case]>([
    ['weights 1:2, 9 replicas', { clusters: { A: { weight: 1 }, B: { weight: 2 } }, total: 9, available: ['A', 'B'], plan: { A: 3, B: 6 } }],
    ['equal weights, 9 over 3', { clusters: star({ weight: 1 }), total: 9, available: ABC, plan: { A: 3, B: 3, C: 3 } }],
    ['an empty clusters map means {"*": {weight: 1}}', { clusters: {}, total: 50, available: ABC, plan: { A: 16, B: 17, C: 17 } }],
    [
      'clusters with no entry and no "*" are in the plan with 0',
      { clusters: { A: { weight: 1 } }, total: 7, available: ['A', 'B', 'C'], plan: { A: 7, B: 0, C: 0 } },
    ],
    ['zero replicas', { clusters: star({ weight: 1, minReplicas: 3 }), total: 0, available: ABC, plan: { A: 0, B: 0, C: 0 } }],
    ['all weights 0: only minimums are placed', { clusters: star({ weight: 0, minReplicas: 1 }), total: 10, available: ABC, plan: { A: 1, B: 1, C: 1 } }],
    [
      'a named entry overrides "*"',
      { clusters: { '*': { weight: 1 }, B: { weight: 3, maxReplicas: 5 } }, total: 20, available: ABC, plan: { A: 7, B: 5, C: 8 } },
    ],
    [
      'maxReplicas everywhere leaves replicas unplaced, without overflow',
      { clusters: star({ weight: 1, maxReplicas: 3 }), total: 20, available: ABC, plan: { A: 3, B: 3, C: 3 } },
    ],
    [
      'minimums are capped by capacity',
      { clusters: star({ weight: 0, minReplicas: 5 }), total: 20, available: ['A', 'B'], capacity: { A: 2 }, plan: { A: 2, B: 5 } },
    ],
  ])('%s', (_name, c) => check(c));

  describe('replicas already running', () => {
    const base = { clusters: star({ weight: 1 }), total: 50, available: ['A', 'B'], current: { A: 30 } };
    it.each<[string, Case]>([
      ['rebalance false keeps them', { ...base, rebalance: false, plan: { A: 30, B: 20 } }],
      ['rebalance true ignores them', { ...base, rebalance: true, plan: { A: 25, B: 25 } }],
      ['rebalance false keeps them only up to max', { ...base, clusters: star({ weight: 1, maxReplicas: 28 }), plan: { A: 28, B: 22 } }],
      ['rebalance false keeps them only up to capacity', { ...base, capacity: { A: 27 }, plan: { A: 27, B: 23 } }],
      ['rebalance false keeps no more than the total', { ...base, total: 12, plan: { A: 12, B: 0 } }],
      [
        'replicas of a cluster without preferences are not kept',
        { ...base, clusters: { B: { weight: 1 } }, plan: { A: 0, B: 50 } },
      ],
      [
        'a large preallocation absorbs many rounds (A keeps 1,000,000, B is capped at 0)',
        {
          clusters: { A: { weight: 1 }, B: { weight: 1, maxReplicas: 0 } },
          total: 1_000_001,
          available: ['A', 'B'],
          current: { A: 1_000_000 },
          plan: { A: 1_000_001, B: 0 },
        },
      ],
    ])('%s', (_name, c) => check(c));
  });

  describe('overflow', () => {
    // Order C, B, A: C takes 10 then its max of 20; A and B overflow 8 each; 6 replicas find no place.
    const twoFull = {
      clusters: { '*': { weight: 1 }, C: { weight: 1, maxReplicas: 20 } },
      total: 30,
      available: ABC,
      capacity: { A: 2, B: 2 },
      plan: { A: 2, B: 2, C: 20 },
    };
    it.each<[string, Case]>([
      [
        'rebalance true records the full excess over capacity',
        { rebalance: true, clusters: star({ weight: 1 }), total: 30, available: ['A', 'B'], capacity: { A: 5, B: 5 }, plan: { A: 5, B: 5 }, overflow: { A: 10, B: 10 } },
      ],
      [
        'rebalance false drops overflow that other clusters took in',
        { rebalance: false, clusters: star({ weight: 1 }), total: 30, available: ABC, capacity: { A: 5 }, plan: { A: 5, B: 12, C: 13 }, overflow: {} },
      ],
      [
        'rebalance false cuts each entry to the replicas left unplaced',
        { rebalance: false, ...twoFull, overflow: { A: 6, B: 6 } },
      ],
      ['rebalance true keeps the whole excess of the same plan', { rebalance: true, ...twoFull, overflow: { A: 8, B: 8 } }],
      [
        'max applies before capacity: overflow is the excess over capacity of the capped share',
        { rebalance: false, clusters: star({ weight: 1, maxReplicas: 8 }), total: 30, available: ['A', 'B'], capacity: { A: 5 }, plan: { A: 5, B: 8 }, overflow: { A: 3 } },
      ],
      [
        'max does not count as overflow',
        { rebalance: true, clusters: star({ weight: 1, maxReplicas: 5 }), total: 30, available: ['A', 'B'], plan: { A: 5, B: 5 }, overflow: {} },
      ],
    ])('%s', (_name, c) => check(c));
  });

  describe('tie-breaking by hash of name + key', () => {
    it.each<[string, string]>([
      ['', 'D'],
      ['default/web', 'B'],
      ['prod/web', 'C'],
    ])('with key %j the single replica goes to %s (lowest hash among equal weights)', (key, winner) => {
      const { plan } = planReplicas({ totalReplicas: 1, clusters: star({ weight: 1 }), availableClusters: ['A', 'B', 'C', 'D'], key });
      expect(plan).toEqual({ A: 0, B: 0, C: 0, D: 0, [winner]: 1 });
      const lowest = ['A', 'B', 'C', 'D'].reduce((a, b) => (fnv1Hash32(b, key) < fnv1Hash32(a, key) ? b : a));
      expect(lowest).toBe(winner);
    });

    it('heavier clusters come first whatever their hash', () => {
      const { plan } = planReplicas({ totalReplicas: 1, clusters: { '*': { weight: 1 }, A: { weight: 2 } }, availableClusters: ['A', 'B', 'C', 'D'] });
      expect(plan).toEqual({ A: 1, B: 0, C: 0, D: 0 });
    });

    it('the order of availableClusters does not matter', () => {
      const names = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];
      const expected = planReplicas({ totalReplicas: 10, clusters: star({ weight: 1 }), availableClusters: names, key: 'ns/x' }).plan;
      const reversed = planReplicas({ totalReplicas: 10, clusters: star({ weight: 1 }), availableClusters: [...names].reverse(), key: 'ns/x' }).plan;
      expect(reversed).toEqual(expected);
    });

    // "clafcpaf" and "clujslqz" have the same FNV-1 hash, and so do they followed by any key.
    it.each([[['clafcpaf', 'clujslqz']], [['clujslqz', 'clafcpaf']]])('equal weight and hash fall back to name order (%j)', (available) => {
      expect(fnv1Hash32('clafcpaf', 'ns/app')).toBe(fnv1Hash32('clujslqz', 'ns/app'));
      const { plan } = planReplicas({ totalReplicas: 1, clusters: star({ weight: 1 }), availableClusters: available, key: 'ns/app' });
      expect(plan).toEqual({ clafcpaf: 1, clujslqz: 0 });
    });
  });

  describe('inputs', () => {
    it('lists plan entries in the order of availableClusters (JS puts integer-like names first)', () => {
      const { plan } = planReplicas({ totalReplicas: 5, clusters: { Z: { weight: 1 } }, availableClusters: ['Z', 'B', 'A'] });
      expect(Object.keys(plan)).toEqual(['Z', 'B', 'A']);
    });

    it('counts a repeated cluster once', () => {
      const once = planReplicas({ totalReplicas: 50, clusters: star({ weight: 1 }), availableClusters: ABC });
      const twice = planReplicas({ totalReplicas: 50, clusters: star({ weight: 1 }), availableClusters: ['A', 'B', 'A', 'C', 'B'] });
      expect(twice).toEqual(once);
    });

    it('treats cluster names such as __proto__ and toString as plain names', () => {
      const { plan } = planReplicas({
        totalReplicas: 3,
        clusters: JSON.parse('{"__proto__": {"weight": 2}, "x": {"weight": 1}}') as Prefs,
        availableClusters: ['__proto__', 'toString', 'x'],
      });
      expect(Object.keys(plan)).toEqual(['__proto__', 'toString', 'x']);
      expect(Object.getPrototypeOf(plan)).toBe(Object.prototype);
      expect(plan['__proto__']).toBe(2);
      expect(plan['toString']).toBe(0);
      expect(plan['x']).toBe(1);
    });

    it('returns large plans as plain objects too, __proto__ included', () => {
      const names = ['__proto__', 'toString', ...Array.from({ length: 98 }, (_, i) => `member-${i}`), '7'];
      const input: PlanReplicasInput = {
        totalReplicas: 1000,
        clusters: JSON.parse('{"*": {"weight": 1}, "__proto__": {"weight": 5}}') as Prefs,
        availableClusters: names,
        estimatedCapacity: Object.fromEntries(names.map((n) => [n, 3])),
        rebalance: true,
      };
      const { plan, overflow } = planReplicas(input);
      for (const record of [plan, overflow]) {
        expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
        expect(Object.keys(record)).toEqual(['7', ...names.slice(0, -1)]);
        expect(Object.hasOwn(record, '__proto__')).toBe(true);
        expect(JSON.parse(JSON.stringify(record))).toEqual(record);
      }
      expect(plan['__proto__']).toBe(3);
      expect(sorted({ plan, overflow })).toEqual(sorted(referencePlanReplicas(input)));
    });

    it('reads only own entries of the records, not inherited ones', () => {
      const inherited = <T>(entries: Record<string, T>): Record<string, T> => Object.create(entries) as Record<string, T>;
      const { plan, overflow } = planReplicas({
        totalReplicas: 10,
        rebalance: true,
        clusters: Object.assign(inherited({ A: { weight: 100 } }), { '*': { weight: 1 } }),
        availableClusters: ['A', 'B'],
        estimatedCapacity: inherited({ A: 1 }),
      });
      expect(plan).toEqual({ A: 5, B: 5 });
      expect(overflow).toEqual({});
      const kept = planReplicas({ totalReplicas: 10, clusters: star({ weight: 1 }), availableClusters: ['A', 'B'], currentReplicas: inherited({ A: 9 }) });
      expect(kept.plan).toEqual({ A: 5, B: 5 });
    });

    it('ignores currentReplicas when rebalancing, even malformed ones', () => {
      const { plan } = planReplicas({ totalReplicas: 2, rebalance: true, clusters: star({ weight: 1 }), availableClusters: ['A', 'B'], currentReplicas: { A: -3 } });
      expect(plan).toEqual({ A: 1, B: 1 });
    });

    it('plans more clusters than it keeps scratch memory for', () => {
      const names = Array.from({ length: 70_000 }, (_, i) => `member-${i}`);
      const input: PlanReplicasInput = { totalReplicas: 70_003, clusters: star({ weight: 1 }), availableClusters: names, key: 'ns/big' };
      const { plan } = planReplicas(input);
      const counts = Object.values(plan);
      expect(counts.length).toBe(70_000);
      // Shares round up: ceil(70003 / 70000) = 2 each, until the replicas run out (as in KubeFed).
      expect(counts.filter((n) => n === 2).length).toBe(35_001);
      expect(counts.filter((n) => n === 1).length).toBe(1);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(70_003);
      // The kept scratch memory still serves the next, smaller plan.
      const small = { ...input, availableClusters: names.slice(0, 3) };
      expect(planReplicas(small)).toEqual(referencePlanReplicas(small));
    });

    it('computes exact shares when weight × replicas exceeds 2^53 (but not int64)', () => {
      const input = { totalReplicas: 999_999, clusters: { A: { weight: 3e12 }, B: { weight: 1e12 } }, availableClusters: ['A', 'B'] };
      // ceil(999999 * 3/4) = 750000, then B takes the 249999 left.
      expect(planReplicas(input).plan).toEqual({ A: 750_000, B: 249_999 });
      expect(planReplicas(input)).toEqual(referencePlanReplicas(input));
    });

    it('is not confused by a nested plan from an input getter', () => {
      let nested: unknown;
      const prefs = {
        get weight(): number {
          nested ??= planReplicas({ totalReplicas: 4, clusters: star({ weight: 1 }), availableClusters: ['x', 'y'] }).plan;
          return 1;
        },
      };
      const { plan } = planReplicas({ totalReplicas: 50, clusters: { '*': prefs }, availableClusters: ABC });
      expect(plan).toEqual({ A: 16, B: 17, C: 17 });
      expect(nested).toEqual({ x: 2, y: 2 });
    });
  });
});

describe('planReplicas: input validation', () => {
  const ok: PlanReplicasInput = { totalReplicas: 5, clusters: star({ weight: 1 }), availableClusters: ['A'] };
  it.each<[string, Partial<PlanReplicasInput> | Record<string, unknown>, string, string]>([
    ['negative totalReplicas', { totalReplicas: -1 }, 'totalReplicas', 'totalReplicas (-1) must be an integer from 0 to 2147483647'],
    ['fractional totalReplicas', { totalReplicas: 2.5 }, 'totalReplicas', 'totalReplicas (2.5) must be an integer from 0 to 2147483647'],
    ['totalReplicas beyond int32', { totalReplicas: 2 ** 31 }, 'totalReplicas', 'totalReplicas (2147483648) must be an integer from 0 to 2147483647'],
    ['NaN totalReplicas', { totalReplicas: NaN }, 'totalReplicas', 'totalReplicas (NaN) must be an integer from 0 to 2147483647'],
    [
      'min above max',
      { clusters: { a: { minReplicas: 5, maxReplicas: 3 } } },
      'clusters["a"].minReplicas',
      'clusters["a"].minReplicas (5) > maxReplicas (3)',
    ],
    ['negative weight', { clusters: { '*': { weight: -1 } } }, 'clusters["*"].weight', 'clusters["*"].weight (-1) must be a non-negative integer'],
    ['fractional weight', { clusters: { b: { weight: 0.5 } } }, 'clusters["b"].weight', 'clusters["b"].weight (0.5) must be a non-negative integer'],
    ['string minReplicas', { clusters: { b: { minReplicas: '2' } } }, 'clusters["b"].minReplicas', 'clusters["b"].minReplicas ("2") must be a non-negative integer'],
    ['negative maxReplicas', { clusters: { b: { maxReplicas: -2 } } }, 'clusters["b"].maxReplicas', 'clusters["b"].maxReplicas (-2) must be a non-negative integer'],
    [
      'an invalid entry of a cluster that is not available',
      { clusters: { '*': { weight: 1 }, offline: { weight: -3 } } },
      'clusters["offline"].weight',
      'clusters["offline"].weight (-3) must be a non-negative integer',
    ],
    ['a non-object entry', { clusters: { a: 3 } }, 'clusters["a"]', 'clusters["a"] must be an object'],
    ['a non-string cluster', { availableClusters: ['A', 7] }, 'availableClusters[1]', 'availableClusters[1] (7) must be a string'],
    [
      'negative current replicas',
      { currentReplicas: { A: -1 } },
      'currentReplicas["A"]',
      'currentReplicas["A"] (-1) must be a non-negative integer',
    ],
    [
      'fractional capacity',
      { estimatedCapacity: { A: 1.5 } },
      'estimatedCapacity["A"]',
      'estimatedCapacity["A"] (1.5) must be a non-negative integer',
    ],
    ['a non-boolean rebalance', { rebalance: 'yes' }, 'rebalance', 'rebalance (yes) must be a boolean'],
    [
      'weights that would overflow int64',
      { totalReplicas: 2 ** 31 - 1, clusters: { A: { weight: 2 ** 52 }, B: { weight: 2 ** 52 } }, availableClusters: ['A', 'B'] },
      'clusters',
      "the weights of the available clusters (sum 9007199254740992) are too large for 2147483647 replicas: KubeFed's int64 arithmetic would overflow",
    ],
  ])('rejects %s', (_name, patch, field, message) => {
    const call = () => planReplicas({ ...ok, ...patch } as PlanReplicasInput);
    expect(call).toThrow(PlannerInputError);
    try {
      call();
    } catch (err) {
      expect(err).toBeInstanceOf(PlannerInputError);
      expect((err as PlannerInputError).field).toBe(field);
      expect((err as PlannerInputError).message).toBe(message);
      expect((err as PlannerInputError).name).toBe('PlannerInputError');
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// Randomized equivalence with the literal reference implementation.

/** mulberry32: a small seeded PRNG so that failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomInput(rand: () => number): PlanReplicasInput {
  const int = (n: number): number => Math.floor(rand() * n); // 0 .. n-1
  const chance = (p: number): boolean => rand() < p;
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-';
  const oddNames = ['*', 'é', '日本', 'rocket-🚀', 'A', 'B', 'C', 'toString', 'clafcpaf', 'clujslqz'];
  const randomName = (): string => {
    if (chance(0.1)) return pick(oddNames);
    let s = '';
    for (let k = 1 + int(10); k > 0; k--) s += alphabet[int(alphabet.length)];
    return s;
  };

  const size = chance(0.1) ? 64 + int(200) : int(13);
  const names = [...new Set(Array.from({ length: size }, randomName))];
  const available = [...names];
  if (available.length > 0 && chance(0.1)) available.push(pick(names));

  const total = chance(0.2) ? int(11) : int(1001);
  const randomPrefs = (): Prefs[string] => {
    const prefs: Prefs[string] = {};
    if (!chance(0.1)) prefs.weight = int(6);
    if (chance(0.3)) prefs.minReplicas = chance(0.5) ? int(30) : int(total + 1);
    if (chance(0.3)) prefs.maxReplicas = (prefs.minReplicas ?? 0) + (chance(0.5) ? int(40) : int(total + 1));
    return prefs;
  };
  const clusters: Prefs = {};
  if (!chance(0.1)) {
    if (chance(0.6)) clusters['*'] = randomPrefs();
    const namedShare = rand();
    for (const name of names) if (chance(namedShare)) clusters[name] = randomPrefs();
    if (chance(0.3)) clusters[randomName()] = randomPrefs(); // possibly a cluster that is not available
  }

  const rebalance = chance(0.5);
  const input: PlanReplicasInput = { totalReplicas: total, clusters, availableClusters: available, key: pick(['', 'default/web', `ns-${int(100)}/app-${int(100)}`]) };
  if (chance(0.5)) input.rebalance = rebalance;
  if (chance(0.6)) {
    const current: Counts = {};
    const share = rand();
    for (const name of names) if (chance(share)) current[name] = chance(0.7) ? int(Math.ceil(total / Math.max(1, names.length)) * 2 + 2) : int(total + 10);
    input.currentReplicas = current;
  }
  if (chance(0.4)) {
    const capacity: Counts = {};
    const share = rand();
    for (const name of names) if (chance(share)) capacity[name] = chance(0.7) ? int(Math.ceil(total / Math.max(1, names.length)) + 2) : int(total + 1);
    input.estimatedCapacity = capacity;
  }
  return input;
}

describe('planReplicas: equivalence with the literal reference planner', () => {
  it.each([1, 2, 3, 4])('agrees on 2000 random inputs (seed %i)', (seed) => {
    const rand = prng(seed);
    for (let i = 0; i < 2000; i++) {
      const input = randomInput(rand);
      const fast = planReplicas(input);
      const reference = referencePlanReplicas(input);
      if (JSON.stringify(sorted(fast)) !== JSON.stringify(sorted(reference))) {
        // Show the failing input in full.
        expect({ input, fast }).toEqual({ input, fast: reference });
      }
      expect(Object.keys(fast.plan).sort()).toEqual([...new Set(input.availableClusters)].sort());
    }
    // Thousands of plans against the slow reference planner: seconds of CPU, more on a loaded machine.
  }, 60_000);
});

describe('planReplicas: equivalence on large fleets', () => {
  it.each([
    [3000, false, 11],
    [3000, true, 12],
    [1500, false, 13],
  ])('agrees with the reference on %i clusters (rebalance %s, seed %i)', (size, rebalance, seed) => {
    const rand = prng(seed);
    const int = (n: number): number => Math.floor(rand() * n);
    const names = Array.from({ length: size }, (_, i) => `prod-${['us-east-1', 'eu-west-1', 'ap-south-1'][i % 3]}-${i}`);
    const clusters: Prefs = { '*': { weight: 1 } };
    const currentReplicas: Counts = {};
    const estimatedCapacity: Counts = {};
    for (const name of names) {
      if (rand() < 0.5) clusters[name] = { weight: int(6), ...(rand() < 0.1 ? { minReplicas: int(4) } : {}), ...(rand() < 0.1 ? { maxReplicas: 4 + int(20) } : {}) };
      if (rand() < 0.8) currentReplicas[name] = int(25);
      if (rand() < 0.05) estimatedCapacity[name] = int(15);
    }
    const input: PlanReplicasInput = { totalReplicas: 10 * size, rebalance, clusters, availableClusters: names, currentReplicas, estimatedCapacity, key: `ns/app-${seed}` };
    expect(sorted(planReplicas(input))).toEqual(sorted(referencePlanReplicas(input)));
  });
});

describe('planReplicas: equivalence on unusual large fleets', () => {
  // Mostly large enough for the planner's table-driven key hashing and native ordering, with what those
  // must survive.
  const fleet = (size: number, name: (i: number) => string, seed: number, extra: Partial<PlanReplicasInput> = {}): PlanReplicasInput => {
    const rand = prng(seed);
    const int = (n: number): number => Math.floor(rand() * n);
    const names = Array.from({ length: size }, (_, i) => name(i));
    const clusters: Prefs = { '*': { weight: 2 } };
    const currentReplicas: Counts = {};
    const estimatedCapacity: Counts = {};
    for (const n of names) {
      if (rand() < 0.5) clusters[n] = { weight: int(4), ...(rand() < 0.2 ? { minReplicas: int(3) } : {}), ...(rand() < 0.2 ? { maxReplicas: 3 + int(9) } : {}) };
      if (rand() < 0.7) currentReplicas[n] = int(12);
      if (rand() < 0.1) estimatedCapacity[n] = int(8);
    }
    return { totalReplicas: 5 * size, clusters, availableClusters: names, currentReplicas, estimatedCapacity, key: 'ns/app', ...extra };
  };
  const agree = (input: PlanReplicasInput): void => {
    const fast = planReplicas(input);
    expect(sorted(fast)).toEqual(sorted(referencePlanReplicas(input)));
    expect(Object.keys(fast.plan)).toEqual([...new Set(input.availableClusters)]);
  };

  it.each([
    ['non-ASCII names', (i: number) => (i % 3 === 0 ? `集群-${i}` : i % 3 === 1 ? `straße-${i}` : `rocket-🚀-${i}`), ''],
    ['non-ASCII names and key', (i: number) => `é${i}`, 'produção/ウェブ'],
    ['a lone surrogate in names', (i: number) => `lone-\ud800-${i}`, 'ns/x'],
    ['names sharing long prefixes', (i: number) => `${'cluster-'.repeat(20)}${i}`, 'default/web-frontend'],
    ['integer-like names', (i: number) => String(i), 'ns/app'],
  ])('agrees with the reference with %s', (_name, name, key) => {
    for (const [size, seed] of [
      [20, 20],
      [300, 21],
      [1200, 22],
    ] as const) {
      agree(fleet(size, name, seed, { key }));
      agree(fleet(size, name, seed + 100, { key, rebalance: true }));
    }
  });

  it('agrees with the reference when names repeat and hashes collide among many clusters', () => {
    const input = fleet(400, (i) => `member-${i}`, 31);
    input.availableClusters = [...input.availableClusters, 'clafcpaf', 'clujslqz', 'member-7', 'clafcpaf', 'member-399', 'member-0'];
    agree(input);
    agree({ ...input, key: '' });
  });

  it('agrees with the reference when counts exceed int32 and weights exceed the native ordering', () => {
    const input = fleet(500, (i) => `big-${i}`, 41);
    input.clusters['big-1'] = { weight: 1, minReplicas: 2 ** 40, maxReplicas: 2 ** 45 };
    input.clusters['big-2'] = { weight: 3, maxReplicas: Number.MAX_SAFE_INTEGER };
    input.currentReplicas!['big-3'] = 2 ** 50;
    input.estimatedCapacity!['big-4'] = 2 ** 33;
    agree(input);
    agree({ ...input, totalReplicas: 2 ** 31 - 1 });
    // Weights above what the native ordering keys hold: ordered by comparison instead.
    input.clusters['big-5'] = { weight: 1_000_000 };
    agree(input);
    agree({ ...input, rebalance: true });
  });

  it('keeps agreeing while its cache of name hashes fills up and is cleared', () => {
    // 3 × 22,000 distinct names: more than the planner keeps (65,536), so its cache is cleared on the way.
    const fleets = [0, 1, 2].map((f) => fleet(22_000, (i) => `fleet-${f}-member-${i}`, 60 + f, { key: `ns/app-${f}` }));
    for (const input of [...fleets, fleets[0]!]) agree(input);
  }, 60_000);

  it('plans the same names under different keys independently', () => {
    const input = fleet(600, (i) => `member-${i}`, 51);
    for (const key of ['a/b', 'default/web', '', 'a/b', 'ns/日本']) agree({ ...input, key });
  });
});

function sorted(result: { plan: Counts; overflow: Counts }): [Counts, Counts] {
  const sortKeys = (r: Counts): Counts => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return [sortKeys(result.plan), sortKeys(result.overflow)];
}

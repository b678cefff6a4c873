// The pure pieces of pull mode's bundles and reports: names, data keys and shards both sides agree on, the
// entry schemas (reports are untrusted input to the host), and the batched merge patch of a shard.
import { describe, expect, it } from 'vitest';
import type { MemberAction } from '../../../src/execution/work.js';
import {
  actionOf,
  BundleEntrySchema,
  bundleEntryFor,
  decodeEntry,
  outcomeOf,
  ReportEntrySchema,
} from '../../../src/pull/entries.js';
import { applyShardPatch, needsMoreShards, planShardPatch, shardBytes } from '../../../src/pull/flush.js';
import { bundleName, entryDataKey, reportName, shardOf, typeId } from '../../../src/pull/names.js';

const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

describe('typeId', () => {
  it.each([
    [{ group: '', plural: 'configmaps' }, 'configmaps'],
    [{ group: 'apps', plural: 'deployments' }, 'deployments.apps'],
    [{ group: 'rbac.authorization.k8s.io', plural: 'clusterroles' }, 'clusterroles.rbac.authorization.k8s.io'],
  ])('%j → %s', (type, id) => {
    expect(typeId(type)).toBe(id);
    expect(bundleName(id, 3)).toBe(`kubefed-bundle-${id}-3`);
    expect(reportName(id, 0)).toBe(`kubefed-report-${id}-0`);
  });

  it('cuts and hashes an id longer than a label value', () => {
    const long = typeId({ group: `${'g'.repeat(60)}.example.com`, plural: 'widgets' });
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^widgets\.g+.*-[0-9a-f]{10}$/);
    expect(typeId({ group: `${'g'.repeat(60)}.example.org`, plural: 'widgets' })).not.toBe(long);
  });
});

describe('entryDataKey', () => {
  it.each([
    ['demo/web', 'demo_web'],
    ['demo/web.v2', 'demo_web.v2'],
    ['edge', '_edge'],
  ])('%s → %s', (key, dataKey) => {
    expect(entryDataKey(key)).toBe(dataKey);
  });

  it.each([
    ['a name with a colon', 'system:controller:x'],
    ['a namespaced name with upper case', 'demo/Web'],
    ['a key too long for a data key', `${'n'.repeat(63)}/${'x'.repeat(200)}`],
  ])('hashes %s into a valid, distinct data key', (_, key) => {
    const dataKey = entryDataKey(key);
    expect(dataKey).toMatch(/^h-[0-9a-f]{20}$/);
    expect(dataKey).toMatch(DATA_KEY);
  });

  it('never gives two keys one data key', () => {
    const keys = ['a/b', 'a/b.c', 'a.b/c', 'ab', 'a_b', 'system:a', 'system:b', 'x/y:z'];
    expect(new Set(keys.map(entryDataKey)).size).toBe(keys.length);
  });
});

describe('shardOf', () => {
  it('is stable, in range, and spreads keys over the shards', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8_000; i++) {
      const shard = shardOf(`ns/cm-${i}`, 8);
      expect(shard).toBe(shardOf(`ns/cm-${i}`, 8));
      counts[shard]!++;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
    expect(shardOf('anything', 1)).toBe(0);
  });

  it('keeps a key in the same half when the shards double', () => {
    for (let i = 0; i < 100; i++) expect(shardOf(`k${i}`, 8) % 4).toBe(shardOf(`k${i}`, 4));
  });

  it('refuses a shard count that is not a power of two', () => {
    expect(() => shardOf('k', 3)).toThrow('shard count 3 is not a power of two');
    expect(() => shardOf('k', 0)).toThrow();
  });
});

describe('bundle entries', () => {
  const desired = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'demo' }, data: { a: '1' } };

  it.each<[string, MemberAction]>([
    ['create', { kind: 'create', desired, hash: 'h1', adoption: { adoptResources: true, hostNamespaceUid: undefined } }],
    ['update', { kind: 'update', desired, hash: 'h2', basedOn: '12', drift: ['/data/a'] }],
    ['delete', { kind: 'delete', options: { propagationPolicy: 'Background' }, basedOn: '13' }],
    ['unlabel', { kind: 'unlabel', basedOn: undefined }],
  ])('a %s round-trips through JSON and the schema', (_, action) => {
    const entry = bundleEntryFor('demo/web', 7, action);
    const decoded = decodeEntry(BundleEntrySchema, JSON.stringify(entry));
    expect(decoded).toEqual({ ok: true, value: entry });
  });

  it('never publishes the field-ownership patch; the agent adds its own', () => {
    const entry = bundleEntryFor('demo/web', 8, { kind: 'update', desired, hash: 'h', basedOn: '1', applyOwnership: '[{"manager":"x"}]' });
    expect(JSON.stringify(entry)).not.toContain('applyOwnership');
    expect(actionOf(entry, '[{"manager":"kubefed-ts"}]')).toMatchObject({ kind: 'update', applyOwnership: '[{"manager":"kubefed-ts"}]' });
    expect(actionOf(entry, undefined)).not.toHaveProperty('applyOwnership');
  });
});

describe('report entries (untrusted)', () => {
  const good = {
    key: 'demo/web',
    member: { uid: 'u', resourceVersion: '20', generation: 1, managed: 'true', hash: 'h2', judgement: { hash: 'h2', drift: [] } },
    done: { seq: 7, outcome: { kind: 'update', hash: 'h2', status: '', written: { resourceVersion: '20', previousResourceVersion: '12' }, drift: ['/data/a'] } },
  };

  it('accepts a well-formed entry and yields the outcome', () => {
    const decoded = decodeEntry(ReportEntrySchema, JSON.stringify(good));
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(outcomeOf(decoded.value.done!)).toEqual(good.done.outcome);
  });

  it.each<[string, string, string]>([
    ['not JSON', '{', 'not JSON'],
    ['no key', JSON.stringify({ ...good, key: '' }), 'key'],
    ['an unknown status', JSON.stringify({ ...good, done: { seq: 7, outcome: { ...good.done.outcome, status: 'Pwned' } } }), 'done.outcome.status'],
    ['a negative seq', JSON.stringify({ ...good, done: { ...good.done, seq: -1 } }), 'done.seq'],
    ['a huge message', JSON.stringify({ ...good, done: { seq: 7, outcome: { ...good.done.outcome, message: 'x'.repeat(40_000) } } }), 'done.outcome.message'],
    ['too many drift paths', JSON.stringify({ ...good, member: { ...good.member, judgement: { drift: new Array(500).fill('/x') } } }), 'member.judgement.drift'],
    ['an array', '[]', '(entry)'],
  ])('refuses %s, saying where, without throwing', (_, text, where) => {
    const decoded = decodeEntry(ReportEntrySchema, text);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.error).toContain(where);
  });
});

describe('planShardPatch', () => {
  const published = new Map([
    ['a', '1'],
    ['b', '2'],
  ]);

  it('sends only what changed: new and changed values, null for removed keys', () => {
    const wanted = new Map<string, string | undefined>([
      ['a', undefined],
      ['b', '3'],
      ['c', '4'],
      ['gone', undefined],
    ]);
    const patch = planShardPatch(published, wanted);
    expect(patch).toEqual({ data: { a: null, b: '3', c: '4' } });
    expect(applyShardPatch(published, patch!)).toEqual(new Map([['b', '3'], ['c', '4']]));
  });

  it('sends nothing when the shard already holds what is wanted', () => {
    expect(planShardPatch(published, new Map([['a', '1'], ['x', undefined]]))).toBeUndefined();
  });
});

describe('shard sizes', () => {
  it('counts Secret values as base64 and says when to split', () => {
    expect(shardBytes(new Map([['k', 'abc']]), false)).toBe(4);
    expect(shardBytes(new Map([['k', 'abcd']]), true)).toBe(1 + 8);
    expect(needsMoreShards([100, 512 * 1024])).toBe(false);
    expect(needsMoreShards([100, 512 * 1024 + 1])).toBe(true);
  });
});

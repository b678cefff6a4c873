// The sharded stores of pull mode on the real host API server: a burst of entries costs a few batched writes,
// not one per entry; a restarted writer that finds everything in place writes nothing; a shard passing its
// size bound doubles its type's shards with no entry ever missing to a reader; and a reader ignores malformed
// or misplaced entries (a compromised other side) without throwing.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestClient } from '../../src/kube/rest-client.js';
import { decodeEntry, entryKeyOf, ReportEntrySchema, type ReportEntry } from '../../src/pull/entries.js';
import { entryDataKey, shardOf } from '../../src/pull/names.js';
import { ShardReader } from '../../src/pull/shard-reader.js';
import { BUNDLES, REPORTS } from '../../src/pull/shard-store.js';
import { ShardWriter } from '../../src/pull/shard-writer.js';
import { kubeConfigFor } from '../harness/env.js';
import { writeRequests, writesBetween } from '../harness/fed-objects.js';
import { sleep, waitUntil } from '../harness/federation.js';
import { harnessLogger } from '../harness/log-capture.js';

const ns = `shards-${Date.now().toString(36)}`;
const log = harnessLogger('pull-shards');
let kc: KubeConfig;
let client: RestClient;

const entry = (key: string, extra: Record<string, unknown> = {}) => JSON.stringify({ key, member: { resourceVersion: '1', ...extra } });
const writer = (options: Partial<ConstructorParameters<typeof ShardWriter>[0]> = {}) =>
  new ShardWriter({ client, namespace: ns, store: REPORTS, fieldManager: 'test', log, keyOf: entryKeyOf, minIntervalMs: 300, quietMs: 50, ...options });

function reader(onEntry: (typeId: string, key: string, e: ReportEntry | undefined) => void): ShardReader<ReportEntry> {
  return new ShardReader<ReportEntry>({ client, namespace: ns, store: REPORTS, log, decode: (t) => decodeEntry(ReportEntrySchema, t), keyOf: (e) => e.key, onEntry });
}

beforeAll(async () => {
  kc = kubeConfigFor('host');
  client = await RestClient.fromKubeConfig(kc, { name: 'host' });
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
});

afterAll(async () => {
  await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }).catch(() => undefined);
  client?.close();
});

describe('ShardWriter and ShardReader', () => {
  it('writes a burst of 300 entries with a few batched writes, and a restarted writer finding them in place writes nothing', async () => {
    const before = await writeRequests(kc, ['configmaps']);
    const first = writer();
    await first.load();
    for (let i = 0; i < 300; i++) first.set('configmaps', `demo/cm-${i}`, entry(`demo/cm-${i}`));
    await waitUntil('the burst written', () => first.pendingShards() === 0, 20_000);
    const writes = Object.values(writesBetween(before, await writeRequests(kc, ['configmaps']))).reduce((a, b) => a + b, 0);
    expect(writes).toBeGreaterThanOrEqual(1);
    expect(writes).toBeLessThanOrEqual(3);
    first.stop();

    const listed = await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'kubefed-report-configmaps-0', namespace: ns });
    expect(Object.keys(listed.data ?? {})).toHaveLength(300);
    expect(listed.data?.[entryDataKey('demo/cm-7')]).toBe(entry('demo/cm-7'));
    expect(listed.metadata?.annotations?.['kubefed.io/shards']).toBe('1');

    const mark = await writeRequests(kc, ['configmaps']);
    const second = writer();
    await second.load();
    for (let i = 0; i < 300; i++) second.set('configmaps', `demo/cm-${i}`, entry(`demo/cm-${i}`));
    await sleep(1_000);
    expect(second.pendingShards()).toBe(0);
    // DELETEs are left out of the count: the namespace controller's cleanup of other files' namespaces makes
    // them (some of those namespaces stay terminating, so waiting for it is no option). The shard itself is
    // read back unchanged, so no DELETE of ours goes unseen.
    const written = writesBetween(mark, await writeRequests(kc, ['configmaps']));
    expect(Object.fromEntries(Object.entries(written).filter(([key]) => !key.endsWith(' DELETE')))).toEqual({});
    const reread = await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'kubefed-report-configmaps-0', namespace: ns });
    expect(reread.metadata?.resourceVersion).toBe(listed.metadata?.resourceVersion);
    // Only what changed travels: one entry changed, one removed, in one patch.
    second.set('configmaps', 'demo/cm-1', entry('demo/cm-1', { generation: 2 }));
    second.set('configmaps', 'demo/cm-2', undefined);
    await waitUntil('the change written', () => second.pendingShards() === 0, 10_000);
    expect(writesBetween(mark, await writeRequests(kc, ['configmaps']))).toEqual({ 'configmaps PATCH': 1 });
    second.stop();
  });

  it('doubles a type\'s shards when one passes its size bound, never showing a reader an entry missing', async () => {
    const seen = new Map<string, ReportEntry>();
    const lost: string[] = [];
    const watch = reader((typeId, key, e) => {
      if (typeId !== 'secrets') return;
      if (e) seen.set(key, e);
      else lost.push(key);
    });
    watch.start();
    await watch.waitForSync();
    const grower = writer({ maxShardBytes: 8 * 1024 });
    await grower.load();
    const padding = 'x'.repeat(150);
    for (let i = 0; i < 20; i++) grower.set('secrets', `demo/s-${i}`, entry(`demo/s-${i}`, { status: { i } }));
    await waitUntil('the first entries written', () => grower.pendingShards() === 0, 10_000);
    for (let i = 20; i < 150; i++) grower.set('secrets', `demo/s-${i}`, entry(`demo/s-${i}`, { status: { i, padding } }));
    await waitUntil('all written', () => grower.pendingShards() === 0 && seen.size === 150, 30_000);
    grower.stop();
    const shards = (await kc.makeApiClient(CoreV1Api).listNamespacedConfigMap({ namespace: ns, labelSelector: 'kubefed.io/type=secrets' })).items;
    expect(shards.length).toBeGreaterThan(1);
    const count = Number(shards[0]!.metadata!.annotations!['kubefed.io/shards']);
    expect(shards.every((s) => s.metadata?.annotations?.['kubefed.io/shards'] === String(count))).toBe(true);
    for (const s of shards) {
      const index = Number(s.metadata!.name!.split('-').pop());
      for (const value of Object.values(s.data ?? {})) expect(shardOf(JSON.parse(value).key, count)).toBe(index);
      expect(JSON.stringify(s.data).length).toBeLessThan(8 * 1024 + 1024);
    }
    expect(lost).toEqual([]);
    expect(watch.keys('secrets')).toHaveLength(150);
    await watch.stop();
  });

  it('ignores malformed and misplaced entries without throwing, and keeps reading the good ones', async () => {
    const seen = new Map<string, ReportEntry | undefined>();
    const watch = reader((typeId, key, e) => {
      if (typeId === 'pods') seen.set(key, e);
    });
    watch.start();
    await watch.waitForSync();
    const misplaced = ['demo/a', 'demo/b', 'demo/c', 'demo/d'].find((k) => shardOf(k, 2) === 1)!;
    const placed = ['demo/a', 'demo/b', 'demo/c', 'demo/d'].find((k) => shardOf(k, 2) === 0)!;
    await kc.makeApiClient(CoreV1Api).createNamespacedConfigMap({
      namespace: ns,
      body: {
        metadata: { name: 'kubefed-report-pods-0', labels: { 'kubefed.io/report': 'true', 'kubefed.io/type': 'pods' }, annotations: { 'kubefed.io/shards': '2' } },
        data: {
          [entryDataKey(placed)]: JSON.stringify({ key: placed }),
          [entryDataKey(misplaced)]: JSON.stringify({ key: misplaced }),
          [entryDataKey('demo/x')]: '{not json',
          [entryDataKey('demo/y')]: JSON.stringify({ key: 'demo/z' }),
          [entryDataKey('demo/w')]: JSON.stringify({ key: 'demo/w', done: { seq: -1, outcome: { kind: 'create', status: 'Pwned' } } }),
        },
      },
    });
    await waitUntil('the shard read', () => seen.has(placed), 10_000);
    await sleep(300);
    expect([...seen.keys()]).toEqual([placed]);
    // The misplaced one, the one that is not JSON, the one under another key's data key, the one out of bounds.
    expect(watch.invalidEntries).toBe(4);
    await watch.stop();
  });

  it('stores bundles as Secrets whose data is base64, read back as written', async () => {
    const bundles = new ShardWriter({ client, namespace: ns, store: BUNDLES, fieldManager: 'test', log, keyOf: entryKeyOf, quietMs: 50 });
    await bundles.load();
    bundles.set('configmaps', 'demo/web', JSON.stringify({ key: 'demo/web', seq: 1, action: { kind: 'delete' } }));
    await waitUntil('the bundle written', () => bundles.pendingShards() === 0, 10_000);
    bundles.stop();
    const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 'kubefed-bundle-configmaps-0', namespace: ns });
    expect(secret.type).toBe('kubefed.io/work-bundle');
    expect(JSON.parse(Buffer.from(secret.data![entryDataKey('demo/web')]!, 'base64').toString('utf8'))).toEqual({ key: 'demo/web', seq: 1, action: { kind: 'delete' } });
  });
});

// The host's side of a pull cluster on the real host API server, with this test playing the agent (it reads
// the bundle Secrets and writes report ConfigMaps): the BundleExecutor publishes work, takes an outcome only
// for the very seq and hash it published (a forged hash is ignored), hands retrying outcomes through, answers
// "not ready" at once while the heartbeat is stale but leaves the work published, publishes the same work again
// under a new seq once it was done, and removes a done deletion from the bundle when the report shows the object
// gone. The reported member cache shows what the reports say, fresh only once the agent says it listed the type.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullClusterNamespace } from '../../src/api/index.js';
import type { WorkItem, WorkOutcome } from '../../src/execution/work.js';
import { RestClient } from '../../src/kube/rest-client.js';
import type { InformerEvent } from '../../src/kube/informer.js';
import { CoreTypes } from '../../src/kube/types.js';
import type { MemberObject } from '../../src/members/member-object.js';
import { BundleExecutor } from '../../src/pull/bundle-executor.js';
import { PullLink } from '../../src/pull/link.js';
import { entryDataKey } from '../../src/pull/names.js';
import { ReportedCache } from '../../src/pull/reported-cache.js';
import { kubeConfigFor } from '../harness/env.js';
import { getOrUndefined, sleep, waitUntil } from '../harness/federation.js';
import { harnessLogger } from '../harness/log-capture.js';

const cluster = `bx-${Date.now().toString(36)}`;
const ns = pullClusterNamespace(cluster);
const log = harnessLogger('pull-bundle-executor');
const key = 'demo/web';
const desired = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'demo' }, data: { a: '1' } };
const create: WorkItem = { type: CoreTypes.configMap, targetKey: key, action: { kind: 'create', desired, hash: 'h1', adoption: { adoptResources: true } } };

let kc: KubeConfig;
let client: RestClient;
let link: PullLink;
let executor: BundleExecutor;
const depths: Array<[number, number]> = [];

const core = () => kc.makeApiClient(CoreV1Api);

/** The bundle entry of `key` as the agent would read it. */
async function published(): Promise<{ seq: number; action: { kind: string } } | undefined> {
  const secret = await getOrUndefined(core().readNamespacedSecret({ name: 'kubefed-bundle-configmaps-0', namespace: ns }));
  const raw = secret?.data?.[entryDataKey(key)];
  return raw ? JSON.parse(Buffer.from(raw, 'base64').toString('utf8')) : undefined;
}

/** Writes the report entry of `key`, as the agent does. */
async function report(entry: Record<string, unknown> | undefined): Promise<void> {
  const name = 'kubefed-report-configmaps-0';
  const data = { [entryDataKey(key)]: entry === undefined ? null : JSON.stringify({ key, ...entry }) };
  const existing = await getOrUndefined(core().readNamespacedConfigMap({ name, namespace: ns }));
  if (existing) await client.mergePatch(CoreTypes.configMap, name, ns, { data });
  else {
    await client.create(
      CoreTypes.configMap,
      { metadata: { name, namespace: ns, labels: { 'kubefed.io/report': 'true', 'kubefed.io/type': 'configmaps' }, annotations: { 'kubefed.io/shards': '1' } }, data },
      'test',
    );
  }
}

async function reportState(listed: boolean): Promise<void> {
  const body = { metadata: { name: 'kubefed-report-state', namespace: ns, labels: { 'kubefed.io/report': 'state' } }, data: { state: JSON.stringify({ epoch: 'e1', types: { configmaps: { listed, status: false, workload: false } } }) } };
  if (await getOrUndefined(core().readNamespacedConfigMap({ name: 'kubefed-report-state', namespace: ns }))) await client.mergePatch(CoreTypes.configMap, 'kubefed-report-state', ns, { data: body.data });
  else await client.create(CoreTypes.configMap, body, 'test');
}

beforeAll(async () => {
  kc = kubeConfigFor('host');
  client = await RestClient.fromKubeConfig(kc, { name: 'host' });
  await core().createNamespace({ body: { metadata: { name: ns } } });
  link = new PullLink({ cluster, host: client, log, targetNamespace: undefined, flush: { minIntervalMs: 200, quietMs: 20 } });
  link.start();
  executor = new BundleExecutor({ link, log, observer: { onDepth: (_c, queued, inFlight) => depths.push([queued, inFlight]) } });
});

afterAll(async () => {
  await executor?.stop();
  await link?.stop();
  await core().deleteNamespace({ name: ns }).catch(() => undefined);
  client?.close();
});

describe('BundleExecutor', () => {
  const outcomes: WorkOutcome[] = [];

  it('publishes submitted work as a bundle entry', async () => {
    expect(executor.submit('configmaps|demo/web', create, (o) => outcomes.push(o))).toBe(true);
    await waitUntil('the entry published', async () => (await published()) !== undefined, 10_000);
    expect(await published()).toMatchObject({ key, action: { kind: 'create', hash: 'h1', desired } });
    expect(executor.queued).toBe(1);
  });

  it('ignores an outcome for another hash or another seq, and hands retrying ones through', async () => {
    const { seq } = (await published())!;
    await report({ done: { seq, outcome: { kind: 'create', hash: 'forged', status: '' } } });
    await report({ done: { seq: seq + 1, outcome: { kind: 'create', hash: 'h1', status: '' } } });
    await sleep(500);
    expect(outcomes).toEqual([]);
    await report({ done: { seq, outcome: { kind: 'create', hash: 'h1', status: 'CreationFailed', message: 'try later', retrying: true } } });
    await waitUntil('the retrying outcome', () => outcomes.length === 1, 10_000);
    expect(outcomes[0]).toMatchObject({ status: 'CreationFailed', retrying: true });
    expect(executor.queued).toBe(1);
  });

  it('ends the work with the outcome of the published seq and hash', async () => {
    const { seq } = (await published())!;
    await report({ member: { resourceVersion: '5', managed: 'true', hash: 'h1', judgement: { hash: 'h1', drift: [] } }, done: { seq, outcome: { kind: 'create', hash: 'h1', status: '', written: { resourceVersion: '5' } } } });
    await waitUntil('the outcome', () => outcomes.length === 2, 10_000);
    expect(outcomes[1]).toEqual({ kind: 'create', hash: 'h1', status: '', written: { resourceVersion: '5' } });
    expect(executor.queued).toBe(0);
    expect(depths.at(-1)?.[0]).toBe(0);
    // The create stays published: the agent judges its member object against it.
    expect((await published())?.seq).toBe(seq);
  });

  it('publishes the same work again under a new seq once it was done, and not twice while waiting', async () => {
    const before = (await published())!.seq;
    executor.submit('configmaps|demo/web', create, () => undefined);
    await waitUntil('a new seq', async () => ((await published())?.seq ?? 0) > before, 10_000);
    const again = (await published())!.seq;
    executor.submit('configmaps|demo/web', create, () => undefined);
    await sleep(500);
    expect((await published())!.seq).toBe(again);
  });

  it('answers "not ready" at once while the heartbeat is stale, leaving the published work in place', async () => {
    const seq = (await published())!.seq;
    const answered: WorkOutcome[] = [];
    executor.submit('configmaps|demo/web', create, (o) => answered.push(o));
    expect(executor.available).toBe(true);
    executor.markNotReady();
    expect(answered).toEqual([expect.objectContaining({ status: 'ClusterNotReady', notAttempted: true })]);
    // Not available meanwhile, so that the planner hands nothing in (it would only come back at once, for ever).
    expect(executor.available).toBe(false);
    executor.submit('configmaps|demo/web', { ...create, action: { ...create.action, hash: 'h2' } as WorkItem['action'] }, (o) => answered.push(o));
    await sleep(300);
    expect(answered[1]).toMatchObject({ status: 'ClusterNotReady', notAttempted: true });
    expect((await published())!.seq).toBe(seq);
    executor.markReady();
    expect(executor.available).toBe(true);
  });

  it('removes a done deletion from the bundle once the report shows the object gone', async () => {
    const deleted: WorkOutcome[] = [];
    executor.submit('configmaps|demo/web', { type: CoreTypes.configMap, targetKey: key, action: { kind: 'delete', basedOn: '5' } }, (o) => deleted.push(o));
    await waitUntil('the delete published', async () => (await published())?.action.kind === 'delete', 10_000);
    const { seq } = (await published())!;
    await report({ member: { resourceVersion: '6', managed: 'true', deletionTimestamp: '2026-01-01T00:00:00Z' }, done: { seq, outcome: { kind: 'delete', status: 'WaitingForRemoval', basedOn: '5' } } });
    await waitUntil('the delete outcome', () => deleted.length === 1, 10_000);
    expect(deleted[0]).toMatchObject({ kind: 'delete', status: 'WaitingForRemoval' });
    await sleep(500);
    expect((await published())?.action.kind).toBe('delete');
    await report({ done: { seq, outcome: { kind: 'delete', status: 'WaitingForRemoval', basedOn: '5' } } });
    await waitUntil('the entry removed', async () => (await published()) === undefined, 10_000);
  });
});

describe('ReportedCache', () => {
  it('shows what the reports say of member objects, and is fresh only once the agent listed the type', async () => {
    const events: Array<InformerEvent<MemberObject>> = [];
    const cache = new ReportedCache(link, CoreTypes.configMap, { status: false, workload: false }, undefined, (e) => events.push(e));
    await waitUntil('the types Secret names the type', async () => {
      const types = await getOrUndefined(core().readNamespacedSecret({ name: 'kubefed-types', namespace: ns }));
      return types?.data?.types !== undefined && Buffer.from(types.data.types, 'base64').toString('utf8').includes('"configmaps"');
    }, 10_000);
    expect(cache.state().kind).toBe('filling');
    await reportState(true);
    await waitUntil('fresh', () => cache.state().kind === 'fresh', 10_000);
    await report({ member: { uid: 'u1', resourceVersion: '9', managed: 'true', hash: 'h1', judgement: { hash: 'h1', drift: ['/data/a'] } } });
    await waitUntil('the member object', () => cache.get(key)?.metadata.resourceVersion === '9', 10_000);
    expect(cache.get(key)).toEqual({
      metadata: { name: 'web', namespace: 'demo', uid: 'u1', resourceVersion: '9', labels: { 'kubefed.io/managed': 'true' }, annotations: { 'kubefed.io/propagated-hash': 'h1' } },
      judgement: { hash: 'h1', drift: ['/data/a'] },
    });
    expect(events.map((e) => e.type)).toEqual(['added']);
    await report(undefined);
    await waitUntil('gone', () => cache.get(key) === undefined, 10_000);
    expect(events.map((e) => e.type)).toEqual(['added', 'deleted']);
    await cache.stop();
  });
});

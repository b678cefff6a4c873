// KubeFed's leader lock kinds on the real host API server: with `resourceLock: configmaps` (KubeFed's
// default) or `endpoints`, the leader record lives in client-go's annotation on that object, so a replica
// of kubefed-ts and a KubeFed controller-manager holding the same lock exclude each other.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestClient } from '../../src/kube/rest-client.js';
import { LEADER_ANNOTATION, LeaderElector, type LockKind } from '../../src/leader/lease.js';
import { kubeConfigFor } from '../harness/env.js';
import { getOrUndefined, waitUntil } from '../harness/federation.js';
import { harnessLogger } from '../harness/log-capture.js';

const ns = `leader-lock-${randomBytes(3).toString('hex')}`;
const NAME = 'kubefed-controller-manager';
let host: KubeConfig;
let client: RestClient;
const electors: LeaderElector[] = [];

beforeAll(async () => {
  host = kubeConfigFor('host');
  client = await RestClient.fromKubeConfig(host, { name: 'host', userAgent: 'kubefed-ts/leader-lock-test' });
  await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
});

afterAll(async () => {
  await Promise.all(electors.map((elector) => elector.stop(false)));
  client?.close();
  await getOrUndefined(host.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }));
});

function elector(identity: string, lockKind: LockKind, leaders: string[], name = NAME): LeaderElector {
  const created = new LeaderElector({
    client,
    namespace: ns,
    name,
    identity,
    lockKind,
    leaseDurationMs: 2_000,
    renewDeadlineMs: 1_500,
    retryPeriodMs: 200,
    log: harnessLogger('leader-lock', { console: false }),
    onStartedLeading: () => leaders.push(identity),
    onStoppedLeading: () => leaders.push(`${identity} lost`),
  });
  electors.push(created);
  return created;
}

async function recordOn(kind: LockKind, name = NAME): Promise<Record<string, unknown> | undefined> {
  const core = host.makeApiClient(CoreV1Api);
  const object = kind === 'configmaps'
    ? await getOrUndefined(core.readNamespacedConfigMap({ name, namespace: ns }))
    : await getOrUndefined(core.readNamespacedEndpoints({ name, namespace: ns }));
  const text = object?.metadata?.annotations?.[LEADER_ANNOTATION];
  return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

describe("KubeFed's ConfigMap and Endpoints leader locks", () => {
  it.each<LockKind>(['configmaps', 'endpoints'])('%s: one leader, its record in client-go\'s format, and a handover on release', async (kind) => {
    const name = `${NAME}-${kind}`;
    const leaders: string[] = [];
    const first = elector('first', kind, leaders, name);
    first.start();
    await waitUntil('the first replica to lead', () => leaders.includes('first'));
    const second = elector('second', kind, leaders, name);
    second.start();

    const record = await recordOn(kind, name);
    expect(Object.keys(record!)).toEqual(['holderIdentity', 'leaseDurationSeconds', 'acquireTime', 'renewTime', 'leaderTransitions']);
    expect(record).toMatchObject({ holderIdentity: 'first', leaseDurationSeconds: 2, leaderTransitions: 0 });
    // metav1.Time: whole seconds, as client-go writes and reads it.
    expect(record!.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(leaders).toEqual(['first']);

    await first.stop(true);
    await waitUntil('the second replica to take over', () => leaders.includes('second'), 10_000);
    expect(await recordOn(kind, name)).toMatchObject({ holderIdentity: 'second', leaderTransitions: 1 });
    await second.stop(true);
  });

  it("waits out a record KubeFed wrote, and takes over only once KubeFed stopped renewing it", async () => {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const kubefedRecord = { holderIdentity: 'kubefed-go_1234', leaseDurationSeconds: 3, acquireTime: now, renewTime: now, leaderTransitions: 4 };
    await host.makeApiClient(CoreV1Api).createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: NAME, namespace: ns, annotations: { [LEADER_ANNOTATION]: JSON.stringify(kubefedRecord) } } },
    });
    const leaders: string[] = [];
    const started = Date.now();
    elector('kubefed-ts', 'configmaps', leaders).start();
    await waitUntil('kubefed-ts to lead after the KubeFed lease expired', () => leaders.includes('kubefed-ts'), 15_000);
    // The record's 3 s count from when kubefed-ts first saw it unrenewed, on its own clock.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(await recordOn('configmaps')).toMatchObject({ holderIdentity: 'kubefed-ts', leaderTransitions: 5 });
  });
});

// Operating the controller-manager as a real add-on: a real Prometheus (Debian's package) scrapes its
// /metrics, /healthz and /readyz answer, and two replicas share the work through a leader Lease: one
// reconciles, and when it is SIGKILLed the standby takes over within the lease duration, writing each
// member object once.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClusterCerts } from '../harness/certs.js';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { createFed, federateNamespace, propagationOf, writeRequests, writesBetween } from '../harness/fed-objects.js';
import {
  getOrUndefined,
  KUBEFED_NS,
  prepareFederation,
  waitUntil,
} from '../harness/federation.js';
import { freePort, httpGet, startControllerManagerProcess, startProcess, type RunningProcess } from '../harness/processes.js';

let host: KubeConfig;
let member1: KubeConfig;
const started: RunningProcess[] = [];
const ns = `ops-${Date.now().toString(36)}`;

beforeAll(async () => {
  host = kubeConfigFor('host');
  member1 = kubeConfigFor('member1');
  await prepareFederation(host, testEnv().clusters.host!.kubeconfigPath, [
    { name: 'member1', kc: member1 },
    { name: 'member2', kc: kubeConfigFor('member2') },
  ]);
  await federateNamespace(host, ns, ['member1']);
}, 120_000);

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop('SIGKILL')));
});

const fedConfigMap = (name: string) => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind: 'FederatedConfigMap',
  metadata: { name, namespace: ns },
  spec: { template: { data: { name } }, placement: { clusters: [{ name: 'member1' }] } },
});

describe('health, readiness and metrics', () => {
  it('serves /healthz and /readyz, and a real Prometheus scrapes the reconcile counter from /metrics', async () => {
    const cm = await startControllerManagerProcess(['--leader-elect', 'false']);
    started.push(cm);
    expect(await httpGet(`http://127.0.0.1:${cm.healthPort}/healthz`)).toEqual({ status: 200, body: 'ok' });
    await expect.poll(async () => (await httpGet(`http://127.0.0.1:${cm.healthPort}/readyz`)).status, { timeout: 30_000 }).toBe(200);
    await createFed(host, 'federatedconfigmaps', fedConfigMap('scraped'));
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'scraped', ns), { timeout: 20_000 }).toEqual({ status: 'True', clusters: ['member1'] });

    const dir = await mkdtemp(path.join(os.tmpdir(), 'kubefed-ts-prom-'));
    try {
      const promPort = await freePort();
      await writeFile(
        path.join(dir, 'prometheus.yml'),
        `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: kubefed-ts\n    static_configs: [{ targets: ['127.0.0.1:${cm.metricsPort}'] }]\n`,
      );
      const prometheus = startProcess('prometheus', [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
      ]);
      started.push(prometheus);
      const query = async (q: string) => {
        try {
          const res = await httpGet(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(q)}`);
          return (JSON.parse(res.body) as { data?: { result?: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data?.result ?? [];
        } catch {
          return [];
        }
      };
      await expect
        .poll(async () => (await query('sum by (controller) (controller_runtime_reconcile_total{controller="federatedconfigmap"})')).length, { timeout: 30_000, interval: 500 })
        .toBe(1);
      const [series] = await query('sum by (controller) (controller_runtime_reconcile_total{controller="federatedconfigmap"})');
      expect(Number(series!.value[1])).toBeGreaterThan(0);
      expect((await query('kubefed_cluster_ready{cluster="member1"}'))[0]?.value[1]).toBe('1');
      expect((await query('kubefed_member_writes_total{controller="federatedconfigmap",cluster="member1",action="create",outcome="success"}')).length).toBe(1);
      await prometheus.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(await cm.stop()).toBe(0);
  }, 120_000);
});

describe('admission webhook in the controller-manager process', () => {
  it('serves the webhook over HTTPS with the given certificate, rejects a bad ReplicaSchedulingPreference and adds the finalizer to a new FederatedConfigMap', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kubefed-ts-webhook-'));
    try {
      const certs = await generateClusterCerts(path.join(dir, 'pki'), 'webhook');
      await copyFile(certs.servingCertPath, path.join(dir, 'tls.crt'));
      await copyFile(certs.servingKeyPath, path.join(dir, 'tls.key'));
      const cm = await startControllerManagerProcess(['--leader-elect', 'false', '--webhook-addr', '127.0.0.1:0', '--webhook-cert-dir', dir]);
      started.push(cm);
      await waitUntil('webhook serving', () => cm.logs().some((l) => l.msg === 'serving the admission webhook'), 20_000);
      const port = Number(cm.logs().find((l) => l.msg === 'serving the admission webhook')!.port);
      /** An AdmissionReview asking to create `object` of `group/version` `resource`. */
      const createReview = (uid: string, group: string, version: string, resource: string, object: { kind: string; metadata: { name: string; namespace: string } } & Record<string, unknown>) => ({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid,
          operation: 'CREATE',
          kind: { group, version, kind: object.kind },
          resource: { group, version, resource },
          namespace: object.metadata.namespace,
          name: object.metadata.name,
          object: { apiVersion: `${group}/${version}`, ...object },
        },
      });
      const review = createReview('test-uid', 'scheduling.kubefed.io', 'v1alpha1', 'replicaschedulingpreferences', {
        kind: 'ReplicaSchedulingPreference', metadata: { name: 'x', namespace: 'y' }, spec: { targetKind: 'FederatedService', totalReplicas: 3 },
      });
      const post = (webhookPath: string, body: unknown) =>
        new Promise<string>((resolve, reject) => {
          const req = https.request(
            { host: '127.0.0.1', port, path: webhookPath, method: 'POST', ca: certs.caCertPem, headers: { 'Content-Type': 'application/json' } },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString()));
              res.on('end', () => resolve(text));
            },
          );
          req.on('error', reject);
          req.end(JSON.stringify(body));
        });
      const parsed = JSON.parse(await post('/validate-replicaschedulingpreference', review)) as { response: { uid: string; allowed: boolean; status: { message: string } } };
      expect(parsed.response).toMatchObject({ uid: 'test-uid', allowed: false });
      expect(parsed.response.status.message).toMatch(/spec\.targetKind/);

      // The mutating path knows from the FTCs' status that FederatedConfigMaps are synced (this replica leads).
      const create = createReview('create-uid', 'types.kubefed.io', 'v1beta1', 'federatedconfigmaps', { kind: 'FederatedConfigMap', metadata: { name: 'x', namespace: ns }, spec: {} });
      await expect
        .poll(async () => {
          const answer = JSON.parse(await post('/mutate-federated', create)) as { response: { patch?: string } };
          return answer.response.patch ? JSON.parse(Buffer.from(answer.response.patch, 'base64').toString()) : undefined;
        }, { timeout: 20_000 })
        .toEqual([{ op: 'add', path: '/metadata/finalizers', value: ['kubefed.io/sync-controller'] }]);
      // Both reviews are counted on /metrics.
      const metrics = (await httpGet(`http://127.0.0.1:${cm.metricsPort}/metrics`)).body;
      expect(metrics).toMatch(/^kubefed_webhook_reviews_total\{path="\/validate-replicaschedulingpreference",outcome="denied"\} 1$/m);
      expect(metrics).toMatch(/^kubefed_webhook_reviews_total\{path="\/mutate-federated",outcome="patched"\} 1$/m);
      expect(await cm.stop()).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('leader election', () => {
  it('runs one leader among two replicas; when the leader dies the standby takes over within the lease duration, writing each object once', async () => {
    const leaseApi = host.makeApiClient(CoordinationV1Api);
    const holder = async () => (await getOrUndefined(leaseApi.readNamespacedLease({ name: 'kubefed-controller-manager', namespace: KUBEFED_NS })))?.spec?.holderIdentity;
    const a = await startControllerManagerProcess(['--leader-elect-identity', 'replica-a']);
    started.push(a);
    await expect.poll(holder, { timeout: 30_000 }).toBe('replica-a');
    const b = await startControllerManagerProcess(['--leader-elect-identity', 'replica-b']);
    started.push(b);
    // The standby is ready (to take over) but reconciles nothing.
    await expect.poll(async () => (await httpGet(`http://127.0.0.1:${b.healthPort}/readyz`)).status, { timeout: 10_000 }).toBe(200);
    expect((await httpGet(`http://127.0.0.1:${b.metricsPort}/metrics`)).body).toMatch(/^kubefed_leader 0$/m);
    expect(b.logs().some((l) => l.msg === 'controller-manager started')).toBe(false);

    const before = await writeRequests(member1, ['configmaps']);
    const names = Array.from({ length: 40 }, (_, i) => `failover-${i}`);
    for (const name of names.slice(0, 20)) await createFed(host, 'federatedconfigmaps', fedConfigMap(name));
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    for (const name of names.slice(20)) await createFed(host, 'federatedconfigmaps', fedConfigMap(name));

    await waitUntil('replica-b leads', async () => (await holder()) === 'replica-b', 40_000);
    const takeoverMs = Date.now() - killedAt;
    // Default lease: 15 s, renewed every 2 s; the standby must not wait much longer than one lease.
    expect(takeoverMs).toBeLessThan(15_000 + 2 * 2_000 + 2_000);
    // The Lease is written before the process logs its promotion: wait for the line rather than race it.
    await expect.poll(() => b.logs().some((l) => l.msg === 'promoted as leader'), { timeout: 5_000 }).toBe(true);

    const configMaps = member1.makeApiClient(CoreV1Api);
    await expect
      .poll(async () => (await configMaps.listNamespacedConfigMap({ namespace: ns, labelSelector: 'kubefed.io/managed=true' })).items.map((c) => c.metadata!.name).filter((n) => n!.startsWith('failover-')).length, { timeout: 30_000 })
      .toBe(names.length);
    await waitUntil('propagation reported', async () => (await propagationOf(host, 'federatedconfigmaps', names[names.length - 1]!, ns)).status === 'True', 20_000);
    // Every member object was written exactly once across both leaders: no object written by both.
    expect(writesBetween(before, await writeRequests(member1, ['configmaps']))).toEqual({ 'configmaps APPLY': names.length });
    expect(await b.stop()).toBe(0);
  }, 120_000);
});

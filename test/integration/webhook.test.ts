// The validating webhook behind a real kube-apiserver: our HTTPS server runs in the test process with a
// certificate made by openssl, a ValidatingWebhookConfiguration on the host points the API server at it,
// and the real kubectl sees objects the CRD schema accepts refused by the webhook, naming the field; a
// MutatingWebhookConfiguration sends KubeFedConfigs to the defaulting path.
// Only objects carrying this run's label are sent to the webhook, so no other test file can be blocked.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookServer, WEBHOOK_PATHS, type WebhookServer } from '../../src/webhook/server.js';
import { generateClusterCerts } from '../harness/certs.js';
import { kubectl, testEnv } from '../harness/env.js';
import { installCrds, waitUntil } from '../harness/federation.js';
import { harnessLogger } from '../harness/log-capture.js';

const suffix = randomBytes(3).toString('hex');
const LABEL_KEY = 'webhook-test';
const LABEL_VALUE = `wt-${suffix}`;
const ns = `webhook-test-${suffix}`;
const CONFIGURATION_NAME = `kubefed-ts-webhook-test-${suffix}`;
const WEBHOOK_DOMAIN = 'webhook-test.kubefed.io';

let tmpDir: string | undefined;
let caPem = '';
let server: WebhookServer | undefined;
let configurationApplied = false;
let namespaceCreated = false;

type Json = Record<string, unknown>;

interface Rule {
  apiGroups: string[];
  apiVersions: string[];
  resources: string[];
}

function webhookConfiguration(port: number, caBundle: string): Json {
  const webhook = (name: string, webhookPath: string, rule: Rule) => ({
    name: `${name}.${WEBHOOK_DOMAIN}`,
    clientConfig: { url: `https://127.0.0.1:${port}${webhookPath}`, caBundle },
    rules: [{ ...rule, operations: ['CREATE', 'UPDATE'], scope: '*' }],
    // Only this run's objects: nothing else on the shared API server ever waits for (or on) this server.
    objectSelector: { matchLabels: { [LABEL_KEY]: LABEL_VALUE } },
    failurePolicy: 'Fail',
    sideEffects: 'None',
    timeoutSeconds: 5,
    matchPolicy: 'Equivalent',
    admissionReviewVersions: ['v1'],
  });
  const core = (resources: string[]): Rule => ({ apiGroups: ['core.kubefed.io'], apiVersions: ['v1beta1'], resources });
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: CONFIGURATION_NAME },
    webhooks: [
      webhook('replicaschedulingpreferences', WEBHOOK_PATHS.replicaSchedulingPreference, {
        apiGroups: ['scheduling.kubefed.io'],
        apiVersions: ['v1alpha1'],
        resources: ['replicaschedulingpreferences'],
      }),
      // `*` covers every federated type but none of their status subresources (written by the controller).
      webhook('federated', WEBHOOK_PATHS.federated, { apiGroups: ['types.kubefed.io'], apiVersions: ['v1beta1'], resources: ['*'] }),
      webhook('kubefedclusters', WEBHOOK_PATHS.kubeFedCluster, core(['kubefedclusters', 'kubefedclusters/status'])),
      webhook('federatedtypeconfigs', WEBHOOK_PATHS.federatedTypeConfig, core(['federatedtypeconfigs', 'federatedtypeconfigs/status'])),
      webhook('kubefedconfigs', WEBHOOK_PATHS.kubeFedConfig, core(['kubefedconfigs'])),
    ],
  };
}

/** KubeFed's defaulting webhook for KubeFedConfigs, on this run's objects only. */
function mutatingConfiguration(port: number, caBundle: string): Json {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: CONFIGURATION_NAME },
    webhooks: [
      {
        name: `kubefedconfigs.${WEBHOOK_DOMAIN}`,
        clientConfig: { url: `https://127.0.0.1:${port}${WEBHOOK_PATHS.kubeFedConfigDefaults}`, caBundle },
        rules: [{ apiGroups: ['core.kubefed.io'], apiVersions: ['v1beta1'], resources: ['kubefedconfigs'], operations: ['CREATE', 'UPDATE'], scope: '*' }],
        objectSelector: { matchLabels: { [LABEL_KEY]: LABEL_VALUE } },
        failurePolicy: 'Fail',
        sideEffects: 'None',
        timeoutSeconds: 5,
        admissionReviewVersions: ['v1'],
      },
    ],
  };
}

const labelled = { [LABEL_KEY]: LABEL_VALUE };

function rsp(name: string, spec: Json, labels: Json = labelled): Json {
  return {
    apiVersion: 'scheduling.kubefed.io/v1alpha1',
    kind: 'ReplicaSchedulingPreference',
    metadata: { name, namespace: ns, labels },
    spec,
  };
}

function federatedDeployment(name: string, overrides: Json[], labels: Json = labelled): Json {
  return {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedDeployment',
    metadata: { name, namespace: ns, labels },
    spec: {
      template: {
        metadata: { labels: { app: name } },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
        },
      },
      placement: { clusterSelector: { matchLabels: { region: 'eu' } } },
      overrides,
    },
  };
}

async function apply(object: Json, ...extraArgs: string[]) {
  return kubectl('host', ['apply', ...extraArgs, '-f', '-'], yaml.dump(object));
}

/** Applies expecting the webhook to refuse; returns kubectl's error text. */
async function refusedByWebhook(object: Json, webhookName: string): Promise<string> {
  const result = await apply(object);
  expect(result.code, `expected a refusal, kubectl said: ${result.stdout}`).not.toBe(0);
  expect(result.stderr).toContain(`admission webhook "${webhookName}.${WEBHOOK_DOMAIN}" denied the request`);
  return result.stderr;
}

/** The CRD on its own accepts the object (server-side dry run without our label, so no webhook is asked). */
async function expectCrdAccepts(object: Json): Promise<void> {
  const metadata = object.metadata as Json;
  const unlabelled = { ...object, metadata: { ...metadata, labels: {} } };
  const result = await apply(unlabelled, '--dry-run=server');
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
}

function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca }, (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

beforeAll(async () => {
  tmpDir = await mkdtemp(path.join(os.tmpdir(), 'kubefed-ts-webhook-'));
  const certs = await generateClusterCerts(tmpDir, 'webhook');
  caPem = await readFile(certs.caCertPath, 'utf8');
  server = await startWebhookServer({
    port: 0, host: '127.0.0.1', certPath: certs.servingCertPath, keyPath: certs.servingKeyPath,
    // Quiet as before, but captured with the suite's logs for the credential scan.
    log: harnessLogger('webhook', { console: false }),
  });

  await installCrds(testEnv().clusters.host!.kubeconfigPath);
  const namespace = await kubectl('host', ['create', 'namespace', ns]);
  if (namespace.code !== 0) throw new Error(`cannot create namespace ${ns}: ${namespace.stderr}`);
  namespaceCreated = true;

  configurationApplied = true; // set first: a half-applied configuration must still be deleted
  const registered = await apply(webhookConfiguration(server.port, Buffer.from(caPem).toString('base64')));
  if (registered.code !== 0) throw new Error(`cannot register the webhook: ${registered.stderr}`);
  const mutating = await apply(mutatingConfiguration(server.port, Buffer.from(caPem).toString('base64')));
  if (mutating.code !== 0) throw new Error(`cannot register the mutating webhook: ${mutating.stderr}`);

  // The API server picks up webhook configurations asynchronously; wait until it calls ours.
  const probe = rsp('probe', { targetKind: 'FederatedService', totalReplicas: 1 });
  await waitUntil('the API server to call the webhook', async () => {
    const result = await apply(probe, '--dry-run=server');
    return result.stderr.includes('denied the request');
  });
});

afterAll(async () => {
  const problems: string[] = [];
  // The registration goes first, so nothing can be sent to a server that is gone.
  if (configurationApplied) {
    for (const kind of ['validatingwebhookconfiguration', 'mutatingwebhookconfiguration']) {
      const result = await kubectl('host', ['delete', kind, CONFIGURATION_NAME, '--ignore-not-found']);
      if (result.code !== 0) problems.push(`delete ${kind}: ${result.stderr}`);
    }
  }
  try {
    await server?.close();
  } catch (error) {
    problems.push(`stop server: ${(error as Error).message}`);
  }
  if (namespaceCreated) {
    const result = await kubectl('host', ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
    if (result.code !== 0) problems.push(`delete namespace: ${result.stderr}`);
  }
  if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
  if (problems.length > 0) throw new Error(`webhook test cleanup failed: ${problems.join('; ')}`);
});

describe('validating webhook on a real API server', () => {
  it('serves /readyz over HTTPS with a certificate the CA vouches for', async () => {
    expect(await httpsGet(`https://127.0.0.1:${server!.port}/readyz`, caPem)).toEqual({ status: 200, body: 'ok' });
  });

  it('refuses a ReplicaSchedulingPreference for a kind it cannot schedule, naming spec.targetKind', async () => {
    const bad = rsp('web-service', { targetKind: 'FederatedService', totalReplicas: 3 });
    await expectCrdAccepts(bad);
    const error = await refusedByWebhook(bad, 'replicaschedulingpreferences');
    expect(error).toContain('spec.targetKind: must be FederatedDeployment or FederatedReplicaSet (got "FederatedService")');
  });

  it('refuses a ReplicaSchedulingPreference with a key that is not a cluster name, naming the key', async () => {
    const bad = rsp('web-keys', { targetKind: 'FederatedDeployment', totalReplicas: 3, clusters: { 'Member One': { weight: 1 } } });
    await expectCrdAccepts(bad);
    expect(await refusedByWebhook(bad, 'replicaschedulingpreferences')).toContain('spec.clusters["Member One"]: is not a cluster name');
  });

  it('refuses an override replacing /metadata (a parent of metadata.name), naming the override path', async () => {
    const bad = federatedDeployment('web-meta', [
      { clusterName: 'member1', clusterOverrides: [{ op: 'replace', path: '/metadata', value: { name: 'other' } }] },
    ]);
    await expectCrdAccepts(bad);
    const error = await refusedByWebhook(bad, 'federated');
    expect(error).toContain('spec.overrides[0].clusterOverrides[0].path: "/metadata" covers /metadata/name');
  });

  it('refuses duplicate override paths and clusters, naming each', async () => {
    const bad = federatedDeployment('web-dup', [
      { clusterName: 'member1', clusterOverrides: [{ path: '/spec/replicas', value: 2 }, { path: '/spec/replicas', value: 3 }] },
      { clusterName: 'member1', clusterOverrides: [] },
    ]);
    await expectCrdAccepts(bad);
    const error = await refusedByWebhook(bad, 'federated');
    expect(error).toContain('spec.overrides[0].clusterOverrides[1].path: "/spec/replicas" appears more than once for cluster "member1"');
    expect(error).toContain('spec.overrides[1].clusterName: cluster "member1" appears more than once');
  });

  it('refuses a KubeFedCluster whose apiEndpoint has an impossible port, naming spec.apiEndpoint', async () => {
    const bad = {
      apiVersion: 'core.kubefed.io/v1beta1',
      kind: 'KubeFedCluster',
      metadata: { name: 'bad-port', namespace: ns, labels: labelled },
      spec: { apiEndpoint: 'https://member.example.com:99999', secretRef: { name: 'bad-port-token' } },
    };
    await expectCrdAccepts(bad);
    expect(await refusedByWebhook(bad, 'kubefedclusters')).toContain('spec.apiEndpoint: port "99999" is not a number from 1 to 65535');
  });

  it('accepts valid objects, and then judges their updates', async () => {
    const goodRsp = rsp('web', { targetKind: 'FederatedDeployment', totalReplicas: 4, clusters: { '*': { weight: 1 }, member1: { minReplicas: 1, maxReplicas: 3 } } });
    const created = await apply(goodRsp);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);

    const goodFed = federatedDeployment('web', [
      { clusterName: 'member1', clusterOverrides: [{ path: '/spec/replicas', value: 2 }, { op: 'add', path: '/metadata/labels/tier', value: 'gold' }] },
    ]);
    const fedCreated = await apply(goodFed);
    expect(fedCreated.stderr).toBe('');
    expect(fedCreated.code).toBe(0);
    const stored = await kubectl('host', ['get', 'federateddeployment', 'web', '-n', ns, '-o', 'jsonpath={.spec.overrides[0].clusterName}']);
    expect(stored.stdout).toBe('member1');

    // An update that breaks a rule is refused like a create.
    const worse = federatedDeployment('web', [{ clusterName: 'member1', clusterOverrides: [{ op: 'remove', path: '/metadata' }] }]);
    expect(await refusedByWebhook(worse, 'federated')).toContain('spec.overrides[0].clusterOverrides[0].path');
    const worseRsp = rsp('web', { targetKind: 'FederatedJob', totalReplicas: 4 });
    expect(await refusedByWebhook(worseRsp, 'replicaschedulingpreferences')).toContain('spec.targetKind: must be FederatedDeployment or FederatedReplicaSet (got "FederatedJob")');

    const better = rsp('web', { targetKind: 'FederatedReplicaSet', totalReplicas: 6 });
    const updated = await apply(better);
    expect(updated.stderr).toBe('');
    expect(updated.code).toBe(0);
  });
});

describe("KubeFedConfig defaulting webhook (KubeFed's /default-kubefedconfig) on a real API server", () => {
  const kubeFedConfig = (spec: Json): Json => ({
    apiVersion: 'core.kubefed.io/v1beta1',
    kind: 'KubeFedConfig',
    metadata: { name: 'kubefed', namespace: ns, labels: labelled },
    spec,
  });
  const stored = async (): Promise<Json> => {
    const result = await kubectl('host', ['get', 'kubefedconfig', 'kubefed', '-n', ns, '-o', 'json']);
    expect(result.code, result.stderr).toBe(0);
    return (JSON.parse(result.stdout) as { spec: Json }).spec;
  };

  it("completes the feature gates, sorted, and keeps KubeFed's values where they are written", async () => {
    // The CRD's own default only fills an absent list: a partial one is completed by the webhook alone.
    const partial = kubeFedConfig({
      scope: 'Cluster',
      featureGates: [{ name: 'SchedulerPreferences', configuration: 'Disabled' }, { name: 'RawResourceStatusCollection', configuration: 'Enabled' }],
      // KubeFed's own defaults for the three that kubefed-ts defaults differently: written, so kept.
      leaderElect: { retryPeriod: '5s', resourceLock: 'configmaps' },
      syncController: { maxConcurrentReconciles: 1 },
    });
    // The API server picks up webhook registrations asynchronously: wait until ours is called.
    await waitUntil('the API server to call the defaulting webhook', async () => {
      const result = await kubectl('host', ['create', '--dry-run=server', '-o', 'json', '-f', '-'], yaml.dump(partial));
      return result.code === 0 && (JSON.parse(result.stdout) as { spec: { featureGates: unknown[] } }).spec.featureGates.length === 3;
    });
    const created = await apply(partial);
    expect(created.stderr).toBe('');
    const spec = await stored();
    expect(spec.featureGates).toEqual([
      { name: 'PushReconciler', configuration: 'Enabled' },
      { name: 'RawResourceStatusCollection', configuration: 'Enabled' },
      { name: 'SchedulerPreferences', configuration: 'Disabled' },
    ]);
    expect(spec.leaderElect).toEqual({ leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '5s', resourceLock: 'configmaps' });
    expect(spec.syncController).toEqual({ maxConcurrentReconciles: 1, adoptResources: 'Enabled' });

    // On update too: a gate dropped from the list comes back at its default.
    const fewer = await apply(kubeFedConfig({ ...spec, featureGates: [{ name: 'PushReconciler', configuration: 'Disabled' }] }));
    expect(fewer.stderr).toBe('');
    expect((await stored()).featureGates).toEqual([
      { name: 'PushReconciler', configuration: 'Disabled' },
      { name: 'RawResourceStatusCollection', configuration: 'Disabled' },
      { name: 'SchedulerPreferences', configuration: 'Enabled' },
    ]);
  });
});

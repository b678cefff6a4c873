// The mutating webhook on a real kube-apiserver: a federated object created while its type's sync controller
// runs carries the controller's finalizer from its first version, so the controller never updates the object
// (the host API server's own request counts say so). The webhook runs in this process with an openssl
// certificate and watches the FTCs as each replica does; the controller-manager runs in process too. Only
// objects with this run's label are sent to the webhook, so no other test file ever waits on it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import { startWebhookServer, SyncedTypesWatch, WEBHOOK_PATHS, type WebhookServer } from '../../src/webhook/index.js';
import { generateClusterCerts } from '../harness/certs.js';
import { kubeConfigFor, kubectl, testEnv } from '../harness/env.js';
import { deleteFed, federateNamespace, getFed, propagationOf, TYPES, writeRequests, writesBetween, type Obj } from '../harness/fed-objects.js';
import { customObjects, getOrUndefined, KUBEFED_NS, prepareFederation, startReadyManager, waitUntil } from '../harness/federation.js';
import { harnessLogger } from '../harness/log-capture.js';

const FINALIZER = 'kubefed.io/sync-controller';
const suffix = randomBytes(3).toString('hex');
const LABEL_KEY = 'finalizer-webhook-test';
const LABEL_VALUE = `fw-${suffix}`;
const ns = `finalizer-webhook-${suffix}`;
const CONFIGURATION_NAME = `kubefed-ts-finalizer-webhook-${suffix}`;

let host: KubeConfig;
let member1: KubeConfig;
let manager: ControllerManager | undefined;
let tmpDir: string | undefined;
let server: WebhookServer | undefined;
let syncedTypes: SyncedTypesWatch | undefined;
let registered = false;

const labelled = { [LABEL_KEY]: LABEL_VALUE };

function fedConfigMap(name: string, labels: Record<string, string> = labelled): Obj {
  return {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedConfigMap',
    metadata: { name, namespace: ns, labels },
    spec: { template: { data: { name } }, placement: { clusters: [{ name: 'member1' }] } },
  };
}

function createRaw(plural: string, body: Obj, dryRun?: 'All'): Promise<Obj> {
  return customObjects(host).createNamespacedCustomObject({ ...TYPES, plural, namespace: ns, body, ...(dryRun && { dryRun }) }) as Promise<Obj>;
}

/** Managers of the object's main resource (not its status) that own `metadata.finalizers`. */
function finalizerOwners(fed: Obj): string[] {
  return (fed.metadata.managedFields ?? [])
    .filter((entry: Obj) => !entry.subresource && entry.fieldsV1?.['f:metadata']?.['f:finalizers'])
    .map((entry: Obj) => `${entry.manager}/${entry.operation}`);
}

const memberConfigMap = (name: string) => getOrUndefined(member1.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace: ns }));

beforeAll(async () => {
  host = kubeConfigFor('host');
  member1 = kubeConfigFor('member1');
  await prepareFederation(host, testEnv().clusters.host!.kubeconfigPath, [{ name: 'member1', kc: member1 }]);
  manager = await startReadyManager(host, 1);
  await federateNamespace(host, ns, ['member1']);

  tmpDir = await mkdtemp(path.join(os.tmpdir(), 'kubefed-ts-finalizer-webhook-'));
  const certs = await generateClusterCerts(tmpDir, 'webhook');
  const log = harnessLogger('finalizer-webhook', { console: false });
  syncedTypes = new SyncedTypesWatch(manager.host, KUBEFED_NS, log);
  syncedTypes.start();
  server = await startWebhookServer({
    port: 0, host: '127.0.0.1', certPath: certs.servingCertPath, keyPath: certs.servingKeyPath, log,
    syncFinalizer: { lookup: syncedTypes.lookup },
  });
  registered = true; // first: a half-applied configuration must still be deleted
  const caBundle = Buffer.from(await readFile(certs.caCertPath, 'utf8')).toString('base64');
  const result = await kubectl('host', ['apply', '-f', '-'], yaml.dump({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: CONFIGURATION_NAME },
    webhooks: [{
      name: `finalizers.${LABEL_VALUE}.kubefed.io`,
      clientConfig: { url: `https://127.0.0.1:${server.port}${WEBHOOK_PATHS.federatedFinalizer}`, caBundle },
      rules: [{ apiGroups: ['types.kubefed.io'], apiVersions: ['v1beta1'], resources: ['*'], operations: ['CREATE'], scope: '*' }],
      objectSelector: { matchLabels: labelled },
      // As the chart registers it: the controller adds the finalizer itself when the webhook cannot.
      failurePolicy: 'Ignore',
      sideEffects: 'None',
      reinvocationPolicy: 'Never',
      timeoutSeconds: 5,
      matchPolicy: 'Equivalent',
      admissionReviewVersions: ['v1'],
    }],
  }));
  if (result.code !== 0) throw new Error(`cannot register the webhook: ${result.stderr}`);
  // The API server picks up webhook configurations asynchronously: wait until a dry run comes back mutated.
  await waitUntil('the API server to call the mutating webhook', async () =>
    (await createRaw('federatedconfigmaps', fedConfigMap('probe'), 'All')).metadata.finalizers?.includes(FINALIZER) === true,
  );
}, 120_000);

afterAll(async () => {
  if (registered) await kubectl('host', ['delete', 'mutatingwebhookconfiguration', CONFIGURATION_NAME, '--ignore-not-found']);
  await server?.close();
  await syncedTypes?.stop();
  await manager?.stop();
  await kubectl('host', ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
  if (tmpDir) await rm(tmpDir, { recursive: true, force: true });
});

describe('mutating webhook: the sync controller\'s finalizer at create', () => {
  it('creates the object with the finalizer, and the controller propagates it without one update of the object', async () => {
    const before = await writeRequests(host, ['federatedconfigmaps']);
    const created = await createRaw('federatedconfigmaps', fedConfigMap('early'));
    expect(created.metadata.finalizers).toEqual([FINALIZER]);
    await expect.poll(async () => (await memberConfigMap('early'))?.data, { timeout: 20_000 }).toEqual({ name: 'early' });
    await expect.poll(async () => (await propagationOf(host, 'federatedconfigmaps', 'early', ns)).status, { timeout: 20_000 }).toBe('True');
    // The host saw our create and the controller's status writes, and no write of the object itself.
    const writes = writesBetween(before, await writeRequests(host, ['federatedconfigmaps']));
    expect(writes['federatedconfigmaps POST']).toBe(1);
    expect(writes['federatedconfigmaps PATCH'] ?? 0).toBe(0);
    expect(writes['federatedconfigmaps/status PATCH']).toBeGreaterThanOrEqual(1);
    // Nobody owns the finalizer (fields set by a mutating webhook are not attributed): the controller never wrote it.
    const fed = (await getFed(host, 'federatedconfigmaps', 'early', ns))!;
    expect(fed.metadata.finalizers).toEqual([FINALIZER]);
    expect(finalizerOwners(fed)).toEqual([]);
  });

  it('leaves an object the webhook is not asked about to the controller, which adds the finalizer with a PATCH', async () => {
    const before = await writeRequests(host, ['federatedconfigmaps']);
    const created = await createRaw('federatedconfigmaps', fedConfigMap('unlabelled', {}));
    expect(created.metadata.finalizers).toBeUndefined();
    await expect.poll(async () => (await getFed(host, 'federatedconfigmaps', 'unlabelled', ns))?.metadata.finalizers, { timeout: 20_000 }).toEqual([FINALIZER]);
    await expect.poll(async () => (await memberConfigMap('unlabelled'))?.data, { timeout: 20_000 }).toEqual({ name: 'unlabelled' });
    expect(writesBetween(before, await writeRequests(host, ['federatedconfigmaps']))['federatedconfigmaps PATCH']).toBe(1);
    const fed = (await getFed(host, 'federatedconfigmaps', 'unlabelled', ns))!;
    expect(finalizerOwners(fed)).toContain('kubefed-ts/Update');
  });

  it('deleting an object that got its finalizer from the webhook deletes the member object, then the object', async () => {
    await expect.poll(async () => (await memberConfigMap('early'))?.data, { timeout: 20_000 }).toEqual({ name: 'early' });
    await deleteFed(host, 'federatedconfigmaps', 'early', ns);
    await expect.poll(async () => await memberConfigMap('early'), { timeout: 20_000 }).toBeUndefined();
    await expect.poll(async () => await getFed(host, 'federatedconfigmaps', 'early', ns), { timeout: 20_000 }).toBeUndefined();
  });

  it('adds no finalizer to an object of a type whose sync controller does not run, so deleting it is immediate', async () => {
    const ftcs = customObjects(host);
    const ftc = { group: 'core.kubefed.io', version: 'v1beta1', namespace: KUBEFED_NS, plural: 'federatedtypeconfigs', name: 'secrets' };
    const setPropagation = (propagation: string) => ftcs.patchNamespacedCustomObject({ ...ftc, body: [{ op: 'replace', path: '/spec/propagation', value: propagation }] });
    await setPropagation('Disabled');
    try {
      await waitUntil('the webhook to see secrets not running', () => syncedTypes!.lookup('types.kubefed.io', 'federatedsecrets') === undefined, 20_000);
      const secret = {
        apiVersion: 'types.kubefed.io/v1beta1',
        kind: 'FederatedSecret',
        metadata: { name: 'idle', namespace: ns, labels: labelled },
        spec: { template: { stringData: { a: 'b' } }, placement: { clusters: [{ name: 'member1' }] } },
      };
      const created = await createRaw('federatedsecrets', secret);
      expect(created.metadata.finalizers).toBeUndefined();
      await deleteFed(host, 'federatedsecrets', 'idle', ns);
      expect(await getFed(host, 'federatedsecrets', 'idle', ns)).toBeUndefined();
    } finally {
      await setPropagation('Enabled');
      await waitUntil('secrets running again', () => syncedTypes!.lookup('types.kubefed.io', 'federatedsecrets') !== undefined, 30_000);
    }
  });

  it('a FederatedNamespace named unlike its namespace gets no finalizer, and one given ours by hand can still be deleted', async () => {
    const named = (name: string, finalizers?: string[]) => ({
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedNamespace',
      metadata: { name, namespace: ns, labels: labelled, ...(finalizers && { finalizers }) },
      spec: { placement: { clusters: [{ name: 'member1' }] } },
    });
    expect((await createRaw('federatednamespaces', named('not-the-namespace'))).metadata.finalizers).toBeUndefined();
    // The controller never propagates it, so it holds nothing to clean up: its deletion must not wait on us.
    await createRaw('federatednamespaces', named('finalized-by-hand', [FINALIZER]));
    await deleteFed(host, 'federatednamespaces', 'finalized-by-hand', ns);
    await expect.poll(async () => await getFed(host, 'federatednamespaces', 'finalized-by-hand', ns), { timeout: 20_000 }).toBeUndefined();
    await deleteFed(host, 'federatednamespaces', 'not-the-namespace', ns);
  });

  it('when the webhook cannot be reached, the create goes through and the controller adds the finalizer', async () => {
    await server!.close();
    server = undefined;
    const created = await createRaw('federatedconfigmaps', fedConfigMap('webhook-down'));
    expect(created.metadata.finalizers).toBeUndefined();
    await expect.poll(async () => (await getFed(host, 'federatedconfigmaps', 'webhook-down', ns))?.metadata.finalizers, { timeout: 20_000 }).toEqual([FINALIZER]);
    await expect.poll(async () => (await memberConfigMap('webhook-down'))?.data, { timeout: 20_000 }).toEqual({ name: 'webhook-down' });
  });
});

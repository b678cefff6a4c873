import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookApp, KUBEFED_FEDERATED_TYPE_CONFIG_PATH, startWebhookServer, WEBHOOK_PATHS } from '../../../src/webhook/server.js';

interface Served {
  url: string;
  close(): Promise<void>;
}

async function serve(options: Parameters<typeof createWebhookApp>[0] = {}): Promise<Served> {
  const server: Server = createWebhookApp(options).listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const rsp = (spec: Record<string, unknown>) => ({
  apiVersion: 'scheduling.kubefed.io/v1alpha1',
  kind: 'ReplicaSchedulingPreference',
  metadata: { name: 'web', namespace: 'apps' },
  spec,
});

function review(request: Record<string, unknown>, apiVersion = 'admission.k8s.io/v1') {
  return {
    apiVersion,
    kind: 'AdmissionReview',
    request: {
      uid: 'f0b7c3a4-0000-4000-8000-000000000001',
      kind: { group: 'scheduling.kubefed.io', version: 'v1alpha1', kind: 'ReplicaSchedulingPreference' },
      resource: { group: 'scheduling.kubefed.io', version: 'v1alpha1', resource: 'replicaschedulingpreferences' },
      name: 'web',
      namespace: 'apps',
      operation: 'CREATE',
      ...request,
    },
  };
}

describe('webhook HTTP handler', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve({ bodyLimitBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await served.close();
  });

  async function post(path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
    const response = await fetch(`${served.url}${path}`, { method: 'POST', body, headers });
    const text = await response.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text };
  }

  it('allows a valid object, echoing the uid', async () => {
    const body = review({ object: rsp({ targetKind: 'FederatedDeployment', totalReplicas: 3 }) });
    const { status, json } = await post(WEBHOOK_PATHS.replicaSchedulingPreference, JSON.stringify(body));
    expect(status).toBe(200);
    expect(json).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: body.request.uid, allowed: true, status: { status: 'Success', code: 200, reason: '', message: '' } },
    });
  });

  it('denies an invalid object with 403 Forbidden and the fields named', async () => {
    const body = review({ object: rsp({ targetKind: 'FederatedService', totalReplicas: 3, clusters: { a: { minReplicas: 4, maxReplicas: 3 } } }) });
    const { status, json } = await post(WEBHOOK_PATHS.replicaSchedulingPreference, JSON.stringify(body));
    expect(status).toBe(200);
    expect(json.response).toMatchObject({ uid: body.request.uid, allowed: false, status: { status: 'Failure', code: 403, reason: 'Forbidden' } });
    expect(json.response.status.message).toBe(
      'spec.targetKind: must be FederatedDeployment or FederatedReplicaSet (got "FederatedService"); ' +
        'spec.clusters["a"].minReplicas: must not exceed maxReplicas (3)',
    );
  });

  it('answers a v1beta1 review in v1beta1', async () => {
    const body = review({ object: rsp({ targetKind: 'FederatedDeployment', totalReplicas: 1 }) }, 'admission.k8s.io/v1beta1');
    const { json } = await post(WEBHOOK_PATHS.replicaSchedulingPreference, JSON.stringify(body));
    expect(json).toMatchObject({ apiVersion: 'admission.k8s.io/v1beta1', response: { allowed: true } });
  });

  it('answers 400 BadRequest inside the review when there is no object to judge', async () => {
    const body = review({ object: 'not an object' });
    const { status, json } = await post(WEBHOOK_PATHS.replicaSchedulingPreference, JSON.stringify(body));
    expect(status).toBe(200);
    expect(json.response).toMatchObject({ uid: body.request.uid, allowed: false, status: { code: 400, reason: 'BadRequest' } });
  });

  it('allows DELETE without looking at the object', async () => {
    const body = review({ operation: 'DELETE', object: null, oldObject: rsp({ targetKind: 'FederatedService' }) });
    const { json } = await post(WEBHOOK_PATHS.replicaSchedulingPreference, JSON.stringify(body));
    expect(json.response).toMatchObject({ allowed: true });
  });

  it('allows (as KubeFed did) a request for a resource the path is not meant for', async () => {
    const body = review({
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
      object: rsp({ targetKind: 'FederatedService', totalReplicas: -1 }),
    });
    const { json } = await post(WEBHOOK_PATHS.replicaSchedulingPreference, JSON.stringify(body));
    expect(json.response).toMatchObject({ allowed: true });
  });

  it.each([
    [WEBHOOK_PATHS.kubeFedCluster, 'kubefedclusters', 'core.kubefed.io', { apiEndpoint: 'https://x:0', secretRef: { name: 'x' } }, 'spec.apiEndpoint: '],
    [WEBHOOK_PATHS.federatedTypeConfig, 'federatedtypeconfigs', 'core.kubefed.io', {}, 'spec.targetType: required'],
    [KUBEFED_FEDERATED_TYPE_CONFIG_PATH, 'federatedtypeconfigs', 'core.kubefed.io', {}, 'spec.targetType: required'],
    [WEBHOOK_PATHS.kubeFedConfig, 'kubefedconfigs', 'core.kubefed.io', { scope: 'Everywhere' }, 'spec.scope: '],
    [
      WEBHOOK_PATHS.federated,
      'federatedconfigmaps',
      'types.kubefed.io',
      { overrides: [{ clusterName: 'a', clusterOverrides: [{ op: 'replace', path: '/metadata', value: {} }] }] },
      'spec.overrides[0].clusterOverrides[0].path: ',
    ],
  ])('routes %s to its rules', async (path, resource, group, spec, messagePart) => {
    const body = review({ resource: { group, version: 'v1beta1', resource }, object: { metadata: { name: 'x' }, spec } });
    const { json } = await post(path, JSON.stringify(body));
    expect(json.response).toMatchObject({ allowed: false, status: { code: 403, reason: 'Forbidden' } });
    expect(json.response.status.message).toContain(messagePart);
  });

  it.each<[string, string]>([
    ['malformed JSON', '{"apiVersion": "admission.k8s.io/v1", '],
    ['a JSON string', '"hello"'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
    ['an empty body', ''],
    ['another kind', JSON.stringify({ apiVersion: 'v1', kind: 'Pod' })],
    ['an unsupported apiVersion', JSON.stringify({ ...review({}), apiVersion: 'admission.k8s.io/v2' })],
    ['a review without request', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' })],
    ['a request without uid', JSON.stringify(review({ uid: '' }))],
    ['a request without operation', JSON.stringify(review({ operation: 7 }))],
  ])('answers HTTP 400 BadRequest for %s', async (_name, body) => {
    const { status, json } = await post(WEBHOOK_PATHS.replicaSchedulingPreference, body);
    expect(status).toBe(400);
    expect(json).toMatchObject({ kind: 'AdmissionReview', response: { allowed: false, status: { code: 400, reason: 'BadRequest' } } });
    expect(json.response.status.message).not.toBe('');
  });

  it.each<[string, Record<string, string>, number]>([
    ['a corrupt gzip body', { 'content-type': 'application/json', 'content-encoding': 'gzip' }, 400],
    ['an unknown content encoding', { 'content-type': 'application/json', 'content-encoding': 'zip-zap' }, 415],
    ['an unsupported charset', { 'content-type': 'application/json; charset=latin-9000' }, 415],
  ])('answers an AdmissionReview-shaped error for %s', async (_name, headers, expected) => {
    const { status, json } = await post(WEBHOOK_PATHS.federated, '{"kind": "AdmissionReview"}', headers);
    expect(status).toBe(expected);
    expect(json).toMatchObject({ kind: 'AdmissionReview', response: { allowed: false, status: { code: expected } } });
  });

  it('reads a JSON body whatever its content type', async () => {
    const body = review({ object: rsp({ targetKind: 'FederatedDeployment', totalReplicas: 1 }) });
    const { json } = await post(WEBHOOK_PATHS.replicaSchedulingPreference, JSON.stringify(body), { 'content-type': 'text/plain' });
    expect(json.response).toMatchObject({ allowed: true });
  });

  it('answers 413 with a clear message for a body over the limit, and keeps serving', async () => {
    const huge = review({ object: rsp({ targetKind: 'FederatedDeployment', totalReplicas: 1, padding: 'x'.repeat(100 * 1024) }) });
    const { status, json } = await post(WEBHOOK_PATHS.replicaSchedulingPreference, JSON.stringify(huge));
    expect(status).toBe(413);
    expect(json.response.status).toMatchObject({ code: 413, reason: 'RequestEntityTooLarge', message: 'the request body exceeds the limit of 65536 bytes' });

    const small = review({ object: rsp({ targetKind: 'FederatedDeployment', totalReplicas: 1 }) });
    expect((await post(WEBHOOK_PATHS.replicaSchedulingPreference, JSON.stringify(small))).json.response.allowed).toBe(true);
  });

  it('answers 405 to other methods on webhook paths', async () => {
    const response = await fetch(`${served.url}${WEBHOOK_PATHS.federated}`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it('answers 404 elsewhere', async () => {
    const { status, text } = await post('/validate-something-else', '{}');
    expect(status).toBe(404);
    expect(text).toContain('/validate-federated');
  });

  it('reports ready on /readyz and alive on /healthz', async () => {
    expect(await (await fetch(`${served.url}/readyz`)).text()).toBe('ok');
    expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
  });
});

describe('mutating path: the sync controller\'s finalizer', () => {
  const fedConfigMapCreate = (resource = 'federatedconfigmaps') =>
    JSON.stringify(
      review({
        kind: { group: 'types.kubefed.io', version: 'v1beta1', kind: 'FederatedConfigMap' },
        resource: { group: 'types.kubefed.io', version: 'v1beta1', resource },
        object: { apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name: 'web', namespace: 'apps' }, spec: {} },
      }),
    );
  const post = async (served: Served, body: string) => {
    const response = await fetch(`${served.url}${WEBHOOK_PATHS.federatedFinalizer}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    return (await response.json()) as { response: { allowed: boolean; patchType?: string; patch?: string } };
  };
  const running = (group: string, resource: string) =>
    group === 'types.kubefed.io' && resource === 'federatedconfigmaps' ? { key: `${group}/${resource}`, isNamespace: false } : undefined;

  it('answers a JSONPatch (base64) that adds the finalizer for a running type, and none for another', async () => {
    const served = await serve({ syncFinalizer: { lookup: running } });
    try {
      const { response } = await post(served, fedConfigMapCreate());
      expect(response.allowed).toBe(true);
      expect(response.patchType).toBe('JSONPatch');
      expect(JSON.parse(Buffer.from(response.patch!, 'base64').toString())).toEqual([
        { op: 'add', path: '/metadata/finalizers', value: ['kubefed.io/sync-controller'] },
      ]);
      const other = await post(served, fedConfigMapCreate('federatedsecrets'));
      expect(other.response).toMatchObject({ allowed: true });
      expect(other.response.patch).toBeUndefined();
    } finally {
      await served.close();
    }
  });

  it('admits unchanged without the FTC knowledge, and when the lookup fails', async () => {
    for (const options of [{}, { syncFinalizer: { lookup: () => { throw new Error('broken'); } } }]) {
      const served = await serve(options);
      try {
        const { response } = await post(served, fedConfigMapCreate());
        expect(response.allowed).toBe(true);
        expect(response.patch).toBeUndefined();
        expect(response.patchType).toBeUndefined();
      } finally {
        await served.close();
      }
    }
  });
});

describe('observer', () => {
  it('is told how every review ended: allowed, patched, denied, or invalid (not a review, or a body it could not read)', async () => {
    const seen: string[] = [];
    const served = await serve({
      bodyLimitBytes: 1024,
      syncFinalizer: { lookup: (group, resource) => (resource === 'federatedconfigmaps' ? { key: `${group}/${resource}`, isNamespace: false } : undefined) },
      observer: { onReview: (path, outcome, seconds) => seen.push(`${path} ${outcome} ${seconds >= 0}`) },
    });
    const post = (path: string, body: string) => fetch(`${served.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    try {
      await post(WEBHOOK_PATHS.replicaSchedulingPreference, JSON.stringify(review({ object: rsp({ targetKind: 'FederatedDeployment', totalReplicas: 3 }) })));
      await post(WEBHOOK_PATHS.replicaSchedulingPreference, JSON.stringify(review({ object: rsp({ targetKind: 'FederatedService', totalReplicas: 3 }) })));
      await post(WEBHOOK_PATHS.federatedFinalizer, JSON.stringify(review({
        resource: { group: 'types.kubefed.io', version: 'v1beta1', resource: 'federatedconfigmaps' },
        object: { kind: 'FederatedConfigMap', metadata: { name: 'web', namespace: 'apps' } },
      })));
      await post(WEBHOOK_PATHS.replicaSchedulingPreference, JSON.stringify({ kind: 'NotAReview' }));
      await post(WEBHOOK_PATHS.replicaSchedulingPreference, JSON.stringify({ padding: 'x'.repeat(4096) }));
      expect(seen).toEqual([
        `${WEBHOOK_PATHS.replicaSchedulingPreference} allowed true`,
        `${WEBHOOK_PATHS.replicaSchedulingPreference} denied true`,
        `${WEBHOOK_PATHS.federatedFinalizer} patched true`,
        `${WEBHOOK_PATHS.replicaSchedulingPreference} invalid true`,
        `${WEBHOOK_PATHS.replicaSchedulingPreference} invalid true`,
      ]);
    } finally {
      await served.close();
    }
  });
});

describe('readiness', () => {
  it('is 503 when not ready', async () => {
    const served = await serve({ isReady: () => false });
    try {
      expect((await fetch(`${served.url}/readyz`)).status).toBe(503);
    } finally {
      await served.close();
    }
  });
});

describe('startWebhookServer', () => {
  it('rejects when the certificate cannot be read', async () => {
    await expect(
      startWebhookServer({ port: 0, host: '127.0.0.1', certPath: '/nonexistent/tls.crt', keyPath: '/nonexistent/tls.key' }),
    ).rejects.toThrow(/ENOENT/);
  });
});

describe("mutating path: KubeFedConfig defaults (KubeFed's /default-kubefedconfig)", () => {
  it('answers a JSONPatch that completes the feature gates, and allows other resources unchanged', async () => {
    const served = await serve();
    const post = async (resource: string) => {
      const body = review({
        kind: { group: 'core.kubefed.io', version: 'v1beta1', kind: 'KubeFedConfig' },
        resource: { group: 'core.kubefed.io', version: 'v1beta1', resource },
        object: { apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedConfig', metadata: { name: 'kubefed' }, spec: { scope: 'Cluster', featureGates: [] } },
      });
      const response = await fetch(`${served.url}/default-kubefedconfig`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      return ((await response.json()) as { response: { allowed: boolean; patchType?: string; patch?: string } }).response;
    };
    try {
      const response = await post('kubefedconfigs');
      expect(response).toMatchObject({ allowed: true, patchType: 'JSONPatch' });
      const [operation] = JSON.parse(Buffer.from(response.patch!, 'base64').toString()) as Array<{ op: string; path: string; value: { featureGates: unknown } }>;
      expect(operation).toMatchObject({ op: 'add', path: '/spec' });
      expect(operation!.value.featureGates).toEqual([
        { name: 'PushReconciler', configuration: 'Enabled' },
        { name: 'RawResourceStatusCollection', configuration: 'Disabled' },
        { name: 'SchedulerPreferences', configuration: 'Enabled' },
      ]);
      const other = await post('kubefedclusters');
      expect(other.allowed).toBe(true);
      expect(other.patch).toBeUndefined();
    } finally {
      await served.close();
    }
  });
});

// The generated CRDs on a real kube-apiserver: they install and become Established, KubeFed's documented
// manifests are accepted (with server-side defaults), malformed ones are rejected naming the field, and
// kubectl's short names, category and printer columns work. Names are unique per run; the namespace is
// deleted at the end, so re-runs against the same servers are fine.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ApiException, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeFedConfigSpecSchema } from '../../src/api/kubefedconfig.js';
import { renderCrdFiles } from '../../src/api/crd/render.js';
import { kubeConfigFor, kubectl } from '../harness/env.js';

const crdDir = fileURLToPath(new URL('../../crds/', import.meta.url));
const ns = `crd-test-${randomBytes(3).toString('hex')}`;
const CA_BUNDLE = Buffer.from('-----BEGIN CERTIFICATE-----\nnot really a certificate\n-----END CERTIFICATE-----\n').toString(
  'base64',
);

interface Resource {
  group: string;
  version: string;
  plural: string;
}
const KFC: Resource = { group: 'core.kubefed.io', version: 'v1beta1', plural: 'kubefedclusters' };
const KUBEFED_CONFIG: Resource = { group: 'core.kubefed.io', version: 'v1beta1', plural: 'kubefedconfigs' };
const FTC: Resource = { group: 'core.kubefed.io', version: 'v1beta1', plural: 'federatedtypeconfigs' };
const RSP: Resource = { group: 'scheduling.kubefed.io', version: 'v1alpha1', plural: 'replicaschedulingpreferences' };
const FED_DEPLOYMENT: Resource = { group: 'types.kubefed.io', version: 'v1beta1', plural: 'federateddeployments' };

let objects: CustomObjectsApi;

async function create(resource: Resource, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  return (await objects.createNamespacedCustomObject({ ...resource, namespace: ns, body })) as Record<string, unknown>;
}

/** Creates the object expecting a rejection; returns the API server's message. */
async function rejection(resource: Resource, body: Record<string, unknown>): Promise<string> {
  try {
    await create(resource, body);
  } catch (error) {
    if (!(error instanceof ApiException)) throw error;
    expect(error.code).toBe(422);
    return String((JSON.parse(String(error.body)) as { message?: string }).message);
  }
  throw new Error(`${resource.plural} ${JSON.stringify(body)} was accepted`);
}

const kubeFedCluster = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'core.kubefed.io/v1beta1',
  kind: 'KubeFedCluster',
  metadata: { name },
  spec,
});
const goodClusterSpec = () => ({
  apiEndpoint: 'https://192.168.49.2:8443',
  caBundle: CA_BUNDLE,
  proxyURL: '',
  secretRef: { name: 'member-a-b5hdz' },
});

const configMapsFtc = (name = 'configmaps', overrides: Record<string, unknown> = {}) => ({
  apiVersion: 'core.kubefed.io/v1beta1',
  kind: 'FederatedTypeConfig',
  metadata: { name },
  spec: {
    federatedType: {
      group: 'types.kubefed.io',
      kind: 'FederatedConfigMap',
      pluralName: 'federatedconfigmaps',
      scope: 'Namespaced',
      version: 'v1beta1',
    },
    propagation: 'Enabled',
    targetType: { kind: 'ConfigMap', pluralName: 'configmaps', scope: 'Namespaced', version: 'v1' },
    ...overrides,
  },
});

const rsp = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'scheduling.kubefed.io/v1alpha1',
  kind: 'ReplicaSchedulingPreference',
  metadata: { name },
  spec,
});

const fedDeployment = (name: string, overrides: unknown[]) => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind: 'FederatedDeployment',
  metadata: { name },
  spec: {
    template: {
      metadata: { name: 'mynginx' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { run: 'mynginx' } },
        template: {
          metadata: { labels: { run: 'mynginx' } },
          spec: { containers: [{ image: 'nginx:latest', imagePullPolicy: 'IfNotPresent', name: 'nginx' }] },
        },
      },
    },
    placement: { clusters: [{ name: 'member1' }, { name: 'member2' }] },
    overrides,
  },
});

const kubeFedConfig = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'core.kubefed.io/v1beta1',
  kind: 'KubeFedConfig',
  metadata: { name },
  spec,
});

beforeAll(async () => {
  const kc = kubeConfigFor('host');
  objects = kc.makeApiClient(CustomObjectsApi);
  // Server-side apply under our own field manager: idempotent, and other suites may apply the same files.
  const applied = await kubectl('host', [
    'apply', '--server-side', '--force-conflicts', '--field-manager=kubefed-ts-crds', '-f', crdDir,
  ]);
  expect(applied.code, applied.stderr).toBe(0);
  const names = [...renderCrdFiles().keys()].map((file) => {
    const [group, plural] = file.replace(/\.yaml$/, '').split('_');
    return `crd/${plural}.${group}`;
  });
  const established = await kubectl('host', ['wait', '--for=condition=Established', '--timeout=60s', ...names]);
  expect(established.code, established.stderr).toBe(0);
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
});

afterAll(async () => {
  await kubectl('host', ['delete', 'namespace', ns, '--wait=false', '--ignore-not-found']);
});

describe('generated CRDs on a real API server', () => {
  it('installs every CRD with its names and category', async () => {
    const result = await kubectl('host', ['get', 'crd', '-o', 'name']);
    expect(result.code).toBe(0);
    for (const file of renderCrdFiles().keys()) {
      const [group, plural] = file.replace(/\.yaml$/, '').split('_');
      expect(result.stdout).toContain(`customresourcedefinition.apiextensions.k8s.io/${plural}.${group}`);
    }
  });

  describe('accepts KubeFed manifests', () => {
    it('a KubeFedCluster with apiEndpoint, caBundle and secretRef, and its status', async () => {
      const created = await create(KFC, kubeFedCluster('member-a', goodClusterSpec()));
      // A KubeFed manifest means Push, as it always did: the API server fills that in.
      expect(created.spec).toEqual({ ...goodClusterSpec(), syncMode: 'Push' });
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      await objects.replaceNamespacedCustomObjectStatus({
        ...KFC,
        namespace: ns,
        name: 'member-a',
        body: {
          ...created,
          status: {
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'ClusterReady',
                message: '/healthz responded with ok',
                lastProbeTime: now,
                lastTransitionTime: now,
              },
            ],
            kubernetesVersion: 'v1.35.4',
          },
        },
      });
    });

    it('a pull-mode KubeFedCluster with neither apiEndpoint nor secretRef', async () => {
      const created = await create(KFC, kubeFedCluster('edge-a', { syncMode: 'Pull' }));
      expect(created.spec).toEqual({ syncMode: 'Pull' });
      // The kubectl test below lists this namespace's objects.
      await objects.deleteNamespacedCustomObject({ ...KFC, namespace: ns, name: 'edge-a' });
    });

    it('a FederatedTypeConfig for configmaps', async () => {
      const created = await create(FTC, configMapsFtc());
      expect((created.spec as { propagation: string }).propagation).toBe('Enabled');
    });

    it('a ReplicaSchedulingPreference with totalReplicas and per-cluster weight/minReplicas/maxReplicas', async () => {
      const created = await create(
        RSP,
        rsp('test-deployment', {
          targetKind: 'FederatedDeployment',
          totalReplicas: 3,
          rebalance: true,
          clusters: { member1: { minReplicas: 1, maxReplicas: 1, weight: 1 }, '*': { weight: 2 } },
        }),
      );
      // Server-side defaults for the zero values the planner relies on.
      expect((created.spec as { clusters: unknown }).clusters).toEqual({
        member1: { minReplicas: 1, maxReplicas: 1, weight: 1 },
        '*': { minReplicas: 0, weight: 2 },
      });
    });

    it('a KubeFedConfig with only a scope, defaulted by the API server exactly as zod defaults it', async () => {
      const created = await create(KUBEFED_CONFIG, kubeFedConfig('kubefed', { scope: 'Cluster' }));
      const spec = created.spec as Record<string, Record<string, unknown>>;
      expect(spec.leaderElect).toEqual({ leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '2s', resourceLock: 'leases' });
      expect(spec.controllerDuration).toEqual({ availableDelay: '20s', unavailableDelay: '1m0s', cacheSyncTimeout: '5m0s' });
      expect(spec).toEqual(KubeFedConfigSpecSchema.parse({ scope: 'Cluster' }));
    });

    it('a KubeFedConfig in KubeFed style (configmaps lock, durations in Go form)', async () => {
      await create(
        KUBEFED_CONFIG,
        kubeFedConfig('kubefed-style', {
          scope: 'Namespaced',
          controllerDuration: { availableDelay: '20s', unavailableDelay: '1m0s', cacheSyncTimeout: '5m0s' },
          leaderElect: { leaseDuration: '1500ms', renewDeadline: '1000ms', retryPeriod: '500ms', resourceLock: 'configmaps' },
          featureGates: [
            { name: 'PushReconciler', configuration: 'Enabled' },
            { name: 'RawResourceStatusCollection', configuration: 'Enabled' },
          ],
          clusterHealthCheck: { period: '10s', failureThreshold: 3, successThreshold: 1, timeout: '3s' },
          syncController: { maxConcurrentReconciles: 16, adoptResources: 'Enabled' },
          statusController: { maxConcurrentReconciles: 1 },
        }),
      );
    });

    it('a FederatedDeployment with placement and overrides', async () => {
      const created = await create(
        FED_DEPLOYMENT,
        fedDeployment('test-deployment', [
          {
            clusterName: 'member2',
            clusterOverrides: [
              { path: '/spec/replicas', value: 5 },
              { op: 'add', path: '/metadata/labels/x', value: 'y' },
            ],
          },
        ]),
      );
      expect(((created.spec as Record<string, Record<string, unknown>>).template?.spec as { replicas: number }).replicas).toBe(3);
    });
  });

  describe('rejects malformed manifests, naming the field', () => {
    it.each([
      [
        'a KubeFedCluster without secretRef',
        KFC,
        kubeFedCluster('no-secret', { apiEndpoint: 'https://10.0.0.1' }),
        'spec.secretRef',
      ],
      [
        'a Push KubeFedCluster (the default) without apiEndpoint',
        KFC,
        kubeFedCluster('no-endpoint', { secretRef: { name: 'x' } }),
        'spec.apiEndpoint',
      ],
      [
        'a KubeFedCluster with an unknown syncMode',
        KFC,
        kubeFedCluster('bad-mode', { ...goodClusterSpec(), syncMode: 'Both' }),
        'spec.syncMode',
      ],
      [
        'a KubeFedCluster with "*" next to other TLS validations',
        KFC,
        kubeFedCluster('bad-tls', { ...goodClusterSpec(), disabledTLSValidations: ['*', 'SubjectName'] }),
        'spec.disabledTLSValidations',
      ],
      [
        'a KubeFedCluster with an ftp endpoint',
        KFC,
        kubeFedCluster('bad-endpoint', { ...goodClusterSpec(), apiEndpoint: 'ftp://10.0.0.1' }),
        'spec.apiEndpoint',
      ],
      [
        'a KubeFedCluster with an invalid caBundle',
        KFC,
        kubeFedCluster('bad-ca', { ...goodClusterSpec(), caBundle: 'not base64!' }),
        'spec.caBundle',
      ],
      [
        'a FederatedTypeConfig with propagation: Maybe',
        FTC,
        configMapsFtc('configmaps', { propagation: 'Maybe' }),
        'spec.propagation',
      ],
      ['a FederatedTypeConfig whose name does not match its target', FTC, configMapsFtc('secrets'), 'metadata.name'],
      [
        'a FederatedTypeConfig whose federated group has no dot',
        FTC,
        configMapsFtc('configmaps', {
          federatedType: {
            group: 'types',
            kind: 'FederatedConfigMap',
            pluralName: 'federatedconfigmaps',
            scope: 'Namespaced',
            version: 'v1beta1',
          },
        }),
        'spec.federatedType.group',
      ],
      [
        'a ReplicaSchedulingPreference with totalReplicas as a string',
        RSP,
        rsp('string-total', { targetKind: 'FederatedDeployment', totalReplicas: '3' }),
        'spec.totalReplicas',
      ],
      [
        'a ReplicaSchedulingPreference with negative totalReplicas',
        RSP,
        rsp('negative-total', { targetKind: 'FederatedDeployment', totalReplicas: -1 }),
        'spec.totalReplicas',
      ],
      [
        'a ReplicaSchedulingPreference with minReplicas > maxReplicas',
        RSP,
        rsp('min-above-max', {
          targetKind: 'FederatedDeployment',
          totalReplicas: 3,
          clusters: { member1: { minReplicas: 3, maxReplicas: 1 } },
        }),
        'spec.clusters[member1].minReplicas',
      ],
      [
        'a ReplicaSchedulingPreference with a negative weight',
        RSP,
        rsp('negative-weight', { targetKind: 'FederatedDeployment', totalReplicas: 3, clusters: { '*': { weight: -1 } } }),
        'spec.clusters.*.weight',
      ],
      [
        'a FederatedDeployment overriding /metadata/name',
        FED_DEPLOYMENT,
        fedDeployment('override-name', [{ clusterName: 'member1', clusterOverrides: [{ path: '/metadata/name', value: 'x' }] }]),
        'spec.overrides[0].clusterOverrides[0].path',
      ],
      [
        'a FederatedDeployment with an override op move',
        FED_DEPLOYMENT,
        fedDeployment('override-move', [{ clusterName: 'member1', clusterOverrides: [{ op: 'move', path: '/spec/replicas' }] }]),
        'spec.overrides[0].clusterOverrides[0].op',
      ],
      ['a KubeFedConfig without scope', KUBEFED_CONFIG, kubeFedConfig('no-scope', {}), 'spec.scope'],
      [
        'a KubeFedConfig with leaseDuration <= renewDeadline',
        KUBEFED_CONFIG,
        kubeFedConfig('short-lease', { scope: 'Cluster', leaderElect: { leaseDuration: '5s' } }),
        'spec.leaderElect.leaseDuration',
      ],
      [
        'a KubeFedConfig with renewDeadline <= 1.2 * retryPeriod',
        KUBEFED_CONFIG,
        kubeFedConfig('tight-renew', { scope: 'Cluster', leaderElect: { renewDeadline: '10s', retryPeriod: '9s' } }),
        'spec.leaderElect.renewDeadline',
      ],
      [
        'a KubeFedConfig with a zero duration',
        KUBEFED_CONFIG,
        kubeFedConfig('zero-delay', { scope: 'Cluster', controllerDuration: { availableDelay: '0s' } }),
        'spec.controllerDuration.availableDelay',
      ],
      [
        'a KubeFedConfig with a malformed duration',
        KUBEFED_CONFIG,
        kubeFedConfig('bad-delay', { scope: 'Cluster', clusterHealthCheck: { period: '10 seconds' } }),
        'spec.clusterHealthCheck.period',
      ],
      [
        'a KubeFedConfig with a zero pull heartbeat grace period',
        KUBEFED_CONFIG,
        kubeFedConfig('zero-grace', { scope: 'Cluster', clusterHealthCheck: { pullHeartbeatGracePeriod: '0s' } }),
        'spec.clusterHealthCheck.pullHeartbeatGracePeriod',
      ],
      [
        'a KubeFedConfig with a malformed lease duration',
        KUBEFED_CONFIG,
        kubeFedConfig('bad-lease', { scope: 'Cluster', leaderElect: { leaseDuration: '15 s' } }),
        'spec.leaderElect.leaseDuration',
      ],
      [
        'a KubeFedConfig with a duplicate feature gate',
        KUBEFED_CONFIG,
        kubeFedConfig('dup-gate', {
          scope: 'Cluster',
          featureGates: [
            { name: 'PushReconciler', configuration: 'Enabled' },
            { name: 'PushReconciler', configuration: 'Disabled' },
          ],
        }),
        'spec.featureGates',
      ],
      [
        'a KubeFedConfig with an unknown feature gate',
        KUBEFED_CONFIG,
        kubeFedConfig('unknown-gate', { scope: 'Cluster', featureGates: [{ name: 'Teleport', configuration: 'Enabled' }] }),
        'spec.featureGates[0].name',
      ],
    ] as const)('%s', async (_title, resource, body, field) => {
      const message = await rejection(resource, body as Record<string, unknown>);
      expect(message).toContain(field);
      // CEL rules guard against input the schema already rejects, so users see one clear error.
      expect(message).not.toContain('conversion error');
    });

    it('says why apiEndpoint and secretRef are required: the cluster is in Push mode', async () => {
      const message = await rejection(KFC, kubeFedCluster('push-bare', { syncMode: 'Push' }));
      expect(message).toContain('spec.apiEndpoint: Required value: apiEndpoint is required when syncMode is Push');
      expect(message).toContain('spec.secretRef: Required value: secretRef is required when syncMode is Push');
    });

    it('keeps a Push cluster from dropping its secretRef on update (switching to Pull may)', async () => {
      await create(KFC, kubeFedCluster('push-keeps', goodClusterSpec()));
      const dropSecret = [{ op: 'remove', path: '/spec/secretRef' }];
      await expect(
        objects.patchNamespacedCustomObject({ ...KFC, namespace: ns, name: 'push-keeps', body: dropSecret }),
      ).rejects.toMatchObject({ code: 422 });
      const switched = (await objects.patchNamespacedCustomObject({
        ...KFC,
        namespace: ns,
        name: 'push-keeps',
        body: [{ op: 'replace', path: '/spec/syncMode', value: 'Pull' }, ...dropSecret],
      })) as { spec: Record<string, unknown> };
      expect(switched.spec.syncMode).toBe('Pull');
      expect(switched.spec.secretRef).toBeUndefined();
      await objects.deleteNamespacedCustomObject({ ...KFC, namespace: ns, name: 'push-keeps' });
    });

    it('a KubeFedCluster status with an unknown condition type', async () => {
      const current = (await objects.getNamespacedCustomObject({ ...KFC, namespace: ns, name: 'member-a' })) as object;
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const update = objects.replaceNamespacedCustomObjectStatus({
        ...KFC,
        namespace: ns,
        name: 'member-a',
        body: { ...current, status: { conditions: [{ type: 'Happy', status: 'True', lastProbeTime: now }] } },
      });
      await expect(update).rejects.toThrow(/status\.conditions\[0\]\.type/);
    });

    it('a change of KubeFedConfig scope', async () => {
      await create(KUBEFED_CONFIG, kubeFedConfig('immutable-scope', { scope: 'Cluster' }));
      const patched = await kubectl('host', [
        'patch', 'kubefedconfig', 'immutable-scope', '-n', ns, '--type=merge', '-p', '{"spec":{"scope":"Namespaced"}}',
      ]);
      expect(patched.code).not.toBe(0);
      expect(patched.stderr).toContain('spec.scope');
      expect(patched.stderr).toContain('scope is immutable');
    });
  });

  describe('kubectl', () => {
    it('gets kfc, ftc and rsp by short name, with their printer columns', async () => {
      const kfc = await kubectl('host', ['get', 'kfc', '-n', ns]);
      expect(kfc.code).toBe(0);
      expect(kfc.stdout).toMatch(/NAME\s+READY\s+KUBERNETES-VERSION\s+AGE/);
      expect(kfc.stdout).toMatch(/member-a\s+True\s+v1\.35\.4\s+/);

      const ftc = await kubectl('host', ['get', 'ftc', '-n', ns]);
      expect(ftc.stdout).toMatch(/NAME\s+TARGET-KIND\s+PROPAGATION\s+CONTROLLER\s+AGE/);
      expect(ftc.stdout).toMatch(/configmaps\s+ConfigMap\s+Enabled\s+/);

      const wide = await kubectl('host', ['get', 'ftc', '-n', ns, '-o', 'wide']);
      expect(wide.stdout).toMatch(/configmaps\s+ConfigMap\s+FederatedConfigMap\s+Enabled\s+/);

      const rsps = await kubectl('host', ['get', 'rsp', '-n', ns]);
      expect(rsps.stdout).toMatch(/NAME\s+TARGET-KIND\s+TOTAL\s+REBALANCE\s+SCHEDULED\s+AGE/);
      expect(rsps.stdout).toMatch(/test-deployment\s+FederatedDeployment\s+3\s+true\s+/);

      const all = await kubectl('host', ['get', 'kfc,ftc,rsp', '-n', ns, '-o', 'name']);
      expect(all.code).toBe(0);
      expect(all.stdout.split('\n').filter(Boolean).sort()).toEqual([
        'federatedtypeconfig.core.kubefed.io/configmaps',
        'kubefedcluster.core.kubefed.io/member-a',
        'replicaschedulingpreference.scheduling.kubefed.io/test-deployment',
      ]);
    });

    it('gets everything of ours with `kubectl get federation`', async () => {
      const result = await kubectl('host', ['get', 'federation', '-n', ns, '-o', 'name']);
      expect(result.code).toBe(0);
      const names = result.stdout.split('\n').filter(Boolean);
      expect(names).toEqual(
        expect.arrayContaining([
          'kubefedcluster.core.kubefed.io/member-a',
          'kubefedconfig.core.kubefed.io/kubefed',
          'federatedtypeconfig.core.kubefed.io/configmaps',
          'replicaschedulingpreference.scheduling.kubefed.io/test-deployment',
          'federateddeployment.types.kubefed.io/test-deployment',
        ]),
      );
    });

    it('shows the Propagation condition of a federated object', async () => {
      const result = await kubectl('host', ['get', 'fdeploy', '-n', ns]);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/NAME\s+PROPAGATION\s+AGE/);
      expect(result.stdout).toMatch(/test-deployment\s+/);
    });
  });
});

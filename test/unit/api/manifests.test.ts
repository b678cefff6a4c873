// The zod schemas against manifests as KubeFed's documentation shows them, and against broken variants.
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  completeFeatureGates,
  defaultKubeFedConfigSpec,
  FederatedResourceSchema,
  FederatedTypeConfigSchema,
  federatedResourceSchema,
  KubeFedClusterSchema,
  KubeFedConfigSchema,
  KubeFedConfigSpecSchema,
  ReplicaSchedulingPreferenceSchema,
} from '../../../src/api/index.js';

const CA_BUNDLE = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n').toString('base64');

const load = (text: string) => yaml.load(text) as Record<string, unknown>;

const kubeFedClusterYaml = `
apiVersion: core.kubefed.io/v1beta1
kind: KubeFedCluster
metadata:
  name: minikube
  namespace: kube-federation-system
  creationTimestamp: "2022-01-14T05:50:07Z"
  generation: 1
  resourceVersion: "1903"
  uid: b0df6700-d1b2-42c2-b49f-8b5694b01125
spec:
  apiEndpoint: https://192.168.49.2:8443
  caBundle: ${CA_BUNDLE}
  proxyURL: ""
  secretRef:
    name: minikube-b5hdz
status:
  conditions:
  - type: Ready
    status: "True"
    reason: ClusterReady
    message: /healthz responded with ok
    lastProbeTime: "2022-01-14T05:55:51Z"
    lastTransitionTime: "2022-01-14T05:50:33Z"
  kubernetesVersion: v1.22.2
`;

const federatedTypeConfigYaml = `
apiVersion: core.kubefed.io/v1beta1
kind: FederatedTypeConfig
metadata:
  name: configmaps
  namespace: kube-federation-system
  finalizers:
  - core.kubefed.io/federated-type-config
  labels:
    app.kubernetes.io/managed-by: Helm
spec:
  federatedType:
    group: types.kubefed.io
    kind: FederatedConfigMap
    pluralName: federatedconfigmaps
    scope: Namespaced
    version: v1beta1
  propagation: Enabled
  targetType:
    kind: ConfigMap
    pluralName: configmaps
    scope: Namespaced
    version: v1
status:
  observedGeneration: 1
  propagationController: Running
  statusController: NotRunning
`;

const federatedDeploymentYaml = `
apiVersion: types.kubefed.io/v1beta1
kind: FederatedDeployment
metadata:
  name: test-deployment
  namespace: federate-me
  finalizers:
  - kubefed.io/sync-controller
spec:
  template:
    metadata:
      name: mynginx
    spec:
      replicas: 3
      selector:
        matchLabels:
          run: mynginx
      template:
        metadata:
          labels:
            run: mynginx
        spec:
          containers:
          - image: nginx:latest
            imagePullPolicy: IfNotPresent
            name: nginx
  placement:
    clusters:
    - name: minikube
  overrides:
  - clusterName: minikube
    clusterOverrides:
    - path: /spec/replicas
      value: 1
    - op: add
      path: /metadata/annotations
      value:
        team: web
status:
  clusters:
  - name: minikube
  conditions:
  - lastTransitionTime: "2022-01-14T06:12:49Z"
    lastUpdateTime: "2022-01-14T06:12:49Z"
    status: "True"
    type: Propagation
  observedGeneration: 1
`;

const rspYaml = `
apiVersion: scheduling.kubefed.io/v1alpha1
kind: ReplicaSchedulingPreference
metadata:
  name: test-deployment
  namespace: federate-me
spec:
  targetKind: FederatedDeployment
  totalReplicas: 3
  clusters:
    minikube:
      minReplicas: 1
      maxReplicas: 1
      weight: 1
    "*":
      weight: 2
`;

const kubeFedConfigYaml = `
apiVersion: core.kubefed.io/v1beta1
kind: KubeFedConfig
metadata:
  name: kubefed
  namespace: kube-federation-system
spec:
  scope: Cluster
  controllerDuration:
    availableDelay: 20s
    unavailableDelay: 60s
  leaderElect:
    leaseDuration: 1500ms
    renewDeadline: 1000ms
    retryPeriod: 500ms
    resourceLock: configmaps
  featureGates:
  - name: SchedulerPreferences
    configuration: Enabled
  - name: PushReconciler
    configuration: Disabled
  clusterHealthCheck:
    period: 10s
    failureThreshold: 3
    successThreshold: 1
    timeout: 3s
  syncController:
    adoptResources: Enabled
`;

describe('KubeFed manifests parse', () => {
  it('KubeFedCluster', () => {
    const kfc = KubeFedClusterSchema.parse(load(kubeFedClusterYaml));
    // A KubeFed manifest has no syncMode: it means Push, as it always did.
    expect(kfc.spec).toEqual({
      syncMode: 'Push',
      apiEndpoint: 'https://192.168.49.2:8443',
      caBundle: CA_BUNDLE,
      proxyURL: '',
      secretRef: { name: 'minikube-b5hdz' },
    });
    expect(kfc.status?.conditions[0]?.type).toBe('Ready');
    expect(kfc.metadata.uid).toBe('b0df6700-d1b2-42c2-b49f-8b5694b01125');
  });

  it('FederatedTypeConfig', () => {
    const ftc = FederatedTypeConfigSchema.parse(load(federatedTypeConfigYaml));
    expect(ftc.spec.targetType).toEqual({ kind: 'ConfigMap', pluralName: 'configmaps', scope: 'Namespaced', version: 'v1' });
    expect(ftc.status).toEqual({ observedGeneration: 1, propagationController: 'Running', statusController: 'NotRunning' });
    expect(ftc.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'Helm' });
  });

  it('FederatedDeployment, keeping the template and override values verbatim', () => {
    const input = load(federatedDeploymentYaml);
    const fed = federatedResourceSchema({ retainReplicas: true }).parse(input);
    expect(fed.spec.template).toEqual((input.spec as Record<string, unknown>).template);
    expect(fed.spec.overrides?.[0]?.clusterOverrides?.[1]?.value).toEqual({ team: 'web' });
    expect(fed.status?.clusters).toEqual([{ name: 'minikube' }]);
    expect(FederatedResourceSchema.parse(input)).toEqual(fed);
  });

  it('keeps placement.clusters: [] apart from an absent list', () => {
    const base = load(federatedDeploymentYaml);
    const spec = base.spec as Record<string, unknown>;
    expect(FederatedResourceSchema.parse({ ...base, spec: { ...spec, placement: { clusters: [] } } }).spec.placement).toEqual({
      clusters: [],
    });
    expect(
      FederatedResourceSchema.parse({ ...base, spec: { ...spec, placement: { clusterSelector: {} } } }).spec.placement,
    ).toEqual({ clusterSelector: {} });
  });

  it('ReplicaSchedulingPreference, with zero defaults for min and weight', () => {
    const rsp = ReplicaSchedulingPreferenceSchema.parse(load(rspYaml));
    expect(rsp.spec.clusters).toEqual({
      minikube: { minReplicas: 1, maxReplicas: 1, weight: 1 },
      '*': { minReplicas: 0, weight: 2 },
    });
    expect(rsp.spec.rebalance).toBeUndefined();
  });

  it('KubeFedConfig in KubeFed style, completing what it leaves out', () => {
    const config = KubeFedConfigSchema.parse(load(kubeFedConfigYaml));
    expect(config.spec.controllerDuration).toEqual({ availableDelay: '20s', unavailableDelay: '60s', cacheSyncTimeout: '5m0s' });
    expect(config.spec.leaderElect.resourceLock).toBe('configmaps');
    expect(config.spec.featureGates).toEqual([
      { name: 'PushReconciler', configuration: 'Disabled' },
      { name: 'RawResourceStatusCollection', configuration: 'Disabled' },
      { name: 'SchedulerPreferences', configuration: 'Enabled' },
    ]);
    expect(config.spec.syncController).toEqual({ maxConcurrentReconciles: 16, adoptResources: 'Enabled' });
    expect(config.spec.statusController).toEqual({ maxConcurrentReconciles: 1 });
  });
});

describe('KubeFedConfig defaults', () => {
  it('fills everything from a scope alone', () => {
    expect(defaultKubeFedConfigSpec('Namespaced')).toEqual({
      scope: 'Namespaced',
      controllerDuration: { availableDelay: '20s', unavailableDelay: '1m0s', cacheSyncTimeout: '5m0s' },
      leaderElect: { leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '2s', resourceLock: 'leases' },
      featureGates: [
        { name: 'PushReconciler', configuration: 'Enabled' },
        { name: 'RawResourceStatusCollection', configuration: 'Disabled' },
        { name: 'SchedulerPreferences', configuration: 'Enabled' },
      ],
      clusterHealthCheck: { period: '10s', failureThreshold: 3, successThreshold: 1, timeout: '3s', pullHeartbeatGracePeriod: '40s' },
      syncController: { maxConcurrentReconciles: 16, adoptResources: 'Enabled' },
      statusController: { maxConcurrentReconciles: 1 },
    });
  });

  it('fills the fields missing from a partial section', () => {
    const spec = KubeFedConfigSpecSchema.parse({ scope: 'Cluster', leaderElect: { leaseDuration: '30s' } });
    expect(spec.leaderElect).toEqual({ leaseDuration: '30s', renewDeadline: '10s', retryPeriod: '2s', resourceLock: 'leases' });
  });

  it('completes and sorts feature gates', () => {
    expect(completeFeatureGates([{ name: 'SchedulerPreferences', configuration: 'Disabled' }]).map((g) => g.name)).toEqual([
      'PushReconciler',
      'RawResourceStatusCollection',
      'SchedulerPreferences',
    ]);
  });

  // KubeFed's controller-manager refuses to start on a gate it does not know: defaulting must never add ours.
  it('keeps the PropagatedVersions gate only where the user names it', () => {
    expect(defaultKubeFedConfigSpec('Cluster').featureGates.map((g) => g.name)).not.toContain('PropagatedVersions');
    const named = KubeFedConfigSpecSchema.parse({ scope: 'Cluster', featureGates: [{ name: 'PropagatedVersions', configuration: 'Enabled' }] });
    expect(named.featureGates).toEqual([
      { name: 'PropagatedVersions', configuration: 'Enabled' },
      { name: 'PushReconciler', configuration: 'Enabled' },
      { name: 'RawResourceStatusCollection', configuration: 'Disabled' },
      { name: 'SchedulerPreferences', configuration: 'Enabled' },
    ]);
  });
});

/** Sets `value` at `path` in a deep copy (undefined deletes). */
function withValue(object: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(object);
  let node: Record<string | number, unknown> = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

describe('malformed manifests are rejected at the right field', () => {
  const kfc = load(kubeFedClusterYaml);
  const ftc = load(federatedTypeConfigYaml);
  const fed = load(federatedDeploymentYaml);
  const rsp = load(rspYaml);
  const config = load(kubeFedConfigYaml);

  it.each<[string, z.ZodType, Record<string, unknown>, string, string?]>([
    ['KFC without secretRef', KubeFedClusterSchema, withValue(kfc, ['spec', 'secretRef'], undefined), 'spec.secretRef'],
    ['KFC with empty apiEndpoint', KubeFedClusterSchema, withValue(kfc, ['spec', 'apiEndpoint'], ''), 'spec.apiEndpoint'],
    [
      'KFC with ftp apiEndpoint',
      KubeFedClusterSchema,
      withValue(kfc, ['spec', 'apiEndpoint'], 'ftp://x'),
      'spec.apiEndpoint',
      'scheme',
    ],
    ['KFC with a bad caBundle', KubeFedClusterSchema, withValue(kfc, ['spec', 'caBundle'], 'not base64!'), 'spec.caBundle'],
    [
      'KFC with an upper-case secret name',
      KubeFedClusterSchema,
      withValue(kfc, ['spec', 'secretRef', 'name'], 'Secret'),
      'spec.secretRef.name',
    ],
    [
      'KFC with * next to another TLS validation',
      KubeFedClusterSchema,
      withValue(kfc, ['spec', 'disabledTLSValidations'], ['*', 'SubjectName']),
      'spec.disabledTLSValidations',
      'only option',
    ],
    [
      'KFC with an unknown TLS validation',
      KubeFedClusterSchema,
      withValue(kfc, ['spec', 'disabledTLSValidations'], ['Expiry']),
      'spec.disabledTLSValidations.0',
    ],
    [
      'KFC with a socks4 proxy',
      KubeFedClusterSchema,
      withValue(kfc, ['spec', 'proxyURL'], 'socks4://p:1080'),
      'spec.proxyURL',
    ],
    [
      'KFC condition of unknown type',
      KubeFedClusterSchema,
      withValue(kfc, ['status', 'conditions', 0, 'type'], 'Happy'),
      'status.conditions.0.type',
    ],
    [
      'KFC condition without lastProbeTime',
      KubeFedClusterSchema,
      withValue(kfc, ['status', 'conditions', 0, 'lastProbeTime'], undefined),
      'status.conditions.0.lastProbeTime',
    ],
    [
      'FTC with propagation: Maybe',
      FederatedTypeConfigSchema,
      withValue(ftc, ['spec', 'propagation'], 'Maybe'),
      'spec.propagation',
    ],
    [
      'FTC named unlike its target',
      FederatedTypeConfigSchema,
      withValue(ftc, ['metadata', 'name'], 'secrets'),
      'metadata.name',
      'must be "configmaps"',
    ],
    [
      'FTC without targetType.version',
      FederatedTypeConfigSchema,
      withValue(ftc, ['spec', 'targetType', 'version'], undefined),
      'spec.targetType.version',
    ],
    [
      'FTC with a dotless federated group',
      FederatedTypeConfigSchema,
      withValue(ftc, ['spec', 'federatedType', 'group'], 'types'),
      'spec.federatedType.group',
      'at least one dot',
    ],
    [
      'FTC with scope Global',
      FederatedTypeConfigSchema,
      withValue(ftc, ['spec', 'targetType', 'scope'], 'Global'),
      'spec.targetType.scope',
    ],
    [
      'FTC status without propagationController',
      FederatedTypeConfigSchema,
      withValue(ftc, ['status', 'propagationController'], undefined),
      'status.propagationController',
    ],
    [
      'RSP with totalReplicas as a string',
      ReplicaSchedulingPreferenceSchema,
      withValue(rsp, ['spec', 'totalReplicas'], '3'),
      'spec.totalReplicas',
    ],
    [
      'RSP with fractional totalReplicas',
      ReplicaSchedulingPreferenceSchema,
      withValue(rsp, ['spec', 'totalReplicas'], 1.5),
      'spec.totalReplicas',
    ],
    [
      'RSP with totalReplicas above int32',
      ReplicaSchedulingPreferenceSchema,
      withValue(rsp, ['spec', 'totalReplicas'], 2 ** 31),
      'spec.totalReplicas',
    ],
    [
      'RSP without targetKind',
      ReplicaSchedulingPreferenceSchema,
      withValue(rsp, ['spec', 'targetKind'], undefined),
      'spec.targetKind',
    ],
    [
      'RSP with minReplicas > maxReplicas',
      ReplicaSchedulingPreferenceSchema,
      withValue(rsp, ['spec', 'clusters', 'minikube', 'minReplicas'], 2),
      'spec.clusters.minikube.minReplicas',
      'must not be greater than maxReplicas',
    ],
    [
      'RSP with a negative weight',
      ReplicaSchedulingPreferenceSchema,
      withValue(rsp, ['spec', 'clusters', '*', 'weight'], -1),
      'spec.clusters.*.weight',
    ],
    [
      'override of /metadata/name',
      FederatedResourceSchema,
      withValue(fed, ['spec', 'overrides', 0, 'clusterOverrides', 0, 'path'], '/metadata/name'),
      'spec.overrides.0.clusterOverrides.0.path',
      'must not be one of',
    ],
    [
      'override of /kind',
      FederatedResourceSchema,
      withValue(fed, ['spec', 'overrides', 0, 'clusterOverrides', 0, 'path'], '/kind'),
      'spec.overrides.0.clusterOverrides.0.path',
    ],
    [
      'override op move',
      FederatedResourceSchema,
      withValue(fed, ['spec', 'overrides', 0, 'clusterOverrides', 0, 'op'], 'move'),
      'spec.overrides.0.clusterOverrides.0.op',
    ],
    [
      'override without path',
      FederatedResourceSchema,
      withValue(fed, ['spec', 'overrides', 0, 'clusterOverrides', 0, 'path'], undefined),
      'spec.overrides.0.clusterOverrides.0.path',
    ],
    [
      'the same cluster overridden twice',
      FederatedResourceSchema,
      withValue(fed, ['spec', 'overrides', 1], { clusterName: 'minikube' }),
      'spec.overrides.1.clusterName',
      'appears more than once',
    ],
    [
      'the same path overridden twice',
      FederatedResourceSchema,
      withValue(fed, ['spec', 'overrides', 0, 'clusterOverrides', 1, 'path'], '/spec/replicas'),
      'spec.overrides.0.clusterOverrides.1.path',
      'appears more than once',
    ],
    [
      'placement cluster without a name',
      FederatedResourceSchema,
      withValue(fed, ['spec', 'placement', 'clusters', 0], {}),
      'spec.placement.clusters.0.name',
    ],
    [
      'template that is not an object',
      FederatedResourceSchema,
      withValue(fed, ['spec', 'template'], 'nginx'),
      'spec.template',
    ],
    ['KubeFedConfig without scope', KubeFedConfigSchema, withValue(config, ['spec', 'scope'], undefined), 'spec.scope'],
    [
      'KubeFedConfig with a malformed duration',
      KubeFedConfigSchema,
      withValue(config, ['spec', 'clusterHealthCheck', 'period'], '10 seconds'),
      'spec.clusterHealthCheck.period',
      'Go duration',
    ],
    [
      'KubeFedConfig with a zero duration',
      KubeFedConfigSchema,
      withValue(config, ['spec', 'controllerDuration', 'availableDelay'], '0s'),
      'spec.controllerDuration.availableDelay',
      'greater than 0',
    ],
    [
      'KubeFedConfig with leaseDuration <= renewDeadline',
      KubeFedConfigSchema,
      withValue(config, ['spec', 'leaderElect', 'leaseDuration'], '1s'),
      'spec.leaderElect.leaseDuration',
    ],
    [
      'KubeFedConfig with renewDeadline <= 1.2 * retryPeriod',
      KubeFedConfigSchema,
      withValue(config, ['spec', 'leaderElect', 'retryPeriod'], '900ms'),
      'spec.leaderElect.renewDeadline',
      'retryPeriod*1.2',
    ],
    [
      'KubeFedConfig with lock type lease',
      KubeFedConfigSchema,
      withValue(config, ['spec', 'leaderElect', 'resourceLock'], 'lease'),
      'spec.leaderElect.resourceLock',
    ],
    [
      'KubeFedConfig with an unknown gate',
      KubeFedConfigSchema,
      withValue(config, ['spec', 'featureGates', 0, 'name'], 'Teleport'),
      'spec.featureGates.0.name',
    ],
    [
      'KubeFedConfig with a duplicate gate',
      KubeFedConfigSchema,
      withValue(config, ['spec', 'featureGates', 1, 'name'], 'SchedulerPreferences'),
      'spec.featureGates.1.name',
      'more than once',
    ],
    [
      'KubeFedConfig with failureThreshold 0',
      KubeFedConfigSchema,
      withValue(config, ['spec', 'clusterHealthCheck', 'failureThreshold'], 0),
      'spec.clusterHealthCheck.failureThreshold',
    ],
    [
      'KubeFedConfig with adoptResources: Yes',
      KubeFedConfigSchema,
      withValue(config, ['spec', 'syncController', 'adoptResources'], 'Yes'),
      'spec.syncController.adoptResources',
    ],
  ])('%s', (_title, schema, input, path, message) => {
    const result = schema.safeParse(input);
    expect(result.success).toBe(false);
    const issues = result.error?.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })) ?? [];
    expect(issues.map((issue) => issue.path)).toContain(path);
    if (message) expect(issues.find((issue) => issue.path === path)?.message).toContain(message);
  });

  it('a federated type without replicas drops retainReplicas', () => {
    const parsed = federatedResourceSchema({ retainReplicas: false }).parse(withValue(fed, ['spec', 'retainReplicas'], true));
    expect(parsed.spec).not.toHaveProperty('retainReplicas');
  });
});

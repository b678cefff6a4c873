import { describe, expect, it } from 'vitest';
import { DEFAULT_FEDERATED_TYPES, defaultFederatedTypeConfigs } from '../../../src/api/default-types.js';
import {
  federatedTypeConfigName,
  FederatedTypeConfigSchema,
  isNamespaceTypeConfig,
  pluralName,
  setFederatedTypeConfigDefaults,
  type FederatedTypeConfig,
} from '../../../src/api/federatedtypeconfig.js';

describe('pluralName', () => {
  it.each([
    ['ConfigMap', 'configmaps'],
    ['Deployment', 'deployments'],
    ['Ingress', 'ingresses'],
    ['Box', 'boxes'],
    ['Batch', 'batches'],
    ['Mesh', 'meshes'],
    ['Quiz', 'quizes'],
    ['Echo', 'echoes'],
    ['NetworkPolicy', 'networkpolicies'],
    ['Gateway', 'gatewaies'], // KubeFed's rule, not English
    ['FederatedIngress', 'federatedingresses'],
    ['FederatedNamespace', 'federatednamespaces'],
    ['Endpoints', 'endpointses'],
  ])('%s → %s', (kind, plural) => {
    expect(pluralName(kind)).toBe(plural);
  });
});

const ftc = (name: string, spec: Partial<FederatedTypeConfig['spec']>): FederatedTypeConfig => ({
  apiVersion: 'core.kubefed.io/v1beta1',
  kind: 'FederatedTypeConfig',
  metadata: { name, namespace: 'kube-federation-system' },
  spec: {
    targetType: { version: 'v1', kind: 'Deployment', pluralName: '', scope: 'Namespaced' },
    propagation: 'Enabled',
    federatedType: { group: 'types.kubefed.io', version: 'v1beta1', kind: 'FederatedDeployment', pluralName: '', scope: 'Namespaced' },
    ...spec,
  },
});

describe('setFederatedTypeConfigDefaults', () => {
  it.each<[string, FederatedTypeConfig, Partial<FederatedTypeConfig['spec']>]>([
    [
      'fills target plural and group from the name, federated plural from the kind',
      ftc('deployments.apps', {}),
      {
        targetType: { group: 'apps', version: 'v1', kind: 'Deployment', pluralName: 'deployments', scope: 'Namespaced' },
        federatedType: {
          group: 'types.kubefed.io',
          version: 'v1beta1',
          kind: 'FederatedDeployment',
          pluralName: 'federateddeployments',
          scope: 'Namespaced',
        },
      },
    ],
    [
      'splits the name at the first dot only',
      ftc('ingresses.networking.k8s.io', {}),
      {
        targetType: { group: 'networking.k8s.io', version: 'v1', kind: 'Deployment', pluralName: 'ingresses', scope: 'Namespaced' },
      },
    ],
    [
      'leaves the group absent for a core type',
      ftc('configmaps', {}),
      { targetType: { version: 'v1', kind: 'Deployment', pluralName: 'configmaps', scope: 'Namespaced' } },
    ],
    [
      'keeps values that are set',
      ftc('deployments.apps', {
        targetType: { group: 'extensions', version: 'v1', kind: 'Deployment', pluralName: 'deploys', scope: 'Namespaced' },
        federatedType: { group: 'x.io', version: 'v1', kind: 'FedDep', pluralName: 'feddeps', scope: 'Namespaced' },
      }),
      {
        targetType: { group: 'extensions', version: 'v1', kind: 'Deployment', pluralName: 'deploys', scope: 'Namespaced' },
        federatedType: { group: 'x.io', version: 'v1', kind: 'FedDep', pluralName: 'feddeps', scope: 'Namespaced' },
      },
    ],
    [
      'fills the status type from its kind and the federated type',
      ftc('services', {
        statusType: { group: '', version: '', kind: 'FederatedServiceStatus', pluralName: '', scope: 'Namespaced' },
      }),
      {
        statusType: {
          group: 'types.kubefed.io',
          version: 'v1beta1',
          kind: 'FederatedServiceStatus',
          pluralName: 'federatedservicestatuses',
          scope: 'Namespaced',
        },
      },
    ],
  ])('%s', (_title, input, expectedSpec) => {
    const before = structuredClone(input);
    const result = setFederatedTypeConfigDefaults(input);
    expect(result.spec).toMatchObject(expectedSpec);
    expect(input).toEqual(before);
    expect(result).not.toBe(input);
  });

  it('does not add a status type', () => {
    expect(setFederatedTypeConfigDefaults(ftc('deployments.apps', {})).spec).not.toHaveProperty('statusType');
  });

  it('does not add an empty group for core types', () => {
    expect(setFederatedTypeConfigDefaults(ftc('configmaps', {})).spec.targetType).not.toHaveProperty('group');
  });
});

describe('default federated types', () => {
  const configs = defaultFederatedTypeConfigs('kube-federation-system');

  it('enables the shipped types under KubeFed names', () => {
    expect(configs.map((c) => c.metadata.name)).toEqual([
      'namespaces',
      'configmaps',
      'secrets',
      'serviceaccounts',
      'services',
      'deployments.apps',
      'replicasets.apps',
      'jobs.batch',
      'ingresses.networking.k8s.io',
      'clusterroles.rbac.authorization.k8s.io',
      'clusterrolebindings.rbac.authorization.k8s.io',
    ]);
    for (const config of configs) {
      expect(config.metadata.namespace).toBe('kube-federation-system');
      expect(config.spec.propagation).toBe('Enabled');
      expect(config.spec.federatedType.group).toBe('types.kubefed.io');
      expect(config.spec.federatedType.version).toBe('v1beta1');
      expect(config.spec.federatedType.kind).toBe(`Federated${config.spec.targetType.kind}`);
      expect(config.spec.federatedType.pluralName).toBe(pluralName(config.spec.federatedType.kind));
      expect(config.spec).not.toHaveProperty('statusType');
    }
  });

  it('produces valid FTCs that defaulting leaves unchanged', () => {
    for (const config of configs) {
      expect(FederatedTypeConfigSchema.parse(config)).toEqual(config);
      expect(setFederatedTypeConfigDefaults(config)).toEqual(config);
    }
  });

  it.each([
    ['namespaces', 'Namespace', 'Cluster', 'Namespaced'],
    ['configmaps', 'ConfigMap', 'Namespaced', 'Namespaced'],
    ['clusterroles.rbac.authorization.k8s.io', 'ClusterRole', 'Cluster', 'Cluster'],
    ['clusterrolebindings.rbac.authorization.k8s.io', 'ClusterRoleBinding', 'Cluster', 'Cluster'],
  ])('%s: target %s is %s, its federated type %s', (name, kind, targetScope, federatedScope) => {
    const config = configs.find((c) => c.metadata.name === name);
    expect(config?.spec.targetType).toMatchObject({ kind, scope: targetScope });
    expect(config?.spec.federatedType.scope).toBe(federatedScope);
  });

  it('offers retainReplicas only for deployments and replicasets', () => {
    expect(DEFAULT_FEDERATED_TYPES.filter((t) => t.retainReplicas).map((t) => federatedTypeConfigName(t.target))).toEqual([
      'deployments.apps',
      'replicasets.apps',
    ]);
  });

  it('omits the group of core targets', () => {
    expect(configs.find((c) => c.metadata.name === 'secrets')?.spec.targetType).not.toHaveProperty('group');
  });

  it('recognises the namespaces FTC', () => {
    expect(configs.filter(isNamespaceTypeConfig).map((c) => c.metadata.name)).toEqual(['namespaces']);
  });
});

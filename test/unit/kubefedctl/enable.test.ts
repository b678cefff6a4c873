import { describe, expect, it } from 'vitest';
import type { FederatedTypeConfig } from '../../../src/api/index.js';
import type { ApiResource } from '../../../src/kubefedctl/discovery.js';
import { conflictingTypeConfig, generateFederatedType, hasIntegerReplicas } from '../../../src/kubefedctl/enable.js';

const resource = (r: Partial<ApiResource> & Pick<ApiResource, 'group' | 'kind' | 'plural'>): ApiResource => ({
  version: 'v1',
  namespaced: true,
  singular: r.kind.toLowerCase(),
  shortNames: [],
  verbs: ['get', 'list'],
  preferred: true,
  ...r,
});

const options = { federatedGroup: 'types.kubefed.io', federatedVersion: 'v1beta1', namespace: 'kube-federation-system' };

const deploymentTemplate = {
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    spec: { type: 'object', properties: { replicas: { type: 'integer', format: 'int32' } } },
  },
};

describe('generateFederatedType', () => {
  it('generates KubeFed\'s names, short names and FTC for deployments.apps', () => {
    const { crd, ftc } = generateFederatedType(resource({ group: 'apps', kind: 'Deployment', plural: 'deployments', shortNames: ['deploy'] }), deploymentTemplate, options);
    expect(crd.metadata.name).toBe('federateddeployments.types.kubefed.io');
    expect(crd.spec.names).toMatchObject({ kind: 'FederatedDeployment', plural: 'federateddeployments', shortNames: ['fdeploy'] });
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.versions[0]?.subresources).toEqual({ status: {} });
    expect(ftc).toEqual({
      apiVersion: 'core.kubefed.io/v1beta1',
      kind: 'FederatedTypeConfig',
      metadata: { name: 'deployments.apps', namespace: 'kube-federation-system' },
      spec: {
        targetType: { group: 'apps', version: 'v1', kind: 'Deployment', pluralName: 'deployments', scope: 'Namespaced' },
        propagation: 'Enabled',
        federatedType: { group: 'types.kubefed.io', version: 'v1beta1', kind: 'FederatedDeployment', pluralName: 'federateddeployments', scope: 'Namespaced' },
      },
    });
  });

  it('embeds the target schema as spec.template and adds retainReplicas for an integer spec.replicas', () => {
    const { crd } = generateFederatedType(resource({ group: 'apps', kind: 'Deployment', plural: 'deployments' }), deploymentTemplate, options);
    const spec = crd.spec.versions[0]!.schema.openAPIV3Schema.properties!.spec!;
    expect(spec.properties!.template).toMatchObject(deploymentTemplate);
    expect(spec.properties!.template!.description).toBeTruthy();
    expect(spec.properties!.retainReplicas).toMatchObject({ type: 'boolean' });
    expect(Object.keys(spec.properties!)).toEqual(['template', 'placement', 'overrides', 'retainReplicas']);
  });

  it('keeps a free-form template without a schema, and no retainReplicas', () => {
    const { crd } = generateFederatedType(resource({ group: '', kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'] }), undefined, options);
    const spec = crd.spec.versions[0]!.schema.openAPIV3Schema.properties!.spec!;
    expect(spec.properties!.template).toMatchObject({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    expect(spec.properties!.retainReplicas).toBeUndefined();
    expect(crd.spec.names.shortNames).toEqual(['fcm']);
  });

  it('makes FederatedNamespace namespaced although Namespace is cluster-scoped', () => {
    const { crd, ftc } = generateFederatedType(resource({ group: '', kind: 'Namespace', plural: 'namespaces', namespaced: false, shortNames: ['ns'] }), undefined, options);
    expect(crd.spec.scope).toBe('Namespaced');
    expect(ftc.metadata.name).toBe('namespaces');
    expect(ftc.spec.targetType.scope).toBe('Cluster');
    expect(ftc.spec.targetType.group).toBeUndefined();
    expect(ftc.spec.federatedType.scope).toBe('Namespaced');
  });

  it('keeps cluster-scoped types cluster-scoped and honours --federated-group/--federated-version', () => {
    const { crd, ftc } = generateFederatedType(
      resource({ group: 'example.kubefed.io', kind: 'Policy', plural: 'policies', namespaced: false }),
      undefined,
      { ...options, federatedGroup: 'fed.example.com', federatedVersion: 'v1' },
    );
    expect(crd.metadata.name).toBe('federatedpolicies.fed.example.com');
    expect(crd.spec.scope).toBe('Cluster');
    expect(crd.spec.versions[0]?.name).toBe('v1');
    expect(ftc.metadata.name).toBe('policies.example.kubefed.io');
    expect(ftc.spec.federatedType).toMatchObject({ group: 'fed.example.com', version: 'v1', pluralName: 'federatedpolicies', scope: 'Cluster' });
  });
});

describe('hasIntegerReplicas', () => {
  it.each([
    [deploymentTemplate, true],
    [{ type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'string' } } } } }, false],
    [{ type: 'object', properties: { spec: { type: 'object' } } }, false],
    [{ type: 'object' }, false],
  ])('%#', (schema, expected) => {
    expect(hasIntegerReplicas(schema)).toBe(expected);
  });
});

describe('conflictingTypeConfig', () => {
  it('finds another FTC using the same federated type', () => {
    const generated = generateFederatedType(resource({ group: 'apps', kind: 'Deployment', plural: 'deployments' }), undefined, options);
    const other = { ...generated.ftc, metadata: { name: 'deployments.extensions' } } as FederatedTypeConfig;
    expect(conflictingTypeConfig([generated.ftc, other], generated)?.metadata.name).toBe('deployments.extensions');
    expect(conflictingTypeConfig([generated.ftc], generated)).toBeUndefined();
  });
});

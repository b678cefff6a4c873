import { describe, expect, it } from 'vitest';
import { defaultFederatedTypeConfigs, type FederatedTypeConfig } from '../../../src/api/index.js';
import type { KubeObject } from '../../../src/kube/types.js';
import {
  federatedObjectFor,
  skipReason,
  templateFromObject,
  typeConfigFor,
  typeConfigOfFederated,
} from '../../../src/kubefedctl/federate.js';

const serverMetadata = {
  uid: 'u-1',
  resourceVersion: '42',
  generation: 3,
  creationTimestamp: '2024-01-01T00:00:00Z',
  managedFields: [{ manager: 'kubectl' }],
  selfLink: '/api/x',
  ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u-0' }],
  finalizers: ['example.com/f'],
};

describe('templateFromObject', () => {
  it.each<[string, { group: string; kind: string }, KubeObject, Record<string, unknown>]>([
    [
      'ConfigMap: keeps data, labels and annotations; drops identity, server metadata and status',
      { group: '', kind: 'ConfigMap' },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'cfg',
          namespace: 'ns',
          labels: { app: 'x' },
          annotations: { note: 'kept', 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
          ...serverMetadata,
        },
        data: { a: 'b' },
      },
      { metadata: { labels: { app: 'x' }, annotations: { note: 'kept' } }, data: { a: 'b' } },
    ],
    [
      'no user metadata at all: no metadata key',
      { group: '', kind: 'ConfigMap' },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n', uid: 'x' }, data: {} },
      { data: {} },
    ],
    [
      'Namespace: drops spec.finalizers and the automatic name label',
      { group: '', kind: 'Namespace' },
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'demo', labels: { 'kubernetes.io/metadata.name': 'demo', team: 'a' } },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      },
      { metadata: { labels: { team: 'a' } } },
    ],
    [
      'Service: drops cluster-assigned addresses and node ports',
      { group: '', kind: 'Service' },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 's', namespace: 'n' },
        spec: {
          type: 'NodePort',
          clusterIP: '10.0.0.1',
          clusterIPs: ['10.0.0.1'],
          ports: [{ port: 80, nodePort: 30080 }],
          selector: { app: 'x' },
        },
      },
      { spec: { type: 'NodePort', ports: [{ port: 80 }], selector: { app: 'x' } } },
    ],
    [
      'ServiceAccount: drops the secrets list',
      { group: '', kind: 'ServiceAccount' },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa', namespace: 'n' }, secrets: [{ name: 'sa-token' }], imagePullSecrets: [{ name: 'p' }] },
      { imagePullSecrets: [{ name: 'p' }] },
    ],
    [
      'Job: drops the generated selector and labels',
      { group: 'batch', kind: 'Job' },
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'j', namespace: 'n' },
        spec: {
          selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } },
          template: { metadata: { labels: { 'batch.kubernetes.io/controller-uid': 'u', 'job-name': 'j', app: 'x' } }, spec: { restartPolicy: 'Never' } },
        },
      },
      { spec: { template: { metadata: { labels: { app: 'x' } }, spec: { restartPolicy: 'Never' } } } },
    ],
    [
      'Deployment: drops the revision annotation',
      { group: 'apps', kind: 'Deployment' },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n', annotations: { 'deployment.kubernetes.io/revision': '3' } }, spec: { replicas: 2 } },
      { spec: { replicas: 2 } },
    ],
    [
      'a custom resource is kept whole',
      { group: 'example.kubefed.io', kind: 'Gadget' },
      { apiVersion: 'example.kubefed.io/v1', kind: 'Gadget', metadata: { name: 'g', namespace: 'n' }, spec: { size: 3 }, status: { ready: true } },
      { spec: { size: 3 } },
    ],
  ])('%s', (_name, target, source, expected) => {
    const before = structuredClone(source);
    expect(templateFromObject(source, target)).toEqual(expected);
    expect(source).toEqual(before);
  });
});

describe('federatedObjectFor', () => {
  const ftcs = defaultFederatedTypeConfigs('kube-federation-system');
  const ftc = (name: string) => ftcs.find((f) => f.metadata.name === name)!;

  it('places a namespaced object in every cluster, under its own name and namespace', () => {
    expect(federatedObjectFor({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns' }, data: { a: 'b' } }, ftc('configmaps'))).toEqual({
      apiVersion: 'types.kubefed.io/v1beta1',
      kind: 'FederatedConfigMap',
      metadata: { name: 'cfg', namespace: 'ns' },
      spec: { template: { data: { a: 'b' } }, placement: { clusterSelector: { matchLabels: {} } } },
    });
  });

  it('puts a FederatedNamespace inside the namespace it federates', () => {
    expect(federatedObjectFor({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } }, ftc('namespaces')).metadata).toEqual({
      name: 'demo',
      namespace: 'demo',
    });
  });

  it('makes a cluster-scoped fed object for a cluster-scoped target', () => {
    const fed = federatedObjectFor({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' }, rules: [] }, ftc('clusterroles.rbac.authorization.k8s.io'));
    expect(fed.metadata).toEqual({ name: 'r' });
    expect(fed.kind).toBe('FederatedClusterRole');
  });
});

describe('type config lookup', () => {
  const ftcs: FederatedTypeConfig[] = defaultFederatedTypeConfigs('kube-federation-system');
  it('finds the FTC by target or federated type', () => {
    expect(typeConfigFor(ftcs, { group: 'apps', kind: 'Deployment' })?.metadata.name).toBe('deployments.apps');
    expect(typeConfigFor(ftcs, { group: '', kind: 'ConfigMap' })?.metadata.name).toBe('configmaps');
    expect(typeConfigFor(ftcs, { group: 'extensions', kind: 'Deployment' })).toBeUndefined();
    expect(typeConfigOfFederated(ftcs, { group: 'types.kubefed.io', kind: 'FederatedSecret' })?.metadata.name).toBe('secrets');
  });
});

describe('skipReason (federate --contents)', () => {
  it.each<[string, { group: string; kind: string }, KubeObject, string | undefined]>([
    ['a plain ConfigMap', { group: '', kind: 'ConfigMap' }, { metadata: { name: 'cfg' } }, undefined],
    ['the root CA ConfigMap', { group: '', kind: 'ConfigMap' }, { metadata: { name: 'kube-root-ca.crt' } }, 'every cluster publishes its own'],
    ['the default ServiceAccount', { group: '', kind: 'ServiceAccount' }, { metadata: { name: 'default' } }, 'every namespace gets its own'],
    ['a token Secret', { group: '', kind: 'Secret' }, { metadata: { name: 't' }, type: 'kubernetes.io/service-account-token' }, 'service-account tokens are issued per cluster'],
    ['an owned ReplicaSet', { group: 'apps', kind: 'ReplicaSet' }, { metadata: { name: 'rs', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'd', uid: 'u' }] } }, 'it is owned by another object'],
    ['a managed copy', { group: '', kind: 'ConfigMap' }, { metadata: { name: 'c', labels: { 'kubefed.io/managed': 'true' } } }, 'it is itself managed by a federation'],
    ['a name that is no subdomain', { group: '', kind: 'ConfigMap' }, { metadata: { name: 'Has_Upper' } }, 'its name is not a valid RFC 1123 subdomain'],
  ])('%s', (_name, target, obj, expected) => {
    expect(skipReason(obj, target)).toBe(expected);
  });
});

import { describe, expect, it } from 'vitest';
import type { FederatedTypeConfig } from '../../../src/api/index.js';
import { syncedTypeKey, syncedTypeOf, syncFinalizerPatch, type FinalizerRequest, type SyncedType } from '../../../src/webhook/sync-finalizer.js';

const FINALIZER = 'kubefed.io/sync-controller';

function ftc(name: string, overrides: { propagation?: string; running?: string; generation?: number; observed?: number; deleting?: boolean; pluralName?: string } = {}): FederatedTypeConfig {
  const kind = name === 'namespaces' ? 'FederatedNamespace' : 'FederatedConfigMap';
  return {
    apiVersion: 'core.kubefed.io/v1beta1',
    kind: 'FederatedTypeConfig',
    metadata: {
      name,
      namespace: 'kube-federation-system',
      generation: overrides.generation ?? 2,
      ...(overrides.deleting && { deletionTimestamp: '2026-01-01T00:00:00Z' }),
    },
    spec: {
      targetType: { version: 'v1', kind: kind.slice('Federated'.length), scope: name === 'namespaces' ? 'Cluster' : 'Namespaced', pluralName: name },
      federatedType: { group: 'types.kubefed.io', version: 'v1beta1', kind, scope: 'Namespaced', pluralName: overrides.pluralName ?? '' },
      propagation: overrides.propagation ?? 'Enabled',
    },
    status: { observedGeneration: overrides.observed ?? 2, propagationController: overrides.running ?? 'Running' },
  } as FederatedTypeConfig;
}

describe('syncedTypeOf', () => {
  it('names the federated type (plural defaulted from its kind) of an enabled FTC whose controller runs', () => {
    expect(syncedTypeOf(ftc('configmaps'))).toEqual({ key: 'types.kubefed.io/federatedconfigmaps', isNamespace: false });
    expect(syncedTypeOf(ftc('configmaps', { pluralName: 'fcms' }))?.key).toBe('types.kubefed.io/fcms');
    expect(syncedTypeOf(ftc('namespaces'))).toEqual({ key: 'types.kubefed.io/federatednamespaces', isNamespace: true });
  });

  it('is undefined when propagation is disabled, the controller does not run, or the status is about an older spec', () => {
    expect(syncedTypeOf(ftc('configmaps', { propagation: 'Disabled' }))).toBeUndefined();
    expect(syncedTypeOf(ftc('configmaps', { running: 'NotRunning' }))).toBeUndefined();
    // Just disabled: the spec moved on (generation 3) while the status still says Running for generation 2.
    expect(syncedTypeOf(ftc('configmaps', { generation: 3, observed: 2 }))).toBeUndefined();
    expect(syncedTypeOf(ftc('configmaps', { deleting: true }))).toBeUndefined();
    const noStatus = { ...ftc('configmaps') } as FederatedTypeConfig;
    delete (noStatus as { status?: unknown }).status;
    expect(syncedTypeOf(noStatus)).toBeUndefined();
  });
});

const configMaps: SyncedType = { key: syncedTypeKey('types.kubefed.io', 'federatedconfigmaps'), isNamespace: false };
const namespaces: SyncedType = { key: syncedTypeKey('types.kubefed.io', 'federatednamespaces'), isNamespace: true };
const lookup = (group: string, resource: string) => [configMaps, namespaces].find((t) => t.key === syncedTypeKey(group, resource));

function create(metadata: Record<string, unknown>, resource = 'federatedconfigmaps', extra: Partial<FinalizerRequest> = {}): FinalizerRequest {
  return {
    operation: 'CREATE',
    resource: { group: 'types.kubefed.io', resource },
    namespace: 'apps',
    object: { apiVersion: 'types.kubefed.io/v1beta1', kind: 'X', metadata, spec: {} },
    ...extra,
  };
}

describe('syncFinalizerPatch', () => {
  it('adds the finalizer list to a new object of a running type', () => {
    expect(syncFinalizerPatch(create({ name: 'web', namespace: 'apps' }), lookup)).toEqual([
      { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
    ]);
  });

  it('appends to finalizers the object already has, and leaves it alone when ours is there', () => {
    expect(syncFinalizerPatch(create({ name: 'web', finalizers: ['example.com/keep'] }), lookup)).toEqual([
      { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER },
    ]);
    expect(syncFinalizerPatch(create({ name: 'web', finalizers: ['example.com/keep', FINALIZER] }), lookup)).toBeUndefined();
  });

  it('adds nothing for a type whose controller does not run, or a request that is not a create of the object', () => {
    expect(syncFinalizerPatch(create({ name: 'web' }, 'federatedsecrets'), lookup)).toBeUndefined();
    expect(syncFinalizerPatch(create({ name: 'web' }, 'federatedconfigmaps', { operation: 'UPDATE' }), lookup)).toBeUndefined();
    expect(syncFinalizerPatch(create({ name: 'web' }, 'federatedconfigmaps', { subResource: 'status' }), lookup)).toBeUndefined();
    expect(syncFinalizerPatch(create({ name: 'web' }, 'federatedconfigmaps', { resource: { group: 'other.example.com', resource: 'federatedconfigmaps' } }), lookup)).toBeUndefined();
    expect(syncFinalizerPatch(create({ name: 'web', deletionTimestamp: '2026-01-01T00:00:00Z' }), lookup)).toBeUndefined();
  });

  it('adds nothing to what it cannot read (no metadata, finalizers that are not a list, no resource)', () => {
    expect(syncFinalizerPatch({ ...create({}), object: { kind: 'X' } }, lookup)).toBeUndefined();
    expect(syncFinalizerPatch({ ...create({}), object: 'not an object' }, lookup)).toBeUndefined();
    expect(syncFinalizerPatch(create({ name: 'web', finalizers: 'kubefed.io/sync-controller' }), lookup)).toBeUndefined();
    expect(syncFinalizerPatch({ operation: 'CREATE', object: { metadata: {} } }, lookup)).toBeUndefined();
  });

  it('in a namespace-scoped control plane, only for objects in its namespace (the only ones it reconciles)', () => {
    expect(syncFinalizerPatch(create({ name: 'web', namespace: 'kube-federation-system' }), lookup, 'kube-federation-system')).toBeDefined();
    expect(syncFinalizerPatch(create({ name: 'web', namespace: 'apps' }), lookup, 'kube-federation-system')).toBeUndefined();
    // The namespace may come from the request only (a create with the namespace in the URL).
    expect(syncFinalizerPatch(create({ name: 'web' }, 'federatedconfigmaps', { namespace: 'kube-federation-system' }), lookup, 'kube-federation-system')).toBeDefined();
  });

  it('for a FederatedNamespace, only one named like its namespace (the controller ignores the others)', () => {
    expect(syncFinalizerPatch(create({ name: 'apps', namespace: 'apps' }, 'federatednamespaces'), lookup)).toBeDefined();
    expect(syncFinalizerPatch(create({ name: 'other', namespace: 'apps' }, 'federatednamespaces'), lookup)).toBeUndefined();
    expect(syncFinalizerPatch(create({ generateName: 'apps-', namespace: 'apps' }, 'federatednamespaces'), lookup)).toBeUndefined();
  });
});

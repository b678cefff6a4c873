// The generated CRDs: names as KubeFed has them, categories, subresources, printer columns, and schemas
// that keep to the structural rules the API server enforces.
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { buildCrds, crdFileName, renderCrdFiles, type CustomResourceDefinition } from '../../../src/api/crd/index.js';
import type { JSONSchemaProps } from '../../../src/api/crd/structural-schema.js';

const crds = buildCrds();
const byName = new Map(crds.map((crd) => [crd.metadata.name, crd]));
const version = (name: string) => {
  const crd = byName.get(name);
  if (!crd) throw new Error(`no CRD ${name}`);
  return crd.spec.versions[0]!;
};
const schemaOf = (name: string) => version(name).schema.openAPIV3Schema;

/** Every node with its path, depth first. */
function* nodes(schema: JSONSchemaProps, at = ''): Generator<[string, JSONSchemaProps]> {
  yield [at, schema];
  for (const [key, child] of Object.entries(schema.properties ?? {})) yield* nodes(child, `${at}.${key}`);
  if (schema.additionalProperties) yield* nodes(schema.additionalProperties, `${at}[*]`);
  if (schema.items) yield* nodes(schema.items, `${at}[]`);
}

describe('CRD inventory', () => {
  it.each([
    ['kubefedclusters.core.kubefed.io', 'KubeFedCluster', 'v1beta1', 'Namespaced', ['kfc'], true],
    ['kubefedconfigs.core.kubefed.io', 'KubeFedConfig', 'v1beta1', 'Namespaced', undefined, false],
    ['federatedtypeconfigs.core.kubefed.io', 'FederatedTypeConfig', 'v1beta1', 'Namespaced', ['ftc'], true],
    ['replicaschedulingpreferences.scheduling.kubefed.io', 'ReplicaSchedulingPreference', 'v1alpha1', 'Namespaced', ['rsp'], true],
    ['federatednamespaces.types.kubefed.io', 'FederatedNamespace', 'v1beta1', 'Namespaced', ['fns'], true],
    ['federatedconfigmaps.types.kubefed.io', 'FederatedConfigMap', 'v1beta1', 'Namespaced', ['fcm'], true],
    ['federatedsecrets.types.kubefed.io', 'FederatedSecret', 'v1beta1', 'Namespaced', undefined, true],
    ['federatedserviceaccounts.types.kubefed.io', 'FederatedServiceAccount', 'v1beta1', 'Namespaced', ['fsa'], true],
    ['federatedservices.types.kubefed.io', 'FederatedService', 'v1beta1', 'Namespaced', ['fsvc'], true],
    ['federateddeployments.types.kubefed.io', 'FederatedDeployment', 'v1beta1', 'Namespaced', ['fdeploy'], true],
    ['federatedreplicasets.types.kubefed.io', 'FederatedReplicaSet', 'v1beta1', 'Namespaced', ['frs'], true],
    ['federatedjobs.types.kubefed.io', 'FederatedJob', 'v1beta1', 'Namespaced', undefined, true],
    ['federatedingresses.types.kubefed.io', 'FederatedIngress', 'v1beta1', 'Namespaced', ['fing'], true],
    ['federatedclusterroles.types.kubefed.io', 'FederatedClusterRole', 'v1beta1', 'Cluster', undefined, true],
    ['federatedclusterrolebindings.types.kubefed.io', 'FederatedClusterRoleBinding', 'v1beta1', 'Cluster', undefined, true],
    ['propagatedversions.core.kubefed.io', 'PropagatedVersion', 'v1alpha1', 'Namespaced', undefined, true],
    ['clusterpropagatedversions.core.kubefed.io', 'ClusterPropagatedVersion', 'v1alpha1', 'Cluster', undefined, true],
  ] as const)('%s: %s %s, %s', (name, kind, apiVersion, scope, shortNames, status) => {
    const crd = byName.get(name);
    expect(crd?.spec.names).toEqual({
      kind,
      listKind: `${kind}List`,
      plural: name.split('.')[0],
      singular: kind.toLowerCase(),
      ...(shortNames && { shortNames }),
      // One PropagatedVersion per federated object would double `kubectl get federation`.
      ...(!kind.includes('PropagatedVersion') && { categories: ['federation'] }),
    });
    expect(crd?.spec.scope).toBe(scope);
    expect(crd?.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([[apiVersion, true, true]]);
    expect(version(name).subresources).toEqual(status ? { status: {} } : undefined);
  });

  it('ships exactly these CRDs', () => {
    expect(crds).toHaveLength(17);
  });

  it.each(['propagatedversions.core.kubefed.io', 'clusterpropagatedversions.core.kubefed.io'])(
    '%s has KubeFed\'s status schema and no spec',
    (name) => {
      const root = schemaOf(name);
      expect(root.properties?.spec).toBeUndefined();
      const status = root.properties?.status;
      expect([...(status?.required ?? [])].sort()).toEqual(['overridesVersion', 'templateVersion']);
      expect(status?.properties?.clusterVersions?.items?.required).toEqual(['clusterName', 'version']);
      expect(Object.keys(status?.properties ?? {}).sort()).toEqual(['clusterVersions', 'overridesVersion', 'templateVersion']);
    },
  );
});

describe('CRD schemas', () => {
  it.each(crds.map((crd) => [crd.metadata.name, crd] as const))('%s is structural', (_name, crd: CustomResourceDefinition) => {
    const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
    // PropagatedVersions, as KubeFed's, have only a status.
    expect(root.required).toEqual(crd.spec.names.kind.includes('PropagatedVersion') ? undefined : ['spec']);
    expect(root.properties?.metadata).toEqual({ type: 'object' });
    for (const [at, node] of nodes(root)) {
      const untypedOk = node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-int-or-string'] === true;
      expect(node.type !== undefined || untypedOk, `${at} has a type`).toBe(true);
      expect(node.properties && node.additionalProperties, `${at} has properties and additionalProperties`).toBeFalsy();
      const text = JSON.stringify(node);
      expect(text).not.toContain('$ref');
      expect(text).not.toContain('$schema');
      expect(text).not.toContain('9007199254740991');
      expect(node.additionalProperties as unknown).not.toBe(false);
      if (node.type === 'integer') expect(['int32', 'int64'], at).toContain(node.format);
    }
  });

  it('renders Federated<X> like kubefedctl enable, with retainReplicas only for Deployment and ReplicaSet', () => {
    for (const crd of crds.filter((c) => c.spec.group === 'types.kubefed.io')) {
      const spec = crd.spec.versions[0]!.schema.openAPIV3Schema.properties?.spec;
      expect(spec?.properties?.template).toMatchObject({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
      const retains = spec?.properties?.retainReplicas !== undefined;
      expect(retains, crd.metadata.name).toBe(['FederatedDeployment', 'FederatedReplicaSet'].includes(crd.spec.names.kind));
    }
  });

  it('types the KubeFed fields as KubeFed does', () => {
    const kfc = schemaOf('kubefedclusters.core.kubefed.io').properties!;
    // Required for Push only (the default), by CEL rules that name the field.
    expect(kfc.spec?.required).toBeUndefined();
    expect(kfc.spec?.properties?.syncMode).toMatchObject({ type: 'string', enum: ['Push', 'Pull'], default: 'Push' });
    expect(kfc.spec?.['x-kubernetes-validations']).toEqual([
      expect.objectContaining({ fieldPath: '.apiEndpoint', reason: 'FieldValueRequired', message: 'apiEndpoint is required when syncMode is Push' }),
      expect.objectContaining({ fieldPath: '.secretRef', reason: 'FieldValueRequired', message: 'secretRef is required when syncMode is Push' }),
    ]);
    expect(kfc.spec?.properties?.caBundle).toMatchObject({ type: 'string', format: 'byte' });
    expect(kfc.status?.required).toEqual(['conditions']);
    expect(kfc.status?.properties?.conditions?.items?.required).toEqual(['type', 'status', 'lastProbeTime']);
    expect(kfc.status?.properties?.conditions?.items?.properties?.lastProbeTime).toMatchObject({ format: 'date-time' });

    const rsp = schemaOf('replicaschedulingpreferences.scheduling.kubefed.io').properties!;
    expect(rsp.spec?.required).toEqual(['targetKind', 'totalReplicas']);
    expect(rsp.spec?.properties?.totalReplicas).toMatchObject({ type: 'integer', format: 'int32', minimum: 0 });
    expect(rsp.spec?.properties?.clusters?.additionalProperties?.properties?.maxReplicas).toMatchObject({
      type: 'integer',
      format: 'int64',
    });

    const ftc = schemaOf('federatedtypeconfigs.core.kubefed.io').properties!;
    expect(ftc.spec?.required).toEqual(['targetType', 'propagation', 'federatedType']);
    expect(ftc.spec?.properties?.targetType?.required).toEqual(['version', 'kind', 'pluralName', 'scope']);
    expect(ftc.status?.required).toEqual(['observedGeneration', 'propagationController']);

    const config = schemaOf('kubefedconfigs.core.kubefed.io').properties!;
    expect(config.spec?.required).toEqual(['scope']);
    expect(config.spec?.properties?.leaderElect?.properties?.resourceLock).toMatchObject({
      enum: ['configmaps', 'endpoints', 'leases'],
      default: 'leases',
    });
  });

  it('carries the CEL rules', () => {
    const rules = (node: JSONSchemaProps | undefined) => (node?.['x-kubernetes-validations'] ?? []).map((r) => r.rule);
    const config = schemaOf('kubefedconfigs.core.kubefed.io');
    expect(rules(config.properties?.spec?.properties?.scope)).toEqual(['self == oldSelf']);
    const rsp = schemaOf('replicaschedulingpreferences.scheduling.kubefed.io');
    expect(rules(rsp.properties?.spec?.properties?.clusters?.additionalProperties)[0]).toContain('self.minReplicas <= self.maxReplicas');
    const fed = schemaOf('federatedconfigmaps.types.kubefed.io');
    const path = fed.properties?.spec?.properties?.overrides?.items?.properties?.clusterOverrides?.items?.properties?.path;
    expect(rules(path)[0]).toContain("'/metadata/name'");
    expect(rules(schemaOf('federatedtypeconfigs.core.kubefed.io'))[0]).toContain('self.metadata.name ==');
  });
});

describe('printer columns', () => {
  const columns = (name: string) => version(name).additionalPrinterColumns?.map((c) => c.name);

  it.each([
    ['kubefedclusters.core.kubefed.io', ['ready', 'kubernetes-version', 'age']],
    ['kubefedconfigs.core.kubefed.io', ['scope', 'age']],
    ['federatedtypeconfigs.core.kubefed.io', ['target-kind', 'federated-kind', 'propagation', 'controller', 'age']],
    ['replicaschedulingpreferences.scheduling.kubefed.io', ['target-kind', 'total', 'rebalance', 'scheduled', 'reason', 'age']],
    ['federateddeployments.types.kubefed.io', ['propagation', 'reason', 'age']],
  ])('%s', (name, expected) => {
    expect(columns(name)).toEqual(expected);
  });
});

describe('rendered files', () => {
  it('are named <group>_<plural>.yaml, start with the generated header and load back to the CRD', () => {
    const files = renderCrdFiles();
    for (const crd of crds) {
      const text = files.get(crdFileName(crd));
      expect(text?.startsWith('# Generated by `npm run generate`')).toBe(true);
      expect(yaml.load(text ?? '')).toEqual(crd);
    }
    expect([...files.keys()]).toEqual([...files.keys()].sort());
  });
});

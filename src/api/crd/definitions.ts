// The CustomResourceDefinitions of kubefed-ts, built from the zod schemas: names, scope, printer columns
// and the structural schema. Federated<X> CRDs come from a type descriptor, as `kubefedctl enable` made them.
import { z } from 'zod';
import {
  CLUSTER_PROPAGATED_VERSION_KIND,
  ClusterConditionType,
  CORE_GROUP,
  CORE_VERSION,
  FEDERATED_TYPE_CONFIG_KIND,
  FEDERATED_TYPE_CONFIG_PLURAL,
  FEDERATION_CATEGORY,
  KUBEFED_CLUSTER_KIND,
  KUBEFED_CLUSTER_PLURAL,
  KUBEFED_CONFIG_KIND,
  KUBEFED_CONFIG_PLURAL,
  PROPAGATED_VERSION_KIND,
  PROPAGATION_CONDITION_TYPE,
  REPLICA_SCHEDULING_PREFERENCE_KIND,
  REPLICA_SCHEDULING_PREFERENCE_PLURAL,
  SCHEDULING_GROUP,
  SCHEDULING_VERSION,
} from '../constants.js';
import { DEFAULT_FEDERATED_TYPES, type FederatedTypeDescriptor } from '../default-types.js';
import { federatedResourceSchema } from '../federated-resource.js';
import { FederatedTypeConfigSchema } from '../federatedtypeconfig.js';
import { KubeFedClusterSchema } from '../kubefedcluster.js';
import { KubeFedConfigSchema } from '../kubefedconfig.js';
import { ClusterPropagatedVersionSchema, PROPAGATED_VERSION_TYPES, PropagatedVersionSchema } from '../propagatedversion.js';
import { ReplicaSchedulingPreferenceSchema } from '../replicaschedulingpreference.js';
import { toStructuralSchema, ZOD_JSON_SCHEMA_OPTIONS, type JSONSchemaProps } from './structural-schema.js';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  /** 0 = always shown; 1 = only with `-o wide`. */
  priority?: number;
}

/** What we need to know to render one CRD (one served and stored version). */
export interface CrdDefinition {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Namespaced' | 'Cluster';
  /** The whole object (apiVersion, kind, metadata, spec, status); metadata is rendered as the API server's. */
  schema: z.ZodType;
  statusSubresource: boolean;
  printerColumns: PrinterColumn[];
  /** `kubectl get <category>`; default [federation]. */
  categories?: string[];
}

/** An apiextensions.k8s.io/v1 CustomResourceDefinition as plain JSON (field names as on the wire). */
export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    scope: 'Namespaced' | 'Cluster';
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources?: { status: Record<string, never> };
      additionalPrinterColumns?: PrinterColumn[];
    }>;
  };
}

const AGE_COLUMN: PrinterColumn = { name: 'age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

const conditionColumn = (name: string, type: string, field: 'status' | 'reason', priority?: number): PrinterColumn => ({
  name,
  type: 'string',
  jsonPath: `.status.conditions[?(@.type=='${type}')].${field}`,
  ...(priority !== undefined && { priority }),
});

/** KubeFedCluster, KubeFedConfig, FederatedTypeConfig and ReplicaSchedulingPreference. */
export function controlPlaneCrdDefinitions(): CrdDefinition[] {
  const core = { group: CORE_GROUP, version: CORE_VERSION, scope: 'Namespaced' } as const;
  return [
    {
      ...core,
      kind: KUBEFED_CLUSTER_KIND,
      plural: KUBEFED_CLUSTER_PLURAL,
      singular: 'kubefedcluster',
      shortNames: ['kfc'],
      schema: KubeFedClusterSchema,
      statusSubresource: true,
      printerColumns: [
        conditionColumn('ready', ClusterConditionType.Ready, 'status'),
        { name: 'kubernetes-version', type: 'string', jsonPath: '.status.kubernetesVersion' },
        AGE_COLUMN,
      ],
    },
    {
      ...core,
      kind: KUBEFED_CONFIG_KIND,
      plural: KUBEFED_CONFIG_PLURAL,
      singular: 'kubefedconfig',
      shortNames: [],
      schema: KubeFedConfigSchema,
      statusSubresource: false,
      printerColumns: [{ name: 'scope', type: 'string', jsonPath: '.spec.scope' }, AGE_COLUMN],
    },
    {
      ...core,
      kind: FEDERATED_TYPE_CONFIG_KIND,
      plural: FEDERATED_TYPE_CONFIG_PLURAL,
      singular: 'federatedtypeconfig',
      shortNames: ['ftc'],
      schema: FederatedTypeConfigSchema,
      statusSubresource: true,
      printerColumns: [
        { name: 'target-kind', type: 'string', jsonPath: '.spec.targetType.kind' },
        { name: 'federated-kind', type: 'string', jsonPath: '.spec.federatedType.kind', priority: 1 },
        { name: 'propagation', type: 'string', jsonPath: '.spec.propagation' },
        { name: 'controller', type: 'string', jsonPath: '.status.propagationController' },
        AGE_COLUMN,
      ],
    },
    {
      group: SCHEDULING_GROUP,
      version: SCHEDULING_VERSION,
      scope: 'Namespaced',
      kind: REPLICA_SCHEDULING_PREFERENCE_KIND,
      plural: REPLICA_SCHEDULING_PREFERENCE_PLURAL,
      singular: 'replicaschedulingpreference',
      shortNames: ['rsp'],
      schema: ReplicaSchedulingPreferenceSchema,
      statusSubresource: true,
      printerColumns: [
        { name: 'target-kind', type: 'string', jsonPath: '.spec.targetKind' },
        { name: 'total', type: 'integer', jsonPath: '.spec.totalReplicas' },
        { name: 'rebalance', type: 'boolean', jsonPath: '.spec.rebalance' },
        { name: 'scheduled', type: 'string', jsonPath: ".status.conditions[?(@.type=='Scheduled')].status" },
        { name: 'reason', type: 'string', jsonPath: ".status.conditions[?(@.type=='Scheduled')].reason", priority: 1 },
        AGE_COLUMN,
      ],
    },
  ];
}

/** PropagatedVersion and ClusterPropagatedVersion, as KubeFed served them (status subresource, no columns). */
export function propagatedVersionCrdDefinitions(): CrdDefinition[] {
  const { namespaced, cluster } = PROPAGATED_VERSION_TYPES;
  return [
    {
      group: namespaced.group,
      version: namespaced.version,
      scope: 'Namespaced',
      kind: PROPAGATED_VERSION_KIND,
      plural: namespaced.plural,
      singular: PROPAGATED_VERSION_KIND.toLowerCase(),
      shortNames: [],
      schema: PropagatedVersionSchema,
      statusSubresource: true,
      printerColumns: [],
      // Bookkeeping, one per federated object: `kubectl get federation` would list each object twice.
      categories: [],
    },
    {
      group: cluster.group,
      version: cluster.version,
      scope: 'Cluster',
      kind: CLUSTER_PROPAGATED_VERSION_KIND,
      plural: cluster.plural,
      singular: CLUSTER_PROPAGATED_VERSION_KIND.toLowerCase(),
      shortNames: [],
      schema: ClusterPropagatedVersionSchema,
      statusSubresource: true,
      printerColumns: [],
      // Bookkeeping, one per federated object: `kubectl get federation` would list each object twice.
      categories: [],
    },
  ];
}

/** The CRD of one Federated<X> type (template, placement, overrides, status; retainReplicas when relevant). */
export function federatedTypeCrdDefinition(descriptor: FederatedTypeDescriptor): CrdDefinition {
  const { federated } = descriptor;
  return {
    group: federated.group,
    version: federated.version,
    kind: federated.kind,
    plural: federated.pluralName,
    singular: federated.kind.toLowerCase(),
    shortNames: descriptor.shortNames,
    scope: federated.scope,
    schema: federatedResourceSchema({ retainReplicas: descriptor.retainReplicas }).describe(
      `Propagates a ${descriptor.target.kind} to the member clusters chosen by its placement.`,
    ),
    statusSubresource: true,
    printerColumns: [
      conditionColumn('propagation', PROPAGATION_CONDITION_TYPE, 'status'),
      conditionColumn('reason', PROPAGATION_CONDITION_TYPE, 'reason', 1),
      AGE_COLUMN,
    ],
  };
}

/** Every CRD definition we ship: the control plane's and the default federated types'. */
export function crdDefinitions(): CrdDefinition[] {
  return [
    ...controlPlaneCrdDefinitions(),
    ...propagatedVersionCrdDefinitions(),
    ...DEFAULT_FEDERATED_TYPES.map(federatedTypeCrdDefinition),
  ];
}

/** The structural schema of a whole object: spec/status from zod, the standard fields as Kubernetes has them. */
export function objectSchema(schema: z.ZodType): JSONSchemaProps {
  const json = z.toJSONSchema(schema, ZOD_JSON_SCHEMA_OPTIONS) as Record<string, unknown>;
  const properties = { ...(json.properties as Record<string, unknown>) };
  properties.apiVersion = { type: 'string', description: 'API group and version of this object.' };
  properties.kind = { type: 'string', description: 'Kind of this object, in CamelCase.' };
  properties.metadata = { type: 'object' };
  const required = ((json.required as string[] | undefined) ?? []).filter(
    (name) => !['apiVersion', 'kind', 'metadata'].includes(name),
  );
  return toStructuralSchema({ ...json, properties, required });
}

export function buildCrd(definition: CrdDefinition): CustomResourceDefinition {
  const { group, version, kind, plural, singular, shortNames, scope } = definition;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      names: {
        kind,
        listKind: `${kind}List`,
        plural,
        singular,
        ...(shortNames.length > 0 && { shortNames }),
        ...((definition.categories ?? [FEDERATION_CATEGORY]).length > 0 && { categories: definition.categories ?? [FEDERATION_CATEGORY] }),
      },
      scope,
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: objectSchema(definition.schema) },
          ...(definition.statusSubresource && { subresources: { status: {} } }),
          ...(definition.printerColumns.length > 0 && { additionalPrinterColumns: definition.printerColumns }),
        },
      ],
    },
  };
}

/** All CRDs, in a stable order. */
export function buildCrds(): CustomResourceDefinition[] {
  return crdDefinitions().map(buildCrd);
}

// The shape shared by every Federated<X> type (types.kubefed.io/v1beta1 by default): a template of the
// target object, where to place it, per-cluster JSON-patch overrides, and the propagation status.
import { z } from 'zod';
import { int64, LabelSelectorSchema, ObjectMetaSchema, TimeSchema, withCelRules } from './common.js';
import { FORBIDDEN_OVERRIDE_PATHS } from './constants.js';

const preserveUnknownFields = { 'x-kubernetes-preserve-unknown-fields': true } as const;

/** Any JSON object, kept verbatim by zod and by the API server. */
const opaqueObject = () => z.record(z.string(), z.unknown()).meta(preserveUnknownFields);

export const ClusterReferenceSchema = z.object({
  name: z.string().describe('Name of a KubeFedCluster.'),
});

export const PlacementSchema = z.object({
  clusters: z
    .array(ClusterReferenceSchema)
    .optional()
    .describe('Exactly these clusters, when present (even empty); clusterSelector is then ignored.'),
  clusterSelector: LabelSelectorSchema.optional().describe(
    'Selects clusters by KubeFedCluster labels when clusters is absent; {} selects all clusters.',
  ),
});
export type Placement = z.infer<typeof PlacementSchema>;

const FORBIDDEN_PATH_MESSAGE = `path must not be one of ${FORBIDDEN_OVERRIDE_PATHS.join(', ')}`;

export const ClusterOverrideSchema = z.object({
  op: z
    .string()
    .regex(/^(add|remove|replace)?$/, { message: 'op must be add, remove or replace' })
    .optional()
    .describe('JSON patch operation: add, remove or replace (the default).'),
  path: withCelRules(
    z
      .string()
      .max(1024)
      .refine((path) => !(FORBIDDEN_OVERRIDE_PATHS as readonly string[]).includes(path), { message: FORBIDDEN_PATH_MESSAGE }),
    [
      {
        rule: `!(self in [${FORBIDDEN_OVERRIDE_PATHS.map((path) => `'${path}'`).join(', ')}])`,
        message: FORBIDDEN_PATH_MESSAGE,
      },
    ],
  ).describe('JSON pointer into the target object, e.g. /spec/replicas.'),
  value: z.unknown().optional().meta(preserveUnknownFields).describe('Value to add or replace.'),
});
export type ClusterOverride = z.infer<typeof ClusterOverrideSchema>;

// KubeFed has no limits here. The API server needs them to bound the cost of the CEL rule on `path`
// (its estimate multiplies per-item cost by the largest possible number of items); these are generous.
export const MAX_OVERRIDE_CLUSTERS = 1000;
export const MAX_OVERRIDES_PER_CLUSTER = 500;

export const OverrideSchema = z.object({
  clusterName: z.string().optional().describe('Cluster the overrides apply to.'),
  clusterOverrides: z.array(ClusterOverrideSchema).max(MAX_OVERRIDES_PER_CLUSTER).optional(),
});
export type Override = z.infer<typeof OverrideSchema>;

/** Overrides: at most one entry per cluster, and one override per path within it. */
export const OverridesSchema = z
  .array(OverrideSchema)
  .max(MAX_OVERRIDE_CLUSTERS)
  .superRefine((overrides, ctx) => {
  const clusters = new Set<string>();
  overrides.forEach((override, index) => {
    const cluster = override.clusterName ?? '';
    if (clusters.has(cluster)) {
      ctx.addIssue({ code: 'custom', path: [index, 'clusterName'], message: `cluster "${cluster}" appears more than once` });
    }
    clusters.add(cluster);
    const paths = new Set<string>();
    (override.clusterOverrides ?? []).forEach((clusterOverride, at) => {
      if (paths.has(clusterOverride.path)) {
        ctx.addIssue({
          code: 'custom',
          path: [index, 'clusterOverrides', at, 'path'],
          message: `path "${clusterOverride.path}" appears more than once for cluster "${cluster}"`,
        });
      }
      paths.add(clusterOverride.path);
    });
  });
});

const templateField = () =>
  opaqueObject().optional().describe('The target object to propagate; apiVersion, kind and metadata are optional.');

/** The spec of a Federated<X> whose target has no replica count (everything but Deployment and ReplicaSet). */
export const FederatedResourceSpecSchema = z.object({
  template: templateField(),
  placement: PlacementSchema.optional(),
  overrides: OverridesSchema.optional().describe('JSON-patch overrides of the template per cluster.'),
});

/** The spec of FederatedDeployment and FederatedReplicaSet. */
export const FederatedReplicasResourceSpecSchema = FederatedResourceSpecSchema.extend({
  retainReplicas: z
    .boolean()
    .optional()
    .describe('Keep spec.replicas as found in member clusters (e.g. when an autoscaler manages it).'),
});
export type FederatedResourceSpec = z.infer<typeof FederatedReplicasResourceSpecSchema>;

export const FederatedConditionSchema = z.object({
  type: z.string().describe('Only Propagation is written.'),
  status: z.string().describe('True, False or Unknown.'),
  reason: z.string().optional(),
  message: z.string().optional().describe('Why, in words, when the condition is not True (a kubefed-ts addition).'),
  lastUpdateTime: TimeSchema.optional(),
  lastTransitionTime: TimeSchema.optional(),
});
export type FederatedCondition = z.infer<typeof FederatedConditionSchema>;

export const ClusterPropagationStatusSchema = z.object({
  name: z.string().describe('Cluster name.'),
  status: z.string().optional().describe('Propagation status in this cluster; absent when in the desired state.'),
  remoteStatus: opaqueObject().optional().describe("The member object's status, when collected."),
});
export type ClusterPropagationStatus = z.infer<typeof ClusterPropagationStatusSchema>;

export const FederatedResourceStatusSchema = z.object({
  observedGeneration: int64().optional(),
  conditions: z.array(FederatedConditionSchema).optional(),
  clusters: z.array(ClusterPropagationStatusSchema).optional(),
});
export type FederatedResourceStatus = z.infer<typeof FederatedResourceStatusSchema>;

/** The object schema of a Federated<X>; `retainReplicas` only for types whose target has spec.replicas. */
export function federatedResourceSchema(options: { retainReplicas: boolean }) {
  return z.object({
    apiVersion: z.string(),
    kind: z.string(),
    metadata: ObjectMetaSchema,
    spec: options.retainReplicas ? FederatedReplicasResourceSpecSchema : FederatedResourceSpecSchema,
    status: FederatedResourceStatusSchema.optional(),
  });
}

/** Parses any Federated<X> object (a superset: `retainReplicas` is accepted for all kinds). */
export const FederatedResourceSchema = federatedResourceSchema({ retainReplicas: true });
export type FederatedResource = z.infer<typeof FederatedResourceSchema>;

// ReplicaSchedulingPreference (scheduling.kubefed.io/v1alpha1): how many replicas a FederatedDeployment or
// FederatedReplicaSet of the same namespace/name should have, and how to spread them over clusters.
import { z } from 'zod';
import { int32, int64, ObjectMetaSchema, TimeSchema, withCelRules } from './common.js';
import { REPLICA_SCHEDULING_PREFERENCE_KIND, SCHEDULING_API_VERSION } from './constants.js';

/** Cluster name used in `spec.clusters` for the preferences of every cluster not listed by name. */
export const ANY_CLUSTER = '*';

const MIN_NOT_ABOVE_MAX = 'minReplicas must not be greater than maxReplicas';

export const ClusterPreferencesSchema = withCelRules(
  z
    .object({
      minReplicas: int64().min(0).default(0).describe('Replicas this cluster gets before any are shared out by weight.'),
      maxReplicas: int64().min(0).optional().describe('Most replicas this cluster may get; unbounded when unset.'),
      weight: int64().min(0).default(0).describe('Share of the remaining replicas, relative to the other clusters.'),
    })
    .refine((prefs) => prefs.maxReplicas === undefined || prefs.minReplicas <= prefs.maxReplicas, {
      path: ['minReplicas'],
      message: MIN_NOT_ABOVE_MAX,
    }),
  [
    {
      rule: '!has(self.maxReplicas) || !has(self.minReplicas) || self.minReplicas <= self.maxReplicas',
      message: MIN_NOT_ABOVE_MAX,
      fieldPath: '.minReplicas',
    },
  ],
);
export type ClusterPreferences = z.infer<typeof ClusterPreferencesSchema>;

export const ReplicaSchedulingPreferenceSpecSchema = z.object({
  targetKind: z.string().describe('Kind of the fed object to schedule: FederatedDeployment or FederatedReplicaSet.'),
  totalReplicas: int32().min(0).describe('Replicas to distribute over all clusters.'),
  rebalance: z
    .boolean()
    .optional()
    .describe('Whether replicas already running may be moved to reach the preferred distribution.'),
  intersectWithClusterSelector: z
    .boolean()
    .optional()
    .describe("Whether only clusters matching the fed object's clusterSelector are considered."),
  clusters: z
    .record(z.string(), ClusterPreferencesSchema)
    .optional()
    .describe('Preferences by cluster name; "*" applies to clusters not listed. Empty means {"*": {weight: 1}}.'),
});
export type ReplicaSchedulingPreferenceSpec = z.infer<typeof ReplicaSchedulingPreferenceSpecSchema>;

export const RspConditionSchema = z.object({
  type: z.string().describe('Scheduled.'),
  status: z.string().describe('True, False or Unknown.'),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: TimeSchema.optional(),
});
export type RspCondition = z.infer<typeof RspConditionSchema>;

/**
 * What the scheduler last did. KubeFed's RSP had an empty status; kubefed-ts records the plan and a
 * `Scheduled` condition (with the reason when it could not schedule), under a status subresource.
 */
export const ReplicaSchedulingPreferenceStatusSchema = z.object({
  observedGeneration: int64().optional(),
  conditions: z.array(RspConditionSchema).optional(),
  schedule: z.record(z.string(), int64()).optional().describe('Replicas per cluster as last written to the fed object.'),
  overflow: z.record(z.string(), int64()).optional().describe('Replicas that did not fit a cluster (max or capacity).'),
});
export type ReplicaSchedulingPreferenceStatus = z.infer<typeof ReplicaSchedulingPreferenceStatusSchema>;

export const ReplicaSchedulingPreferenceSchema = z
  .object({
    apiVersion: z.literal(SCHEDULING_API_VERSION),
    kind: z.literal(REPLICA_SCHEDULING_PREFERENCE_KIND),
    metadata: ObjectMetaSchema,
    spec: ReplicaSchedulingPreferenceSpecSchema,
    status: ReplicaSchedulingPreferenceStatusSchema.optional(),
  })
  .describe('Spreads the replicas of the fed object with the same namespace and name over the member clusters.');
export type ReplicaSchedulingPreference = z.infer<typeof ReplicaSchedulingPreferenceSchema>;

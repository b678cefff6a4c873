// PropagatedVersion and ClusterPropagatedVersion (core.kubefed.io/v1alpha1): KubeFed's record of what it
// last propagated for one federated object: hashes of its template and overrides, and the version of the
// object each member cluster returned. kubefed-ts writes them only with the PropagatedVersions feature gate
// (tools written for KubeFed read them); the shape and names are KubeFed's.
import { z } from 'zod';
import { ObjectMetaSchema } from './common.js';
import {
  CLUSTER_PROPAGATED_VERSION_KIND,
  CORE_GROUP,
  PROPAGATED_VERSION_API_VERSION,
  PROPAGATED_VERSION_KIND,
} from './constants.js';

export const ClusterObjectVersionSchema = z.object({
  clusterName: z.string().describe('The name of the cluster the version is for.'),
  version: z
    .string()
    .describe('The version of the object the last write returned there: gen:<generation>, or rv:<resourceVersion> when it has no generation.'),
});
export type ClusterObjectVersion = z.infer<typeof ClusterObjectVersionSchema>;

export const PropagatedVersionStatusSchema = z.object({
  templateVersion: z.string().describe('MD5 (hex) of the federated object\'s spec.template as KubeFed serialises it.'),
  overridesVersion: z.string().describe('MD5 (hex) of the federated object\'s spec.overrides as KubeFed serialises them.'),
  clusterVersions: z
    .array(ClusterObjectVersionSchema)
    .optional()
    .describe('The last version produced in each cluster, sorted by cluster name.'),
});
export type PropagatedVersionStatus = z.infer<typeof PropagatedVersionStatusSchema>;

/** Both kinds have KubeFed's shape: metadata and a status only. */
function versionObjectSchema<K extends string>(kind: K, scope: string) {
  return z
    .object({
      apiVersion: z.literal(PROPAGATED_VERSION_API_VERSION),
      kind: z.literal(kind),
      metadata: ObjectMetaSchema,
      status: PropagatedVersionStatusSchema.optional(),
    })
    .describe(`What was last propagated for a ${scope} federated object; named <lower-case target kind>-<federated object name>.`);
}

export const PropagatedVersionSchema = versionObjectSchema(PROPAGATED_VERSION_KIND, 'namespaced');
export type PropagatedVersion = z.infer<typeof PropagatedVersionSchema>;

export const ClusterPropagatedVersionSchema = versionObjectSchema(CLUSTER_PROPAGATED_VERSION_KIND, 'cluster-scoped');
export type ClusterPropagatedVersion = z.infer<typeof ClusterPropagatedVersionSchema>;

/** Where each kind lives on the host API server. */
export const PROPAGATED_VERSION_TYPES = {
  namespaced: { group: CORE_GROUP, version: 'v1alpha1', plural: 'propagatedversions', kind: PROPAGATED_VERSION_KIND, namespaced: true },
  cluster: { group: CORE_GROUP, version: 'v1alpha1', plural: 'clusterpropagatedversions', kind: CLUSTER_PROPAGATED_VERSION_KIND, namespaced: false },
} as const;

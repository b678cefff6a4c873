// Building blocks shared by the API schemas: Kubernetes integer formats, timestamps, names, ObjectMeta,
// label selectors, and the way CEL rules for the API server are attached to a zod schema.
import { z } from 'zod';
import { EnablementMode, ResourceScope } from './constants.js';

/** A Kubernetes `x-kubernetes-validations` entry (evaluated by the API server, not by zod). */
export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  /** JSON path (relative to the node) the API server reports the error at, e.g. `.minReplicas`. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  optionalOldSelf?: boolean;
}

/**
 * Attaches CEL rules to a schema. Zod cannot run CEL, so a schema that needs the same check when the
 * controller parses an object also carries an equivalent `.refine()`.
 */
export function withCelRules<T extends z.ZodType>(schema: T, rules: CelRule[]): T {
  return schema.meta({ 'x-kubernetes-validations': rules });
}

/** Go int32 (e.g. `totalReplicas`); rendered as `type: integer, format: int32`. */
export function int32() {
  return z.int32().meta({ format: 'int32' });
}

/** Go int64; JSON numbers beyond 2^53 are not expected in these APIs. Rendered as `format: int64`. */
export function int64() {
  return z.int().meta({ format: 'int64' });
}

export const ResourceScopeSchema = z.enum([ResourceScope.Cluster, ResourceScope.Namespaced]);
/** `Enabled` | `Disabled`: FTC propagation and status collection, adoption, feature gates. */
export const EnablementModeSchema = z.enum([EnablementMode.Enabled, EnablementMode.Disabled]);

/** A `metav1.Time` as it travels in JSON (RFC 3339). */
export const TimeSchema = z.iso.datetime({ offset: true });

// Kubernetes' name rules, used where KubeFed's webhook enforced them.
export const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export const Dns1123SubdomainSchema = z
  .string()
  .max(253)
  .regex(DNS1123_SUBDOMAIN, { message: 'must be a lowercase RFC 1123 subdomain' });

export const OwnerReferenceSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  name: z.string(),
  uid: z.string(),
  controller: z.boolean().optional(),
  blockOwnerDeletion: z.boolean().optional(),
});

// client-node hands out Date objects for some timestamps and strings for others.
const MetaTimeSchema = z.union([z.string(), z.date()]);

/**
 * The ObjectMeta fields the controllers read. Unknown fields are kept so that an object can be written back
 * without losing anything. (The CRDs render metadata as a plain object: the API server owns its schema.)
 */
export const ObjectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().optional(),
  creationTimestamp: MetaTimeSchema.optional(),
  deletionTimestamp: MetaTimeSchema.optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  ownerReferences: z.array(OwnerReferenceSchema).optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMetaSchema>;

export const LabelSelectorRequirementSchema = z.object({
  key: z.string(),
  operator: z.string().describe('In, NotIn, Exists or DoesNotExist.'),
  values: z.array(z.string()).optional(),
});
export type LabelSelectorRequirement = z.infer<typeof LabelSelectorRequirementSchema>;

/** A `metav1.LabelSelector`. */
export const LabelSelectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(LabelSelectorRequirementSchema).optional(),
});
export type LabelSelector = z.infer<typeof LabelSelectorSchema>;

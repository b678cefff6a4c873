// FederatedTypeConfig (core.kubefed.io/v1beta1): which Kubernetes type is federated through which
// Federated<X> type, plus KubeFed's controller-side defaulting and plural naming rules.
import { z } from 'zod';
import {
  DNS1035_LABEL,
  DNS1123_SUBDOMAIN,
  EnablementModeSchema,
  int64,
  ObjectMetaSchema,
  ResourceScopeSchema,
  TimeSchema,
  withCelRules,
} from './common.js';
import {
  ConditionStatus,
  ControllerStatus,
  CORE_API_VERSION,
  FEDERATED_TYPE_CONFIG_KIND,
  NAMESPACES_FTC_NAME,
} from './constants.js';

export const ControllerStatusSchema = z.enum([ControllerStatus.Running, ControllerStatus.NotRunning]);

const dnsLabel = (what: string) =>
  z.string().max(63).regex(DNS1035_LABEL, { message: `${what} must be a lowercase RFC 1035 label` });

// KubeFed lower-cases the kind before checking it as a DNS-1035 label.
const KIND_PATTERN = /^[A-Za-z]([-A-Za-z0-9]*[A-Za-z0-9])?$/;
const kind = () => z.string().max(63).regex(KIND_PATTERN, { message: 'kind must be a CamelCase name made of letters and digits' });

// A group with at least one dot (KubeFed: "should be a domain with at least one dot").
const DOTTED_GROUP = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/** The target type: `group` is empty or absent for the core API group. */
export const APIResourceSchema = z.object({
  group: z
    .string()
    .max(253)
    .regex(new RegExp(`^$|${DNS1123_SUBDOMAIN.source}`), { message: 'group must be empty or a lowercase RFC 1123 subdomain' })
    .optional()
    .describe('API group; empty for the core group.'),
  version: dnsLabel('version').describe('API version, e.g. v1.'),
  kind: kind().describe('Kind, e.g. Deployment.'),
  pluralName: dnsLabel('pluralName').describe('Plural resource name, e.g. deployments.'),
  scope: ResourceScopeSchema,
});
export type APIResource = z.infer<typeof APIResourceSchema>;

/** The federated and status types live in a group of their own, which must contain a dot. */
export const FederatedAPIResourceSchema = APIResourceSchema.extend({
  group: z
    .string()
    .max(253)
    .regex(DOTTED_GROUP, { message: 'group should be a domain with at least one dot' })
    .describe('API group, e.g. types.kubefed.io.'),
});

export const FederatedTypeConfigSpecSchema = z.object({
  targetType: APIResourceSchema.describe('The Kubernetes type propagated to member clusters.'),
  propagation: EnablementModeSchema.describe('Whether fed objects of this type are propagated.'),
  federatedType: FederatedAPIResourceSchema.describe('The Federated<X> type holding template, placement and overrides.'),
  statusType: FederatedAPIResourceSchema.optional().describe('Type collecting member status (FederatedServiceStatus only).'),
  statusCollection: EnablementModeSchema.optional().describe('Whether member objects\' status is collected.'),
});
export type FederatedTypeConfigSpec = z.infer<typeof FederatedTypeConfigSpecSchema>;

export const FederatedTypeConfigConditionSchema = z.object({
  type: z.string().describe('SyncControllerRunning.'),
  status: z.enum([ConditionStatus.True, ConditionStatus.False, ConditionStatus.Unknown]),
  reason: z.string().optional().describe('Running, or why not: PropagationDisabled, TypeNotServed, NamespacesTypeNotRunning, ...'),
  message: z.string().optional(),
  lastTransitionTime: TimeSchema.optional().describe('When the condition last changed status or reason.'),
});
export type FederatedTypeConfigCondition = z.infer<typeof FederatedTypeConfigConditionSchema>;

export const FederatedTypeConfigStatusSchema = z.object({
  observedGeneration: int64().min(0).describe('The generation of the FTC that the controllers act on.'),
  propagationController: ControllerStatusSchema.describe('Whether the sync controller of this type runs.'),
  statusController: ControllerStatusSchema.optional().describe('Whether the status controller of this type runs.'),
  // kubefed-ts: KubeFed's status only said Running or NotRunning; the condition says why.
  conditions: z
    .array(FederatedTypeConfigConditionSchema)
    .max(8)
    .optional()
    .describe('Why the sync controller runs or not (condition SyncControllerRunning, with a reason and message).'),
});
export type FederatedTypeConfigStatus = z.infer<typeof FederatedTypeConfigStatusSchema>;

/** `pluralName` or `pluralName.group`: the name an FTC must have (same as the target's full resource name). */
export function federatedTypeConfigName(target: Pick<APIResource, 'pluralName' | 'group'>): string {
  return target.group ? `${target.pluralName}.${target.group}` : target.pluralName;
}

// KubeFed's webhook says "name must be 'TARGET_PLURAL_NAME(.TARGET_GROUP_NAME)'"; we name the value.
const nameMessage = (expected: string) => `metadata.name must be ${expected}, the pluralName[.group] of spec.targetType`;

// CEL for `federatedTypeConfigName(spec.targetType)`.
const EXPECTED_NAME_CEL =
  "(has(self.spec.targetType.group) && self.spec.targetType.group != '' ? " +
  "self.spec.targetType.pluralName + '.' + self.spec.targetType.group : self.spec.targetType.pluralName)";

export const FederatedTypeConfigSchema = withCelRules(
  z
    .object({
      apiVersion: z.literal(CORE_API_VERSION),
      kind: z.literal(FEDERATED_TYPE_CONFIG_KIND),
      metadata: ObjectMetaSchema,
      spec: FederatedTypeConfigSpecSchema,
      status: FederatedTypeConfigStatusSchema.optional(),
    })
    .superRefine((ftc, ctx) => {
      const expected = federatedTypeConfigName(ftc.spec.targetType);
      if (ftc.metadata.name !== undefined && ftc.metadata.name !== expected) {
        ctx.addIssue({ code: 'custom', path: ['metadata', 'name'], message: nameMessage(`"${expected}"`) });
      }
    }),
  [
    {
      rule: `self.metadata.name == ${EXPECTED_NAME_CEL}`,
      messageExpression: `'${nameMessage(`"' + ${EXPECTED_NAME_CEL} + '"`)}'`,
    },
  ],
).describe('Enables propagation of one Kubernetes type through its Federated<X> type.');
export type FederatedTypeConfig = z.infer<typeof FederatedTypeConfigSchema>;

/**
 * KubeFed's plural of a kind: lower-cased; `s|x|ch|sh|z|o` endings add `es`, a `y` ending becomes `ies`,
 * anything else adds `s`. (So `Ingress` → `ingresses` and `Policy` → `policies`, but `Gateway` → `gatewaies`.)
 */
export function pluralName(kind: string): string {
  const lower = kind.toLowerCase();
  if (/(s|x|ch|sh|z|o)$/.test(lower)) return `${lower}es`;
  if (lower.endsWith('y')) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

/** The federated type of the `namespaces` FTC is namespaced although Namespace itself is cluster-scoped. */
export function isNamespaceTypeConfig(ftc: Pick<FederatedTypeConfig, 'metadata'>): boolean {
  return ftc.metadata.name === NAMESPACES_FTC_NAME;
}

/**
 * KubeFed's controller-side defaulting: fills only empty strings. The target's plural and group come from the
 * FTC name (`plural.group`), the federated plural from its kind, and the status type's plural, group and
 * version from its kind and the federated type. Returns a new object; the input is not modified.
 */
export function setFederatedTypeConfigDefaults(ftc: FederatedTypeConfig): FederatedTypeConfig {
  const name = ftc.metadata.name ?? '';
  const dot = name.indexOf('.');
  const nameParts = dot < 0 ? { plural: name, group: '' } : { plural: name.slice(0, dot), group: name.slice(dot + 1) };
  const { targetType, federatedType, statusType } = ftc.spec;
  return {
    ...ftc,
    spec: {
      ...ftc.spec,
      targetType: {
        ...targetType,
        pluralName: targetType.pluralName || nameParts.plural,
        // Left as it was (absent or '') for the core group.
        ...(!targetType.group && nameParts.group && { group: nameParts.group }),
      },
      federatedType: {
        ...federatedType,
        pluralName: federatedType.pluralName || pluralName(federatedType.kind),
      },
      ...(statusType && {
        statusType: {
          ...statusType,
          pluralName: statusType.pluralName || pluralName(statusType.kind),
          group: statusType.group || federatedType.group,
          version: statusType.version || federatedType.version,
        },
      }),
    },
  };
}

// KubeFedCluster (core.kubefed.io/v1beta1): how the control plane reaches one member cluster (push mode), or
// that an agent inside the member pulls its work (pull mode), and the health the host last observed there.
import { z } from 'zod';
import { Dns1123SubdomainSchema, ObjectMetaSchema, TimeSchema, withCelRules } from './common.js';
import { ClusterConditionType, ConditionStatus, CORE_API_VERSION, KUBEFED_CLUSTER_KIND } from './constants.js';

/**
 * Push: the host holds a token for the member and writes to its API server (KubeFed's only mode). Pull: an
 * agent in the member reads its work from the host and reports back; the host holds no member credential.
 */
export const SyncMode = {
  Push: 'Push',
  Pull: 'Pull',
} as const;
export type SyncMode = (typeof SyncMode)[keyof typeof SyncMode];
export const SyncModeSchema = z.enum([SyncMode.Push, SyncMode.Pull]);

const PUSH_NEEDS_ENDPOINT = 'apiEndpoint is required when syncMode is Push';
const PUSH_NEEDS_SECRET = 'secretRef is required when syncMode is Push';
const isPull = "has(self.syncMode) && self.syncMode == 'Pull'";

export const TlsValidationSchema = z.enum(['*', 'SubjectName', 'ValidityPeriod']);
export type TlsValidation = z.infer<typeof TlsValidationSchema>;

const ALL_TLS_VALIDATIONS_ALONE = 'when * is specified, it is expected to be the only option in list';

const hasAllowedScheme = (schemes: string[]) => (url: string) =>
  !url.includes('://') || schemes.some((scheme) => url.startsWith(`${scheme}://`));

const KubeFedClusterSpecFields = z.object({
  syncMode: SyncModeSchema.default(SyncMode.Push).describe(
    'Push (default): the host writes to the cluster with the token of secretRef. Pull: an agent in the cluster applies the work the host publishes in namespace kubefed-cluster-<name>; apiEndpoint and secretRef are then unused.',
  ),
  apiEndpoint: withCelRules(
    z
      .string()
      .min(1)
      .refine(hasAllowedScheme(['http', 'https']), { message: 'apiEndpoint must use the http or https scheme' }),
    [
      {
        rule: "!self.contains('://') || self.startsWith('http://') || self.startsWith('https://')",
        message: 'apiEndpoint must use the http or https scheme',
      },
    ],
  )
    .optional()
    .describe('Address of the cluster API server: hostname, hostname:port, IP, IP:port or an http(s) URL. Required for Push.'),
  caBundle: z
    .base64()
    .optional()
    .describe('PEM certificate authorities (base64 in JSON) trusted for the API server; the system roots when unset.'),
  secretRef: z
    .object({
      name: Dns1123SubdomainSchema.describe('Name of the Secret.'),
    })
    .optional()
    .describe('Secret in the KubeFed namespace whose data key "token" holds the bearer token for the cluster. Required for Push.'),
  disabledTLSValidations: withCelRules(
    z
      .array(TlsValidationSchema)
      .max(16)
      .refine((list) => !list.includes('*') || list.length === 1, { message: ALL_TLS_VALIDATIONS_ALONE }),
    [{ rule: "!('*' in self) || size(self) == 1", message: ALL_TLS_VALIDATIONS_ALONE }],
  )
    .optional()
    .describe('TLS checks to skip when talking to the cluster: SubjectName, ValidityPeriod, or * for all of them.'),
  proxyURL: withCelRules(
    z.string().refine(hasAllowedScheme(['http', 'https', 'socks5']), {
      message: 'proxyURL must use the http, https or socks5 scheme',
    }),
    [
      {
        rule: "self == '' || self.startsWith('http://') || self.startsWith('https://') || self.startsWith('socks5://')",
        message: 'proxyURL must use the http, https or socks5 scheme',
      },
    ],
  )
    .optional()
    .describe('Proxy to reach the API server through (http, https or socks5); empty for none.'),
});

export const KubeFedClusterSpecSchema = withCelRules(
  KubeFedClusterSpecFields.superRefine((spec, ctx) => {
    if (spec.syncMode === SyncMode.Pull) return;
    if (spec.apiEndpoint === undefined) ctx.addIssue({ code: 'custom', path: ['apiEndpoint'], message: PUSH_NEEDS_ENDPOINT });
    if (spec.secretRef === undefined) ctx.addIssue({ code: 'custom', path: ['secretRef'], message: PUSH_NEEDS_SECRET });
  }),
  [
    { rule: `${isPull} || has(self.apiEndpoint)`, message: PUSH_NEEDS_ENDPOINT, fieldPath: '.apiEndpoint', reason: 'FieldValueRequired' },
    { rule: `${isPull} || has(self.secretRef)`, message: PUSH_NEEDS_SECRET, fieldPath: '.secretRef', reason: 'FieldValueRequired' },
  ],
);
// As stored: objects come raw from the API server, and those written before syncMode existed lack it.
export type KubeFedClusterSpec = z.input<typeof KubeFedClusterSpecSchema>;

export const ClusterConditionSchema = z.object({
  type: z.enum([ClusterConditionType.Ready, ClusterConditionType.Offline, ClusterConditionType.ConfigMalformed]),
  status: z.enum([ConditionStatus.True, ConditionStatus.False, ConditionStatus.Unknown]),
  lastProbeTime: TimeSchema.describe('When the cluster was last probed.'),
  lastTransitionTime: TimeSchema.optional().describe('When the condition last changed status.'),
  reason: z.string().optional(),
  message: z.string().optional(),
});
export type ClusterCondition = z.infer<typeof ClusterConditionSchema>;

export const KubeFedClusterStatusSchema = z.object({
  conditions: z.array(ClusterConditionSchema).describe('Outcome of the latest health probe.'),
  kubernetesVersion: z.string().optional().describe('Version reported by the API server (in pull mode: by the agent).'),
  agentVersion: z.string().optional().describe('Pull mode: version of the kubefed-ts agent, from its heartbeat.'),
  zones: z.array(z.string()).optional().describe('Not populated (as in KubeFed).'),
  region: z.string().optional().describe('Not populated (as in KubeFed).'),
});
export type KubeFedClusterStatus = z.infer<typeof KubeFedClusterStatusSchema>;

export const KubeFedClusterSchema = z
  .object({
    apiVersion: z.literal(CORE_API_VERSION),
    kind: z.literal(KUBEFED_CLUSTER_KIND),
    metadata: ObjectMetaSchema,
    spec: KubeFedClusterSpecSchema,
    status: KubeFedClusterStatusSchema.optional(),
  })
  .describe('A member cluster of the federation and how to reach it.');
export type KubeFedCluster = z.input<typeof KubeFedClusterSchema>;

/** The sync mode of a KubeFedCluster as stored (objects written before the field existed mean Push). */
export function syncModeOf(kfc: { spec?: { syncMode?: SyncMode | undefined } | undefined }): SyncMode {
  return kfc.spec?.syncMode === SyncMode.Pull ? SyncMode.Pull : SyncMode.Push;
}

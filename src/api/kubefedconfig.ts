// KubeFedConfig (core.kubefed.io/v1beta1): the control plane's settings, read from the object named
// `kubefed` in the KubeFed namespace. Parsing fills in every default, so the controller never sees a gap.
//
// Defaults live both here (zod) and in the CRD (`default:`, generated from these schemas), so the API server
// fills them in on create. KubeFed relied on a mutating webhook instead; kubefed-ts serves one too
// (`fillKubeFedConfigDefaults`), for what a CRD default cannot do: complete a partial list of feature gates,
// and default a KubeFedConfig stored through a CRD without defaults (KubeFed's own).
import { z } from 'zod';
import { EnablementModeSchema, int64, ObjectMetaSchema, ResourceScopeSchema, withCelRules } from './common.js';
import {
  CORE_API_VERSION,
  EnablementMode,
  FEATURE_GATE_DEFAULTS,
  FeatureGateName,
  KUBEFED_CONFIG_KIND,
  KUBEFED_TS_ONLY_FEATURE_GATES,
  ResourceLock,
} from './constants.js';
import { DEFAULT_PULL_HEARTBEAT_GRACE_PERIOD } from './pull-mode.js';
import { GO_DURATION_PATTERN, PositiveDurationSchema, tryParseDurationNanos } from './duration.js';

const positiveCount = () => int64().min(1);

export const DurationConfigSchema = z.object({
  availableDelay: PositiveDurationSchema.default('20s').describe(
    'How long to wait after a cluster becomes ready before syncing objects to it.',
  ),
  unavailableDelay: PositiveDurationSchema.default('1m0s').describe(
    'How long to wait after a cluster becomes unready before re-syncing.',
  ),
  cacheSyncTimeout: PositiveDurationSchema.default('5m0s').describe(
    'How long a controller waits for its caches to fill before giving up.',
  ),
});
export type DurationConfig = z.infer<typeof DurationConfigSchema>;

// client-go's leader-election jitter: renewDeadline must exceed retryPeriod by this factor.
const LEADER_ELECTION_JITTER = 1.2;

/** CEL that is true unless both fields are present and well-formed (each field reports its own errors). */
const notBothWellFormed = (a: string, b: string) =>
  [a, b].map((field) => `!has(self.${field}) || !self.${field}.matches(r'${GO_DURATION_PATTERN.source}')`).join(' || ');

export const LeaderElectConfigSchema = withCelRules(
  z
    .object({
      leaseDuration: PositiveDurationSchema.default('15s').describe(
        'How long a non-leader waits before trying to take over an unrenewed lease.',
      ),
      renewDeadline: PositiveDurationSchema.default('10s').describe(
        'How long the leader keeps retrying to renew before giving up leadership.',
      ),
      retryPeriod: PositiveDurationSchema.default('2s').describe('Time between attempts to acquire or renew the lease.'),
      resourceLock: z
        .enum([ResourceLock.ConfigMaps, ResourceLock.Endpoints, ResourceLock.Leases])
        .default(ResourceLock.Leases)
        .describe(
          'Kind of lock object: a coordination.k8s.io Lease, or the ConfigMap or Endpoints lock KubeFed used ' +
            '(the leader record in the control-plane.alpha.kubernetes.io/leader annotation).',
        ),
    })
    .superRefine((config, ctx) => {
      // Malformed durations are reported by the fields' own schemas.
      const lease = tryParseDurationNanos(config.leaseDuration);
      const renew = tryParseDurationNanos(config.renewDeadline);
      const retry = tryParseDurationNanos(config.retryPeriod);
      if (lease !== undefined && renew !== undefined && lease <= renew) {
        ctx.addIssue({ code: 'custom', path: ['leaseDuration'], message: 'leaseDuration must be greater than renewDeadline' });
      }
      // renew > 1.2 * retry, in integers: 5 * renew > 6 * retry.
      if (renew !== undefined && retry !== undefined && 5n * renew <= 6n * retry) {
        ctx.addIssue({
          code: 'custom',
          path: ['renewDeadline'],
          message: `renewDeadline must be greater than retryPeriod*${LEADER_ELECTION_JITTER}`,
        });
      }
    }),
  [
    {
      rule: `${notBothWellFormed('leaseDuration', 'renewDeadline')} || duration(self.leaseDuration) > duration(self.renewDeadline)`,
      message: 'leaseDuration must be greater than renewDeadline',
      fieldPath: '.leaseDuration',
    },
    {
      rule:
        `${notBothWellFormed('renewDeadline', 'retryPeriod')} || ` +
        'duration(self.renewDeadline).getMilliseconds() * 5 > duration(self.retryPeriod).getMilliseconds() * 6',
      message: `renewDeadline must be greater than retryPeriod*${LEADER_ELECTION_JITTER}`,
      fieldPath: '.renewDeadline',
    },
  ],
);
export type LeaderElectConfig = z.infer<typeof LeaderElectConfigSchema>;

export const FeatureGateNameSchema = z.enum([
  FeatureGateName.PropagatedVersions,
  FeatureGateName.PushReconciler,
  FeatureGateName.RawResourceStatusCollection,
  FeatureGateName.SchedulerPreferences,
]);

export const FeatureGateConfigSchema = z.object({
  name: FeatureGateNameSchema,
  configuration: EnablementModeSchema,
});
export type FeatureGateConfig = z.infer<typeof FeatureGateConfigSchema>;

/** Every known gate at its default, sorted by name (KubeFed's defaulting order). */
export function defaultFeatureGates(): FeatureGateConfig[] {
  return completeFeatureGates([]);
}

/**
 * Appends KubeFed's gates a list does not mention, at their defaults, and sorts by name, as KubeFed does.
 * Gates of kubefed-ts alone are never added (see KUBEFED_TS_ONLY_FEATURE_GATES).
 */
export function completeFeatureGates(gates: readonly FeatureGateConfig[]): FeatureGateConfig[] {
  const named = new Set(gates.map((gate) => gate.name));
  const missing = FeatureGateNameSchema.options
    .filter((name) => !named.has(name) && !KUBEFED_TS_ONLY_FEATURE_GATES.has(name))
    .map((name) => ({
      name,
      configuration: FEATURE_GATE_DEFAULTS[name] ? EnablementMode.Enabled : EnablementMode.Disabled,
    }));
  return [...gates, ...missing].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const FeatureGatesSchema = z
  .array(FeatureGateConfigSchema)
  .superRefine((gates, ctx) => {
    const seen = new Set<string>();
    gates.forEach((gate, index) => {
      if (seen.has(gate.name)) {
        ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `feature gate ${gate.name} appears more than once` });
      }
      seen.add(gate.name);
    });
  })
  // A list keyed by name: the API server rejects duplicates and server-side apply merges per gate.
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
  .default(defaultFeatureGates())
  .transform(completeFeatureGates)
  .describe(
    'Feature gates; gates left out get their default (PushReconciler and SchedulerPreferences on; ' +
      'RawResourceStatusCollection and PropagatedVersions, a kubefed-ts gate, off).',
  );

export const ClusterHealthCheckConfigSchema = z.object({
  period: PositiveDurationSchema.default('10s').describe('How often every cluster is probed.'),
  failureThreshold: positiveCount().default(3).describe('Consecutive failed probes before a cluster is marked not ready.'),
  successThreshold: positiveCount().default(1).describe('Consecutive good probes before a cluster is marked ready.'),
  timeout: PositiveDurationSchema.default('3s').describe('Timeout of one probe.'),
  pullHeartbeatGracePeriod: PositiveDurationSchema.default(DEFAULT_PULL_HEARTBEAT_GRACE_PERIOD).describe(
    'Pull mode: how long the host waits for an agent to renew its heartbeat Lease before the cluster turns not ready.',
  ),
});
export type ClusterHealthCheckConfig = z.infer<typeof ClusterHealthCheckConfigSchema>;

export const SyncControllerConfigSchema = z.object({
  // KubeFed defaulted to 1, which serialises every type behind its slowest member write; reconciles here
  // are asynchronous, so 16 in flight per type costs little and keeps propagation close to API-server speed.
  maxConcurrentReconciles: positiveCount().default(16).describe('Fed objects reconciled in parallel per federated type.'),
  adoptResources: EnablementModeSchema.default(EnablementMode.Enabled).describe(
    'Whether pre-existing objects in member clusters are taken over (Enabled) or reported as AlreadyExists.',
  ),
});
export type SyncControllerConfig = z.infer<typeof SyncControllerConfigSchema>;

export const StatusControllerConfigSchema = z.object({
  maxConcurrentReconciles: positiveCount().default(1).describe('Objects whose status is collected in parallel.'),
});
export type StatusControllerConfig = z.infer<typeof StatusControllerConfigSchema>;

export const KubeFedConfigSpecSchema = z.object({
  scope: withCelRules(ResourceScopeSchema, [{ rule: 'self == oldSelf', message: 'scope is immutable' }]).describe(
    'Cluster: federate all namespaces; Namespaced: only the KubeFed namespace. Immutable.',
  ),
  // `prefault({})`: an absent section is parsed as `{}` so that its fields get their defaults (in the CRD this
  // is `default: {}`, which the API server then defaults field by field).
  controllerDuration: DurationConfigSchema.prefault({}),
  leaderElect: LeaderElectConfigSchema.prefault({}),
  featureGates: FeatureGatesSchema,
  clusterHealthCheck: ClusterHealthCheckConfigSchema.prefault({}),
  syncController: SyncControllerConfigSchema.prefault({}),
  statusController: StatusControllerConfigSchema.prefault({}),
});
export type KubeFedConfigSpec = z.infer<typeof KubeFedConfigSpecSchema>;
export type KubeFedConfigSpecInput = z.input<typeof KubeFedConfigSpecSchema>;

export const KubeFedConfigSchema = z
  .object({
    apiVersion: z.literal(CORE_API_VERSION),
    kind: z.literal(KUBEFED_CONFIG_KIND),
    metadata: ObjectMetaSchema,
    spec: KubeFedConfigSpecSchema,
  })
  .describe('Settings of the KubeFed control plane; the one named "kubefed" in the KubeFed namespace is used.');
export type KubeFedConfig = z.infer<typeof KubeFedConfigSchema>;

/** The spec a KubeFedConfig gets when only its scope is given. */
export function defaultKubeFedConfigSpec(scope: KubeFedConfigSpec['scope']): KubeFedConfigSpec {
  return KubeFedConfigSpecSchema.parse({ scope });
}

const DEFAULTED_SECTIONS = ['controllerDuration', 'leaderElect', 'clusterHealthCheck', 'syncController', 'statusController'] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A KubeFedConfig spec with every unset field (absent or null) given its default and the feature gates
 * completed (missing gates added at their default, the list sorted by name), as KubeFed's defaulting webhook
 * did, but with kubefed-ts's defaults. Whatever is set is kept as written, valid or not: judging it is the
 * validating webhook's job. `scope` has no default (KubeFed's neither). Undefined when the spec is not an
 * object at all.
 */
export function fillKubeFedConfigDefaults(spec: unknown): Record<string, unknown> | undefined {
  if (spec !== undefined && spec !== null && !isObject(spec)) return undefined;
  const given: Record<string, unknown> = spec ?? {};
  const defaults = defaultKubeFedConfigSpec('Cluster');
  const filled: Record<string, unknown> = { ...given };
  for (const section of DEFAULTED_SECTIONS) {
    const current = given[section];
    if (current === undefined || current === null) {
      filled[section] = { ...defaults[section] };
    } else if (isObject(current)) {
      const merged = { ...current };
      for (const [field, value] of Object.entries(defaults[section])) {
        if (merged[field] === undefined || merged[field] === null) merged[field] = value;
      }
      filled[section] = merged;
    }
  }
  const gates = given.featureGates;
  if (gates === undefined || gates === null) {
    filled.featureGates = defaults.featureGates;
  } else if (Array.isArray(gates) && gates.every((gate) => isObject(gate) && typeof gate.name === 'string')) {
    filled.featureGates = completeFeatureGates(gates as FeatureGateConfig[]);
  }
  return filled;
}

// Whether an FTC's sync controller should run, and the condition that says why (not): a pure function of
// what the FederatedTypeConfig controller observed, so every case is a table row in its unit test.
import { FEDERATED_TYPE_CONFIG_FINALIZER } from '../api/constants.js';
import type { ResourceType } from '../kube/types.js';

/** `status.conditions[type=SyncControllerRunning]` of an FTC: the reason behind `propagationController`. */
export const SYNC_CONTROLLER_CONDITION = 'SyncControllerRunning';

export const NotRunningReason = {
  PropagationDisabled: 'PropagationDisabled',
  ClusterScopedTypeInNamespacedScope: 'ClusterScopedTypeInNamespacedScope',
  NamespacesTypeNotRunning: 'NamespacesTypeNotRunning',
  /** The federated type or the target type is not served by the host (its CRD is missing or gone). */
  TypeNotServed: 'TypeNotServed',
  StartFailed: 'StartFailed',
} as const;
export type NotRunningReason = (typeof NotRunningReason)[keyof typeof NotRunningReason];

export interface RunInputs {
  propagationEnabled: boolean;
  scope: 'Cluster' | 'Namespaced';
  targetNamespaced: boolean;
  /** A namespaced type other than FederatedNamespace: it needs the `namespaces` FTC's placements. */
  needsNamespaces: boolean;
  /**
   * Whether FederatedNamespace placements are read: once the `namespaces` sync controller runs, or, in a
   * namespace-scoped control plane (which never runs it), once the `namespaces` FTC exists.
   */
  namespacesReady: boolean;
  /** Why the host does not serve the federated or the target type, when it does not. */
  typeProblem: string | undefined;
}

export type RunDecision = { run: true } | { run: false; reason: NotRunningReason; message: string; warn: boolean };

/**
 * Run when propagation is enabled and nothing stands in the way. `warn` says the FTC asks for propagation
 * that cannot happen (worth a Warning Event and a retry), unlike a type switched off on purpose.
 */
export function decideSyncController(inputs: RunInputs): RunDecision {
  if (!inputs.propagationEnabled) {
    return { run: false, reason: NotRunningReason.PropagationDisabled, message: 'spec.propagation is Disabled', warn: false };
  }
  if (inputs.scope === 'Namespaced' && !inputs.targetNamespaced) {
    return {
      run: false,
      reason: NotRunningReason.ClusterScopedTypeInNamespacedScope,
      message: 'a namespace-scoped control plane does not propagate cluster-scoped types',
      warn: true,
    };
  }
  if (inputs.needsNamespaces && !inputs.namespacesReady) {
    return {
      run: false,
      reason: NotRunningReason.NamespacesTypeNotRunning,
      message: 'the FederatedTypeConfig "namespaces" must be enabled before namespaced types can propagate',
      warn: true,
    };
  }
  if (inputs.typeProblem) return { run: false, reason: NotRunningReason.TypeNotServed, message: inputs.typeProblem, warn: true };
  return { run: true };
}

/** The CRD that would define a type: `plural.group`; none for the core group. */
export function crdNameOf(type: Pick<ResourceType, 'plural' | 'group'>): string | undefined {
  return type.group ? `${type.plural}.${type.group}` : undefined;
}

/** Whether an API discovery document (APIResourceList) lists `plural` itself (not only a subresource of it). */
export function discoveryServes(list: unknown, plural: string): boolean {
  const resources = (list as { resources?: unknown } | undefined)?.resources;
  return Array.isArray(resources) && resources.some((resource) => (resource as { name?: unknown } | null)?.name === plural);
}

export interface SyncCondition {
  type: typeof SYNC_CONTROLLER_CONDITION;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/** The condition: True while the controller runs, else False with why; the transition time is kept while status and reason stay. */
export function syncCondition(
  notRunning: { reason: NotRunningReason; message: string } | undefined,
  previous: SyncCondition | undefined,
  now: Date,
): SyncCondition {
  const status = notRunning ? 'False' : 'True';
  const reason = notRunning?.reason ?? 'Running';
  const unchanged = previous && previous.status === status && previous.reason === reason;
  return {
    type: SYNC_CONTROLLER_CONDITION,
    status,
    reason,
    message: notRunning?.message ?? 'the sync controller runs',
    lastTransitionTime: unchanged ? previous.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/**
 * The finalizers a deleted FTC keeps once its sync controller has stopped: all but KubeFed's, which KubeFed put
 * on every FTC it ran and removed itself at this point (kubefed-ts adds none). Undefined when KubeFed's is not
 * there: nothing to write. Without this, an FTC deleted after a migration from KubeFed would wait forever.
 */
export function finalizersAfterStop(finalizers: readonly string[] | undefined): string[] | undefined {
  if (!finalizers?.includes(FEDERATED_TYPE_CONFIG_FINALIZER)) return undefined;
  return finalizers.filter((f) => f !== FEDERATED_TYPE_CONFIG_FINALIZER);
}

// Names and status vocabulary shared with KubeFed v0.10: API groups, kinds, labels, annotations and the
// strings written into conditions, so that objects and tooling from a KubeFed installation keep working.

export const CORE_GROUP = 'core.kubefed.io';
export const CORE_VERSION = 'v1beta1';
export const CORE_API_VERSION = `${CORE_GROUP}/${CORE_VERSION}` as const;

export const SCHEDULING_GROUP = 'scheduling.kubefed.io';
export const SCHEDULING_VERSION = 'v1alpha1';
export const SCHEDULING_API_VERSION = `${SCHEDULING_GROUP}/${SCHEDULING_VERSION}` as const;

/** Default group and version of the generated Federated<X> types. */
export const TYPES_GROUP = 'types.kubefed.io';
export const TYPES_VERSION = 'v1beta1';
export const TYPES_API_VERSION = `${TYPES_GROUP}/${TYPES_VERSION}` as const;

/** PropagatedVersion / ClusterPropagatedVersion live in core.kubefed.io's older version. */
export const PROPAGATED_VERSION_API_VERSION = `${CORE_GROUP}/v1alpha1` as const;
export const PROPAGATED_VERSION_KIND = 'PropagatedVersion';
export const CLUSTER_PROPAGATED_VERSION_KIND = 'ClusterPropagatedVersion';

export const KUBEFED_CLUSTER_KIND = 'KubeFedCluster';
export const KUBEFED_CLUSTER_PLURAL = 'kubefedclusters';
export const KUBEFED_CONFIG_KIND = 'KubeFedConfig';
export const KUBEFED_CONFIG_PLURAL = 'kubefedconfigs';
export const FEDERATED_TYPE_CONFIG_KIND = 'FederatedTypeConfig';
export const FEDERATED_TYPE_CONFIG_PLURAL = 'federatedtypeconfigs';
export const REPLICA_SCHEDULING_PREFERENCE_KIND = 'ReplicaSchedulingPreference';
export const REPLICA_SCHEDULING_PREFERENCE_PLURAL = 'replicaschedulingpreferences';

/** `kubectl get federation` lists every kind of ours. */
export const FEDERATION_CATEGORY = 'federation';

export const DEFAULT_KUBEFED_NAMESPACE = 'kube-federation-system';
/** The controller manager reads the KubeFedConfig of this name in its own namespace. */
export const KUBEFED_CONFIG_NAME = 'kubefed';
/** The FTC of this name federates namespaces; namespaced federated types depend on it. */
export const NAMESPACES_FTC_NAME = 'namespaces';

export const SYNC_CONTROLLER_FINALIZER = 'kubefed.io/sync-controller';
export const FEDERATED_TYPE_CONFIG_FINALIZER = 'core.kubefed.io/federated-type-config';

/** Label on member objects: "true" = managed by us; "false" = explicitly left alone. */
export const MANAGED_LABEL = 'kubefed.io/managed';
/** On every member object we write: a hash of the desired object, so "nothing changed" needs no read. */
export const PROPAGATED_HASH_ANNOTATION = 'kubefed.io/propagated-hash';
/** The field manager of every member write (and of status writes on the host). */
export const FIELD_MANAGER = 'kubefed-ts';
export const MANAGED_LABEL_TRUE = 'true';
export const MANAGED_LABEL_FALSE = 'false';
/** Annotation on a fed object: "true" = on deletion leave member objects in place, only unlabelled. */
export const ORPHAN_ANNOTATION = 'kubefed.io/orphan';
export const ORPHAN_ANNOTATION_TRUE = 'true';
/** Annotation on a fed object holding JSON DeleteOptions used when deleting member objects. */
export const DELETE_OPTIONS_ANNOTATION = 'kubefed.io/deleteoption';

export const ConditionStatus = {
  True: 'True',
  False: 'False',
  Unknown: 'Unknown',
} as const;
export type ConditionStatus = (typeof ConditionStatus)[keyof typeof ConditionStatus];

/** The only condition type KubeFed writes on fed objects. */
export const PROPAGATION_CONDITION_TYPE = 'Propagation';

/** Reasons of the Propagation condition; the empty string means success (status True). */
export const AggregateReason = {
  Ok: '',
  ClusterRetrievalFailed: 'ClusterRetrievalFailed',
  ComputePlacementFailed: 'ComputePlacementFailed',
  CheckClusters: 'CheckClusters',
  NamespaceNotFederated: 'NamespaceNotFederated',
} as const;
export type AggregateReason = (typeof AggregateReason)[keyof typeof AggregateReason];

/** Per-cluster `status.clusters[].status` of a fed object; the empty string means in the desired state. */
export const PropagationStatus = {
  Ok: '',
  WaitingForRemoval: 'WaitingForRemoval',
  ClusterNotReady: 'ClusterNotReady',
  CachedRetrievalFailed: 'CachedRetrievalFailed',
  ComputeResourceFailed: 'ComputeResourceFailed',
  ApplyOverridesFailed: 'ApplyOverridesFailed',
  CreationFailed: 'CreationFailed',
  UpdateFailed: 'UpdateFailed',
  DeletionFailed: 'DeletionFailed',
  LabelRemovalFailed: 'LabelRemovalFailed',
  RetrievalFailed: 'RetrievalFailed',
  AlreadyExists: 'AlreadyExists',
  FieldRetentionFailed: 'FieldRetentionFailed',
  VersionRetrievalFailed: 'VersionRetrievalFailed',
  ClientRetrievalFailed: 'ClientRetrievalFailed',
  ManagedLabelFalse: 'ManagedLabelFalse',
  CreationTimedOut: 'CreationTimedOut',
  UpdateTimedOut: 'UpdateTimedOut',
  DeletionTimedOut: 'DeletionTimedOut',
  LabelRemovalTimedOut: 'LabelRemovalTimedOut',
} as const;
export type PropagationStatus = (typeof PropagationStatus)[keyof typeof PropagationStatus];

/** Statuses worth a retry with backoff (KubeFed treats the rest as settled until something changes). */
export const RECOVERABLE_PROPAGATION_STATUSES: ReadonlySet<PropagationStatus> = new Set<PropagationStatus>([
  PropagationStatus.CreationFailed,
  PropagationStatus.UpdateFailed,
  PropagationStatus.DeletionFailed,
  PropagationStatus.LabelRemovalFailed,
  PropagationStatus.RetrievalFailed,
  PropagationStatus.ClientRetrievalFailed,
  PropagationStatus.CreationTimedOut,
  PropagationStatus.UpdateTimedOut,
  PropagationStatus.DeletionTimedOut,
  PropagationStatus.LabelRemovalTimedOut,
]);

export const ClusterConditionType = {
  Ready: 'Ready',
  Offline: 'Offline',
  ConfigMalformed: 'ConfigMalformed',
} as const;
export type ClusterConditionType = (typeof ClusterConditionType)[keyof typeof ClusterConditionType];

export const ClusterConditionReason = {
  ClusterReady: 'ClusterReady',
  ClusterNotReady: 'ClusterNotReady',
  ClusterNotReachable: 'ClusterNotReachable',
  ClusterReachable: 'ClusterReachable',
  ClusterConfigMalformed: 'ClusterConfigMalformed',
} as const;
export type ClusterConditionReason = (typeof ClusterConditionReason)[keyof typeof ClusterConditionReason];

/** Condition messages; `ClusterNotReachable` gets `: <error>` appended when there is one. */
export const ClusterConditionMessage = {
  HealthzOk: '/healthz responded with ok',
  HealthzNotOk: '/healthz responded without ok',
  ClusterNotReachable: 'cluster is not reachable',
  ClusterReachable: 'cluster is reachable',
  ClusterConfigMalformed: "cluster's configuration may be malformed",
} as const;

/** FTC `status.propagationController` / `status.statusController`. */
export const ControllerStatus = {
  Running: 'Running',
  NotRunning: 'NotRunning',
} as const;
export type ControllerStatus = (typeof ControllerStatus)[keyof typeof ControllerStatus];

/** Used by FTC `propagation`/`statusCollection`, KubeFedConfig `adoptResources` and feature gates. */
export const EnablementMode = {
  Enabled: 'Enabled',
  Disabled: 'Disabled',
} as const;
export type EnablementMode = (typeof EnablementMode)[keyof typeof EnablementMode];

export const ResourceScope = {
  Cluster: 'Cluster',
  Namespaced: 'Namespaced',
} as const;
export type ResourceScope = (typeof ResourceScope)[keyof typeof ResourceScope];

export const FeatureGateName = {
  PropagatedVersions: 'PropagatedVersions',
  PushReconciler: 'PushReconciler',
  RawResourceStatusCollection: 'RawResourceStatusCollection',
  SchedulerPreferences: 'SchedulerPreferences',
} as const;
export type FeatureGateName = (typeof FeatureGateName)[keyof typeof FeatureGateName];

/** Whether each gate is on when a KubeFedConfig does not mention it. */
export const FEATURE_GATE_DEFAULTS: Readonly<Record<FeatureGateName, boolean>> = {
  // Off: each propagation change then costs a host write (KubeFed wrote one PropagatedVersion per object).
  PropagatedVersions: false,
  PushReconciler: true,
  RawResourceStatusCollection: false,
  SchedulerPreferences: true,
};

/**
 * Gates of kubefed-ts alone. Defaulting never adds them to a KubeFedConfig: KubeFed's controller-manager
 * refuses to start on a gate it does not know, so a config defaulted by us must stay readable by KubeFed
 * (rollback, and KubeFed's own defaulting test). A user who names one opts in explicitly.
 */
export const KUBEFED_TS_ONLY_FEATURE_GATES: ReadonlySet<FeatureGateName> = new Set([FeatureGateName.PropagatedVersions]);

/**
 * Leader-election lock kinds. We always lock with a coordination.k8s.io Lease; `configmaps` and `endpoints`
 * (KubeFed's values) are still accepted so existing KubeFedConfigs validate.
 */
export const ResourceLock = {
  ConfigMaps: 'configmaps',
  Endpoints: 'endpoints',
  Leases: 'leases',
} as const;
export type ResourceLock = (typeof ResourceLock)[keyof typeof ResourceLock];

/** Target kinds a ReplicaSchedulingPreference can schedule. */
export const SCHEDULABLE_FEDERATED_KINDS = ['FederatedDeployment', 'FederatedReplicaSet'] as const;

/**
 * Override paths the sync controller refuses: they would change the member object's identity. KubeFed allowed
 * `/apiVersion`; kubefed-ts refuses it too, since a different version is a different object to the member.
 */
export const FORBIDDEN_OVERRIDE_PATHS = ['/metadata/name', '/metadata/namespace', '/metadata/generateName', '/kind', '/apiVersion'] as const;

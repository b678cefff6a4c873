// The Kubernetes types federated out of the box (KubeFed's shipped set plus ClusterRoleBinding), described
// once so that their CRDs, their FederatedTypeConfigs and the controllers all agree.
import {
  CORE_API_VERSION,
  EnablementMode,
  FEDERATED_TYPE_CONFIG_KIND,
  ResourceScope,
  TYPES_GROUP,
  TYPES_VERSION,
} from './constants.js';
import { federatedTypeConfigName, pluralName, type APIResource, type FederatedTypeConfig } from './federatedtypeconfig.js';

export interface FederatedTypeDescriptor {
  /** The Kubernetes type propagated to member clusters (`group` empty for the core group). */
  target: Required<APIResource>;
  /** The Federated<X> type; group/version default to types.kubefed.io/v1beta1. */
  federated: Required<APIResource>;
  /** Short names of the federated CRD. */
  shortNames: string[];
  /** Whether the federated type has `spec.retainReplicas` (targets with an integer spec.replicas). */
  retainReplicas: boolean;
}

interface TargetSpec {
  group: string;
  version: string;
  kind: string;
  pluralName: string;
  scope: ResourceScope;
  shortNames?: string[];
  retainReplicas?: boolean;
  /** Scope of the federated type when it differs from the target's (only for namespaces). */
  federatedScope?: ResourceScope;
}

/** Describes the Federated<X> type KubeFed would generate for a target type (`kubefedctl enable`). */
export function describeFederatedType(target: TargetSpec): FederatedTypeDescriptor {
  const federatedKind = `Federated${target.kind}`;
  return {
    target: {
      group: target.group,
      version: target.version,
      kind: target.kind,
      pluralName: target.pluralName,
      scope: target.scope,
    },
    federated: {
      group: TYPES_GROUP,
      version: TYPES_VERSION,
      kind: federatedKind,
      pluralName: pluralName(federatedKind),
      scope: target.federatedScope ?? target.scope,
    },
    shortNames: target.shortNames ?? [],
    retainReplicas: target.retainReplicas ?? false,
  };
}

const { Cluster, Namespaced } = ResourceScope;

const core = (kind: string, pluralName: string, extra: Partial<TargetSpec> = {}): TargetSpec => ({
  group: '',
  version: 'v1',
  kind,
  pluralName,
  scope: Namespaced,
  ...extra,
});
const grouped = (group: string, kind: string, pluralName: string, extra: Partial<TargetSpec> = {}): TargetSpec => ({
  ...core(kind, pluralName, extra),
  group,
});

export const DEFAULT_FEDERATED_TYPES: readonly FederatedTypeDescriptor[] = [
  core('Namespace', 'namespaces', { scope: Cluster, federatedScope: Namespaced, shortNames: ['fns'] }),
  core('ConfigMap', 'configmaps', { shortNames: ['fcm'] }),
  core('Secret', 'secrets'),
  core('ServiceAccount', 'serviceaccounts', { shortNames: ['fsa'] }),
  core('Service', 'services', { shortNames: ['fsvc'] }),
  grouped('apps', 'Deployment', 'deployments', { shortNames: ['fdeploy'], retainReplicas: true }),
  grouped('apps', 'ReplicaSet', 'replicasets', { shortNames: ['frs'], retainReplicas: true }),
  grouped('batch', 'Job', 'jobs'),
  grouped('networking.k8s.io', 'Ingress', 'ingresses', { shortNames: ['fing'] }),
  grouped('rbac.authorization.k8s.io', 'ClusterRole', 'clusterroles', { scope: Cluster }),
  grouped('rbac.authorization.k8s.io', 'ClusterRoleBinding', 'clusterrolebindings', { scope: Cluster }),
].map((target) => describeFederatedType(target));

/** The FederatedTypeConfig that enables a federated type (`propagation: Enabled`, named `plural[.group]`). */
export function federatedTypeConfigFor(descriptor: FederatedTypeDescriptor, namespace: string): FederatedTypeConfig {
  const { target, federated } = descriptor;
  return {
    apiVersion: CORE_API_VERSION,
    kind: FEDERATED_TYPE_CONFIG_KIND,
    metadata: { name: federatedTypeConfigName(target), namespace },
    spec: {
      // Omit an empty group, as KubeFed's Go types do.
      targetType: {
        ...(target.group && { group: target.group }),
        version: target.version,
        kind: target.kind,
        pluralName: target.pluralName,
        scope: target.scope,
      },
      propagation: EnablementMode.Enabled,
      federatedType: { ...federated },
    },
  };
}

/** FederatedTypeConfigs for every default type, to be created in the KubeFed namespace. */
export function defaultFederatedTypeConfigs(namespace: string): FederatedTypeConfig[] {
  return DEFAULT_FEDERATED_TYPES.map((descriptor) => federatedTypeConfigFor(descriptor, namespace));
}


// Where the kinds kubefedctl reads and writes live on the API server.
import {
  CORE_GROUP,
  CORE_VERSION,
  FEDERATED_TYPE_CONFIG_KIND,
  FEDERATED_TYPE_CONFIG_PLURAL,
  KUBEFED_CLUSTER_KIND,
  KUBEFED_CLUSTER_PLURAL,
  KUBEFED_CONFIG_KIND,
  KUBEFED_CONFIG_PLURAL,
} from '../api/index.js';
import { CoreTypes, type ResourceType } from '../kube/types.js';

const rbac = (kind: string, plural: string, namespaced: boolean): ResourceType => ({
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  kind,
  plural,
  namespaced,
});

export const Types = {
  namespace: CoreTypes.namespace,
  secret: CoreTypes.secret,
  deployment: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  serviceAccount: { group: '', version: 'v1', plural: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  clusterRole: rbac('ClusterRole', 'clusterroles', false),
  clusterRoleBinding: rbac('ClusterRoleBinding', 'clusterrolebindings', false),
  role: rbac('Role', 'roles', true),
  roleBinding: rbac('RoleBinding', 'rolebindings', true),
  crd: CoreTypes.crd,
  kubeFedCluster: { group: CORE_GROUP, version: CORE_VERSION, plural: KUBEFED_CLUSTER_PLURAL, kind: KUBEFED_CLUSTER_KIND, namespaced: true },
  kubeFedConfig: { group: CORE_GROUP, version: CORE_VERSION, plural: KUBEFED_CONFIG_PLURAL, kind: KUBEFED_CONFIG_KIND, namespaced: true },
  federatedTypeConfig: {
    group: CORE_GROUP,
    version: CORE_VERSION,
    plural: FEDERATED_TYPE_CONFIG_PLURAL,
    kind: FEDERATED_TYPE_CONFIG_KIND,
    namespaced: true,
  },
} as const satisfies Record<string, ResourceType>;

/** `serviceaccount`, `clusterrole.rbac.authorization.k8s.io`: how kubectl names a kind in its output. */
export function kindName(type: Pick<ResourceType, 'kind' | 'group'>): string {
  const kind = type.kind.toLowerCase();
  return type.group ? `${kind}.${type.group}` : kind;
}

// What `kubefedctl join --mode pull` creates: pure plans of the host and member objects, the agent's rights on
// the host (its namespace only, bundles read-only), and the kubeconfig it reaches the host with.
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import {
  agentHostRules,
  agentKubeconfig,
  controllerManagerHostRules,
  parseServiceAccount,
  planPullHost,
  planPullMember,
  pullMemberObjectsToRemove,
} from '../../../src/kubefedctl/join-pull.js';

const input = { clusterName: 'edge-1', namespace: 'kube-federation-system' };
const names = (objects: Array<{ type: { kind: string }; body: { metadata?: { name?: string; namespace?: string } } }>) =>
  objects.map((o) => `${o.type.kind}/${o.body.metadata?.namespace ? `${o.body.metadata.namespace}/` : ''}${o.body.metadata?.name}`);

describe('planPullHost', () => {
  const plan = planPullHost({ ...input, scope: 'Cluster' });

  it('puts everything of the agent in the cluster\'s own namespace, labelled for the cluster', () => {
    expect(plan.clusterNamespace).toBe('kubefed-cluster-edge-1');
    expect(names([plan.namespace, plan.serviceAccount, plan.tokenSecret, ...plan.rbac])).toEqual([
      'Namespace/kubefed-cluster-edge-1',
      'ServiceAccount/kubefed-cluster-edge-1/kubefed-agent',
      'Secret/kubefed-cluster-edge-1/kubefed-agent-token',
      'Role/kubefed-cluster-edge-1/kubefed-agent',
      'RoleBinding/kubefed-cluster-edge-1/kubefed-agent',
    ]);
    for (const object of [plan.namespace, plan.serviceAccount, plan.tokenSecret, ...plan.rbac]) {
      expect(object.body.metadata?.labels).toEqual({ 'kubefed.io/pull-cluster': 'edge-1' });
    }
    expect(plan.tokenSecret.body).toMatchObject({
      type: 'kubernetes.io/service-account-token',
      metadata: { annotations: { 'kubernetes.io/service-account.name': 'kubefed-agent' } },
    });
    expect(plan.rbac[1]?.body).toMatchObject({
      roleRef: { kind: 'Role', name: 'kubefed-agent' },
      subjects: [{ kind: 'ServiceAccount', name: 'kubefed-agent', namespace: 'kubefed-cluster-edge-1' }],
    });
  });

  it('gives the controller-manager a Role there only: write bundles (Secrets), read reports and the heartbeat, delete nothing', () => {
    expect(names(plan.controllerManagerRbac)).toEqual([
      'Role/kubefed-cluster-edge-1/kubefed-controller-manager',
      'RoleBinding/kubefed-cluster-edge-1/kubefed-controller-manager',
    ]);
    expect(plan.controllerManagerRbac[1]?.body.subjects).toEqual([{ kind: 'ServiceAccount', namespace: 'kube-federation-system', name: 'kubefed-ts-controller-manager' }]);
    const rules = controllerManagerHostRules();
    const verbsOn = (resource: string) => rules.filter((r) => (r.resources as string[]).includes(resource)).flatMap((r) => r.verbs as string[]);
    expect(verbsOn('secrets')).toEqual(['get', 'list', 'watch', 'create', 'update', 'patch']);
    expect(verbsOn('configmaps')).toEqual(['get', 'list', 'watch']);
    expect(verbsOn('leases')).toEqual(['get', 'list', 'watch']);
    const other = planPullHost({ ...input, scope: 'Cluster', controllerManager: { namespace: 'fed', name: 'cm' } });
    expect(other.controllerManagerRbac[1]?.body.subjects).toEqual([{ kind: 'ServiceAccount', namespace: 'fed', name: 'cm' }]);
  });

  it.each([
    ['fed/cm', { namespace: 'fed', name: 'cm' }],
    ['cm', { namespace: 'kube-federation-system', name: 'cm' }],
  ])('reads --controller-manager-service-account %s', (value, want) => {
    expect(parseServiceAccount(value, 'kube-federation-system')).toEqual(want);
  });

  it.each(['a/b/c', 'Fed/cm', '/cm', 'fed/'])('refuses --controller-manager-service-account %s, saying which', (value) => {
    expect(() => parseServiceAccount(value, 'kube-federation-system')).toThrow(`--controller-manager-service-account "${value}" is not NAMESPACE/NAME of a ServiceAccount`);
  });

  it('registers the cluster with syncMode Pull and no endpoint or secret', () => {
    expect(plan.kubeFedCluster.body).toEqual({
      apiVersion: 'core.kubefed.io/v1beta1',
      kind: 'KubeFedCluster',
      metadata: { name: 'edge-1', namespace: 'kube-federation-system' },
      spec: { syncMode: 'Pull' },
    });
  });

  it('gives the agent a Role, never a ClusterRole: read bundles (Secrets), write reports (ConfigMaps) and its Lease', () => {
    expect(plan.rbac.map((o) => o.type.kind)).toEqual(['Role', 'RoleBinding']);
    const rules = agentHostRules();
    const verbsOn = (resource: string) => rules.filter((r) => (r.resources as string[]).includes(resource)).flatMap((r) => r.verbs as string[]);
    expect(verbsOn('secrets')).toEqual(['get', 'list', 'watch']);
    expect(verbsOn('configmaps')).toEqual(expect.arrayContaining(['create', 'update', 'patch']));
    expect(verbsOn('leases')).toEqual(expect.arrayContaining(['create', 'update']));
    expect(JSON.stringify(rules)).not.toMatch(/\*|kubefed\.io/);
  });

  it('hashes a dotted cluster name into a valid namespace', () => {
    expect(planPullHost({ ...input, clusterName: 'edge.example.com', scope: 'Cluster' }).clusterNamespace).toMatch(/^kubefed-cluster-edge-example-com-[0-9a-f]{10}$/);
  });
});

describe('planPullMember', () => {
  it('cluster scope: the agent\'s ServiceAccount with full access cluster-wide', () => {
    const plan = planPullMember({ ...input, scope: 'Cluster' });
    expect(names([plan.namespace, plan.serviceAccount, ...plan.rbac])).toEqual([
      'Namespace/kube-federation-system',
      'ServiceAccount/kube-federation-system/kubefed-agent',
      'ClusterRole/kubefed-agent:kube-federation-system',
      'ClusterRoleBinding/kubefed-agent:kube-federation-system',
    ]);
    expect(plan.rbac[0]?.body.rules).toEqual([
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['get'] },
    ]);
    expect(plan.rbac[1]?.body.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kubefed-agent', namespace: 'kube-federation-system' }]);
  });

  it('namespaced scope: full access in the KubeFed namespace only', () => {
    const plan = planPullMember({ ...input, scope: 'Namespaced' });
    expect(names(plan.rbac)).toEqual(['Role/kube-federation-system/kubefed-agent', 'RoleBinding/kube-federation-system/kubefed-agent']);
  });

  it('unjoin removes the agent Deployment, then the rights of both scopes, then the host kubeconfig and the ServiceAccount', () => {
    expect(names(pullMemberObjectsToRemove(input))).toEqual([
      'Deployment/kube-federation-system/kubefed-agent',
      'ClusterRoleBinding/kubefed-agent:kube-federation-system',
      'RoleBinding/kube-federation-system/kubefed-agent',
      'ClusterRole/kubefed-agent:kube-federation-system',
      'Role/kube-federation-system/kubefed-agent',
      'Secret/kube-federation-system/kubefed-agent-host',
      'ServiceAccount/kube-federation-system/kubefed-agent',
    ]);
    expect(names(pullMemberObjectsToRemove(input, 'Namespaced'))).toEqual([
      'Deployment/kube-federation-system/kubefed-agent',
      'RoleBinding/kube-federation-system/kubefed-agent',
      'Role/kube-federation-system/kubefed-agent',
      'Secret/kube-federation-system/kubefed-agent-host',
      'ServiceAccount/kube-federation-system/kubefed-agent',
    ]);
  });
});

describe('agentKubeconfig', () => {
  it('holds the host endpoint, its CA, the agent token and the cluster namespace as the default', () => {
    const text = agentKubeconfig({
      hostName: 'host',
      clusterName: 'edge-1',
      endpoint: { server: 'https://host.example.com:6443', caBundle: 'Q0E=', insecureSkipTLSVerify: false, proxyURL: undefined },
      token: 'the-token',
      namespace: 'kubefed-cluster-edge-1',
    });
    expect(yaml.load(text)).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'host', cluster: { server: 'https://host.example.com:6443', 'certificate-authority-data': 'Q0E=' } }],
      users: [{ name: 'kubefed-agent-edge-1', user: { token: 'the-token' } }],
      contexts: [{ name: 'host', context: { cluster: 'host', user: 'kubefed-agent-edge-1', namespace: 'kubefed-cluster-edge-1' } }],
      'current-context': 'host',
    });
  });
});

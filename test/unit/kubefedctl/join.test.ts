import { describe, expect, it } from 'vitest';
import { hostSecretFor, kubeFedClusterFor, memberObjectsToRemove, planMember } from '../../../src/kubefedctl/join.js';

const input = { clusterName: 'member1', hostClusterName: 'host', namespace: 'kube-federation-system' };
const names = (objects: Array<{ type: { kind: string }; body: { metadata?: { name?: string } } }>) =>
  objects.map((o) => `${o.type.kind}/${o.body.metadata?.name}`);

describe('planMember', () => {
  it('cluster scope: a ServiceAccount, its token Secret and full cluster-wide access', () => {
    const plan = planMember({ ...input, scope: 'Cluster' });
    expect(plan.serviceAccountName).toBe('member1-host');
    expect(plan.serviceAccount.body).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'member1-host', namespace: 'kube-federation-system' },
      automountServiceAccountToken: false,
    });
    expect(plan.tokenSecret.body).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'member1-host',
        namespace: 'kube-federation-system',
        annotations: { 'kubernetes.io/service-account.name': 'member1-host' },
      },
      type: 'kubernetes.io/service-account-token',
    });
    expect(names(plan.rbac)).toEqual([
      'ClusterRole/kubefed-controller-manager:member1-host',
      'ClusterRoleBinding/kubefed-controller-manager:member1-host',
    ]);
    expect(plan.rbac[0]?.body.rules).toEqual([
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['get'] },
    ]);
    expect(plan.rbac[1]?.body).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kubefed-controller-manager:member1-host' },
      subjects: [{ kind: 'ServiceAccount', name: 'member1-host', namespace: 'kube-federation-system' }],
    });
  });

  it('namespaced scope: full access in the namespace, health checks cluster-wide (with a lowercase verb)', () => {
    const plan = planMember({ ...input, scope: 'Namespaced' });
    expect(names(plan.rbac)).toEqual([
      'Role/kubefed-controller-manager:member1-host',
      'RoleBinding/kubefed-controller-manager:member1-host',
      'ClusterRole/kubefed-controller-manager:kube-federation-system:healthcheck-member1-host',
      'ClusterRoleBinding/kubefed-controller-manager:kube-federation-system:healthcheck-member1-host',
    ]);
    expect(plan.rbac[0]?.body.metadata?.namespace).toBe('kube-federation-system');
    expect(JSON.stringify(plan.rbac[2]?.body.rules)).not.toContain('"Get"');
  });

  it('sanitises the host context into the names', () => {
    expect(planMember({ ...input, hostClusterName: 'arn:aws:eks:us-east-1:1:cluster/x', scope: 'Cluster' }).serviceAccountName).toBe(
      'member1-arn-aws-eks-us-east-1-1-cluster-x',
    );
  });
});

describe('memberObjectsToRemove', () => {
  it('removes rights first, then the token, then the ServiceAccount', () => {
    expect(names(memberObjectsToRemove(input, 'Cluster'))).toEqual([
      'ClusterRoleBinding/kubefed-controller-manager:member1-host',
      'ClusterRole/kubefed-controller-manager:member1-host',
      'Secret/member1-host',
      'ServiceAccount/member1-host',
    ]);
  });

  it('covers both scopes when the scope is not known', () => {
    expect(memberObjectsToRemove(input)).toHaveLength(8);
  });
});

describe('host objects', () => {
  const endpoint = { server: 'https://10.0.0.1:6443', caBundle: 'Q0E=', insecureSkipTLSVerify: false, proxyURL: undefined };

  it('a KubeFedCluster with endpoint, CA and secret', () => {
    expect(kubeFedClusterFor('member1', 'kube-federation-system', endpoint, 'member1-abcde', 'Q0E=')).toEqual({
      apiVersion: 'core.kubefed.io/v1beta1',
      kind: 'KubeFedCluster',
      metadata: { name: 'member1', namespace: 'kube-federation-system' },
      spec: { apiEndpoint: 'https://10.0.0.1:6443', caBundle: 'Q0E=', secretRef: { name: 'member1-abcde' } },
    });
  });

  it('carries insecure-skip-tls-verify and the proxy over', () => {
    const spec = kubeFedClusterFor('m', 'ns', { ...endpoint, insecureSkipTLSVerify: true, proxyURL: 'http://proxy:3128' }, 's', undefined).spec;
    expect(spec).toEqual({ apiEndpoint: endpoint.server, secretRef: { name: 's' }, disabledTLSValidations: ['*'], proxyURL: 'http://proxy:3128' });
  });

  it('names the token Secret, or lets the server generate the name', () => {
    expect(hostSecretFor('member1', 'ns', 'dG9r', undefined).metadata).toEqual({ generateName: 'member1-', namespace: 'ns' });
    expect(hostSecretFor('member1', 'ns', 'dG9r', 'given')).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'given', namespace: 'ns' },
      type: 'Opaque',
      data: { token: 'dG9r' },
    });
  });
});

import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/kube/errors.js';
import { CliError, explainApiError, isForbiddenError, isUnreachable, type Operation } from '../../../src/kubefedctl/errors.js';

const secrets = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };
const kfcs = { group: 'core.kubefed.io', version: 'v1beta1', plural: 'kubefedclusters', kind: 'KubeFedCluster', namespaced: true };
const crbs = { group: 'rbac.authorization.k8s.io', version: 'v1', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false };

describe('explainApiError', () => {
  it.each<[string, ApiError, Operation, string]>([
    [
      'forbidden, namespaced',
      new ApiError('POST /api/v1/namespaces/x/secrets on host: forbidden', 403, 'Forbidden'),
      { verb: 'create', type: secrets, name: 's', namespace: 'x' },
      'the identity of context "host" may not create secrets "s" in namespace "x"; ask the cluster\'s administrator for a role granting "create" on "secrets" in the core API group in namespace "x", or use a context with more rights',
    ],
    [
      'forbidden, cluster-scoped',
      new ApiError('forbidden', 403, 'Forbidden'),
      { verb: 'delete', type: crbs, name: 'b' },
      'the identity of context "host" may not delete clusterrolebindings.rbac.authorization.k8s.io "b"; ask the cluster\'s administrator for a role granting "delete" on "clusterrolebindings" in API group "rbac.authorization.k8s.io" cluster-wide, or use a context with more rights',
    ],
    [
      'unreachable',
      new ApiError('GET /api/v1/x on host: connect ECONNREFUSED 127.0.0.1:1', 0, 'ECONNREFUSED'),
      { verb: 'get', type: secrets, name: 's', namespace: 'x' },
      'cannot reach the API server of context "host" at https://h:1 (ECONNREFUSED): connect ECONNREFUSED 127.0.0.1:1; check that the cluster is running and that the kubeconfig\'s server address is right',
    ],
    [
      'unauthorized',
      new ApiError('Unauthorized', 401, 'Unauthorized'),
      { verb: 'get', type: secrets, name: 's', namespace: 'x' },
      'the API server of context "host" (https://h:1) rejected its credentials (401 Unauthorized); refresh them (log in again or renew the token/certificate in the kubeconfig) and retry',
    ],
    [
      'a type that is not served',
      new ApiError('the server could not find the requested resource', 404, 'NotFound'),
      { verb: 'list', type: kfcs, namespace: 'kube-federation-system' },
      'the API server of context "host" does not serve kubefedclusters.core.kubefed.io/v1beta1; is its CustomResourceDefinition installed (kubectl apply --server-side -f crds/)?',
    ],
    [
      'anything else keeps the server\'s words',
      new ApiError('PATCH /apis/x on host: admission webhook denied', 400, 'BadRequest'),
      { verb: 'patch', type: kfcs, name: 'm', namespace: 'ns' },
      'cannot patch kubefedclusters.core.kubefed.io "m" in namespace "ns" in context "host": admission webhook denied',
    ],
  ])('%s', (_name, err, op, message) => {
    const explained = explainApiError(err, 'host', 'https://h:1', op);
    expect(explained).toBeInstanceOf(CliError);
    expect(explained.message).toBe(message);
  });

  it('passes other errors through and classifies causes', () => {
    const plain = new Error('bug');
    expect(explainApiError(plain, 'host', 's', { verb: 'get', type: secrets })).toBe(plain);
    const unreachable = explainApiError(new ApiError('x', 0, 'ECONNREFUSED'), 'host', 's', { verb: 'get', type: secrets });
    expect(isUnreachable(unreachable)).toBe(true);
    expect(isForbiddenError(unreachable)).toBe(false);
    expect(isForbiddenError(explainApiError(new ApiError('x', 403, 'Forbidden'), 'host', 's', { verb: 'get', type: secrets }))).toBe(true);
  });
});

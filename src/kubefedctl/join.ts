// `kubefedctl join`: registers a member cluster with the host. In the member: a ServiceAccount with the
// rights the controller-manager needs and a long-lived token Secret for it (filled in by the member's token
// controller); in the host: a Secret with that token and a KubeFedCluster with the member's endpoint and CA.
import { CORE_API_VERSION, KUBEFED_CLUSTER_KIND, KUBEFED_CONFIG_NAME, SyncMode, syncModeOf, type KubeFedCluster } from '../api/index.js';
import type { KubeObject, ResourceType } from '../kube/types.js';
import type { Clients, ContextClient } from './client.js';
import { CliError } from './errors.js';
import { memberEndpoint, type KubeconfigSource, type MemberEndpoint } from './kubeconfig.js';
import { healthCheckRoleName, isValidObjectName, roleName, serviceAccountName } from './names.js';
import { outcomeOf, toYaml, type Io } from './output.js';
import { kindName, Types } from './resources.js';

export type FederationScope = 'Cluster' | 'Namespaced';

export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';

export interface JoinPlanInput {
  clusterName: string;
  /** Names the host in the member's object names (`--host-cluster-name`, else the host context). */
  hostClusterName: string;
  /** The KubeFed namespace, in host and member alike. */
  namespace: string;
  scope: FederationScope;
}

export interface PlannedObject {
  type: ResourceType;
  body: KubeObject;
}

export interface MemberPlan {
  serviceAccountName: string;
  namespace: PlannedObject;
  serviceAccount: PlannedObject;
  tokenSecret: PlannedObject;
  /** Roles before their bindings. */
  rbac: PlannedObject[];
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * What join creates in the member. KubeFed's rights, kept for compatibility: every verb on every resource
 * cluster-wide (cluster scope) or in the KubeFed namespace plus health checks (namespaced scope).
 */
export function planMember(input: JoinPlanInput): MemberPlan {
  const { namespace } = input;
  const sa = serviceAccountName(input.clusterName, input.hostClusterName);
  const subjects = [{ kind: 'ServiceAccount', name: sa, namespace }];
  const allAccess = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] };
  const rbac: PlannedObject[] = [];
  const role = roleName(sa);
  if (input.scope === 'Cluster') {
    rbac.push(
      {
        type: Types.clusterRole,
        body: {
          apiVersion: `${RBAC_GROUP}/v1`,
          kind: 'ClusterRole',
          metadata: { name: role },
          rules: [allAccess, { nonResourceURLs: ['*'], verbs: ['get'] }],
        },
      },
      {
        type: Types.clusterRoleBinding,
        body: {
          apiVersion: `${RBAC_GROUP}/v1`,
          kind: 'ClusterRoleBinding',
          metadata: { name: role },
          roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
          subjects,
        },
      },
    );
  } else {
    const health = healthCheckRoleName(namespace, sa);
    rbac.push(
      {
        type: Types.role,
        body: { apiVersion: `${RBAC_GROUP}/v1`, kind: 'Role', metadata: { name: role, namespace }, rules: [allAccess] },
      },
      {
        type: Types.roleBinding,
        body: {
          apiVersion: `${RBAC_GROUP}/v1`,
          kind: 'RoleBinding',
          metadata: { name: role, namespace },
          roleRef: { apiGroup: RBAC_GROUP, kind: 'Role', name: role },
          subjects,
        },
      },
      {
        type: Types.clusterRole,
        body: {
          apiVersion: `${RBAC_GROUP}/v1`,
          kind: 'ClusterRole',
          metadata: { name: health },
          // KubeFed wrote the verb "Get", which RBAC never matches; "get" is what it meant.
          rules: [
            { nonResourceURLs: ['/healthz', '/readyz', '/version'], verbs: ['get'] },
            { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
          ],
        },
      },
      {
        type: Types.clusterRoleBinding,
        body: {
          apiVersion: `${RBAC_GROUP}/v1`,
          kind: 'ClusterRoleBinding',
          metadata: { name: health },
          roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: health },
          subjects,
        },
      },
    );
  }
  return {
    serviceAccountName: sa,
    namespace: { type: Types.namespace, body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } },
    serviceAccount: {
      type: Types.serviceAccount,
      body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace }, automountServiceAccountToken: false },
    },
    // Since Kubernetes 1.24 no token Secret is made for a ServiceAccount by itself (KubeFed's join waited
    // for one forever); an annotated Secret of this type is filled in by the token controller.
    tokenSecret: {
      type: Types.secret,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: sa, namespace, annotations: { [SERVICE_ACCOUNT_NAME_ANNOTATION]: sa } },
        type: SERVICE_ACCOUNT_TOKEN_TYPE,
      },
    },
    rbac,
  };
}

/**
 * The objects join creates in the member for a scope (both scopes when undefined, as the scope may have
 * changed since), in the order unjoin removes them: rights first.
 */
export function memberObjectsToRemove(input: Omit<JoinPlanInput, 'scope'>, scope?: FederationScope): PlannedObject[] {
  const cluster = planMember({ ...input, scope: 'Cluster' });
  const namespaced = planMember({ ...input, scope: 'Namespaced' });
  const rbac = [...(scope !== 'Namespaced' ? cluster.rbac : []), ...(scope !== 'Cluster' ? namespaced.rbac : [])];
  const bindings = rbac.filter((o) => o.type.kind.endsWith('Binding'));
  const roles = rbac.filter((o) => !o.type.kind.endsWith('Binding'));
  return [...bindings, ...roles, cluster.tokenSecret, cluster.serviceAccount];
}

/** The host's token Secret: named, or (as KubeFed did) `generateName: <cluster>-`. */
export function hostSecretFor(clusterName: string, namespace: string, token: string, name: string | undefined): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: name ? { name, namespace } : { generateName: `${clusterName}-`, namespace },
    type: 'Opaque',
    data: { token },
  };
}

export function kubeFedClusterFor(
  clusterName: string,
  namespace: string,
  endpoint: MemberEndpoint,
  secretName: string,
  caBundle: string | undefined,
): KubeFedCluster {
  return {
    apiVersion: CORE_API_VERSION,
    kind: KUBEFED_CLUSTER_KIND,
    metadata: { name: clusterName, namespace },
    spec: {
      apiEndpoint: endpoint.server,
      ...(caBundle && { caBundle }),
      secretRef: { name: secretName },
      ...(endpoint.insecureSkipTLSVerify && { disabledTLSValidations: ['*' as const] }),
      ...(endpoint.proxyURL && { proxyURL: endpoint.proxyURL }),
    },
  };
}

export interface JoinOptions {
  clusterName: string;
  clusterContext: string | undefined;
  hostContext: string | undefined;
  hostClusterName: string | undefined;
  namespace: string;
  secretName: string | undefined;
  dryRun: boolean;
  errorOnExisting: boolean;
  tokenTimeoutMs: number;
}

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

function report(io: Io, client: ContextClient, type: ResourceType, body: KubeObject, outcome: string): void {
  const ns = type.namespaced && body.metadata?.namespace ? ` in namespace ${body.metadata.namespace}` : '';
  io.stdout.write(`${client.context}: ${kindName(type)}/${body.metadata?.name} ${outcome}${ns}\n`);
}

export function reportCreated(io: Io, client: ContextClient, planned: PlannedObject): void {
  report(io, client, planned.type, planned.body, 'created');
}

/** Create-or-update by server-side apply, printing what happened. */
export async function ensure(io: Io, client: ContextClient, { type, body }: PlannedObject): Promise<KubeObject> {
  const { name = '', namespace } = body.metadata ?? {};
  const before = await client.get(type, name, namespace);
  // A binding's roleRef cannot change: replace the binding when it points elsewhere.
  if (before && 'roleRef' in body && JSON.stringify(before.roleRef) !== JSON.stringify(body.roleRef)) {
    await client.delete(type, name, namespace);
    const after = await client.apply(type, body);
    report(io, client, type, body, 'replaced');
    return after;
  }
  const after = await client.apply(type, body);
  report(io, client, type, after, outcomeOf(before, after));
  return after;
}

async function ensureNamespace(io: Io, client: ContextClient, planned: PlannedObject): Promise<void> {
  const name = planned.body.metadata?.name ?? '';
  if (await client.get(planned.type, name)) return;
  await client.create(planned.type, planned.body);
  report(io, client, planned.type, planned.body, 'created');
}

export async function federationScope(host: ContextClient, namespace: string): Promise<FederationScope> {
  const config = await host.get(Types.kubeFedConfig, KUBEFED_CONFIG_NAME, namespace);
  // Without a KubeFedConfig (the controller-manager creates one when it first starts) the default applies.
  return (config?.spec as { scope?: string } | undefined)?.scope === 'Namespaced' ? 'Namespaced' : 'Cluster';
}

/** The ServiceAccount token Secret once the cluster's token controller has filled it in. */
export async function waitForToken(member: ContextClient, name: string, namespace: string, timeoutMs: number): Promise<SecretObject> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const secret = await member.get<SecretObject>(Types.secret, name, namespace);
    if (secret?.data?.token) return secret;
    if (Date.now() >= deadline) {
      throw new CliError(
        `the token of ServiceAccount ${namespace}/${name} never arrived: Secret ${namespace}/${name} in context "${member.context}" ` +
          `still has no data.token after ${Math.round(timeoutMs / 1000)} s. The cluster's kube-controller-manager must run its ` +
          `service-account token controller (on by default; check its --controllers flag), then run join again`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function join(options: JoinOptions, kubeconfig: KubeconfigSource, clients: Clients, io: Io): Promise<number> {
  const { clusterName, namespace } = options;
  if (!isValidObjectName(clusterName)) {
    throw new CliError(`cluster name "${clusterName}" is not a valid object name: use lower-case letters, digits, '-' and '.' (RFC 1123)`);
  }
  const hostContext = kubeconfig.resolveContext(options.hostContext, '--host-cluster-context');
  const memberContext = kubeconfig.resolveContext(options.clusterContext ?? clusterName, '--cluster-context');
  const endpoint = memberEndpoint(kubeconfig.clusterOf(memberContext));
  const hostClusterName = options.hostClusterName ?? hostContext;

  const host = await clients.for(hostContext);
  // Checked before anything is written to the member.
  if (!(await host.serves(Types.kubeFedCluster, namespace))) {
    throw new CliError(
      `the cluster of context "${hostContext}" does not serve kubefedclusters.core.kubefed.io: it is not a kubefed-ts host. ` +
        `Install the CRDs there (kubectl apply --server-side -f crds/) or pick the host with --host-cluster-context`,
    );
  }
  const existing = await host.get<KubeFedCluster & KubeObject>(Types.kubeFedCluster, clusterName, namespace);
  if (existing && options.errorOnExisting) {
    throw new CliError(`cluster "${clusterName}" is already joined (KubeFedCluster ${namespace}/${clusterName} exists in context "${hostContext}"); unjoin it first or drop --error-on-existing`);
  }
  if (existing && syncModeOf(existing) === SyncMode.Pull) {
    throw new CliError(
      `cluster "${clusterName}" is joined in Pull mode (an agent in it pulls its work); to switch it to Push, run ` +
        `kubefedctl unjoin ${clusterName} --cluster-context ${memberContext} --host-cluster-context ${hostContext} first`,
    );
  }
  const scope = await federationScope(host, namespace);
  const plan = planMember({ clusterName, hostClusterName, namespace, scope });
  const secretName = options.secretName ?? existing?.spec.secretRef?.name;

  if (options.dryRun) {
    io.stdout.write(`# dry run: nothing was changed. In context "${memberContext}" (the member):\n`);
    io.stdout.write(toYaml([plan.namespace.body, plan.serviceAccount.body, plan.tokenSecret.body, ...plan.rbac.map((o) => o.body)]));
    io.stdout.write(`---\n# In context "${hostContext}" (the host); the token comes from the member's Secret:\n`);
    const { data: _token, ...hostSecret } = hostSecretFor(clusterName, namespace, '', secretName);
    hostSecret.stringData = { token: `<token of ServiceAccount ${namespace}/${plan.serviceAccountName} in context ${memberContext}>` };
    const kfc = kubeFedClusterFor(clusterName, namespace, endpoint, secretName ?? `${clusterName}-<generated>`, endpoint.caBundle ?? '<ca.crt of the member token Secret>');
    io.stdout.write(toYaml([hostSecret, kfc]));
    return 0;
  }

  const member = await clients.for(memberContext);
  await ensureNamespace(io, member, plan.namespace);
  await ensure(io, member, plan.serviceAccount);
  await ensure(io, member, plan.tokenSecret);
  for (const object of plan.rbac) await ensure(io, member, object);
  const token = await waitForToken(member, plan.serviceAccountName, namespace, options.tokenTimeoutMs);
  const caBundle = endpoint.caBundle ?? token.data?.['ca.crt'];

  await ensureNamespace(io, host, { type: Types.namespace, body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } });
  let hostSecretName: string;
  const desiredSecret = hostSecretFor(clusterName, namespace, token.data!.token!, secretName);
  if (secretName) {
    hostSecretName = secretName;
    await ensure(io, host, { type: Types.secret, body: desiredSecret });
  } else {
    const created = await host.create(Types.secret, desiredSecret);
    hostSecretName = created.metadata?.name ?? '';
    report(io, host, Types.secret, created, 'created');
  }
  const kfc = kubeFedClusterFor(clusterName, namespace, endpoint, hostSecretName, caBundle);
  await ensure(io, host, { type: Types.kubeFedCluster, body: kfc as unknown as KubeObject });
  io.stdout.write(
    `Cluster "${clusterName}" (context ${memberContext}) joined the federation of context ${hostContext}: ` +
      `service account ${namespace}/${plan.serviceAccountName} has full access to the member (${scope === 'Cluster' ? 'cluster-wide' : `namespace ${namespace}`}).\n`,
  );
  return 0;
}

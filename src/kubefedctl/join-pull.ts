// `kubefedctl join --mode pull`: registers a member whose agent pulls its work from the host. The host gets
// the cluster's own namespace (kubefed-cluster-<name>) holding a ServiceAccount for the agent with a Role in
// that namespace only, a long-lived token for it, and a KubeFedCluster with `syncMode: Pull`; the member gets
// the agent's namespace, ServiceAccount and rights, and a Secret with its host kubeconfig. No credential for
// the member ever reaches the host: the member holds a narrow credential for the host instead.
import { chmod, writeFile } from 'node:fs/promises';
import yaml from 'js-yaml';
import {
  CORE_API_VERSION,
  KUBEFED_CLUSTER_KIND,
  PULL_CLUSTER_LABEL,
  pullClusterNamespace,
  SyncMode,
  syncModeOf,
  type KubeFedCluster,
} from '../api/index.js';
import type { KubeObject } from '../kube/types.js';
import type { Clients, ContextClient } from './client.js';
import { agentDeployment, AGENT_DEPLOYMENT, helmInstallArgs, shellLine, type AgentInstallInput } from './agent-install.js';
import { CliError } from './errors.js';
import {
  ensure,
  federationScope,
  reportCreated,
  SERVICE_ACCOUNT_NAME_ANNOTATION,
  SERVICE_ACCOUNT_TOKEN_TYPE,
  waitForToken,
  type FederationScope,
  type PlannedObject,
} from './join.js';
import { memberEndpoint, type KubeconfigSource, type MemberEndpoint } from './kubeconfig.js';
import { isValidObjectName } from './names.js';
import { toYaml, type Io } from './output.js';
import { Types } from './resources.js';
import { packageVersion } from './version.js';

const RBAC = 'rbac.authorization.k8s.io';

/** The agent's names, host side (in the cluster's namespace) and member side (in the KubeFed namespace). */
export const AGENT_NAME = 'kubefed-agent';
export const AGENT_TOKEN_SECRET = 'kubefed-agent-token';
/** In the member: the agent's host kubeconfig, key `kubeconfig`. */
export const AGENT_HOST_KUBECONFIG_SECRET = 'kubefed-agent-host';
export const AGENT_HOST_KUBECONFIG_KEY = 'kubeconfig';

/** Cluster-scoped objects of the member are named for the namespace, so that two installations never meet. */
export function agentClusterRoleName(namespace: string): string {
  return `kubefed-agent:${namespace}`;
}

/**
 * The agent's rights on the host, in its cluster's namespace only. Bundles come as Secrets (so the host's
 * encryption at rest covers every rendered object, Secret data included) and the agent may only read them;
 * reports go as ConfigMaps, which only the agent writes, so it can never alter its own work; the heartbeat is
 * a Lease. Nothing here names another namespace or any Federated<X>.
 */
export function agentHostRules(): Array<Record<string, unknown>> {
  return [
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
  ];
}

/**
 * The controller-manager's rights on the host in a pull cluster's namespace, and nothing more: write the
 * bundles and the types Secret (never delete: a done entry leaves a bundle by a patch), read the agent's reports
 * and its heartbeat. Granted there by join rather than by the chart, since RBAC cannot match namespaces by a
 * prefix and a ClusterRole would let the controller-manager write Secrets in every namespace.
 */
export function controllerManagerHostRules(): Array<Record<string, unknown>> {
  return [
    { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'] },
    { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] },
    { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch'] },
  ];
}

/** The Role and RoleBinding of the controller-manager in a pull cluster's namespace. */
export const CONTROLLER_MANAGER_ROLE = 'kubefed-controller-manager';
/** The chart's ServiceAccount as `helm install kubefed-ts` names it: `<namespace>/kubefed-ts-controller-manager`. */
export const DEFAULT_CONTROLLER_MANAGER_SERVICE_ACCOUNT = 'kubefed-ts-controller-manager';

export interface PullPlanInput {
  clusterName: string;
  /** The KubeFed namespace: the KubeFedCluster's on the host, the agent's in the member. */
  namespace: string;
  scope: FederationScope;
  /** The controller-manager's ServiceAccount on the host (default: the chart's in `namespace`). */
  controllerManager?: { namespace: string; name: string } | undefined;
}

export interface PullHostPlan {
  /** `kubefed-cluster-<name>`. */
  clusterNamespace: string;
  namespace: PlannedObject;
  serviceAccount: PlannedObject;
  tokenSecret: PlannedObject;
  /** The Role, then its binding. */
  rbac: PlannedObject[];
  /** The controller-manager's Role there, then its binding. */
  controllerManagerRbac: PlannedObject[];
  kubeFedCluster: PlannedObject;
}

/** What join creates on the host for a pull cluster. */
export function planPullHost(input: PullPlanInput): PullHostPlan {
  const clusterNamespace = pullClusterNamespace(input.clusterName);
  const labels = { [PULL_CLUSTER_LABEL]: input.clusterName };
  const meta = (name: string) => ({ name, namespace: clusterNamespace, labels });
  const kfc: KubeFedCluster = {
    apiVersion: CORE_API_VERSION,
    kind: KUBEFED_CLUSTER_KIND,
    metadata: { name: input.clusterName, namespace: input.namespace },
    spec: { syncMode: SyncMode.Pull },
  };
  return {
    clusterNamespace,
    namespace: { type: Types.namespace, body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: clusterNamespace, labels } } },
    serviceAccount: {
      type: Types.serviceAccount,
      body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(AGENT_NAME), automountServiceAccountToken: false },
    },
    // A legacy token Secret: filled in by the host's token controller, valid until the ServiceAccount goes.
    tokenSecret: {
      type: Types.secret,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { ...meta(AGENT_TOKEN_SECRET), annotations: { [SERVICE_ACCOUNT_NAME_ANNOTATION]: AGENT_NAME } },
        type: SERVICE_ACCOUNT_TOKEN_TYPE,
      },
    },
    rbac: [
      { type: Types.role, body: { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: meta(AGENT_NAME), rules: agentHostRules() } },
      {
        type: Types.roleBinding,
        body: {
          apiVersion: `${RBAC}/v1`,
          kind: 'RoleBinding',
          metadata: meta(AGENT_NAME),
          roleRef: { apiGroup: RBAC, kind: 'Role', name: AGENT_NAME },
          subjects: [{ kind: 'ServiceAccount', name: AGENT_NAME, namespace: clusterNamespace }],
        },
      },
    ],
    controllerManagerRbac: [
      { type: Types.role, body: { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: meta(CONTROLLER_MANAGER_ROLE), rules: controllerManagerHostRules() } },
      {
        type: Types.roleBinding,
        body: {
          apiVersion: `${RBAC}/v1`,
          kind: 'RoleBinding',
          metadata: meta(CONTROLLER_MANAGER_ROLE),
          roleRef: { apiGroup: RBAC, kind: 'Role', name: CONTROLLER_MANAGER_ROLE },
          subjects: [{ kind: 'ServiceAccount', ...(input.controllerManager ?? { namespace: input.namespace, name: DEFAULT_CONTROLLER_MANAGER_SERVICE_ACCOUNT }) }],
        },
      },
    ],
    kubeFedCluster: { type: Types.kubeFedCluster, body: kfc as unknown as KubeObject },
  };
}

export interface PullMemberPlan {
  namespace: PlannedObject;
  serviceAccount: PlannedObject;
  /** Roles before their bindings. */
  rbac: PlannedObject[];
}

/**
 * What join creates in the member: the agent applies whatever the federation places there, so it gets what
 * push mode's ServiceAccount gets (every verb on every resource, cluster-wide or in the KubeFed namespace by
 * the federation's scope), but held inside the member.
 */
export function planPullMember(input: PullPlanInput): PullMemberPlan {
  const { namespace, clusterName } = input;
  const labels = { [PULL_CLUSTER_LABEL]: clusterName };
  const subjects = [{ kind: 'ServiceAccount', name: AGENT_NAME, namespace }];
  const allAccess = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] };
  const cluster = input.scope === 'Cluster';
  const roleKind = cluster ? 'ClusterRole' : 'Role';
  const name = cluster ? agentClusterRoleName(namespace) : AGENT_NAME;
  const metadata = cluster ? { name, labels } : { name, namespace, labels };
  return {
    namespace: { type: Types.namespace, body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } },
    serviceAccount: {
      type: Types.serviceAccount,
      body: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: AGENT_NAME, namespace, labels } },
    },
    rbac: [
      {
        type: cluster ? Types.clusterRole : Types.role,
        body: { apiVersion: `${RBAC}/v1`, kind: roleKind, metadata, rules: cluster ? [allAccess, { nonResourceURLs: ['*'], verbs: ['get'] }] : [allAccess] },
      },
      {
        type: cluster ? Types.clusterRoleBinding : Types.roleBinding,
        body: { apiVersion: `${RBAC}/v1`, kind: `${roleKind}Binding`, metadata, roleRef: { apiGroup: RBAC, kind: roleKind, name }, subjects },
      },
    ],
  };
}

/** The member Secret holding the agent's host kubeconfig (the body without its data, for plans and unjoin). */
export function agentHostKubeconfigSecret(namespace: string, clusterName: string, kubeconfig?: string): PlannedObject {
  return {
    type: Types.secret,
    body: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: AGENT_HOST_KUBECONFIG_SECRET, namespace, labels: { [PULL_CLUSTER_LABEL]: clusterName } },
      type: 'Opaque',
      ...(kubeconfig !== undefined && { stringData: { [AGENT_HOST_KUBECONFIG_KEY]: kubeconfig } }),
    },
  };
}

/**
 * Every object join makes in the member for a pull cluster, either scope, in the order unjoin removes them:
 * rights first. The namespace stays (it may hold other things).
 */
export function pullMemberObjectsToRemove(input: Omit<PullPlanInput, 'scope'>, scope?: FederationScope): PlannedObject[] {
  const plans = (['Cluster', 'Namespaced'] as const).filter((s) => !scope || s === scope).map((s) => planPullMember({ ...input, scope: s }));
  const rbac = plans.flatMap((p) => p.rbac);
  return [
    // The agent first (--install-agent's Deployment), so that it stops before its rights go.
    { type: Types.deployment, body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: AGENT_DEPLOYMENT, namespace: input.namespace } } },
    ...rbac.filter((o) => o.type.kind.endsWith('Binding')),
    ...rbac.filter((o) => !o.type.kind.endsWith('Binding')),
    agentHostKubeconfigSecret(input.namespace, input.clusterName),
    planPullMember({ ...input, scope: 'Cluster' }).serviceAccount,
  ];
}

/** The kubeconfig the agent reaches the host with: its token, and its cluster's namespace as the default. */
export function agentKubeconfig(options: { hostName: string; clusterName: string; endpoint: MemberEndpoint; token: string; namespace: string }): string {
  const { hostName, endpoint } = options;
  const user = `kubefed-agent-${options.clusterName}`;
  return yaml.dump(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: hostName,
          cluster: {
            server: endpoint.server,
            ...(endpoint.caBundle && { 'certificate-authority-data': endpoint.caBundle }),
            ...(endpoint.insecureSkipTLSVerify && { 'insecure-skip-tls-verify': true }),
            ...(endpoint.proxyURL && { 'proxy-url': endpoint.proxyURL }),
          },
        },
      ],
      users: [{ name: user, user: { token: options.token } }],
      contexts: [{ name: hostName, context: { cluster: hostName, user, namespace: options.namespace } }],
      'current-context': hostName,
    },
    { noRefs: true, lineWidth: -1 },
  );
}

export interface PullJoinOptions {
  clusterName: string;
  clusterContext: string | undefined;
  hostContext: string | undefined;
  namespace: string;
  /** Where the agent reaches the host, when not at the host context's server (e.g. from inside the member). */
  hostApiEndpoint: string | undefined;
  agentKubeconfigOut: string | undefined;
  /** `namespace/name` of the controller-manager's ServiceAccount on the host. */
  controllerManagerServiceAccount: string | undefined;
  /** Also create the agent's Deployment in the member (else the `helm install` line is printed). */
  installAgent: boolean;
  /** The agent's image; undefined means the chart's default. */
  agentImage: string | undefined;
  agentReplicas: number;
  dryRun: boolean;
  errorOnExisting: boolean;
  tokenTimeoutMs: number;
}

/** What the agent's Deployment and the chart need: join's ServiceAccount and host kubeconfig Secret. */
export function agentInstallInput(options: Pick<PullJoinOptions, 'clusterName' | 'namespace' | 'agentImage' | 'agentReplicas'>): AgentInstallInput {
  return {
    clusterName: options.clusterName,
    namespace: options.namespace,
    serviceAccount: AGENT_NAME,
    hostKubeconfigSecret: AGENT_HOST_KUBECONFIG_SECRET,
    hostKubeconfigKey: AGENT_HOST_KUBECONFIG_KEY,
    image: options.agentImage,
    replicas: options.agentReplicas,
    version: packageVersion() ?? '0.0.0-unknown',
  };
}

/** `namespace/name` (or `name`, in the KubeFed namespace) of a ServiceAccount. */
export function parseServiceAccount(value: string | undefined, namespace: string): { namespace: string; name: string } | undefined {
  if (value === undefined) return undefined;
  const parts = value.split('/');
  const [ns, name] = parts.length === 1 ? [namespace, parts[0]!] : parts.length === 2 ? [parts[0]!, parts[1]!] : ['', ''];
  if (!isValidObjectName(ns) || !isValidObjectName(name)) {
    throw new CliError(`--controller-manager-service-account "${value}" is not NAMESPACE/NAME of a ServiceAccount`);
  }
  return { namespace: ns, name };
}

/** An https URL (or http, as kubeconfigs allow) with a host: where the agent reaches the host. */
function checkedEndpoint(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !['https:', 'http:'].includes(url.protocol) || !url.hostname || url.username || url.password) {
    throw new CliError(`--host-api-endpoint "${value}" is not a URL such as https://host.example.com:6443`);
  }
  return value.replace(/\/$/, '');
}

/** Creates the namespace, or waits for a terminating one (a recent unjoin) to go first. */
async function ensureFreshNamespace(io: Io, client: ContextClient, planned: PlannedObject, timeoutMs: number): Promise<void> {
  const name = planned.body.metadata?.name ?? '';
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const existing = await client.get(planned.type, name);
    if (!existing) break;
    if (!existing.metadata?.deletionTimestamp) {
      await ensure(io, client, planned);
      return;
    }
    if (Date.now() >= deadline) {
      throw new CliError(
        `namespace ${name} in context "${client.context}" is still being deleted (a recent unjoin?) after ${Math.round(timeoutMs / 1000)} s; run join again once it is gone`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await client.create(planned.type, planned.body);
  reportCreated(io, client, planned);
}

export async function joinPull(options: PullJoinOptions, kubeconfig: KubeconfigSource, clients: Clients, io: Io): Promise<number> {
  const { clusterName, namespace } = options;
  if (!isValidObjectName(clusterName)) {
    throw new CliError(`cluster name "${clusterName}" is not a valid object name: use lower-case letters, digits, '-' and '.' (RFC 1123)`);
  }
  const hostContext = kubeconfig.resolveContext(options.hostContext, '--host-cluster-context');
  const memberContext = kubeconfig.resolveContext(options.clusterContext ?? clusterName, '--cluster-context');
  const hostEndpoint = memberEndpoint(kubeconfig.clusterOf(hostContext));
  if (options.hostApiEndpoint !== undefined) hostEndpoint.server = checkedEndpoint(options.hostApiEndpoint);

  const host = await clients.for(hostContext);
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
  if (existing && syncModeOf(existing) !== SyncMode.Pull) {
    // Switching in place would leave the host holding the member's push token: start from a clean unjoin.
    throw new CliError(
      `cluster "${clusterName}" is joined in Push mode (the host holds a token for it); to switch it to Pull, run ` +
        `kubefedctl unjoin ${clusterName} --cluster-context ${memberContext} --host-cluster-context ${hostContext} first`,
    );
  }
  const scope = await federationScope(host, namespace);
  const hostPlan = planPullHost({ clusterName, namespace, scope, controllerManager: parseServiceAccount(options.controllerManagerServiceAccount, namespace) });
  const memberPlan = planPullMember({ clusterName, namespace, scope });
  // Built (and the image checked) before anything is written.
  const agent = agentInstallInput(options);
  const deployment = options.installAgent ? agentDeployment(agent) : undefined;
  const helmLine = shellLine(helmInstallArgs({ ...agent, context: memberContext }));

  if (options.dryRun) {
    io.stdout.write(`# dry run: nothing was changed. In context "${hostContext}" (the host):\n`);
    io.stdout.write(
      toYaml([
        hostPlan.namespace.body,
        hostPlan.serviceAccount.body,
        hostPlan.tokenSecret.body,
        ...hostPlan.rbac.map((o) => o.body),
        ...hostPlan.controllerManagerRbac.map((o) => o.body),
        hostPlan.kubeFedCluster.body,
      ]),
    );
    io.stdout.write(`---\n# In context "${memberContext}" (the member); the kubeconfig holds the token of ServiceAccount ${hostPlan.clusterNamespace}/${AGENT_NAME}:\n`);
    io.stdout.write(toYaml([memberPlan.namespace.body, memberPlan.serviceAccount.body, ...memberPlan.rbac.map((o) => o.body), agentHostKubeconfigSecret(namespace, clusterName).body, ...(deployment ? [deployment.body] : [])]));
    return 0;
  }

  const member = await clients.for(memberContext);
  // The host side first: the member gets nothing until its credential exists.
  await ensureFreshNamespace(io, host, hostPlan.namespace, options.tokenTimeoutMs);
  await ensure(io, host, hostPlan.serviceAccount);
  await ensure(io, host, hostPlan.tokenSecret);
  for (const object of [...hostPlan.rbac, ...hostPlan.controllerManagerRbac]) await ensure(io, host, object);
  const token = await waitForToken(host, AGENT_TOKEN_SECRET, hostPlan.clusterNamespace, options.tokenTimeoutMs);
  if (!hostEndpoint.caBundle && !hostEndpoint.insecureSkipTLSVerify) hostEndpoint.caBundle = token.data?.['ca.crt'];
  const agentConfig = agentKubeconfig({
    hostName: hostContext,
    clusterName,
    endpoint: hostEndpoint,
    token: Buffer.from(token.data!.token!, 'base64').toString('utf8'),
    namespace: hostPlan.clusterNamespace,
  });

  const memberNamespace = memberPlan.namespace.body.metadata?.name ?? namespace;
  if (!(await member.get(memberPlan.namespace.type, memberNamespace))) {
    await member.create(memberPlan.namespace.type, memberPlan.namespace.body);
    reportCreated(io, member, memberPlan.namespace);
  }
  await ensure(io, member, memberPlan.serviceAccount);
  for (const object of memberPlan.rbac) await ensure(io, member, object);
  await ensure(io, member, agentHostKubeconfigSecret(namespace, clusterName, agentConfig));
  if (deployment) await ensure(io, member, deployment);
  const kubefedNamespace: PlannedObject = { type: Types.namespace, body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } };
  if (!(await host.get(Types.namespace, namespace))) {
    await host.create(Types.namespace, kubefedNamespace.body);
    reportCreated(io, host, kubefedNamespace);
  }
  await ensure(io, host, hostPlan.kubeFedCluster);

  if (options.agentKubeconfigOut) {
    await writeFile(options.agentKubeconfigOut, agentConfig, { mode: 0o600 });
    await chmod(options.agentKubeconfigOut, 0o600); // an existing file keeps its mode otherwise
    io.stdout.write(`wrote the agent's host kubeconfig to ${options.agentKubeconfigOut}\n`);
  }
  io.stdout.write(
    `Cluster "${clusterName}" (context ${memberContext}) joined the federation of context ${hostContext} in Pull mode: ` +
      `its agent reads only namespace ${hostPlan.clusterNamespace} of the host, with the kubeconfig in Secret ${namespace}/${AGENT_HOST_KUBECONFIG_SECRET} ` +
      `of the member; the host holds no credential for the member. ` +
      (deployment
        ? `The agent runs as Deployment ${namespace}/${AGENT_DEPLOYMENT} in the member:\n` +
          `  kubectl --context ${memberContext} -n ${namespace} rollout status deployment/${AGENT_DEPLOYMENT}\n`
        : `Run the agent in the member with the chart charts/kubefed-ts-agent:\n` +
          `  ${helmLine}\n` +
          `or as a process:\n` +
          `  kubefed-agent --cluster-name ${clusterName} --kubefed-namespace ${namespace} --host-kubeconfig <that kubeconfig>\n`),
  );
  return 0;
}

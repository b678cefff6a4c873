// `kubefedctl join --mode pull` and `unjoin` against the real host + 2 member API servers: what join creates on
// each side, what the agent's host identity may and may not do (kubectl auth can-i and real requests with the
// kubeconfig join wrote), that no Secret join adds to the host holds a credential the members accept (the
// members' own TokenReview decides), and that unjoin removes all of it and kills the agent's host token. The
// agent itself: `--install-agent` creates its Deployment in the member (unjoin removes it); without it join
// prints a `helm install` line for charts/kubefed-ts-agent, which the real helm installs beside join's objects.
import { readFile, stat, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AuthenticationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1Secret } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor, runCommand, testEnv } from '../harness/env.js';
import { AppsV1Api } from '@kubernetes/client-node';
import { repoRoot } from '../harness/binaries.js';
import { customObjects, getOrUndefined, installCrds, KUBEFED_NS } from '../harness/federation.js';
import { Helm } from '../harness/helm.js';
import { kubefedctl } from '../harness/kubefedctl.js';

type Obj = Record<string, any>;

const suffix = Date.now().toString(36);
/** member2 joins as A, member1 as B, both in pull mode. */
const A = `pa-${suffix}`;
const B = `pb-${suffix}`;
const nsA = `kubefed-cluster-${A}`;
const nsB = `kubefed-cluster-${B}`;
const PUSHED = `pp-${suffix}`;
const CORE = { group: 'core.kubefed.io', version: 'v1beta1' };

let host: KubeConfig;
let member1: KubeConfig;
let member2: KubeConfig;
let tmp: string;
let agentKubeconfigA: string;
/** Every host Secret (namespace/name → resourceVersion) before any join of this file. */
let secretsBefore: Map<string, string>;

const kfc = (name: string) =>
  getOrUndefined(customObjects(host).getNamespacedCustomObject({ ...CORE, plural: 'kubefedclusters', namespace: KUBEFED_NS, name })) as Promise<Obj | undefined>;
const core = (kc: KubeConfig) => kc.makeApiClient(CoreV1Api);
const rbac = (kc: KubeConfig) => kc.makeApiClient(RbacAuthorizationV1Api);
const deploymentIn = (kc: KubeConfig, name: string) =>
  getOrUndefined(kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace: KUBEFED_NS })) as Promise<Obj | undefined>;
let helm: Helm;

/** The identity a token is to a cluster, by that cluster's own TokenReview; undefined when it accepts none. */
async function whoIs(kc: KubeConfig, token: string): Promise<string | undefined> {
  const review = await kc.makeApiClient(AuthenticationV1Api).createTokenReview({ body: { spec: { token } } });
  return review.status?.authenticated ? review.status.user?.username : undefined;
}

/** `kubectl auth can-i` as the agent, with the kubeconfig join wrote: "yes" or "no". */
async function agentCanI(args: string[]): Promise<string> {
  const bin = path.join(testEnv().binDir, 'kubectl');
  const result = await runCommand(bin, ['--kubeconfig', agentKubeconfigA, 'auth', 'can-i', ...args]);
  return result.stdout.trim();
}

async function allHostSecrets(): Promise<V1Secret[]> {
  return (await core(host).listSecretForAllNamespaces()).items;
}

beforeAll(async () => {
  host = kubeConfigFor('host');
  member1 = kubeConfigFor('member1');
  member2 = kubeConfigFor('member2');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kubefedctl-pull-it-'));
  agentKubeconfigA = path.join(tmp, 'agent-a.kubeconfig');
  helm = new Helm();
  await installCrds(testEnv().clusters.host!.kubeconfigPath);
  if (!(await getOrUndefined(core(host).readNamespace({ name: KUBEFED_NS })))) await core(host).createNamespace({ body: { metadata: { name: KUBEFED_NS } } });
  secretsBefore = new Map((await allHostSecrets()).map((s) => [`${s.metadata!.namespace}/${s.metadata!.name}`, s.metadata!.resourceVersion!]));
}, 120_000);

afterAll(async () => {
  for (const [name, context] of [[A, 'member2'], [B, 'member1'], [PUSHED, 'member1']] as const) {
    if (await kfc(name)) await kubefedctl('unjoin', name, '--cluster-context', context, '--force');
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
  await helm?.run(['uninstall', 'kubefed-ts-agent', '--namespace', KUBEFED_NS, '--kube-context', 'member1', '--ignore-not-found'], testEnv().kubeconfigPath);
  helm?.close();
}, 120_000);

describe('kubefedctl join --mode pull', () => {
  it('creates the cluster namespace, the agent identity and a Pull KubeFedCluster on the host; the agent and its host kubeconfig in the member', async () => {
    const { code, stdout, stderr } = await kubefedctl('join', A, '--mode', 'pull', '--cluster-context', 'member2', '--agent-kubeconfig-out', agentKubeconfigA, '--install-agent');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const line of [
      `host: namespace/${nsA} created`,
      `host: serviceaccount/kubefed-agent created in namespace ${nsA}`,
      `host: secret/kubefed-agent-token created in namespace ${nsA}`,
      `host: role.rbac.authorization.k8s.io/kubefed-agent created in namespace ${nsA}`,
      `host: rolebinding.rbac.authorization.k8s.io/kubefed-agent created in namespace ${nsA}`,
      `host: role.rbac.authorization.k8s.io/kubefed-controller-manager created in namespace ${nsA}`,
      `host: rolebinding.rbac.authorization.k8s.io/kubefed-controller-manager created in namespace ${nsA}`,
      `member2: serviceaccount/kubefed-agent created in namespace ${KUBEFED_NS}`,
      `member2: clusterrolebinding.rbac.authorization.k8s.io/kubefed-agent:${KUBEFED_NS} created`,
      `member2: secret/kubefed-agent-host created in namespace ${KUBEFED_NS}`,
      `member2: deployment.apps/kubefed-agent created in namespace ${KUBEFED_NS}`,
      `host: kubefedcluster.core.kubefed.io/${A} created in namespace ${KUBEFED_NS}`,
      `wrote the agent's host kubeconfig to ${agentKubeconfigA}`,
    ]) {
      expect(stdout).toContain(line);
    }
    expect((await kfc(A))!.spec).toEqual({ syncMode: 'Pull' });
    expect((await core(host).readNamespace({ name: nsA })).metadata?.labels).toMatchObject({ 'kubefed.io/pull-cluster': A });

    expect(stdout).toContain(`The agent runs as Deployment ${KUBEFED_NS}/kubefed-agent in the member:\n  kubectl --context member2 -n ${KUBEFED_NS} rollout status deployment/kubefed-agent\n`);
    expect(stdout).not.toContain('helm install');

    const joinedB = await kubefedctl('join', B, '--mode', 'pull', '--cluster-context', 'member1');
    expect(joinedB.stderr).toBe('');
    expect(joinedB.code).toBe(0);
    expect(joinedB.stdout).toContain('Run the agent in the member with the chart charts/kubefed-ts-agent:\n  helm install ');
    expect(await deploymentIn(member1, 'kubefed-agent')).toBeUndefined();
  });

  it('--install-agent runs the agent in the member with its ServiceAccount and the host kubeconfig Secret join wrote', async () => {
    const deployment = (await deploymentIn(member2, 'kubefed-agent'))!;
    expect(deployment.metadata.labels).toMatchObject({ 'kubefed.io/pull-cluster': A, 'app.kubernetes.io/managed-by': 'kubefedctl' });
    expect(deployment.spec.replicas).toBe(1);
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe('kubefed-agent');
    expect(pod.containers[0].image).toBe('ghcr.io/kubefed-ts/controller-manager:0.1.0');
    expect(pod.containers[0].command).toEqual(['node', '/app/dist/agent/main.js']);
    expect(pod.containers[0].args).toEqual(expect.arrayContaining([`--cluster-name=${A}`, `--kubefed-namespace=${KUBEFED_NS}`, '--host-kubeconfig=/etc/kubefed-agent/host/kubeconfig', '--leader-elect=true']));
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'host-kubeconfig', mountPath: '/etc/kubefed-agent/host', readOnly: true });
    expect(pod.volumes).toContainEqual({ name: 'host-kubeconfig', secret: { secretName: 'kubefed-agent-host', defaultMode: 0o440, items: [{ key: 'kubeconfig', path: 'kubeconfig' }] } });
    expect(pod.containers[0].securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    // The Secret it mounts holds the kubeconfig with the agent's host token, and the pods may use join's rights.
    const secret = await core(member2).readNamespacedSecret({ name: 'kubefed-agent-host', namespace: KUBEFED_NS });
    const token = (yaml.load(Buffer.from(secret.data!.kubeconfig!, 'base64').toString('utf8')) as Obj).users[0].user.token as string;
    expect(await whoIs(host, token)).toBe(`system:serviceaccount:${nsA}:kubefed-agent`);
    const bin = path.join(testEnv().binDir, 'kubectl');
    const can = await runCommand(bin, ['--kubeconfig', testEnv().clusters.member2!.kubeconfigPath, 'auth', 'can-i', 'create', 'deployments.apps', '-n', 'default', `--as=system:serviceaccount:${KUBEFED_NS}:kubefed-agent`]);
    expect(can.stdout.trim()).toBe('yes');
  });

  it('prints a helm install line that installs the agent chart beside join\'s objects in the member', async () => {
    // B's join printed it (no --install-agent); printed again by an idempotent join.
    const again = await kubefedctl('join', B, '--mode', 'pull', '--cluster-context', 'member1', '--agent-replicas', '2');
    expect(again.code, again.stderr).toBe(0);
    const line = again.stdout.split('\n').map((l) => l.trim()).find((l) => l.startsWith('helm install '))!;
    expect(line).toBe(
      `helm install kubefed-ts-agent charts/kubefed-ts-agent --kube-context member1 --namespace ${KUBEFED_NS} --set-string clusterName=${B} ` +
        '--set serviceAccount.create=false --set-string serviceAccount.name=kubefed-agent --set rbac.create=false ' +
        '--set-string hostKubeconfig.secretName=kubefed-agent-host --set replicaCount=2',
    );
    // Run as printed (words as a shell reads them), from the repository, against the test kubeconfig.
    const words = (await runCommand('bash', ['-c', `printf '%s\\n' ${line}`])).stdout.trimEnd().split('\n');
    const args = words.slice(1).map((w) => (w === 'charts/kubefed-ts-agent' ? path.join(repoRoot, w) : w));
    const installed = await helm.run(args, testEnv().kubeconfigPath);
    expect(installed.code, installed.stderr).toBe(0);
    const deployment = (await deploymentIn(member1, 'kubefed-ts-agent'))!;
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.serviceAccountName).toBe('kubefed-agent');
    expect(deployment.spec.template.spec.containers[0].args).toEqual(expect.arrayContaining([`--cluster-name=${B}`, `--kubefed-namespace=${KUBEFED_NS}`]));
    expect(deployment.spec.template.spec.volumes).toContainEqual(expect.objectContaining({ name: 'host-kubeconfig', secret: expect.objectContaining({ secretName: 'kubefed-agent-host' }) }));
    // Uninstalling the chart leaves what join made.
    const removed = await helm.run(['uninstall', 'kubefed-ts-agent', '--namespace', KUBEFED_NS, '--kube-context', 'member1', '--wait'], testEnv().kubeconfigPath);
    expect(removed.code, removed.stderr).toBe(0);
    expect(await deploymentIn(member1, 'kubefed-ts-agent')).toBeUndefined();
    expect(await getOrUndefined(core(member1).readNamespacedServiceAccount({ name: 'kubefed-agent', namespace: KUBEFED_NS }))).toBeDefined();
    expect(await getOrUndefined(core(member1).readNamespacedSecret({ name: 'kubefed-agent-host', namespace: KUBEFED_NS }))).toBeDefined();
  });

  it('writes a 0600 kubeconfig for the agent: the host, its token, its namespace; the same one is in the member', async () => {
    expect((await stat(agentKubeconfigA)).mode & 0o777).toBe(0o600);
    const text = await readFile(agentKubeconfigA, 'utf8');
    const config = yaml.load(text) as Obj;
    expect(config.clusters[0].cluster.server).toBe(testEnv().clusters.host!.server);
    expect(config.clusters[0].cluster['certificate-authority-data']).toBe(host.getCurrentCluster()!.caData);
    expect(config.contexts[0].context.namespace).toBe(nsA);
    const token = config.users[0].user.token as string;
    expect(await whoIs(host, token)).toBe(`system:serviceaccount:${nsA}:kubefed-agent`);
    const inMember = await core(member2).readNamespacedSecret({ name: 'kubefed-agent-host', namespace: KUBEFED_NS });
    expect(Buffer.from(inMember.data!.kubeconfig!, 'base64').toString('utf8')).toBe(text);
  });

  it('lets the agent read its bundles and write its reports and heartbeat in its own namespace, and nothing else', async () => {
    const cases: Array<[string[], string]> = [
      [['get', 'secrets', '-n', nsA], 'yes'],
      [['watch', 'secrets', '-n', nsA], 'yes'],
      [['create', 'configmaps', '-n', nsA], 'yes'],
      [['patch', 'configmaps', '-n', nsA], 'yes'],
      [['update', 'leases.coordination.k8s.io', '-n', nsA], 'yes'],
      // its bundles are the host's: read-only
      [['create', 'secrets', '-n', nsA], 'no'],
      [['update', 'secrets', '-n', nsA], 'no'],
      [['delete', 'secrets', '-n', nsA], 'no'],
      // no Federated<X> anywhere, not even in its own namespace
      [['get', 'federatedsecrets.types.kubefed.io', '-n', nsA], 'no'],
      [['list', 'federateddeployments.types.kubefed.io', '--all-namespaces'], 'no'],
      [['get', 'federatedconfigmaps.types.kubefed.io', '-n', 'default'], 'no'],
      [['list', 'kubefedclusters.core.kubefed.io', '-n', KUBEFED_NS], 'no'],
      // no Secret outside its namespace
      [['get', 'secrets', '-n', KUBEFED_NS], 'no'],
      [['get', 'secrets', '-n', 'default'], 'no'],
      [['list', 'secrets', '--all-namespaces'], 'no'],
      // nothing of the other pull cluster
      [['get', 'secrets', '-n', nsB], 'no'],
      [['list', 'configmaps', '-n', nsB], 'no'],
      [['create', 'configmaps', '-n', nsB], 'no'],
      [['update', 'leases.coordination.k8s.io', '-n', nsB], 'no'],
      // and no way to grant itself more
      [['create', 'rolebindings.rbac.authorization.k8s.io', '-n', nsA], 'no'],
      [['update', 'roles.rbac.authorization.k8s.io', '-n', nsA], 'no'],
      [['create', 'namespaces'], 'no'],
      [['create', 'serviceaccounts/token', '-n', nsA], 'no'],
    ];
    const answers = await Promise.all(cases.map(([args]) => agentCanI(args)));
    expect(cases.map(([args], i) => `${args.join(' ')} → ${answers[i]}`)).toEqual(cases.map(([args, want]) => `${args.join(' ')} → ${want}`));
    // Real requests agree.
    const bin = path.join(testEnv().binDir, 'kubectl');
    const own = await runCommand(bin, ['--kubeconfig', agentKubeconfigA, 'get', 'configmaps']);
    expect(own.code, own.stderr).toBe(0);
    const other = await runCommand(bin, ['--kubeconfig', agentKubeconfigA, 'get', 'configmaps', '-n', nsB]);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`cannot list resource "configmaps" in API group "" in the namespace "${nsB}"`);
  });

  it('lets the controller-manager write bundles and read reports and the heartbeat in the cluster\'s namespace only', async () => {
    const bin = path.join(testEnv().binDir, 'kubectl');
    const asManager = `system:serviceaccount:${KUBEFED_NS}:kubefed-ts-controller-manager`;
    const canI = async (args: string[]) =>
      (await runCommand(bin, ['--kubeconfig', testEnv().clusters.host!.kubeconfigPath, 'auth', 'can-i', '--as', asManager, ...args])).stdout.trim();
    const cases: Array<[string[], string]> = [
      [['create', 'secrets', '-n', nsA], 'yes'],
      [['patch', 'secrets', '-n', nsA], 'yes'],
      [['watch', 'configmaps', '-n', nsA], 'yes'],
      [['get', 'leases.coordination.k8s.io', '-n', nsA], 'yes'],
      [['patch', 'secrets', '-n', nsB], 'yes'],
      // never the agent's reports or heartbeat, never a deletion, never outside pull clusters' namespaces
      [['patch', 'configmaps', '-n', nsA], 'no'],
      [['update', 'leases.coordination.k8s.io', '-n', nsA], 'no'],
      [['delete', 'secrets', '-n', nsA], 'no'],
      [['create', 'secrets', '-n', 'default'], 'no'],
      [['list', 'configmaps', '-n', 'default'], 'no'],
    ];
    const answers = await Promise.all(cases.map(([args]) => canI(args)));
    expect(cases.map(([args], i) => `${args.join(' ')} → ${answers[i]}`)).toEqual(cases.map(([args, want]) => `${args.join(' ')} → ${want}`));
  });

  it('leaves no Secret on the host that holds a credential a member accepts', async () => {
    const added = (await allHostSecrets()).filter((s) => secretsBefore.get(`${s.metadata!.namespace}/${s.metadata!.name}`) !== s.metadata!.resourceVersion);
    // The joins added the two agents' token Secrets: host credentials.
    expect(added.map((s) => `${s.metadata!.namespace}/${s.metadata!.name}`).sort()).toEqual([`${nsA}/kubefed-agent-token`, `${nsB}/kubefed-agent-token`]);
    const values = added.flatMap((s) => Object.values(s.data ?? {}).map((v) => Buffer.from(v, 'base64').toString('utf8').trim()));
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) {
      expect(await whoIs(member1, value)).toBeUndefined();
      expect(await whoIs(member2, value)).toBeUndefined();
    }
    // The check can fail: the agents' tokens are accepted where they belong.
    const tokenA = Buffer.from(added.find((s) => s.metadata!.namespace === nsA)!.data!.token!, 'base64').toString('utf8');
    expect(await whoIs(host, tokenA)).toBe(`system:serviceaccount:${nsA}:kubefed-agent`);
  });

  it('is idempotent: a second join changes nothing and keeps the token', async () => {
    const before = await readFile(agentKubeconfigA, 'utf8');
    const generation = (await deploymentIn(member2, 'kubefed-agent'))!.metadata.generation;
    const { code, stdout } = await kubefedctl('join', A, '--mode', 'pull', '--cluster-context', 'member2', '--agent-kubeconfig-out', agentKubeconfigA, '--install-agent');
    expect(code).toBe(0);
    expect((await deploymentIn(member2, 'kubefed-agent'))!.metadata.generation).toBe(generation);
    expect(stdout).toContain(`host: serviceaccount/kubefed-agent unchanged in namespace ${nsA}`);
    expect(stdout).toContain(`member2: secret/kubefed-agent-host unchanged in namespace ${KUBEFED_NS}`);
    expect(stdout).toContain(`host: kubefedcluster.core.kubefed.io/${A} unchanged`);
    expect(await readFile(agentKubeconfigA, 'utf8')).toBe(before);
  });

  it('--dry-run prints both sides and creates nothing', async () => {
    const { code, stdout } = await kubefedctl('join', `dry-${suffix}`, '--mode', 'pull', '--cluster-context', 'member1', '--dry-run');
    expect(code).toBe(0);
    const docs = yaml.loadAll(stdout) as Obj[];
    expect(docs.map((d) => d.kind)).toEqual(['Namespace', 'ServiceAccount', 'Secret', 'Role', 'RoleBinding', 'Role', 'RoleBinding', 'KubeFedCluster', 'Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Secret']);
    expect(await getOrUndefined(core(host).readNamespace({ name: `kubefed-cluster-dry-${suffix}` }))).toBeUndefined();
    expect(await kfc(`dry-${suffix}`)).toBeUndefined();
    const withAgent = await kubefedctl('join', `dry-${suffix}`, '--mode', 'pull', '--cluster-context', 'member1', '--dry-run', '--install-agent', '--agent-image', 'r.io/agent:9');
    expect(withAgent.code, withAgent.stderr).toBe(0);
    const agent = (yaml.loadAll(withAgent.stdout) as Obj[]).at(-1)!;
    expect(agent).toMatchObject({ kind: 'Deployment', metadata: { name: 'kubefed-agent', namespace: KUBEFED_NS } });
    expect(agent.spec.template.spec.containers[0].image).toBe('r.io/agent:9');
    expect(await deploymentIn(member1, 'kubefed-agent')).toBeUndefined();
  });

  it('refuses to switch a cluster between modes in place, and pull-only flags in push mode', async () => {
    const pushed = await kubefedctl('join', PUSHED, '--cluster-context', 'member1');
    expect(pushed.code).toBe(0);
    const toPull = await kubefedctl('join', PUSHED, '--mode', 'pull', '--cluster-context', 'member1');
    expect(toPull.code).toBe(1);
    expect(toPull.stderr).toContain(`cluster "${PUSHED}" is joined in Push mode (the host holds a token for it); to switch it to Pull, run kubefedctl unjoin ${PUSHED}`);
    expect(await getOrUndefined(core(host).readNamespace({ name: `kubefed-cluster-${PUSHED}` }))).toBeUndefined();
    const toPush = await kubefedctl('join', B, '--cluster-context', 'member1');
    expect(toPush.code).toBe(1);
    expect(toPush.stderr).toContain(`cluster "${B}" is joined in Pull mode`);
    expect((await kfc(B))!.spec).toEqual({ syncMode: 'Pull' });
    expect((await kubefedctl('unjoin', PUSHED, '--cluster-context', 'member1')).code).toBe(0);

    const misuse = await kubefedctl('join', 'x', '--cluster-context', 'member1', '--agent-kubeconfig-out', path.join(tmp, 'x'));
    expect(misuse).toMatchObject({ code: 1, stderr: 'error: --agent-kubeconfig-out, --host-api-endpoint and --controller-manager-service-account are for --mode pull\n' });
    const pushAgent = await kubefedctl('join', 'x', '--cluster-context', 'member1', '--install-agent');
    expect(pushAgent).toMatchObject({ code: 1, stderr: 'error: --install-agent, --agent-image and --agent-replicas are for --mode pull: a push member runs no agent\n' });
    const badImage = await kubefedctl('join', 'x', '--mode', 'pull', '--cluster-context', 'member1', '--install-agent', '--agent-image', 'Not An Image');
    expect(badImage).toMatchObject({ code: 1, stderr: 'error: --agent-image "Not An Image" is not an image reference such as ghcr.io/kubefed-ts/controller-manager:0.1.0\n' });
    const badReplicas = await kubefedctl('join', 'x', '--mode', 'pull', '--cluster-context', 'member1', '--agent-replicas', '0');
    expect(badReplicas).toMatchObject({ code: 1, stderr: 'error: --agent-replicas "0" is not a whole number from 1 to 10\n' });
    expect(await kfc('x')).toBeUndefined();
    const badEndpoint = await kubefedctl('join', 'x', '--mode', 'pull', '--cluster-context', 'member1', '--host-api-endpoint', 'ftp://h');
    expect(badEndpoint).toMatchObject({ code: 1, stderr: 'error: --host-api-endpoint "ftp://h" is not a URL such as https://host.example.com:6443\n' });
  });
});

describe('kubefedctl join --mode pull into a KubeFed namespace that does not exist yet', () => {
  it('creates it on both sides, and unjoin leaves it', async () => {
    const fedNs = `kfpull-${suffix}`;
    const name = `pc-${suffix}`;
    const joined = await kubefedctl('--kubefed-namespace', fedNs, 'join', name, '--mode', 'pull', '--cluster-context', 'member1');
    expect(joined.stderr).toBe('');
    expect(joined.stdout).toContain(`host: namespace/${fedNs} created`);
    expect(joined.stdout).toContain(`member1: namespace/${fedNs} created`);
    expect((await getOrUndefined(customObjects(host).getNamespacedCustomObject({ ...CORE, plural: 'kubefedclusters', namespace: fedNs, name })) as Obj)?.spec).toEqual({ syncMode: 'Pull' });
    const gone = await kubefedctl('--kubefed-namespace', fedNs, 'unjoin', name, '--cluster-context', 'member1');
    expect(gone.code, gone.stderr).toBe(0);
    expect(await getOrUndefined(rbac(member1).readClusterRoleBinding({ name: `kubefed-agent:${fedNs}` }))).toBeUndefined();
    for (const kc of [host, member1]) await core(kc).deleteNamespace({ name: fedNs });
  });
});

describe('kubefedctl unjoin of a pull cluster', () => {
  it('removes the KubeFedCluster, the cluster namespace (and with it the agent token) and everything in the member', async () => {
    const token = (yaml.load(await readFile(agentKubeconfigA, 'utf8')) as Obj).users[0].user.token as string;
    const { code, stdout, stderr } = await kubefedctl('unjoin', A, '--cluster-context', 'member2');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain(`host: kubefedcluster.core.kubefed.io/${A} deleted in namespace ${KUBEFED_NS}`);
    expect(stdout).toContain(`host: namespace/${nsA} deleted`);
    expect(stdout).toContain(`member2: secret/kubefed-agent-host deleted in namespace ${KUBEFED_NS}`);
    expect(stdout).toContain(`member2: deployment.apps/kubefed-agent deleted in namespace ${KUBEFED_NS}`);
    // The agent goes before its rights: the Deployment's line comes first.
    expect(stdout.indexOf('deployment.apps/kubefed-agent deleted')).toBeLessThan(stdout.indexOf('clusterrolebinding.rbac.authorization.k8s.io'));
    expect(await deploymentIn(member2, 'kubefed-agent')).toBeUndefined();
    expect(stdout).toContain(`Cluster "${A}" unjoined.`);
    expect(await kfc(A)).toBeUndefined();
    expect(await getOrUndefined(core(member2).readNamespacedServiceAccount({ name: 'kubefed-agent', namespace: KUBEFED_NS }))).toBeUndefined();
    expect(await getOrUndefined(rbac(member2).readClusterRoleBinding({ name: `kubefed-agent:${KUBEFED_NS}` }))).toBeUndefined();
    expect(await getOrUndefined(rbac(member2).readClusterRole({ name: `kubefed-agent:${KUBEFED_NS}` }))).toBeUndefined();
    // The namespace controller deletes the ServiceAccount with the namespace: its token stops working.
    await expect.poll(() => whoIs(host, token), { timeout: 30_000 }).toBeUndefined();
    await expect.poll(async () => (await getOrUndefined(core(host).readNamespace({ name: nsA }))) === undefined, { timeout: 60_000 }).toBe(true);
    // B is untouched.
    expect((await kfc(B))!.spec).toEqual({ syncMode: 'Pull' });
    expect(await getOrUndefined(core(host).readNamespacedServiceAccount({ name: 'kubefed-agent', namespace: nsB }))).toBeDefined();
  });

  it('joins again once the old namespace is gone', async () => {
    const again = await kubefedctl('join', A, '--mode', 'pull', '--cluster-context', 'member2');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`host: namespace/${nsA} created`);
    const gone = await kubefedctl('unjoin', A, '--cluster-context', 'member2');
    expect(gone.code).toBe(0);
  });
});

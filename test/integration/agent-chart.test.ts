// The pull agent's Helm chart (charts/kubefed-ts-agent) with the real helm and a member's real kube-apiserver:
// it lints in both scopes and refuses values that cannot work; the Deployment runs the agent from the
// controller-manager's image with the host kubeconfig mounted from its Secret and the main chart's security
// context; its RBAC is exactly what `kubefedctl join --mode pull` grants; rendered with the values join prints
// it gives the pod template `join --install-agent` creates; the API server accepts every object, and helm
// install and uninstall work on the member. No agent pod ever runs (no kubelet): the test checks the objects.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentDeployment, helmInstallArgs } from '../../src/kubefedctl/agent-install.js';
import { agentInstallInput, planPullMember } from '../../src/kubefedctl/join-pull.js';
import { repoRoot } from '../harness/binaries.js';
import { kubectl, testEnv } from '../harness/env.js';
import { Helm } from '../harness/helm.js';

type Obj = Record<string, any>;

const chartDir = path.join(repoRoot, 'charts', 'kubefed-ts-agent');
const mainChartDir = path.join(repoRoot, 'charts', 'kubefed-ts');
const RELEASE = 'kubefed-ts-agent';
const MEMBER = 'member1';
const installNs = `kubefed-agent-chart-${randomBytes(3).toString('hex')}`;
// Rendered-only checks use a namespace that always exists, so the server-side dry run can resolve it.
const renderNs = 'default';

let helm: Helm;
const memberKubeconfig = (): string => testEnv().clusters[MEMBER]!.kubeconfigPath;

async function render(values: string[], options: { chart?: string; namespace?: string } = {}): Promise<{ text: string; objects: Obj[] }> {
  const result = await helm.run(['template', RELEASE, options.chart ?? chartDir, '--namespace', options.namespace ?? renderNs, ...values.flatMap((v) => ['--set', v])]);
  expect(result.code, result.stderr).toBe(0);
  return { text: result.stdout, objects: yaml.loadAll(result.stdout).filter((d): d is Obj => d !== null && typeof d === 'object') };
}
const one = (objects: Obj[], kind: string): Obj => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found.map((o) => o.metadata.name), `exactly one ${kind}`).toHaveLength(1);
  return found[0]!;
};
const kinds = (objects: Obj[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();

beforeAll(() => {
  helm = new Helm();
});

afterAll(async () => {
  await helm.run(['uninstall', RELEASE, '--namespace', installNs, '--ignore-not-found'], memberKubeconfig());
  await kubectl(MEMBER, ['delete', 'namespace', installNs, '--wait=false', '--ignore-not-found']);
  helm?.close();
});

describe('charts/kubefed-ts-agent rendered', () => {
  it('passes helm lint --strict in both scopes', async () => {
    const results = await Promise.all(
      ['Cluster', 'Namespaced'].map((scope) => helm.run(['lint', '--strict', chartDir, '--namespace', renderNs, '--set', 'clusterName=edge-1', '--set', `scope=${scope}`])),
    );
    for (const result of results) expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it.each([
    [[], 'clusterName is required'],
    [['clusterName=Edge_1'], 'clusterName'],
    [['clusterName=edge-1', 'scope=Everywhere'], 'scope'],
    [['clusterName=edge-1', 'replicaCount=2', 'leaderElect=false'], 'leaderElect must be true when replicaCount > 1'],
    [['clusterName=edge-1', 'serviceAccount.create=false'], 'serviceAccount.name is required when serviceAccount.create is false'],
    [['clusterName=edge-1', 'heartbeatInterval=often'], 'heartbeatInterval'],
  ])('refuses %j, naming the value', async (values, message) => {
    const result = await helm.run(['template', RELEASE, chartDir, ...values.flatMap((v) => ['--set', v])]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
  });

  it('renders the agent from the controller-manager image, with the host kubeconfig mounted from its Secret', async () => {
    const { objects } = await render(['clusterName=edge-1']);
    expect(kinds(objects)).toEqual([
      `ClusterRole/${RELEASE}-${renderNs}`,
      `ClusterRoleBinding/${RELEASE}-${renderNs}`,
      `Deployment/${RELEASE}`,
      `Service/${RELEASE}-metrics`,
      `ServiceAccount/${RELEASE}`,
    ]);
    const deployment = one(objects, 'Deployment');
    expect(deployment.spec.replicas).toBe(1);
    const pod = deployment.spec.template.spec;
    expect(pod.serviceAccountName).toBe(RELEASE);
    const container = pod.containers[0];
    expect(container.image).toBe('ghcr.io/kubefed-ts/controller-manager:0.1.0');
    expect(container.command).toEqual(['node', '/app/dist/agent/main.js']);
    expect(container.args).toEqual([
      '--cluster-name=edge-1',
      '--host-kubeconfig=/etc/kubefed-agent/host/kubeconfig',
      `--kubefed-namespace=${renderNs}`,
      '--health-addr=:8080',
      '--metrics-addr=:9090',
      '--leader-elect=true',
      '--heartbeat-interval=10s',
      '--log-level=info',
    ]);
    expect(container.volumeMounts).toContainEqual({ name: 'host-kubeconfig', mountPath: '/etc/kubefed-agent/host', readOnly: true });
    expect(pod.volumes).toContainEqual({
      name: 'host-kubeconfig',
      secret: { secretName: 'kubefed-agent-host', defaultMode: 0o440, items: [{ key: 'kubeconfig', path: 'kubeconfig' }] },
    });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(container.env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });

    // Another Secret and key, 2 replicas (then a PodDisruptionBudget), no metrics Service.
    const two = await render(['clusterName=edge-1', 'replicaCount=2', 'hostKubeconfig.secretName=mine', 'hostKubeconfig.key=cfg', 'metrics.service.enabled=false']);
    const twoDeployment = one(two.objects, 'Deployment');
    expect(twoDeployment.spec.replicas).toBe(2);
    expect(twoDeployment.spec.template.spec.volumes[1].secret).toMatchObject({ secretName: 'mine', items: [{ key: 'cfg', path: 'kubeconfig' }] });
    expect(one(two.objects, 'PodDisruptionBudget').spec).toEqual({ minAvailable: 1, selector: twoDeployment.spec.selector });
    expect(two.objects.filter((o) => o.kind === 'Service')).toEqual([]);
  });

  it('has the security context of the controller-manager chart, pod and container', async () => {
    const agent = one((await render(['clusterName=edge-1'])).objects, 'Deployment').spec.template.spec;
    const manager = (await render([], { chart: mainChartDir })).objects.find((o) => o.kind === 'Deployment')!.spec.template.spec;
    expect(agent.securityContext).toEqual(manager.securityContext);
    expect(agent.containers[0].securityContext).toEqual(manager.containers[0].securityContext);
    expect(agent.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
  });

  it.each(['Cluster', 'Namespaced'] as const)('grants exactly the rights kubefedctl join --mode pull grants (%s)', async (scope) => {
    const { objects } = await render(['clusterName=edge-1', `scope=${scope}`]);
    const joined = planPullMember({ clusterName: 'edge-1', namespace: renderNs, scope });
    const roleKind = scope === 'Cluster' ? 'ClusterRole' : 'Role';
    expect(objects.filter((o) => /Role/.test(o.kind)).map((o) => o.kind).sort()).toEqual([roleKind, `${roleKind}Binding`]);
    expect(one(objects, roleKind).rules).toEqual(joined.rbac[0]!.body.rules);
    if (scope === 'Namespaced') expect(one(objects, roleKind).metadata.namespace).toBe(renderNs);
    const binding = one(objects, `${roleKind}Binding`);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: roleKind, name: one(objects, roleKind).metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: RELEASE, namespace: renderNs }]);
  });

  it('renders, with the values join prints, the pod template join --install-agent creates', async () => {
    for (const [image, replicas] of [
      [undefined, 1],
      ['registry.local:5000/kubefed/agent:1', 2],
    ] as const) {
      const agent = agentInstallInput({ clusterName: 'edge-1', namespace: renderNs, agentImage: image, agentReplicas: replicas });
      const printed = helmInstallArgs({ ...agent, context: MEMBER });
      expect(printed.slice(0, 4)).toEqual(['helm', 'install', RELEASE, 'charts/kubefed-ts-agent']);
      const result = await helm.run(['template', ...printed.slice(2).map((a) => (a === 'charts/kubefed-ts-agent' ? chartDir : a))]);
      expect(result.code, result.stderr).toBe(0);
      const objects = yaml.loadAll(result.stdout) as Obj[];
      // Join made the ServiceAccount, its rights and the Secret: the chart adds the Deployment and its Service
      // (and with 2 replicas a PodDisruptionBudget).
      expect(kinds(objects)).toEqual(
        [`Deployment/${RELEASE}`, `Service/${RELEASE}-metrics`, ...(replicas > 1 ? [`PodDisruptionBudget/${RELEASE}`] : [])].sort(),
      );
      const rendered = one(objects, 'Deployment').spec;
      const created = agentDeployment(agent).body.spec as Obj;
      expect(rendered.template.spec).toEqual(created.template.spec);
      expect({ ...rendered, selector: undefined, template: undefined }).toEqual({ ...created, selector: undefined, template: undefined });
    }
  });

  it.each(['Cluster', 'Namespaced'])('renders manifests the member API server accepts (server-side dry run, %s)', async (scope) => {
    const { text, objects } = await render(['clusterName=edge-1', `scope=${scope}`, 'replicaCount=2']);
    const result = await kubectl(MEMBER, ['apply', '--dry-run=server', '--server-side', '--field-manager=kubefed-ts-agent-chart-test', '-f', '-'], text);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(objects.length);
  });
});

describe('charts/kubefed-ts-agent installed on a member', () => {
  const canI = async (...args: string[]): Promise<string> =>
    (await kubectl(MEMBER, ['auth', 'can-i', ...args, `--as=system:serviceaccount:${installNs}:${RELEASE}`])).stdout.trim();

  it('installs the Deployment, its ServiceAccount and rights, and uninstalls them, cluster-scoped ones included', async () => {
    const installed = await helm.run(
      ['install', RELEASE, chartDir, '--namespace', installNs, '--create-namespace', '--set', 'clusterName=edge-1', '--set', 'replicaCount=2'],
      memberKubeconfig(),
    );
    expect(installed.code, installed.stderr).toBe(0);
    const deployment = JSON.parse((await kubectl(MEMBER, ['get', 'deployment', RELEASE, '-n', installNs, '-o', 'json'])).stdout) as Obj;
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.template.spec.serviceAccountName).toBe(RELEASE);
    expect(deployment.spec.template.spec.containers[0].args).toContain(`--kubefed-namespace=${installNs}`);
    // The API server's own authorizer: everything in the member, as join's grant; its leader Lease included.
    expect(await canI('create', 'deployments.apps', '-n', 'default')).toBe('yes');
    expect(await canI('update', 'leases.coordination.k8s.io/kubefed-agent', '-n', installNs)).toBe('yes');
    expect(await canI('get', '/version')).toBe('yes');

    const removed = await helm.run(['uninstall', RELEASE, '--namespace', installNs, '--wait'], memberKubeconfig());
    expect(removed.code, removed.stderr).toBe(0);
    for (const what of [`clusterrole/${RELEASE}-${installNs}`, `clusterrolebinding/${RELEASE}-${installNs}`, `deployment/${RELEASE}`, `serviceaccount/${RELEASE}`]) {
      const left = await kubectl(MEMBER, ['get', what, '-n', installNs, '--ignore-not-found', '-o', 'name']);
      expect(left.stdout.trim(), what).toBe('');
    }
    expect(await canI('create', 'deployments.apps', '-n', 'default')).toBe('no');
  });
});

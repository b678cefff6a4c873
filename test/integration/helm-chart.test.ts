// The Helm chart (charts/kubefed-ts) with the real helm and the host's real kube-apiserver: it lints in
// both scopes, renders what the code defines (the default FederatedTypeConfigs, the KubeFedConfig's
// defaults), least-privilege RBAC and a consistent webhook certificate; the API server accepts every
// rendered object; and helm install, upgrade and uninstall work. Two releases (one per scope, the same
// release name) live in namespaces of their own, so nothing collides with other suites' objects. No
// controller-manager pod ever runs (there is no kubelet): the test checks the objects, not the pods.
import { randomBytes, X509Certificate } from 'node:crypto';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultFederatedTypeConfigs } from '../../src/api/default-types.js';
import { defaultKubeFedConfigSpec } from '../../src/api/kubefedconfig.js';
import { renderCrdFiles } from '../../src/api/crd/render.js';
import { repoRoot } from '../harness/binaries.js';
import { kubectl, testEnv, type CommandResult } from '../harness/env.js';
import { Helm } from '../harness/helm.js';

const chartDir = path.join(repoRoot, 'charts', 'kubefed-ts');
const suffix = randomBytes(3).toString('hex');
const RELEASE = 'kubefed-ts'; // full name `kubefed-ts`: objects are `kubefed-ts-controller-manager`, ...
const clusterNs = `kubefed-chart-test-${suffix}-c`;
const namespacedNs = `kubefed-chart-test-${suffix}-n`;
// Rendered-only checks use a namespace that always exists, so the server-side dry run can resolve it.
const renderNs = 'default';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}
interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  verbs: string[];
}
interface Webhook {
  name: string;
  failurePolicy: string;
  sideEffects: string;
  admissionReviewVersions: string[];
  clientConfig: { caBundle: string; service: { name: string; namespace: string; path: string; port: number } };
  rules: Array<{ apiGroups: string[]; resources: string[]; operations: string[]; scope: string }>;
  namespaceSelector?: { matchLabels?: Record<string, string> };
  objectSelector?: unknown;
}
interface Container {
  args: string[];
  livenessProbe: { httpGet: { path: string; port: string | number } };
  readinessProbe: { httpGet: { path: string; port: string | number } };
  securityContext: Record<string, unknown>;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  ports: Array<{ name: string; containerPort: number }>;
}
interface PodSpec {
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes?: Array<{ name: string; secret?: { secretName: string } }>;
}

let helmTool: Helm | undefined;
const hostKubeconfig = (): string => testEnv().clusters.host!.kubeconfigPath;

/** Runs the real helm against the host (test/harness/helm.ts); never throws on failure. */
function helm(args: string[]): Promise<CommandResult> {
  return helmTool!.run(args, hostKubeconfig());
}

async function render(namespace: string, values: string[] = []): Promise<{ text: string; objects: K8sObject[] }> {
  const result = await helm(['template', RELEASE, chartDir, '--namespace', namespace, ...values.flatMap((v) => ['--set', v])]);
  expect(result.code, result.stderr).toBe(0);
  const objects = yaml.loadAll(result.stdout).filter((doc): doc is K8sObject => doc !== null && typeof doc === 'object');
  return { text: result.stdout, objects };
}

const ofKind = (objects: K8sObject[], kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);
function one(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  expect(found.map((o) => o.metadata.name), `exactly one ${kind} ${name ?? ''}`).toHaveLength(1);
  return found[0]!;
}
const rulesOf = (role: K8sObject): PolicyRule[] => role.rules as PolicyRule[];
const podSpecOf = (deployment: K8sObject): PodSpec =>
  (deployment as unknown as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const webhooksOf = (config: K8sObject): Webhook[] => config.webhooks as Webhook[];
const secretData = (secret: K8sObject): Record<string, string> => secret.data as Record<string, string>;

async function getJson(args: string[]): Promise<K8sObject> {
  const result = await kubectl('host', ['get', ...args, '-o', 'json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as K8sObject;
}
async function exists(args: string[]): Promise<boolean> {
  const result = await kubectl('host', ['get', ...args, '--ignore-not-found', '-o', 'name']);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim() !== '';
}

/** The FTCs' identity and spec, without the chart's labels, ordered by name. */
const ftcEssentials = (ftcs: Array<{ metadata: { name?: string; namespace?: string }; spec?: unknown }>) =>
  ftcs
    .map((f) => ({ name: f.metadata.name, namespace: f.metadata.namespace, spec: f.spec }))
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));

beforeAll(async () => {
  helmTool = new Helm();
  // The chart's CRDs (generated copies of crds/), as an operator would install or upgrade them.
  const crdDir = path.join(chartDir, 'crds');
  const applied = await kubectl('host', ['apply', '--server-side', '--force-conflicts', '--field-manager=kubefed-ts-crds', '-f', crdDir]);
  expect(applied.code, applied.stderr).toBe(0);
  const names = [...renderCrdFiles().keys()].map((file) => {
    const [group, plural] = file.replace(/\.yaml$/, '').split('_');
    return `crd/${plural}.${group}`;
  });
  const established = await kubectl('host', ['wait', '--for=condition=Established', '--timeout=60s', ...names]);
  expect(established.code, established.stderr).toBe(0);
});

afterAll(async () => {
  // Idempotent: the uninstall test normally did this already.
  await Promise.all([clusterNs, namespacedNs].map((ns) => helm(['uninstall', RELEASE, '--namespace', ns, '--ignore-not-found'])));
  await kubectl('host', ['delete', 'namespace', clusterNs, namespacedNs, '--wait=false', '--ignore-not-found']);
  helmTool?.close();
});

describe('charts/kubefed-ts rendered', () => {
  it('passes helm lint --strict in both scopes', async () => {
    const results = await Promise.all(
      ['Cluster', 'Namespaced'].map((scope) => helm(['lint', '--strict', chartDir, '--namespace', renderNs, '--set', `scope=${scope}`])),
    );
    for (const result of results) expect(result.code, result.stdout + result.stderr).toBe(0);
  });

  it('rejects values that cannot work', async () => {
    const badScope = await helm(['template', RELEASE, chartDir, '--set', 'scope=Everywhere']);
    expect(badScope.code).not.toBe(0);
    expect(badScope.stderr).toMatch(/scope/);
    const unknownType = await helm(['template', RELEASE, chartDir, '--set', 'federatedTypeConfigs.disabled={jobs}']);
    expect(unknownType.code).not.toBe(0);
    expect(unknownType.stderr).toContain('"jobs" is not a default FederatedTypeConfig');
  });

  it.each(['Cluster', 'Namespaced'])('renders the default FederatedTypeConfigs and KubeFedConfig exactly as the code defines them (%s)', async (scope) => {
    const { objects } = await render(renderNs, [`scope=${scope}`]);
    const ftcs = ofKind(objects, 'FederatedTypeConfig');
    expect(ftcEssentials(ftcs as never)).toEqual(ftcEssentials(defaultFederatedTypeConfigs(renderNs) as never));
    for (const ftc of ftcs) expect(ftc.apiVersion).toBe('core.kubefed.io/v1beta1');

    const config = one(objects, 'KubeFedConfig', 'kubefed');
    expect(config.metadata.namespace).toBe(renderNs);
    // Complete and equal to what the CRD and the controller-manager default to.
    expect(config.spec).toEqual(defaultKubeFedConfigSpec(scope as 'Cluster' | 'Namespaced'));
  });

  it('renders FederatedTypeConfigs listed in federatedTypeConfigs.disabled with propagation Disabled', async () => {
    const { objects } = await render(renderNs, ['federatedTypeConfigs.disabled={jobs.batch,secrets}']);
    const propagation = Object.fromEntries(
      ofKind(objects, 'FederatedTypeConfig').map((f) => [f.metadata.name, (f.spec as { propagation: string }).propagation]),
    );
    expect(propagation).toMatchObject({ 'jobs.batch': 'Disabled', secrets: 'Disabled', configmaps: 'Enabled' });
  });

  it('renders the Deployment with the controller-manager flags, probes, resources and a locked-down security context', async () => {
    const { objects } = await render(renderNs);
    const deployment = one(objects, 'Deployment', `${RELEASE}-controller-manager`);
    expect((deployment.spec as { replicas: number }).replicas).toBe(2);
    const pod = podSpecOf(deployment);
    const container = pod.containers[0]!;
    expect((container as unknown as { image: string }).image).toBe('ghcr.io/kubefed-ts/controller-manager:0.1.0');
    expect(container.args).toEqual([
      `--kubefed-namespace=${renderNs}`,
      '--health-addr=:8080',
      '--metrics-addr=:9090',
      '--webhook-addr=:8443',
      '--webhook-cert-dir=/tmp/k8s-webhook-server/serving-certs',
      '--leader-elect=true',
      '--log-level=info',
    ]);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(container.ports).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'health', containerPort: 8080 }),
        expect.objectContaining({ name: 'metrics', containerPort: 9090 }),
        expect.objectContaining({ name: 'webhook', containerPort: 8443 }),
      ]),
    );
    expect(container.resources.requests).toBeDefined();
    expect(container.resources.limits).toBeDefined();
    expect(container.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.volumeMounts).toContainEqual(
      expect.objectContaining({ name: 'webhook-cert', mountPath: '/tmp/k8s-webhook-server/serving-certs' }),
    );
    expect(pod.volumes).toContainEqual(expect.objectContaining({ name: 'webhook-cert', secret: expect.objectContaining({ secretName: `${RELEASE}-webhook-cert` }) }));

    const metrics = one(objects, 'Service', `${RELEASE}-metrics`);
    expect((metrics.spec as { ports: unknown[] }).ports).toEqual([expect.objectContaining({ name: 'metrics', port: 9090, targetPort: 'metrics' })]);
  });

  it('renders least-privilege RBAC: secrets and leases only in the release namespace, Roles where possible when Namespaced', async () => {
    for (const scope of ['Cluster', 'Namespaced']) {
      const { objects } = await render(renderNs, [`scope=${scope}`]);
      const roles = ofKind(objects, 'Role');
      const clusterRoles = ofKind(objects, 'ClusterRole');
      const allRules = [...roles, ...clusterRoles].flatMap(rulesOf);
      // No wildcard verbs, and nothing is ever deleted on the host.
      for (const rule of allRules) {
        expect(rule.verbs).not.toContain('*');
        expect(rule.verbs).not.toContain('delete');
        expect(rule.verbs).not.toContain('deletecollection');
      }
      // Secrets: read-only, only in a namespaced Role.
      const grants = (r: PolicyRule, group: string, resource: string): boolean =>
        (r.apiGroups ?? []).includes(group) && ((r.resources ?? []).includes(resource) || (r.resources ?? []).includes('*'));
      expect(clusterRoles.flatMap(rulesOf).filter((r) => grants(r, '', 'secrets'))).toEqual([]);
      const secretRules = roles.flatMap(rulesOf).filter((r) => grants(r, '', 'secrets'));
      expect(secretRules).toEqual([{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] }]);
      for (const role of roles) expect(role.metadata.namespace).toBe(renderNs);
      // Leases: namespaced, and only the leader lease can be read or renewed.
      expect(clusterRoles.flatMap(rulesOf).filter((r) => grants(r, 'coordination.k8s.io', 'leases'))).toEqual([]);
      for (const rule of roles.flatMap(rulesOf).filter((r) => grants(r, 'coordination.k8s.io', 'leases'))) {
        if (rule.verbs.some((v) => v !== 'create')) expect(rule.resourceNames).toEqual(['kubefed-controller-manager']);
      }
      // The KubeFed objects of core.kubefed.io live only in the release namespace: never a ClusterRole. The
      // exception, PropagatedVersions, live beside each federated object (or are cluster-scoped).
      const perObject = new Set(['propagatedversions', 'clusterpropagatedversions', 'propagatedversions/status', 'clusterpropagatedversions/status']);
      expect(
        clusterRoles.flatMap(rulesOf).filter((r) => (r.apiGroups ?? []).includes('core.kubefed.io') && !(r.resources ?? []).every((res) => perObject.has(res))),
      ).toEqual([]);
      const fedRule = allRules.find((r) => grants(r, 'types.kubefed.io', '*'));
      expect(fedRule?.verbs.sort()).toEqual(['get', 'list', 'patch', 'update', 'watch']);

      // Cluster-scoped names carry the release namespace, so two releases never collide.
      for (const o of [...clusterRoles, ...ofKind(objects, 'ClusterRoleBinding')]) {
        expect(o.metadata.name.startsWith(`${RELEASE}-${renderNs}-`)).toBe(true);
      }
      if (scope === 'Namespaced') {
        // Only what no Role can grant: namespaces are cluster-scoped.
        expect(clusterRoles.map((r) => r.metadata.name)).toEqual([`${RELEASE}-${renderNs}-namespaces`]);
        expect(rulesOf(clusterRoles[0]!)).toEqual([
          { apiGroups: [''], resources: ['namespaces'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['get', 'list', 'watch'] },
        ]);
        expect(roles.flatMap(rulesOf).some((r) => grants(r, 'types.kubefed.io', '*'))).toBe(true);
      } else {
        expect(clusterRoles.flatMap(rulesOf).some((r) => grants(r, 'types.kubefed.io', '*'))).toBe(true);
        expect(clusterRoles.flatMap(rulesOf).some((r) => grants(r, 'scheduling.kubefed.io', 'replicaschedulingpreferences'))).toBe(true);
      }
      // Every Role and ClusterRole is bound to the chart's ServiceAccount.
      const bindings = [...ofKind(objects, 'RoleBinding'), ...ofKind(objects, 'ClusterRoleBinding')];
      expect(bindings.map((b) => (b.roleRef as { name: string }).name).sort()).toEqual([...roles, ...clusterRoles].map((r) => r.metadata.name).sort());
      for (const b of bindings) {
        expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: `${RELEASE}-controller-manager`, namespace: renderNs }]);
      }
    }
  });

  it("grants KubeFed's ConfigMap or Endpoints leader lock, that one object only, when the KubeFedConfig names it", async () => {
    const lockRules = async (values: string[]) =>
      ofKind((await render(renderNs, values)).objects, 'Role')
        .flatMap(rulesOf)
        .filter((r) => (r.apiGroups ?? []).includes('') && (r.resources ?? []).some((resource) => resource === 'configmaps' || resource === 'endpoints'));
    expect(await lockRules([])).toEqual([]);
    for (const kind of ['configmaps', 'endpoints']) {
      expect(await lockRules([`kubefedConfig.leaderElect.resourceLock=${kind}`])).toEqual([
        { apiGroups: [''], resources: [kind], verbs: ['create'] },
        { apiGroups: [''], resources: [kind], resourceNames: ['kubefed-controller-manager'], verbs: ['get', 'update', 'patch'] },
      ]);
    }
  });

  it('renders the webhook: five validating webhooks on the Service, and a certificate the caBundle verifies', async () => {
    const { objects } = await render(renderNs);
    const config = one(objects, 'ValidatingWebhookConfiguration');
    expect(config.metadata.name).toBe(`${RELEASE}-${renderNs}`);
    const hooks = webhooksOf(config);
    expect(Object.fromEntries(hooks.map((h) => [h.name, h.clientConfig.service.path]))).toEqual({
      'kubefedclusters.core.kubefed.io': '/validate-kubefedcluster',
      'federatedtypeconfigs.core.kubefed.io': '/validate-federatedtypeconfig',
      'kubefedconfigs.core.kubefed.io': '/validate-kubefedconfig',
      'replicaschedulingpreferences.scheduling.kubefed.io': '/validate-replicaschedulingpreference',
      'federated.types.kubefed.io': '/validate-federated',
    });
    const federated = hooks.find((h) => h.name === 'federated.types.kubefed.io')!;
    expect(federated.rules[0]).toMatchObject({ apiGroups: ['types.kubefed.io'], resources: ['*'], operations: ['CREATE', 'UPDATE'] });
    for (const hook of hooks) {
      expect(hook).toMatchObject({ failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'] });
      expect(hook.clientConfig.service).toMatchObject({ name: `${RELEASE}-webhook`, namespace: renderNs, port: 443 });
      expect(hook.namespaceSelector).toBeUndefined(); // scope Cluster: every namespace
    }
    const service = one(objects, 'Service', `${RELEASE}-webhook`);
    expect((service.spec as { ports: unknown[] }).ports).toEqual([expect.objectContaining({ port: 443, targetPort: 'webhook' })]);

    const secret = one(objects, 'Secret', `${RELEASE}-webhook-cert`);
    expect(secret.type).toBe('kubernetes.io/tls');
    const data = secretData(secret);
    expect(hooks.every((h) => h.clientConfig.caBundle === data['ca.crt'])).toBe(true);
    const ca = new X509Certificate(Buffer.from(data['ca.crt']!, 'base64'));
    const cert = new X509Certificate(Buffer.from(data['tls.crt']!, 'base64'));
    expect(ca.ca).toBe(true);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toContain(`DNS:${RELEASE}-webhook.${renderNs}.svc`);
    expect(Buffer.from(data['tls.key']!, 'base64').toString()).toMatch(/-----BEGIN (RSA )?PRIVATE KEY-----/);
  });

  it('renders the mutating webhook that adds the sync finalizer at create: never failing a write, off on request', async () => {
    const { objects } = await render(renderNs);
    const config = one(objects, 'MutatingWebhookConfiguration');
    expect(config.metadata.name).toBe(`${RELEASE}-${renderNs}`);
    const hook = webhooksOf(config).find((h) => h.name === 'sync-finalizer.types.kubefed.io') as (Webhook & { reinvocationPolicy?: string }) | undefined;
    expect(hook).toMatchObject({ failurePolicy: 'Ignore', sideEffects: 'None', reinvocationPolicy: 'Never' });
    expect(hook!.clientConfig.service).toMatchObject({ name: `${RELEASE}-webhook`, namespace: renderNs, path: '/mutate-federated', port: 443 });
    expect(hook!.clientConfig.caBundle).toBe(secretData(one(objects, 'Secret', `${RELEASE}-webhook-cert`))['ca.crt']);
    // Only creates: a finalizer added on update could land after the controller stopped caring.
    expect(hook!.rules).toEqual([{ apiGroups: ['types.kubefed.io'], apiVersions: ['*'], operations: ['CREATE'], resources: ['*'], scope: '*' }]);
    expect(hook!.namespaceSelector).toBeUndefined();

    const namespaced = webhooksOf(one((await render(renderNs, ['scope=Namespaced'])).objects, 'MutatingWebhookConfiguration'))[0]!;
    expect(namespaced.namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': renderNs } });
    expect(namespaced.rules[0]!.scope).toBe('Namespaced');
    const withoutFinalizer = webhooksOf(one((await render(renderNs, ['webhook.addSyncFinalizer=false'])).objects, 'MutatingWebhookConfiguration'));
    expect(withoutFinalizer.map((h) => h.name)).toEqual(['kubefedconfigs.core.kubefed.io']);
    expect(ofKind((await render(renderNs, ['webhook.addSyncFinalizer=false', 'webhook.defaultKubeFedConfig=false'])).objects, 'MutatingWebhookConfiguration')).toEqual([]);
    expect(ofKind((await render(renderNs, ['webhook.enabled=false'])).objects, 'MutatingWebhookConfiguration')).toEqual([]);
  });

  it("renders KubeFed's KubeFedConfig defaulting webhook at /default-kubefedconfig, skipping the chart's own KubeFedConfig", async () => {
    const { objects } = await render(renderNs);
    const hooks = webhooksOf(one(objects, 'MutatingWebhookConfiguration')) as Array<Webhook & { objectSelector?: unknown }>;
    const hook = hooks.find((h) => h.name === 'kubefedconfigs.core.kubefed.io');
    expect(hook).toMatchObject({ failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'] });
    expect(hook!.clientConfig.service).toMatchObject({ name: `${RELEASE}-webhook`, namespace: renderNs, path: '/default-kubefedconfig', port: 443 });
    expect(hook!.rules).toEqual([
      { apiGroups: ['core.kubefed.io'], apiVersions: ['v1beta1'], operations: ['CREATE', 'UPDATE'], resources: ['kubefedconfigs'], scope: 'Namespaced' },
    ]);
    expect(hook!.objectSelector).toEqual({ matchExpressions: [{ key: 'kubefed.io/chart-managed', operator: 'DoesNotExist' }] });
    expect(hook!.namespaceSelector).toBeUndefined();
    const ignoring = webhooksOf(one((await render(renderNs, ['webhook.failurePolicy=Ignore'])).objects, 'MutatingWebhookConfiguration'));
    expect(ignoring.find((h) => h.name === 'kubefedconfigs.core.kubefed.io')!.failurePolicy).toBe('Ignore');
    const withoutDefaults = webhooksOf(one((await render(renderNs, ['webhook.defaultKubeFedConfig=false'])).objects, 'MutatingWebhookConfiguration'));
    expect(withoutDefaults.map((h) => h.name)).toEqual(['sync-finalizer.types.kubefed.io']);
  });

  it('scopes the webhook to the release namespace when Namespaced, and leaves it out entirely when disabled', async () => {
    const namespaced = await render(renderNs, ['scope=Namespaced']);
    for (const hook of webhooksOf(one(namespaced.objects, 'ValidatingWebhookConfiguration'))) {
      expect(hook.namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': renderNs } });
      expect(hook.rules[0]!.scope).toBe('Namespaced');
    }

    const disabled = await render(renderNs, ['webhook.enabled=false']);
    expect(ofKind(disabled.objects, 'ValidatingWebhookConfiguration')).toEqual([]);
    expect(ofKind(disabled.objects, 'Secret')).toEqual([]);
    expect(disabled.objects.filter((o) => o.metadata.name === `${RELEASE}-webhook`)).toEqual([]);
    const container = podSpecOf(one(disabled.objects, 'Deployment')).containers[0]!;
    expect(container.args.filter((a) => a.startsWith('--webhook'))).toEqual([]);
    expect((container.volumeMounts ?? []).map((m) => m.name)).not.toContain('webhook-cert');
  });

  it('renders a ServiceMonitor only when metrics.serviceMonitor.enabled', async () => {
    const [plain, monitored] = await Promise.all([render(renderNs), render(renderNs, ['metrics.serviceMonitor.enabled=true'])]);
    expect(ofKind(plain.objects, 'ServiceMonitor')).toEqual([]);
    const monitor = one(monitored.objects, 'ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect((monitor.spec as { endpoints: unknown[] }).endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
  });

  it('renders the status page flag, port and Service only when ui.enabled', async () => {
    const [plain, withUi] = await Promise.all([render(renderNs), render(renderNs, ['ui.enabled=true', 'ui.port=8181', 'ui.service.type=NodePort'])]);
    const containerOf = (objects: K8sObject[]) => podSpecOf(one(objects, 'Deployment', `${RELEASE}-controller-manager`)).containers[0]!;
    expect(containerOf(plain.objects).args.filter((a) => a.startsWith('--ui-addr'))).toEqual([]);
    expect(containerOf(plain.objects).ports.map((p) => p.name)).not.toContain('ui');
    expect(ofKind(plain.objects, 'Service').map((s) => s.metadata.name)).not.toContain(`${RELEASE}-ui`);

    expect(containerOf(withUi.objects).args).toContain('--ui-addr=:8181');
    expect(containerOf(withUi.objects).ports).toContainEqual(expect.objectContaining({ name: 'ui', containerPort: 8181 }));
    const service = one(withUi.objects, 'Service', `${RELEASE}-ui`);
    expect(service.spec).toMatchObject({ type: 'NodePort', ports: [{ name: 'http', port: 80, targetPort: 'ui', protocol: 'TCP' }] });
    const result = await kubectl('host', ['apply', '--dry-run=server', '--server-side', '--field-manager=kubefed-ts-chart-test', '-f', '-'], withUi.text);
    expect(result.code, result.stderr).toBe(0);
  });

  it.each(['Cluster', 'Namespaced'])('renders manifests the real API server accepts (server-side dry run, %s)', async (scope) => {
    const { text, objects } = await render(renderNs, [`scope=${scope}`]);
    const result = await kubectl('host', ['apply', '--dry-run=server', '--server-side', '--field-manager=kubefed-ts-chart-test', '-f', '-'], text);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(objects.length);
  });
});

describe('charts/kubefed-ts installed on the host', () => {
  const kfc = (namespace: string) =>
    JSON.stringify({
      apiVersion: 'core.kubefed.io/v1beta1',
      kind: 'KubeFedCluster',
      metadata: { name: 'probe', namespace },
      spec: { apiEndpoint: 'https://127.0.0.1:6443', secretRef: { name: 'probe' } },
    });

  beforeAll(async () => {
    // The same release name in two namespaces: cluster-scoped objects must not collide. Scope Cluster has no
    // webhook (it would validate, and with no pod behind it block, every suite's kubefed objects); scope
    // Namespaced registers its webhook for its own namespace only.
    const installs = await Promise.all([
      helm(['install', RELEASE, chartDir, '--namespace', clusterNs, '--create-namespace', '--set', 'webhook.enabled=false']),
      helm(['install', RELEASE, chartDir, '--namespace', namespacedNs, '--create-namespace', '--set', 'scope=Namespaced']),
    ]);
    for (const result of installs) expect(result.code, result.stderr).toBe(0);
  });

  it('creates the Deployment as rendered (probes, security context, service account)', async () => {
    const deployment = await getJson(['deployment', `${RELEASE}-controller-manager`, '-n', clusterNs]);
    const pod = podSpecOf(deployment);
    const container = pod.containers[0]!;
    expect(container.args).toContain(`--kubefed-namespace=${clusterNs}`);
    expect(container.args).toContain('--leader-elect=true');
    expect(container.livenessProbe.httpGet).toMatchObject({ path: '/healthz', port: 'health' });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 'health' });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect((pod as unknown as { serviceAccountName: string }).serviceAccountName).toBe(`${RELEASE}-controller-manager`);
    expect(await exists(['serviceaccount', `${RELEASE}-controller-manager`, '-n', clusterNs])).toBe(true);
    expect(await exists(['service', `${RELEASE}-metrics`, '-n', clusterNs])).toBe(true);
  });

  it('creates the KubeFedConfig and the default FederatedTypeConfigs in each release namespace', async () => {
    for (const [ns, scope] of [
      [clusterNs, 'Cluster'],
      [namespacedNs, 'Namespaced'],
    ] as const) {
      const config = await getJson(['kubefedconfig', 'kubefed', '-n', ns]);
      expect(config.spec).toEqual(defaultKubeFedConfigSpec(scope));
      const list = (await getJson(['federatedtypeconfigs', '-n', ns])) as unknown as { items: K8sObject[] };
      expect(ftcEssentials(list.items as never)).toEqual(ftcEssentials(defaultFederatedTypeConfigs(ns) as never));
    }
  });

  it('grants secrets in a namespaced Role only, and uses Roles for scope Namespaced', async () => {
    const role = await getJson(['role', `${RELEASE}-controller-manager`, '-n', clusterNs]);
    expect(rulesOf(role)).toContainEqual({ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list', 'watch'] });
    // Scope Cluster federates everywhere: a ClusterRole; scope Namespaced: a Role.
    expect(await exists(['clusterrole', `${RELEASE}-${clusterNs}-workloads`])).toBe(true);
    expect(await exists(['clusterrole', `${RELEASE}-${namespacedNs}-workloads`])).toBe(false);
    expect(await exists(['role', `${RELEASE}-controller-manager-workloads`, '-n', namespacedNs])).toBe(true);
    for (const ns of [clusterNs, namespacedNs]) {
      expect(await exists(['clusterrole', `${RELEASE}-${ns}-namespaces`])).toBe(true);
      expect(await exists(['clusterrolebinding', `${RELEASE}-${ns}-namespaces`])).toBe(true);
    }
    // The API server's own authorizer agrees with the intent.
    const can = async (ns: string, ...args: string[]): Promise<string> => {
      const result = await kubectl('host', ['auth', 'can-i', ...args, `--as=system:serviceaccount:${ns}:${RELEASE}-controller-manager`]);
      return result.stdout.trim();
    };
    expect(await can(clusterNs, 'list', 'secrets', '-n', clusterNs)).toBe('yes');
    expect(await can(clusterNs, 'list', 'secrets', '-n', 'default')).toBe('no');
    expect(await can(clusterNs, 'patch', 'federateddeployments.types.kubefed.io', '-n', 'default')).toBe('yes');
    expect(await can(clusterNs, 'create', 'federateddeployments.types.kubefed.io', '-n', 'default')).toBe('no');
    expect(await can(clusterNs, 'update', 'leases.coordination.k8s.io/kubefed-controller-manager', '-n', clusterNs)).toBe('yes');
    expect(await can(clusterNs, 'update', 'leases.coordination.k8s.io/other', '-n', clusterNs)).toBe('no');
    expect(await can(namespacedNs, 'patch', 'federateddeployments.types.kubefed.io', '-n', namespacedNs)).toBe('yes');
    expect(await can(namespacedNs, 'patch', 'federateddeployments.types.kubefed.io', '-n', 'default')).toBe('no');
    expect(await can(namespacedNs, 'list', 'namespaces')).toBe('yes');
  });

  it('registers the Namespaced release webhook for its own namespace only', async () => {
    expect(await exists(['validatingwebhookconfiguration', `${RELEASE}-${clusterNs}`])).toBe(false);
    const config = await getJson(['validatingwebhookconfiguration', `${RELEASE}-${namespacedNs}`]);
    const secret = await getJson(['secret', `${RELEASE}-webhook-cert`, '-n', namespacedNs]);
    const mutating = await getJson(['mutatingwebhookconfiguration', `${RELEASE}-${namespacedNs}`]);
    for (const hook of [...webhooksOf(config), ...webhooksOf(mutating)]) {
      expect(hook.namespaceSelector?.matchLabels).toEqual({ 'kubernetes.io/metadata.name': namespacedNs });
      expect(hook.clientConfig.caBundle).toBe(secretData(secret)['ca.crt']);
    }
    // The API server calls it for a KubeFedCluster in that namespace (and, with no pod behind the Service,
    // fails closed), but not in the other release's namespace.
    const blocked = await kubectl('host', ['create', '--dry-run=server', '-f', '-'], kfc(namespacedNs));
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain('kubefedclusters.core.kubefed.io');
    const allowed = await kubectl('host', ['create', '--dry-run=server', '-f', '-'], kfc(clusterNs));
    expect(allowed.code, allowed.stderr).toBe(0);
    // Objects labelled as the chart's own skip it: that is how helm could create the FederatedTypeConfigs
    // and the KubeFedConfig above before any webhook pod exists.
    const podsFtc = (labels: Record<string, string>) =>
      JSON.stringify({
        apiVersion: 'core.kubefed.io/v1beta1',
        kind: 'FederatedTypeConfig',
        metadata: { name: 'pods', namespace: namespacedNs, labels },
        spec: {
          targetType: { version: 'v1', kind: 'Pod', pluralName: 'pods', scope: 'Namespaced' },
          propagation: 'Enabled',
          federatedType: { group: 'types.kubefed.io', version: 'v1beta1', kind: 'FederatedPod', pluralName: 'federatedpods', scope: 'Namespaced' },
        },
      });
    const unlabelled = await kubectl('host', ['create', '--dry-run=server', '-f', '-'], podsFtc({}));
    expect(unlabelled.code).not.toBe(0);
    expect(unlabelled.stderr).toContain('federatedtypeconfigs.core.kubefed.io');
    const labelled = await kubectl('host', ['create', '--dry-run=server', '-f', '-'], podsFtc({ 'kubefed.io/chart-managed': 'true' }));
    expect(labelled.code, labelled.stderr).toBe(0);
  });

  it('upgrades without rotating the webhook certificate', async () => {
    const before = secretData(await getJson(['secret', `${RELEASE}-webhook-cert`, '-n', namespacedNs]));
    const upgraded = await helm(['upgrade', RELEASE, chartDir, '--namespace', namespacedNs, '--reuse-values', '--set', 'logLevel=debug']);
    expect(upgraded.code, upgraded.stderr).toBe(0);
    const after = secretData(await getJson(['secret', `${RELEASE}-webhook-cert`, '-n', namespacedNs]));
    expect(after).toEqual(before);
    const config = await getJson(['validatingwebhookconfiguration', `${RELEASE}-${namespacedNs}`]);
    expect(webhooksOf(config).every((h) => h.clientConfig.caBundle === before['ca.crt'])).toBe(true);
    const deployment = await getJson(['deployment', `${RELEASE}-controller-manager`, '-n', namespacedNs]);
    expect(podSpecOf(deployment).containers[0]!.args).toContain('--log-level=debug');
    const status = await helm(['status', RELEASE, '--namespace', namespacedNs, '-o', 'json']);
    expect((JSON.parse(status.stdout) as { version: number }).version).toBe(2);
  });

  it('uninstalls cleanly, cluster-scoped objects included', async () => {
    const results = await Promise.all([clusterNs, namespacedNs].map((ns) => helm(['uninstall', RELEASE, '--namespace', ns, '--wait'])));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    for (const ns of [clusterNs, namespacedNs]) {
      expect(await exists(['clusterrole', `${RELEASE}-${ns}-namespaces`])).toBe(false);
      expect(await exists(['clusterrolebinding', `${RELEASE}-${ns}-namespaces`])).toBe(false);
      expect(await exists(['clusterrole', `${RELEASE}-${ns}-workloads`])).toBe(false);
      expect(await exists(['validatingwebhookconfiguration', `${RELEASE}-${ns}`])).toBe(false);
      expect(await exists(['kubefedconfig', 'kubefed', '-n', ns])).toBe(false);
      expect(await exists(['federatedtypeconfigs', '-n', ns])).toBe(false);
      expect(await exists(['deployment', `${RELEASE}-controller-manager`, '-n', ns])).toBe(false);
    }
    // CRDs stay (helm never deletes them).
    expect(await exists(['crd', 'kubefedconfigs.core.kubefed.io'])).toBe(true);
  });
});

// kubefedctl against the real host + 2 member API servers: join (token issued by the member's token
// controller, cluster reported Ready by the in-process controller-manager), enable of a CRD-defined type,
// federate with propagation to the members, orphaning-deletion, disable, unjoin (also of an unreachable
// member) and the errors users meet. The CLI runs in-process through `run`; one test spawns the built binary.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerManager } from '../../src/manager/controller-manager.js';
import { run } from '../../src/kubefedctl/cli.js';
import { repoRoot } from '../harness/binaries.js';
import { kubeConfigFor, runCommand, testEnv } from '../harness/env.js';
import { captureFile } from '../harness/log-capture.js';
import {
  createDefaultTypeConfigs,
  customObjects,
  getOrUndefined,
  installCrds,
  KUBEFED_NS,
  startManager,
  waitUntil,
} from '../harness/federation.js';

type Obj = Record<string, any>;

const suffix = Date.now().toString(36);
const ns = `kctl-${suffix}`;
const CORE = { group: 'core.kubefed.io', version: 'v1beta1' };
const TYPES = { group: 'types.kubefed.io', version: 'v1beta1' };
// A type of our own, so that no other suite's CRDs are touched.
const TARGET = { group: 'kctl.example.io', version: 'v1', plural: 'contraptions' };
const TARGET_CRD = `${TARGET.plural}.${TARGET.group}`;
const FED_PLURAL = 'federatedcontraptions';
const FED_CRD = `${FED_PLURAL}.${TYPES.group}`;
const NOBODY_SA = `kctl-nobody-${suffix}`;

let host: KubeConfig;
let member1: KubeConfig;
let member2: KubeConfig;
let manager: ControllerManager | undefined;
let tmp: string;
/** The combined kubeconfig plus contexts `unreachable` (a closed port) and `nobody` (a token without rights). */
let kubeconfigPath: string;

async function kubefedctl(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await run(['--kubeconfig', kubeconfigPath, ...argv], {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  // What the CLI printed is scanned for credentials with the suite's logs.
  captureFile('kubefedctl', { shared: true })?.write(stdout + stderr);
  return { code, stdout, stderr };
}

const kfc = (name: string) =>
  getOrUndefined(customObjects(host).getNamespacedCustomObject({ ...CORE, plural: 'kubefedclusters', namespace: KUBEFED_NS, name })) as Promise<Obj | undefined>;
const ftc = (name: string) =>
  getOrUndefined(customObjects(host).getNamespacedCustomObject({ ...CORE, plural: 'federatedtypeconfigs', namespace: KUBEFED_NS, name })) as Promise<Obj | undefined>;
const fedContraption = (name: string) =>
  getOrUndefined(customObjects(host).getNamespacedCustomObject({ ...TYPES, plural: FED_PLURAL, namespace: ns, name })) as Promise<Obj | undefined>;
const contraption = (kc: KubeConfig, name: string) =>
  getOrUndefined(customObjects(kc).getNamespacedCustomObject({ ...TARGET, namespace: ns, name })) as Promise<Obj | undefined>;
const crd = (kc: KubeConfig, name: string) =>
  getOrUndefined(customObjects(kc).getClusterCustomObject({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', name })) as Promise<Obj | undefined>;
const serviceAccount = (kc: KubeConfig, name: string) => getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespacedServiceAccount({ name, namespace: KUBEFED_NS }));
const secret = (kc: KubeConfig, name: string) => getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name, namespace: KUBEFED_NS }));
const clusterRole = (kc: KubeConfig, name: string) => getOrUndefined(kc.makeApiClient(RbacAuthorizationV1Api).readClusterRole({ name }));
const clusterRoleBinding = (kc: KubeConfig, name: string) => getOrUndefined(kc.makeApiClient(RbacAuthorizationV1Api).readClusterRoleBinding({ name }));

function readyOf(cluster: Obj | undefined): string | undefined {
  return cluster?.status?.conditions?.find((c: { type: string }) => c.type === 'Ready')?.status;
}

const targetCrdYaml = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${TARGET_CRD}
spec:
  group: ${TARGET.group}
  names: {kind: Contraption, listKind: ContraptionList, plural: ${TARGET.plural}, singular: contraption, shortNames: [ctr]}
  scope: Namespaced
  versions:
  - name: ${TARGET.version}
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          apiVersion: {type: string}
          kind: {type: string}
          metadata: {type: object}
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
              color: {type: string, enum: [red, green, blue]}
              port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
              parts:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items: {type: object, required: [name], properties: {name: {type: string}, count: {type: integer}}}
            x-kubernetes-validations:
            - {rule: "self.size < 100", message: size must be below 100}
          status:
            type: object
            properties: {ready: {type: boolean}}
`;

/** A port nothing listens on: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function writeKubeconfig(): Promise<void> {
  const combined = yaml.load(await readFile(testEnv().kubeconfigPath, 'utf8')) as Obj;
  const member2Cluster = combined.clusters.find((c: Obj) => c.name === 'member2');
  const hostCluster = combined.clusters.find((c: Obj) => c.name === 'host');
  // A service account in the host with no role at all.
  const core = host.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: NOBODY_SA } } });
  const request = await core.createNamespacedServiceAccountToken({ name: NOBODY_SA, namespace: 'default', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  combined.clusters.push(
    { name: 'unreachable', cluster: { ...member2Cluster.cluster, server: `https://127.0.0.1:${await closedPort()}` } },
  );
  combined.users.push({ name: 'nobody', user: { token: request.status!.token } });
  const member2User = combined.contexts.find((c: Obj) => c.name === 'member2').context.user;
  combined.contexts.push(
    { name: 'unreachable', context: { cluster: 'unreachable', user: member2User } },
    { name: 'nobody', context: { cluster: hostCluster.name, user: 'nobody' } },
  );
  kubeconfigPath = path.join(tmp, 'kubeconfig');
  await writeFile(kubeconfigPath, yaml.dump(combined), { mode: 0o600 });
}

beforeAll(async () => {
  host = kubeConfigFor('host');
  member1 = kubeConfigFor('member1');
  member2 = kubeConfigFor('member2');
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kubefedctl-it-'));
  const env = testEnv();
  await installCrds(env.clusters.host!.kubeconfigPath);
  if (!(await getOrUndefined(host.makeApiClient(CoreV1Api).readNamespace({ name: KUBEFED_NS })))) {
    await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: KUBEFED_NS } } });
  }
  await createDefaultTypeConfigs(host);
  const targetCrdFile = path.join(tmp, 'contraptions.yaml');
  await writeFile(targetCrdFile, targetCrdYaml);
  for (const cluster of ['host', 'member1', 'member2']) await installCrds(env.clusters[cluster]!.kubeconfigPath, [targetCrdFile]);
  await writeKubeconfig();
  manager = await startManager(host);
}, 120_000);

afterAll(async () => {
  // Best effort: whatever a failed test left behind, removed while the manager still runs.
  await getOrUndefined(customObjects(host).deleteNamespacedCustomObject({ ...TYPES, plural: FED_PLURAL, namespace: ns, name: 'c1' }));
  await getOrUndefined(customObjects(host).deleteNamespacedCustomObject({ ...TYPES, plural: 'federatednamespaces', namespace: ns, name: ns }));
  for (const name of ['kctl-member1', 'kctl-member2', 'kctl-member3']) {
    if (await kfc(name)) await kubefedctl('--host-cluster-context', 'host', 'unjoin', name, '--cluster-context', name === 'kctl-member1' ? 'member1' : 'member2', '--force');
  }
  if (await ftc(TARGET_CRD)) await kubefedctl('--host-cluster-context', 'host', 'disable', TARGET_CRD, '--delete-crd', '--force', '--wait', '5');
  await manager?.stop();
  for (const kc of [host, member1, member2]) {
    await getOrUndefined(kc.makeApiClient(CoreV1Api).deleteNamespace({ name: ns }));
    await getOrUndefined(customObjects(kc).deleteClusterCustomObject({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', name: TARGET_CRD }));
  }
  await getOrUndefined(host.makeApiClient(CoreV1Api).deleteNamespacedServiceAccount({ name: NOBODY_SA, namespace: 'default' }));
  if (tmp) await rm(tmp, { recursive: true, force: true });
}, 120_000);

describe('kubefedctl join', () => {
  it('joins both members; the controller-manager reports them Ready', async () => {
    for (const [name, context] of [['kctl-member1', 'member1'], ['kctl-member2', 'member2']] as const) {
      const { code, stdout, stderr } = await kubefedctl('join', name, '--cluster-context', context, '--host-cluster-context', 'host');
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(stdout).toContain(`${context}: serviceaccount/${name}-host created in namespace ${KUBEFED_NS}`);
      expect(stdout).toContain(`${context}: clusterrolebinding.rbac.authorization.k8s.io/kubefed-controller-manager:${name}-host created`);
      expect(stdout).toContain(`host: kubefedcluster.core.kubefed.io/${name} created in namespace ${KUBEFED_NS}`);
    }
    for (const name of ['kctl-member1', 'kctl-member2']) {
      await expect.poll(async () => readyOf(await kfc(name)), { timeout: 20_000 }).toBe('True');
    }
    await waitUntil('the registry sees both members ready', () =>
      ['kctl-member1', 'kctl-member2'].every((name) => manager!.registry.clusters().some((c) => c.name === name && c.ready)),
    );
  });

  it('records the member endpoint and CA, and a token that works against the member', async () => {
    const cluster = (await kfc('kctl-member1'))!;
    expect(cluster.spec.apiEndpoint).toBe(testEnv().clusters.member1!.server);
    expect(cluster.spec.caBundle).toBe(member1.getCurrentCluster()!.caData);
    const hostSecret = (await secret(host, cluster.spec.secretRef.name))!;
    expect(hostSecret.metadata?.name).toMatch(/^kctl-member1-[a-z0-9]{5}$/);
    const token = Buffer.from(hostSecret.data!.token!, 'base64').toString('utf8');
    // The member issued it for the joined ServiceAccount (a legacy token Secret, filled in by its controller).
    const memberSecret = (await secret(member1, 'kctl-member1-host'))!;
    expect(memberSecret.type).toBe('kubernetes.io/service-account-token');
    expect(Buffer.from(memberSecret.data!.token!, 'base64').toString('utf8')).toBe(token);
    const asController = new KubeConfig();
    asController.loadFromOptions({
      clusters: [{ name: 'm', server: cluster.spec.apiEndpoint, caData: cluster.spec.caBundle }],
      users: [{ name: 'sa', token }],
      contexts: [{ name: 'm', cluster: 'm', user: 'sa' }],
      currentContext: 'm',
    });
    const namespaces = await asController.makeApiClient(CoreV1Api).listNamespace();
    expect(namespaces.items.map((n) => n.metadata?.name)).toContain(KUBEFED_NS);
  });

  it('is idempotent: a second join updates in place', async () => {
    const before = (await kfc('kctl-member1'))!;
    const { code, stdout } = await kubefedctl('--host-cluster-context', 'host', 'join', 'kctl-member1', '--cluster-context', 'member1');
    expect(code).toBe(0);
    expect(stdout).toContain('member1: serviceaccount/kctl-member1-host unchanged');
    expect(stdout).toContain('host: kubefedcluster.core.kubefed.io/kctl-member1 unchanged');
    const after = (await kfc('kctl-member1'))!;
    expect(after.spec.secretRef.name).toBe(before.spec.secretRef.name);
    const secrets = await host.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: KUBEFED_NS });
    expect(secrets.items.filter((s) => s.metadata?.name?.startsWith('kctl-member1-'))).toHaveLength(1);
    expect(readyOf(after)).toBe('True');
  });

  it('--dry-run prints what it would create and creates nothing', async () => {
    const { code, stdout } = await kubefedctl('--host-cluster-context', 'host', 'join', 'kctl-dry', '--cluster-context', 'member1', '--dry-run');
    expect(code).toBe(0);
    const docs = yaml.loadAll(stdout) as Obj[];
    expect(docs.map((d) => d.kind)).toEqual(['Namespace', 'ServiceAccount', 'Secret', 'ClusterRole', 'ClusterRoleBinding', 'Secret', 'KubeFedCluster']);
    expect(docs[6]!.spec.apiEndpoint).toBe(testEnv().clusters.member1!.server);
    expect(await kfc('kctl-dry')).toBeUndefined();
    expect(await serviceAccount(member1, 'kctl-dry-host')).toBeUndefined();
    expect(await clusterRole(member1, 'kubefed-controller-manager:kctl-dry-host')).toBeUndefined();
  });
});

describe('kubefedctl enable, federate, orphaning-deletion and disable', () => {
  it('enable -o yaml prints a Deployment CRD whose template is typed, and applies nothing', async () => {
    const before = await crd(host, 'federateddeployments.types.kubefed.io');
    const { code, stdout } = await kubefedctl('--host-cluster-context', 'host', 'enable', 'deployments.apps', '-o', 'yaml');
    expect(code).toBe(0);
    const [generated, typeConfig] = yaml.loadAll(stdout) as Obj[];
    expect(generated!.metadata.name).toBe('federateddeployments.types.kubefed.io');
    const spec = generated!.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties;
    expect(spec.template.properties.spec.properties.replicas).toEqual({ type: 'integer', format: 'int32' });
    expect(spec.template.properties.metadata).toEqual({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
    expect(spec.template.properties.status).toBeUndefined();
    expect(spec.retainReplicas.type).toBe('boolean');
    expect(typeConfig).toMatchObject({ kind: 'FederatedTypeConfig', metadata: { name: 'deployments.apps', namespace: KUBEFED_NS } });
    const after = await crd(host, 'federateddeployments.types.kubefed.io');
    expect(after?.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);
  });

  it('enables a CRD-defined type with its schema as the template schema', async () => {
    const { code, stdout, stderr } = await kubefedctl('--host-cluster-context', 'host', 'enable', TARGET_CRD);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(
      `customresourcedefinition.apiextensions.k8s.io/${FED_CRD} created\n` +
        `federatedtypeconfig.core.kubefed.io/${TARGET_CRD} created in namespace ${KUBEFED_NS}\n`,
    );
    const generated = (await crd(host, FED_CRD))!;
    expect(generated.spec.names).toMatchObject({ kind: 'FederatedContraption', shortNames: ['fctr'] });
    const template = generated.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.template;
    expect(template.properties.spec.properties.size).toEqual({ type: 'integer', minimum: 1 });
    expect(template.properties.spec.properties.port).toEqual({ 'x-kubernetes-int-or-string': true });
    await expect.poll(async () => (await ftc(TARGET_CRD))?.status?.propagationController, { timeout: 20_000 }).toBe('Running');
    // Enabling again changes nothing.
    const again = await kubefedctl('--host-cluster-context', 'host', 'enable', 'ctr');
    expect(again.stdout).toContain(`federatedtypeconfig.core.kubefed.io/${TARGET_CRD} unchanged`);
  });

  it('federates a namespace and an existing object in it; both members get the object', async () => {
    await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    await customObjects(host).createNamespacedCustomObject({
      ...TARGET,
      namespace: ns,
      body: {
        apiVersion: `${TARGET.group}/${TARGET.version}`,
        kind: 'Contraption',
        metadata: { name: 'c1', namespace: ns, labels: { app: 'demo' } },
        spec: { size: 3, color: 'blue', port: 'http', parts: [{ name: 'gear', count: 2 }] },
      },
    });
    const federatedNs = await kubefedctl('--host-cluster-context', 'host', 'federate', 'namespace', ns);
    expect(federatedNs.code).toBe(0);
    expect(federatedNs.stdout).toBe(
      'Resource to federate is a namespace. Given namespace will itself be the container for the federated namespace\n' +
        `Successfully created FederatedNamespace "${ns}/${ns}" from Namespace\n`,
    );
    const federated = await kubefedctl('--host-cluster-context', 'host', 'federate', 'contraption', 'c1', '-n', ns);
    expect(federated.stderr).toBe('');
    expect(federated.code).toBe(0);
    expect(federated.stdout).toBe(`Successfully created FederatedContraption "${ns}/c1" from Contraption\n`);
    const fed = (await fedContraption('c1'))!;
    expect(fed.spec).toEqual({
      template: { metadata: { labels: { app: 'demo' } }, spec: { size: 3, color: 'blue', port: 'http', parts: [{ name: 'gear', count: 2 }] } },
      placement: { clusterSelector: { matchLabels: {} } },
    });
    for (const kc of [member1, member2]) {
      await expect.poll(async () => (await contraption(kc, 'c1'))?.spec, { timeout: 30_000 }).toEqual({
        size: 3,
        color: 'blue',
        port: 'http',
        parts: [{ name: 'gear', count: 2 }],
      });
      expect((await contraption(kc, 'c1'))!.metadata.labels).toMatchObject({ app: 'demo', 'kubefed.io/managed': 'true' });
    }
    // Federating it again is refused with a reason.
    const twice = await kubefedctl('--host-cluster-context', 'host', 'federate', 'contraption', 'c1', '-n', ns);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`FederatedContraption "${ns}/c1" already exists`);
  });

  it('orphaning-deletion enable, status and disable round-trip on the fed object', async () => {
    const status = (type: string) => kubefedctl('--host-cluster-context', 'host', 'orphaning-deletion', 'status', type, 'c1', '-n', ns);
    expect((await status('contraptions')).stdout).toBe('Disabled\n');
    const enabled = await kubefedctl('--host-cluster-context', 'host', 'orphaning-deletion', 'enable', 'FederatedContraption', 'c1', '-n', ns);
    expect(enabled.code).toBe(0);
    expect((await fedContraption('c1'))!.metadata.annotations).toEqual({ 'kubefed.io/orphan': 'true' });
    expect((await status(TARGET_CRD)).stdout).toBe('Enabled\n');
    const disabled = await kubefedctl('--host-cluster-context', 'host', 'orphaning-deletion', 'disable', 'ctr', 'c1', '-n', ns);
    expect(disabled.code).toBe(0);
    expect((await fedContraption('c1'))!.metadata.annotations?.['kubefed.io/orphan']).toBeUndefined();
    expect((await status('contraptions')).stdout).toBe('Disabled\n');
  });

  it('explains a missing permission, naming the context, the verb and the resource', async () => {
    const { code, stderr } = await kubefedctl('--host-cluster-context', 'nobody', 'orphaning-deletion', 'status', 'contraptions', 'c1', '-n', ns);
    expect(code).toBe(1);
    expect(stderr).toContain(
      `error: the identity of context "nobody" may not list federatedtypeconfigs.core.kubefed.io in namespace "${KUBEFED_NS}"; ` +
        `ask the cluster's administrator for a role granting "list" on "federatedtypeconfigs" in API group "core.kubefed.io" in namespace "${KUBEFED_NS}"`,
    );
  });

  it('names an unknown context and lists the available ones', async () => {
    const { code, stderr } = await kubefedctl('--host-cluster-context', 'host', 'join', 'kctl-x', '--cluster-context', 'member9');
    expect(code).toBe(1);
    expect(stderr).toBe(`error: context "member9" not found in kubeconfig ${kubeconfigPath}; available contexts: host, member1, member2, unreachable, nobody\n`);
  });

  it('disable --delete-crd refuses while fed objects exist and changes nothing', async () => {
    const { code, stderr } = await kubefedctl('--host-cluster-context', 'host', 'disable', TARGET_CRD, '--delete-crd');
    expect(code).toBe(1);
    expect(stderr).toContain(`cannot delete CRD ${FED_CRD}: 1 FederatedContraption object(s) still exist (${ns}/c1)`);
    expect((await ftc(TARGET_CRD))!.spec.propagation).toBe('Enabled');
  });

  it('disable --delete-crd, once the fed objects are gone, stops the type and removes its CRD and FTC', async () => {
    await customObjects(host).deleteNamespacedCustomObject({ ...TYPES, plural: FED_PLURAL, namespace: ns, name: 'c1' });
    for (const kc of [member1, member2]) await expect.poll(() => contraption(kc, 'c1'), { timeout: 30_000 }).toBeUndefined();
    await expect.poll(() => fedContraption('c1'), { timeout: 20_000 }).toBeUndefined();
    const { code, stdout } = await kubefedctl('--host-cluster-context', 'host', 'disable', TARGET_CRD, '--delete-crd');
    expect(code).toBe(0);
    expect(stdout).toBe(
      `Disabled propagation for FederatedTypeConfig "${KUBEFED_NS}/${TARGET_CRD}"\n` +
        `Verifying propagation controller is stopped for FederatedTypeConfig "${KUBEFED_NS}/${TARGET_CRD}"\n` +
        `Propagation controller for FederatedTypeConfig "${KUBEFED_NS}/${TARGET_CRD}" is stopped\n` +
        `customresourcedefinition.apiextensions.k8s.io/${FED_CRD} deleted\n` +
        `federatedtypeconfig.core.kubefed.io/${TARGET_CRD} deleted in namespace ${KUBEFED_NS}\n`,
    );
    await expect.poll(() => crd(host, FED_CRD), { timeout: 20_000 }).toBeUndefined();
    await expect.poll(() => ftc(TARGET_CRD), { timeout: 20_000 }).toBeUndefined();
    // The federated namespace goes too, before the members are unjoined.
    await customObjects(host).deleteNamespacedCustomObject({ ...TYPES, plural: 'federatednamespaces', namespace: ns, name: ns });
    for (const kc of [member1, member2]) {
      await expect.poll(async () => {
        const namespace = await getOrUndefined(kc.makeApiClient(CoreV1Api).readNamespace({ name: ns }));
        return !namespace || !!namespace.metadata?.deletionTimestamp;
      }, { timeout: 30_000 }).toBe(true);
    }
  });
});

describe('kubefedctl unjoin', () => {
  it('removes the KubeFedCluster and its Secret in the host and everything join made in the member', async () => {
    const secretName = (await kfc('kctl-member1'))!.spec.secretRef.name as string;
    const { code, stdout } = await kubefedctl('--host-cluster-context', 'host', 'unjoin', 'kctl-member1', '--cluster-context', 'member1');
    expect(code).toBe(0);
    expect(stdout).toContain('Cluster "kctl-member1" unjoined.');
    expect(await kfc('kctl-member1')).toBeUndefined();
    expect(await secret(host, secretName)).toBeUndefined();
    expect(await serviceAccount(member1, 'kctl-member1-host')).toBeUndefined();
    expect(await secret(member1, 'kctl-member1-host')).toBeUndefined();
    expect(await clusterRole(member1, 'kubefed-controller-manager:kctl-member1-host')).toBeUndefined();
    expect(await clusterRoleBinding(member1, 'kubefed-controller-manager:kctl-member1-host')).toBeUndefined();
    // The namespace may hold other joins' accounts (here: kctl-member2 is not in member1, but others' are).
    expect(await getOrUndefined(member1.makeApiClient(CoreV1Api).readNamespace({ name: KUBEFED_NS }))).toBeDefined();
    await waitUntil('the registry forgets kctl-member1', () => !manager!.registry.clusters().some((c) => c.name === 'kctl-member1'));
  });

  it('with an unreachable member, removes the host side and lists exactly what stayed in the member', async () => {
    const joined = await kubefedctl('--host-cluster-context', 'host', 'join', 'kctl-member3', '--cluster-context', 'member2');
    expect(joined.code).toBe(0);
    const { code, stdout, stderr } = await kubefedctl('--host-cluster-context', 'host', 'unjoin', 'kctl-member3', '--cluster-context', 'unreachable');
    expect(code).toBe(1);
    expect(stdout).toContain('host: kubefedcluster.core.kubefed.io/kctl-member3 deleted');
    expect(await kfc('kctl-member3')).toBeUndefined();
    expect(stderr).toContain('error: cluster "kctl-member3" is no longer used by the host, but these objects could not be removed from the cluster of context "unreachable":\n' +
      '  clusterrolebinding.rbac.authorization.k8s.io/kubefed-controller-manager:kctl-member3-host\n' +
      '  clusterrole.rbac.authorization.k8s.io/kubefed-controller-manager:kctl-member3-host\n' +
      `  secret/kctl-member3-host -n ${KUBEFED_NS}\n` +
      `  serviceaccount/kctl-member3-host -n ${KUBEFED_NS}\n` +
      'because: cannot reach the API server of context "unreachable"');
    expect(await serviceAccount(member2, 'kctl-member3-host')).toBeDefined();
    // Once reachable again, the same command finishes the job.
    const retry = await kubefedctl('--host-cluster-context', 'host', 'unjoin', 'kctl-member3', '--cluster-context', 'member2');
    expect(retry.code).toBe(0);
    expect(retry.stdout).toContain('member2: serviceaccount/kctl-member3-host deleted');
    expect(await serviceAccount(member2, 'kctl-member3-host')).toBeUndefined();
    expect(await clusterRoleBinding(member2, 'kubefed-controller-manager:kctl-member3-host')).toBeUndefined();
  });

  it('unjoins the second member too', async () => {
    const { code } = await kubefedctl('--host-cluster-context', 'host', 'unjoin', 'kctl-member2', '--cluster-context', 'member2');
    expect(code).toBe(0);
    expect(await kfc('kctl-member2')).toBeUndefined();
    expect(await serviceAccount(member2, 'kctl-member2-host')).toBeUndefined();
  });
});

describe('the kubefedctl binary', () => {
  const main = path.join(repoRoot, 'dist', 'kubefedctl', 'main.js');
  // hack/test.sh builds dist/ before the tests; a bare `vitest run` on a fresh clone has none.
  it('runs from dist/ (npm run build, which hack/test.sh does) and prints its help', async () => {
    expect(existsSync(main), 'dist/kubefedctl/main.js is missing: run npm run build').toBe(true);
    expect((await readFile(main, 'utf8')).startsWith('#!/usr/bin/env node\n')).toBe(true);
    const result = await runCommand(process.execPath, [main, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: kubefedctl');
    expect(result.stdout).toContain('orphaning-deletion');
  });
});

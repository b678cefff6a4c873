// The shipped artifact: `node dist/main.js` (the package's controller-manager bin and the image's entry
// point) against the real host, with KubeFed's flags; it propagates, follows FederatedTypeConfig changes,
// and on SIGTERM drains and exits 0.
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor, testEnv } from '../harness/env.js';
import { createFed, federateNamespace, propagationOf } from '../harness/fed-objects.js';
import {
  getOrUndefined,
  KUBEFED_NS,
  prepareFederation,
  waitUntil,
} from '../harness/federation.js';
import { startControllerManagerProcess, startProcess, type RunningProcess } from '../harness/processes.js';
import { repoRoot } from '../harness/binaries.js';

let host: KubeConfig;
let member1: KubeConfig;
let proc: RunningProcess;
const ns = `proc-${Date.now().toString(36)}`;
const ftcApi = () => host.makeApiClient(CustomObjectsApi);
const ftcRef = { group: 'core.kubefed.io', version: 'v1beta1', namespace: KUBEFED_NS, plural: 'federatedtypeconfigs' };

beforeAll(async () => {
  host = kubeConfigFor('host');
  member1 = kubeConfigFor('member1');
  await prepareFederation(host, testEnv().clusters.host!.kubeconfigPath, [
    { name: 'member1', kc: member1 },
    { name: 'member2', kc: kubeConfigFor('member2') },
  ]);
  proc = await startControllerManagerProcess(['--leader-elect', 'false']);
  await waitUntil('controller-manager started', () => proc.output().includes('"controller-manager started"'), 30_000);
  await federateNamespace(host, ns, ['member1']);
}, 120_000);

afterAll(async () => {
  await proc?.stop('SIGKILL');
});

const cm = (name: string) => getOrUndefined(member1.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace: ns }));

describe('controller-manager process', () => {
  it("logs structured JSON, its startup lines in KubeFed's words", async () => {
    const config = proc.logs().find((l) => l.msg === `Using valid KubeFedConfig "${KUBEFED_NS}/kubefed"`);
    expect(config).toMatchObject({ level: 'info', source: `KubeFedConfig ${KUBEFED_NS}/kubefed` });
    const messages = () => proc.logs().map((l) => l.msg);
    for (const line of [
      'KubeFed will target all namespaces',
      'Starting cluster controller',
      'Starting FederatedTypeConfig controller',
      'Starting sync controller for "FederatedNamespace"',
      'Started sync controller for "FederatedNamespace"',
      'Started sync controller for "FederatedConfigMap"',
      'Starting scheduling manager',
    ]) {
      // Sync controllers start one by one after "controller-manager started".
      await expect.poll(messages, { timeout: 10_000 }).toContain(line);
    }
  });

  it("with --log-format text, writes KubeFed's lines verbatim, as its e2e suite reads them from a controller-manager it starts", async () => {
    // As KubeFed's e2e does: a namespace of its own as the KubeFed namespace (nothing to reconcile there),
    // leader election on, and the lines looked for as plain substrings of stderr.
    const own = `${ns}-text`;
    await host.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: own } } });
    const text = startProcess(
      process.execPath,
      [path.join(repoRoot, 'dist', 'main.js'), `--kubeconfig=${testEnv().clusters.host!.kubeconfigPath}`, `--kubefed-namespace=${own}`,
        '--health-addr=127.0.0.1:0', '--metrics-addr=127.0.0.1:0', '--log-format=text'],
      { KUBEFED_LOG_LEVEL: 'info' },
      { capture: 'controller-manager-process' },
    );
    try {
      for (const line of [`Using valid KubeFedConfig "${own}/kubefed"`, 'promoted as leader', 'Starting cluster controller']) {
        await waitUntil(`the line ${line}`, () => text.output().includes(line) || text.child.exitCode !== null, 30_000);
        expect(text.output()).toContain(line);
      }
      expect(text.output().split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
    } finally {
      await text.stop('SIGKILL');
      await getOrUndefined(host.makeApiClient(CoreV1Api).deleteNamespace({ name: own }));
    }
  });

  it('propagates a FederatedConfigMap', async () => {
    await createFed(host, 'federatedconfigmaps', {
      apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name: 'from-process', namespace: ns },
      spec: { template: { data: { by: 'dist/main.js' } }, placement: { clusters: [{ name: 'member1' }] } },
    });
    await expect.poll(async () => (await cm('from-process'))?.data, { timeout: 20_000 }).toEqual({ by: 'dist/main.js' });
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'from-process', ns), { timeout: 20_000 }).toEqual({ status: 'True', clusters: ['member1'] });
  });

  it('stops propagating a type whose FederatedTypeConfig is disabled, and resumes when it is enabled again', async () => {
    const patchPropagation = (value: string) =>
      ftcApi().patchNamespacedCustomObject({ ...ftcRef, name: 'configmaps', body: [{ op: 'replace', path: '/spec/propagation', value }] });
    const controllerStatus = async () => ((await ftcApi().getNamespacedCustomObject({ ...ftcRef, name: 'configmaps' })) as Record<string, any>).status?.propagationController;

    await patchPropagation('Disabled');
    await expect.poll(controllerStatus, { timeout: 20_000 }).toBe('NotRunning');
    await createFed(host, 'federatedconfigmaps', {
      apiVersion: 'types.kubefed.io/v1beta1', kind: 'FederatedConfigMap', metadata: { name: 'while-disabled', namespace: ns },
      spec: { template: { data: { a: '1' } }, placement: { clusters: [{ name: 'member1' }] } },
    });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await cm('while-disabled')).toBeUndefined();

    await patchPropagation('Enabled');
    await expect.poll(controllerStatus, { timeout: 20_000 }).toBe('Running');
    await expect.poll(async () => (await cm('while-disabled'))?.data, { timeout: 20_000 }).toEqual({ a: '1' });
  });

  it('drains and exits 0 on SIGTERM', async () => {
    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(proc.output()).toContain('"controller-manager stopped"');
  });
});

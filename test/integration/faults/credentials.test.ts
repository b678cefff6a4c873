// Credentials never reach a log (issue #6, scenario 7). A controller-manager process runs at `debug` level
// through a scenario that exercises the paths where credentials travel or fail: a member joined with the real
// `kubefedctl join` (its output captured too, and that of `unjoin`), a KubeFedCluster whose token the member
// refuses (401 on every probe and list) and whose Secret is then rotated to another wrong token (client
// rebuilt), propagation of a FederatedSecret, a write the member refuses, a SIGKILLed and restarted member
// API server (every member request failing), deletions, and a graceful shutdown. Then no captured byte may
// contain a service-account token from the host's Secrets (raw or base64, or any of its three JWT parts),
// the wrong tokens, the admin client key of the kubeconfig the process uses, a PEM header (`-----BEGIN`), or
// a bearer header value.
//
// This file runs a control plane of its own with kube-controller-managers: `kubefedctl join` waits for the
// member's token controller to fill in the service account's token Secret.
//
// Checked that it fails without the protection: with a debug line logging the cluster's Secret next to the
// client it builds (src/cluster/registry.ts upsert(): `this.log.debug({ cluster: name, secret }, ...)`) and
// the logger's redaction removed (src/util/log.ts), the base64 form of all four tokens (Secret data) shows up
// in the log and the test fails naming each; with the redaction in place the same line is logged with
// `[redacted]` and the test passes.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import yaml from 'js-yaml';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../harness/binaries.js';
import { runCommand } from '../../harness/env.js';
import { createFed, deleteFed, federateNamespace, getFed, propagationOf, type Obj } from '../../harness/fed-objects.js';
import {
  clusterConditions,
  FAST_KUBEFED_CONFIG,
  killApiServer,
  startControllerManagerFor,
  startOwnFederation,
  waitForControllers,
  type ControllerManagerProcess,
  type OwnFederation,
} from '../../harness/faults.js';
import { customObjects, KUBEFED_NS, waitUntil } from '../../harness/federation.js';

const ns = 'creds';
const WRONG_TOKENS = [`wrong-token-${'a1b2c3d4'.repeat(5)}`, `rotated-wrong-token-${'e5f6a7b8'.repeat(5)}`];
/** The content of a FederatedSecret: user data that must not be logged either. */
const SECRET_MARKER = 'the-propagated-secret-value-7f3a9c1e5b';

let fed: OwnFederation;
let host: KubeConfig;
let proc: ControllerManagerProcess | undefined;
/** Everything the process and kubefedctl printed. */
const captured: Array<{ source: string; text: string }> = [];
/** Tokens seen in the host's Secrets while the scenario ran (kubefedctl unjoin deletes member1's). */
const hostTokens = new Set<string>();

const kubefedctl = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
  const result = await runCommand(process.execPath, [path.join(repoRoot, 'dist', 'kubefedctl', 'main.js'), '--kubeconfig', fed.cp.kubeconfigPath, '--host-cluster-context', 'host', ...args]);
  captured.push({ source: `kubefedctl ${args.join(' ')}`, text: result.stdout + result.stderr });
  return result;
};

async function collectHostTokens(): Promise<void> {
  const secrets = await host.makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: KUBEFED_NS });
  for (const secret of secrets.items) {
    const token = secret.data?.token;
    if (token) hostTokens.add(Buffer.from(token, 'base64').toString('utf8').trim());
  }
}

async function setBadToken(token: string): Promise<void> {
  const core = host.makeApiClient(CoreV1Api);
  const body = { metadata: { name: 'bad-token-secret', namespace: KUBEFED_NS }, stringData: { token } };
  try {
    await core.createNamespacedSecret({ namespace: KUBEFED_NS, body });
  } catch {
    await core.replaceNamespacedSecret({ name: 'bad-token-secret', namespace: KUBEFED_NS, body });
  }
}

const fedObject = (kind: string, name: string, template: Obj): Obj => ({
  apiVersion: 'types.kubefed.io/v1beta1',
  kind,
  metadata: { name, namespace: ns },
  spec: { template, placement: { clusters: [{ name: 'member1' }, { name: 'member2' }] } },
});

beforeAll(async () => {
  fed = await startOwnFederation({ controllerManagers: true, join: ['member2'], kubefedConfig: FAST_KUBEFED_CONFIG });
  host = fed.host;
}, 180_000);

afterAll(async () => {
  await proc?.stop('SIGKILL');
  await fed?.cp.stop();
}, 60_000);

describe('credentials in logs', () => {
  it('runs a controller-manager at debug level through joins, refusals, rotation, an outage and deletions', async () => {
    const joined = await kubefedctl('join', 'member1', '--cluster-context', 'member1');
    expect(joined.stderr).toBe('');
    expect(joined.code).toBe(0);
    const member2 = fed.cp.clusters.get('member2')!;
    await setBadToken(WRONG_TOKENS[0]!);
    await customObjects(host).createNamespacedCustomObject({
      group: 'core.kubefed.io', version: 'v1beta1', plural: 'kubefedclusters', namespace: KUBEFED_NS,
      body: {
        apiVersion: 'core.kubefed.io/v1beta1', kind: 'KubeFedCluster', metadata: { name: 'bad-token', namespace: KUBEFED_NS },
        spec: { apiEndpoint: member2.server, caBundle: Buffer.from(member2.certs.caCertPem).toString('base64'), secretRef: { name: 'bad-token-secret' } },
      },
    });
    await collectHostTokens();
    expect(hostTokens.size).toBe(3); // member1 (kubefedctl join), member2 (TokenRequest), the wrong one

    proc = await startControllerManagerFor(fed.cp, { logLevel: 'debug' });
    await waitForControllers(proc);
    await expect.poll(() => clusterConditions(host, 'member1'), { timeout: 20_000 }).toEqual({ Ready: 'True/ClusterReady' });
    await expect.poll(() => clusterConditions(host, 'bad-token'), { timeout: 20_000 }).toEqual({ Ready: 'False/ClusterNotReachable', Offline: 'True/ClusterNotReachable' });

    await federateNamespace(host, ns);
    await createFed(host, 'federatedconfigmaps', fedObject('FederatedConfigMap', 'plain', { data: { a: '1' } }));
    await createFed(host, 'federatedsecrets', fedObject('FederatedSecret', 'secret', { stringData: { password: SECRET_MARKER } }));
    await createFed(host, 'federatedconfigmaps', fedObject('FederatedConfigMap', 'refused', { data: { n: 5 } }));
    for (const [plural, name] of [['federatedconfigmaps', 'plain'], ['federatedsecrets', 'secret']] as const) {
      await expect.poll(() => propagationOf(host, plural, name, ns), { timeout: 30_000 }).toEqual({ status: 'True', clusters: ['member1', 'member2'] });
    }
    await expect.poll(async () => (await propagationOf(host, 'federatedconfigmaps', 'refused', ns)).clusters, { timeout: 30_000 }).toEqual(['member1:CreationFailed', 'member2:CreationFailed']);

    // Rotation to another wrong token: the client is rebuilt and fails again.
    const refusals = (): number => proc!.logs().filter((l) => l.cluster === 'bad-token' && /Unauthorized/.test(String(l.err ?? ''))).length;
    const refusedBefore = refusals();
    await setBadToken(WRONG_TOKENS[1]!);
    await collectHostTokens();
    await waitUntil('the rebuilt client refused too', () => refusals() > refusedBefore, 20_000);

    // member2 dies mid-flight and comes back: every request to it fails meanwhile.
    await killApiServer(fed.cp, 'member2');
    await createFed(host, 'federatedconfigmaps', fedObject('FederatedConfigMap', 'during-outage', { data: { b: '2' } }));
    await expect.poll(() => clusterConditions(host, 'member2'), { timeout: 20_000 }).toMatchObject({ Ready: 'False/ClusterNotReachable' });
    await fed.cp.startCluster('member2');
    await expect.poll(() => propagationOf(host, 'federatedconfigmaps', 'during-outage', ns), { timeout: 40_000 }).toEqual({ status: 'True', clusters: ['member1', 'member2'] });

    for (const [plural, name] of [['federatedconfigmaps', 'plain'], ['federatedsecrets', 'secret'], ['federatedconfigmaps', 'refused'], ['federatedconfigmaps', 'during-outage']] as const) {
      await deleteFed(host, plural, name, ns);
      await expect.poll(() => getFed(host, plural, name, ns), { timeout: 30_000 }).toBeUndefined();
    }
    expect(await proc.stop('SIGTERM')).toBe(0);
    captured.push({ source: 'controller-manager', text: proc.output() });
    const unjoined = await kubefedctl('unjoin', 'member1', '--cluster-context', 'member1');
    expect(unjoined.code).toBe(0);

    // The run really went through the failure paths, at debug level.
    const logs = proc.logs();
    expect(logs.filter((l) => l.level === 'debug').length).toBeGreaterThan(20);
    expect(logs.some((l) => l.cluster === 'bad-token' && /Unauthorized/.test(String(l.err ?? '')))).toBe(true);
    expect(logs.some((l) => l.msg === 'member write failed')).toBe(true);
    expect(logs.some((l) => l.cluster === 'member2' && /ECONNREFUSED|ECONNRESET|socket hang up/.test(String(l.err ?? '')))).toBe(true);
  }, 240_000);

  it('prints no token, key or bearer header anywhere', async () => {
    const kubeconfig = yaml.load(await readFile(fed.cp.kubeconfigPath, 'utf8')) as Obj;
    const keys = (kubeconfig.users as Obj[]).map((u) => u.user['client-key-data'] as string);
    const forbidden = new Map<string, string>();
    for (const token of [...hostTokens, ...WRONG_TOKENS]) {
      forbidden.set(token, 'token');
      forbidden.set(Buffer.from(token).toString('base64'), 'token (base64)');
      for (const part of token.split('.')) if (part.length >= 20) forbidden.set(part, 'part of a token');
    }
    for (const key of keys) {
      forbidden.set(key, 'client-key-data');
      const pem = Buffer.from(key, 'base64').toString('utf8');
      for (const line of pem.split('\n')) if (line.length >= 40 && !line.startsWith('-----')) forbidden.set(line, 'a line of a private key');
    }
    forbidden.set(SECRET_MARKER, 'the content of a FederatedSecret');
    forbidden.set(Buffer.from(SECRET_MARKER).toString('base64'), 'the content of a FederatedSecret (base64)');

    expect(captured.map((c) => c.source)).toEqual(['kubefedctl join member1 --cluster-context member1', 'controller-manager', 'kubefedctl unjoin member1 --cluster-context member1']);
    const leaks: string[] = [];
    for (const { source, text } of captured) {
      for (const [secret, what] of forbidden) if (text.includes(secret)) leaks.push(`${source}: ${what} (${secret.slice(0, 12)}…)`);
      if (text.includes('-----BEGIN')) leaks.push(`${source}: a PEM block`);
      const bearer = /bearer\s+(?!\[redacted\])[A-Za-z0-9._~+/-]{8,}/i.exec(text);
      if (bearer) leaks.push(`${source}: a bearer header value (${bearer[0].slice(0, 20)}…)`);
    }
    expect(leaks).toEqual([]);
  });
});

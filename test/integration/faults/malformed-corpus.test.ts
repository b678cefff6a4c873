// Fault: a corpus of more than 200 malformed inputs, generated in code (test/harness/malformed-corpus.ts),
// thrown at a running controller-manager process (issue #6, scenario 6): wrong types, bad override ops and
// paths, templates the members refuse, invalid names, unknown clusters and selectors, unknown kinds,
// ReplicaSchedulingPreference contradictions, huge objects around the 1.5 MiB etcd request limit, and
// KubeFedClusters with a bad CA, endpoint or token. Each input is either refused by the API server (CRD
// schema, CEL, name validation, size limits; the message must name the problem) or accepted and then given
// a precise outcome on the object concerned (per-cluster propagation status, KubeFedCluster condition,
// Scheduled reason, FTC controller state, or the Event KubeFed records where it writes no status). The
// process must survive all of it (same pid, /healthz still answering), and a healthy fed object updated
// during and after the corpus must still reach both members within seconds.
//
// The healthy object is deleted at the end too: no broken KubeFedCluster may hold the finalizer of an object
// that was never placed on it. Checked that it fails without that protection: before the fix in
// src/sync/controller.ts ensureDeletion() (a cluster holds the finalizer only when it may hold a copy, see
// mayHold()) the deletion timed out, held by the clusters whose cache never filled (`bad-token`,
// `bad-endpoint-*`…, treated as "unreachable, cannot tell"); with only that half of the fix it still timed
// out, every attempt failing on the ready cluster whose objects cannot be read (`bad-ca-skipped`, 403).
// Each expectation was also seen to fail on the first runs, when it was wrong (e.g. http endpoints, which
// client-node refuses without disabledTLSValidations: ["*"]), so the comparison does judge every input.
import http from 'node:http';
import net from 'node:net';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFed, deleteFed, federateNamespace, eventsFor, getFed, patchFed, type Obj } from '../../harness/fed-objects.js';
import {
  FAST_KUBEFED_CONFIG,
  inParallel,
  listFed,
  propagationSummary,
  startControllerManagerFor,
  startOwnFederation,
  waitForControllers,
  type ControllerManagerProcess,
  type OwnFederation,
} from '../../harness/faults.js';
import { customObjects, KUBEFED_NS, sleep, waitUntil } from '../../harness/federation.js';
import { buildCorpus, type CorpusEntry, type Expectation } from '../../harness/malformed-corpus.js';
import { freePort, httpGet } from '../../harness/processes.js';
import { createRetryingTransient } from '../../harness/transient-answers.js';

const ns = 'corpus';
/** A healthy object's change must reach both members within this, corpus or not. */
const HEALTHY_PROPAGATION_MS = 10_000;

let fed: OwnFederation;
let host: KubeConfig;
let proc: ControllerManagerProcess;
let pid: number;
let corpus: CorpusEntry[];
const servers: Array<http.Server | net.Server> = [];
const sockets = new Set<net.Socket>();
/** id → the API server's message, for the inputs it refused. */
const rejections = new Map<string, string>();
/** Transient answers retried while creating the corpus (429, timeouts, lost connections), for the summary. */
const retried: string[] = [];
const retryTransient = { onRetry: (why: string) => void retried.push(why) };

function listen(server: http.Server | net.Server): Promise<number> {
  servers.push(server);
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

const hostSecretToken = async (name: string): Promise<string> =>
  Buffer.from((await host.makeApiClient(CoreV1Api).readNamespacedSecret({ name, namespace: KUBEFED_NS })).data!.token!, 'base64').toString('utf8');

/** A token of a host service account without any role. */
async function nobodyToken(): Promise<string> {
  const core = host.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: 'default', body: { metadata: { name: 'nobody' } } });
  const request = await core.createNamespacedServiceAccountToken({ name: 'nobody', namespace: 'default', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  return request.status!.token;
}

async function memberData(kc: KubeConfig, name: string): Promise<Record<string, string> | undefined> {
  try {
    return (await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name, namespace: ns })).data;
  } catch {
    return undefined;
  }
}

/** Changes the healthy object and returns how long both members took to show the change. */
async function updateHealthy(version: string): Promise<number> {
  const started = Date.now();
  await patchFed(host, 'federatedconfigmaps', 'healthy', ns, [{ op: 'replace', path: '/spec/template/data/version', value: version }]);
  for (;;) {
    const [a, b] = await Promise.all([memberData(fed.member1, 'healthy'), memberData(fed.member2, 'healthy')]);
    if (a?.version === version && b?.version === version) return Date.now() - started;
    if (Date.now() - started > 60_000) return Infinity;
    await sleep(100);
  }
}

/**
 * Creates one input; records the refusal (HTTP code and the API server's message) if the API server refuses
 * it. An answer that says only that the server is loaded (429, a timeout, a lost connection) is retried
 * first: under load in CI it would otherwise be taken for a refusal of the input.
 */
async function createEntry(entry: CorpusEntry): Promise<void> {
  const core = host.makeApiClient(CoreV1Api);
  for (const [name, data] of Object.entries(entry.secrets ?? {})) {
    await createRetryingTransient(() => core.createNamespacedSecret({ namespace: KUBEFED_NS, body: { metadata: { name }, data } }), retryTransient);
  }
  try {
    await createRetryingTransient(() =>
      customObjects(host).createNamespacedCustomObject({ group: entry.group, version: entry.version, plural: entry.plural, namespace: entry.namespace, body: entry.body }),
      retryTransient,
    );
  } catch (err) {
    const e = err as { code?: number | string; body?: unknown; message?: string };
    let message = String(e.body ?? e.message);
    try {
      message = (JSON.parse(message) as { message?: string }).message ?? message;
    } catch {
      // not a Status: keep the text
    }
    rejections.set(entry.id, `${e.code ?? '?'} ${message}`);
  }
}

/** What became of every accepted input, in the vocabulary of its expectation. */
async function observe(entries: CorpusEntry[]): Promise<Map<string, string>> {
  const observed = new Map<string, string>();
  const plurals = [...new Set(entries.filter((e) => 'propagation' in e.expect).map((e) => e.plural))];
  const summaries = Object.assign({}, ...(await Promise.all(plurals.map((p) => propagationSummary(host, p, ns))))) as Record<string, string>;
  const list = async (group: string, version: string, plural: string, namespace: string): Promise<Obj[]> =>
    ((await customObjects(host).listNamespacedCustomObject({ group, version, plural, namespace })) as Obj).items as Obj[];
  const kfcs = await list('core.kubefed.io', 'v1beta1', 'kubefedclusters', KUBEFED_NS);
  const rsps = await list('scheduling.kubefed.io', 'v1alpha1', 'replicaschedulingpreferences', ns);
  const ftcs = await list('core.kubefed.io', 'v1beta1', 'federatedtypeconfigs', KUBEFED_NS);
  for (const entry of entries) {
    const name = entry.body.metadata.name as string;
    const e = entry.expect;
    if ('propagation' in e) observed.set(entry.id, summaries[name] ?? '(no status)');
    else if ('cluster' in e) {
      const ready = (kfcs.find((k) => k.metadata.name === name)?.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready');
      observed.set(entry.id, ready ? `Ready=${ready.status}/${ready.reason} ${ready.message}` : '(no status)');
    } else if ('scheduled' in e) {
      const c = (rsps.find((r) => r.metadata.name === name)?.status?.conditions ?? []).find((x: Obj) => x.type === 'Scheduled');
      observed.set(entry.id, c ? `${c.status}/${c.reason} ${c.message}` : '(no status)');
    } else if ('typeConfig' in e) {
      observed.set(entry.id, ftcs.find((f) => f.metadata.name === name)?.status?.propagationController ?? '(no status)');
    } else if ('event' in e) {
      const status = (await listFed(host, entry.plural, ns)).get(name)?.status;
      const events = await eventsFor(host, ns, name);
      observed.set(entry.id, `${status ? 'status written: ' : ''}${events.find((x) => e.event.test(x)) ?? events.join(' | ')}`);
    }
  }
  return observed;
}

function matches(expect: Expectation, observed: string): boolean {
  if ('propagation' in expect) return observed === expect.propagation;
  if ('cluster' in expect) return expect.cluster.test(observed);
  if ('scheduled' in expect) return expect.scheduled.test(observed);
  if ('typeConfig' in expect) return observed === expect.typeConfig;
  if ('event' in expect) return expect.event.test(observed) && !observed.startsWith('status written');
  return false;
}

const describeExpectation = (e: Expectation): string => {
  const [kind, value] = Object.entries(e)[0]!;
  return `${kind}: ${String(value)}`;
};

beforeAll(async () => {
  fed = await startOwnFederation({ kubefedConfig: FAST_KUBEFED_CONFIG });
  host = fed.host;
  const blackhole = net.createServer(() => {
    // accept and never answer
  });
  const notFound = http.createServer((_req, res) => res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found'));
  const impostor = http.createServer((req, res) => {
    if (req.url?.startsWith('/readyz')) res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
  });
  const member2 = fed.cp.clusters.get('member2')!;
  corpus = buildCorpus({
    ns,
    kubefedNs: KUBEFED_NS,
    member2: { server: member2.server, port: member2.port, caBundle: Buffer.from(member2.certs.caCertPem).toString('base64') },
    hostCaBundle: Buffer.from(fed.cp.clusters.get('host')!.certs.caCertPem).toString('base64'),
    member1Token: await hostSecretToken('member1-token'),
    member2Token: await hostSecretToken('member2-token'),
    host: { server: fed.cp.clusters.get('host')!.server, nobodyToken: await nobodyToken() },
    closedPort: await freePort(),
    blackholePort: await listen(blackhole),
    notFoundPort: await listen(notFound),
    impostorPort: await listen(impostor),
  });
  // Also placed on two of the corpus's clusters, so that fed objects placed there are not narrowed away.
  await federateNamespace(host, ns, ['member1', 'member2', 'bad-token', 'impostor']);
  proc = await startControllerManagerFor(fed.cp);
  await waitForControllers(proc);
  pid = proc.child.pid!;
  await createFed(host, 'federatedconfigmaps', {
    apiVersion: 'types.kubefed.io/v1beta1',
    kind: 'FederatedConfigMap',
    metadata: { name: 'healthy', namespace: ns },
    spec: { template: { data: { version: '0' } }, placement: { clusters: [{ name: 'member1' }, { name: 'member2' }] } },
  });
  await waitUntil('the healthy object in member2', async () => (await memberData(fed.member2, 'healthy'))?.version === '0', 30_000);
}, 120_000);

afterAll(async () => {
  await proc?.stop('SIGKILL');
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await fed?.cp.stop();
}, 60_000);

describe('a corpus of malformed inputs', () => {
  it('has more than 200 inputs in every class the issue names', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(new Set(corpus.map((e) => e.inputClass))).toEqual(
      new Set([
        'invalid name: FederatedNamespace not named like its namespace',
        'wrong type',
        'bad override op',
        'forbidden override path',
        'huge object',
        'bad override path',
        'refused by the member',
        'invalid name',
        'unknown cluster',
        'unknown kind',
        'rsp contradiction',
        'bad KubeFedCluster',
      ]),
    );
  });

  it('refuses each input at the API server or gives it a precise outcome, while a healthy object keeps propagating', async () => {
    const half = Math.floor(corpus.length / 2);
    await inParallel(corpus.slice(0, 2), 1, createEntry); // the Event-only inputs first (Events are rate-limited)
    await inParallel(corpus.slice(2, half), 6, createEntry);
    const duringMs = await updateHealthy('1');
    await inParallel(corpus.slice(half), 6, createEntry);

    // Refusals: exactly the inputs expected to be refused, each with a message naming the problem.
    const wrongRefusals: Record<string, string> = {};
    for (const entry of corpus) {
      const message = rejections.get(entry.id);
      if ('rejected' in entry.expect) {
        if (!message || !entry.expect.rejected.test(message)) wrongRefusals[entry.id] = `expected ${entry.expect.rejected}, got ${message ?? 'accepted'}`;
      } else if (message) {
        wrongRefusals[entry.id] = `expected acceptance (${describeExpectation(entry.expect)}), refused: ${message}`;
      }
    }
    expect(wrongRefusals, 'inputs refused though expected to be accepted, or not refused as expected (HTTP code and the API server\'s message)').toEqual({});

    // Outcomes of the accepted inputs.
    const accepted = corpus.filter((e) => !('rejected' in e.expect));
    const mismatches = async (): Promise<Record<string, string>> => {
      const observed = await observe(accepted);
      const wrong = accepted.filter((e) => !matches(e.expect, observed.get(e.id)!));
      // The Events say why, when a fed object's status is not the expected one.
      const why = await Promise.all(wrong.map(async (e) => ('propagation' in e.expect ? (await eventsFor(host, ns, e.body.metadata.name)).filter((x) => /Failed|Warning/.test(x)).slice(-2).join(' | ') : '')));
      return Object.fromEntries(wrong.map((e, i) => [e.id, `expected ${describeExpectation(e.expect)}; observed ${observed.get(e.id)}${why[i] ? `; events: ${why[i]}` : ''}`]));
    };
    await expect.poll(mismatches, { timeout: 90_000, interval: 1_000 }).toEqual({});

    expect(duringMs, 'ms for the healthy object to reach both members while the corpus was created').toBeLessThan(HEALTHY_PROPAGATION_MS);
    const afterMs = await updateHealthy('2');
    expect(afterMs, 'ms for the healthy object to reach both members after the corpus').toBeLessThan(HEALTHY_PROPAGATION_MS);
    // Deletion still works too: no broken KubeFedCluster holds the finalizer of an object never placed on it.
    const deleting = Date.now();
    await deleteFed(host, 'federatedconfigmaps', 'healthy', ns);
    await expect
      .poll(async () => {
        const left = await getFed(host, 'federatedconfigmaps', 'healthy', ns);
        const copies = [await memberData(fed.member1, 'healthy'), await memberData(fed.member2, 'healthy')].filter(Boolean).length;
        if (!left && copies === 0) return 'deleted';
        return `fed object ${left ? 'still there' : 'gone'}, ${copies} member copies; events: ${(await eventsFor(host, ns, 'healthy')).slice(-3).join(' | ')}`;
      }, { timeout: 60_000 })
      .toBe('deleted');
    const deleteMs = Date.now() - deleting;
    expect(deleteMs, 'ms to delete the healthy object from the host and both members').toBeLessThan(HEALTHY_PROPAGATION_MS);
    console.log(`[corpus] ${corpus.length} inputs: ${rejections.size} refused by the API server, ${accepted.length} accepted with the expected outcome; healthy object propagated in ${duringMs} ms during, ${afterMs} ms after, deleted in ${deleteMs} ms; transient answers retried: ${retried.length ? retried.join(', ') : 'none'}`);
  }, 240_000);

  it('never crashed the controller-manager: same process, still healthy', async () => {
    expect(proc.child.exitCode).toBeNull();
    expect(proc.child.signalCode).toBeNull();
    expect(proc.child.pid).toBe(pid);
    expect(await httpGet(`http://127.0.0.1:${proc.healthPort}/healthz`)).toEqual({ status: 200, body: 'ok' });
    expect(proc.logs().filter((l) => l.level === 'fatal')).toEqual([]);
    expect(proc.output()).not.toMatch(/Uncaught|UnhandledPromiseRejection/);
  });
});

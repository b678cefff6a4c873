// Federated objects created while their sync controller runs, with and without the mutating webhook that
// adds the controller's finalizer in the create. Each run times from the first create of N federated
// objects until every one reports Propagation True (seen through the controller's own cache), and counts
// the host's writes of them. The webhook runs in this process as in a replica (its own FTC watch, an openssl
// certificate) and is registered with the host like the chart registers it (failurePolicy Ignore). Runs go
// in ABBA order between two ceiling loops (the same member creates by a plain loop), so drift shows.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SYNC_CONTROLLER_FINALIZER } from '../../src/api/index.js';
import type { Informer } from '../../src/kube/informer.js';
import type { RestClient } from '../../src/kube/rest-client.js';
import type { KubeObject, ResourceType } from '../../src/kube/types.js';
import { FIELD_MANAGER } from '../../src/sync/controller.js';
import { silentLogger } from '../../src/util/log.js';
import { startWebhookServer, SyncedTypesWatch, WEBHOOK_PATHS } from '../../src/webhook/index.js';
import { generateClusterCerts } from '../harness/certs.js';
import { KUBEFED_NS } from '../harness/federation.js';
import { BenchFederation } from './federation.js';
import { cpuSummary, forEachConcurrently, mean, round, timed, waitFor } from './lib.js';
import { ceilingObject, fedObject, fedTypeOf } from './objects.js';
import { propagated } from './throughput.js';
import { createOnly } from '../../src/execution/perform.js';

export interface LiveCreateRun {
  webhook: boolean;
  seconds: number;
  /** seconds / mean ceiling seconds. */
  ratio: number;
  /** CPU seconds of the host kube-apiserver during the run. */
  hostApiserverCpuSeconds: number;
  cpuSeconds: number;
  /** Host writes of the federated objects: `federatedconfigmaps POST`, `… PATCH`, `…/status PATCH`. */
  hostWrites: Record<string, number>;
  /** Federated objects created already carrying the finalizer. */
  createdWithFinalizer: number;
}

export interface LiveCreatesResult {
  objects: number;
  members: number;
  createConcurrency: number;
  ceilingSeconds: number[];
  runs: LiveCreateRun[];
  /** Mean seconds without the webhook / mean seconds with it. */
  webhookSpeedup: number;
  /** Mean host API server CPU without / with. */
  webhookHostCpuSaving: number;
}

const MUTATING_CONFIGURATION = 'kubefed-ts-bench-sync-finalizer';
const MUTATING: ResourceType = { group: 'admissionregistration.k8s.io', version: 'v1', plural: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration', namespaced: false };

/** Needs a federation whose `configmap` type is Enabled and whose controller-manager runs in this process. */
export async function runLiveCreates(fed: BenchFederation, objects: number, log: (m: string) => void): Promise<LiveCreatesResult> {
  const manager = fed.manager!;
  const type = fedTypeOf('configmap');
  const members = fed.memberNames;
  const clients: RestClient[] = members.map((m) => manager.registry.get(m)!.client!);
  const workers = manager.config.syncWorkers;
  const createConcurrency = 32;
  await waitFor('the configmaps sync controller', () => manager.typeConfigs.controllers().has(type.ftc), 60_000);
  const fedInformer = (): Informer => manager.typeConfigs.controllers().get(type.ftc)!.fedInformer as unknown as Informer;

  const measure = async (work: () => Promise<void>) => {
    fed.cpu.start();
    const { seconds } = await timed(work);
    return { seconds, cpu: cpuSummary(fed.cpu.stop()) };
  };

  const ceilingRun = async (pass: number): Promise<number> => {
    const ns = `live-ceiling-${pass}`;
    for (const client of fed.members.values()) await fed.ensureNamespace(client, ns);
    const bodies = Array.from({ length: objects }, (_, i) => members.map((m) => ceilingObject('configmap', fedObject('configmap', ns, i, members), m, ns)));
    const { seconds } = await measure(() =>
      forEachConcurrently(bodies, workers, async (perMember) => {
        await Promise.all(clients.map((client, c) => client.apply(type.target, createOnly(perMember[c]!), FIELD_MANAGER)));
      }),
    );
    log(`live creates: ceiling ${pass}: ${seconds.toFixed(2)} s`);
    return seconds;
  };

  let runCount = 0;
  const liveRun = async (webhook: boolean): Promise<Omit<LiveCreateRun, 'ratio'>> => {
    const ns = `live-${webhook ? 'webhook' : 'plain'}-${++runCount}`;
    await fed.federateNamespace(ns);
    const bodies = Array.from({ length: objects }, (_, i) => fedObject('configmap', ns, i, members));
    const informer = fedInformer();
    const count = (): number => informer.list().filter((o) => o.metadata?.namespace === ns && propagated(o)).length;
    let createdWithFinalizer = 0;
    const before = await fed.writeCounts();
    const { seconds, cpu } = await measure(async () => {
      await forEachConcurrently(bodies, createConcurrency, async (body) => {
        const made = await fed.host.create(type.federated, body, 'kubefed-ts-bench');
        if (made.metadata?.finalizers?.includes(SYNC_CONTROLLER_FINALIZER)) createdWithFinalizer++;
      });
      await waitFor(`${ns} propagated`, () => count() >= objects, 10 * 60_000, 10);
    });
    const hostWrites = BenchFederation.writesBetween(before, await fed.writeCounts()).host ?? {};
    const fedWrites = Object.fromEntries(Object.entries(hostWrites).filter(([k]) => k.startsWith(type.federated.plural)));
    log(`live creates, ${webhook ? 'with' : 'without'} the webhook: ${seconds.toFixed(2)} s, host API server ${cpu.hostApiserver} CPU-s, ${JSON.stringify(fedWrites)}`);
    return { webhook, seconds: round(seconds, 3), hostApiserverCpuSeconds: cpu.hostApiserver, cpuSeconds: cpu.total, hostWrites: fedWrites, createdWithFinalizer };
  };

  /** Whether a federated object created (dry run) now would carry the finalizer from the start. */
  const dryRunGetsFinalizer = async (): Promise<boolean> => {
    const url = `/apis/${type.federated.group}/${type.federated.version}/namespaces/${KUBEFED_NS}/${type.federated.plural}`;
    const probe = await fed.host.request<KubeObject>('POST', url, { body: fedObject('configmap', KUBEFED_NS, 0, members), query: { dryRun: 'All' } });
    return probe.metadata?.finalizers?.includes(SYNC_CONTROLLER_FINALIZER) === true;
  };

  const tmp = await mkdtemp(path.join(os.tmpdir(), 'kubefed-ts-bench-webhook-'));
  const syncedTypes = new SyncedTypesWatch(manager.host, KUBEFED_NS, silentLogger);
  syncedTypes.start();
  let server: Awaited<ReturnType<typeof startWebhookServer>> | undefined;
  let registered = false;
  const register = async (): Promise<void> => {
    const certs = await generateClusterCerts(tmp, 'webhook');
    server ??= await startWebhookServer({
      port: 0, host: '127.0.0.1', certPath: certs.servingCertPath, keyPath: certs.servingKeyPath, log: silentLogger,
      syncFinalizer: { lookup: syncedTypes.lookup },
    });
    const caBundle = Buffer.from(await readFile(certs.caCertPath, 'utf8')).toString('base64');
    registered = true;
    await fed.host.create(MUTATING, {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: MUTATING_CONFIGURATION },
      webhooks: [{
        name: 'sync-finalizer.types.kubefed.io',
        clientConfig: { url: `https://127.0.0.1:${server.port}${WEBHOOK_PATHS.federatedFinalizer}`, caBundle },
        rules: [{ apiGroups: ['types.kubefed.io'], apiVersions: ['*'], resources: ['*'], operations: ['CREATE'], scope: '*' }],
        failurePolicy: 'Ignore', sideEffects: 'None', reinvocationPolicy: 'Never', timeoutSeconds: 10, matchPolicy: 'Equivalent', admissionReviewVersions: ['v1'],
      }],
    }, 'kubefed-ts-bench');
    // Registrations reach the API server's admission chain asynchronously: wait until a dry run is mutated.
    await waitFor('the mutating webhook in use', async () => (await dryRunGetsFinalizer()) === true, 30_000, 100);
  };
  const unregister = async (): Promise<void> => {
    if (registered) await fed.host.delete(MUTATING, MUTATING_CONFIGURATION, undefined).catch(() => undefined);
    registered = false;
    // Let the API server drop it from its admission chain before the next run.
    await waitFor('the mutating webhook out of use', async () => (await dryRunGetsFinalizer()) === false, 30_000, 100);
  };

  try {
    const ceilings = [await ceilingRun(1)];
    const runs: Array<Omit<LiveCreateRun, 'ratio'>> = [];
    runs.push(await liveRun(false));
    await register();
    runs.push(await liveRun(true));
    runs.push(await liveRun(true));
    await unregister();
    runs.push(await liveRun(false));
    ceilings.push(await ceilingRun(2));
    const ceiling = mean(ceilings);
    const withRatio = runs.map((r) => ({ ...r, ratio: round(r.seconds / ceiling, 3) }));
    const of = (webhook: boolean) => withRatio.filter((r) => r.webhook === webhook);
    return {
      objects,
      members: members.length,
      createConcurrency,
      ceilingSeconds: ceilings.map((s) => round(s, 3)),
      runs: withRatio,
      webhookSpeedup: round(mean(of(false).map((r) => r.seconds)) / mean(of(true).map((r) => r.seconds)), 3),
      webhookHostCpuSaving: round(mean(of(false).map((r) => r.hostApiserverCpuSeconds)) / mean(of(true).map((r) => r.hostApiserverCpuSeconds)), 3),
    };
  } finally {
    await unregister().catch(() => undefined);
    await server?.close();
    await syncedTypes.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

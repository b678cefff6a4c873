// Throughput against the ceiling: how long the sync controller takes to propagate N federated objects to M
// members, against a plain client loop making the same N×M member writes (the create-only apply that creates each of the
// same objects, through the controller's own member clients, with its write concurrency) on the same API
// servers, in the same run. The ceiling is measured before and after the controller, so that drift of a
// shared machine shows. A third loop, the "protocol floor", makes exactly the requests the controller's
// protocol needs per object (finalizer and status PATCH on the host, a create per member), to tell the
// cost of what the controller must do from the cost of how it does it.
import os from 'node:os';
import { MANAGED_LABEL, PROPAGATION_CONDITION_TYPE, SYNC_CONTROLLER_FINALIZER, TYPES_GROUP, TYPES_VERSION } from '../../src/api/index.js';
import type { Informer } from '../../src/kube/informer.js';
import type { RestClient } from '../../src/kube/rest-client.js';
import type { KubeObject, ResourceType } from '../../src/kube/types.js';
import { FIELD_MANAGER } from '../../src/sync/controller.js';
import { aggregatePropagationStatus } from '../../src/sync/status.js';
import { BenchFederation } from './federation.js';
import { cpuSummary, forEachConcurrently, mean, round, timed, waitFor } from './lib.js';
import { ceilingObject, fedObject, fedTypeOf } from './objects.js';
import { createOnly } from '../../src/execution/perform.js';

export interface ThroughputScenario {
  kind: 'configmap' | 'deployment';
  objects: number;
  /** Namespace of the federated objects (and of their member objects). */
  namespace: string;
  /** Concurrency of the host creates that set the scenario up (not timed). */
  createConcurrency?: number;
  timeoutMs: number;
}

type Cpu = ReturnType<typeof cpuSummary>;
type Requests = Record<string, Record<string, number>>;

export interface ThroughputResult {
  kind: string;
  members: number;
  objects: number;
  memberWrites: number;
  /** Reconciles in flight at once (the KubeFedConfig's maxConcurrentReconciles). */
  workers: number;
  /** Member writes in flight at once, for the controller and the plain loops: workers × members. */
  writeConcurrency: number;
  /** Seconds of the plain loop, before and after the controller run. */
  ceilingSeconds: number[];
  /** Seconds of the protocol floor (the controller's requests made by a plain loop). */
  floorSeconds: number;
  /** From enabling the FederatedTypeConfig (which starts the sync controller) until every member object exists and every federated object reports Propagation True. */
  controllerSeconds: number;
  /** controllerSeconds / mean(ceilingSeconds); the target is ≤ 1.25. */
  ratio: number;
  ratioToBestCeiling: number;
  /** floorSeconds / mean(ceilingSeconds): what the protocol alone costs. */
  floorRatio: number;
  /** controllerSeconds / floorSeconds: what the controller adds to its protocol. */
  controllerToFloor: number;
  /**
   * The same comparisons in CPU seconds (every API server, etcd and this process) instead of wall time:
   * what the work costs, whatever else the shared machine was doing meanwhile.
   */
  cpuRatio: number;
  floorCpuRatio: number;
  controllerToFloorCpu: number;
  /** One-minute load average at the end of each run (ceiling 1, floor, controller, ceiling 2). */
  load: number[];
  ceilingWritesPerSecond: number;
  controllerMemberWritesPerSecond: number;
  /** Writes each API server received during each run, from its own apiserver_request_total. */
  controllerRequests: Requests;
  ceilingRequests: Requests;
  floorRequests: Requests;
  /** CPU seconds per process during each run. */
  cpu: { ceiling: Cpu[]; floor: Cpu; controller: Cpu };
  createSeconds: number;
  /** Seconds from the controller's start until 10, 50, 90, 99 and 100 % of the federated objects reported Propagation True. */
  progress: Record<string, number>;
  /** Member objects with the managed label in the namespace, counted in each member after the run. */
  memberObjectsFound: number[];
}

/** Whether a federated object reports Propagation True. */
export function propagated(obj: KubeObject): boolean {
  const conditions = (obj.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
  return conditions.some((c) => c.type === PROPAGATION_CONDITION_TYPE && c.status === 'True');
}

function progressOf(times: number[], start: number): Record<string, number> {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number): number => round(((sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN) - start) / 1000, 3);
  return { p10: at(10), p50: at(50), p90: at(90), p99: at(99), p100: at(100) };
}

/**
 * A federated type with the same CRD schema as the scenario's but no FederatedTypeConfig, so that no
 * controller reacts to the protocol floor's objects: FederatedSecret for FederatedConfigMap (the CRDs differ
 * only in short names), FederatedReplicaSet for FederatedDeployment.
 */
function floorTypeOf(kind: ThroughputScenario['kind']): ResourceType {
  return kind === 'configmap'
    ? { group: TYPES_GROUP, version: TYPES_VERSION, plural: 'federatedsecrets', kind: 'FederatedSecret', namespaced: true }
    : { group: TYPES_GROUP, version: TYPES_VERSION, plural: 'federatedreplicasets', kind: 'FederatedReplicaSet', namespaced: true };
}

/**
 * Runs one scenario on a federation whose controller-manager is running with the scenario's type
 * Disabled; leaves it Enabled and its objects in place (converged) for later benchmarks.
 */
export async function runThroughput(fed: BenchFederation, scenario: ThroughputScenario, log: (m: string) => void): Promise<ThroughputResult> {
  const { kind, objects, namespace } = scenario;
  const type = fedTypeOf(kind);
  const manager = fed.manager!;
  const members = fed.memberNames;
  // The controller's own clients: the same identities (service-account tokens), pools and TLS sessions.
  const clients: RestClient[] = members.map((m) => manager.registry.get(m)!.client!);
  const workers = manager.config.syncWorkers;
  const label = `${kind} × ${objects} on ${members.length} members`;

  await fed.federateNamespace(namespace);
  const fedObjects = Array.from({ length: objects }, (_, i) => fedObject(kind, namespace, i, members));
  const floorType = floorTypeOf(kind);
  const floorVersions: string[] = [];
  const created = await timed(async () => {
    await forEachConcurrently(fedObjects, scenario.createConcurrency ?? 32, async (obj) => {
      await fed.host.create(type.federated, obj, 'kubefed-ts-bench');
    });
    await forEachConcurrently(fedObjects, scenario.createConcurrency ?? 32, async (obj, i) => {
      const made = await fed.host.create(floorType, { ...obj, kind: floorType.kind }, 'kubefed-ts-bench');
      floorVersions[i] = made.metadata?.resourceVersion ?? '';
    });
  });
  log(`${label}: created ${objects} federated objects (and ${objects} for the protocol floor) in ${created.seconds.toFixed(1)} s`);

  /** Times `work`; the writes are counted once `settle` (the controller's last events and status) is done. */
  const run = async (what: string, work: () => Promise<void>, settle?: () => Promise<void>) => {
    const before = await fed.writeCounts();
    fed.cpu.start();
    const { seconds } = await timed(work);
    const cpu = cpuSummary(fed.cpu.stop());
    const load = round(os.loadavg()[0]!, 2);
    await settle?.();
    const requests = BenchFederation.writesBetween(before, await fed.writeCounts());
    log(`${label}: ${what}: ${seconds.toFixed(2)} s, ${cpu.total} CPU-s, load ${load}`);
    return { seconds, cpu, requests, load };
  };
  type Run = Awaited<ReturnType<typeof run>>;

  const ceilingRun = async (pass: number): Promise<Run> => {
    const ns = `${namespace}-ceiling-${pass}`;
    for (const client of fed.members.values()) await fed.ensureNamespace(client, ns);
    const bodies = fedObjects.map((obj) => members.map((m) => ceilingObject(kind, obj, m, ns)));
    return run(`ceiling ${pass} (${objects * members.length} member creates)`, () =>
      forEachConcurrently(bodies, workers, async (perMember) => {
        await Promise.all(clients.map((client, i) => client.apply(type.target, createOnly(perMember[i]!), FIELD_MANAGER)));
      }),
    );
  };

  const floorRun = async (): Promise<Run> => {
    const ns = `${namespace}-floor`;
    for (const client of fed.members.values()) await fed.ensureNamespace(client, ns);
    const bodies = fedObjects.map((obj) => members.map((m) => ceilingObject(kind, obj, m, ns)));
    const status = aggregatePropagationStatus({
      previous: undefined,
      generation: 1,
      clusters: members.map((name) => ({ name, status: '' })),
      now: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    return run(`protocol floor (finalizer PATCH, ${members.length} member creates, status PATCH per object)`, () =>
      forEachConcurrently(bodies, workers, async (perMember, i) => {
        const name = fedObjects[i]!.metadata!.name!;
        await manager.host.mergePatch(floorType, name, namespace, { metadata: { finalizers: [SYNC_CONTROLLER_FINALIZER], resourceVersion: floorVersions[i] } });
        await Promise.all(clients.map((client, c) => client.apply(type.target, createOnly(perMember[c]!), FIELD_MANAGER)));
        await manager.host.mergePatch(floorType, name, namespace, { status }, { subresource: 'status', fieldManager: FIELD_MANAGER });
      }),
    );
  };

  const first = await ceilingRun(1);
  const floor = await floorRun();

  // Done = every federated object reports Propagation True, seen through the sync controller's own cache of
  // them (what the host's watch delivered): the status is written only once every member write succeeded, and
  // no watch of the benchmark's adds load to the run. The member objects are counted afterwards.
  const propagatedSeen = new Map<string, number>();
  let hostCache: Informer | undefined;
  const count = (): number => hostCache?.list().filter((o) => o.metadata?.namespace === namespace && propagated(o)).length ?? 0;
  let start = 0;
  const controllerRun = await run(`controller (${objects * members.length} member writes, all Propagation True)`, async () => {
    start = performance.now();
    await fed.setPropagation(kind, true);
    await waitFor(`${label} propagated`, () => {
      if (!hostCache) {
        hostCache = manager.typeConfigs.controllers().get(type.ftc)?.fedInformer as Informer | undefined;
        hostCache?.on(({ object }) => {
          const name = object.metadata?.name ?? '';
          if (object.metadata?.namespace === namespace && propagated(object) && !propagatedSeen.has(name)) propagatedSeen.set(name, performance.now());
        });
      }
      return count() >= objects;
    }, scenario.timeoutMs, 10);
  }, () => waitQuiet(fed, 60_000));
  const memberObjectsFound = await Promise.all(members.map((m) => countObjects(fed.members.get(m)!, type.target, namespace, MANAGED_LABEL)));
  if (memberObjectsFound.some((n) => n < objects)) throw new Error(`${label}: member objects missing after the run: ${memberObjectsFound.join(', ')}`);

  const ceilings = [first, await ceilingRun(2)];
  const ceilingSeconds = ceilings.map((c) => round(c.seconds, 3));
  const ceilingCpu = mean(ceilings.map((c) => c.cpu.total));
  const memberWrites = objects * members.length;
  const controllerSeconds = controllerRun.seconds;
  return {
    kind,
    members: members.length,
    objects,
    memberWrites,
    workers,
    writeConcurrency: workers * members.length,
    ceilingSeconds,
    floorSeconds: round(floor.seconds, 3),
    controllerSeconds: round(controllerSeconds, 3),
    ratio: round(controllerSeconds / mean(ceilingSeconds), 3),
    ratioToBestCeiling: round(controllerSeconds / Math.min(...ceilingSeconds), 3),
    floorRatio: round(floor.seconds / mean(ceilingSeconds), 3),
    controllerToFloor: round(controllerSeconds / floor.seconds, 3),
    cpuRatio: round(controllerRun.cpu.total / ceilingCpu, 3),
    floorCpuRatio: round(floor.cpu.total / ceilingCpu, 3),
    controllerToFloorCpu: round(controllerRun.cpu.total / floor.cpu.total, 3),
    load: [first.load, floor.load, controllerRun.load, ceilings[1]!.load],
    ceilingWritesPerSecond: Math.round(memberWrites / mean(ceilingSeconds)),
    controllerMemberWritesPerSecond: Math.round(memberWrites / controllerSeconds),
    controllerRequests: controllerRun.requests,
    ceilingRequests: first.requests,
    floorRequests: floor.requests,
    cpu: { ceiling: ceilings.map((c) => c.cpu), floor: floor.cpu, controller: controllerRun.cpu },
    createSeconds: round(created.seconds, 2),
    progress: progressOf([...propagatedSeen.values()], start),
    memberObjectsFound,
  };
}

/** Objects of `type` in `namespace` carrying `labelSelector`, by a paged list. */
async function countObjects(client: RestClient, type: ResourceType, namespace: string, labelSelector: string): Promise<number> {
  let total = 0;
  let next: string | undefined;
  do {
    const page = await client.list(type, { namespace, labelSelector, limit: 500, continue: next });
    total += page.items.length;
    next = page.metadata.continue || undefined;
  } while (next);
  return total;
}

/** Waits until no sync controller has work waiting or in flight, twice in a row 1.5 s apart. */
export async function waitQuiet(fed: BenchFederation, timeoutMs: number): Promise<void> {
  const manager = fed.manager!;
  const busy = (): number => [...manager.typeConfigs.controllers().values()].reduce((n, c) => n + c.pending(), 0);
  let quietSince = 0;
  await waitFor('sync controllers idle', () => {
    if (busy() > 0) quietSince = 0;
    else if (quietSince === 0) quietSince = Date.now();
    return quietSince > 0 && Date.now() - quietSince >= 1500;
  }, timeoutMs, 50);
}

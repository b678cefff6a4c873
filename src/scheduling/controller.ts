// The ReplicaSchedulingPreference controller: for each RSP it plans how many replicas each ready member
// cluster runs of the FederatedDeployment/FederatedReplicaSet with the same namespace and name, and
// writes that plan into the fed object as placement plus `/spec/replicas` overrides (the sync controller
// then propagates it). Moves grow the new clusters before shrinking the old ones; a cluster that is not
// ready keeps its replicas written (they still run there) but no longer counts toward the total.
import {
  ANY_CLUSTER,
  REPLICA_SCHEDULING_PREFERENCE_KIND,
  REPLICA_SCHEDULING_PREFERENCE_PLURAL,
  SCHEDULABLE_FEDERATED_KINDS,
  SCHEDULING_GROUP,
  SCHEDULING_VERSION,
  TYPES_GROUP,
  TYPES_VERSION,
  type FederatedResource,
  type ReplicaSchedulingPreference,
  type ReplicaSchedulingPreferenceStatus,
  type RspCondition,
} from '../api/index.js';
import type { ClusterRegistry } from '../cluster/registry.js';
import { errorMessage, isConflict, isNotFound } from '../kube/errors.js';
import type { EventSink } from '../kube/events.js';
import { withoutManagedFields, type InformerCache, type InformerLease } from '../kube/informer-cache.js';
import type { MemberCacheLease, MemberCaches } from '../members/member-caches.js';
import type { MemberObject } from '../members/member-object.js';
import type { RestClient } from '../kube/rest-client.js';
import { objectKey, splitKey, type KubeObject, type ResourceType } from '../kube/types.js';
import type { SyncMetrics } from '../metrics/metrics.js';
import { WorkQueue } from '../queue/work-queue.js';
import { selectClusters } from '../sync/placement.js';
import { canonicalJson } from '../sync/render.js';
import type { Logger } from '../util/log.js';
import { planReplicas, PlannerInputError } from './planner.js';
import { appliedReplicas, finalSchedule, phasedSchedule, scheduleChanged, withSchedule } from './schedule.js';

export const RspType: ResourceType = {
  group: SCHEDULING_GROUP,
  version: SCHEDULING_VERSION,
  plural: REPLICA_SCHEDULING_PREFERENCE_PLURAL,
  kind: REPLICA_SCHEDULING_PREFERENCE_KIND,
  namespaced: true,
};

/** The schedulable federated kinds and the member workloads they propagate to. */
const SCHEDULABLE: Record<string, { federated: ResourceType; target: ResourceType }> = {
  FederatedDeployment: {
    federated: { group: TYPES_GROUP, version: TYPES_VERSION, plural: 'federateddeployments', kind: 'FederatedDeployment', namespaced: true },
    target: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  },
  FederatedReplicaSet: {
    federated: { group: TYPES_GROUP, version: TYPES_VERSION, plural: 'federatedreplicasets', kind: 'FederatedReplicaSet', namespaced: true },
    target: { group: 'apps', version: 'v1', plural: 'replicasets', kind: 'ReplicaSet', namespaced: true },
  },
};

export const SchedulingReason = {
  Scheduled: 'Scheduled',
  WaitingForReplicas: 'WaitingForReplicas',
  TargetNotFound: 'TargetNotFound',
  UnsupportedTargetKind: 'UnsupportedTargetKind',
  InvalidPreferences: 'InvalidPreferences',
  NoReadyClusters: 'NoReadyClusters',
  WriteFailed: 'WriteFailed',
} as const;

/** Pods unschedulable for longer than this lower their cluster's estimated capacity (as in KubeFed). */
const UNSCHEDULABLE_THRESHOLD_MS = 60_000;
const RECHECK_MS = 5_000;
const CACHE_WAIT_MS = 500;

export interface RspControllerOptions {
  host: RestClient;
  registry: ClusterRegistry;
  informers: InformerCache;
  memberCaches: MemberCaches;
  events: EventSink;
  log: Logger;
  targetNamespace: string | undefined;
  metrics?: SyncMetrics | undefined;
}

type Rsp = ReplicaSchedulingPreference & KubeObject;
type Fed = FederatedResource & KubeObject;

export class RspController {
  private readonly log: Logger;
  private readonly queue: WorkQueue;
  private rspLease: InformerLease<Rsp> | undefined;
  private readonly fedLeases = new Map<string, InformerLease<Fed>>();
  /** Federated kind → the member workload caches of its target type. */
  private readonly members = new Map<string, MemberCacheLease>();
  private readonly unsubscribe: Array<() => void> = [];
  private loop: Promise<void> | undefined;

  constructor(private readonly options: RspControllerOptions) {
    this.log = options.log.child({ controller: 'replicaschedulingpreference' });
    this.queue = new WorkQueue(options.metrics ? { observer: options.metrics.queue('replicaschedulingpreference') } : {});
  }

  async start(): Promise<void> {
    const { informers, host, targetNamespace, memberCaches } = this.options;
    this.rspLease = informers.acquire<Rsp>(host, RspType, { namespace: targetNamespace, log: this.log });
    this.rspLease.informer.on(({ object }) => this.queue.add(objectKey(object)));
    for (const [kind, types] of Object.entries(SCHEDULABLE)) {
      const lease = informers.acquire<Fed>(host, types.federated, { namespace: targetNamespace, log: this.log, view: withoutManagedFields() });
      lease.informer.on(({ object }) => this.enqueueIfScheduled(objectKey(object)));
      this.fedLeases.set(kind, lease);
      // Replica counts and readiness in members drive rebalancing and the second half of a move.
      this.members.set(
        kind,
        memberCaches.acquire({
          type: types.target,
          projection: { status: true, workload: true },
          onEvent: (_cluster, { object }) => this.enqueueIfScheduled(objectKey(object)),
        }),
      );
    }
    this.unsubscribe.push(
      this.options.registry.onEvent(() => {
        for (const rsp of this.rspLease?.informer.list() ?? []) this.queue.addBulk(objectKey(rsp));
      }),
    );
    await this.rspLease.informer.waitForSync();
    this.loop = this.queue.run(4, (key) => this.reconcile(key));
    this.log.info('replica scheduler started');
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    await this.queue.shutdown({ drain: true });
    await this.loop;
    await Promise.all([...this.members.values()].map((lease) => lease.release()));
    this.members.clear();
    await Promise.all([...this.fedLeases.values()].map((l) => l.release()));
    await this.rspLease?.release();
  }

  private enqueueIfScheduled(key: string): void {
    if (this.rspLease?.informer.get(key)) this.queue.add(key);
  }

  private async reconcile(key: string): Promise<{ requeueAfterMs?: number } | void> {
    const rsp = this.rspLease!.informer.get(key);
    if (!rsp) return;
    const log = this.log.child({ namespace: rsp.metadata.namespace, name: rsp.metadata.name });
    const kind = rsp.spec.targetKind;
    if (!(SCHEDULABLE_FEDERATED_KINDS as readonly string[]).includes(kind) || !SCHEDULABLE[kind]) {
      return this.report(rsp, { reason: SchedulingReason.UnsupportedTargetKind, message: `spec.targetKind "${kind}" is not one of ${SCHEDULABLE_FEDERATED_KINDS.join(', ')}` });
    }
    // Decide only from filled caches: a half-filled one would look like missing objects and cause churn.
    const fedInformer = this.fedLeases.get(kind)!.informer;
    if (!fedInformer.hasSynced()) return { requeueAfterMs: CACHE_WAIT_MS };
    const members = this.members.get(kind)!;
    for (const c of this.options.registry.clusters()) {
      if (c.ready && members.state(c.name).kind === 'filling') return { requeueAfterMs: CACHE_WAIT_MS };
    }
    const fed = fedInformer.get(key);
    if (!fed) {
      return this.report(rsp, { reason: SchedulingReason.TargetNotFound, message: `${kind} ${key} does not exist` });
    }

    const clusters = this.options.registry.clusters();
    const ready = clusters.filter((c) => c.ready);
    let candidates = ready.map((c) => c.name);
    if (rsp.spec.intersectWithClusterSelector) {
      // Only the fed object's clusterSelector counts here: its cluster list is what this controller writes.
      const selector = fed.spec?.placement?.clusterSelector;
      const selected = new Set(selectClusters(selector ? { clusterSelector: selector } : undefined, ready).clusters);
      candidates = candidates.filter((c) => selected.has(c));
    }

    const target = SCHEDULABLE[kind].target;
    const workloads = new Map<string, MemberObject>();
    for (const c of clusters) {
      const w = members.get(c.name, key);
      if (w) workloads.set(c.name, w);
    }
    const current: Record<string, number> = {};
    const readyReplicas: Record<string, number> = {};
    for (const [cluster, w] of workloads) {
      const status = (w.status ?? {}) as { readyReplicas?: number; observedGeneration?: number };
      current[cluster] = status.readyReplicas ?? 0;
      // Status that has not caught up with the latest spec says nothing about the new replicas.
      const fresh = (status.observedGeneration ?? 0) >= (w.metadata?.generation ?? 0);
      readyReplicas[cluster] = fresh ? (status.readyReplicas ?? 0) : 0;
    }
    const estimatedCapacity = rsp.spec.rebalance ? await this.estimateCapacity(candidates, workloads, target, key) : {};

    let result: { plan: Record<string, number>; overflow: Record<string, number> };
    try {
      result = planReplicas({
        totalReplicas: rsp.spec.totalReplicas,
        rebalance: rsp.spec.rebalance ?? false,
        clusters: rsp.spec.clusters && Object.keys(rsp.spec.clusters).length > 0 ? rsp.spec.clusters : { [ANY_CLUSTER]: { weight: 1 } },
        availableClusters: candidates,
        currentReplicas: current,
        estimatedCapacity,
        key,
      });
    } catch (err) {
      if (err instanceof PlannerInputError) return this.report(rsp, { reason: SchedulingReason.InvalidPreferences, message: err.message });
      throw err;
    }
    const existingReady = [...workloads.keys()].filter((c) => candidates.includes(c));
    const wanted = finalSchedule({ plan: result.plan, overflow: rsp.spec.rebalance ? {} : result.overflow, existing: existingReady });
    const applied = appliedReplicas(fed.spec?.overrides);
    const { schedule, waitingFor } = phasedSchedule({ target: wanted, applied, ready: readyReplicas, readyClusters: new Set(ready.map((c) => c.name)) });

    const next = withSchedule(fed.spec?.overrides, schedule);
    const placementNow = (fed.spec?.placement?.clusters ?? []).map((c) => c.name);
    if (scheduleChanged({ placement: placementNow, overrides: fed.spec?.overrides }, next)) {
      try {
        await this.options.host.mergePatch(SCHEDULABLE[kind].federated, splitKey(key).name, splitKey(key).namespace, {
          metadata: { resourceVersion: fed.metadata?.resourceVersion },
          spec: { placement: { clusters: next.clusters }, overrides: next.overrides },
        }, { fieldManager: 'kubefed-ts-scheduler' });
        log.info({ schedule, waitingFor }, 'wrote replica schedule');
        this.options.events.record(rsp, 'Normal', 'ScheduleUpdated', `Replicas per cluster: ${formatSchedule(schedule)}`);
      } catch (err) {
        if (isConflict(err) || isNotFound(err)) return; // a newer fed object comes through the informer
        await this.report(rsp, { reason: SchedulingReason.WriteFailed, message: errorMessage(err) });
        throw err;
      }
    }
    if (ready.length === 0) {
      return this.report(rsp, { reason: SchedulingReason.NoReadyClusters, message: 'no member cluster is ready', schedule, overflow: result.overflow });
    }
    if (waitingFor.length > 0) {
      await this.report(rsp, {
        reason: SchedulingReason.WaitingForReplicas,
        message: `waiting for ready replicas in ${waitingFor.join(', ')} before scaling other clusters down`,
        schedule,
        overflow: result.overflow,
      });
      return { requeueAfterMs: RECHECK_MS };
    }
    await this.report(rsp, { reason: SchedulingReason.Scheduled, message: formatSchedule(schedule), schedule, overflow: result.overflow });
  }

  /**
   * Pods unschedulable for more than a minute mean the cluster cannot take its share: its capacity is
   * estimated as the replicas asked for minus those pods (KubeFed's rule).
   */
  private async estimateCapacity(
    candidates: string[],
    workloads: Map<string, KubeObject>,
    target: ResourceType,
    key: string,
  ): Promise<Record<string, number>> {
    const capacity: Record<string, number> = {};
    await Promise.all(
      candidates.map(async (cluster) => {
        const w = workloads.get(cluster);
        const client = this.options.registry.get(cluster)?.client;
        const matchLabels = ((w?.spec as { selector?: { matchLabels?: Record<string, string> } } | undefined)?.selector?.matchLabels) ?? undefined;
        if (!w || !client || !matchLabels) return;
        const labelSelector = Object.entries(matchLabels).map(([k, v]) => `${k}=${v}`).join(',');
        try {
          const pods = await client.list({ group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true }, {
            namespace: splitKey(key).namespace,
            labelSelector,
          });
          const now = Date.now();
          const stuck = pods.items.filter((p) => {
            const cond = ((p.status as { conditions?: Array<{ type: string; status: string; reason?: string; lastTransitionTime?: string }> } | undefined)?.conditions ?? [])
              .find((c) => c.type === 'PodScheduled');
            return cond?.status === 'False' && cond.reason === 'Unschedulable' && now - Date.parse(cond.lastTransitionTime ?? '') > UNSCHEDULABLE_THRESHOLD_MS;
          }).length;
          if (stuck > 0) {
            const replicas = (w.spec as { replicas?: number }).replicas ?? 0;
            capacity[cluster] = Math.max(0, replicas - stuck);
          }
        } catch (err: unknown) {
          this.log.debug({ cluster, err: errorMessage(err), target: target.plural }, 'could not list pods for capacity');
        }
      }),
    );
    return capacity;
  }

  private async report(
    rsp: Rsp,
    outcome: { reason: string; message: string; schedule?: Record<string, number>; overflow?: Record<string, number> },
  ): Promise<void> {
    const ok = outcome.reason === SchedulingReason.Scheduled;
    const previous = rsp.status?.conditions?.find((c) => c.type === 'Scheduled');
    const status = ok ? 'True' : 'False';
    const condition: RspCondition = {
      type: 'Scheduled',
      status,
      reason: outcome.reason,
      message: outcome.message,
      lastTransitionTime: previous && previous.status === status ? (previous.lastTransitionTime ?? now()) : now(),
    };
    const next: ReplicaSchedulingPreferenceStatus = {
      observedGeneration: rsp.metadata.generation ?? 0,
      conditions: [condition],
      ...(outcome.schedule ? { schedule: outcome.schedule } : {}),
      ...(outcome.overflow && Object.keys(outcome.overflow).length > 0 ? { overflow: outcome.overflow } : {}),
    };
    if (canonicalJson(next) === canonicalJson(rsp.status ?? {})) return;
    if (!ok && previous?.reason !== outcome.reason) this.options.events.record(rsp, 'Warning', outcome.reason, outcome.message);
    try {
      // The whole status is replaced: a JSON merge patch would keep clusters that left the schedule.
      await this.options.host.jsonPatch(RspType, rsp.metadata.name ?? '', rsp.metadata.namespace, [{ op: 'add', path: '/status', value: next }], { subresource: 'status' });
    } catch (err) {
      if (!isNotFound(err)) this.log.warn({ name: rsp.metadata.name, err: errorMessage(err) }, 'could not write RSP status');
    }
  }
}

function formatSchedule(schedule: Record<string, number>): string {
  return Object.keys(schedule).sort().map((c) => `${c}=${schedule[c]}`).join(', ') || 'none';
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

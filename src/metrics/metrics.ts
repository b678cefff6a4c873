// Prometheus metrics of every loop: work queues, reconciles, member API calls, cluster health, leadership,
// propagation latency, admission reviews, federated objects by Propagation status. KubeFed's metric names are kept where a dashboard may use them
// (controller_runtime_reconcile_*, workqueue_*, kubefedcluster_total, dispatch_operation_duration_seconds);
// kubefed-ts's own are prefixed `kubefed_`. Controllers see small adapters, never prom-client itself.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ExecutorObserver } from '../execution/executor.js';
import type { RequestObserver, Verb } from '../kube/rest-client.js';
import type { WorkQueueObserver } from '../queue/work-queue.js';
import type { WebhookObserver } from '../webhook/server.js';
import { countByClusterStatus, countByPropagation, type FederatedObjectSource } from './federated-objects.js';

const KUBEFED_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 7.5, 10, 12.5, 15, 17.5, 20, 22.5, 25, 27.5, 30, 50, 75, 100, 1000];
const FAST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** What a sync controller reports; implemented here, consumed by src/sync. */
export interface SyncMetrics {
  queue(controller: string): WorkQueueObserver;
  memberWrite(controller: string, cluster: string, action: string, outcome: 'success' | 'error', seconds: number): void;
  /** From the fed object's change being seen to the last member write of that change. */
  propagationLatency(controller: string, seconds: number): void;
}

export class Metrics {
  readonly registry = new Registry();

  private readonly reconcileTotal = new Counter({
    name: 'controller_runtime_reconcile_total',
    help: 'Reconciles per controller and result (success, error, requeue).',
    labelNames: ['controller', 'result'],
    registers: [this.registry],
  });
  private readonly reconcileErrors = new Counter({
    name: 'controller_runtime_reconcile_errors_total',
    help: 'Reconciles that failed and were retried with backoff.',
    labelNames: ['controller'],
    registers: [this.registry],
  });
  private readonly reconcileTime = new Histogram({
    name: 'controller_runtime_reconcile_time_seconds',
    help: 'Duration of one reconcile.',
    labelNames: ['controller'],
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  private readonly queueDepth = new Gauge({
    name: 'workqueue_depth',
    help: 'Keys waiting in a work queue.',
    labelNames: ['name'],
    registers: [this.registry],
  });
  private readonly queueAdds = new Counter({
    name: 'workqueue_adds_total',
    help: 'Keys added to a work queue.',
    labelNames: ['name'],
    registers: [this.registry],
  });
  private readonly queueRetries = new Counter({
    name: 'workqueue_retries_total',
    help: 'Keys re-queued with backoff after an error.',
    labelNames: ['name'],
    registers: [this.registry],
  });
  private readonly memberRequests = new Counter({
    name: 'kubefed_member_requests_total',
    help: 'Requests to each cluster API server (host included) by verb and HTTP code (0 = no answer).',
    labelNames: ['cluster', 'verb', 'code'],
    registers: [this.registry],
  });
  private readonly memberRequestDuration = new Histogram({
    name: 'kubefed_member_request_duration_seconds',
    help: 'Latency of requests to each cluster API server (watches excluded).',
    labelNames: ['cluster', 'verb'],
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  private readonly memberWrites = new Counter({
    name: 'kubefed_member_writes_total',
    help: 'Writes of member objects by controller, cluster, action (create, update, delete, unlabel) and outcome.',
    labelNames: ['controller', 'cluster', 'action', 'outcome'],
    registers: [this.registry],
  });
  private readonly dispatchDuration = new Histogram({
    name: 'dispatch_operation_duration_seconds',
    help: 'Duration of member object writes by action (KubeFed-compatible name).',
    labelNames: ['action'],
    buckets: KUBEFED_BUCKETS,
    registers: [this.registry],
  });
  private readonly propagation = new Histogram({
    name: 'kubefed_propagation_latency_seconds',
    help: 'Time from a federated object change being observed to its last member write.',
    labelNames: ['controller'],
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });
  private readonly clusterReadyGauge = new Gauge({
    name: 'kubefed_cluster_ready',
    help: '1 when the member cluster is ready, 0 otherwise.',
    labelNames: ['cluster'],
    registers: [this.registry],
  });
  private readonly clusterStateGauge = new Gauge({
    name: 'kubefedcluster_total',
    help: 'KubeFed-compatible: 1 for the state (ready, notready) each cluster is in, 0 for the other.',
    labelNames: ['state', 'cluster'],
    registers: [this.registry],
  });
  private readonly leaderGauge = new Gauge({
    name: 'kubefed_leader',
    help: '1 while this replica holds the leader lease.',
    registers: [this.registry],
  });

  /** The running sync controllers' caches, counted at scrape time (only the leader has any). */
  private federatedObjectSources: (() => Iterable<FederatedObjectSource>) | undefined;
  private readonly federatedObjects = new Gauge({
    name: 'kubefed_federated_objects',
    help: 'Federated objects by controller and Propagation condition (status True, False or Unknown; reason when not True).',
    labelNames: ['controller', 'status', 'reason'],
    registers: [this.registry],
    collect: () => {
      this.federatedObjects.reset();
      if (!this.federatedObjectSources) return;
      for (const c of countByPropagation(this.federatedObjectSources())) {
        this.federatedObjects.set({ controller: c.controller, status: c.status, reason: c.reason }, c.count);
      }
    },
  });
  private readonly federatedObjectClusters = new Gauge({
    name: 'kubefed_federated_object_clusters',
    help: "Federated objects' placements by controller, cluster and that cluster's propagation status (Ok when in the desired state).",
    labelNames: ['controller', 'cluster', 'status'],
    registers: [this.registry],
    collect: () => {
      this.federatedObjectClusters.reset();
      if (!this.federatedObjectSources) return;
      for (const c of countByClusterStatus(this.federatedObjectSources())) {
        this.federatedObjectClusters.set({ controller: c.controller, cluster: c.cluster, status: c.status }, c.count);
      }
    },
  });

  private readonly webhookReviews = new Counter({
    name: 'kubefed_webhook_reviews_total',
    help: 'Admission reviews answered, by path and outcome (allowed, patched, denied, invalid).',
    labelNames: ['path', 'outcome'],
    registers: [this.registry],
  });
  private readonly webhookDuration = new Histogram({
    name: 'kubefed_webhook_review_duration_seconds',
    help: 'Time to answer an admission review, by path.',
    labelNames: ['path'],
    buckets: FAST_BUCKETS,
    registers: [this.registry],
  });

  private readonly executorQueued = new Gauge({
    name: 'kubefed_executor_queued',
    help: 'Member work waiting in a cluster executor (queued or backing off before a retry), by cluster.',
    labelNames: ['cluster'],
    registers: [this.registry],
  });

  private readonly executorInFlight = new Gauge({
    name: 'kubefed_executor_in_flight',
    help: 'Member requests in flight from a cluster executor, by cluster.',
    labelNames: ['cluster'],
    registers: [this.registry],
  });

  private readonly executorAvailable = new Gauge({
    name: 'kubefed_executor_available',
    help: '1 while a cluster executor takes work, 0 while it fails fast because the cluster does not answer.',
    labelNames: ['cluster'],
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    // prom-client samples event-loop delay with a 10 ms timer by default: 100 wakeups a second, most of an idle
    // controller's CPU. Every 100 ms still catches any stall long enough to matter.
    if (options.processMetrics !== false) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 100 });
  }

  queueObserver(name: string): WorkQueueObserver {
    // Series exist from the start, so an alert's rate() sees the first error and the depth reads 0, not absent.
    this.queueDepth.set({ name }, 0);
    this.reconcileErrors.inc({ controller: name }, 0);
    return {
      onDepth: (depth) => this.queueDepth.set({ name }, depth),
      onAdd: () => this.queueAdds.inc({ name }),
      onRetry: () => this.queueRetries.inc({ name }),
      onProcessed: (_key, durationMs, outcome) => {
        this.reconcileTotal.inc({ controller: name, result: outcome });
        if (outcome === 'error') this.reconcileErrors.inc({ controller: name });
        this.reconcileTime.observe({ controller: name }, durationMs / 1000);
      },
    };
  }

  syncMetrics(): SyncMetrics {
    return {
      queue: (controller) => this.queueObserver(controller),
      memberWrite: (controller, cluster, action, outcome, seconds) => {
        this.memberWrites.inc({ controller, cluster, action, outcome });
        this.dispatchDuration.observe({ action }, seconds);
      },
      propagationLatency: (controller, seconds) => this.propagation.observe({ controller }, seconds),
    };
  }

  executorObserver(): ExecutorObserver {
    return {
      onDepth: (cluster, queued, inFlight) => {
        this.executorQueued.set({ cluster }, queued);
        this.executorInFlight.set({ cluster }, inFlight);
      },
      onAvailability: (cluster, available) => this.executorAvailable.set({ cluster }, available ? 1 : 0),
    };
  }

  requestObserver(): RequestObserver {
    return {
      onResponse: (cluster: string, verb: Verb, code: number, seconds: number) => {
        this.memberRequests.inc({ cluster, verb, code: String(code) });
        if (verb !== 'WATCH') this.memberRequestDuration.observe({ cluster, verb }, seconds);
      },
    };
  }

  webhookObserver(): WebhookObserver {
    return {
      onReview: (path, outcome, seconds) => {
        this.webhookReviews.inc({ path, outcome });
        this.webhookDuration.observe({ path }, seconds);
      },
    };
  }

  clusterReady(cluster: string, ready: boolean): void {
    this.clusterReadyGauge.set({ cluster }, ready ? 1 : 0);
    this.clusterStateGauge.set({ state: 'ready', cluster }, ready ? 1 : 0);
    this.clusterStateGauge.set({ state: 'notready', cluster }, ready ? 0 : 1);
  }

  clusterRemoved(cluster: string): void {
    this.clusterReadyGauge.remove({ cluster });
    this.clusterStateGauge.remove({ state: 'ready', cluster });
    this.clusterStateGauge.remove({ state: 'notready', cluster });
  }

  /**
   * Counts the federated objects `source` lists whenever /metrics is scraped. Returns the function that
   * stops it (the controllers are gone), which clears the counts.
   */
  countFederatedObjects(source: () => Iterable<FederatedObjectSource>): () => void {
    this.federatedObjectSources = source;
    return () => {
      if (this.federatedObjectSources === source) this.federatedObjectSources = undefined;
    };
  }

  setLeader(leader: boolean): void {
    this.leaderGauge.set(leader ? 1 : 0);
  }
}

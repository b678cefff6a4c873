// The cluster registry: one client per KubeFedCluster, built from its apiEndpoint, caBundle and the token
// in its Secret, rebuilt when any of those change, and a health prober that writes the KubeFedCluster's
// conditions when they change. Sync controllers ask it which clusters exist and which are ready, and
// subscribe to readiness changes. A pull-mode cluster has no client: its health is its agent's heartbeat
// Lease on the host (heartbeat.ts), and the registry stays the only writer of its status.
import { KubeConfig } from '../kube/kubeconfig.js';
import {
  AGENT_KUBERNETES_VERSION_ANNOTATION,
  AGENT_VERSION_ANNOTATION,
  CORE_GROUP,
  CORE_VERSION,
  HEARTBEAT_LEASE_NAME,
  KUBEFED_CLUSTER_KIND,
  KUBEFED_CLUSTER_PLURAL,
  pullClusterNamespace,
  reportedVersion,
  SyncMode,
  syncModeOf,
  type KubeFedCluster,
} from '../api/index.js';
import { errorMessage, isNotFound } from '../kube/errors.js';
import { Informer } from '../kube/informer.js';
import { RestClient, type RequestObserver } from '../kube/rest-client.js';
import { CoreTypes, type KubeObject, type ResourceType } from '../kube/types.js';
import type { Logger } from '../util/log.js';
import { canonicalJson } from '../sync/render.js';
import { healthFromConditions, isReady, nextHealth, type ClusterHealth, type ProbeOutcome } from './health.js';
import { judgeHeartbeat, type HeartbeatObservation } from './heartbeat.js';

export const KubeFedClusterType: ResourceType = {
  group: CORE_GROUP,
  version: CORE_VERSION,
  plural: KUBEFED_CLUSTER_PLURAL,
  kind: KUBEFED_CLUSTER_KIND,
  namespaced: true,
};

export interface HealthCheckSettings {
  periodMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
  /** Pull mode: how long a heartbeat may go unrenewed before the cluster is not ready (default 40 s). */
  pullHeartbeatGraceMs?: number;
}

const DEFAULT_PULL_HEARTBEAT_GRACE_MS = 40_000;
/** The grace period is the debounce of a pull cluster's health: no probe counts on top of it. */
const NO_DEBOUNCE = { failureThreshold: 1, successThreshold: 1 };

export interface MemberCluster {
  name: string;
  labels: Record<string, string>;
  syncMode: SyncMode;
  /**
   * Work can be sent: healthy, and (push) a client to send it with, or (pull) an agent renewing its
   * heartbeat, which carries out the work the host publishes in its namespace (docs/pull-mode.md).
   */
  ready: boolean;
  /** Absent while the config is malformed (no Secret, bad endpoint…). */
  client: RestClient | undefined;
}

/** What the status page shows of a cluster: its readiness as last probed, never its credentials. */
export interface ClusterDescription {
  name: string;
  labels: Record<string, string>;
  syncMode: SyncMode;
  ready: boolean;
  kubernetesVersion: string | undefined;
  /** Pull mode: the agent's version, from its heartbeat. */
  agentVersion: string | undefined;
  lastProbeAt: string | undefined;
  /** The Ready condition as written on the KubeFedCluster. */
  readyCondition: { status: string; reason?: string | undefined; message?: string | undefined; lastTransitionTime?: string | Date | undefined } | undefined;
}

/**
 * `changed`: the cluster's client was rebuilt (endpoint, CA, token), so caches must be rebuilt too;
 * `relabeled`: only its labels changed, which may change placements.
 */
export type ClusterEvent = { type: 'ready' | 'notReady' | 'changed' | 'relabeled' | 'removed'; name: string };

interface Entry {
  name: string;
  kfc: KubeFedCluster;
  /** Identity of what the client was built from; a change rebuilds it. */
  clientSource: string;
  client: RestClient | undefined;
  configError: string | undefined;
  health: ClusterHealth;
  kubernetesVersion: string | undefined;
  agentVersion: string | undefined;
  /** Pull mode: when the host last saw the heartbeat renewed. */
  heartbeat: HeartbeatObservation | undefined;
  /** When the last probe finished (the conditions' lastProbeTime only moves when they change). */
  lastProbeAt: string | undefined;
  probing: boolean;
  /** The KubeFedCluster status write in flight, if any; probes never wait for it. */
  statusWrite: Promise<void> | undefined;
  /** The status to write changed and no write has carried it yet (one in flight or failed): write it. */
  statusDirty: boolean;
}

export interface ClusterRegistryOptions {
  host: RestClient;
  namespace: string;
  health: HealthCheckSettings;
  log: Logger;
  /** Request metrics of the member clients. */
  observer?: RequestObserver;
  /** In-flight requests allowed per member API server. */
  maxSocketsPerCluster?: number;
  /** Called after every probe, e.g. for a cluster-ready gauge. */
  onProbe?: (cluster: string, ready: boolean) => void;
}

/** How long a stop waits for status writes on their way. */
const STOP_WAIT_FOR_STATUS_MS = 2_000;

export class ClusterRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly listeners = new Set<(event: ClusterEvent) => void>();
  private readonly kfcInformer: Informer<KubeFedCluster & KubeObject>;
  private readonly secretInformer: Informer;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly chains = new Map<string, Promise<void>>();

  constructor(private readonly options: ClusterRegistryOptions) {
    this.log = options.log.child({ controller: 'cluster-registry' });
    this.kfcInformer = new Informer(options.host, KubeFedClusterType, { namespace: options.namespace, log: this.log });
    this.secretInformer = new Informer(options.host, CoreTypes.secret, { namespace: options.namespace, log: this.log });
  }

  /** Starts watching KubeFedClusters and probing; resolves once every known cluster has been probed once. */
  async start(): Promise<void> {
    this.log.info('Starting cluster controller'); // KubeFed's words, which its users look for
    this.secretInformer.start();
    this.kfcInformer.start();
    await Promise.all([this.secretInformer.waitForSync(), this.kfcInformer.waitForSync()]);
    // Clients are built from complete caches first; only then do changes stream in, one cluster at a time.
    for (const kfc of this.kfcInformer.list()) await this.upsert(kfc);
    this.kfcInformer.on(({ type, object }) => {
      const name = object.metadata?.name ?? '';
      this.serialized(name, () => {
        const current = this.kfcInformer.get(`${this.options.namespace}/${name}`);
        return type === 'deleted' || !current ? this.remove(name) : this.upsert(current);
      });
    });
    this.secretInformer.on(({ object }) => {
      for (const entry of this.entries.values()) {
        if (entry.kfc.spec.secretRef?.name === object.metadata?.name) this.serialized(entry.name, () => this.upsert(entry.kfc));
      }
    });
    await this.probeAll();
    this.timer = setInterval(() => void this.probeAll(), this.options.health.periodMs);
    this.timer.unref();
  }

  /** Runs changes to one cluster one after another, never interleaved. */
  private serialized(name: string, work: () => Promise<void> | void): void {
    const previous = this.chains.get(name) ?? Promise.resolve();
    const next: Promise<void> = previous
      .then(work)
      .catch((err: unknown) => this.log.error({ cluster: name, err: errorMessage(err) }, 'cluster update failed'))
      .finally(() => {
        if (this.chains.get(name) === next) this.chains.delete(name);
      });
    this.chains.set(name, next);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    // Status writes on their way finish first (a stopping leader's last word), but a hung host does not hold the stop.
    const writes = [...this.entries.values()].flatMap((e) => (e.statusWrite ? [e.statusWrite] : []));
    if (writes.length > 0) await Promise.race([Promise.all(writes), new Promise((resolve) => setTimeout(resolve, STOP_WAIT_FOR_STATUS_MS).unref())]);
    await Promise.all([this.kfcInformer.stop(), this.secretInformer.stop()]);
    for (const entry of this.entries.values()) entry.client?.close();
    this.entries.clear();
  }

  onEvent(listener: (event: ClusterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clusters(): MemberCluster[] {
    return [...this.entries.values()].map((e) => this.view(e));
  }

  get(name: string): MemberCluster | undefined {
    const entry = this.entries.get(name);
    return entry && this.view(entry);
  }

  /** Every cluster's readiness, version and last probe, for the status page. */
  describe(): ClusterDescription[] {
    return [...this.entries.values()].map((e) => {
      const ready = e.health.conditions.find((c) => c.type === 'Ready');
      return {
        name: e.name,
        labels: e.kfc.metadata.labels ?? {},
        syncMode: syncModeOf(e.kfc),
        ready: healthy(e, e.health),
        kubernetesVersion: e.kubernetesVersion,
        agentVersion: e.agentVersion,
        lastProbeAt: e.lastProbeAt,
        readyCondition: ready && {
          status: ready.status,
          reason: ready.reason,
          message: ready.message,
          lastTransitionTime: ready.lastTransitionTime,
        },
      };
    });
  }

  private view(e: Entry): MemberCluster {
    return { name: e.name, labels: e.kfc.metadata.labels ?? {}, syncMode: syncModeOf(e.kfc), ready: usable(e, e.health), client: e.client };
  }

  private emit(event: ClusterEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.error({ cluster: event.name, err: errorMessage(err) }, 'cluster listener failed');
      }
    }
  }

  private async upsert(kfc: KubeFedCluster): Promise<void> {
    const name = kfc.metadata.name ?? '';
    const pull = syncModeOf(kfc) === SyncMode.Pull;
    const secret = pull ? undefined : this.secretInformer.get(`${this.options.namespace}/${kfc.spec.secretRef?.name}`);
    const source = JSON.stringify([kfc.spec, secret?.metadata?.resourceVersion ?? '']);
    let entry = this.entries.get(name);
    const labelsChanged = entry && canonicalJson(entry.kfc.metadata.labels ?? {}) !== canonicalJson(kfc.metadata.labels ?? {});
    if (!entry) {
      entry = {
        name,
        kfc,
        clientSource: '',
        client: undefined,
        configError: undefined,
        health: healthFromConditions(kfc.status?.conditions),
        kubernetesVersion: kfc.status?.kubernetesVersion,
        agentVersion: kfc.status?.agentVersion,
        heartbeat: undefined,
        lastProbeAt: undefined,
        probing: false,
        statusWrite: undefined,
        statusDirty: false,
      };
      this.entries.set(name, entry);
    }
    entry.kfc = kfc;
    if (entry.clientSource !== source) {
      entry.clientSource = source;
      entry.client?.close();
      entry.client = undefined;
      entry.configError = undefined;
      try {
        // A pull cluster's agent reaches the host; the host never reaches it.
        if (!pull) entry.client = await buildMemberClient(kfc, secret, this.options);
      } catch (err) {
        entry.configError = errorMessage(err);
        this.log.warn({ cluster: name, err: entry.configError }, 'cluster configuration is malformed');
      }
      // A new client must prove itself before it is used.
      if (this.timer) await this.probe(entry);
      this.emit({ type: 'changed', name });
    } else if (labelsChanged) {
      this.emit({ type: 'relabeled', name });
    }
  }

  private remove(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    entry.client?.close();
    this.entries.delete(name);
    this.emit({ type: 'removed', name });
  }

  private async probeAll(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => this.probe(e)));
  }

  private async probe(entry: Entry): Promise<void> {
    if (entry.probing) return;
    entry.probing = true;
    try {
      const pull = syncModeOf(entry.kfc) === SyncMode.Pull;
      const wasHealthy = healthy(entry, entry.health);
      const wasUsable = usable(entry, entry.health);
      const outcome = pull ? await this.heartbeatOutcome(entry) : await this.probeOutcome(entry);
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const next = nextHealth(entry.health, outcome, pull ? NO_DEBOUNCE : this.options.health, now);
      const nowHealthy = healthy(entry, next);
      const nowUsable = usable(entry, next);
      if (!pull && nowHealthy && (!wasHealthy || !entry.kubernetesVersion)) entry.kubernetesVersion = await this.version(entry);
      const changed = canonicalJson(next.conditions) !== canonicalJson(entry.health.conditions);
      entry.health = next;
      entry.lastProbeAt = now;
      if (!this.entries.has(entry.name)) return; // removed while probing
      this.options.onProbe?.(entry.name, nowHealthy);
      if (nowHealthy !== wasHealthy) {
        this.log.info({ cluster: entry.name, ready: nowHealthy, reason: next.conditions[0]?.message }, 'cluster readiness changed');
      }
      // Told in the same step as clusters() shows it, never after the status write: while that write was on its
      // way, controllers saw the cluster ready but its executor still not ready, and handed in work that came
      // back "not attempted" at once, again and again.
      if (nowUsable !== wasUsable) this.emit({ type: nowUsable ? 'ready' : 'notReady', name: entry.name });
      const status = entry.kfc.status;
      if (changed || entry.statusDirty || entry.kubernetesVersion !== status?.kubernetesVersion || entry.agentVersion !== status?.agentVersion) this.requestStatusWrite(entry);
    } finally {
      entry.probing = false;
    }
  }

  private async probeOutcome(entry: Entry): Promise<ProbeOutcome> {
    if (!entry.client) return { kind: 'malformed', error: entry.configError ?? 'no client' };
    const timeoutMs = this.options.health.timeoutMs;
    for (const path of ['/readyz', '/healthz']) {
      try {
        const body = await entry.client.request<string>('GET', path, { raw: true, timeoutMs });
        return body.trim().toLowerCase() === 'ok' ? { kind: 'ready' } : { kind: 'notReady', detail: body.slice(0, 200) };
      } catch (err) {
        // Older or locked-down API servers may not serve /readyz: fall back to /healthz as Karmada does.
        if (path === '/readyz' && (isNotFound(err) || (err as { code?: number }).code === 403)) continue;
        const code = (err as { code?: number }).code ?? 0;
        if (code >= 500 || code === 429) return { kind: 'notReady', detail: errorMessage(err) };
        return { kind: 'unreachable', error: errorMessage(err) };
      }
    }
    return { kind: 'notReady' };
  }

  /** A pull cluster's health: its agent's heartbeat Lease in the cluster's host namespace. */
  private async heartbeatOutcome(entry: Entry): Promise<ProbeOutcome> {
    const namespace = pullClusterNamespace(entry.name);
    let lease: HeartbeatLease | undefined;
    let readError: string | undefined;
    try {
      lease = await this.options.host.get<HeartbeatLease>(CoreTypes.lease, HEARTBEAT_LEASE_NAME, namespace, { timeoutMs: this.options.health.timeoutMs });
    } catch (err) {
      if (!isNotFound(err)) {
        readError = errorMessage(err);
        this.log.warn({ cluster: entry.name, err: readError }, 'could not read the heartbeat Lease of a pull cluster');
      }
    }
    const judgement = judgeHeartbeat({
      previous: entry.heartbeat,
      heartbeat: lease && { renewTime: lease.spec?.renewTime },
      nowMs: Date.now(),
      graceMs: this.options.health.pullHeartbeatGraceMs ?? DEFAULT_PULL_HEARTBEAT_GRACE_MS,
      lease: `${namespace}/${HEARTBEAT_LEASE_NAME}`,
      readError,
    });
    entry.heartbeat = judgement.observation;
    // What the agent says of itself is kept only if it looks like a version: it lands in the status.
    const annotations = lease?.metadata?.annotations ?? {};
    entry.kubernetesVersion = reportedVersion(annotations[AGENT_KUBERNETES_VERSION_ANNOTATION]) ?? entry.kubernetesVersion;
    entry.agentVersion = reportedVersion(annotations[AGENT_VERSION_ANNOTATION]) ?? entry.agentVersion;
    return judgement.outcome;
  }

  private async version(entry: Entry): Promise<string | undefined> {
    try {
      const v = await entry.client!.request<{ gitVersion?: string }>('GET', '/version', { timeoutMs: this.options.health.timeoutMs });
      return v.gitVersion;
    } catch {
      return entry.kubernetesVersion;
    }
  }

  /**
   * Writes the entry's status in the background: a slow or hung host write must not hold up the next probe
   * (readiness would go stale for as long). One write per cluster at a time; changes that come meanwhile are
   * written together once it is done, from the entry as it is then (the latest wins). A failed write leaves the
   * status dirty, and the next probe asks again.
   */
  private requestStatusWrite(entry: Entry): void {
    entry.statusDirty = true;
    if (entry.statusWrite) return;
    entry.statusWrite = (async () => {
      try {
        while (entry.statusDirty && this.entries.get(entry.name) === entry) {
          entry.statusDirty = false;
          if (!(await this.writeStatus(entry))) {
            entry.statusDirty = true;
            break;
          }
        }
      } finally {
        entry.statusWrite = undefined;
      }
    })();
  }

  /** True once written (or the cluster is gone); false when the write failed. */
  private async writeStatus(entry: Entry): Promise<boolean> {
    const status = {
      conditions: entry.health.conditions,
      ...(entry.kubernetesVersion ? { kubernetesVersion: entry.kubernetesVersion } : {}),
      // null removes a version left from when the cluster was in pull mode.
      ...(entry.agentVersion ? { agentVersion: entry.agentVersion } : entry.kfc.status?.agentVersion ? { agentVersion: null } : {}),
    };
    const before = entry.kfc;
    try {
      const updated = await this.options.host.mergePatch<KubeFedCluster>(
        KubeFedClusterType,
        entry.name,
        this.options.namespace,
        { status },
        { subresource: 'status' },
      );
      // Unless the informer brought a newer object (a spec change) while the write was on its way.
      if (entry.kfc === before) entry.kfc = updated;
      return true;
    } catch (err) {
      if (isNotFound(err)) return true;
      this.log.warn({ cluster: entry.name, err: errorMessage(err) }, 'could not write KubeFedCluster status');
      return false;
    }
  }
}

type HeartbeatLease = KubeObject & { spec?: { renewTime?: string } };

/** Healthy: probed ready (push, with a client) or its heartbeat renewed in time (pull). */
function healthy(e: Entry, health: ClusterHealth): boolean {
  return isReady(health) && (syncModeOf(e.kfc) === SyncMode.Pull || !!e.client);
}

/** Controllers may send it work: healthy, with a client to send it with (push) or an agent to take it (pull). */
function usable(e: Entry, health: ClusterHealth): boolean {
  return healthy(e, health);
}

/** `host:port` and bare hosts mean https, as in KubeFed. */
export function normalizeApiEndpoint(endpoint: string): string {
  const trimmed = endpoint.trim();
  if (!trimmed) throw new Error('spec.apiEndpoint is empty');
  const url = new URL(trimmed.includes('://') ? trimmed : `https://${trimmed}`);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`spec.apiEndpoint has unsupported scheme ${url.protocol}`);
  return url.toString().replace(/\/$/, '');
}

async function buildMemberClient(
  kfc: KubeFedCluster,
  secret: KubeObject | undefined,
  options: ClusterRegistryOptions,
): Promise<RestClient> {
  const name = kfc.metadata.name ?? '';
  const secretName = kfc.spec.secretRef?.name;
  if (!secret) throw new Error(`secret ${options.namespace}/${secretName} not found`);
  const tokenB64 = (secret.data as Record<string, string> | undefined)?.token;
  if (!tokenB64) throw new Error(`secret ${options.namespace}/${secretName} has no data key "token"`);
  const token = Buffer.from(tokenB64, 'base64').toString('utf8').trim();
  const disabled = kfc.spec.disabledTLSValidations ?? [];
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name,
        server: normalizeApiEndpoint(kfc.spec.apiEndpoint ?? ''),
        caData: kfc.spec.caBundle || undefined,
        skipTLSVerify: disabled.includes('*'),
        proxyUrl: kfc.spec.proxyURL || undefined,
      },
    ],
    users: [{ name, token }],
    contexts: [{ name, cluster: name, user: name }],
    currentContext: name,
  });
  return RestClient.fromKubeConfig(kc, {
    name,
    disabledTLSValidations: disabled,
    userAgent: 'kubefed-ts',
    maxSockets: options.maxSocketsPerCluster ?? 64,
    ...(options.observer ? { observer: options.observer } : {}),
  });
}

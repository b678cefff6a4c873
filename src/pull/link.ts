// The host's side of one pull cluster's namespace (`kubefed-cluster-<name>`): the bundles it writes (batched,
// sharded Secrets), the reports it reads (the agent's ConfigMaps, untrusted), the types Secret telling the agent
// what to watch, and the agent's report state. The cluster's BundleExecutor and its reported member caches are
// views of one link. Done deletions leave the bundles here, once the reports show the objects gone.
import { pullClusterNamespace } from '../api/index.js';
import { errorMessage } from '../kube/errors.js';
import type { RestClient } from '../kube/rest-client.js';
import type { KubeObject, ResourceType } from '../kube/types.js';
import type { MemberProjection } from '../members/member-object.js';
import { exponentialBackoff } from '../queue/backoff.js';
import { canonicalJson } from '../sync/render.js';
import type { Logger } from '../util/log.js';
import { mayHaveSettledRemoval, removalSettled } from './decide.js';
import {
  BundleEntrySchema,
  decodeEntry,
  entryKeyOf,
  ReportEntrySchema,
  ReportStateSchema,
  STATE_KEY,
  TYPES_KEY,
  type BundleEntry,
  type ReportEntry,
  type ReportState,
  type TypesManifest,
  type WorkType,
} from './entries.js';
import { REPORT_STATE_CONFIGMAP, TYPES_SECRET, TYPES_SECRET_TYPE, typeId as typeIdOf } from './names.js';
import { ObjectWriter } from './object-writer.js';
import { ShardReader } from './shard-reader.js';
import { BUNDLES, decodeValue, REPORTS } from './shard-store.js';
import { ShardWriter } from './shard-writer.js';

export const HOST_FIELD_MANAGER = 'kubefed-ts';

export interface FlushSettings {
  /** A shard is written at most this often. Default 1 s. */
  minIntervalMs?: number;
  /** The first change of a quiet shard waits this long. Default 100 ms. */
  quietMs?: number;
}

export interface PullLinkOptions {
  cluster: string;
  host: RestClient;
  log: Logger;
  /** The namespace of a namespace-scoped federation: the agent watches only there. */
  targetNamespace: string | undefined;
  flush?: FlushSettings | undefined;
  /**
   * Types the types Secret named before this start and no controller asked for yet stay named this long, so
   * that a restarted host does not make the agent drop and relist them. Default 60 s.
   */
  typesGraceMs?: number;
}

type ReportListener = (typeId: string, key: string, entry: ReportEntry | undefined) => void;

export class PullLink {
  readonly cluster: string;
  readonly namespace: string;
  readonly bundles: ShardWriter;
  readonly reports: ShardReader<ReportEntry>;
  private readonly types: ObjectWriter;
  private readonly log: Logger;
  private readonly reportListeners = new Set<ReportListener>();
  private readonly wanted = new Map<string, { type: ResourceType; projection: MemberProjection; users: number }>();
  /** Types named before this start, kept for the grace period. */
  private inherited: WorkType[] = [];
  private inheritedUntil = 0;
  private state: ReportState | undefined;
  private seq = 0;
  private stopped = false;
  private loaded = false;
  private readonly loadedWaiters: Array<() => void> = [];
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: PullLinkOptions) {
    this.cluster = options.cluster;
    this.namespace = pullClusterNamespace(options.cluster);
    this.log = options.log.child({ cluster: options.cluster, hostNamespace: this.namespace });
    this.bundles = new ShardWriter({
      client: options.host,
      namespace: this.namespace,
      store: BUNDLES,
      fieldManager: HOST_FIELD_MANAGER,
      log: this.log,
      keyOf: entryKeyOf,
      ...options.flush,
    });
    this.reports = new ShardReader<ReportEntry>({
      client: options.host,
      namespace: this.namespace,
      store: REPORTS,
      log: this.log,
      decode: (text) => decodeEntry(ReportEntrySchema, text),
      keyOf: (entry) => entry.key,
      onEntry: (typeId, key, entry) => this.onReport(typeId, key, entry),
      onOther: (object, deleted) => this.onReportState(object, deleted),
    });
    this.types = new ObjectWriter({
      client: options.host,
      namespace: this.namespace,
      name: TYPES_SECRET,
      store: BUNDLES,
      role: 'types',
      dataKey: TYPES_KEY,
      secretType: TYPES_SECRET_TYPE,
      fieldManager: HOST_FIELD_MANAGER,
      log: this.log,
    });
  }

  start(): void {
    this.reports.start();
    void this.loadUntilDone();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.bundles.stop();
    this.types.stop();
    await this.reports.stop();
  }

  /** Bundles read (nothing already published is written again) and the reports read in full. */
  synced(): boolean {
    return this.loaded && this.reports.hasSynced();
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  whenLoaded(): Promise<void> {
    return this.loaded ? Promise.resolve() : new Promise((resolve) => this.loadedWaiters.push(resolve));
  }

  /** A new `seq`, above every one published (ours or a previous leader's) and the clock's microseconds. */
  nextSeq(): number {
    this.seq = Math.max(this.seq + 1, Date.now() * 1000);
    return this.seq;
  }

  bundleEntry(typeId: string, key: string): BundleEntry | undefined {
    const text = this.bundles.get(typeId, key);
    if (text === undefined) return undefined;
    const decoded = decodeEntry(BundleEntrySchema, text);
    return decoded.ok ? decoded.value : undefined;
  }

  report(typeId: string, key: string): ReportEntry | undefined {
    return this.reports.get(typeId, key);
  }

  reportState(): ReportState | undefined {
    return this.state;
  }

  onReportEntry(listener: ReportListener): () => void {
    this.reportListeners.add(listener);
    return () => this.reportListeners.delete(listener);
  }

  /** A controller reads `type` of this cluster: the agent is told to watch it. Returns the release. */
  wantType(type: ResourceType, projection: MemberProjection): () => void {
    const id = typeIdOf(type);
    const held = this.wanted.get(id);
    if (held) {
      held.users++;
      held.projection = { status: held.projection.status || projection.status, workload: held.projection.workload || projection.workload };
    } else {
      this.wanted.set(id, { type, projection, users: 1 });
    }
    this.publishTypes();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const current = this.wanted.get(id);
      if (current && --current.users === 0) this.wanted.delete(id);
      this.publishTypes();
    };
  }

  private async loadUntilDone(): Promise<void> {
    for (let failures = 0; !this.stopped; failures++) {
      try {
        await this.bundles.load();
        const stored = await this.types.load();
        this.inherit(stored);
        break;
      } catch (err) {
        const delay = exponentialBackoff(failures, 500, 30_000);
        this.log.warn({ err: errorMessage(err), retryInMs: delay }, 'could not read the bundles of a pull cluster; will retry');
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
    if (this.stopped) return;
    for (const id of this.bundles.typeIds()) {
      for (const text of this.bundles.entries(id).values()) {
        const decoded = decodeEntry(BundleEntrySchema, text);
        if (decoded.ok) this.seq = Math.max(this.seq, decoded.value.seq);
      }
    }
    this.loaded = true;
    for (const resolve of this.loadedWaiters.splice(0)) resolve();
    this.publishTypes();
    await this.reports.waitForSync();
    this.sweepAll();
  }

  private inherit(stored: string | undefined): void {
    if (!stored) return;
    try {
      const manifest = JSON.parse(stored) as TypesManifest;
      this.inherited = Array.isArray(manifest.types) ? manifest.types : [];
    } catch {
      this.inherited = [];
    }
    const grace = this.options.typesGraceMs ?? 60_000;
    this.inheritedUntil = Date.now() + grace;
    const timer = setTimeout(() => {
      this.inherited = [];
      this.publishTypes();
    }, grace);
    timer.unref();
    this.timers.push(timer);
  }

  private publishTypes(): void {
    if (!this.loaded || this.stopped) return;
    const types = new Map<string, WorkType>();
    if (Date.now() < this.inheritedUntil) for (const t of this.inherited) types.set(t.id, t);
    for (const [id, { type, projection }] of this.wanted) {
      types.set(id, { id, group: type.group, version: type.version, plural: type.plural, kind: type.kind, namespaced: type.namespaced, ...projection });
    }
    const manifest: TypesManifest = { types: [...types.values()].sort((a, b) => a.id.localeCompare(b.id)) };
    if (this.options.targetNamespace) manifest.namespace = this.options.targetNamespace;
    this.types.set(canonicalJson(manifest));
  }

  private onReport(typeId: string, key: string, entry: ReportEntry | undefined): void {
    for (const listener of this.reportListeners) {
      try {
        listener(typeId, key, entry);
      } catch (err) {
        this.log.error({ err: errorMessage(err) }, 'report listener failed');
      }
    }
    if (this.loaded) this.sweep(typeId, key);
  }

  private onReportState(object: KubeObject, deleted: boolean): void {
    if (object.metadata?.name !== REPORT_STATE_CONFIGMAP) return;
    if (deleted) {
      this.state = undefined;
      return;
    }
    const raw = (object.data as Record<string, string> | undefined)?.[STATE_KEY];
    const decoded = raw === undefined ? undefined : decodeEntry(ReportStateSchema, decodeValue(REPORTS, raw));
    if (decoded && !decoded.ok) this.log.warn({ err: decoded.error.slice(0, 500) }, 'ignoring a malformed report state');
    this.state = decoded?.ok ? decoded.value : undefined;
  }

  /** A done deletion leaves the bundle once its report shows the object gone. */
  private sweep(typeId: string, key: string): void {
    const report = this.reports.get(typeId, key);
    // Only a reported removal can settle one: the published entry is decoded for those alone, not on every report.
    if (!mayHaveSettledRemoval(report)) return;
    const published = this.bundleEntry(typeId, key);
    if (published && removalSettled(published, report)) this.bundles.set(typeId, key, undefined);
  }

  private sweepAll(): void {
    for (const id of this.bundles.typeIds()) for (const key of [...this.bundles.entries(id).keys()]) this.sweep(id, key);
  }
}

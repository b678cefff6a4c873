// The agent's work loop: it reads the bundles the host publishes in its cluster's host namespace, carries out
// every entry it has not carried out yet with the same ClusterExecutor and performAction as push mode (against
// its own member API server), keeps slim member caches of the types the host names, judged against the
// published desired objects, and reports both (batched, sharded ConfigMaps). The host keeps every decision;
// the agent only executes and tells.
//
// Only an explicit `delete` entry ever deletes: a missing entry or bundle (host unreachable, relist) means
// nothing. After a restart, entries its reports show carried out are not executed again, so nothing is written
// to the member when nothing changed.
import { randomUUID } from 'node:crypto';
import { MANAGED_LABEL, PROPAGATED_HASH_ANNOTATION } from '../api/constants.js';
import { ClusterExecutor, type ExecutorSettings } from '../execution/executor.js';
import type { MemberAction, WorkOutcome } from '../execution/work.js';
import { errorMessage } from '../kube/errors.js';
import { Informer } from '../kube/informer.js';
import type { RestClient } from '../kube/rest-client.js';
import { objectKey, type KubeObject, type ResourceType } from '../kube/types.js';
import { projectMemberObject, type Judgement, type MemberObject, type MemberProjection } from '../members/member-object.js';
import { isFinal, reportedMemberOf, reportEntryOf, shouldExecute } from '../pull/decide.js';
import {
  BundleEntrySchema,
  decodeEntry,
  entryKeyOf,
  ReportEntrySchema,
  STATE_KEY,
  TYPES_KEY,
  TypesManifestSchema,
  type BundleEntry,
  type ReportedMember,
  type ReportEntry,
  type ReportState,
  type TypesManifest,
  type WorkType,
} from '../pull/entries.js';
import type { FlushSettings } from '../pull/link.js';
import { REPORT_STATE_CONFIGMAP, TYPES_SECRET } from '../pull/names.js';
import { ObjectWriter } from '../pull/object-writer.js';
import { ShardReader } from '../pull/shard-reader.js';
import { BUNDLES, decodeValue, REPORTS } from '../pull/shard-store.js';
import { ShardWriter } from '../pull/shard-writer.js';
import { exponentialBackoff } from '../queue/backoff.js';
import { judgeMemberObject } from '../sync/plan.js';
import { canonicalJson } from '../sync/render.js';
import type { Logger } from '../util/log.js';

export const AGENT_FIELD_MANAGER = 'kubefed-agent';
/** A reported failure message is cut to this (the host bounds it too). */
const MAX_MESSAGE = 4_096;

type Done = NonNullable<ReportEntry['done']>;

export interface AgentWorkOptions {
  cluster: string;
  host: RestClient;
  member: RestClient;
  hostNamespace: string;
  log: Logger;
  flush?: FlushSettings | undefined;
  executor?: Partial<ExecutorSettings> | undefined;
  /** Told of every outcome, for metrics. */
  onOutcome?(kind: string, ok: boolean): void;
}

interface MemberType {
  work: WorkType;
  type: ResourceType;
  projection: MemberProjection;
  namespace: string | undefined;
  informer: Informer<MemberObject>;
  listed: boolean;
  error: string | undefined;
}

export class AgentWork {
  private readonly epoch = `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;
  private readonly log: Logger;
  private readonly bundles: ShardReader<BundleEntry>;
  private readonly reports: ShardWriter;
  private readonly state: ObjectWriter;
  private readonly executor: ClusterExecutor;
  private readonly memberTypes = new Map<string, MemberType>();
  /** `typeId|key` → the seq carried out to its end. */
  private readonly executed = new Map<string, number>();
  /** `typeId|key` → the seq handed to the executor and not finished. */
  private readonly submitted = new Map<string, number>();
  /** `typeId|key` → the latest outcome, as reported. */
  private readonly done = new Map<string, Done>();
  /** `typeId|key` → our last write: the object at that version holds that desired object. */
  private readonly writes = new Map<string, { hash: string; resourceVersion: string }>();
  private manifestText: string | undefined;
  private running = false;
  private stopped = false;

  constructor(private readonly options: AgentWorkOptions) {
    this.log = options.log.child({ component: 'work' });
    this.bundles = new ShardReader<BundleEntry>({
      client: options.host,
      namespace: options.hostNamespace,
      store: BUNDLES,
      log: this.log,
      decode: (text) => decodeEntry(BundleEntrySchema, text),
      keyOf: (entry) => entry.key,
      onEntry: (typeId, key) => {
        if (this.running) this.reconcileKey(typeId, key);
      },
      onOther: (object) => {
        if (this.running && object.metadata?.name === TYPES_SECRET) this.applyManifest();
      },
    });
    this.reports = new ShardWriter({
      client: options.host,
      namespace: options.hostNamespace,
      store: REPORTS,
      fieldManager: AGENT_FIELD_MANAGER,
      log: this.log,
      keyOf: entryKeyOf,
      ...options.flush,
    });
    this.state = new ObjectWriter({
      client: options.host,
      namespace: options.hostNamespace,
      name: REPORT_STATE_CONFIGMAP,
      store: REPORTS,
      role: 'state',
      dataKey: STATE_KEY,
      fieldManager: AGENT_FIELD_MANAGER,
      log: this.log,
    });
    this.executor = new ClusterExecutor({ cluster: options.cluster, client: () => options.member, settings: options.executor, log: this.log });
    this.executor.onAvailable(() => this.reconcileAll());
  }

  /**
   * Reads its own reports (what it carried out before a restart) and says, in a new epoch, that no type is
   * listed yet: the host waits for this agent's lists before deciding from its reports. Call before the
   * heartbeat, so that the host never sees a fresh heartbeat beside the last run's complete reports.
   */
  async begin(): Promise<void> {
    for (let failures = 0; ; failures++) {
      try {
        await this.reports.load();
        break;
      } catch (err) {
        if (this.stopped) return;
        const delay = exponentialBackoff(failures, 500, 30_000);
        this.log.warn({ err: errorMessage(err), retryInMs: delay }, 'could not read the reports on the host; will retry');
        await new Promise((resolve) => setTimeout(resolve, delay).unref());
      }
    }
    for (const typeId of this.reports.typeIds()) {
      for (const text of this.reports.entries(typeId).values()) {
        const decoded = decodeEntry(ReportEntrySchema, text);
        const done = decoded.ok ? decoded.value.done : undefined;
        if (!decoded.ok || !done) continue;
        const k = `${typeId}|${decoded.value.key}`;
        this.done.set(k, done);
        if (isFinal(done.outcome)) this.executed.set(k, done.seq);
      }
    }
    this.writeState();
    await this.state.flushNow();
  }

  /** Watches the bundles and the member, and carries out the work; resolves once the bundles are read. */
  async run(): Promise<void> {
    this.bundles.start();
    await this.bundles.waitForSync();
    if (this.stopped) return;
    this.running = true;
    this.applyManifest();
    this.log.info({ epoch: this.epoch }, 'carrying out the host\'s work');
  }

  /** Stops taking work, lets requests in flight finish, and writes what is left to report. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    await this.bundles.stop();
    await Promise.all([...this.memberTypes.values()].map((mt) => mt.informer.stop()));
    await this.executor.stop();
    await this.reports.flushNow();
    await this.state.flushNow();
    this.reports.stop();
    this.state.stop();
  }

  /** Work handed to the executor and not finished. */
  pending(): number {
    return this.executor.queued + this.executor.inFlight;
  }

  private applyManifest(): void {
    const raw = (this.bundles.object(TYPES_SECRET)?.data as Record<string, string> | undefined)?.[TYPES_KEY];
    const text = raw === undefined ? undefined : decodeValue(BUNDLES, raw);
    if (text === this.manifestText) return;
    this.manifestText = text;
    let manifest: TypesManifest = { types: [] };
    if (text !== undefined) {
      const decoded = decodeEntry(TypesManifestSchema, text);
      if (decoded.ok) manifest = decoded.value;
      else this.log.warn({ err: decoded.error.slice(0, 500) }, 'ignoring a malformed types Secret');
    }
    const wanted = new Map(manifest.types.map((t) => [t.id, t]));
    for (const [id, mt] of [...this.memberTypes]) {
      const next = wanted.get(id);
      if (next && canonicalJson(next) === canonicalJson(mt.work) && manifest.namespace === mt.namespace) continue;
      this.memberTypes.delete(id);
      void mt.informer.stop();
    }
    for (const work of wanted.values()) if (!this.memberTypes.has(work.id)) this.startMemberType(work, manifest.namespace);
    this.writeState();
  }

  private startMemberType(work: WorkType, namespace: string | undefined): void {
    const type: ResourceType = { group: work.group, version: work.version, plural: work.plural, kind: work.kind, namespaced: work.namespaced };
    const projection: MemberProjection = { status: work.status, workload: work.workload };
    const mt: MemberType = {
      work,
      type,
      projection,
      namespace,
      listed: false,
      error: undefined,
      informer: new Informer<MemberObject>(this.options.member, type, {
        namespace,
        labelSelector: MANAGED_LABEL,
        log: this.log,
        transform: (object) => projectMemberObject(object, projection, this.judge(work.id, object)),
        onError: (err) => {
          if (mt.listed || this.memberTypes.get(work.id) !== mt) return;
          mt.error = errorMessage(err).slice(0, MAX_MESSAGE);
          this.writeState();
        },
      }),
    };
    this.memberTypes.set(work.id, mt);
    mt.informer.on((event) => {
      if (this.memberTypes.get(work.id) === mt && mt.listed) this.reconcileKey(work.id, objectKey(event.object));
    });
    mt.informer.start();
    void mt.informer.waitForSync().then(() => {
      if (this.memberTypes.get(work.id) !== mt || this.stopped) return;
      mt.listed = true;
      mt.error = undefined;
      this.writeState();
      this.reconcileType(work.id);
    });
  }

  /** A member object against the entry published for it; our own last write needs no comparison. */
  private judge(typeId: string, object: KubeObject): Judgement {
    const key = objectKey(object);
    const annotated = object.metadata?.annotations?.[PROPAGATED_HASH_ANNOTATION];
    const write = this.writes.get(`${typeId}|${key}`);
    if (write && annotated === write.hash && write.resourceVersion === object.metadata?.resourceVersion) return { hash: write.hash, drift: [] };
    const entry = this.bundles.get(typeId, key);
    const action = entry?.action;
    const desired = action && (action.kind === 'create' || action.kind === 'update') ? { object: action.desired, hash: action.hash } : undefined;
    return judgeMemberObject(object, desired);
  }

  private writeState(): void {
    const state: ReportState = { epoch: this.epoch, types: {} };
    for (const [id, mt] of this.memberTypes) {
      state.types[id] = { listed: mt.listed, status: mt.projection.status, workload: mt.projection.workload, ...(mt.error ? { error: mt.error } : {}) };
    }
    this.state.set(canonicalJson(state));
  }

  private reconcileAll(): void {
    if (!this.running) return;
    for (const id of this.memberTypes.keys()) this.reconcileType(id);
  }

  private reconcileType(typeId: string): void {
    const mt = this.memberTypes.get(typeId);
    const keys = new Set<string>([...this.bundles.keys(typeId), ...this.reports.entries(typeId).keys()]);
    for (const object of mt?.informer.list() ?? []) keys.add(objectKey(object));
    for (const key of keys) this.reconcileKey(typeId, key);
  }

  /** Carries out the key's entry if it is new work, and brings its report up to date. */
  private reconcileKey(typeId: string, key: string): void {
    const k = `${typeId}|${key}`;
    const mt = this.memberTypes.get(typeId);
    const entry = this.bundles.get(typeId, key);
    if (!entry) {
      // Withdrawn by the host (or not there after a relist): waiting work is dropped, nothing is undone.
      if (this.submitted.has(k)) {
        this.executor.cancel(k);
        this.submitted.delete(k);
      }
      this.done.delete(k);
      this.executed.delete(k);
    } else if (mt?.listed && this.executor.available && shouldExecute(entry, this.executed.get(k), this.submitted.get(k))) {
      this.submit(mt, typeId, key, entry);
    }
    this.report(typeId, key);
  }

  /** The key's report: what the member holds, and the latest outcome of the entry published now. */
  private report(typeId: string, key: string): void {
    const mt = this.memberTypes.get(typeId);
    const done = this.bundles.get(typeId, key) ? this.done.get(`${typeId}|${key}`) : undefined;
    let member: ReportedMember | undefined;
    if (mt?.listed) {
      const cached = mt.informer.get(key);
      member = cached && reportedMemberOf(cached, mt.projection);
    } else {
      // Not listed (yet): what was reported of the member stands.
      member = this.reportedBefore(typeId, key)?.member;
    }
    const entry = reportEntryOf(key, member, done);
    if (!this.reports.set(typeId, key, entry && canonicalJson(entry))) {
      // Too large (a huge status): reported without its status rather than not at all.
      const { status: _dropped, ...slim } = member ?? {};
      const smaller = reportEntryOf(key, member && slim, done);
      this.reports.set(typeId, key, smaller && canonicalJson(smaller));
    }
  }

  private reportedBefore(typeId: string, key: string): ReportEntry | undefined {
    const text = this.reports.get(typeId, key);
    if (text === undefined) return undefined;
    const decoded = decodeEntry(ReportEntrySchema, text);
    return decoded.ok ? decoded.value : undefined;
  }

  private submit(mt: MemberType, typeId: string, key: string, entry: BundleEntry): void {
    const k = `${typeId}|${key}`;
    const cached = mt.informer.get(key);
    // The field-ownership patch and the version it is conditional on come from this agent's own copy.
    let action = entry.action as MemberAction;
    if (action.kind === 'update') action = { ...action, basedOn: cached?.metadata.resourceVersion, applyOwnership: cached?.applyOwnership };
    else if (action.kind === 'delete' || action.kind === 'unlabel') action = { ...action, basedOn: cached?.metadata.resourceVersion };
    const seq = entry.seq;
    this.submitted.set(k, seq);
    const accepted = this.executor.submit(k, { type: mt.type, targetKey: key, action }, (outcome) => this.onOutcome(typeId, key, seq, outcome));
    if (!accepted) this.submitted.delete(k);
  }

  private onOutcome(typeId: string, key: string, seq: number, outcome: WorkOutcome): void {
    const k = `${typeId}|${key}`;
    if (!outcome.retrying && this.submitted.get(k) === seq) this.submitted.delete(k);
    if (!outcome.retrying && !outcome.notAttempted) this.executed.set(k, seq);
    if (!outcome.notAttempted) this.options.onOutcome?.(outcome.kind, outcome.status === '' || outcome.status === 'WaitingForRemoval');
    if (outcome.written && outcome.hash !== undefined && outcome.status === '') {
      const resourceVersion = outcome.written.resourceVersion;
      this.writes.set(k, { hash: outcome.hash, resourceVersion });
      // An apply that changed nothing brings no watch event: the copy cached is ours, judged now.
      const mt = this.memberTypes.get(typeId);
      const hash = outcome.hash;
      mt?.informer.refine(key, (current) =>
        current.metadata.resourceVersion === resourceVersion && current.metadata.annotations?.[PROPAGATED_HASH_ANNOTATION] === hash
          ? { ...current, judgement: { hash, drift: [] } }
          : current,
      );
    } else if (outcome.kind === 'delete' || outcome.kind === 'unlabel') {
      this.writes.delete(k);
    }
    const { elapsedMs: _elapsed, ...reported } = outcome;
    if (reported.message !== undefined) reported.message = reported.message.slice(0, MAX_MESSAGE);
    if (reported.drift) reported.drift = reported.drift.slice(0, 200);
    this.done.set(k, { seq, outcome: reported as Done['outcome'] });
    // Reported even while stopping: what was carried out must not be carried out again after a restart.
    if (this.running) this.reconcileKey(typeId, key);
    else this.report(typeId, key);
  }
}

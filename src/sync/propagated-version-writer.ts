// Writes KubeFed's PropagatedVersions (or ClusterPropagatedVersions) for one federated type to the host,
// with the PropagatedVersions feature gate. It reads from a shared informer of the PVs, writes only when the
// status a federated object should have differs from the one stored, and takes over the PVs a KubeFed
// controller-manager left behind as they are (same names, same owner): nothing is rewritten that already
// says the same. With the gate off the sync controller gets PROPAGATED_VERSIONS_OFF: no list, no watch,
// no write.
import { PROPAGATED_VERSION_TYPES, type PropagatedVersionStatus } from '../api/index.js';
import { errorMessage, isAlreadyExists, isConflict, isNotFound } from '../kube/errors.js';
import type { InformerEvent } from '../kube/informer.js';
import type { InformerCache, InformerLease } from '../kube/informer-cache.js';
import type { RestClient } from '../kube/rest-client.js';
import { objectKey, type KubeObject, type ResourceType } from '../kube/types.js';
import type { Logger } from '../util/log.js';
import {
  desiredPropagatedVersion,
  overridesVersion,
  propagatedVersionStatus,
  propagatedVersionStatusEqual,
  recordedClusterVersions,
  templateVersion,
} from './propagated-version.js';

/** What `record` did: nothing needed (`unchanged`), a new PV, a status update, or the gate is off. */
export type RecordOutcome = 'disabled' | 'unchanged' | 'created' | 'updated';

/** What a sync controller sees of PropagatedVersions; one per federated type. */
export interface PropagatedVersions {
  readonly enabled: boolean;
  /** Lists and watches the PVs (gate on), and resolves once the cache is filled. */
  start(signal?: AbortSignal): Promise<void>;
  stop(): Promise<void>;
  /**
   * Cluster → version recorded for this fed object, when the record is for its current template and
   * overrides (else empty, as KubeFed's VersionManager.Get); undefined with the gate off.
   */
  versionsFor(fedObject: KubeObject): Map<string, string> | undefined;
  /**
   * Makes the fed object's PV say: its current template and overrides hashes, and `clusterVersions`
   * (cluster → version of the member object, see `objectVersion`; every cluster that holds the object in
   * its desired state, and no other). Writes nothing when the PV already says so. Rejects when the write
   * fails (the next reconcile records again) or the fed object cannot be hashed (VersionHashError).
   */
  record(fedObject: KubeObject, clusterVersions: ReadonlyMap<string, string>): Promise<RecordOutcome>;
}

/** The gate off: nothing listed, nothing written. */
export const PROPAGATED_VERSIONS_OFF: PropagatedVersions = {
  enabled: false,
  start: () => Promise.resolve(),
  stop: () => Promise.resolve(),
  versionsFor: () => undefined,
  record: () => Promise.resolve('disabled'),
};

export interface PropagatedVersionWriterOptions {
  host: RestClient;
  informers: InformerCache;
  log: Logger;
  /** The target kind (`ConfigMap`), whose lower case prefixes every PV name. */
  targetKind: string;
  /** Whether the federated type is namespaced (PropagatedVersion) or not (ClusterPropagatedVersion). */
  federatedNamespaced: boolean;
  /** The only namespace of a namespace-scoped control plane; undefined for all. */
  namespace: string | undefined;
  fieldManager?: string;
}

/** Conflicts and races with a deleting garbage collector are retried this often within one `record`. */
const MAX_ATTEMPTS = 4;

/** A PropagatedVersions writer when the gate is on, else the inert PROPAGATED_VERSIONS_OFF. */
export function propagatedVersionsFor(gateEnabled: boolean, options: PropagatedVersionWriterOptions): PropagatedVersions {
  return gateEnabled ? new PropagatedVersionWriter(options) : PROPAGATED_VERSIONS_OFF;
}

export class PropagatedVersionWriter implements PropagatedVersions {
  readonly enabled = true;
  private readonly type: ResourceType;
  private readonly fieldManager: string;
  private lease: InformerLease | undefined;
  private unsubscribe: (() => void) | undefined;
  /**
   * key → the PV our last write returned, until the informer has caught up with it, so that a record right
   * after a write compares with what was written instead of a stale cache (and does not write it twice).
   */
  private readonly written = new Map<string, KubeObject>();

  constructor(private readonly options: PropagatedVersionWriterOptions) {
    this.type = options.federatedNamespaced ? PROPAGATED_VERSION_TYPES.namespaced : PROPAGATED_VERSION_TYPES.cluster;
    this.fieldManager = options.fieldManager ?? 'kubefed-ts';
  }

  async start(signal?: AbortSignal): Promise<void> {
    if (this.lease) return;
    const { host, informers, log, namespace } = this.options;
    // An informer of a missing CRD would retry its list forever; say what is wrong instead.
    try {
      await host.list(this.type, { namespace, limit: 1 });
    } catch (err) {
      if (isNotFound(err)) {
        throw new Error(
          `the PropagatedVersions feature gate is on, but the host does not serve ${this.type.plural}.${this.type.group}: ` +
            'install the CRDs of crds/ (or the chart\'s)',
          { cause: err },
        );
      }
      throw err;
    }
    this.lease = informers.acquire(host, this.type, { namespace, log });
    this.unsubscribe = this.lease.informer.on((event) => this.onEvent(event));
    await this.lease.informer.waitForSync(signal);
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const lease = this.lease;
    this.lease = undefined;
    this.written.clear();
    await lease?.release();
  }

  versionsFor(fedObject: KubeObject): Map<string, string> {
    let hashes: { templateVersion: string; overridesVersion: string };
    try {
      hashes = hashesOf(fedObject);
    } catch {
      return new Map();
    }
    const current = this.current(this.keyFor(fedObject)) as { status?: PropagatedVersionStatus } | undefined;
    return recordedClusterVersions(current?.status, hashes);
  }

  async record(fedObject: KubeObject, clusterVersions: ReadonlyMap<string, string>): Promise<RecordOutcome> {
    if (!this.lease) throw new Error('PropagatedVersionWriter.record called before start');
    const status = propagatedVersionStatus(hashesOf(fedObject), clusterVersions);
    const desired = desiredPropagatedVersion(fedObject, this.options.targetKind, status);
    const key = objectKey(desired);
    const name = desired.metadata!.name!;
    const namespace = desired.metadata!.namespace;
    const log = this.options.log.child({ kind: this.type.kind, namespace, name });

    let current = this.current(key);
    let created = false;
    for (let attempt = 1; ; attempt++) {
      try {
        if (!current) {
          // The API server ignores the status of a create (status subresource): create, then set it.
          const { status: _ignored, ...withoutStatus } = desired;
          current = await this.options.host.create<KubeObject>(this.type, withoutStatus, this.fieldManager);
          this.remember(key, current);
          created = true;
          log.debug('created propagated version');
        } else if (!ownedBy(current, fedObject)) {
          // Left behind by an earlier fed object of the same name (the garbage collector has not removed it
          // yet): make it this one's, or the collector would delete it after we wrote it.
          current = await this.options.host.replace<KubeObject>(
            this.type,
            { ...current, metadata: { ...current.metadata, ownerReferences: desired.metadata!.ownerReferences! } },
            { fieldManager: this.fieldManager },
          );
          this.remember(key, current);
          log.debug('took over propagated version of an earlier object');
        }
        if (propagatedVersionStatusEqual((current as { status?: PropagatedVersionStatus }).status, status)) {
          return created ? 'created' : 'unchanged';
        }
        const updated = await this.options.host.replace<KubeObject>(
          this.type,
          { ...current, status },
          { subresource: 'status', fieldManager: this.fieldManager },
        );
        this.remember(key, updated);
        log.debug({ clusters: status.clusterVersions?.length ?? 0 }, 'updated propagated version status');
        return created ? 'created' : 'updated';
      } catch (err) {
        if (attempt >= MAX_ATTEMPTS || !(isConflict(err) || isAlreadyExists(err) || isNotFound(err))) {
          throw new Error(`cannot record propagated version ${namespace ? `${namespace}/` : ''}${name}: ${errorMessage(err)}`, { cause: err });
        }
        // Someone else wrote it (a KubeFed controller-manager still running, a user) or deleted it: start
        // again from what the API server holds now.
        current = await this.fetch(name, namespace);
        this.forget(key);
      }
    }
  }

  private keyFor(fedObject: KubeObject): string {
    return objectKey(desiredPropagatedVersion(fedObject, this.options.targetKind, { templateVersion: '', overridesVersion: '' }));
  }

  private current(key: string): KubeObject | undefined {
    return this.written.get(key) ?? this.lease?.informer.get(key);
  }

  private remember(key: string, obj: KubeObject): void {
    this.written.set(key, obj);
  }

  private forget(key: string): void {
    this.written.delete(key);
  }

  private async fetch(name: string, namespace: string | undefined): Promise<KubeObject | undefined> {
    try {
      return await this.options.host.get<KubeObject>(this.type, name, namespace);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Our write has come back through the watch (or the PV is gone): the cache is current again. */
  private onEvent(event: InformerEvent<KubeObject>): void {
    const key = objectKey(event.object);
    const mine = this.written.get(key);
    if (!mine) return;
    if (event.type === 'deleted' || !olderThan(event.object, mine)) this.forget(key);
  }
}

function hashesOf(fedObject: KubeObject): { templateVersion: string; overridesVersion: string } {
  return { templateVersion: templateVersion(fedObject), overridesVersion: overridesVersion(fedObject) };
}

/**
 * Whether the informer's copy is older than our write. resourceVersions are opaque, but the API server's are
 * etcd revisions: numeric ones are compared (a relist may skip our version), anything else must be equal.
 */
function olderThan(seen: KubeObject, written: KubeObject): boolean {
  const a = seen.metadata?.resourceVersion ?? '';
  const b = written.metadata?.resourceVersion ?? '';
  if (a === b) return false;
  return /^\d+$/.test(a) && /^\d+$/.test(b) ? BigInt(a) < BigInt(b) : true;
}

function ownedBy(pv: KubeObject, fedObject: KubeObject): boolean {
  const uid = fedObject.metadata?.uid;
  return !uid || (pv.metadata?.ownerReferences ?? []).some((ref) => ref.uid === uid);
}

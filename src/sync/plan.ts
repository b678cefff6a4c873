// Decides, for one fed object and one member cluster, what the sync controller must do there: nothing,
// create, update (a changed template or a reverted drift), delete, or remove the managed label. Pure: the
// controller gathers the inputs from its caches and carries the action out.
//
// How "nothing changed" is known without writing: every member object we write carries a hash of the
// desired object (`kubefed.io/propagated-hash`), and we remember the resourceVersion our last write
// produced. Same hash and same resourceVersion: nothing to do. Same hash but the object changed since (or
// after a restart, when nothing is remembered): the member cache judged, when the object's watch event came,
// whether desired ⊆ actual (`judgeMemberObject`); contained means no write. A managed object without any hash
// was written by KubeFed (kubefed-ts taking over from it): it is judged the same way, without the annotation,
// so a takeover writes nothing where KubeFed left what we want; our first write adds the hash.
import { MANAGED_LABEL, MANAGED_LABEL_FALSE, MANAGED_LABEL_TRUE, PROPAGATED_HASH_ANNOTATION, PropagationStatus } from '../api/constants.js';
import type { KubeObject } from '../kube/types.js';
import type { Judgement, MemberObject } from '../members/member-object.js';
import { diffPaths, isSemanticSubset } from './compare.js';
import type { RenderResult } from './render.js';

export { PROPAGATED_HASH_ANNOTATION };

/** What the controller remembers of its last write of one object to one cluster. */
export interface WriteRecord {
  hash: string;
  /** resourceVersion returned by our write. */
  resourceVersion: string;
  /** resourceVersion the cache held when we wrote (undefined after a create): a cache still showing it lags behind. */
  previousResourceVersion: string | undefined;
  /**
   * Versions our own writes made on the way to this one (the field-ownership patch before an apply): a cache
   * showing one of them lags behind too.
   */
  intermediateResourceVersions?: string[];
}

export type ClusterAction =
  /** Already as desired, or nothing may be done; `status` is what the fed object's status says for the cluster. */
  | { kind: 'none'; status: PropagationStatus; message?: string }
  /** Not in the cache: check that it is really absent (or adoptable), then apply. */
  | { kind: 'create'; desired: KubeObject; hash: string }
  | { kind: 'update'; desired: KubeObject; hash: string; drift: string[] | undefined }
  | { kind: 'delete' }
  /** Leave the object in place but no longer managed (orphaning, or the host cluster's own namespace). */
  | { kind: 'unlabel' };

export interface ClusterPlanInput {
  ready: boolean;
  selected: boolean;
  /** Rendering of the desired object for this cluster; only needed when selected. */
  rendered: RenderResult | undefined;
  /** The hash of the rendered object, computed by the caller (see `desiredHash`). */
  hash: string | undefined;
  /** The member object from the managed-label cache, if any. */
  cached: MemberObject | undefined;
  record: WriteRecord | undefined;
  /** True when the member "cluster" is the host itself and the object is a Namespace: never deleted there. */
  isHostNamespace: boolean;
}

export function planClusterAction(input: ClusterPlanInput): ClusterAction {
  const { ready, selected, rendered, hash, cached, record } = input;
  if (!ready) {
    return selected ? { kind: 'none', status: PropagationStatus.ClusterNotReady } : { kind: 'none', status: PropagationStatus.Ok };
  }
  const labelFalse = cached?.metadata?.labels?.[MANAGED_LABEL] === MANAGED_LABEL_FALSE;

  if (!selected) {
    if (!cached || labelFalse) return { kind: 'none', status: PropagationStatus.Ok };
    if (cached.metadata?.deletionTimestamp) return { kind: 'none', status: PropagationStatus.WaitingForRemoval };
    return input.isHostNamespace ? { kind: 'unlabel' } : { kind: 'delete' };
  }

  if (!rendered || !hash) return { kind: 'none', status: PropagationStatus.ComputeResourceFailed };
  if (!rendered.ok) return { kind: 'none', status: rendered.status, message: rendered.message };
  if (labelFalse) return { kind: 'none', status: PropagationStatus.ManagedLabelFalse };
  const desired = withHash(rendered.object, hash);

  if (!cached) {
    // Our own create may not have reached the cache yet; a deletion by someone else clears the record.
    if (record && record.hash === hash && record.previousResourceVersion === undefined) return { kind: 'none', status: PropagationStatus.Ok };
    return { kind: 'create', desired, hash };
  }
  if (cached.metadata?.deletionTimestamp) return { kind: 'none', status: PropagationStatus.WaitingForRemoval };

  const rv = cached.metadata?.resourceVersion;
  if (record && record.hash === hash) {
    if (record.resourceVersion === rv) return { kind: 'none', status: PropagationStatus.Ok };
    // The cache still shows the object as it was before our write; the watch event is on its way.
    if (record.previousResourceVersion !== undefined && record.previousResourceVersion === rv) {
      return { kind: 'none', status: PropagationStatus.Ok };
    }
    if (rv !== undefined && record.intermediateResourceVersions?.includes(rv)) return { kind: 'none', status: PropagationStatus.Ok };
  }
  const judgement = cached.judgement;
  const annotated = cached.metadata?.annotations?.[PROPAGATED_HASH_ANNOTATION];
  if (annotated !== hash) {
    // KubeFed's object (no hash) judged to hold what we want: taken over as it is.
    if (annotated === undefined && judgement?.hash === hash && judgement.drift.length === 0) return { kind: 'none', status: PropagationStatus.Ok };
    return { kind: 'update', desired, hash, drift: undefined };
  }
  // Never judged against this desired object: write to be sure (rare: see member-object.ts).
  if (!judgement || judgement.hash !== hash) return { kind: 'update', desired, hash, drift: undefined };
  if (judgement.drift.length === 0) return { kind: 'none', status: PropagationStatus.Ok };
  return { kind: 'update', desired, hash, drift: [...judgement.drift] };
}

/**
 * Whether a whole member object contains the desired object (with its hash annotation and managed label), and
 * if not, where it differs. Only worth asking when the object carries the desired hash, or no hash at all but
 * the managed label (KubeFed wrote it, and knew no hash: then the annotation is not asked for); an object with
 * another hash is rewritten anyway, and the judgement vouches for nothing.
 */
export function judgeMemberObject(object: KubeObject, desired: { object: Record<string, unknown>; hash: string } | undefined): Judgement {
  if (!desired) return { hash: undefined, drift: [] };
  const annotated = object.metadata?.annotations?.[PROPAGATED_HASH_ANNOTATION];
  let wanted: KubeObject;
  if (annotated === desired.hash) wanted = withHash(desired.object, desired.hash);
  else if (annotated === undefined && isWrittenByKubeFed(object)) wanted = withManagedLabel(desired.object);
  else return { hash: undefined, drift: [] };
  return { hash: desired.hash, drift: isSemanticSubset(wanted, object) ? [] : diffPaths(wanted, object) };
}

/** A managed object without our hash: what KubeFed (or a kubefed-ts before the hash) wrote. */
export function isWrittenByKubeFed(object: KubeObject): boolean {
  return object.metadata?.labels?.[MANAGED_LABEL] === MANAGED_LABEL_TRUE && object.metadata?.annotations?.[PROPAGATED_HASH_ANNOTATION] === undefined;
}

/** The desired object with its hash annotation and the managed label, ready to apply. */
export function withHash(object: Record<string, unknown>, hash: string): KubeObject {
  const labelled = withManagedLabel(object);
  const annotations = { ...((labelled.metadata?.annotations as Record<string, string> | undefined) ?? {}), [PROPAGATED_HASH_ANNOTATION]: hash };
  return { ...labelled, metadata: { ...labelled.metadata, annotations } };
}

function withManagedLabel(object: Record<string, unknown>): KubeObject {
  const metadata = (object.metadata ?? {}) as Record<string, unknown>;
  const labels = { ...((metadata.labels as Record<string, string> | undefined) ?? {}), [MANAGED_LABEL]: MANAGED_LABEL_TRUE };
  return { ...object, metadata: { ...metadata, labels } } as KubeObject;
}

/** The record that a write producing `written` from a cache that held `before` leaves behind. */
export function recordOf(hash: string, written: KubeObject, before: KubeObject | undefined, intermediate?: string): WriteRecord {
  const record: WriteRecord = {
    hash,
    resourceVersion: written.metadata?.resourceVersion ?? '',
    previousResourceVersion: before?.metadata?.resourceVersion,
  };
  if (intermediate !== undefined) record.intermediateResourceVersions = [intermediate];
  return record;
}

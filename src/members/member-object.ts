// What a member cache keeps of each object: only what decisions read. A full member object (managedFields,
// data, spec) costs kilobytes; this costs a few hundred bytes. Whether the object holds what we want is judged
// once, when its watch event arrives, while the whole object is at hand (see `Judgement`). Pure.
import { MANAGED_LABEL, PROPAGATED_HASH_ANNOTATION } from '../api/constants.js';
import { memberApplyOwnership } from '../sync/field-ownership.js';
import type { KubeObject, ObjectMeta } from '../kube/types.js';

/**
 * Whether a member object contains the desired object whose hash is `hash` (`drift` empty), or where it
 * differs. `hash` is undefined when there was no desired object to compare with (no fed object, or the
 * cluster is not placed): such a judgement never vouches for anything.
 */
export interface Judgement {
  hash: string | undefined;
  drift: readonly string[];
}

/** Judges a whole member object of `cluster`; undefined when it cannot yet (the fed objects are not loaded). */
export type Judge = (cluster: string, object: KubeObject) => Judgement | undefined;

/** Parts beyond the metadata that some reader needs. */
export interface MemberProjection {
  /** `.status` (status collection, replica scheduling). */
  status: boolean;
  /** `spec.replicas` and `spec.selector.matchLabels` of a workload (replica scheduling). */
  workload: boolean;
}

export const METADATA_ONLY: MemberProjection = { status: false, workload: false };

/**
 * A cache holds tens of thousands of member objects, almost all alike but for their names and versions: what
 * can be shared is (frozen, never copied per object): the empty drift of a judgement, the managed label.
 */
export const NO_DRIFT: readonly string[] = Object.freeze([]);
const managedLabels = new Map<string, Readonly<Record<string, string>>>();

function sharedManagedLabel(value: string): Record<string, string> {
  let labels = managedLabels.get(value);
  // Only the values seen in practice ("true", "false") are worth sharing; anything else is kept per object.
  if (!labels && (value === 'true' || value === 'false')) managedLabels.set(value, (labels = Object.freeze({ [MANAGED_LABEL]: value })));
  return (labels ?? { [MANAGED_LABEL]: value }) as Record<string, string>;
}

/** `judgement` as the cache keeps it: the shared empty drift, and the annotation's own copy of an equal hash. */
function compactJudgement(judgement: Judgement, annotated: string | undefined): Judgement {
  const hash = annotated !== undefined && judgement.hash === annotated ? annotated : judgement.hash;
  const drift = judgement.drift.length === 0 ? NO_DRIFT : judgement.drift;
  return hash === judgement.hash && drift === judgement.drift ? judgement : { hash, drift };
}

export interface MemberObject extends KubeObject {
  metadata: Pick<ObjectMeta, 'name' | 'namespace' | 'uid' | 'resourceVersion' | 'generation' | 'deletionTimestamp'> & {
    /** Only the managed label. */
    labels?: Record<string, string>;
    /** Only our hash annotation. */
    annotations?: Record<string, string>;
  };
  status?: unknown;
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  judgement?: Judgement;
  /**
   * The managedFields that move our POST's `Update` ownership to `Apply` (JSON), while the object has such an
   * entry: the first update sends it (see field-ownership.ts).
   */
  applyOwnership?: string;
  /** The whole object, kept only until it can be judged. */
  unjudged?: KubeObject;
}

export function unionProjection(a: MemberProjection, b: MemberProjection): MemberProjection {
  return { status: a.status || b.status, workload: a.workload || b.workload };
}

export function coversProjection(have: MemberProjection, want: MemberProjection): boolean {
  return (have.status || !want.status) && (have.workload || !want.workload);
}

/** The cache's copy of `object`, judged now when `judgement` is given, else carrying the object until it is. */
export function projectMemberObject(object: KubeObject, projection: MemberProjection, judgement: Judgement | undefined): MemberObject {
  const meta = object.metadata ?? {};
  const metadata: MemberObject['metadata'] = {};
  if (meta.name !== undefined) metadata.name = meta.name;
  if (meta.namespace !== undefined) metadata.namespace = meta.namespace;
  if (meta.uid !== undefined) metadata.uid = meta.uid;
  if (meta.resourceVersion !== undefined) metadata.resourceVersion = meta.resourceVersion;
  if (meta.generation !== undefined) metadata.generation = meta.generation;
  if (meta.deletionTimestamp !== undefined) metadata.deletionTimestamp = meta.deletionTimestamp;
  const managed = meta.labels?.[MANAGED_LABEL];
  if (managed !== undefined) metadata.labels = sharedManagedLabel(managed);
  const hash = meta.annotations?.[PROPAGATED_HASH_ANNOTATION];
  if (hash !== undefined) metadata.annotations = { [PROPAGATED_HASH_ANNOTATION]: hash };

  const kept: MemberObject = { metadata };
  if (projection.status && object.status !== undefined) kept.status = object.status;
  if (projection.workload) {
    const spec = (object.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
    kept.spec = {};
    if (spec.replicas !== undefined) kept.spec.replicas = spec.replicas;
    if (spec.selector?.matchLabels) kept.spec.selector = { matchLabels: spec.selector.matchLabels };
  }
  const ownership = memberApplyOwnership(object);
  if (ownership) kept.applyOwnership = JSON.stringify(ownership);
  if (judgement) kept.judgement = compactJudgement(judgement, hash);
  else kept.unjudged = object;
  return kept;
}

/** The copy once judged: the whole object is let go. */
export function withJudgement(kept: MemberObject, judgement: Judgement): MemberObject {
  const { unjudged: _dropped, ...rest } = kept;
  return { ...rest, judgement: compactJudgement(judgement, kept.metadata.annotations?.[PROPAGATED_HASH_ANNOTATION]) };
}

// The decisions of pull mode, apart from any I/O: on the host, whether submitted work is new work (a new
// `seq`), which reported outcome answers it, when a done deletion leaves the bundle, what a report says of a
// member object and whether a type's reports can be decided from; on the agent, what to execute and what to
// report. Both sides of the wire use these, so that they agree. Pure.
import { PropagationStatus } from '../api/constants.js';
import { MANAGED_LABEL, MANAGED_LABEL_TRUE, PROPAGATED_HASH_ANNOTATION } from '../api/constants.js';
import type { ActionKind, WorkOutcome } from '../execution/work.js';
import { splitKey } from '../kube/types.js';
import type { MemberObject, MemberProjection } from '../members/member-object.js';
import { canonicalJson } from '../sync/render.js';
import { outcomeOf, type BundleEntry, type ReportedMember, type ReportEntry, type ReportState } from './entries.js';

type Done = NonNullable<ReportEntry['done']>;
type PublishedAction = BundleEntry['action'];

/** Carried out to its end: not still retrying, and not skipped because the member did not answer. */
export function isFinal(outcome: Done['outcome']): boolean {
  return outcome.retrying !== true && outcome.notAttempted !== true;
}

/**
 * Whether submitted work must be published as new work (a new `seq`) rather than answered by the entry already
 * published: it differs from it, or the same work was already carried out to its end (asked again, the member
 * changed since, e.g. a created object was deleted by someone).
 */
export function needsNewSeq(published: BundleEntry | undefined, action: PublishedAction, report: ReportEntry | undefined): boolean {
  if (!published) return true;
  if (canonicalJson(published.action) !== canonicalJson(action)) return true;
  const done = report?.done;
  return done !== undefined && done.seq === published.seq && isFinal(done.outcome);
}

/** What the host waits for: the work it published under `seq`. */
export interface PublishedWork {
  seq: number;
  kind: ActionKind;
  /** The desired hash of a create or update. */
  hash: string | undefined;
}

/**
 * The outcome a report's `done` gives the work, or undefined when it answers other work. A create or update
 * counts only with the very hash published: an agent cannot claim another object as the one asked for.
 */
export function acceptedOutcome(work: PublishedWork, done: Done | undefined): WorkOutcome | undefined {
  if (!done || done.seq !== work.seq || done.outcome.kind !== work.kind) return undefined;
  const outcome = outcomeOf(done);
  if (work.kind === 'create' || work.kind === 'update') {
    if (outcome.hash !== work.hash) return undefined;
  } else {
    delete outcome.hash;
  }
  return outcome;
}

/**
 * Whether a report can settle any published removal (see removalSettled): its `done` is a final delete or
 * unlabel. Decided from the report alone, so that the published entry is read only when it may matter.
 */
export function mayHaveSettledRemoval(report: ReportEntry | undefined): boolean {
  const done = report?.done;
  return done !== undefined && (done.outcome.kind === 'delete' || done.outcome.kind === 'unlabel') && isFinal(done.outcome);
}

/** A done delete or unlabel leaves the bundle once the report shows the object gone or no longer managed. */
export function removalSettled(published: BundleEntry, report: ReportEntry | undefined): boolean {
  const kind = published.action.kind;
  if (kind !== 'delete' && kind !== 'unlabel') return false;
  const done = report?.done;
  if (!done || done.seq !== published.seq || !isFinal(done.outcome)) return false;
  if (done.outcome.status !== '' && done.outcome.status !== PropagationStatus.WaitingForRemoval) return false;
  return report?.member === undefined || report.member.managed !== MANAGED_LABEL_TRUE;
}

/** The member object a report stands for, as a member cache would keep it, judged by the agent. */
export function memberObjectOf(key: string, reported: ReportedMember | undefined): MemberObject | undefined {
  if (!reported) return undefined;
  const { namespace, name } = splitKey(key);
  const metadata: MemberObject['metadata'] = { name };
  if (namespace !== undefined) metadata.namespace = namespace;
  if (reported.uid !== undefined) metadata.uid = reported.uid;
  if (reported.resourceVersion !== undefined) metadata.resourceVersion = reported.resourceVersion;
  if (reported.generation !== undefined) metadata.generation = reported.generation;
  if (reported.deletionTimestamp !== undefined) metadata.deletionTimestamp = reported.deletionTimestamp;
  if (reported.managed !== undefined) metadata.labels = { [MANAGED_LABEL]: reported.managed };
  if (reported.hash !== undefined) metadata.annotations = { [PROPAGATED_HASH_ANNOTATION]: reported.hash };
  const object: MemberObject = { metadata, judgement: { hash: reported.judgement?.hash, drift: reported.judgement?.drift ?? [] } };
  if (reported.status !== undefined) object.status = reported.status;
  if (reported.workload) {
    object.spec = {};
    if (reported.workload.replicas !== undefined) object.spec.replicas = reported.workload.replicas;
    if (reported.workload.selector?.matchLabels) object.spec.selector = { matchLabels: reported.workload.selector.matchLabels };
  }
  return object;
}

/** What the agent reports of a member object its cache holds (judged against the bundle entry). */
export function reportedMemberOf(object: MemberObject, projection: MemberProjection): ReportedMember {
  const meta = object.metadata;
  const reported: ReportedMember = {};
  if (meta.uid !== undefined) reported.uid = meta.uid;
  if (meta.resourceVersion !== undefined) reported.resourceVersion = meta.resourceVersion;
  if (meta.generation !== undefined) reported.generation = meta.generation;
  if (meta.deletionTimestamp !== undefined && meta.deletionTimestamp !== null) reported.deletionTimestamp = String(meta.deletionTimestamp);
  const managed = meta.labels?.[MANAGED_LABEL];
  if (managed !== undefined) reported.managed = managed;
  const hash = meta.annotations?.[PROPAGATED_HASH_ANNOTATION];
  if (hash !== undefined) reported.hash = hash;
  if (projection.status && object.status !== undefined) reported.status = object.status;
  if (projection.workload && object.spec) {
    const workload: NonNullable<ReportedMember['workload']> = {};
    if (object.spec.replicas !== undefined) workload.replicas = object.spec.replicas;
    if (object.spec.selector?.matchLabels) workload.selector = { matchLabels: object.spec.selector.matchLabels };
    reported.workload = workload;
  }
  if (object.judgement) {
    reported.judgement = { drift: [...object.judgement.drift] };
    if (object.judgement.hash !== undefined) reported.judgement.hash = object.judgement.hash;
  }
  return reported;
}

/**
 * The agent's report entry of a key: what its member holds and the latest outcome of the entry published now.
 * Undefined when there is nothing to say (no member object, no published entry): the entry is removed.
 */
export function reportEntryOf(key: string, member: ReportedMember | undefined, done: Done | undefined): ReportEntry | undefined {
  if (!member && !done) return undefined;
  const entry: ReportEntry = { key };
  if (member) entry.member = member;
  if (done) entry.done = done;
  return entry;
}

/** Whether the agent must execute an entry: not yet carried out to its end, and not under way already. */
export function shouldExecute(entry: BundleEntry | undefined, executedSeq: number | undefined, submittedSeq: number | undefined): boolean {
  return entry !== undefined && entry.seq !== executedSeq && entry.seq !== submittedSeq;
}

export type ReportedCacheState = { kind: 'fresh' } | { kind: 'filling' } | { kind: 'failed'; error: string };

/**
 * Whether the host may decide from a type's reports: read in full, and the agent says it listed the type
 * (with the parts asked for) since it started; the agent's own error for the type when it cannot.
 */
export function reportedCacheState(input: { synced: boolean; state: ReportState | undefined; typeId: string; projection: MemberProjection }): ReportedCacheState {
  if (!input.synced) return { kind: 'filling' };
  const typeState = input.state?.types[input.typeId];
  if (!typeState) return { kind: 'filling' };
  if (typeState.error) return { kind: 'failed', error: typeState.error };
  if (!typeState.listed) return { kind: 'filling' };
  if ((input.projection.status && !typeState.status) || (input.projection.workload && !typeState.workload)) return { kind: 'filling' };
  return { kind: 'fresh' };
}

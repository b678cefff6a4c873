// What a sync controller knows of its own work in each member cluster, beyond what the member caches show:
// the last write it made (to recognise its own write in a lagging cache), the desired object a member refused
// (not to send it again), the work handed to an executor that has not finished, and the latest failure. Outcomes
// update it as they come back; the planner reads it. `nextLedgerEntry` is pure.
import { MANAGED_LABEL, MANAGED_LABEL_TRUE, PROPAGATED_HASH_ANNOTATION, PropagationStatus } from '../api/constants.js';
import type { ActionKind, WorkOutcome } from '../execution/work.js';
import type { MemberObject } from '../members/member-object.js';
import type { WriteRecord } from './plan.js';

export interface LedgerEntry {
  /** Our last successful write, by desired hash. */
  record?: WriteRecord;
  /** The member refused this desired object (invalid, forbidden, an object that is not ours). */
  refusal?: { kind: ActionKind; hash: string | undefined; status: PropagationStatus; message: string | undefined };
  /** Handed to the executor and not finished (it may be retrying after a failure). */
  outstanding?: { kind: ActionKind; hash: string | undefined; since: number };
  /**
   * We deleted (or unlabelled) the object as the cache showed it at this resourceVersion (undefined: not in
   * the cache): until the cache shows another version, the object is on its way out.
   */
  removed?: { resourceVersion: string | undefined };
  /** The latest failure of the outstanding work, or of the last work that ended without being done. */
  failure?: { kind: ActionKind; hash: string | undefined; status: PropagationStatus; message: string | undefined; notAttempted: boolean };
}

/** The entry after `outcome` of work for `(kind, hash)` came back. */
export function nextLedgerEntry(entry: LedgerEntry | undefined, outcome: WorkOutcome): LedgerEntry | undefined {
  const next: LedgerEntry = { ...entry };
  const answersOutstanding = next.outstanding?.kind === outcome.kind && next.outstanding.hash === outcome.hash;
  if (answersOutstanding && !outcome.retrying) delete next.outstanding;

  const done = outcome.status === '' || outcome.status === PropagationStatus.WaitingForRemoval;
  if (outcome.written && outcome.hash !== undefined) {
    const record: WriteRecord = {
      hash: outcome.hash,
      resourceVersion: outcome.written.resourceVersion,
      previousResourceVersion: outcome.written.previousResourceVersion,
    };
    if (outcome.written.intermediateResourceVersion !== undefined) record.intermediateResourceVersions = [outcome.written.intermediateResourceVersion];
    next.record = record;
  }
  if (done && (outcome.kind === 'delete' || outcome.kind === 'unlabel')) {
    delete next.record;
    next.removed = { resourceVersion: outcome.basedOn };
  }
  if (done && (outcome.kind === 'create' || outcome.kind === 'update')) delete next.removed;

  if (done) {
    delete next.refusal;
    delete next.failure;
  } else if (outcome.refused) {
    next.refusal = { kind: outcome.kind, hash: outcome.hash, status: outcome.status as PropagationStatus, message: outcome.message };
    delete next.failure;
  } else if (answersOutstanding || !next.outstanding) {
    next.failure = {
      kind: outcome.kind,
      hash: outcome.hash,
      status: outcome.status as PropagationStatus,
      message: outcome.message,
      notAttempted: outcome.notAttempted === true,
    };
  }
  return isEmpty(next) ? undefined : next;
}

/**
 * Whether the member cache's copy shows our last write just as the record does: the version the write made,
 * our label and hash, judged to hold that desired object. Then the cache alone leads every decision to where
 * the record would (`planClusterAction`: same hash, judged without drift, means nothing to do), and the record
 * can go: kept for every member object, records were a sixth of the heap at 10,000 objects × 3 clusters.
 */
export function cacheShowsRecord(record: WriteRecord, member: MemberObject | undefined): boolean {
  if (!member || member.metadata.deletionTimestamp) return false;
  const { judgement } = member;
  return (
    member.metadata.resourceVersion === record.resourceVersion &&
    member.metadata.labels?.[MANAGED_LABEL] === MANAGED_LABEL_TRUE &&
    member.metadata.annotations?.[PROPAGATED_HASH_ANNOTATION] === record.hash &&
    judgement?.hash === record.hash &&
    judgement.drift.length === 0
  );
}

function isEmpty(entry: LedgerEntry): boolean {
  return !entry.record && !entry.refusal && !entry.outstanding && !entry.failure && !entry.removed;
}

/** The ledger of one sync controller: cluster → member object key → entry. */
export class Ledger {
  private readonly clusters = new Map<string, Map<string, LedgerEntry>>();
  private outstandingEntries = 0;

  /** Work handed to executors and not finished, all clusters together. */
  outstanding(): number {
    return this.outstandingEntries;
  }

  get(cluster: string, targetKey: string): LedgerEntry | undefined {
    return this.clusters.get(cluster)?.get(targetKey);
  }

  /** Work for `(kind, hash)` was handed to the executor of `cluster`. */
  submitted(cluster: string, targetKey: string, kind: ActionKind, hash: string | undefined, now: number): void {
    const entry = { ...this.get(cluster, targetKey), outstanding: { kind, hash, since: now } };
    // A failure of earlier work says nothing of the new one.
    if (entry.failure && (entry.failure.kind !== kind || entry.failure.hash !== hash || entry.failure.notAttempted)) delete entry.failure;
    this.set(cluster, targetKey, entry);
  }

  /** Waiting work was withdrawn: nothing is to be done there any more. */
  withdrawn(cluster: string, targetKey: string): void {
    const entry = this.get(cluster, targetKey);
    if (!entry?.outstanding) return;
    const { outstanding: _gone, failure: _stale, ...rest } = entry;
    this.set(cluster, targetKey, isEmpty(rest) ? undefined : rest);
  }

  applyOutcome(cluster: string, targetKey: string, outcome: WorkOutcome): void {
    this.set(cluster, targetKey, nextLedgerEntry(this.get(cluster, targetKey), outcome));
  }

  /** The member object is gone (its cache saw the deletion): what we wrote or removed there is moot. */
  memberGone(cluster: string, targetKey: string): void {
    const entry = this.get(cluster, targetKey);
    if (!entry?.record && !entry?.removed) return;
    const { record: _written, removed: _removed, ...rest } = entry;
    this.set(cluster, targetKey, isEmpty(rest) ? undefined : rest);
  }

  /** The member cache now shows our last write (see `cacheShowsRecord`): the record is let go. */
  caughtUp(cluster: string, targetKey: string, member: MemberObject | undefined): void {
    const entry = this.get(cluster, targetKey);
    if (!entry?.record || !cacheShowsRecord(entry.record, member)) return;
    const { record: _shown, ...rest } = entry;
    this.set(cluster, targetKey, isEmpty(rest) ? undefined : rest);
  }

  /** Refusals seen around an outage (a 403 while the member's RBAC cache fills) are not final. */
  forgetRefusals(cluster: string): void {
    for (const [key, entry] of this.clusters.get(cluster) ?? []) {
      if (!entry.refusal) continue;
      const { refusal: _gone, ...rest } = entry;
      this.set(cluster, key, isEmpty(rest) ? undefined : rest);
    }
  }

  forgetCluster(cluster: string): void {
    for (const entry of this.clusters.get(cluster)?.values() ?? []) if (entry.outstanding) this.outstandingEntries--;
    this.clusters.delete(cluster);
  }

  /** Entries in all clusters, for memory accounting. */
  size(): number {
    let n = 0;
    for (const entries of this.clusters.values()) n += entries.size;
    return n;
  }

  private set(cluster: string, targetKey: string, entry: LedgerEntry | undefined): void {
    let entries = this.clusters.get(cluster);
    if (entries?.get(targetKey)?.outstanding) this.outstandingEntries--;
    if (entry?.outstanding) this.outstandingEntries++;
    if (!entry) {
      entries?.delete(targetKey);
      if (entries?.size === 0) this.clusters.delete(cluster);
      return;
    }
    if (!entries) this.clusters.set(cluster, (entries = new Map()));
    entries.set(targetKey, entry);
  }
}

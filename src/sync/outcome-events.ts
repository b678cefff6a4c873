// The Kubernetes Events a fed object gets for what happened in its member clusters, one per kind of outcome
// and change rather than one per cluster: "Created ConfigMap "ns/x" in clusters "member1", "member2"" is one
// host write where KubeFed made one per cluster, and `kubectl describe` still names every cluster. Pure.
import { PropagationStatus } from '../api/constants.js';
import type { EventType } from '../kube/events.js';
import type { WorkOutcome } from '../execution/work.js';

export interface PlannedEvent {
  type: EventType;
  reason: string;
  message: string;
}

/** What one cluster's outcome means for the events, before grouping. */
interface ClusterNote {
  type: EventType;
  reason: string;
  /** The verb phrase, e.g. `Created`; one per reason. */
  phrase: string;
  cluster: string;
  /** What differs between clusters (an error, the reverted paths). */
  detail?: string | undefined;
}

function noteFor(cluster: string, outcome: WorkOutcome): ClusterNote | undefined {
  if (outcome.notAttempted) return undefined; // the cluster's unreadiness has its own event
  const done = outcome.status === '' || outcome.status === PropagationStatus.WaitingForRemoval;
  if (done) {
    switch (outcome.kind) {
      case 'create':
        return outcome.adopted
          ? { type: 'Normal', reason: 'AdoptInCluster', phrase: 'Adopted', cluster }
          : { type: 'Normal', reason: 'CreateInCluster', phrase: 'Created', cluster };
      case 'update':
        return outcome.drift
          ? { type: 'Warning', reason: 'DriftReverted', phrase: 'Reverted a change made directly to', cluster, detail: outcome.drift.join(', ') }
          : { type: 'Normal', reason: 'UpdateInCluster', phrase: 'Updated', cluster };
      case 'delete':
        return { type: 'Normal', reason: 'DeleteInCluster', phrase: 'Deleted', cluster };
      case 'unlabel':
        return { type: 'Normal', reason: 'RemoveManagedLabelFromInCluster', phrase: 'Removed the managed label from', cluster };
    }
  }
  if (outcome.status === PropagationStatus.ManagedLabelFalse) return undefined;
  if (outcome.status === PropagationStatus.AlreadyExists) {
    return { type: 'Warning', reason: 'AlreadyExists', phrase: 'Not adopted (adoptResources is Disabled), already existing:', cluster };
  }
  const reason = {
    create: 'CreateInClusterFailed',
    update: 'UpdateInClusterFailed',
    delete: 'DeleteInClusterFailed',
    unlabel: 'RemoveManagedLabelFromInClusterFailed',
  }[outcome.kind];
  return { type: 'Warning', reason, phrase: `Failed to ${outcome.kind}`, cluster, detail: outcome.message ?? outcome.status };
}

/**
 * One event per reason for the outcomes of one change, in the order the reasons first occur; `what` names the
 * member object (`ConfigMap "ns/x"`). A cluster with several outcomes of one reason (a retry that failed
 * twice) is named once, with its latest detail.
 */
export function outcomeEvents(what: string, outcomes: ReadonlyArray<{ cluster: string; outcome: WorkOutcome }>): PlannedEvent[] {
  const groups = new Map<string, { first: ClusterNote; byCluster: Map<string, ClusterNote> }>();
  for (const { cluster, outcome } of outcomes) {
    const note = noteFor(cluster, outcome);
    if (!note) continue;
    let group = groups.get(note.reason);
    if (!group) groups.set(note.reason, (group = { first: note, byCluster: new Map() }));
    group.byCluster.set(cluster, note);
  }
  return [...groups.values()].map(({ first, byCluster }) => {
    const notes = [...byCluster.values()].sort((a, b) => (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0));
    const withDetails = notes.some((n) => n.detail);
    const message = withDetails
      ? `${first.phrase} ${what}: ${notes.map((n) => `in cluster "${n.cluster}"${n.detail ? `: ${n.detail}` : ''}`).join('; ')}`
      : `${first.phrase} ${what} in ${clusterList(notes.map((n) => n.cluster))}`;
    return { type: first.type, reason: first.reason, message };
  });
}

export function clusterList(clusters: readonly string[]): string {
  const quoted = clusters.map((c) => `"${c}"`);
  return quoted.length === 1 ? `cluster ${quoted[0]}` : `clusters ${quoted.join(', ')}`;
}

// The unit of work a cluster executor carries out: one action on one object in one member cluster, and the
// outcome it reports back. Plain data, so that the executor can run away from the controller that decided the
// action (a pull-mode agent inside the member) and both sides still speak the same language.
import type { PropagationStatus } from '../api/constants.js';
import type { KubeObject, ResourceType } from '../kube/types.js';

/** What to do when a create finds an object of the same name that we do not manage yet. */
export interface AdoptionPolicy {
  /** KubeFedConfig `adoptResources: Enabled`. */
  adoptResources: boolean;
  /** The uid of the host cluster's own Namespace of this name: always taken over, never deleted. */
  hostNamespaceUid?: string | undefined;
}

export type MemberAction =
  /** Create; an object already there is adopted or reported as the policy says. */
  | { kind: 'create'; desired: KubeObject; hash: string; adoption: AdoptionPolicy }
  /**
   * Apply over the object the cache showed at `basedOn`. `applyOwnership` (managedFields JSON) first moves
   * the ownership our create recorded to apply (see sync/field-ownership.ts). `drift` names the paths a
   * change made by someone else moved, when the update reverts it.
   */
  | { kind: 'update'; desired: KubeObject; hash: string; basedOn: string | undefined; applyOwnership?: string | undefined; drift?: string[] | undefined }
  | { kind: 'delete'; options?: Record<string, unknown> | undefined; basedOn: string | undefined }
  /** Leave the object in place but unmanaged: drop the managed label and our hash annotation. */
  | { kind: 'unlabel'; basedOn: string | undefined };

export type ActionKind = MemberAction['kind'];

export interface WorkItem {
  type: ResourceType;
  /** `namespace/name` or `name` of the member object. */
  targetKey: string;
  action: MemberAction;
}

/** Resource versions our write produced, so that a cache still showing an older one is known to lag. */
export interface WrittenVersions {
  resourceVersion: string;
  /** The version the write replaced (undefined after a create). */
  previousResourceVersion: string | undefined;
  /** A version our own field-ownership patch made on the way. */
  intermediateResourceVersion?: string | undefined;
}

export interface WorkOutcome {
  kind: ActionKind;
  /** The desired hash the action carried (create, update). */
  hash: string | undefined;
  /** `''` when done as asked; else the cluster's propagation status. */
  status: PropagationStatus | '';
  message?: string | undefined;
  /** The member refused the object (invalid, forbidden): sending the same desired object again cannot help. */
  refused?: boolean;
  /** The executor keeps retrying after this failure (transient: timeout, 5xx, 429, no answer). */
  retrying?: boolean;
  /** Never sent: the executor is failing fast (the cluster does not answer) or was told the cluster is down. */
  notAttempted?: boolean;
  /** The request got no answer at all (timeout, connection refused or reset). */
  unanswered?: boolean;
  written?: WrittenVersions;
  /** A create found an unmanaged object of the same name and took it over. */
  adopted?: boolean;
  /** An update reverted these paths. */
  drift?: string[] | undefined;
  /** delete, unlabel: the resourceVersion of the object the action was decided on (undefined: not seen). */
  basedOn?: string | undefined;
  /** How long the request(s) took. */
  elapsedMs?: number;
}

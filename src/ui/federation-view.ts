// What the status page may read of the controller-manager: one read-only snapshot of its caches. The page
// model is built from this alone, so it is testable with plain data and can never write anything.
import type { FederatedResource, ReplicaSchedulingPreference } from '../api/index.js';
import type { ClusterDescription } from '../cluster/registry.js';

/** Times in cached objects may be Dates where the types say string (list vs watch decoding). */
export type Time = string | Date;

export type ClusterSnapshot = ClusterDescription;

/** A federated object as cached (never mutated by the page); a cached object may lack a spec. */
export type FedObjectSnapshot = Pick<FederatedResource, 'metadata' | 'status'> & { spec?: FederatedResource['spec'] | undefined };

export interface TypeSnapshot {
  /** The FederatedTypeConfig's name, e.g. `deployments.apps`. */
  name: string;
  federatedKind: string;
  targetKind: string;
  /** Whether the sync controller of this type runs (an enabled type may not, e.g. while its CRD is missing). */
  running: boolean;
  /** The objects in the running controller's cache; empty when it does not run. */
  objects: readonly FedObjectSnapshot[];
}

export type RspSnapshot = Pick<ReplicaSchedulingPreference, 'metadata' | 'spec' | 'status'>;

export interface FederationSnapshot {
  clusters: readonly ClusterSnapshot[];
  /** Every FederatedTypeConfig with `propagation: Enabled`. */
  types: readonly TypeSnapshot[];
  /** undefined when the SchedulerPreferences feature gate is off. */
  rsps: readonly RspSnapshot[] | undefined;
}

/** The narrow read-only interface the status page is given. */
export interface FederationView {
  snapshot(): FederationSnapshot;
}

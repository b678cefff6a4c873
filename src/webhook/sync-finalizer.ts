// The mutating half of the webhook: a federated object created while the sync controller of its type runs
// gets the controller's finalizer in the same write. That saves the controller one update of every new
// object, and a custom-resource update costs the host API server about twice a create (BENCHMARKS.md,
// host cost). Nothing depends on it: when the webhook is down, slow or unsure, the controller adds the
// finalizer itself, as KubeFed did. It must never add one the controller would not later remove, or the
// object could not be deleted: hence the same conditions the controller reconciles under.
import {
  ControllerStatus,
  EnablementMode,
  isNamespaceTypeConfig,
  SYNC_CONTROLLER_FINALIZER,
  setFederatedTypeConfigDefaults,
  type FederatedTypeConfig,
} from '../api/index.js';
import { isRecord } from './field-errors.js';

/** A federated type whose sync controller runs, by the group and plural of its federated type. */
export interface SyncedType {
  /** `group/plural` of the federated type, as an admission request names its resource. */
  key: string;
  /** FederatedNamespace: only one named like its namespace is reconciled. */
  isNamespace: boolean;
}

export type SyncedTypeLookup = (group: string, resource: string) => SyncedType | undefined;

export function syncedTypeKey(group: string, plural: string): string {
  return `${group}/${plural}`;
}

/**
 * The type an FTC runs a sync controller for, or undefined. Running means what the FTC's status says about
 * its current spec: a spec change (say, propagation Disabled) counts as not running until the status
 * catches up, so the webhook stops adding the finalizer before the controller stops.
 */
export function syncedTypeOf(ftc: FederatedTypeConfig): SyncedType | undefined {
  if (ftc.metadata.deletionTimestamp) return undefined;
  if (ftc.spec?.propagation !== EnablementMode.Enabled) return undefined;
  if (ftc.status?.propagationController !== ControllerStatus.Running) return undefined;
  if (ftc.metadata.generation === undefined || ftc.status.observedGeneration !== ftc.metadata.generation) return undefined;
  const { federatedType } = setFederatedTypeConfigDefaults(ftc).spec;
  if (!federatedType?.group || !federatedType.pluralName) return undefined;
  return { key: syncedTypeKey(federatedType.group, federatedType.pluralName), isNamespace: isNamespaceTypeConfig(ftc) };
}

/** The parts of an AdmissionReview request the finalizer rule reads. */
export interface FinalizerRequest {
  operation: string;
  subResource?: string;
  object?: unknown;
  resource?: { group?: unknown; resource?: unknown } | undefined;
  namespace?: unknown;
}

export interface JsonPatchAdd {
  op: 'add';
  path: string;
  value: unknown;
}

/**
 * The JSON patch that adds the sync controller's finalizer to an object being created, or undefined when
 * the object should be left as it is. `onlyNamespace` is the one namespace a namespace-scoped control
 * plane reconciles.
 */
export function syncFinalizerPatch(request: FinalizerRequest, lookup: SyncedTypeLookup, onlyNamespace?: string): JsonPatchAdd[] | undefined {
  if (request.operation !== 'CREATE' || (request.subResource ?? '') !== '') return undefined;
  const group = request.resource?.group;
  const resource = request.resource?.resource;
  if (typeof group !== 'string' || typeof resource !== 'string') return undefined;
  const type = lookup(group, resource);
  if (!type) return undefined;
  const object = request.object;
  if (!isRecord(object) || !isRecord(object.metadata)) return undefined;
  const metadata = object.metadata;
  if (metadata.deletionTimestamp !== undefined) return undefined;
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : request.namespace;
  if (onlyNamespace !== undefined && namespace !== onlyNamespace) return undefined;
  // The controller ignores a FederatedNamespace named unlike its namespace (and a generated name cannot match).
  if (type.isNamespace && (typeof metadata.name !== 'string' || metadata.name !== namespace)) return undefined;

  const finalizers = metadata.finalizers;
  if (finalizers === undefined || finalizers === null) {
    return [{ op: 'add', path: '/metadata/finalizers', value: [SYNC_CONTROLLER_FINALIZER] }];
  }
  if (!Array.isArray(finalizers) || finalizers.includes(SYNC_CONTROLLER_FINALIZER)) return undefined;
  return [{ op: 'add', path: '/metadata/finalizers/-', value: SYNC_CONTROLLER_FINALIZER }];
}

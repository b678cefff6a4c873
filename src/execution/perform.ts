// Carries out one member action against one member API server and says what happened, without any state of
// its own: the same code serves the host's push executors and a pull-mode agent inside the member.
//
// A create is one server-side apply made create-only: it carries a resourceVersion no object can have, so the
// API server creates the object when there is none and answers 409 Conflict when there is one. Only that
// answer leads to a read and the adoption rules. An object created so is owned through `Apply` from the
// start, so its first update is one apply too (a POST would record our fields under `Update`, and the first
// update would need a second request to move them: see sync/field-ownership.ts). An object an earlier version
// created with a POST still gets that ownership patch once, before its first update.
import { FIELD_MANAGER, MANAGED_LABEL, MANAGED_LABEL_FALSE, PROPAGATED_HASH_ANNOTATION, PropagationStatus } from '../api/constants.js';
import { memberApplyOwnership } from '../sync/field-ownership.js';
import { ApiError, errorMessage, isConflict, isForbidden, isInvalid, isNotFound } from '../kube/errors.js';
import type { CallControl, RestClient } from '../kube/rest-client.js';
import { splitKey, type KubeObject, type ResourceType } from '../kube/types.js';
import type { ActionKind, WorkItem, WorkOutcome } from './work.js';

const FAILED: Record<ActionKind, PropagationStatus> = {
  create: PropagationStatus.CreationFailed,
  update: PropagationStatus.UpdateFailed,
  delete: PropagationStatus.DeletionFailed,
  unlabel: PropagationStatus.LabelRemovalFailed,
};

const TIMED_OUT: Record<ActionKind, PropagationStatus> = {
  create: PropagationStatus.CreationTimedOut,
  update: PropagationStatus.UpdateTimedOut,
  delete: PropagationStatus.DeletionTimedOut,
  unlabel: PropagationStatus.LabelRemovalTimedOut,
};

/** No HTTP answer at all: the cluster may be hung or unreachable. */
export function isUnanswered(err: unknown): boolean {
  return err instanceof ApiError && err.code === 0;
}

function isTimeout(err: unknown): boolean {
  return err instanceof ApiError && err.code === 0 && err.reason === 'Timeout';
}

/** Performs `item` in the cluster behind `client`. Never throws: every failure becomes an outcome. */
export async function performAction(client: RestClient, item: WorkItem, control: CallControl = {}): Promise<WorkOutcome> {
  const { action } = item;
  const hash = action.kind === 'create' || action.kind === 'update' ? action.hash : undefined;
  try {
    switch (action.kind) {
      case 'create':
        return await create(client, item, action, control);
      case 'update': {
        const intermediate = action.applyOwnership
          ? await takeApplyOwnership(client, item.type, item.targetKey, action.basedOn, action.applyOwnership, control)
          : undefined;
        const written = await client.apply(item.type, action.desired, FIELD_MANAGER, control);
        return {
          kind: 'update',
          hash,
          status: '',
          written: { resourceVersion: written.metadata?.resourceVersion ?? '', previousResourceVersion: action.basedOn, intermediateResourceVersion: intermediate },
          drift: action.drift,
        };
      }
      case 'delete': {
        const { namespace, name } = splitKey(item.targetKey);
        try {
          await client.delete(item.type, name, namespace, action.options, control);
        } catch (err) {
          if (isNotFound(err)) return { kind: 'delete', hash, status: '', basedOn: action.basedOn };
          throw err;
        }
        // Finalizers or a foreground deletion may keep it a while; its watch event tells when it is gone.
        return { kind: 'delete', hash, status: PropagationStatus.WaitingForRemoval, basedOn: action.basedOn };
      }
      case 'unlabel':
        await unlabel(client, item.type, item.targetKey, control);
        return { kind: 'unlabel', hash, status: '', basedOn: action.basedOn };
    }
  } catch (err) {
    const outcome: WorkOutcome = {
      kind: action.kind,
      hash,
      status: isTimeout(err) ? TIMED_OUT[action.kind] : FAILED[action.kind],
      message: errorMessage(err),
    };
    // Refused for what it is: sending the same again cannot help. Anything else (no answer, 5xx, a namespace
    // not there yet) is retried with backoff by the executor.
    if ((isInvalid(err) || isForbidden(err)) && (action.kind === 'create' || action.kind === 'update')) outcome.refused = true;
    else outcome.retrying = true;
    if (isUnanswered(err)) outcome.unanswered = true;
    return outcome;
  }
}

async function create(
  client: RestClient,
  item: WorkItem,
  action: Extract<WorkItem['action'], { kind: 'create' }>,
  control: CallControl,
): Promise<WorkOutcome> {
  const created = (written: KubeObject): WorkOutcome => ({
    kind: 'create',
    hash: action.hash,
    status: '',
    written: { resourceVersion: written.metadata?.resourceVersion ?? '', previousResourceVersion: undefined },
  });
  try {
    return created(await client.apply(item.type, createOnly(action.desired), FIELD_MANAGER, control));
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
  // Something is there. (Nothing, if it went away meanwhile: then the plain apply below creates it.)
  const existing = await getOrUndefined(client, item.type, item.targetKey, control);
  const label = existing?.metadata?.labels?.[MANAGED_LABEL];
  const what = `${item.type.kind} "${item.targetKey}"`;
  if (label === MANAGED_LABEL_FALSE) return { kind: 'create', hash: action.hash, status: PropagationStatus.ManagedLabelFalse, refused: true };
  const isHostNamespace = !!existing?.metadata?.uid && existing.metadata.uid === action.adoption.hostNamespaceUid;
  if (existing && label === undefined && !action.adoption.adoptResources && !isHostNamespace) {
    return {
      kind: 'create',
      hash: action.hash,
      status: PropagationStatus.AlreadyExists,
      message: `${what} already exists and adoptResources is Disabled`,
      refused: true,
    };
  }
  const ownership = existing ? memberApplyOwnership(existing) : undefined;
  const intermediate = existing && ownership
    ? await takeApplyOwnership(client, item.type, item.targetKey, existing.metadata?.resourceVersion, JSON.stringify(ownership), control)
    : undefined;
  const written = await client.apply(item.type, action.desired, FIELD_MANAGER, control);
  return {
    kind: 'create',
    hash: action.hash,
    status: '',
    written: {
      resourceVersion: written.metadata?.resourceVersion ?? '',
      previousResourceVersion: existing?.metadata?.resourceVersion,
      intermediateResourceVersion: intermediate,
    },
    adopted: existing !== undefined && label === undefined,
  };
}

/**
 * A resourceVersion no object can have: etcd revisions are int64, and the API server parses this as uint64. Sent
 * in an apply, it is a precondition that fails (409) on any existing object and is ignored on a create.
 */
export const NO_RESOURCE_VERSION = '18446744073709551615';

/** `desired` as a server-side apply that only creates. */
export function createOnly(desired: KubeObject): KubeObject {
  return { ...desired, metadata: { ...desired.metadata, resourceVersion: NO_RESOURCE_VERSION } };
}

/**
 * Sends the managedFields that move our POST-made ownership to apply, conditional on `resourceVersion` so that
 * ownership read from a stale copy is never written back; on a conflict, once more from the live object.
 * Returns the resourceVersion the patch made, if it wrote.
 */
async function takeApplyOwnership(
  client: RestClient,
  type: ResourceType,
  targetKey: string,
  resourceVersion: string | undefined,
  managedFields: string,
  control: CallControl,
  retried = false,
): Promise<string | undefined> {
  const { namespace, name } = splitKey(targetKey);
  try {
    const patch = { metadata: { resourceVersion, managedFields: JSON.parse(managedFields) as unknown } };
    const written = await client.mergePatch(type, name, namespace, patch, { fieldManager: FIELD_MANAGER, ...control });
    return written.metadata?.resourceVersion;
  } catch (err) {
    if (!isConflict(err) || retried) throw err;
    // The cache was behind (our own create's watch event not in yet).
    const live = await getOrUndefined(client, type, targetKey, control);
    const ownership = live ? memberApplyOwnership(live) : undefined;
    if (!live || !ownership) return undefined;
    return takeApplyOwnership(client, type, targetKey, live.metadata?.resourceVersion, JSON.stringify(ownership), control, true);
  }
}

async function unlabel(client: RestClient, type: ResourceType, targetKey: string, control: CallControl): Promise<void> {
  const { namespace, name } = splitKey(targetKey);
  try {
    await client.mergePatch(
      type,
      name,
      namespace,
      { metadata: { labels: { [MANAGED_LABEL]: null }, annotations: { [PROPAGATED_HASH_ANNOTATION]: null } } },
      { fieldManager: FIELD_MANAGER, ...control },
    );
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

async function getOrUndefined(client: RestClient, type: ResourceType, targetKey: string, control: CallControl): Promise<KubeObject | undefined> {
  const { namespace, name } = splitKey(targetKey);
  try {
    return await client.get(type, name, namespace, control);
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

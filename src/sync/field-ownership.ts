// Who owns which fields of a member object that a plain write (not an apply) of ours made.
//
// We create with a create-only apply (execution/perform.ts), which records our fields under our `Apply` entry.
// Objects created by earlier versions with a POST, and objects our own label or patch writes touched, carry an
// `Update` entry of ours instead, and server-side apply only removes a field we stop sending when no other
// entry owns it, our own `Update` entry included. So before the first apply over such an object, its `Update`
// entry is turned into our `Apply` entry (what kubectl's client-side-to-server-side upgrade does): a template
// key deleted later is then removed from the member object instead of lingering. Pure: the controller sends the
// result as one metadata-only patch.
//
// KubeFed wrote member objects with plain updates too, under its own field manager: on an object KubeFed wrote
// (managed, no hash of ours), its `Update` entry is taken over the same way, so a template key removed after
// the migration goes from the member as well. Fields KubeFed only retained from the member (finalizers,
// annotations, a Service's allocated ports) are co-owned by whoever set them, so our apply leaves them alone.
import { FIELD_MANAGER } from '../api/constants.js';
import type { KubeObject } from '../kube/types.js';
import { isWrittenByKubeFed } from './plan.js';

/**
 * KubeFed's controller-manager writes members under its binary's name: client-go's user agent starts with
 * it, and the API server names the field manager after that prefix.
 */
export const KUBEFED_FIELD_MANAGER = 'controller-manager';

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  subresource?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  time?: string;
}

/**
 * The managedFields a member object should have before our first apply over it: ours moved to `Apply`, and
 * KubeFed's too when KubeFed wrote it; undefined when there is nothing to move.
 */
export function memberApplyOwnership(object: KubeObject): ManagedFieldsEntry[] | undefined {
  return applyOwnershipFor(object, FIELD_MANAGER, isWrittenByKubeFed(object) ? [KUBEFED_FIELD_MANAGER] : []);
}

/**
 * The managedFields `object` should have so that `manager` owns through `Apply` what it, or one of the
 * `predecessors`, owns through `Update` (main resource only), or undefined when there is nothing to move.
 */
export function applyOwnershipFor(object: KubeObject, manager: string, predecessors: readonly string[] = []): ManagedFieldsEntry[] | undefined {
  const entries = (object.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  const isOurs = (e: ManagedFieldsEntry, operation: string): boolean => e.manager === manager && e.operation === operation && !e.subresource;
  const isMoved = (e: ManagedFieldsEntry): boolean =>
    (e.manager === manager || predecessors.includes(e.manager ?? '')) && e.operation === 'Update' && !e.subresource;
  const updates = entries.filter(isMoved);
  if (updates.length === 0) return undefined;
  const applied = entries.find((e) => isOurs(e, 'Apply'));
  let fields: Record<string, unknown> = applied?.fieldsV1 ?? {};
  for (const u of updates) fields = mergeFieldSets(fields, u.fieldsV1 ?? {});
  const entry: ManagedFieldsEntry = {
    manager,
    operation: 'Apply',
    apiVersion: applied?.apiVersion ?? updates[0]!.apiVersion ?? object.apiVersion ?? 'v1',
    fieldsType: 'FieldsV1',
    fieldsV1: fields,
  };
  if (applied?.time ?? updates[0]!.time) entry.time = applied?.time ?? updates[0]!.time;
  const rest = entries.filter((e) => !isMoved(e) && !isOurs(e, 'Apply'));
  return [entry, ...rest];
}

/** Union of two FieldsV1 trees (nested objects whose leaves are `{}`). */
export function mergeFieldSets(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const existing = out[k];
    out[k] = isTree(existing) && isTree(v) ? mergeFieldSets(existing, v) : isTree(v) ? v : existing ?? v;
  }
  return out;
}

function isTree(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

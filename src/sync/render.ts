// Builds the object the sync controller wants in one member cluster: the Federated<X> template, named and
// typed for the target, with this cluster's JSON-patch overrides and the managed label; plus a stable hash of it.
import { hash } from 'node:crypto';
import type { Override } from '../api/federated-resource.js';
import { MANAGED_LABEL, MANAGED_LABEL_TRUE, PropagationStatus } from '../api/constants.js';
import { applyOverride, checkOverrides } from './overrides.js';

/** The parts of a Federated<X> that rendering reads; a `FederatedResource` fits. */
export interface RenderableFederatedObject {
  metadata: { name?: string; namespace?: string };
  spec?: {
    template?: Record<string, unknown>;
    overrides?: ReadonlyArray<Override>;
    retainReplicas?: boolean;
  };
}

/** The member-cluster type a Federated<X> propagates to (from its FederatedTypeConfig). */
export interface RenderTarget {
  /** `group/version`, or `v1` for the core group (`/v1` is accepted and normalised). */
  apiVersion: string;
  kind: string;
  namespaced: boolean;
}

export type RenderFailureStatus = typeof PropagationStatus.ComputeResourceFailed | typeof PropagationStatus.ApplyOverridesFailed;

export type RenderResult =
  | { ok: true; object: Record<string, unknown>; warnings: string[] }
  | { ok: false; status: RenderFailureStatus; message: string };

// Fields the API server owns or that only make sense in the host cluster: copying them into a member object
// would be rejected (uid, resourceVersion) or would point at host objects (ownerReferences).
const SERVER_METADATA_FIELDS = [
  'resourceVersion',
  'uid',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generation',
  'managedFields',
  'selfLink',
] as const;

const MANAGED_LABEL_POINTER = `/metadata/labels/${MANAGED_LABEL.replaceAll('~', '~0').replaceAll('/', '~1')}`;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(status: RenderFailureStatus, message: string): RenderResult {
  return { ok: false, status, message };
}

/**
 * Renders the object for one member cluster.
 *
 * Starts from a deep copy of `spec.template` (never the cached object itself), sets apiVersion (the template's,
 * else the target's), kind, name and — for namespaced targets only — namespace; drops server-owned metadata,
 * finalizers, ownerReferences and `status`; keeps template annotations (KubeFed dropped them); applies this
 * cluster's overrides; adds `kubefed.io/managed: "true"` last so no override can unset it; and with
 * `spec.retainReplicas` leaves `spec.replicas` out so the member's own value stands.
 *
 * @returns the object and warnings (for Warning events), or the per-cluster propagation status and why:
 *   `ComputeResourceFailed` when the fed object itself is malformed, `ApplyOverridesFailed` when this
 *   cluster's overrides are invalid or do not apply to the object (rules in ./overrides.ts)
 */
export function renderForCluster(input: { fedObject: RenderableFederatedObject; target: RenderTarget; cluster: string }): RenderResult {
  const { fedObject, target, cluster } = input;
  const warnings: string[] = [];

  const name = fedObject.metadata?.name;
  if (typeof name !== 'string' || name === '') {
    return fail(PropagationStatus.ComputeResourceFailed, 'the federated object has no metadata.name');
  }
  const namespace = target.namespaced ? fedObject.metadata.namespace : undefined;
  if (target.namespaced && (typeof namespace !== 'string' || namespace === '')) {
    return fail(PropagationStatus.ComputeResourceFailed, `${target.kind} is namespaced but the federated object has no metadata.namespace`);
  }

  const template: unknown = fedObject.spec?.template ?? {};
  if (!isRecord(template)) return fail(PropagationStatus.ComputeResourceFailed, 'spec.template must be an object');
  let body: Record<string, unknown>;
  try {
    body = structuredClone(template);
  } catch (error) {
    return fail(PropagationStatus.ComputeResourceFailed, `spec.template cannot be copied: ${error instanceof Error ? error.message : String(error)}`);
  }

  const templateApiVersion = body.apiVersion;
  if (templateApiVersion !== undefined && templateApiVersion !== null && typeof templateApiVersion !== 'string') {
    return fail(PropagationStatus.ComputeResourceFailed, 'spec.template.apiVersion must be a string');
  }
  // KubeFed wrote "/v1" for core-group targets; the API server tolerates it, but nothing else should have to.
  const apiVersion = (templateApiVersion || target.apiVersion).replace(/^\//, '');
  if (typeof body.kind === 'string' && body.kind !== '' && body.kind !== target.kind) {
    warnings.push(`spec.template.kind ${JSON.stringify(body.kind)} is ignored: the target kind is ${target.kind}`);
  }

  const templateMetadata: unknown = body.metadata ?? {};
  if (!isRecord(templateMetadata)) return fail(PropagationStatus.ComputeResourceFailed, 'spec.template.metadata must be an object');
  const metadata: Record<string, unknown> = { ...templateMetadata };
  for (const field of SERVER_METADATA_FIELDS) delete metadata[field];
  if (Array.isArray(metadata.finalizers) && metadata.finalizers.length > 0) {
    warnings.push(
      `spec.template.metadata.finalizers ${JSON.stringify(metadata.finalizers)} are not propagated; ` +
        'add finalizers to member objects with an override if they are really wanted',
    );
  }
  delete metadata.finalizers;
  if (Array.isArray(metadata.ownerReferences) && metadata.ownerReferences.length > 0) {
    warnings.push('spec.template.metadata.ownerReferences are not propagated: they refer to objects of the host cluster');
  }
  delete metadata.ownerReferences;
  if (typeof metadata.name === 'string' && metadata.name !== '' && metadata.name !== name) {
    warnings.push(`spec.template.metadata.name ${JSON.stringify(metadata.name)} is ignored: member objects are named ${JSON.stringify(name)}`);
  }
  metadata.name = name;
  if (namespace !== undefined) {
    if (typeof metadata.namespace === 'string' && metadata.namespace !== '' && metadata.namespace !== namespace) {
      warnings.push(
        `spec.template.metadata.namespace ${JSON.stringify(metadata.namespace)} is ignored: member objects live in ${JSON.stringify(namespace)}`,
      );
    }
    metadata.namespace = namespace;
  } else {
    delete metadata.namespace;
  }

  const { apiVersion: _apiVersion, kind: _kind, metadata: _metadata, status: _status, ...rest } = body;
  const object: Record<string, unknown> = { apiVersion, kind: target.kind, metadata, ...rest };

  const overridden = applyClusterOverrides(object, fedObject.spec?.overrides, cluster, warnings);
  if (!overridden.ok) return fail(PropagationStatus.ApplyOverridesFailed, overridden.message);

  const finalMetadata = object.metadata as Record<string, unknown>;
  const labels: unknown = finalMetadata.labels ?? {};
  if (!isRecord(labels)) {
    return fail(PropagationStatus.ApplyOverridesFailed, `overrides for cluster ${JSON.stringify(cluster)} make metadata.labels something other than a map`);
  }
  finalMetadata.labels = { ...labels, [MANAGED_LABEL]: MANAGED_LABEL_TRUE };

  // An explicit per-cluster replica count (typically written by the ReplicaSchedulingPreference controller)
  // still wins over retention, as in KubeFed where overrides were applied after retained fields.
  if (fedObject.spec?.retainReplicas === true && !overridden.setsReplicas && isRecord(object.spec)) {
    const { replicas: _replicas, ...spec } = object.spec;
    object.spec = spec;
  }

  return { ok: true, object, warnings };
}

/**
 * Which render of a fed object serves `cluster`: clusters without overrides of their own all get the same
 * object (only a cluster's own entries of `spec.overrides` change what it gets, or fail), so they share one
 * render, `''`; a cluster with its own entries (or any cluster, when `spec.overrides` is not a list) gets its
 * own, under its name.
 */
export function renderShareKey(fedObject: RenderableFederatedObject, cluster: string): string {
  const overrides: unknown = fedObject.spec?.overrides;
  if (overrides === undefined || overrides === null) return '';
  if (!Array.isArray(overrides)) return `cluster:${cluster}`;
  return overrides.some((entry: unknown) => isRecord(entry) && entry.clusterName === cluster) ? `cluster:${cluster}` : '';
}

type OverrideOutcome = { ok: true; setsReplicas: boolean } | { ok: false; message: string };

/** Checks this cluster's overrides completely before applying any, then applies them in order to `object`. */
function applyClusterOverrides(
  object: Record<string, unknown>,
  overrides: unknown,
  cluster: string,
  warnings: string[],
): OverrideOutcome {
  // Only this cluster's entries are judged: a mistake in another cluster's overrides fails that cluster alone.
  const { problems, byCluster } = checkOverrides(overrides, cluster);
  if (problems.length > 0) return { ok: false, message: problems.map((problem) => `${problem.field}: ${problem.message}`).join('; ') };
  const checked = byCluster.get(cluster) ?? [];

  for (const override of checked) {
    // The value is cloned so the rendered object never shares structure with the (cached) fed object.
    const problem = applyOverride(object, { ...override, value: structuredClone(override.value) });
    if (problem) return { ok: false, message: `${override.field} (${override.op} ${override.path}): ${problem}` };
    if (override.path === MANAGED_LABEL_POINTER) {
      warnings.push(`${override.field} has no effect: the ${MANAGED_LABEL} label is always set to "${MANAGED_LABEL_TRUE}"`);
    }
  }
  const setsReplicas = checked.some((override) => override.op !== 'remove' && (override.path === '/spec/replicas' || override.path === '/spec'));
  return { ok: true, setsReplicas };
}

/**
 * Serialises JSON-like data with object keys sorted, so equal data always gives the same text whatever the key
 * order. Follows JSON.stringify otherwise: `toJSON` is honoured (Dates), undefined and functions are skipped
 * in objects and become null in arrays.
 */
export function canonicalJson(value: unknown): string {
  const text = canonicalOrUndefined(value);
  return text ?? 'null';
}

function canonicalOrUndefined(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalOrUndefined((value as { toJSON: () => unknown }).toJSON());
  }
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((element) => canonicalOrUndefined(element) ?? 'null').join(',')}]`;
  const members: string[] = [];
  for (const key of Object.keys(value).sort()) {
    const member = canonicalOrUndefined((value as Record<string, unknown>)[key]);
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
  }
  return `{${members.join(',')}}`;
}

/**
 * A stable fingerprint of a desired object (sha256 over its canonical JSON, first 32 hex digits): the same
 * object always hashes the same regardless of key order, so it can be recorded and compared to skip writes.
 */
export function desiredHash(object: unknown): string {
  return hash('sha256', canonicalJson(object), 'hex').slice(0, 32);
}

// Builds the object the sync controller wants in one member cluster: the Federated<X> template, named and
// typed for the target, with this cluster's JSON-patch overrides and the managed label; plus a stable hash of it.
import { createHash } from 'node:crypto';
import jsonpatch from 'fast-json-patch';
import type { Override } from '../api/federated-resource.js';
import { FORBIDDEN_OVERRIDE_PATHS, MANAGED_LABEL, MANAGED_LABEL_TRUE, PropagationStatus } from '../api/constants.js';

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

/** Override paths refused on top of KubeFed's list: this project does not let overrides change apiVersion either. */
export const REFUSED_OVERRIDE_PATHS: readonly string[] = [...FORBIDDEN_OVERRIDE_PATHS, '/apiVersion'];

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

const OVERRIDE_OPS = new Set(['add', 'remove', 'replace']);
const MANAGED_LABEL_POINTER = `/metadata/labels/${escapePointerToken(MANAGED_LABEL)}`;
const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function unescapePointerToken(token: string): string {
  return token.replaceAll('~1', '/').replaceAll('~0', '~');
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
 *   cluster's overrides are invalid or would change the object's identity
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
    return fail(PropagationStatus.ComputeResourceFailed, `spec.template cannot be copied: ${errorText(error)}`);
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

  // Checked after patching rather than only by path, because e.g. replacing all of /metadata can rename too.
  const identityProblem = identityChange(object, { apiVersion, kind: target.kind, name, namespace });
  if (identityProblem) {
    return fail(
      PropagationStatus.ApplyOverridesFailed,
      `overrides for cluster ${JSON.stringify(cluster)} change ${identityProblem}; overrides may not change apiVersion, kind, name or namespace`,
    );
  }

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

type OverrideOutcome = { ok: true; setsReplicas: boolean } | { ok: false; message: string };

interface CheckedOverride {
  at: string;
  op: 'add' | 'remove' | 'replace';
  path: string;
  value: unknown;
}

/** Validates this cluster's overrides completely before applying any, then applies them in order to `object`. */
function applyClusterOverrides(
  object: Record<string, unknown>,
  overrides: unknown,
  cluster: string,
  warnings: string[],
): OverrideOutcome {
  if (overrides == null) return { ok: true, setsReplicas: false };
  if (!Array.isArray(overrides)) return { ok: false, message: 'spec.overrides must be a list' };

  // Only this cluster's entries are judged: a mistake in another cluster's overrides fails that cluster alone.
  const indexes = overrides.flatMap((entry: unknown, index) => (isRecord(entry) && entry.clusterName === cluster ? [index] : []));
  if (indexes.length > 1) {
    return {
      ok: false,
      message: `cluster ${JSON.stringify(cluster)} appears more than once in spec.overrides (${indexes.map((index) => `spec.overrides[${index}]`).join(', ')})`,
    };
  }
  const index = indexes[0];
  if (index === undefined) return { ok: true, setsReplicas: false };
  const entry = overrides[index] as Record<string, unknown>;
  const clusterOverrides = entry.clusterOverrides ?? [];
  if (!Array.isArray(clusterOverrides)) return { ok: false, message: `spec.overrides[${index}].clusterOverrides must be a list` };

  const checked: CheckedOverride[] = [];
  const seenPaths = new Map<string, string>();
  for (const [position, clusterOverride] of clusterOverrides.entries()) {
    const at = `spec.overrides[${index}].clusterOverrides[${position}]`;
    const result = checkOverride(clusterOverride, at);
    if (typeof result === 'string') return { ok: false, message: result };
    const previous = seenPaths.get(result.path);
    if (previous !== undefined) {
      return {
        ok: false,
        message: `${at}.path: ${JSON.stringify(result.path)} is overridden more than once for cluster ${JSON.stringify(cluster)} (also ${previous})`,
      };
    }
    seenPaths.set(result.path, at);
    checked.push(result);
  }

  for (const override of checked) {
    const problem = targetProblem(object, override);
    if (problem) return { ok: false, message: `${override.at} (${override.op} ${override.path}): ${problem}` };
    try {
      // The value is cloned so the rendered object never shares structure with the (cached) fed object.
      const operation = { op: override.op, path: override.path, value: structuredClone(override.value) } as jsonpatch.Operation;
      jsonpatch.applyOperation(object, operation, true, true);
    } catch (error) {
      return { ok: false, message: `${override.at} (${override.op} ${override.path}): ${errorText(error)}` };
    }
    if (override.path === MANAGED_LABEL_POINTER) {
      warnings.push(`${override.at} has no effect: the ${MANAGED_LABEL} label is always set to "${MANAGED_LABEL_TRUE}"`);
    }
  }
  const setsReplicas = checked.some((override) => override.op !== 'remove' && (override.path === '/spec/replicas' || override.path === '/spec'));
  return { ok: true, setsReplicas };
}

function checkOverride(clusterOverride: unknown, at: string): CheckedOverride | string {
  if (!isRecord(clusterOverride)) return `${at}: must be an object with op, path and value`;
  const rawOp = clusterOverride.op ?? '';
  if (typeof rawOp !== 'string' || (rawOp !== '' && !OVERRIDE_OPS.has(rawOp))) {
    return `${at}.op: unsupported op ${JSON.stringify(rawOp)}; must be add, remove or replace (empty means replace)`;
  }
  const op = (rawOp === '' ? 'replace' : rawOp) as CheckedOverride['op'];
  const path = clusterOverride.path;
  if (typeof path !== 'string' || !path.startsWith('/')) {
    return `${at}.path: ${JSON.stringify(path)} is not a JSON pointer (it must start with "/")`;
  }
  if (/~(?![01])/.test(path)) {
    return `${at}.path: ${JSON.stringify(path)} is not a JSON pointer ("~" must be followed by 0 or 1)`;
  }
  if (REFUSED_OVERRIDE_PATHS.includes(path)) {
    return `${at}.path: ${path} may not be overridden; overrides may not change apiVersion, kind, name or namespace`;
  }
  if (op !== 'remove' && clusterOverride.value === undefined) {
    return `${at}.value: required for op ${op} (path ${path})`;
  }
  return { at, op, path, value: clusterOverride.value };
}

/** Why `override` cannot apply to `document` as it is now, in words a user can act on; undefined when it can. */
function targetProblem(document: Record<string, unknown>, override: CheckedOverride): string | undefined {
  const tokens = override.path.split('/').slice(1).map(unescapePointerToken);
  let container: unknown = document;
  let walked = '';
  for (const token of tokens.slice(0, -1)) {
    walked += `/${escapePointerToken(token)}`;
    if (Array.isArray(container) && ARRAY_INDEX.test(token) && Number(token) < container.length) {
      container = container[Number(token)];
    } else if (isRecord(container) && Object.hasOwn(container, token)) {
      container = container[token];
    } else {
      return `${walked} does not exist`;
    }
  }
  const last = tokens[tokens.length - 1] as string;
  const mustExist = override.op !== 'add';
  if (Array.isArray(container)) {
    if (last === '-' && !mustExist) return undefined;
    if (!ARRAY_INDEX.test(last)) return `${JSON.stringify(last)} is not an array index`;
    const limit = mustExist ? container.length - 1 : container.length;
    if (Number(last) > limit) return `array index ${last} is out of range (the array has ${container.length} elements)`;
    return undefined;
  }
  if (!isRecord(container)) return `the parent of ${override.path} is not an object or array`;
  if (mustExist && !Object.hasOwn(container, last)) return 'the target does not exist (use add to create it)';
  return undefined;
}

function identityChange(
  object: Record<string, unknown>,
  expected: { apiVersion: string; kind: string; name: string; namespace: string | undefined },
): string | undefined {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const fields: Array<[string, unknown, unknown]> = [
    ['apiVersion', object.apiVersion, expected.apiVersion],
    ['kind', object.kind, expected.kind],
    ['metadata.name', metadata.name, expected.name],
    ['metadata.namespace', metadata.namespace, expected.namespace],
  ];
  for (const [field, actual, wanted] of fields) {
    if (actual !== wanted) return `${field} from ${JSON.stringify(wanted) ?? 'unset'} to ${JSON.stringify(actual) ?? 'unset'}`;
  }
  return undefined;
}

function errorText(error: unknown): string {
  // fast-json-patch appends the operation and the whole document to its messages; the first line says it all.
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
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
  return createHash('sha256').update(canonicalJson(object)).digest('hex').slice(0, 32);
}

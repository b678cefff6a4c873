// KubeFed's PropagatedVersion bookkeeping, as pure functions: the object's name, the template and overrides
// hashes (bit-identical to KubeFed's, checked against its own Go functions by test/unit/sync/
// propagated-version.test.ts), the version recorded per cluster, and the status a federated object's
// PropagatedVersion should hold. The host I/O is in propagated-version-writer.ts.
import { createHash } from 'node:crypto';
import {
  CLUSTER_PROPAGATED_VERSION_KIND,
  PROPAGATED_VERSION_API_VERSION,
  PROPAGATED_VERSION_KIND,
  type ClusterObjectVersion,
  type PropagatedVersionStatus,
} from '../api/index.js';
import type { KubeObject, OwnerReference } from '../kube/types.js';

/** `<lower-case target kind>-<federated object name>`, e.g. `configmap-web`, `namespace-demo`. */
export function propagatedVersionName(targetKind: string, fedName: string): string {
  return `${targetKind.toLowerCase()}-${fedName}`;
}

/**
 * What KubeFed records for a member object the last write returned: `gen:<generation>` when the object
 * has a generation (Deployments, custom resources…), else `rv:<resourceVersion>` (ConfigMaps, Secrets…).
 */
export function objectVersion(memberObject: KubeObject): string {
  const generation = memberObject.metadata?.generation;
  if (generation) return `gen:${generation}`;
  return `rv:${memberObject.metadata?.resourceVersion ?? ''}`;
}

/** A federated object whose fields do not have the types KubeFed decodes them into. */
export class VersionHashError extends Error {
  override readonly name = 'VersionHashError';
}

/**
 * `templateVersion`: MD5 (hex) of `spec.template` serialised as KubeFed does (Go's json.Encoder: keys
 * sorted, `<`, `>`, `&` escaped, a trailing newline); "" when there is no `spec.template`.
 */
export function templateVersion(fedObject: KubeObject): string {
  // An absent or null level on the way means "no template"; a null template itself is an error (KubeFed's).
  const spec = fedObject.spec;
  if (spec === undefined || spec === null) return '';
  if (!isPlainObject(spec)) throw new VersionHashError(`spec is ${describe(spec)}, not an object`);
  if (!('template' in spec)) return '';
  if (!isPlainObject(spec.template)) throw new VersionHashError(`spec.template is ${describe(spec.template)}, not an object`);
  return md5(goJsonEncode(spec.template));
}

/**
 * `overridesVersion`: MD5 (hex) of `{"overrides": spec.overrides}` after KubeFed's decoding into its
 * override structs (unknown fields dropped, empty `op` and null `value` left out); "" without `spec`.
 */
export function overridesVersion(fedObject: KubeObject): string {
  const spec = fedObject.spec;
  if (spec === undefined || spec === null) return '';
  if (!isPlainObject(spec)) throw new VersionHashError(`spec is ${describe(spec)}, not an object`);
  return md5(goJsonEncode({ overrides: overridesAsKubeFedDecodes(spec.overrides) }));
}

/** The status a PropagatedVersion holds for these hashes and versions: clusters sorted, empty versions left out. */
export function propagatedVersionStatus(
  hashes: { templateVersion: string; overridesVersion: string },
  clusterVersions: ReadonlyMap<string, string>,
): PropagatedVersionStatus {
  const versions: ClusterObjectVersion[] = [...clusterVersions]
    .filter(([, version]) => version !== '')
    .map(([clusterName, version]) => ({ clusterName, version }))
    .sort((a, b) => compareGoStrings(a.clusterName, b.clusterName));
  return { templateVersion: hashes.templateVersion, overridesVersion: hashes.overridesVersion, clusterVersions: versions };
}

/**
 * KubeFed's rule for a round that wrote to some clusters only: the versions written now, plus the recorded
 * ones of clusters still selected that were not written now (the recorded ones only count when they are
 * for the current template and overrides, see `recordedClusterVersions`). An empty version removes.
 */
export function mergeClusterVersions(
  recorded: ReadonlyMap<string, string>,
  written: ReadonlyMap<string, string>,
  selectedClusters: Iterable<string>,
): Map<string, string> {
  const merged = new Map(written);
  for (const cluster of selectedClusters) {
    const version = recorded.get(cluster);
    if (version !== undefined && !merged.has(cluster)) merged.set(cluster, version);
  }
  for (const [cluster, version] of merged) if (version === '') merged.delete(cluster);
  return merged;
}

/** Equal content; an absent `clusterVersions` (KubeFed omits an empty list) equals an empty one. */
export function propagatedVersionStatusEqual(a: PropagatedVersionStatus | undefined, b: PropagatedVersionStatus | undefined): boolean {
  if (!a || !b) return a === b;
  const av = a.clusterVersions ?? [];
  const bv = b.clusterVersions ?? [];
  return (
    a.templateVersion === b.templateVersion &&
    a.overridesVersion === b.overridesVersion &&
    av.length === bv.length &&
    av.every((v, i) => v.clusterName === bv[i]!.clusterName && v.version === bv[i]!.version)
  );
}

/**
 * The recorded versions by cluster, when the status was recorded for these very hashes; otherwise none
 * (the template or overrides changed since, so no member object can be assumed current). KubeFed's rule.
 */
export function recordedClusterVersions(
  status: PropagatedVersionStatus | undefined,
  hashes: { templateVersion: string; overridesVersion: string },
): Map<string, string> {
  const versions = new Map<string, string>();
  if (!status || status.templateVersion !== hashes.templateVersion || status.overridesVersion !== hashes.overridesVersion) {
    return versions;
  }
  for (const { clusterName, version } of status.clusterVersions ?? []) versions.set(clusterName, version);
  return versions;
}

/**
 * The (Cluster)PropagatedVersion of a federated object: in the object's namespace when the federated type is
 * namespaced (FederatedNamespace `ns/ns` included), cluster-scoped otherwise. Owned by the federated object,
 * so the garbage collector removes it with the object; the status goes through the status subresource.
 */
export function desiredPropagatedVersion(
  fedObject: KubeObject,
  targetKind: string,
  status: PropagatedVersionStatus,
): KubeObject & { status: PropagatedVersionStatus } {
  const namespace = fedObject.metadata?.namespace;
  const owner: OwnerReference = {
    apiVersion: fedObject.apiVersion ?? '',
    kind: fedObject.kind ?? '',
    name: fedObject.metadata?.name ?? '',
    uid: fedObject.metadata?.uid ?? '',
  };
  return {
    apiVersion: PROPAGATED_VERSION_API_VERSION,
    kind: namespace ? PROPAGATED_VERSION_KIND : CLUSTER_PROPAGATED_VERSION_KIND,
    metadata: {
      name: propagatedVersionName(targetKind, fedObject.metadata?.name ?? ''),
      ...(namespace ? { namespace } : {}),
      ownerReferences: [owner],
    },
    status,
  };
}

// ---------------------------------------------------------------------------------------------------
// KubeFed's serialisation

/**
 * `spec.overrides` as KubeFed's structs hold it after json.Unmarshal: a list of
 * `{clusterName, clusterOverrides?: [{op?, path, value?}]}` in that field order, where a missing string is
 * "", an empty list or a null value is omitted, and unknown fields are dropped. Absent or null is `null`.
 */
function overridesAsKubeFedDecodes(overrides: unknown): unknown {
  if (overrides === undefined || overrides === null) return null;
  if (!Array.isArray(overrides)) throw new VersionHashError(`spec.overrides is ${describe(overrides)}, not a list`);
  return overrides.map((item, i) => {
    const at = `spec.overrides[${i}]`;
    if (item === null) return { clusterName: '' };
    if (!isPlainObject(item)) throw new VersionHashError(`${at} is ${describe(item)}, not an object`);
    const decoded: Record<string, unknown> = { clusterName: goString(item.clusterName, `${at}.clusterName`) };
    const clusterOverrides = item.clusterOverrides;
    if (clusterOverrides !== undefined && clusterOverrides !== null) {
      if (!Array.isArray(clusterOverrides)) {
        throw new VersionHashError(`${at}.clusterOverrides is ${describe(clusterOverrides)}, not a list`);
      }
      if (clusterOverrides.length > 0) {
        decoded.clusterOverrides = clusterOverrides.map((override, j) => {
          const where = `${at}.clusterOverrides[${j}]`;
          if (override === null) return { path: '' };
          if (!isPlainObject(override)) throw new VersionHashError(`${where} is ${describe(override)}, not an object`);
          const op = goString(override.op, `${where}.op`);
          return {
            ...(op !== '' && { op }),
            path: goString(override.path, `${where}.path`),
            ...(override.value !== undefined && override.value !== null && { value: override.value }),
          };
        });
      }
    }
    return decoded;
  });
}

/** A Go string field: absent or null decode to "". */
function goString(value: unknown, at: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new VersionHashError(`${at} is ${describe(value)}, not a string`);
  return value;
}

/**
 * What Go's `json.NewEncoder(w).Encode(v)` writes for a JSON value: object keys sorted by their UTF-8
 * bytes, `<` `>` `&` U+2028 U+2029 escaped as \uXXXX, numbers in Go's float format, then "\n".
 * (Go ≥ 1.22 writes \b and \f as such, as JSON.stringify does; older Go wrote \u0008 and \u000c.)
 */
export function goJsonEncode(value: unknown): string {
  return `${encodeValue(value)}\n`;
}

function encodeValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return encodeNumber(value);
    case 'string':
      return encodeString(value);
    case 'object':
      if (Array.isArray(value)) return `[${value.map(encodeValue).join(',')}]`;
      return `{${Object.keys(value)
        .sort(compareGoStrings)
        .map((key) => `${encodeString(key)}:${encodeValue((value as Record<string, unknown>)[key])}`)
        .join(',')}}`;
    default:
      throw new VersionHashError(`cannot encode a ${typeof value}`);
  }
}

/**
 * Go's float64 format (shortest round-trip digits; exponent form below 1e-6 and from 1e21, with the
 * exponent's leading zero dropped) is the one JSON.stringify uses, except that Go keeps the sign of -0
 * (the API server sends `-0` only for a float; an integer -0 would already have arrived as `0`).
 */
function encodeNumber(value: number): string {
  if (!Number.isFinite(value)) throw new VersionHashError(`cannot encode ${value}`);
  if (Object.is(value, -0)) return '-0';
  return JSON.stringify(value);
}

const GO_HTML_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

function encodeString(value: string): string {
  // JSON.stringify escapes `"`, `\` and control characters as Go does; Go also escapes these for HTML.
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_HTML_ESCAPES[c]!);
}

/** Go compares strings by UTF-8 bytes, i.e. by code point; JS's `<` compares UTF-16 units. */
export function compareGoStrings(a: string, b: string): number {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done || y.done) return x.done && y.done ? 0 : x.done ? -1 : 1;
    const cx = x.value.codePointAt(0)!;
    const cy = y.value.codePointAt(0)!;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

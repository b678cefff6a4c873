// Where a pull cluster's work lives in its host namespace (docs/pull-mode.md): the id of a target type, the
// data key of each object's entry, the shard it falls into, and the names of the bundle and report objects.
// Pure; shared by the host's BundleExecutor and the agent, so both always agree.
import { hash } from 'node:crypto';
import { splitKey, type ResourceType } from '../kube/types.js';

/** Secret holding the types the host wants reported and their shard counts. */
export const TYPES_SECRET = 'kubefed-types';
export const BUNDLE_PREFIX = 'kubefed-bundle-';
export const REPORT_PREFIX = 'kubefed-report-';
export const REPORT_STATE_CONFIGMAP = 'kubefed-report-state';
export const BUNDLE_SECRET_TYPE = 'kubefed.io/work-bundle';
export const TYPES_SECRET_TYPE = 'kubefed.io/work-types';
/** `"true"` on bundle shards, `"types"` on the types Secret: the agent watches every Secret carrying the label. */
export const BUNDLE_LABEL = 'kubefed.io/bundle';
/** `"true"` on report shards, `"state"` on the report state ConfigMap: the host watches every ConfigMap carrying it. */
export const REPORT_LABEL = 'kubefed.io/report';
export const TYPE_LABEL = 'kubefed.io/type';
/** On every shard: the shard count of its type when it was written, so a reader checks each entry's place. */
export const SHARDS_ANNOTATION = 'kubefed.io/shards';
/** A type never grows past this many shards (64 × 512 KiB of entries). */
export const MAX_SHARDS = 64;

/** A shard is split before its encoded entries pass this (Secrets and ConfigMaps hold at most 1 MiB). */
export const MAX_SHARD_BYTES = 512 * 1024;

const MAX_TYPE_ID = 63;
const MAX_DATA_KEY = 253;
const NAME_PART = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

// The one-shot hash: a hasher object per call costs more than the hashing of a short key.
const sha256 = (text: string): Buffer => hash('sha256', text, 'buffer');

/**
 * `configmaps`, `deployments.apps`: the type's plural, qualified by its group, usable in object names and label
 * values. One longer than a label value allows is cut and suffixed with a hash of the whole.
 */
export function typeId(type: Pick<ResourceType, 'group' | 'plural'>): string {
  const id = type.group ? `${type.plural}.${type.group}` : type.plural;
  if (id.length <= MAX_TYPE_ID) return id;
  const hash = sha256(id).toString('hex').slice(0, 10);
  return `${id.slice(0, MAX_TYPE_ID - hash.length - 1).replace(/[^a-z0-9]+$/, '')}-${hash}`;
}

/**
 * The data key of an object's entry (`[-._a-zA-Z0-9]+`): `<namespace>_<name>`, `_<name>` when cluster-scoped,
 * or `h-<hash>` for a key with other characters (e.g. an RBAC name with `:`). Entries also hold their real key.
 */
export function entryDataKey(targetKey: string): string {
  const { namespace, name } = splitKey(targetKey);
  const readable = namespace === undefined ? `_${name}` : `${namespace}_${name}`;
  const safe = NAME_PART.test(name) && (namespace === undefined || NAME_PART.test(namespace));
  if (safe && readable.length <= MAX_DATA_KEY) return readable;
  return `h-${sha256(targetKey).toString('hex').slice(0, 20)}`;
}

/** The shard of an object: the first 32 bits of its key's SHA-256, modulo the type's shard count (a power of two). */
export function shardOf(targetKey: string, shards: number): number {
  if (!Number.isInteger(shards) || shards < 1 || (shards & (shards - 1)) !== 0) throw new Error(`shard count ${shards} is not a power of two`);
  return sha256(targetKey).readUInt32BE(0) % shards;
}

export function bundleName(id: string, shard: number): string {
  return `${BUNDLE_PREFIX}${id}-${shard}`;
}

export function reportName(id: string, shard: number): string {
  return `${REPORT_PREFIX}${id}-${shard}`;
}

/** The shard index of an object named `<prefix><id>-<n>`, or undefined when the name is not that. */
export function shardIndexOf(name: string, prefix: string, id: string): number | undefined {
  const head = `${prefix}${id}-`;
  if (!name.startsWith(head)) return undefined;
  const rest = name.slice(head.length);
  if (!/^(0|[1-9][0-9]{0,5})$/.test(rest)) return undefined;
  return Number(rest);
}

/** A shard count as an annotation gives it: a power of two up to MAX_SHARDS, else undefined. */
export function parseShardCount(value: string | undefined): number | undefined {
  if (value === undefined || !/^[1-9][0-9]{0,3}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= MAX_SHARDS && (n & (n - 1)) === 0 ? n : undefined;
}

// The two kinds of sharded objects in a pull cluster's host namespace: bundles (Secrets, written by the host)
// and reports (ConfigMaps, written by the agent). What differs between them (resource, label, name prefix,
// base64 data) lives here, so that one writer and one reader serve both. Pure.
import { CoreTypes, type KubeObject, type ResourceType } from '../kube/types.js';
import {
  BUNDLE_LABEL,
  BUNDLE_PREFIX,
  BUNDLE_SECRET_TYPE,
  parseShardCount,
  REPORT_LABEL,
  REPORT_PREFIX,
  shardIndexOf,
  SHARDS_ANNOTATION,
  TYPE_LABEL,
} from './names.js';

export interface ShardStore {
  resource: ResourceType;
  /** Label on every object of the store; `"true"` on its shards. */
  label: string;
  prefix: string;
  /** Secret data is base64; ConfigMap data is plain text. */
  base64: boolean;
  /** The `type` of a Secret store's objects. */
  secretType?: string;
}

export const BUNDLES: ShardStore = { resource: CoreTypes.secret, label: BUNDLE_LABEL, prefix: BUNDLE_PREFIX, base64: true, secretType: BUNDLE_SECRET_TYPE };
export const REPORTS: ShardStore = { resource: CoreTypes.configMap, label: REPORT_LABEL, prefix: REPORT_PREFIX, base64: false };

/** Where a shard object sits: its type, its index, and the shard count it was written with. */
export interface ShardPlace {
  typeId: string;
  shard: number;
  shards: number;
}

/** The place of a store object, or undefined when it is not a well-formed shard (e.g. the types Secret). */
export function shardPlaceOf(store: ShardStore, object: KubeObject): ShardPlace | undefined {
  const meta = object.metadata ?? {};
  if (meta.labels?.[store.label] !== 'true') return undefined;
  const typeId = meta.labels?.[TYPE_LABEL];
  if (!typeId) return undefined;
  const shard = shardIndexOf(meta.name ?? '', store.prefix, typeId);
  const shards = parseShardCount(meta.annotations?.[SHARDS_ANNOTATION]);
  if (shard === undefined || shards === undefined || shard >= shards) return undefined;
  return { typeId, shard, shards };
}

/** The stored data of an object, values as stored (base64 for Secrets). */
export function storedData(object: KubeObject): Record<string, string> {
  const data = object.data;
  return data && typeof data === 'object' ? (data as Record<string, string>) : {};
}

export function encodeValue(store: ShardStore, value: string): string {
  return store.base64 ? Buffer.from(value, 'utf8').toString('base64') : value;
}

export function decodeValue(store: ShardStore, stored: string): string {
  return store.base64 ? Buffer.from(stored, 'base64').toString('utf8') : stored;
}

/** A whole shard object, to create. */
export function shardObject(store: ShardStore, namespace: string, place: ShardPlace, data: ReadonlyMap<string, string>): KubeObject {
  const object: KubeObject = {
    apiVersion: 'v1',
    kind: store.resource.kind,
    metadata: {
      name: `${store.prefix}${place.typeId}-${place.shard}`,
      namespace,
      labels: { [store.label]: 'true', [TYPE_LABEL]: place.typeId },
      annotations: { [SHARDS_ANNOTATION]: String(place.shards) },
    },
    data: Object.fromEntries([...data].map(([k, v]) => [k, encodeValue(store, v)])),
  };
  if (store.secretType) object.type = store.secretType;
  return object;
}

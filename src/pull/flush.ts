// What one batched write of a bundle or report shard sends: a JSON merge patch of `data` holding only the keys
// that changed (null removes one), or nothing when the shard already holds what is wanted. Pure.
import { MAX_SHARD_BYTES } from './names.js';

export interface ShardPatch {
  data: Record<string, string | null>;
}

/**
 * `published`: the shard's data as last written (or read); `wanted`: for each changed data key its new value,
 * or undefined to remove it. Keys not in `wanted` stay as they are.
 */
export function planShardPatch(published: ReadonlyMap<string, string>, wanted: ReadonlyMap<string, string | undefined>): ShardPatch | undefined {
  const data: Record<string, string | null> = {};
  for (const [key, value] of wanted) {
    const before = published.get(key);
    if (value === undefined) {
      if (before !== undefined) data[key] = null;
    } else if (before !== value) {
      data[key] = value;
    }
  }
  return Object.keys(data).length > 0 ? { data } : undefined;
}

/** The shard's data after the patch. */
export function applyShardPatch(published: ReadonlyMap<string, string>, patch: ShardPatch): Map<string, string> {
  const next = new Map(published);
  for (const [key, value] of Object.entries(patch.data)) {
    if (value === null) next.delete(key);
    else next.set(key, value);
  }
  return next;
}

/** Bytes a shard's data takes as stored (keys plus values; Secret values count as their base64 form). */
export function shardBytes(data: ReadonlyMap<string, string>, base64: boolean): number {
  let bytes = 0;
  for (const [key, value] of data) bytes += key.length + (base64 ? Math.ceil(Buffer.byteLength(value) / 3) * 4 : Buffer.byteLength(value));
  return bytes;
}

/** Whether a type needs twice its shards: one shard would pass the size bound. */
export function needsMoreShards(shardSizes: readonly number[]): boolean {
  return shardSizes.some((bytes) => bytes > MAX_SHARD_BYTES);
}

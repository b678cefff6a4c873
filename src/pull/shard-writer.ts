// The batched writer of one store (bundles or reports) in one pull cluster's host namespace. Callers set the
// latest value of each entry; the writer keeps what it last wrote, and flushes each dirty shard with one JSON
// merge patch holding only the changed data keys (null removes one), at most once per `minIntervalMs` (the
// first change of a quiet shard after `quietMs`), or creates the shard when it does not exist. Requests grow
// with flushes, not with entries. A shard that would pass the size bound doubles its type's shard count: the
// new shards are written first, then the old ones drop what moved, so a reader never misses an entry.
import { errorMessage, isAlreadyExists, isNotFound } from '../kube/errors.js';
import { MERGE_PATCH, resourcePath, type RestClient } from '../kube/rest-client.js';
import type { KubeObject } from '../kube/types.js';
import { exponentialBackoff } from '../queue/backoff.js';
import type { Logger } from '../util/log.js';
import { applyShardPatch, planShardPatch, shardBytes } from './flush.js';
import { entryDataKey, MAX_SHARD_BYTES, MAX_SHARDS, shardOf, SHARDS_ANNOTATION } from './names.js';
import { decodeValue, encodeValue, shardObject, shardPlaceOf, storedData, type ShardStore } from './shard-store.js';

export interface ShardWriterOptions {
  client: RestClient;
  namespace: string;
  store: ShardStore;
  fieldManager: string;
  log: Logger;
  /** The real key of a stored value (its entry's `key`), or undefined when the value is not an entry. */
  keyOf(value: string): string | undefined;
  /** Flushes of one shard at most this often. Default 1 s. */
  minIntervalMs?: number;
  /** A quiet shard's first change waits this long, to gather a burst. Default 100 ms. */
  quietMs?: number;
  maxShardBytes?: number;
  /** Told of every write, for metrics. */
  onWrite?(verb: 'create' | 'patch', ok: boolean): void;
}

interface Shard {
  /** Data as last written or read (decoded values). */
  published: Map<string, string>;
  /** The shard count the object carries. */
  publishedShards: number | undefined;
  exists: boolean;
  /** Data keys to bring up to date → their entries' keys. */
  dirty: Map<string, string>;
  timer: NodeJS.Timeout | undefined;
  flushing: Promise<void> | undefined;
  lastFlushAt: number;
  failures: number;
}

interface TypeState {
  id: string;
  shards: number;
  /** key → value: what the store should hold. */
  content: Map<string, string>;
  shardStates: Shard[];
  /** New shards of a growth not written yet: the old shards keep their entries until these exist. */
  growing: Set<number>;
}

const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;

export class ShardWriter {
  private readonly types = new Map<string, TypeState>();
  private readonly minIntervalMs: number;
  private readonly quietMs: number;
  private readonly maxShardBytes: number;
  private stopped = false;
  private loaded = false;

  constructor(private readonly options: ShardWriterOptions) {
    this.minIntervalMs = options.minIntervalMs ?? 1_000;
    this.quietMs = options.quietMs ?? 100;
    this.maxShardBytes = options.maxShardBytes ?? MAX_SHARD_BYTES;
  }

  /**
   * Learns what the store holds (one list), so that nothing already there is written again; call it before
   * the first `set`. Entries left in the wrong shard (a growth cut short) are moved.
   */
  async load(): Promise<void> {
    const { client, namespace, store } = this.options;
    const list = await client.list(store.resource, { namespace, labelSelector: `${store.label}=true` });
    this.absorb(list.items);
    this.loaded = true;
    for (const t of this.types.values()) for (let s = 0; s < t.shardStates.length; s++) this.schedule(t, s);
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Objects as listed: their content becomes what is published and what is wanted. */
  private absorb(items: KubeObject[]): void {
    const found: Array<{ place: NonNullable<ReturnType<typeof shardPlaceOf>>; data: Map<string, string> }> = [];
    for (const item of items) {
      const place = shardPlaceOf(this.options.store, item);
      if (!place) continue;
      const data = new Map(Object.entries(storedData(item)).map(([k, v]) => [k, decodeValue(this.options.store, v)]));
      found.push({ place, data });
    }
    // The newest layout first: its copy of an entry wins over one a growth left behind.
    found.sort((a, b) => b.place.shards - a.place.shards);
    for (const { place } of found) {
      const t = this.type(place.typeId);
      t.shards = Math.max(t.shards, place.shards);
    }
    for (const { place, data } of found) {
      const t = this.type(place.typeId);
      const shard = this.shard(t, place.shard);
      shard.published = data;
      shard.publishedShards = place.shards;
      shard.exists = true;
      for (const [dataKey, value] of data) {
        const key = this.options.keyOf(value);
        if (key === undefined || entryDataKey(key) !== dataKey) {
          shard.dirty.set(dataKey, ''); // not an entry: removed
          continue;
        }
        if (!t.content.has(key)) t.content.set(key, value);
        shard.dirty.set(dataKey, key);
        this.shard(t, shardOf(key, t.shards)).dirty.set(dataKey, key);
      }
    }
    // Shards of a growth cut short that hold nothing yet are written before the old ones give entries up.
    for (const t of this.types.values()) {
      for (let s = 0; s < t.shardStates.length; s++) if (!t.shardStates[s]!.exists && t.shardStates[s]!.dirty.size > 0) t.growing.add(s);
    }
  }

  /**
   * Sets the entry of `key` (undefined removes it). Returns false, changing nothing, when the value alone is
   * larger than a shard may be.
   */
  set(typeId: string, key: string, value: string | undefined): boolean {
    const t = this.type(typeId);
    if (value === undefined) {
      if (!t.content.delete(key)) return true;
    } else {
      if (Buffer.byteLength(value) + key.length > this.maxShardBytes) return false;
      if (t.content.get(key) === value) return true;
      t.content.set(key, value);
    }
    const s = shardOf(key, t.shards);
    this.shard(t, s).dirty.set(entryDataKey(key), key);
    this.schedule(t, s);
    return true;
  }

  get(typeId: string, key: string): string | undefined {
    return this.types.get(typeId)?.content.get(key);
  }

  /** Every entry of a type: key → value. */
  entries(typeId: string): ReadonlyMap<string, string> {
    return this.types.get(typeId)?.content ?? new Map();
  }

  typeIds(): string[] {
    return [...this.types.keys()];
  }

  /** Shards with changes not written yet, or being written. */
  pendingShards(): number {
    let n = 0;
    for (const t of this.types.values()) for (const shard of t.shardStates) if (shard.dirty.size > 0 || shard.flushing) n++;
    return n;
  }

  /** Writes every pending change now, ignoring the interval (on shutdown); one attempt per shard. */
  async flushNow(): Promise<void> {
    for (const t of this.types.values()) {
      for (const shard of t.shardStates) await shard.flushing;
      // New shards of a growth first.
      const order = [...t.growing, ...t.shardStates.keys()].filter((s, i, all) => all.indexOf(s) === i);
      for (const s of order) {
        const shard = t.shardStates[s]!;
        if (shard.timer) clearTimeout(shard.timer);
        shard.timer = undefined;
        if (this.needsWrite(t, s)) await this.flush(t, s);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.types.values()) {
      for (const shard of t.shardStates) {
        if (shard.timer) clearTimeout(shard.timer);
        shard.timer = undefined;
      }
    }
  }

  private type(id: string): TypeState {
    let t = this.types.get(id);
    if (!t) {
      t = { id, shards: 1, content: new Map(), shardStates: [], growing: new Set() };
      this.types.set(id, t);
    }
    return t;
  }

  private shard(t: TypeState, s: number): Shard {
    while (t.shardStates.length <= s) {
      t.shardStates.push({
        published: new Map(),
        publishedShards: undefined,
        exists: false,
        dirty: new Map(),
        timer: undefined,
        flushing: undefined,
        lastFlushAt: 0,
        failures: 0,
      });
    }
    return t.shardStates[s]!;
  }

  private needsWrite(t: TypeState, s: number): boolean {
    const shard = t.shardStates[s];
    if (!shard) return false;
    return shard.dirty.size > 0 || (shard.exists && shard.publishedShards !== t.shards);
  }

  private schedule(t: TypeState, s: number): void {
    const shard = this.shard(t, s);
    if (this.stopped || !this.loaded || shard.timer || shard.flushing || !this.needsWrite(t, s)) return;
    const now = Date.now();
    const backoff = shard.failures > 0 ? exponentialBackoff(shard.failures, RETRY_BASE_MS, RETRY_MAX_MS) : 0;
    const delay = Math.max(this.quietMs, shard.lastFlushAt + this.minIntervalMs - now, backoff);
    shard.timer = setTimeout(() => {
      shard.timer = undefined;
      void this.flush(t, s);
    }, delay);
    shard.timer.unref();
  }

  /** The value the shard should hold under a data key, as things stand. */
  private wantedValue(t: TypeState, s: number, key: string): string | undefined {
    if (!key) return undefined;
    return shardOf(key, t.shards) === s ? t.content.get(key) : undefined;
  }

  private async flush(t: TypeState, s: number): Promise<void> {
    const shard = this.shard(t, s);
    if (shard.flushing) return shard.flushing;
    // Old shards give up moved entries only once the new shards hold them.
    if (t.growing.size > 0 && !t.growing.has(s)) {
      for (const g of t.growing) this.schedule(t, g);
      return;
    }
    const run = this.write(t, s).finally(() => {
      shard.flushing = undefined;
      shard.lastFlushAt = Date.now();
      if (t.growing.size === 0) for (let o = 0; o < t.shardStates.length; o++) this.schedule(t, o);
      else this.schedule(t, s);
    });
    shard.flushing = run;
    return run;
  }

  private async write(t: TypeState, s: number): Promise<void> {
    const shard = this.shard(t, s);
    const taken = shard.dirty;
    shard.dirty = new Map();
    const wanted = new Map<string, string | undefined>();
    for (const [dataKey, key] of taken) wanted.set(dataKey, this.wantedValue(t, s, key));
    const patch = planShardPatch(shard.published, wanted);
    const next = patch ? applyShardPatch(shard.published, patch) : shard.published;

    if (patch && shardBytes(next, this.options.store.base64) > this.maxShardBytes && t.shards < MAX_SHARDS) {
      for (const [dataKey, key] of taken) if (!shard.dirty.has(dataKey)) shard.dirty.set(dataKey, key);
      this.grow(t);
      return;
    }
    if (!shard.exists && next.size === 0) {
      // Nothing to hold: a shard of a growth that got no entries is not created.
      t.growing.delete(s);
      return;
    }
    if (shard.exists && !patch && shard.publishedShards === t.shards) {
      t.growing.delete(s);
      return;
    }
    const { client, namespace, store, fieldManager, log } = this.options;
    const name = `${store.prefix}${t.id}-${s}`;
    const shards = t.shards;
    try {
      if (shard.exists) {
        const body: Record<string, unknown> = {
          metadata: { annotations: { [SHARDS_ANNOTATION]: String(shards) } },
          data: Object.fromEntries(Object.entries(patch?.data ?? {}).map(([k, v]) => [k, v === null ? null : encodeValue(store, v)])),
        };
        try {
          // The answer is the whole shard: read as text, never parsed (nothing in it is needed).
          await client.request<string>('PATCH', resourcePath(store.resource, { namespace, name }), {
            body,
            contentType: MERGE_PATCH,
            query: { fieldManager },
            timeoutMs: 30_000,
            raw: true,
          });
          this.options.onWrite?.('patch', true);
        } catch (err) {
          if (!isNotFound(err)) throw err;
          // Deleted under us: write it whole.
          shard.exists = false;
          shard.published = new Map();
          shard.publishedShards = undefined;
          for (const [key] of t.content) if (shardOf(key, t.shards) === s) shard.dirty.set(entryDataKey(key), key);
          for (const [dataKey, key] of taken) if (!shard.dirty.has(dataKey)) shard.dirty.set(dataKey, key);
          return;
        }
      } else {
        try {
          await client.create(store.resource, shardObject(store, namespace, { typeId: t.id, shard: s, shards }, next), fieldManager, { timeoutMs: 30_000 });
          this.options.onWrite?.('create', true);
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          // There already (written by another writer before us): learn what it holds and try again.
          const live = await client.get(store.resource, name, namespace, { timeoutMs: 30_000 });
          shard.exists = true;
          shard.published = new Map(Object.entries(storedData(live)).map(([k, v]) => [k, decodeValue(store, v)]));
          shard.publishedShards = Number(live.metadata?.annotations?.[SHARDS_ANNOTATION]) || undefined;
          for (const dataKey of shard.published.keys()) if (!shard.dirty.has(dataKey)) shard.dirty.set(dataKey, taken.get(dataKey) ?? this.keyIn(shard, dataKey));
          for (const [dataKey, key] of taken) if (!shard.dirty.has(dataKey)) shard.dirty.set(dataKey, key);
          return;
        }
      }
      shard.exists = true;
      shard.published = next;
      shard.publishedShards = shards;
      shard.failures = 0;
      t.growing.delete(s);
    } catch (err) {
      shard.failures++;
      this.options.onWrite?.(shard.exists ? 'patch' : 'create', false);
      for (const [dataKey, key] of taken) if (!shard.dirty.has(dataKey)) shard.dirty.set(dataKey, key);
      log.warn({ object: `${namespace}/${name}`, err: errorMessage(err), failures: shard.failures }, 'could not write a shard; will retry');
    }
  }

  /** The key of a published value, for re-planning a data key nobody marked. */
  private keyIn(shard: Shard, dataKey: string): string {
    const value = shard.published.get(dataKey);
    return (value !== undefined && this.options.keyOf(value)) || '';
  }

  /** Doubles a type's shards: every entry whose shard changes is marked in its new and its old shard. */
  private grow(t: TypeState): void {
    const old = t.shards;
    t.shards = old * 2;
    for (let s = old; s < t.shards; s++) {
      this.shard(t, s);
      t.growing.add(s);
    }
    for (const key of t.content.keys()) {
      const from = shardOf(key, old);
      const to = shardOf(key, t.shards);
      if (from === to) continue;
      const dataKey = entryDataKey(key);
      this.shard(t, from).dirty.set(dataKey, key);
      this.shard(t, to).dirty.set(dataKey, key);
    }
    this.options.log.info({ namespace: this.options.namespace, type: t.id, shards: t.shards }, 'a shard passed its size bound; doubled the shards of its type');
    for (const s of t.growing) this.schedule(t, s);
  }
}


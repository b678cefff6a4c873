// The reading side of one store (bundles or reports) in one pull cluster's host namespace: an informer over
// the store's objects, decoding only the data keys that changed, validating every entry (the other side may
// be compromised: a bad entry is logged and ignored, never thrown), and telling of each entry whose value
// changed. While a growth moves entries between shards, an entry may sit in two objects for a moment: the
// copy in the object of the newest layout (the larger shard count) is the one that counts.
import { errorMessage } from '../kube/errors.js';
import { Informer } from '../kube/informer.js';
import type { RestClient } from '../kube/rest-client.js';
import type { KubeObject } from '../kube/types.js';
import type { Logger } from '../util/log.js';
import type { Decoded } from './entries.js';
import { entryDataKey, shardOf } from './names.js';
import { decodeValue, shardPlaceOf, storedData, type ShardPlace, type ShardStore } from './shard-store.js';

export interface ShardReaderOptions<E> {
  client: RestClient;
  namespace: string;
  store: ShardStore;
  log: Logger;
  decode(text: string): Decoded<E>;
  keyOf(entry: E): string;
  /** The entry of `key` changed (undefined: gone). */
  onEntry(typeId: string, key: string, entry: E | undefined): void;
  /** An object of the store that is not a shard (the types Secret, the report state) changed or went. */
  onOther?(object: KubeObject, deleted: boolean): void;
  onError?(err: unknown): void;
}

interface Held<E> {
  /** The stored value, to tell a changed data key without decoding. */
  raw: string;
  entry: E | undefined;
}

interface ObjectState<E> {
  place: ShardPlace;
  data: Map<string, Held<E>>;
}

/** Keeps what readers need of a store object: no managedFields. */
function slim(object: KubeObject): KubeObject {
  const { managedFields: _dropped, ...metadata } = object.metadata ?? {};
  return { ...object, metadata };
}

export class ShardReader<E> {
  private readonly informer: Informer;
  private readonly objects = new Map<string, ObjectState<E>>();
  /** typeId → key → object name → entry (more than one only during a growth). */
  private readonly index = new Map<string, Map<string, Map<string, { shards: number; entry: E }>>>();
  private invalid = 0;

  constructor(private readonly options: ShardReaderOptions<E>) {
    this.informer = new Informer(options.client, options.store.resource, {
      namespace: options.namespace,
      labelSelector: options.store.label,
      log: options.log,
      transform: slim,
      ...(options.onError ? { onError: options.onError } : {}),
    });
    this.informer.on((event) => this.onObject(event.object, event.type === 'deleted'));
  }

  start(): void {
    this.informer.start();
  }

  async stop(): Promise<void> {
    await this.informer.stop();
  }

  hasSynced(): boolean {
    return this.informer.hasSynced();
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.informer.waitForSync(signal);
  }

  /** True while the watch stream is open. */
  isWatching(): boolean {
    return this.informer.isWatching();
  }

  get lastListedAt(): number {
    return this.informer.lastListedAt;
  }

  retryNow(): void {
    this.informer.retryNow();
  }

  /** An object of the store by name (e.g. the types Secret). */
  object(name: string): KubeObject | undefined {
    return this.informer.get(`${this.options.namespace}/${name}`);
  }

  get(typeId: string, key: string): E | undefined {
    return pick(this.index.get(typeId)?.get(key));
  }

  keys(typeId: string): string[] {
    return [...(this.index.get(typeId)?.keys() ?? [])];
  }

  typeIds(): string[] {
    return [...this.index.keys()];
  }

  /** Entries refused since the start (malformed, or in a place they do not belong). */
  get invalidEntries(): number {
    return this.invalid;
  }

  private onObject(object: KubeObject, deleted: boolean): void {
    const name = object.metadata?.name ?? '';
    const place = deleted ? undefined : shardPlaceOf(this.options.store, object);
    const before = this.objects.get(name);
    if (!before && !place) {
      this.options.onOther?.(object, deleted);
      return;
    }
    // A shard that changed place (rare: relabelled by hand) is read as gone, then as new. A new shard count (a
    // growth) keeps the object: its entries that stay are checked again, never shown as gone in between.
    const samePlace = before && place && before.place.typeId === place.typeId && before.place.shard === place.shard;
    if (before && !samePlace) {
      this.objects.delete(name);
      for (const [dataKey, held] of before.data) if (held.entry !== undefined) this.unindex(before.place.typeId, this.options.keyOf(held.entry), name, dataKey);
    }
    if (!place) return;
    const recount = samePlace && before!.place.shards !== place.shards;
    const state: ObjectState<E> = samePlace ? before! : { place, data: new Map() };
    state.place = place;
    this.objects.set(name, state);
    const data = storedData(object);
    for (const [dataKey, held] of [...state.data]) {
      if (dataKey in data) continue;
      state.data.delete(dataKey);
      if (held.entry !== undefined) this.unindex(place.typeId, this.options.keyOf(held.entry), name, dataKey);
    }
    for (const [dataKey, raw] of Object.entries(data)) {
      const held = state.data.get(dataKey);
      if (held?.raw === raw) {
        if (recount && held.entry !== undefined) this.recount(place, name, dataKey, held);
        continue;
      }
      const entry = this.read(place, name, dataKey, raw);
      state.data.set(dataKey, { raw, entry });
      if (held?.entry !== undefined && (entry === undefined || this.options.keyOf(held.entry) !== this.options.keyOf(entry))) {
        this.unindex(place.typeId, this.options.keyOf(held.entry), name, dataKey);
      }
      if (entry !== undefined) this.reindex(place, this.options.keyOf(entry), name, entry);
    }
  }

  /** An unchanged entry of a shard whose count changed: still in its place, it keeps its copy, else it goes. */
  private recount(place: ShardPlace, object: string, dataKey: string, held: Held<E>): void {
    const key = this.options.keyOf(held.entry!);
    if (shardOf(key, place.shards) !== place.shard) {
      this.refuse(object, dataKey, `"${key}" does not belong in shard ${place.shard} of ${place.shards}`);
      this.unindex(place.typeId, key, object, dataKey);
      held.entry = undefined;
      return;
    }
    this.reindex(place, key, object, held.entry!);
  }

  /** Decodes and checks one entry: valid, under its own data key, in the shard its key belongs to. */
  private read(place: ShardPlace, object: string, dataKey: string, raw: string): E | undefined {
    let text: string;
    try {
      text = decodeValue(this.options.store, raw);
    } catch (err) {
      return this.refuse(object, dataKey, errorMessage(err));
    }
    const decoded = this.options.decode(text);
    if (!decoded.ok) return this.refuse(object, dataKey, decoded.error);
    const key = this.options.keyOf(decoded.value);
    if (entryDataKey(key) !== dataKey) return this.refuse(object, dataKey, `the entry of "${key}" is under another data key`);
    if (shardOf(key, place.shards) !== place.shard) return this.refuse(object, dataKey, `"${key}" does not belong in shard ${place.shard} of ${place.shards}`);
    return decoded.value;
  }

  private refuse(object: string, dataKey: string, error: string): undefined {
    this.invalid++;
    this.options.log.warn({ object: `${this.options.namespace}/${object}`, dataKey, err: error.slice(0, 500) }, 'ignoring a malformed entry');
    return undefined;
  }

  private reindex(place: ShardPlace, key: string, object: string, entry: E): void {
    let keys = this.index.get(place.typeId);
    if (!keys) this.index.set(place.typeId, (keys = new Map()));
    let copies = keys.get(key);
    if (!copies) keys.set(key, (copies = new Map()));
    const before = pick(copies);
    copies.set(object, { shards: place.shards, entry });
    const after = pick(copies);
    if (after !== before) this.options.onEntry(place.typeId, key, after);
  }

  private unindex(typeId: string, key: string, object: string, _dataKey: string): void {
    const keys = this.index.get(typeId);
    const copies = keys?.get(key);
    if (!copies?.has(object)) return;
    const before = pick(copies);
    copies.delete(object);
    if (copies.size === 0) keys!.delete(key);
    if (keys!.size === 0) this.index.delete(typeId);
    const after = pick(copies);
    if (after !== before) this.options.onEntry(typeId, key, after);
  }
}

function pick<E>(copies: Map<string, { shards: number; entry: E }> | undefined): E | undefined {
  let best: { shards: number; entry: E } | undefined;
  for (const copy of copies?.values() ?? []) if (!best || copy.shards > best.shards) best = copy;
  return best?.entry;
}

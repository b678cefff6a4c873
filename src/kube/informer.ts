// A supervised list+watch cache of one resource type on one cluster. A bare watch silently misses events
// when it breaks, so this one is supervised: it re-watches from the last resourceVersion when a stream
// ends, relists when the server says the version is gone (410), backs off on errors without ever giving
// up, and treats a stream that stays silent past its deadline as dead (watchdog).
import { isGone } from './errors.js';
import type { RestClient } from './rest-client.js';
import { resourcePath } from './rest-client.js';
import { apiVersionOf, objectKey, type KubeObject, type ResourceType } from './types.js';
import type { Logger } from '../util/log.js';
import { exponentialBackoff } from '../queue/backoff.js';

export type InformerEventType = 'added' | 'updated' | 'deleted';

export interface InformerEvent<T> {
  type: InformerEventType;
  object: T;
  /** The cached object before an update. */
  old?: T;
}

export type InformerHandler<T> = (event: InformerEvent<T>) => void;

export interface InformerOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
  log: Logger;
  /** Page size of the initial and recovery lists. */
  pageSize?: number;
  /** Server-side watch timeout; each watch picks a random value in [t, 1.5 t). Default 300 s. */
  watchTimeoutSeconds?: number;
  /** Backoff after a failed list or watch: base and cap. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Told about every list/watch failure, e.g. for metrics. */
  onError?: (err: unknown) => void;
  /** Keeps only what the user of the cache needs (e.g. a CRD's names without its schema), to save memory. */
  transform?: (object: KubeObject) => KubeObject;
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers = new Set<InformerHandler<T>>();
  private readonly abort = new AbortController();
  private resourceVersion = '';
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private running: Promise<void> | undefined;
  private watching = false;
  private failures = 0;
  private needList = true;
  private wake: (() => void) | undefined;
  /** When the cache was last refilled from a full list (ms since epoch). */
  lastListedAt = 0;

  constructor(
    readonly client: RestClient,
    readonly type: ResourceType,
    private readonly options: InformerOptions,
  ) {}

  /** Subscribe to changes; returns the unsubscribe function. Handlers must not mutate the objects. */
  on(handler: InformerHandler<T>): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  start(): void {
    if (!this.running) this.running = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /**
   * Skips the current backoff and relists now, e.g. when the cluster is known to be reachable again:
   * after a long outage the next retry could otherwise be up to the backoff cap away.
   */
  retryNow(): void {
    if (this.watching) return;
    this.failures = 0;
    this.needList = true;
    this.wake?.();
  }

  /** True while a watch stream is open: the cache is current up to the server's last event. */
  isWatching(): boolean {
    return this.watching;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => resolve();
      this.syncWaiters.push(done);
      signal?.addEventListener('abort', () => reject(new Error('aborted while waiting for cache sync')), { once: true });
    });
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  size(): number {
    return this.store.size;
  }

  private async run(): Promise<void> {
    const { log } = this.options;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        if (this.needList) {
          await this.relist();
          this.needList = false;
        }
        const base = this.options.watchTimeoutSeconds ?? 300;
        const timeoutSeconds = Math.floor(base * (1 + Math.random() / 2));
        this.watching = true;
        await this.client.watch(
          resourcePath(this.type, { namespace: this.options.namespace }),
          {
            resourceVersion: this.resourceVersion,
            allowWatchBookmarks: true,
            timeoutSeconds,
            labelSelector: this.options.labelSelector,
            fieldSelector: this.options.fieldSelector,
          },
          (event) => {
            this.failures = 0;
            this.apply(event.type, event.object as T);
          },
          // The server ends the stream at timeoutSeconds; silence well past that means a dead connection.
          { signal, idleTimeoutMs: (timeoutSeconds + 30) * 1000 },
        );
        this.watching = false;
      } catch (err) {
        this.watching = false;
        if (signal.aborted) break;
        this.options.onError?.(err);
        if (isGone(err)) {
          log.info({ resource: this.type.plural, cluster: this.client.name }, 'watch expired, relisting');
          this.needList = true;
          continue;
        }
        this.failures++;
        const delay = exponentialBackoff(this.failures, this.options.backoffBaseMs ?? 200, this.options.backoffMaxMs ?? 30_000);
        log.warn(
          { resource: this.type.plural, cluster: this.client.name, err: (err as Error).message, retryInMs: Math.round(delay) },
          'list/watch failed',
        );
        // A long outage may outlive etcd's history; relisting after repeated failures avoids a 410 round trip.
        if (this.failures >= 3) this.needList = true;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          void sleep(delay, signal).then(resolve);
        });
        this.wake = undefined;
      }
    }
    this.watching = false;
  }

  /** Lists everything (paged) and reconciles the cache with it, emitting the differences as events. */
  private async relist(): Promise<void> {
    const fresh = new Map<string, T>();
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.client.list<T>(this.type, {
        namespace: this.options.namespace,
        labelSelector: this.options.labelSelector,
        fieldSelector: this.options.fieldSelector,
        limit: this.options.pageSize ?? 500,
        continue: continueToken,
      });
      for (const item of page.items) {
        // List items carry no apiVersion/kind; watch events do. Make cached objects look alike.
        const obj = this.kept({ apiVersion: apiVersionOf(this.type), kind: this.type.kind, ...item } as T);
        fresh.set(objectKey(obj), obj);
      }
      continueToken = page.metadata.continue || undefined;
      resourceVersion = page.metadata.resourceVersion ?? '';
    } while (continueToken);

    const previous = new Map(this.store);
    this.store.clear();
    for (const [key, obj] of fresh) {
      this.store.set(key, obj);
      const old = previous.get(key);
      if (!old) this.emit({ type: 'added', object: obj });
      else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.emit({ type: 'updated', object: obj, old });
    }
    for (const [key, old] of previous) {
      if (!fresh.has(key)) this.emit({ type: 'deleted', object: old });
    }
    this.resourceVersion = resourceVersion;
    this.lastListedAt = Date.now();
    if (!this.synced) {
      this.synced = true;
      for (const resolve of this.syncWaiters.splice(0)) resolve();
    }
  }

  private kept(obj: T): T {
    return this.options.transform ? (this.options.transform(obj) as T) : obj;
  }

  private apply(type: string, received: T): void {
    const rv = received.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    const obj = this.kept(received);
    const key = objectKey(obj);
    const old = this.store.get(key);
    if (type === 'DELETED') {
      this.store.delete(key);
      this.emit({ type: 'deleted', object: obj });
    } else if (type === 'ADDED' || type === 'MODIFIED') {
      this.store.set(key, obj);
      this.emit(old ? { type: 'updated', object: obj, old } : { type: 'added', object: obj });
    }
    if (rv) this.resourceVersion = rv;
  }

  private emit(event: InformerEvent<T>): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (err) {
        this.options.log.error({ resource: this.type.plural, cluster: this.client.name, err: (err as Error).message }, 'informer handler failed');
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

// The writer of one small object with one data key in a pull cluster's host namespace: the types Secret (host)
// or the report state ConfigMap (agent). The latest value wins; writes are debounced, a value already stored
// is never written again, a missing object is created, and a failed write is retried with backoff.
import { errorMessage, isAlreadyExists, isNotFound } from '../kube/errors.js';
import type { RestClient } from '../kube/rest-client.js';
import type { KubeObject } from '../kube/types.js';
import { exponentialBackoff } from '../queue/backoff.js';
import type { Logger } from '../util/log.js';
import { decodeValue, encodeValue, type ShardStore } from './shard-store.js';

export interface ObjectWriterOptions {
  client: RestClient;
  namespace: string;
  name: string;
  store: ShardStore;
  /** The store label's value on this object (`types`, `state`). */
  role: string;
  dataKey: string;
  /** The `type` of a Secret. */
  secretType?: string;
  fieldManager: string;
  log: Logger;
  /** Debounce of changes. Default 100 ms. */
  quietMs?: number;
}

export class ObjectWriter {
  private stored: string | undefined;
  private exists = false;
  private wanted: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;

  constructor(private readonly options: ObjectWriterOptions) {}

  /** Reads the stored value, so that writing it again is skipped. Returns it. */
  async load(): Promise<string | undefined> {
    const { client, store, name, namespace, dataKey } = this.options;
    try {
      const object = await client.get(store.resource, name, namespace, { timeoutMs: 30_000 });
      this.exists = true;
      const raw = (object.data as Record<string, string> | undefined)?.[dataKey];
      this.stored = raw === undefined ? undefined : decodeValue(store, raw);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.exists = false;
      this.stored = undefined;
    }
    return this.stored;
  }

  get value(): string | undefined {
    return this.wanted ?? this.stored;
  }

  set(value: string): void {
    this.wanted = value;
    this.schedule(this.options.quietMs ?? 100);
  }

  /** Writes the latest value now (one attempt), e.g. before a heartbeat that must not come first. */
  async flushNow(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    await this.write();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(delayMs: number): void {
    if (this.stopped || this.timer || this.writing || this.wanted === undefined || this.wanted === this.stored) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, delayMs);
    this.timer.unref();
  }

  private write(): Promise<void> {
    if (this.writing) return this.writing;
    const run = this.writeOnce().finally(() => {
      this.writing = undefined;
      this.schedule(this.failures > 0 ? exponentialBackoff(this.failures, 500, 30_000) : 0);
    });
    this.writing = run;
    return run;
  }

  private async writeOnce(): Promise<void> {
    const value = this.wanted;
    if (value === undefined || value === this.stored) return;
    const { client, store, name, namespace, dataKey, fieldManager, role, log } = this.options;
    const data = { [dataKey]: encodeValue(store, value) };
    try {
      if (this.exists) {
        try {
          await client.mergePatch(store.resource, name, namespace, { data }, { fieldManager, timeoutMs: 30_000 });
        } catch (err) {
          if (!isNotFound(err)) throw err;
          this.exists = false;
          return this.writeOnce();
        }
      } else {
        const object: KubeObject = { apiVersion: 'v1', kind: store.resource.kind, metadata: { name, namespace, labels: { [store.label]: role } }, data };
        if (this.options.secretType) object.type = this.options.secretType;
        try {
          await client.create(store.resource, object, fieldManager, { timeoutMs: 30_000 });
        } catch (err) {
          if (!isAlreadyExists(err)) throw err;
          this.exists = true;
          return this.writeOnce();
        }
      }
      this.exists = true;
      this.stored = value;
      this.failures = 0;
    } catch (err) {
      this.failures++;
      log.warn({ object: `${namespace}/${name}`, err: errorMessage(err), failures: this.failures }, 'could not write; will retry');
    }
  }
}

// Shares informers between controllers: two sync controllers that need the same resource on the same
// cluster (e.g. FederatedNamespaces, read by the namespace controller and by every namespaced type) get one
// list+watch, reference-counted and stopped when the last user lets go. Every user's `onError` hears every
// list/watch failure, whoever created the informer.
import { Informer, type InformerOptions } from './informer.js';
import type { RestClient } from './rest-client.js';
import { resourcePath } from './rest-client.js';
import type { KubeObject, ResourceType } from './types.js';

interface Shared {
  informer: Informer;
  /** One entry per lease that asked to hear failures. */
  errorHandlers: Set<(err: unknown) => void>;
  users: number;
}

export interface InformerLease<T extends KubeObject = KubeObject> {
  informer: Informer<T>;
  release(): Promise<void>;
}

/**
 * What a shared informer keeps of each object. Users asking for the same `name` share one informer, so one
 * name must always mean one transform.
 */
export interface CachedView<T extends KubeObject = KubeObject> {
  name: string;
  transform: (object: KubeObject) => T;
}

export type SharedInformerOptions<T extends KubeObject = KubeObject> = Omit<InformerOptions<T>, 'transform'> & {
  view?: CachedView<T>;
};

/** Objects as controllers read them: without managedFields, which nothing here reads. */
export const WITHOUT_MANAGED_FIELDS: CachedView = {
  name: 'without-managed-fields',
  transform: (object) => {
    if (!object.metadata?.managedFields) return object;
    const { managedFields: _dropped, ...metadata } = object.metadata;
    return { ...object, metadata };
  },
};

/** {@link WITHOUT_MANAGED_FIELDS} for a cache of `T` (the transform keeps every other field, so it stays a `T`). */
export function withoutManagedFields<T extends KubeObject>(): CachedView<T> {
  return WITHOUT_MANAGED_FIELDS as CachedView<T>;
}

export class InformerCache {
  private readonly shared = new Map<string, Shared>();

  acquire<T extends KubeObject = KubeObject>(client: RestClient, type: ResourceType, options: SharedInformerOptions<T>): InformerLease<T> {
    const key = [
      client.name,
      client.server,
      resourcePath(type, { namespace: options.namespace }),
      options.labelSelector ?? '',
      options.fieldSelector ?? '',
      options.view?.name ?? '',
    ].join('|');
    let entry = this.shared.get(key);
    if (!entry || entry.informer.client !== client) {
      const errorHandlers = new Set<(err: unknown) => void>();
      const { view, onError: _first, ...informerOptions } = options;
      const informer = new Informer<T>(client, type, {
        ...informerOptions,
        ...(view ? { transform: view.transform } : {}),
        onError: (err) => {
          for (const handler of errorHandlers) handler(err);
        },
      });
      entry = { informer: informer as unknown as Informer, errorHandlers, users: 0 };
      this.shared.set(key, entry);
      entry.informer.start();
    }
    entry.users++;
    const held = entry;
    const onError = options.onError ? (err: unknown) => options.onError!(err) : undefined;
    if (onError) held.errorHandlers.add(onError);
    let released = false;
    return {
      informer: held.informer as unknown as Informer<T>,
      release: async () => {
        if (released) return;
        released = true;
        if (onError) held.errorHandlers.delete(onError);
        held.users--;
        if (held.users === 0) {
          if (this.shared.get(key) === held) this.shared.delete(key);
          await held.informer.stop();
        }
      },
    };
  }

  async stopAll(): Promise<void> {
    const all = [...this.shared.values()];
    this.shared.clear();
    await Promise.all(all.map((e) => e.informer.stop()));
  }
}

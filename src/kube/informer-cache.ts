// Shares informers between controllers: two sync controllers that need the same resource on the same
// cluster (e.g. FederatedNamespaces, read by the namespace controller and by every namespaced type) get one
// list+watch, reference-counted and stopped when the last user lets go.
import { Informer, type InformerOptions } from './informer.js';
import type { RestClient } from './rest-client.js';
import { resourcePath } from './rest-client.js';
import type { KubeObject, ResourceType } from './types.js';

interface Shared {
  informer: Informer;
  users: number;
}

export interface InformerLease<T extends KubeObject = KubeObject> {
  informer: Informer<T>;
  release(): Promise<void>;
}

export class InformerCache {
  private readonly shared = new Map<string, Shared>();

  acquire<T extends KubeObject = KubeObject>(client: RestClient, type: ResourceType, options: InformerOptions): InformerLease<T> {
    const key = [client.name, client.server, resourcePath(type, { namespace: options.namespace }), options.labelSelector ?? '', options.fieldSelector ?? ''].join('|');
    let entry = this.shared.get(key);
    if (!entry || entry.informer.client !== client) {
      entry = { informer: new Informer(client, type, options), users: 0 };
      this.shared.set(key, entry);
      entry.informer.start();
    }
    entry.users++;
    const held = entry;
    let released = false;
    return {
      informer: held.informer as unknown as Informer<T>,
      release: async () => {
        if (released) return;
        released = true;
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

// Which federated types have a running sync controller, as the FederatedTypeConfigs' status says. Every
// replica serves the webhook, leader or not, so each watches the FTCs itself (there are few of them) rather
// than asking the leader's controllers.
import type { FederatedTypeConfig } from '../api/index.js';
import { Informer } from '../kube/informer.js';
import type { RestClient } from '../kube/rest-client.js';
import type { KubeObject } from '../kube/types.js';
import { FederatedTypeConfigType } from '../typeconfig/controller.js';
import type { Logger } from '../util/log.js';
import { syncedTypeKey, syncedTypeOf, type SyncedType } from './sync-finalizer.js';

export class SyncedTypesWatch {
  private readonly informer: Informer<FederatedTypeConfig & KubeObject>;
  private byKey = new Map<string, SyncedType>();

  constructor(host: RestClient, kubefedNamespace: string, log: Logger) {
    this.informer = new Informer(host, FederatedTypeConfigType, { namespace: kubefedNamespace, log: log.child({ component: 'webhook-synced-types' }) });
    this.informer.on(() => this.rebuild());
  }

  start(): void {
    this.informer.start();
  }

  stop(): Promise<void> {
    return this.informer.stop();
  }

  /** Until the first list arrives no type counts as running: the controller adds the finalizer then. */
  readonly lookup = (group: string, resource: string): SyncedType | undefined => this.byKey.get(syncedTypeKey(group, resource));

  private rebuild(): void {
    const next = new Map<string, SyncedType>();
    for (const ftc of this.informer.list()) {
      const type = syncedTypeOf(ftc);
      if (type) next.set(type.key, type);
    }
    this.byKey = next;
  }
}

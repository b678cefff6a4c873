// The status page's FederationView over the running controller-manager: clusters from the registry,
// federated objects from each running sync controller's informer, and two caches of its own from the
// shared informer cache (the FederatedTypeConfigs, to list enabled types that do not run, and the
// ReplicaSchedulingPreferences). It only reads caches: a page view costs the API servers nothing.
import {
  EnablementMode,
  REPLICA_SCHEDULING_PREFERENCE_KIND,
  REPLICA_SCHEDULING_PREFERENCE_PLURAL,
  SCHEDULING_GROUP,
  SCHEDULING_VERSION,
  type FederatedTypeConfig,
  type ReplicaSchedulingPreference,
} from '../api/index.js';
import type { ClusterRegistry } from '../cluster/registry.js';
import type { InformerCache, InformerLease } from '../kube/informer-cache.js';
import type { RestClient } from '../kube/rest-client.js';
import type { KubeObject, ResourceType } from '../kube/types.js';
import { FederatedTypeConfigType, type TypeConfigController } from '../typeconfig/controller.js';
import type { Logger } from '../util/log.js';
import type { FederationSnapshot, FederationView, TypeSnapshot } from './federation-view.js';

const RspResourceType: ResourceType = {
  group: SCHEDULING_GROUP,
  version: SCHEDULING_VERSION,
  plural: REPLICA_SCHEDULING_PREFERENCE_PLURAL,
  kind: REPLICA_SCHEDULING_PREFERENCE_KIND,
  namespaced: true,
};

export interface CacheFederationViewOptions {
  registry: Pick<ClusterRegistry, 'describe'>;
  typeConfigs: Pick<TypeConfigController, 'controllers'>;
  informers: InformerCache;
  host: RestClient;
  kubefedNamespace: string;
  /** The namespace of a namespace-scoped control plane; undefined reads RSPs in every namespace. */
  targetNamespace: string | undefined;
  /** Whether the RSP scheduler runs (feature gate SchedulerPreferences). */
  scheduler: boolean;
  log: Logger;
}

export class CacheFederationView implements FederationView {
  private readonly ftcs: InformerLease<FederatedTypeConfig & KubeObject>;
  private readonly rsps: InformerLease<ReplicaSchedulingPreference & KubeObject> | undefined;

  constructor(private readonly options: CacheFederationViewOptions) {
    const log = options.log.child({ component: 'status-page' });
    this.ftcs = options.informers.acquire(options.host, FederatedTypeConfigType, { namespace: options.kubefedNamespace, log });
    this.rsps = options.scheduler
      ? options.informers.acquire(options.host, RspResourceType, { namespace: options.targetNamespace, log })
      : undefined;
  }

  snapshot(): FederationSnapshot {
    const running = this.options.typeConfigs.controllers();
    const types: TypeSnapshot[] = [];
    for (const ftc of this.ftcs.informer.list()) {
      const name = ftc.metadata.name ?? '';
      const controller = running.get(name);
      running.delete(name);
      if (ftc.spec?.propagation !== EnablementMode.Enabled && !controller) continue;
      types.push({
        name,
        federatedKind: ftc.spec.federatedType?.kind ?? '',
        targetKind: ftc.spec.targetType?.kind ?? '',
        running: controller !== undefined,
        objects: controller?.fedInformer?.list() ?? [],
      });
    }
    // Controllers whose FederatedTypeConfig this cache has not seen yet (it is still filling).
    for (const [name, controller] of running) {
      types.push({ name, federatedKind: controller.fedInformer?.type.kind ?? '', targetKind: '', running: true, objects: controller.fedInformer?.list() ?? [] });
    }
    return {
      clusters: this.options.registry.describe(),
      types,
      rsps: this.rsps?.informer.list(),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.ftcs.release(), this.rsps?.release()]);
  }
}

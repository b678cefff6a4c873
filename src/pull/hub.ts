// The host's pull-mode links, one per pull cluster, made on first use and dropped when the cluster goes or
// switches to push. The controller-manager hands `executor` to Executors and the hub (as a
// ReportedCacheSource) to MemberCaches, so that a pull cluster offers the sync controllers what a push
// cluster offers: an executor and member caches.
import { SyncMode } from '../api/index.js';
import type { ClusterRegistry } from '../cluster/registry.js';
import type { ExecutorObserver, MemberExecutor } from '../execution/executor.js';
import type { InformerEvent } from '../kube/informer.js';
import type { RestClient } from '../kube/rest-client.js';
import type { ResourceType } from '../kube/types.js';
import type { ReportedCacheSource, ReportedMemberCache } from '../members/member-caches.js';
import type { MemberObject, MemberProjection } from '../members/member-object.js';
import type { Logger } from '../util/log.js';
import { BundleExecutor } from './bundle-executor.js';
import { PullLink, type FlushSettings } from './link.js';
import { ReportedCache } from './reported-cache.js';

export interface PullHubOptions {
  host: RestClient;
  registry: Pick<ClusterRegistry, 'get' | 'onEvent'>;
  log: Logger;
  targetNamespace: string | undefined;
  flush?: FlushSettings | undefined;
  typesGraceMs?: number;
  /** The executor metrics. */
  observer?: ExecutorObserver | undefined;
}

export class PullHub implements ReportedCacheSource {
  private readonly links = new Map<string, PullLink>();
  private readonly unsubscribe: () => void;
  private readonly log: Logger;

  constructor(private readonly options: PullHubOptions) {
    this.log = options.log.child({ component: 'pull' });
    this.unsubscribe = options.registry.onEvent((event) => {
      if (event.type === 'removed' || (event.type === 'changed' && options.registry.get(event.name)?.syncMode !== SyncMode.Pull)) this.drop(event.name);
    });
  }

  /** The link of a pull cluster, started on first use. */
  link(cluster: string): PullLink {
    let link = this.links.get(cluster);
    if (!link) {
      link = new PullLink({
        cluster,
        host: this.options.host,
        log: this.log,
        targetNamespace: this.options.targetNamespace,
        flush: this.options.flush,
        ...(this.options.typesGraceMs !== undefined ? { typesGraceMs: this.options.typesGraceMs } : {}),
      });
      this.links.set(cluster, link);
      link.start();
    }
    return link;
  }

  executor(cluster: string): MemberExecutor {
    return new BundleExecutor({ link: this.link(cluster), log: this.log, observer: this.options.observer });
  }

  open(cluster: string, type: ResourceType, projection: MemberProjection, onEvent: (event: InformerEvent<MemberObject>) => void): ReportedMemberCache {
    return new ReportedCache(this.link(cluster), type, projection, this.options.targetNamespace, onEvent);
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    const all = [...this.links.values()];
    this.links.clear();
    await Promise.all(all.map((link) => link.stop()));
  }

  private drop(cluster: string): void {
    const link = this.links.get(cluster);
    if (!link) return;
    this.links.delete(cluster);
    void link.stop();
  }
}

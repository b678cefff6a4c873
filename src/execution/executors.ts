// The push-mode executors: one ClusterExecutor per registered member cluster, created on first use and told
// what the health prober sees (ready: stop failing fast; not ready: answer waiting work at once; removed: stop).
import type { ClusterEvent, ClusterRegistry } from '../cluster/registry.js';
import type { Logger } from '../util/log.js';
import { ClusterExecutor, type ExecutorObserver, type ExecutorSettings } from './executor.js';

export interface ExecutorsOptions {
  registry: ClusterRegistry;
  log: Logger;
  settings?: Partial<ExecutorSettings>;
  observer?: ExecutorObserver | undefined;
}

export class Executors {
  private readonly executors = new Map<string, ClusterExecutor>();
  private readonly availableListeners = new Set<(cluster: string) => void>();
  private readonly unsubscribe: () => void;
  private readonly log: Logger;

  constructor(private readonly options: ExecutorsOptions) {
    this.log = options.log.child({ component: 'executor' });
    this.unsubscribe = options.registry.onEvent((event) => this.onClusterEvent(event));
  }

  /** The executor of `cluster`. */
  for(cluster: string): ClusterExecutor {
    let executor = this.executors.get(cluster);
    if (!executor) {
      executor = new ClusterExecutor({
        cluster,
        client: () => this.options.registry.get(cluster)?.client,
        settings: this.options.settings,
        log: this.log,
        observer: this.options.observer,
      });
      executor.onAvailable(() => {
        for (const listener of this.availableListeners) listener(cluster);
      });
      this.executors.set(cluster, executor);
    }
    return executor;
  }

  /** False while the executor of `cluster` fails fast. */
  available(cluster: string): boolean {
    return this.executors.get(cluster)?.available ?? true;
  }

  /** Told when a cluster's executor takes work again after failing fast. */
  onAvailable(listener: (cluster: string) => void): () => void {
    this.availableListeners.add(listener);
    return () => this.availableListeners.delete(listener);
  }

  /** Requests waiting or in flight, all clusters together. */
  pending(): number {
    let n = 0;
    for (const executor of this.executors.values()) n += executor.queued + executor.inFlight;
    return n;
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    const all = [...this.executors.values()];
    this.executors.clear();
    await Promise.all(all.map((executor) => executor.stop()));
  }

  private onClusterEvent(event: ClusterEvent): void {
    const executor = this.executors.get(event.name);
    if (!executor) return;
    if (event.type === 'ready') executor.markReady();
    if (event.type === 'notReady') executor.markNotReady();
    if (event.type === 'removed') {
      this.executors.delete(event.name);
      void executor.stop();
    }
  }
}

// One executor per registered member cluster, created on first use and told what the health prober sees
// (ready: stop failing fast; not ready: answer waiting work at once; removed: stop). A push cluster gets a
// ClusterExecutor that writes to its API server; a pull cluster gets what `pullExecutor` makes (the
// BundleExecutor of src/pull/, passed in so that this layer never depends on pull mode's code).
import { SyncMode } from '../api/index.js';
import type { ClusterEvent, ClusterRegistry } from '../cluster/registry.js';
import type { Logger } from '../util/log.js';
import { ClusterExecutor, type ExecutorObserver, type ExecutorSettings, type MemberExecutor } from './executor.js';

export interface ExecutorsOptions {
  registry: Pick<ClusterRegistry, 'get' | 'onEvent'>;
  log: Logger;
  settings?: Partial<ExecutorSettings>;
  observer?: ExecutorObserver | undefined;
  /** The executor of a pull cluster; without it a pull cluster's work is answered "not ready". */
  pullExecutor?: ((cluster: string) => MemberExecutor) | undefined;
}

interface Held {
  executor: MemberExecutor;
  mode: SyncMode;
}

export class Executors {
  private readonly executors = new Map<string, Held>();
  private readonly availableListeners = new Set<(cluster: string) => void>();
  private readonly unsubscribe: () => void;
  private readonly log: Logger;

  constructor(private readonly options: ExecutorsOptions) {
    this.log = options.log.child({ component: 'executor' });
    this.unsubscribe = options.registry.onEvent((event) => this.onClusterEvent(event));
  }

  /** The executor of `cluster`, by its sync mode. */
  for(cluster: string): MemberExecutor {
    const mode = this.modeOf(cluster);
    const held = this.executors.get(cluster);
    if (held && held.mode === mode) return held.executor;
    if (held) this.drop(cluster, held);
    const executor =
      mode === SyncMode.Pull && this.options.pullExecutor
        ? this.options.pullExecutor(cluster)
        : new ClusterExecutor({
            cluster,
            client: () => (this.modeOf(cluster) === SyncMode.Pull ? undefined : this.options.registry.get(cluster)?.client),
            settings: this.options.settings,
            log: this.log,
            observer: this.options.observer,
          });
    executor.onAvailable(() => {
      for (const listener of this.availableListeners) listener(cluster);
    });
    this.executors.set(cluster, { executor, mode });
    return executor;
  }

  /** False while the executor of `cluster` fails fast. */
  available(cluster: string): boolean {
    return this.executors.get(cluster)?.executor.available ?? true;
  }

  /** Told when a cluster's executor takes work again after failing fast. */
  onAvailable(listener: (cluster: string) => void): () => void {
    this.availableListeners.add(listener);
    return () => this.availableListeners.delete(listener);
  }

  /** Requests waiting or in flight, all clusters together. */
  pending(): number {
    let n = 0;
    for (const { executor } of this.executors.values()) n += executor.queued + executor.inFlight;
    return n;
  }

  async stop(): Promise<void> {
    this.unsubscribe();
    const all = [...this.executors.values()];
    this.executors.clear();
    await Promise.all(all.map(({ executor }) => executor.stop()));
  }

  private modeOf(cluster: string): SyncMode {
    return this.options.registry.get(cluster)?.syncMode ?? SyncMode.Push;
  }

  private drop(cluster: string, held: Held): void {
    this.executors.delete(cluster);
    void held.executor.stop();
  }

  private onClusterEvent(event: ClusterEvent): void {
    const held = this.executors.get(event.name);
    if (!held) return;
    if (event.type === 'ready') held.executor.markReady();
    if (event.type === 'notReady') held.executor.markNotReady();
    // A mode switch replaces the executor (its waiting work is answered "not attempted" as it stops).
    if (event.type === 'removed' || (event.type === 'changed' && this.modeOf(event.name) !== held.mode)) this.drop(event.name, held);
  }
}

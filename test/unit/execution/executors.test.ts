// Executors picks each cluster's executor by its sync mode: a ClusterExecutor for push, the pull executor
// factory's for pull, and a new one when the cluster switches modes; readiness events reach whichever it holds.
import { describe, expect, it } from 'vitest';
import { SyncMode } from '../../../src/api/index.js';
import type { ClusterEvent, MemberCluster } from '../../../src/cluster/registry.js';
import { ClusterExecutor, type MemberExecutor, type OutcomeHandler } from '../../../src/execution/executor.js';
import { Executors } from '../../../src/execution/executors.js';
import type { WorkItem } from '../../../src/execution/work.js';
import { silentLogger } from '../../../src/util/log.js';

class Registry {
  readonly clusters = new Map<string, MemberCluster>();
  private readonly listeners = new Set<(event: ClusterEvent) => void>();
  get(name: string): MemberCluster | undefined {
    return this.clusters.get(name);
  }
  onEvent(listener: (event: ClusterEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(name: string, syncMode: SyncMode): void {
    this.clusters.set(name, { name, labels: {}, syncMode, ready: true, client: undefined });
  }
  emit(event: ClusterEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

class RecordingExecutor implements MemberExecutor {
  readonly calls: string[] = [];
  available = true;
  queued = 0;
  inFlight = 0;
  constructor(readonly cluster: string) {}
  submit(key: string, _item: WorkItem, _onOutcome: OutcomeHandler): boolean {
    this.calls.push(`submit ${key}`);
    return true;
  }
  cancel(key: string): void {
    this.calls.push(`cancel ${key}`);
  }
  onAvailable(): () => void {
    return () => undefined;
  }
  markReady(): void {
    this.calls.push('ready');
  }
  markNotReady(): void {
    this.calls.push('notReady');
  }
  async stop(): Promise<void> {
    this.calls.push('stop');
  }
}

const log = silentLogger;

describe('Executors', () => {
  it('gives a push cluster a ClusterExecutor and a pull cluster the pull executor, replacing it on a mode switch', async () => {
    const registry = new Registry();
    const made: RecordingExecutor[] = [];
    const executors = new Executors({
      registry,
      log,
      pullExecutor: (cluster) => {
        const executor = new RecordingExecutor(cluster);
        made.push(executor);
        return executor;
      },
    });
    registry.set('push', SyncMode.Push);
    registry.set('pull', SyncMode.Pull);
    expect(executors.for('push')).toBeInstanceOf(ClusterExecutor);
    const pull = executors.for('pull');
    expect(pull).toBe(made[0]);
    expect(executors.for('pull')).toBe(pull);

    registry.emit({ type: 'notReady', name: 'pull' });
    registry.emit({ type: 'ready', name: 'pull' });
    expect(made[0]!.calls).toEqual(['notReady', 'ready']);

    // A change that keeps the mode keeps the executor; a mode switch replaces it.
    registry.emit({ type: 'changed', name: 'pull' });
    expect(executors.for('pull')).toBe(pull);
    registry.set('pull', SyncMode.Push);
    registry.emit({ type: 'changed', name: 'pull' });
    expect(made[0]!.calls).toContain('stop');
    expect(executors.for('pull')).toBeInstanceOf(ClusterExecutor);
    registry.set('pull', SyncMode.Pull);
    expect(executors.for('pull')).toBe(made[1]);

    registry.emit({ type: 'removed', name: 'pull' });
    expect(made[1]!.calls).toEqual(['stop']);
    await executors.stop();
  });

  it('never sends a pull cluster\'s work to a ClusterExecutor\'s client when no pull executor is given', async () => {
    const registry = new Registry();
    registry.set('pull', SyncMode.Pull);
    const executors = new Executors({ registry, log });
    const executor = executors.for('pull');
    const outcome = await new Promise((resolve) => {
      executor.submit('k', { type: { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true }, targetKey: 'a/b', action: { kind: 'delete', basedOn: undefined } }, resolve);
    });
    expect(outcome).toMatchObject({ kind: 'delete', status: 'ClusterNotReady', message: 'cluster "pull" has no usable client' });
    await executors.stop();
  });
});

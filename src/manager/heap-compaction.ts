// Compacts the heap after a burst of work, so an idle controller-manager's resident memory follows what it
// really holds. V8 sizes the old generation for the burst (at 10,000 federated objects × 3 clusters: 171 MiB
// committed, 52 MiB live) and, measured, keeps that size when the process goes quiet. A plain full GC does not
// give it back either: the survivors are spread over every page, and V8's own heuristics move them only when
// its memory reducer runs (which a process with a lease to renew every 2 s seldom lets it). So this GC runs
// with compaction switched on for it alone: the survivors move together and the emptied pages go back to the
// system. It costs ~0.1–0.2 s for 50 MiB live, at most every `minIntervalMs`, and only once the committed heap
// grew by `growthBytes` beyond what the last one left.
// Needs `gc` (node --expose-gc: src/manager/node-flags.ts); without it this does nothing.
import v8 from 'node:v8';
import type { Logger } from '../util/log.js';

export interface CompactionSettings {
  /** How often the heap is looked at. */
  checkEveryMs: number;
  /** At most one compaction per this interval. */
  minIntervalMs: number;
  /** Heap committed above what the last compaction left, before another is worth its pause. */
  growthBytes: number;
}

export const DEFAULT_COMPACTION: CompactionSettings = { checkEveryMs: 10_000, minIntervalMs: 30_000, growthBytes: 24 * 2 ** 20 };

/** Whether to compact now: the last compaction left `committedAfter` bytes committed at `at` (ms). Pure. */
export function shouldCompact(last: { at: number; committedAfter: number }, now: number, committed: number, settings: CompactionSettings): boolean {
  return now - last.at >= settings.minIntervalMs && committed - last.committedAfter >= settings.growthBytes;
}

/**
 * One full GC that also moves the survivors together, so that the pages it empties are released. `gc` is
 * V8's (exposed); the compaction flag is V8's too, read at each full GC, and switched back off at once.
 */
export function compactHeap(gc: () => void): void {
  v8.setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    v8.setFlagsFromString('--no-compact-on-every-full-gc');
  }
}

/** Starts the periodic check; returns the function that stops it. */
export function startHeapCompaction(log: Logger, settings: CompactionSettings = DEFAULT_COMPACTION): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return () => {};
  let last = { at: Date.now(), committedAfter: v8.getHeapStatistics().total_heap_size };
  const timer = setInterval(() => {
    const now = Date.now();
    const before = v8.getHeapStatistics();
    if (!shouldCompact(last, now, before.total_heap_size, settings)) return;
    const started = performance.now();
    compactHeap(gc);
    const after = v8.getHeapStatistics();
    last = { at: Date.now(), committedAfter: after.total_heap_size };
    log.debug(
      { usedBefore: before.used_heap_size, usedAfter: after.used_heap_size, committedBefore: before.total_heap_size, committedAfter: after.total_heap_size, ms: Math.round(performance.now() - started) },
      'heap compacted',
    );
  }, settings.checkEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}

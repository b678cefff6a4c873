// Compacts the heap after a burst of work, so an idle controller-manager's resident memory follows what it
// really holds. V8 sizes the old generation for the burst (at 10,000 federated objects × 3 clusters: 177 MiB
// committed, 102 MiB used, 52 MiB live) and, measured, keeps that size when the process goes quiet: its memory
// reducer does not run once a GC-free idle stretch begins. A full GC here costs ~0.1 s for a 100 MiB heap,
// and it happens at most every `minIntervalMs`, only after the heap grew by `growthBytes` since the last one.
// Needs `gc` (node --expose-gc: src/manager/node-flags.ts); without it this does nothing.
import v8 from 'node:v8';
import type { Logger } from '../util/log.js';

export interface CompactionSettings {
  /** How often the heap is looked at. */
  checkEveryMs: number;
  /** At most one compaction per this interval. */
  minIntervalMs: number;
  /** Heap used above what the last compaction left, before another is worth its pause. */
  growthBytes: number;
}

export const DEFAULT_COMPACTION: CompactionSettings = { checkEveryMs: 10_000, minIntervalMs: 30_000, growthBytes: 24 * 2 ** 20 };

/** Whether to compact now: the last compaction left `heapAfterLast` bytes at `lastAt` (ms). Pure. */
export function shouldCompact(last: { at: number; heapAfter: number }, now: number, heapUsed: number, settings: CompactionSettings): boolean {
  return now - last.at >= settings.minIntervalMs && heapUsed - last.heapAfter >= settings.growthBytes;
}

/** Starts the periodic check; returns the function that stops it. */
export function startHeapCompaction(log: Logger, settings: CompactionSettings = DEFAULT_COMPACTION): () => void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return () => {};
  let last = { at: Date.now(), heapAfter: v8.getHeapStatistics().used_heap_size };
  const timer = setInterval(() => {
    const now = Date.now();
    const before = v8.getHeapStatistics();
    if (!shouldCompact(last, now, before.used_heap_size, settings)) return;
    const started = performance.now();
    gc();
    const after = v8.getHeapStatistics();
    last = { at: Date.now(), heapAfter: after.used_heap_size };
    log.debug(
      { usedBefore: before.used_heap_size, usedAfter: after.used_heap_size, committedBefore: before.total_heap_size, committedAfter: after.total_heap_size, ms: Math.round(performance.now() - started) },
      'heap compacted',
    );
  }, settings.checkEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}

// Compacting the heap after a burst: at most once per interval, only after the committed heap grew enough,
// only where `gc` is exposed, and for real: the pages a burst left sparsely used go back.
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compactHeap, shouldCompact, startHeapCompaction, type CompactionSettings } from '../../../src/manager/heap-compaction.js';
import { createLogger } from '../../../src/util/log.js';

const MiB = 2 ** 20;
const settings: CompactionSettings = { checkEveryMs: 10_000, minIntervalMs: 30_000, growthBytes: 24 * MiB };

describe('shouldCompact', () => {
  const last = { at: 100_000, committedAfter: 50 * MiB };
  it.each<[string, number, number, boolean]>([
    ['grown enough, long enough after the last one', 130_000, 74 * MiB, true],
    ['grown enough, too soon after the last one', 129_999, 200 * MiB, false],
    ['not grown enough', 500_000, 74 * MiB - 1, false],
    ['shrunk (V8 gave pages back on its own)', 500_000, 30 * MiB, false],
  ])('%s: %s', (_name, now, committed, expected) => {
    expect(shouldCompact(last, now, committed, settings)).toBe(expected);
  });
});

describe('compactHeap', () => {
  it('gives back the pages a burst left sparsely used, which a plain full GC keeps', () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    // A burst: 300,000 small objects, of which every fifth stays, so that survivors sit on every page.
    let kept: object[] = [];
    for (let i = 0; i < 300_000; i++) kept.push({ name: `object-${i}`, labels: { a: `x${i}` }, data: 'y'.repeat(100) + i });
    kept = kept.filter((_, i) => i % 5 === 0);
    gc();
    const plain = v8.getHeapStatistics();
    compactHeap(gc);
    const compacted = v8.getHeapStatistics();
    expect(kept).toHaveLength(60_000);
    // Measured: ~135 MiB committed after the plain GC, ~40 MiB after the compacting one.
    expect(compacted.total_heap_size).toBeLessThan(plain.total_heap_size * 0.6);
    expect(compacted.used_heap_size).toBeLessThan(plain.used_heap_size * 1.1);
  });
});

describe('startHeapCompaction', () => {
  const log = createLogger({ level: 'silent' });
  afterEach(() => {
    vi.useRealTimers();
    delete (globalThis as { gc?: unknown }).gc;
  });

  it('does nothing where gc is not exposed', () => {
    vi.useFakeTimers();
    const stop = startHeapCompaction(log, { ...settings, growthBytes: 0, minIntervalMs: 0 });
    expect(vi.getTimerCount()).toBe(0);
    stop();
  });

  it('calls gc once the interval passed and the heap grew, and stops when told', () => {
    vi.useFakeTimers();
    const gc = vi.fn();
    (globalThis as { gc?: unknown }).gc = gc;
    // Any heap counts as grown: the check alone decides when.
    const stop = startHeapCompaction(log, { checkEveryMs: 1_000, minIntervalMs: 3_000, growthBytes: -Infinity });
    vi.advanceTimersByTime(2_000);
    expect(gc).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(gc).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(2_000);
    expect(gc).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1_000);
    expect(gc).toHaveBeenCalledTimes(2);
    stop();
    vi.advanceTimersByTime(10_000);
    expect(gc).toHaveBeenCalledTimes(2);
  });
});

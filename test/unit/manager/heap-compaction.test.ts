// Compacting the heap after a burst: at most once per interval, only after the heap grew enough, and only
// where `gc` is exposed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { shouldCompact, startHeapCompaction, type CompactionSettings } from '../../../src/manager/heap-compaction.js';
import { createLogger } from '../../../src/util/log.js';

const MiB = 2 ** 20;
const settings: CompactionSettings = { checkEveryMs: 10_000, minIntervalMs: 30_000, growthBytes: 24 * MiB };

describe('shouldCompact', () => {
  const last = { at: 100_000, heapAfter: 50 * MiB };
  it.each<[string, number, number, boolean]>([
    ['grown enough, long enough after the last one', 130_000, 74 * MiB, true],
    ['grown enough, too soon after the last one', 129_999, 200 * MiB, false],
    ['not grown enough', 500_000, 74 * MiB - 1, false],
    ['shrunk (V8 collected on its own)', 500_000, 30 * MiB, false],
  ])('%s: %s', (_name, now, heapUsed, expected) => {
    expect(shouldCompact(last, now, heapUsed, settings)).toBe(expected);
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

import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter, mapLimited } from '../../../src/queue/limiter.js';
import { deferred, seededRandom } from './helpers.js';

/** Yields to the microtask queue `n` times: a deterministic stand-in for "some async work". */
async function yieldTimes(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

describe('ConcurrencyLimiter', () => {
  it.each([1, 3, 8])('never has more than %i in flight, and reaches the limit', async (max) => {
    const limiter = new ConcurrencyLimiter(max);
    const random = seededRandom(max);
    let active = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        limiter.run(async () => {
          active++;
          peak = Math.max(peak, active);
          expect(limiter.active).toBeLessThanOrEqual(max);
          await yieldTimes(Math.floor(random() * 20));
          active--;
          return i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(peak).toBe(max);
    expect(limiter.active).toBe(0);
    expect(limiter.pending).toBe(0);
  });

  it('starts waiters in FIFO order, and a newcomer cannot overtake them', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const gate = deferred();
    const started: string[] = [];
    let late: Promise<void> | undefined;
    const first = limiter.run(async () => {
      started.push('first');
      await gate.promise;
      // Arrives while a, b and c wait: it must queue behind them even as the slot is about to free.
      late = limiter.run(async () => void started.push('late'));
    });
    const waiters = ['a', 'b', 'c'].map((name) => limiter.run(async () => void started.push(name)));
    expect(limiter.pending).toBe(3);
    gate.resolve();
    await first;
    await Promise.all([...waiters, late]);
    expect(started).toEqual(['first', 'a', 'b', 'c', 'late']);
  });

  it('propagates rejections and synchronous throws, releasing the slot each time', async () => {
    const limiter = new ConcurrencyLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('async boom')))).rejects.toThrow('async boom');
    const syncThrow = (): Promise<never> => {
      throw new Error('sync boom');
    };
    await expect(limiter.run(syncThrow)).rejects.toThrow('sync boom');
    expect(limiter.active).toBe(0);
    await expect(limiter.run(async () => 'ok')).resolves.toBe('ok');
  });

  it('releases the slot to a waiter when the holder fails', async () => {
    const limiter = new ConcurrencyLimiter(1);
    const gate = deferred();
    const failing = limiter.run(async () => {
      await gate.promise;
      throw new Error('boom');
    });
    const next = limiter.run(async () => 'next');
    gate.resolve();
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
    expect(limiter.active).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects max = %s', (max) => {
    expect(() => new ConcurrencyLimiter(max)).toThrow(RangeError);
  });

  it('accepts Infinity as "no limit"', async () => {
    const limiter = new ConcurrencyLimiter(Number.POSITIVE_INFINITY);
    const gate = deferred();
    const runs = Array.from({ length: 50 }, () => limiter.run(() => gate.promise));
    expect(limiter.active).toBe(50);
    gate.resolve();
    await Promise.all(runs);
  });
});

describe('mapLimited', () => {
  it('returns results in input order although they complete out of order', async () => {
    const random = seededRandom(7);
    const items = Array.from({ length: 100 }, (_, i) => i);
    let active = 0;
    let peak = 0;
    const out = await mapLimited(items, 5, async (item, index) => {
      expect(index).toBe(item);
      active++;
      peak = Math.max(peak, active);
      await yieldTimes(Math.floor(random() * 30));
      active--;
      return item * 2;
    });
    expect(out).toEqual(items.map((i) => i * 2));
    expect(peak).toBe(5);
  });

  it('accepts any iterable and an empty one', async () => {
    expect(await mapLimited(new Set(['a', 'b']), 2, async (s) => s.toUpperCase())).toEqual(['A', 'B']);
    expect(await mapLimited([], 3, async () => 1)).toEqual([]);
  });

  it('stops starting items after a failure and rejects once in-flight calls settle', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const slow = deferred();
    const result = mapLimited([0, 1, 2, 3, 4, 5], 2, async (item) => {
      started.push(item);
      if (item === 0) {
        await slow.promise;
        finished.push(item);
        return item;
      }
      throw new Error(`item ${item} failed`);
    });
    let settled = false;
    void result.catch(() => (settled = true));
    await yieldTimes(20);
    // Item 1 failed while item 0 was still running: nothing new starts, and we wait for item 0.
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(false);
    slow.resolve();
    await expect(result).rejects.toThrow('item 1 failed');
    expect(finished).toEqual([0]);
    expect(started).toEqual([0, 1]);
  });

  it('turns a synchronous throw into a rejection', async () => {
    const syncThrow = (): Promise<never> => {
      throw new Error('sync');
    };
    await expect(mapLimited([1], 1, syncThrow)).rejects.toThrow('sync');
  });

  it.each([0, 2.5])('rejects max = %s', async (max) => {
    await expect(mapLimited([1], max, async (x) => x)).rejects.toThrow(RangeError);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  WorkQueue,
  type ProcessOutcome,
  type ReconcileResult,
  type WorkQueueObserver,
} from '../../../src/queue/work-queue.js';
import { deferred, flushMicrotasks, seededRandom, type Deferred } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** Records handler starts per key and fails the test if one key ever has two runs at once. */
class Tracker {
  readonly calls: string[] = [];
  readonly active = new Set<string>();
  peak = 0;
  overlaps: string[] = [];

  enter(key: string): void {
    if (this.active.has(key)) this.overlaps.push(key);
    this.active.add(key);
    this.calls.push(key);
    this.peak = Math.max(this.peak, this.active.size);
  }

  leave(key: string): void {
    this.active.delete(key);
  }

  count(key: string): number {
    return this.calls.filter((k) => k === key).length;
  }
}

describe('WorkQueue.add', () => {
  it('serves timers and sockets while a handler answered without I/O keeps re-adding its own key', async () => {
    // Such a loop chained on microtasks alone would starve every timer until it ended (here after 100,000
    // runs; in the product, never: the answer that would end it could not come). The queue yields a turn.
    const q = new WorkQueue();
    const LOOP = 100_000;
    let runs = 0;
    let runsWhenTimerFired: number | undefined;
    setTimeout(() => (runsWhenTimerFired = runs), 0);
    const done = deferred();
    q.add('spinning');
    void q.run(1, async (key) => {
      runs++;
      if (runs < LOOP) q.add(key);
      else done.resolve();
    });
    await done.promise;
    await q.shutdown({ drain: true });
    expect(runsWhenTimerFired).toBeDefined();
    expect(runsWhenTimerFired!).toBeLessThan(5_000);
  });

  it('does not queue a waiting key twice and serves keys FIFO', async () => {
    const added: string[] = [];
    const q = new WorkQueue({ observer: { onAdd: (k) => added.push(k) } });
    for (const key of ['a', 'b', 'a', 'c', 'b', 'a']) q.add(key);
    expect(q.len()).toBe(3);
    expect(added).toEqual(['a', 'b', 'c']);

    const seen: string[] = [];
    const done = deferred();
    void q.run(1, async (key) => {
      seen.push(key);
      if (seen.length === 3) done.resolve();
    });
    await done.promise;
    await flushMicrotasks();
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(q.len()).toBe(0);
    await q.shutdown({ drain: true });
  });

  it('re-processes a key added during its run exactly once, after that run', async () => {
    const q = new WorkQueue();
    const tracker = new Tracker();
    const gates: Deferred[] = [deferred(), deferred()];
    void q.run(4, async (key) => {
      tracker.enter(key);
      try {
        await gates[tracker.count(key) - 1]?.promise;
      } finally {
        tracker.leave(key);
      }
    });

    q.add('a');
    await flushMicrotasks();
    expect(tracker.calls).toEqual(['a']);
    // Many adds while 'a' is in flight collapse into one pending re-run, held out of the queue.
    for (let i = 0; i < 10; i++) q.add('a');
    expect(q.len()).toBe(0);
    expect(q.inFlight()).toBe(1);
    await flushMicrotasks();
    expect(tracker.calls).toEqual(['a']);

    gates[0]?.resolve();
    await vi.waitFor(() => expect(tracker.calls).toEqual(['a', 'a']));
    gates[1]?.resolve();
    await vi.waitFor(() => expect(q.inFlight()).toBe(0));
    await flushMicrotasks();
    expect(tracker.calls).toEqual(['a', 'a']);
    expect(tracker.overlaps).toEqual([]);
    await q.shutdown({ drain: true });
  });

  it('accepts keys before run() and processes them once it starts', async () => {
    const q = new WorkQueue();
    q.add('early');
    await flushMicrotasks();
    expect(q.len()).toBe(1);
    const seen = deferred<string>();
    void q.run(1, async (key) => seen.resolve(key));
    expect(await seen.promise).toBe('early');
    await q.shutdown({ drain: true });
  });
});

describe('WorkQueue under concurrent load', () => {
  it.each([1, 2, 3, 4, 5])(
    'never runs one key twice at once and processes every add (seed %i)',
    async (seed) => {
      vi.useFakeTimers();
      const random = seededRandom(seed);
      const keys = Array.from({ length: 25 }, (_, i) => `ns/obj-${i}`);
      const concurrency = 8;
      const q = new WorkQueue({ baseDelayMs: 1, maxDelayMs: 20 });
      const tracker = new Tracker();
      let clock = 0; // a logical clock ordering adds and starts
      const lastAdd = new Map<string, number>();
      const lastStart = new Map<string, number>();
      let addsWhileInFlight = 0;
      let failures = 0;
      const addTracked = (key: string): void => {
        if (tracker.active.has(key)) addsWhileInFlight++;
        lastAdd.set(key, ++clock);
        q.add(key);
      };

      void q.run(concurrency, async (key) => {
        tracker.enter(key);
        lastStart.set(key, ++clock);
        try {
          await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 15)));
          // Handlers add keys too, as a controller enqueuing dependants would.
          if (random() < 0.2) {
            addTracked(keys[Math.floor(random() * keys.length)] as string);
          }
          if (random() < 0.15) {
            failures++;
            throw new Error('transient');
          }
        } finally {
          tracker.leave(key);
        }
      });
      // Bursts of adds at random moments, overlapping the handlers' own random durations.
      for (let burst = 0; burst < 150; burst++) {
        const batch = Array.from(
          { length: 1 + Math.floor(random() * 12) },
          () => keys[Math.floor(random() * keys.length)] as string,
        );
        setTimeout(() => {
          for (const key of batch) addTracked(key);
        }, Math.floor(random() * 1_000));
      }
      await vi.advanceTimersByTimeAsync(10_000);

      expect(tracker.overlaps).toEqual([]);
      expect(tracker.peak).toBeLessThanOrEqual(concurrency);
      // The schedule must actually exercise the interesting paths.
      expect(tracker.peak).toBeGreaterThan(1);
      expect(addsWhileInFlight).toBeGreaterThan(0);
      expect(failures).toBeGreaterThan(0);
      expect(q.len()).toBe(0);
      expect(q.inFlight()).toBe(0);
      expect(q.delayed()).toBe(0);
      for (const key of keys) {
        const added = lastAdd.get(key);
        if (added === undefined) continue;
        // Every add is followed by a run that started after it; the last run succeeded.
        expect(lastStart.get(key) ?? 0, key).toBeGreaterThan(added);
        expect(q.numRequeues(key), key).toBe(0);
      }
      await q.shutdown({ drain: true });
    },
  );

  it('processes 10,000 keys exactly once each with concurrency 16', async () => {
    const q = new WorkQueue();
    const counts = new Map<string, number>();
    const tracker = new Tracker();
    const total = 10_000;
    let processed = 0;
    const done = deferred();
    void q.run(16, async (key) => {
      tracker.enter(key);
      // Vary how long each run takes, in event-loop turns rather than wall-clock time.
      if (processed % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
      else await Promise.resolve();
      counts.set(key, (counts.get(key) ?? 0) + 1);
      tracker.leave(key);
      if (++processed === total) done.resolve();
    });
    for (let i = 0; i < total; i++) q.add(`key-${i}`);
    // Adding everything again while it waits must not double anything.
    for (let i = 0; i < total; i++) q.add(`key-${i}`);
    expect(q.len()).toBe(total);
    await done.promise;
    await flushMicrotasks();
    expect(counts.size).toBe(total);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(tracker.peak).toBe(16);
    expect(tracker.overlaps).toEqual([]);
    await q.shutdown({ drain: true });
  });
});

describe('WorkQueue retries', () => {
  it('backs off exponentially per failure, up to the cap, and resets on success', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1_000 });
    const times: number[] = [];
    const requeuesSeen: number[] = [];
    let failuresLeft = 5;
    void q.run(1, async (key) => {
      times.push(performance.now());
      requeuesSeen.push(q.numRequeues(key));
      if (failuresLeft-- > 0) throw new Error('not yet');
    });
    const start = performance.now();
    q.add('k');
    await vi.advanceTimersByTimeAsync(10_000);
    const gaps = times.map((t, i) => t - (i === 0 ? start : (times[i - 1] as number)));
    expect(gaps).toEqual([0, 100, 200, 400, 800, 1_000]);
    expect(requeuesSeen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(q.numRequeues('k')).toBe(0);

    // After the success, the next failure starts from the base delay again.
    failuresLeft = 1;
    times.length = 0;
    const again = performance.now();
    q.add('k');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(times.map((t) => t - again)).toEqual([0, 100]);
    await q.shutdown({ drain: true });
  });

  it('counts addRateLimited calls until forget()', () => {
    vi.useFakeTimers();
    const retried: string[] = [];
    const q = new WorkQueue({ observer: { onRetry: (k) => retried.push(k) } });
    q.addRateLimited('k');
    q.addRateLimited('k');
    q.addRateLimited('other');
    expect(q.numRequeues('k')).toBe(2);
    expect(retried).toEqual(['k', 'k', 'other']);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
    expect(q.numRequeues('other')).toBe(1);
    void q.shutdown({ drain: false });
  });

  it('keeps working when one key keeps failing, synchronously or not', async () => {
    const errors: [string, unknown][] = [];
    const outcomes: [string, ProcessOutcome][] = [];
    const q = new WorkQueue({
      // Long enough that the retries stay scheduled for the whole test; shutdown clears them.
      baseDelayMs: 60_000,
      observer: {
        onError: (k, e) => errors.push([k, e]),
        onProcessed: (k, _ms, outcome) => outcomes.push([k, outcome]),
      },
    });
    const done = deferred();
    const handler = (key: string): Promise<ReconcileResult> => {
      if (key === 'sync-bad') throw new Error('sync');
      if (key === 'async-bad') return Promise.reject(new Error('async'));
      if (key === 'last') done.resolve();
      return Promise.resolve();
    };
    for (const key of ['sync-bad', 'ok-1', 'async-bad', 'ok-2', 'last']) q.add(key);
    void q.run(1, handler);
    await done.promise;
    await vi.waitFor(() => expect(outcomes).toHaveLength(5));
    expect(outcomes).toEqual([
      ['sync-bad', 'error'],
      ['ok-1', 'success'],
      ['async-bad', 'error'],
      ['ok-2', 'success'],
      ['last', 'success'],
    ]);
    expect(errors.map(([k, e]) => [k, (e as Error).message])).toEqual([
      ['sync-bad', 'sync'],
      ['async-bad', 'async'],
    ]);
    expect(q.numRequeues('sync-bad')).toBe(1);
    expect(q.numRequeues('async-bad')).toBe(1);
    expect(q.delayed()).toBe(2);
    await q.shutdown({ drain: true });
    expect(q.delayed()).toBe(0);
  });

  it('survives a jitter function that throws', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue({
      baseDelayMs: 10,
      jitter: () => {
        throw new Error('bad jitter');
      },
    });
    let calls = 0;
    void q.run(1, async () => {
      if (++calls === 1) throw new Error('once');
    });
    q.add('k');
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(2);
    await q.shutdown({ drain: true });
  });
});

describe('WorkQueue.addAfter', () => {
  async function runTimes(schedule: (q: WorkQueue) => void): Promise<number[]> {
    vi.useFakeTimers();
    const q = new WorkQueue();
    const start = performance.now();
    const times: number[] = [];
    void q.run(1, async () => void times.push(performance.now() - start));
    schedule(q);
    await vi.advanceTimersByTimeAsync(5_000);
    await q.shutdown({ drain: true });
    return times;
  }

  it('lets an earlier time replace a later one', async () => {
    expect(
      await runTimes((q) => {
        q.addAfter('k', 1_000);
        q.addAfter('k', 100);
      }),
    ).toEqual([100]);
  });

  it('never lets a later time replace an earlier one', async () => {
    expect(
      await runTimes((q) => {
        q.addAfter('k', 100);
        q.addAfter('k', 1_000);
      }),
    ).toEqual([100]);
  });

  it('is a no-op for a key already waiting', () => {
    const q = new WorkQueue();
    q.add('k');
    q.addAfter('k', 100);
    expect(q.len()).toBe(1);
    expect(q.delayed()).toBe(0);
    void q.shutdown({ drain: false });
  });

  it.each([0, -5, Number.NaN])('adds at once for a delay of %s', (delay) => {
    const q = new WorkQueue();
    q.addAfter('k', delay);
    expect(q.len()).toBe(1);
    expect(q.delayed()).toBe(0);
    void q.shutdown({ drain: false });
  });

  it('releases keys in due order, equal times in the order they were scheduled', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue();
    const seen: string[] = [];
    q.addAfter('c', 300);
    q.addAfter('b1', 200);
    q.addAfter('a', 100);
    q.addAfter('b2', 200);
    q.addAfter('d', 50);
    q.addAfter('d', 400); // later: ignored
    void q.run(1, async (key) => void seen.push(key));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen).toEqual(['d', 'a', 'b1', 'b2', 'c']);
    await q.shutdown({ drain: true });
  });

  it('queues a key that comes due while in flight for one more run afterwards', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue();
    const tracker = new Tracker();
    void q.run(2, async (key) => {
      tracker.enter(key);
      await new Promise((resolve) => setTimeout(resolve, 500));
      tracker.leave(key);
    });
    q.add('k');
    await vi.advanceTimersByTimeAsync(0);
    q.addAfter('k', 100);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(tracker.calls).toEqual(['k', 'k']);
    expect(tracker.overlaps).toEqual([]);
    await q.shutdown({ drain: true });
  });

  it('does not keep the process alive: its timer is unref()ed', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const q = new WorkQueue();
    q.addAfter('k', 60_000);
    const timer = spy.mock.results.at(-1)?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    void q.shutdown({ drain: false });
  });
});

describe('WorkQueue requeueAfterMs', () => {
  it('schedules the key again and resets its failure count', async () => {
    vi.useFakeTimers();
    const outcomes: ProcessOutcome[] = [];
    const q = new WorkQueue({ baseDelayMs: 10, observer: { onProcessed: (_k, _ms, o) => outcomes.push(o) } });
    const start = performance.now();
    const times: number[] = [];
    const results: (() => Promise<ReconcileResult>)[] = [
      () => Promise.reject(new Error('first attempt fails')),
      async () => ({ requeueAfterMs: 500 }),
      async () => ({ requeueAfterMs: 500 }),
      async () => {},
    ];
    void q.run(1, async () => {
      times.push(performance.now() - start);
      const next = results.shift();
      return next ? next() : undefined;
    });
    q.add('k');
    await vi.advanceTimersByTimeAsync(0);
    expect(q.numRequeues('k')).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(times).toEqual([0, 10, 510, 1_010]);
    expect(outcomes).toEqual(['error', 'requeue', 'requeue', 'success']);
    expect(q.numRequeues('k')).toBe(0);
    expect(q.delayed()).toBe(0);
    await q.shutdown({ drain: true });
  });
});

describe('WorkQueue.shutdown', () => {
  it('with drain waits for in-flight handlers and drops waiting and scheduled keys', async () => {
    vi.useFakeTimers();
    const q = new WorkQueue();
    const gates = new Map<string, Deferred>();
    const started: string[] = [];
    let signal: AbortSignal | undefined;
    const running = q.run(2, async (key, s) => {
      signal = s;
      started.push(key);
      const gate = deferred();
      gates.set(key, gate);
      await gate.promise;
    });
    for (const key of ['a', 'b', 'c', 'd', 'e']) q.add(key);
    q.addAfter('later', 1_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['a', 'b']);
    q.add('a'); // dirty while in flight: must not run again after shutdown

    let drained = false;
    let stopped = false;
    void q.shutdown({ drain: true }).then(() => (drained = true));
    void running.then(() => (stopped = true));
    expect(q.shuttingDown).toBe(true);
    expect(q.len()).toBe(0);
    expect(q.delayed()).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    q.add('new');
    q.addAfter('new-later', 10);
    q.addRateLimited('new-retry');
    expect(q.len()).toBe(0);
    expect(q.delayed()).toBe(0);

    gates.get('a')?.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(drained).toBe(false);
    expect(q.inFlight()).toBe(1);
    gates.get('b')?.resolve();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(drained).toBe(true);
    expect(stopped).toBe(true);
    expect(started).toEqual(['a', 'b']);
    expect(signal?.aborted).toBe(false);
  });

  it('without drain resolves at once and aborts in-flight handlers', async () => {
    const q = new WorkQueue();
    const entered = deferred();
    let abortedReason: unknown;
    let stopped = false;
    const running = q.run(1, async (_key, signal) => {
      entered.resolve();
      await new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => {
          abortedReason = signal.reason;
          resolve();
        }),
      );
      throw new Error('aborted');
    });
    void running.then(() => (stopped = true));
    q.add('k');
    await entered.promise;
    await q.shutdown({ drain: false });
    await running;
    expect(stopped).toBe(true);
    expect(abortedReason).toBeInstanceOf(Error);
    // The aborted run failed, but a stopped queue does not schedule retries.
    expect(q.delayed()).toBe(0);
    expect(q.numRequeues('k')).toBe(0);
  });

  it('is idempotent and resolves at once when nothing is running', async () => {
    const q = new WorkQueue();
    q.add('never-run');
    await q.shutdown({ drain: true });
    await q.shutdown({ drain: true });
    await q.shutdown({ drain: false });
    expect(q.len()).toBe(0);
  });
});

describe('WorkQueue.run', () => {
  it.each([0, -1, 1.5, Number.NaN])('rejects concurrency %s', (n) => {
    expect(() => new WorkQueue().run(n, async () => {})).toThrow(RangeError);
  });

  it('refuses a second run()', () => {
    const q = new WorkQueue();
    void q.run(1, async () => {});
    expect(() => q.run(1, async () => {})).toThrow(/already/);
    void q.shutdown({ drain: false });
  });
});

describe('WorkQueue observer', () => {
  it('reports depth changes, adds and processing', async () => {
    const depths: number[] = [];
    const processed: [string, ProcessOutcome][] = [];
    const observer: WorkQueueObserver = {
      onDepth: (n) => depths.push(n),
      onProcessed: (k, ms, o) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        processed.push([k, o]);
      },
    };
    const q = new WorkQueue({ observer });
    q.add('a');
    q.add('b');
    q.add('a');
    expect(depths).toEqual([1, 2]);
    const done = deferred();
    void q.run(2, async (key) => {
      if (key === 'b') done.resolve();
    });
    await done.promise;
    await vi.waitFor(() => expect(processed).toHaveLength(2));
    expect(depths).toEqual([1, 2, 0]);
    expect(processed).toEqual([
      ['a', 'success'],
      ['b', 'success'],
    ]);
    await q.shutdown({ drain: true });
  });

  it('keeps working when every hook throws', async () => {
    const boom = (): never => {
      throw new Error('metrics broke');
    };
    const q = new WorkQueue({
      baseDelayMs: 1,
      observer: { onDepth: boom, onAdd: boom, onRetry: boom, onProcessed: boom, onError: boom },
    });
    const seen: string[] = [];
    const done = deferred();
    void q.run(1, async (key) => {
      seen.push(key);
      if (seen.length === 1) throw new Error('retry me');
      if (seen.length === 3) done.resolve();
    });
    q.add('a');
    q.add('b');
    await done.promise;
    expect(seen.sort()).toEqual(['a', 'a', 'b']);
    await q.shutdown({ drain: true });
  });
});

describe('WorkQueue.addBulk', () => {
  async function order(setup: (q: WorkQueue) => void): Promise<string[]> {
    const q = new WorkQueue();
    setup(q);
    const expected = q.len();
    const seen: string[] = [];
    const done = deferred();
    void q.run(1, async (key) => {
      seen.push(key);
      if (seen.length === expected) done.resolve();
    });
    await done.promise;
    await q.shutdown({ drain: true });
    return seen;
  }

  it.each([
    ['keys of a sweep wait behind keys added one by one, whenever those came', (q: WorkQueue) => {
      for (const k of ['s1', 's2', 's3']) q.addBulk(k);
      q.add('a');
      q.add('b');
    }, ['a', 'b', 's1', 's2', 's3']],
    ['a key of the sweep that changes itself moves ahead, once', (q: WorkQueue) => {
      for (const k of ['s1', 's2', 's3']) q.addBulk(k);
      q.add('s3');
      q.add('a');
    }, ['s3', 'a', 's1', 's2']],
    ['a key already waiting ahead is not sent back by a sweep', (q: WorkQueue) => {
      q.add('a');
      q.addBulk('a');
      q.addBulk('s1');
    }, ['a', 's1']],
  ])('%s', async (_what, setup, expected) => {
    expect(await order(setup)).toEqual(expected);
  });

  it('counts both lanes in len() and the depth, and clears both on shutdown', async () => {
    const depths: number[] = [];
    const q = new WorkQueue({ observer: { onDepth: (d) => depths.push(d) } });
    q.addBulk('s1');
    q.add('a');
    q.add('s1');
    expect(q.len()).toBe(2);
    expect(depths.at(-1)).toBe(2);
    await q.shutdown({ drain: false });
    expect(q.len()).toBe(0);
  });
});

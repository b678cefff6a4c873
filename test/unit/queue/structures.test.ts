import { describe, expect, it } from 'vitest';
import { DeadlineHeap } from '../../../src/queue/deadline-heap.js';
import { Fifo } from '../../../src/queue/fifo.js';
import { seededRandom } from './helpers.js';

describe('Fifo', () => {
  it('matches an array model across compactions', () => {
    const random = seededRandom(11);
    const fifo = new Fifo<number>();
    const model: number[] = [];
    const mismatches: string[] = [];
    let next = 0;
    // Alternate growth and drain phases so the dead prefix crosses the compaction threshold often.
    for (let phase = 0; phase < 40; phase++) {
      const pushBias = phase % 2 === 0 ? 0.8 : 0.2;
      for (let i = 0; i < 2_000; i++) {
        if (random() < pushBias) {
          fifo.push(next);
          model.push(next++);
        } else {
          const got = fifo.shift();
          const want = model.shift();
          if (got !== want) mismatches.push(`phase ${phase}: got ${String(got)}, want ${String(want)}`);
        }
        if (fifo.length !== model.length) mismatches.push(`phase ${phase}: length ${fifo.length} vs ${model.length}`);
      }
    }
    expect(mismatches).toEqual([]);
    const rest: (number | undefined)[] = [];
    while (fifo.length > 0) rest.push(fifo.shift());
    expect(rest).toEqual(model);
    expect(fifo.shift()).toBeUndefined();
    fifo.push(1);
    fifo.clear();
    expect(fifo.length).toBe(0);
  });
});

describe('DeadlineHeap', () => {
  it('pops keys in due order, ties in scheduling order, only when due', () => {
    const heap = new DeadlineHeap();
    heap.scheduleEarliest('c', 30);
    heap.scheduleEarliest('a', 10);
    heap.scheduleEarliest('b1', 20);
    heap.scheduleEarliest('b2', 20);
    expect(heap.popDue(5)).toBeUndefined();
    const out: string[] = [];
    for (let k = heap.popDue(25); k !== undefined; k = heap.popDue(25)) out.push(k);
    expect(out).toEqual(['a', 'b1', 'b2']);
    expect(heap.size).toBe(1);
    expect(heap.peekDue()).toBe(30);
  });

  it('keeps the earlier time per key', () => {
    const heap = new DeadlineHeap();
    expect(heap.scheduleEarliest('k', 100)).toBe(true);
    expect(heap.scheduleEarliest('k', 200)).toBe(false);
    expect(heap.dueOf('k')).toBe(100);
    expect(heap.scheduleEarliest('k', 50)).toBe(true);
    expect(heap.dueOf('k')).toBe(50);
    expect(heap.size).toBe(1);
  });

  it('matches a sorted model under random schedules and reschedules', () => {
    const random = seededRandom(3);
    const heap = new DeadlineHeap();
    const model = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const key = `k${Math.floor(random() * 500)}`;
      const due = Math.floor(random() * 1_000_000);
      heap.scheduleEarliest(key, due);
      model.set(key, Math.min(model.get(key) ?? Number.POSITIVE_INFINITY, due));
    }
    expect(heap.size).toBe(model.size);
    const popped: [string, number][] = [];
    for (let k = heap.popDue(Number.POSITIVE_INFINITY); k !== undefined; k = heap.popDue(Number.POSITIVE_INFINITY)) {
      popped.push([k, model.get(k) as number]);
    }
    expect(popped.map(([k]) => k).sort()).toEqual([...model.keys()].sort());
    for (let i = 1; i < popped.length; i++) {
      expect((popped[i] as [string, number])[1]).toBeGreaterThanOrEqual((popped[i - 1] as [string, number])[1]);
    }
  });
});

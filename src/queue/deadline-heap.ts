// Indexed binary min-heap of keys by due time, backing the work queue's delayed adds: O(log n) to
// schedule, to pull a key's deadline earlier and to pop, with at most one entry per key.

interface Entry {
  readonly key: string;
  due: number;
  // Breaks ties between equal due times by scheduling order, so delayed keys stay FIFO.
  seq: number;
  index: number;
}

/** Keys ordered by due time (ties in scheduling order), one entry per key. */
export class DeadlineHeap {
  readonly #heap: Entry[] = [];
  readonly #byKey = new Map<string, Entry>();
  #seq = 0;

  /** Number of scheduled keys. */
  get size(): number {
    return this.#heap.length;
  }

  /** The due time of `key`, or `undefined` if it is not scheduled. */
  dueOf(key: string): number | undefined {
    return this.#byKey.get(key)?.due;
  }

  /** The earliest due time, or `undefined` when empty. */
  peekDue(): number | undefined {
    return this.#heap[0]?.due;
  }

  /**
   * Schedules `key` at `due`; if it is already scheduled, keeps whichever time is earlier.
   * @returns true if the heap changed.
   */
  scheduleEarliest(key: string, due: number): boolean {
    const existing = this.#byKey.get(key);
    if (existing) {
      if (due >= existing.due) return false;
      existing.due = due;
      existing.seq = this.#seq++;
      this.#siftUp(existing.index);
      return true;
    }
    const entry: Entry = { key, due, seq: this.#seq++, index: this.#heap.length };
    this.#heap.push(entry);
    this.#byKey.set(key, entry);
    this.#siftUp(entry.index);
    return true;
  }

  /** Removes and returns the earliest key if it is due at or before `now`. */
  popDue(now: number): string | undefined {
    const top = this.#heap[0];
    if (!top || top.due > now) return undefined;
    const last = this.#heap.pop() as Entry;
    if (last !== top) {
      last.index = 0;
      this.#heap[0] = last;
      this.#siftDown(0);
    }
    this.#byKey.delete(top.key);
    return top.key;
  }

  /** Removes every entry. */
  clear(): void {
    this.#heap.length = 0;
    this.#byKey.clear();
  }

  #less(a: Entry, b: Entry): boolean {
    return a.due < b.due || (a.due === b.due && a.seq < b.seq);
  }

  #swap(i: number, j: number): void {
    const a = this.#heap[i] as Entry;
    const b = this.#heap[j] as Entry;
    this.#heap[i] = b;
    this.#heap[j] = a;
    b.index = i;
    a.index = j;
  }

  #siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(this.#heap[i] as Entry, this.#heap[parent] as Entry)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #siftDown(i: number): void {
    const n = this.#heap.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < n && this.#less(this.#heap[left] as Entry, this.#heap[smallest] as Entry)) smallest = left;
      if (right < n && this.#less(this.#heap[right] as Entry, this.#heap[smallest] as Entry)) smallest = right;
      if (smallest === i) return;
      this.#swap(i, smallest);
      i = smallest;
    }
  }
}

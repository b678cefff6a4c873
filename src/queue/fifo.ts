// A first-in first-out buffer with O(1) amortised push and shift, shared by the work queue and the
// concurrency limiter; `Array.prototype.shift` is O(n), which matters once 10k+ keys are waiting.

/** An unbounded FIFO: push at the tail, shift from the head. */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** Number of items waiting. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Appends `item` at the tail. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** Removes and returns the oldest item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    // Drop the reference so a consumed item can be collected before the next compaction.
    this.#items[this.#head] = undefined;
    this.#head++;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      // Compact once the dead prefix is at least half the array, so each item is copied O(1) times.
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes every item. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

/**
 * The outputs a connection parsed and its consumer has not taken yet, and the
 * consumer's pending reads. Its length is what flow control watches: outputs
 * that are not being consumed stop the parsing, and then the reading.
 *
 * @module
 */
import { type Deadline, withDeadline } from './deadline.js';

interface Waiter<T> {
  resolve: (result: IteratorResult<T, undefined>) => void;
  reject: (error: unknown) => void;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/** A FIFO of outputs with pending reads, ended once, cleanly or with an error. */
export class OutputQueue<T> {
  private items: T[] = [];
  private head = 0;
  private readonly waiters: Waiter<T>[] = [];
  private ended = false;
  private error: unknown = undefined;

  /** `onTake` runs after a consumer took an item (to parse more). */
  constructor(private readonly onTake: () => void) {}

  /** Outputs waiting to be taken. */
  get length(): number {
    return this.items.length - this.head;
  }

  /** `true` once {@link OutputQueue.end} was called. */
  get isEnded(): boolean {
    return this.ended;
  }

  push(item: T): void {
    const w = this.waiters.shift();
    if (w !== undefined) w.resolve({ done: false, value: item });
    else this.items.push(item);
  }

  /** No more items: readers get what is queued, then the end (or `error`, when given). */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    for (const w of this.waiters.splice(0)) this.settleEnd(w);
  }

  /** The next item; `done` at a clean end. Aborting or timing out cancels only this read: no item is lost. */
  take(deadline: Deadline = {}): Promise<IteratorResult<T, undefined>> {
    if (this.length > 0) {
      const item = this.items[this.head++];
      if (this.head === this.items.length) {
        this.items = [];
        this.head = 0;
      }
      this.onTake();
      return Promise.resolve({ done: false, value: item });
    }
    if (this.ended) return this.error === undefined ? Promise.resolve(DONE) : Promise.reject(this.error);
    let waiter: Waiter<T> | undefined;
    return withDeadline<IteratorResult<T, undefined>>(
      deadline,
      { name: 'the read', phase: 'read' },
      (resolve, reject) => {
        waiter = { resolve, reject };
        this.waiters.push(waiter);
        this.onTake();
      },
      () => {
        const i = this.waiters.indexOf(waiter as Waiter<T>);
        if (i >= 0) this.waiters.splice(i, 1);
      },
    );
  }

  private settleEnd(w: Waiter<T>): void {
    if (this.error === undefined) w.resolve(DONE);
    else w.reject(this.error);
  }
}

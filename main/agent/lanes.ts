// One lane per conversation: a conversation's messages are handled one at a time, in arrival
// order, while different conversations run concurrently up to a bound.

export class Lanes {
  private readonly tails = new Map<string, Promise<unknown>>();
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly maxConcurrent: number) {}

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(
      () => this.withSlot(task),
      () => this.withSlot(task),
    );
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key); // idle lanes hold no memory
    });
    return result;
  }

  /** Lanes with queued or running work. */
  get busy(): number {
    return this.tails.size;
  }

  /**
   * Runs `wait` without holding a slot (called from inside a task): a conversation waiting on
   * something slow that is not the model (an approval can take minutes) does not hold up the
   * others. Its lane stays taken, so its own messages keep their order.
   */
  async outside<T>(wait: () => Promise<T>): Promise<T> {
    this.release();
    try {
      return await wait();
    } finally {
      await this.acquire();
    }
  }

  private async withSlot<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.running < this.maxConcurrent) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve)); // a finishing task hands its slot over
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}

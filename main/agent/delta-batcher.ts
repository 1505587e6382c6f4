// Streams reply text to listeners without an event per token: the first chunk goes out at once
// (time to first token is what people notice), later ones are gathered for a short interval.
// A local model can produce hundreds of tokens a second; a screen needs a few dozen updates.

export class DeltaBatcher {
  private pending = '';
  private timer: NodeJS.Timeout | null = null;
  private started = false;

  constructor(
    private readonly emit: (text: string) => void,
    private readonly intervalMs = 25,
  ) {}

  push(chunk: string): void {
    if (!chunk) return;
    if (!this.started) {
      this.started = true;
      this.emit(chunk);
      return;
    }
    this.pending += chunk;
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Sends whatever is gathered (call before the reply is returned). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.pending) return;
    const text = this.pending;
    this.pending = '';
    this.emit(text);
  }
}

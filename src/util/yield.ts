/**
 * Lets pending events (signal handlers, timers, I/O) run from inside a long synchronous loop.
 * Cheap: it only yields when `everyMs` have passed since the last yield.
 */
export class Yielder {
  private last = performance.now();

  constructor(private readonly everyMs = 20) {}

  /** Resolves at once most of the time; after `everyMs`, on the next turn of the event loop. */
  async maybe(): Promise<void> {
    const now = performance.now();
    if (now - this.last < this.everyMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }
}

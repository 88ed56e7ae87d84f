// How far behind the event loop runs, for load shedding. The OTLP receivers decode synchronously, so
// under overload exports do not pile up in the receiver (where an in-flight limit would see them) but in
// front of it, in socket buffers, while the loop works through them one by one. A timer that fires late
// measures that queue: when even the least lag over a whole window stayed above the target, the loop
// never caught up (CoDel's rule: a standing queue, not a burst), and new exports are shed.

export class LoopLag {
  private readonly timer: NodeJS.Timeout;
  private last = performance.now();
  private windowStart = this.last;
  private windowMin = Number.POSITIVE_INFINITY;
  private previousMin = 0;

  constructor(
    private readonly intervalMs = 20,
    private readonly windowMs = 1_000,
  ) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
  }

  /** The least lag (ms) of the last full window. */
  get standingLagMs(): number {
    return this.previousMin;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = performance.now();
    const lag = Math.max(0, now - this.last - this.intervalMs);
    this.last = now;
    this.windowMin = Math.min(this.windowMin, lag);
    if (now - this.windowStart >= this.windowMs) {
      this.previousMin = this.windowMin;
      this.windowMin = Number.POSITIVE_INFINITY;
      this.windowStart = now;
    }
  }
}

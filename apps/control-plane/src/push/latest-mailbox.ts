// A one-slot mailbox: a new value replaces one not yet taken, so a slow reader only ever gets the
// latest and the writer never queues without bound. One reader at a time.
export class LatestMailbox<T> {
  private slot: { value: T } | undefined;
  private waiter: ((value: T | undefined) => void) | undefined;
  private closed = false;

  /** Delivers `value` to a waiting reader, or replaces whatever sits unread in the slot. */
  put(value: T): void {
    if (this.closed) return;
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter(value);
    } else {
      this.slot = { value };
    }
  }

  /** The latest value not yet taken, waiting for one if needed; undefined once closed. */
  take(): Promise<T | undefined> {
    if (this.slot) {
      const { value } = this.slot;
      this.slot = undefined;
      return Promise.resolve(value);
    }
    if (this.closed) return Promise.resolve(undefined);
    if (this.waiter) throw new Error("LatestMailbox has one reader");
    return new Promise((resolve) => (this.waiter = resolve));
  }

  close(): void {
    this.closed = true;
    this.slot = undefined;
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.(undefined);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}

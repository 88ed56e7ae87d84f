// The AbortSignal the timeout layers give the layers below them (and undici): an AbortSignal by
// interface, aborted by its owner, without node's EventTarget machinery. A real AbortController and
// its `abort` listeners cost a few % of the sidecar's CPU per request, twice per request (request and
// per-try timeouts), plus undici's listener on each (docs/benchmarks.md). Only what the data path and
// undici use is served: `aborted`, `reason`, `onabort`, `throwIfAborted` and "abort" listeners. It is
// not for node APIs that check `instanceof AbortSignal` (stream.pipeline, timers/promises, fetch).
type Listener = Parameters<EventTarget["addEventListener"]>[1];
type ListenerOptions = Parameters<EventTarget["addEventListener"]>[2];

export class LightSignal implements AbortSignal {
  aborted = false;
  reason: unknown = undefined;
  onabort: ((this: AbortSignal, ev: Event) => unknown) | null = null;
  private listeners: Listener[] | undefined;

  /** Aborts once with `reason`: listeners run in the order they were added, as EventTarget runs them. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners === undefined && this.onabort === null) return;
    const event = new Event("abort");
    if (this.onabort !== null) this.call(this.onabort, event);
    if (listeners) for (const l of listeners) this.call(l, event);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  addEventListener(type: string, listener: Listener | null, _options?: ListenerOptions): void {
    // After the abort nothing would ever call it (as with EventTarget: an event already dispatched).
    if (type !== "abort" || listener === null || this.aborted) return;
    const listeners = (this.listeners ??= []);
    // EventTarget adds the same listener once.
    if (!listeners.includes(listener)) listeners.push(listener);
  }

  removeEventListener(type: string, listener: Listener | null): void {
    if (type !== "abort" || listener === null || this.listeners === undefined) return;
    const i = this.listeners.indexOf(listener);
    if (i >= 0) this.listeners.splice(i, 1);
  }

  dispatchEvent(_event: Event): boolean {
    throw new Error("LightSignal aborts only through abort()");
  }

  private call(listener: Listener | ((this: AbortSignal, ev: Event) => unknown), event: Event): void {
    try {
      if (typeof listener === "function") listener.call(this, event);
      else listener.handleEvent(event);
    } catch (err) {
      // As EventTarget does: a throwing listener does not stop the others; its error is uncaught.
      process.nextTick(() => {
        throw err;
      });
    }
  }
}

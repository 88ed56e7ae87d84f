// Counting the tries that reached an upstream exactly: a try counts once undici has written its request
// head to the connection, which its request handler is told of (onBodySent with the first body chunk,
// written together with the head; onRequestSent once the whole request is written). A try still waiting
// for a connection, refused by undici, or aborted before a byte left is not counted, whatever way it ended.
import type { Duplex } from "node:stream";
import { Dispatcher } from "undici";

/** Tries that reached the upstream (/stats `forwarded`; the abuse test holds the app's own count to it). */
export interface ForwardCount {
  tries: number;
  /** Of those, tries aborted after they were sent (the caller went away, or a timeout): the upstream saw them start. */
  abortedInFlight: number;
}

type LegacyHandler = Dispatcher.DispatchHandler & { onRequestSent?: () => void };

/** Passes every callback on to the request's own handler and records whether the head was written. */
class SentTap implements LegacyHandler {
  sent = false;

  constructor(
    private readonly inner: LegacyHandler,
    private readonly count: ForwardCount,
    private readonly signal: unknown,
  ) {}

  private markSent(): void {
    if (this.sent) return;
    this.sent = true;
    this.count.tries++;
  }

  // undici 7 passes the chunk (its types say otherwise); whatever it passes goes on unchanged.
  onBodySent(...args: [number, number]): void {
    this.markSent();
    this.inner.onBodySent?.(...args);
  }

  onRequestSent(): void {
    this.markSent();
    this.inner.onRequestSent?.();
  }

  onConnect(abort: (err?: Error) => void): void {
    this.inner.onConnect?.(abort);
  }

  onError(err: Error): void {
    if (this.sent && isAborted(this.signal)) this.count.abortedInFlight++;
    this.inner.onError?.(err);
  }

  onUpgrade(statusCode: number, headers: Buffer[] | string[] | null, socket: Duplex): void {
    this.inner.onUpgrade?.(statusCode, headers, socket);
  }

  onResponseStarted(): void {
    this.inner.onResponseStarted?.();
  }

  onHeaders(statusCode: number, headers: Buffer[], resume: () => void, statusText: string): boolean {
    return this.inner.onHeaders?.(statusCode, headers, resume, statusText) ?? true;
  }

  onData(chunk: Buffer): boolean {
    return this.inner.onData?.(chunk) ?? true;
  }

  onComplete(trailers: string[] | null): void {
    this.inner.onComplete?.(trailers);
  }
}

function isAborted(signal: unknown): boolean {
  return typeof signal === "object" && signal !== null && Reflect.get(signal, "aborted") === true;
}

/** A dispatcher that sends through `inner` and counts each request it writes into `count`. */
class CountingDispatcher extends Dispatcher {
  constructor(
    private readonly inner: Dispatcher,
    private readonly count: ForwardCount,
  ) {
    super();
  }

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    // request() hands its own options on, the caller's signal among them.
    return this.inner.dispatch(options, new SentTap(handler, this.count, Reflect.get(options, "signal")));
  }
}

/** One counting wrapper per dispatcher (pools come and go with their destinations' limits). */
export class SentCounter {
  private readonly wrappers = new WeakMap<Dispatcher, Dispatcher>();

  constructor(readonly count: ForwardCount) {}

  of(dispatcher: Dispatcher): Dispatcher {
    let wrapper = this.wrappers.get(dispatcher);
    if (!wrapper) {
      wrapper = new CountingDispatcher(dispatcher, this.count);
      this.wrappers.set(dispatcher, wrapper);
    }
    return wrapper;
  }
}

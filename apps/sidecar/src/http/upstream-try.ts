// One try to an upstream through undici's dispatch() with a handler of our own, instead of request():
// the promise settles on the response head (status, and headers built once from undici's raw array
// with the hop-by-hop ones left out), the body streams through a lean Readable, the caller's signal
// aborts the try with one listener, and the try is counted when undici writes its request head.
// request() did the same with an AsyncResource, undici's BodyReadable, an abort-signal helper, a
// parsed header object that stripHopByHop copied again, and (for counting) a wrapper dispatcher and
// handler per try (docs/benchmarks.md, sidecar, fifth round).
//
// undici's core speaks the callback handler (onConnect, onHeaders, onData, onComplete, onError); the
// controller API of undici 7 is an adapter over it (UnwrapHandler, which parses every header), so
// this handler uses the callbacks directly. Their semantics are request()'s (lib/api/api-request.js
// of the pinned undici 7.30.2), kept the same here: see each callback.
import { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { errors, type Dispatcher } from "undici";
import { connectionTokens, HOP_BY_HOP } from "./hop-by-hop";
import type { HeaderMap, ProxyResponse } from "./proxy-types";

/** Tries that reached the upstream (/stats `forwarded`; the abuse test holds the app's own count to it). */
export interface ForwardCount {
  tries: number;
  /** Of those, tries aborted after they were sent (the caller went away, or a timeout): the upstream saw them start. */
  abortedInFlight: number;
}

export interface TryOptions {
  origin: string;
  /** The endpoint's host:port, for error messages. */
  address: string;
  path: string;
  method: string;
  headers: HeaderMap;
  body: Readable | Uint8Array | null;
}

/** Turns a failure of the try (undici's, the OS's, or the dispatcher's own) into what the try rejects with. */
export type Classify = (err: unknown, signal: AbortSignal, address: string) => unknown;

const ignore = () => {};
const asIs: Classify = (err) => err;

/**
 * Sends one request through `dispatcher`. Resolves with the response once its head arrived (1xx heads are skipped); rejects with
 * `classify` of the failure — the caller's mapping, applied here so that the caller needs no promise
 * of its own around this one. An abort of `signal` before the head rejects the try with the signal's
 * reason once undici has a connection for it (as request() does); after the head it errors the body
 * with that reason.
 */
export function upstreamTry(dispatcher: Dispatcher, options: TryOptions, signal: AbortSignal, count: ForwardCount, classify: Classify = asIs): Promise<ProxyResponse> {
  return new Promise<ProxyResponse>((resolve, reject) => {
    try {
      // request() refuses it the same way (a tunnel is not a request to forward).
      if (options.method === "CONNECT") throw new errors.InvalidArgumentError("invalid method");
      dispatcher.dispatch(options, new UpstreamTry(signal, count, options, classify, resolve, reject));
    } catch (err) {
      reject(classify(err, signal, options.address));
    }
  });
}

/** The handler of one try; also the abort signal's listener (handleEvent), so no closure per try. */
class UpstreamTry {
  private body: UpstreamBody | null = null;
  private abort: ((err?: Error) => void) | null = null;
  private resume: (() => void) | null = null;
  /** The abort's reason, once aborted before undici had a connection for the try. */
  private reason: Error | null = null;
  private listening = false;
  private sent = false;
  private requestBody: Readable | Uint8Array | null;

  constructor(
    private readonly signal: AbortSignal,
    private readonly count: ForwardCount,
    private readonly options: TryOptions,
    private readonly classify: Classify,
    private resolve: ((res: ProxyResponse) => void) | null,
    private readonly reject: (err: unknown) => void,
  ) {
    this.requestBody = options.body;
    if (signal.aborted) this.reason = abortReason(signal);
    else {
      signal.addEventListener("abort", this);
      this.listening = true;
    }
  }

  /** The caller's signal aborted: abort the dispatch (its onError settles the try or errors the body). */
  handleEvent(): void {
    this.listening = false;
    this.reason = abortReason(this.signal);
    if (this.abort) this.abort(this.reason);
  }

  private stopListening(): void {
    if (!this.listening) return;
    this.listening = false;
    this.signal.removeEventListener("abort", this);
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.reason) return void abort(this.reason);
    this.abort = abort;
  }

  // The head was written: with a body, together with its first chunk (onBodySent); without one,
  // whole (onRequestSent). A try refused, waiting for a connection, or aborted before then is not counted.
  onBodySent(): void {
    this.markSent();
  }

  onRequestSent(): void {
    this.markSent();
  }

  private markSent(): void {
    if (this.sent) return;
    this.sent = true;
    this.count.tries++;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    // Informational heads (100 Continue, 103) are undici's and node's business, not the response.
    if (statusCode < 200) return true;
    const body = new UpstreamBody(this);
    this.body = body;
    this.resume = resume;
    const resolve = this.resolve;
    this.resolve = null;
    resolve?.({ status: statusCode, headers: responseHeaders(rawHeaders), body });
    return true;
  }

  onData(chunk: Buffer): boolean {
    // false pauses undici's parser until the body is read again (_read resumes it).
    return this.body === null ? true : this.body.push(chunk);
  }

  onComplete(): void {
    this.stopListening();
    this.requestBody = null;
    this.body?.push(null);
  }

  onError(err: Error): void {
    this.stopListening();
    if (this.sent && this.signal.aborted) this.count.abortedInFlight++;
    const body = this.body;
    if (body === null) {
      this.resolve = null;
      this.reject(this.classify(err, this.signal, this.options.address));
    } else if (!body.destroyed) {
      // Ours to report through the body: whoever reads it listens; nobody may be yet.
      body.on("error", ignore);
      body.destroy(err);
    }
    // As request() does: a request body still streaming in is of no use any more.
    const requestBody = this.requestBody;
    this.requestBody = null;
    if (requestBody instanceof Readable) destroyRequestBody(requestBody, err);
  }

  /** The body is read again after a pause. */
  resumeUpstream(): void {
    this.resume?.();
  }

  /** The body was destroyed before its end: the connection it came on is closed (undici's abort). */
  abortUpstream(err: Error): void {
    this.abort?.(err);
  }
}

/**
 * A response body: what undici's parser hands over, pushed as it comes. Destroyed before its end, it
 * aborts the try, which closes its connection; destroyed without an error before its end, it errors
 * with undici's RequestAbortedError, as undici's own body does.
 */
export class UpstreamBody extends Readable {
  constructor(private readonly exchange: UpstreamTry) {
    super({ highWaterMark: 64 * 1024 });
  }

  override _read(): void {
    this.exchange.resumeUpstream();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!err && !this.readableEnded) err = new errors.RequestAbortedError();
    if (err) this.exchange.abortUpstream(err);
    callback(err);
  }
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new errors.RequestAbortedError();
}

/** undici's destroy() of a request body: an incoming request is let go of without destroying its socket. */
function destroyRequestBody(body: Readable, err: Error): void {
  if (body.destroyed) return;
  body.on("error", ignore);
  // Destroying an IncomingMessage destroys its socket; the caller's connection is the listener's to close.
  if (Object.getPrototypeOf(body) === IncomingMessage.prototype) Reflect.set(body, "socket", null);
  body.destroy(err);
}

/** Header names as upstreams spell them → the lower-case name, as an internalized string. */
const NAMES = new Map<string, string>();
/** Bounded: an upstream inventing names must not grow it; past the bound names are lower-cased each time. */
const NAMES_MAX = 512;

/**
 * The lower-case name of a raw header name. A fresh string used as a property key is hashed and
 * looked up in V8's string table on every access (the keyed load of `out[name]` was most of
 * responseHeaders in the profile); the few names upstreams send are found in a map instead, already
 * internalized (a property key of an object literal once).
 */
function headerName(raw: Buffer): string {
  const spelled = raw.toString("latin1");
  const known = NAMES.get(spelled);
  if (known !== undefined) return known;
  const lower = spelled.toLowerCase();
  if (NAMES.size >= NAMES_MAX) return lower;
  const name = Object.keys({ [lower]: 0 })[0] ?? lower;
  NAMES.set(spelled, name);
  return name;
}

/**
 * The response headers undici hands over raw (name, value, name, value… as Buffers), as one object
 * without the hop-by-hop headers and those the Connection header names. Names lower case, values
 * latin1, a repeated header an array — as undici's parseHeaders() then stripHopByHop() made them.
 */
export function responseHeaders(raw: Buffer[]): HeaderMap {
  const out: HeaderMap = {};
  let connection: string | string[] | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const rawName = raw[i];
    const rawValue = raw[i + 1];
    if (rawName === undefined || rawValue === undefined) break;
    const name = headerName(rawName);
    const value = rawValue.toString("latin1");
    if (HOP_BY_HOP.has(name)) {
      if (name === "connection") connection = connection === undefined ? value : typeof connection === "string" ? [connection, value] : [...connection, value];
      continue;
    }
    // "__proto__" would set the object's prototype; undici's object kept it and the copy dropped it.
    if (name === "__proto__") continue;
    const prev = out[name];
    // hasOwn: a name like "constructor" finds Object.prototype's.
    if (prev === undefined || !Object.hasOwn(out, name)) out[name] = value;
    else if (typeof prev === "string") out[name] = [prev, value];
    else prev.push(value);
  }
  const named = connectionTokens(connection);
  if (named !== null) for (const name of named) if (Object.hasOwn(out, name)) delete out[name];
  return out;
}

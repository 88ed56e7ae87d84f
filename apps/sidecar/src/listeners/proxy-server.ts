// The node:http plumbing both listeners share: turn an incoming request into a ProxyRequest (hop-by-hop
// headers stripped, mesh headers set, body left streaming), run it through a layer stack, and stream
// the response back. A caller that goes away aborts the request's signal, which cancels the upstream.
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from "node:http";
import { Readable, type Duplex } from "node:stream";
import { EXTERNAL_SOURCE, ZServiceName } from "@trellis/mesh-model";
import { BadRequestError, ClientAbortedError, InternalError } from "../errors";
import { stripHopByHop } from "../http/hop-by-hop";
import { ensureRequestIdentity, HEADER_REVISION, HEADER_SOURCE, setForwarded } from "../http/mesh-headers";
import type { Direction, ProxyRequest, ProxyResponse } from "../http/proxy-types";
import { peerServiceOf } from "../identity/mtls-listener";
import type { Logger } from "../log";
import type { Snapshot } from "../snapshot/snapshot";
import type { Stack } from "../stack";
import { LightSignal } from "../time/light-signal";
import { parseRequestTarget } from "./request-target";
import { checkRequest, DEFAULT_HTTP_LIMITS, refuseClientErrors, serverOptions, wasRefused, type HttpLimits, type OnReject, type Refusal } from "./malformed-http";
import { closeIdleAfterReading, KEEP_ALIVE_IDLE_MS } from "./idle-close";

export interface ProxyServerOptions {
  direction: Direction;
  stack: Stack;
  log: Logger;
  snapshot: () => Snapshot | undefined;
  /**
   * Outbound: our own service, stamped into x-trellis-source (whatever the app sent is replaced).
   * Inbound: undefined, and the caller's x-trellis-source is read (until mTLS proves identity).
   */
  stampSource: string | undefined;
  /** Header size and count limits and the headers timeout (malformed-http.ts); defaults when absent. */
  limits?: HttpLimits;
  /** Counts each request refused as malformed or ambiguous, by reason. */
  onReject?: OnReject;
}

export interface ProxyServer {
  readonly server: Server;
  /** Requests whose response has not finished yet. */
  readonly inFlight: number;
}

export function createProxyServer(options: ProxyServerOptions): ProxyServer {
  const { direction, stack, log, snapshot, stampSource, limits = DEFAULT_HTTP_LIMITS, onReject = () => {} } = options;
  let inFlight = 0;
  const server = createServer(serverOptions(limits), (req, res) => {
    // llhttp finds a malformed chunked body only after this callback, even one in the same packet as
    // the headers: such a request starts on the next turn, unless its connection was refused meanwhile.
    if (req.headers["transfer-encoding"] !== undefined) setImmediate(proxy, req, res);
    else proxy(req, res);
  });
  refuseClientErrors(server, limits, onReject);
  server.keepAliveTimeout = KEEP_ALIVE_IDLE_MS;
  closeIdleAfterReading(server);
  const proxy = (req: IncomingMessage, res: ServerResponse): void => {
    if (wasRefused(req.socket)) return;
    inFlight++;
    // A LightSignal, not an AbortController: node's EventTarget was a few % of the CPU per request (time/light-signal.ts).
    const signal = new LightSignal();
    // One "close" listener (on: a response closes once) serves the listener and the relay of its body.
    const relayed: Relayed = { body: undefined };
    res.on("close", () => {
      inFlight--;
      if (!res.writableFinished) signal.abort(new ClientAbortedError("the caller closed the connection"));
      // A caller gone destroys the upstream body, which frees its connection.
      const body = relayed.body;
      if (body !== undefined && !body.readableEnded) body.destroy();
    });
    const target = parseRequestTarget(req.url, req.headers.host);
    const headers = stripHopByHop(req.headers);
    const requestId = ensureRequestIdentity(headers);
    let source: string;
    let peer: string | undefined;
    if (stampSource !== undefined) {
      source = stampSource;
      headers[HEADER_SOURCE] = stampSource;
    } else {
      // Inbound: a verified certificate says who calls; a plaintext caller's header is only a claim.
      peer = peerServiceOf(req.socket);
      const claimed = headers[HEADER_SOURCE];
      source = peer ?? (typeof claimed === "string" && ZServiceName.safeParse(claimed).success ? claimed : EXTERNAL_SOURCE);
      if (peer !== undefined) headers[HEADER_SOURCE] = peer;
    }
    const refusal: Refusal | undefined = checkRequest(req, limits) ?? ("error" in target ? { reason: "bad_target", error: new BadRequestError(target.error) } : undefined);
    const valid = refusal === undefined && !("error" in target);
    if (valid) {
      headers.host = target.authority;
      setForwarded(headers, req.socket.remoteAddress, target.authority);
    }
    const proxyReq: ProxyRequest = {
      method: req.method ?? "GET",
      path: valid ? target.path : "/",
      host: valid ? target.host : "",
      headers,
      body: hasBody(req) ? req : null,
      signal,
      ctx: { direction, requestId, startedAt: performance.now(), snapshot: snapshot(), source, peer, mtls: peer !== undefined },
    };
    // Outbound: the callee (and, on the response, the caller) can tell which revision routed it.
    if (stampSource !== undefined && proxyReq.ctx.snapshot) headers[HEADER_REVISION] = String(proxyReq.ctx.snapshot.revision);
    if (refusal) onReject(refusal.reason);
    // A refused request closes its connection: what follows it on the wire cannot be trusted.
    const pending = refusal ? stack.reject(proxyReq, refusal.error).then(closing) : stack.handle(proxyReq);
    pending.then(
      (response) => respond(res, response, proxyReq, stack, log, relayed),
      (err: unknown) => {
        // Rescue answers every failure, so this is a bug; do not leave the caller hanging.
        log.error("request_unhandled", { requestId, error: err });
        res.destroy();
      },
    );
  };
  if (direction === "outbound") acceptTunnels(server);
  return {
    server,
    get inFlight() {
      return inFlight;
    },
  };
}

/**
 * Some HTTP_PROXY clients (undici's ProxyAgent by default) open a CONNECT tunnel even for http://
 * targets. We accept it and parse what flows through as HTTP on this same server: inside the
 * tunnel requests are origin-form with the service in Host, so they get the full layer stack.
 * A tunnel carrying TLS fails to parse and is closed: https:// cannot be proxied at L7.
 */
function acceptTunnels(server: Server): void {
  server.on("connect", (_req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) socket.unshift(head);
    server.emit("connection", socket);
  });
}

const closing = (r: ProxyResponse): ProxyResponse => ({ ...r, headers: { ...r.headers, connection: "close" } });

function hasBody(req: IncomingMessage): boolean {
  const len = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (len !== undefined && len !== "0");
}

/** The body a response is relaying, for the response's "close" listener. */
interface Relayed {
  body: Readable | undefined;
}

function respond(res: ServerResponse, response: ProxyResponse, req: ProxyRequest, stack: Stack, log: Logger, relayed: Relayed): void {
  const body = response.body;
  if (res.destroyed) {
    if (body instanceof Readable) body.destroy();
    return;
  }
  try {
    const snap = req.ctx.direction === "outbound" ? req.ctx.snapshot : undefined;
    res.writeHead(response.status, snap ? withRevision(response.headers, snap.revision) : response.headers);
  } catch (err) {
    // An upstream header node refuses to write; answer through rescue rather than invent a status here.
    if (body instanceof Readable) body.destroy();
    if (res.headersSent) return void res.destroy();
    void stack.reject(req, new InternalError(`cannot relay the upstream response: ${err instanceof Error ? err.message : String(err)}`)).then((r) => respond(res, r, req, stack, log, relayed));
    return;
  }
  if (body === null) res.end();
  else if (body instanceof Readable) relay(body, declaredLength(response.headers), res, req, log, relayed);
  else res.end(body);
}

/** The response's content-length as a number, when it states one we can count down. */
function declaredLength(headers: OutgoingHttpHeaders): number | undefined {
  const value = headers["content-length"];
  const n = typeof value === "string" ? Number(value) : typeof value === "number" ? value : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/**
 * The response headers and x-trellis-revision, in a new object. Copied key by key: the spread
 * `{ ...headers, [HEADER_REVISION]: r }` over header objects of many shapes took the slow path in V8
 * and was ~2-3% of the outbound CPU per request (docs/benchmarks.md).
 */
function withRevision(headers: OutgoingHttpHeaders, revision: number): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) out[name] = headers[name];
  out[HEADER_REVISION] = String(revision);
  return out;
}

/**
 * Streams an upstream body to the caller with the teardown stream.pipeline() would do: a failing body
 * destroys the response (logged unless the caller left), a caller gone destroys the body (which frees
 * its upstream connection). pipeline() itself cost ~8% of the outbound CPU per request (an
 * AbortController and a DOMException per response; see docs/benchmarks.md).
 *
 * A body of a declared length is relayed by hand so that its last chunk goes out with `res.end(chunk)`:
 * pipe() writes it and calls end() a tick later, and on a TLS socket (the mTLS hop) that end() finds
 * the write still completing and sends an extra empty TLS write with its own completion, ~6 us per
 * response (docs/benchmarks.md, mTLS). undici never hands over more bytes than the content-length it
 * parsed, so the count reaching zero is the body's end. Other bodies (chunked) keep pipe(): holding
 * back a chunk until the next one arrives would stall a streaming response.
 */
function relay(body: Readable, declared: number | undefined, res: ServerResponse, req: ProxyRequest, log: Logger, relayed: Relayed): void {
  let failed = false;
  const fail = (err: Error) => {
    if (failed) return;
    failed = true;
    if (!req.signal.aborted) log.warn("response_stream_failed", { requestId: req.ctx.requestId, direction: req.ctx.direction, error: err });
    body.destroy();
    res.destroy();
  };
  body.on("error", fail);
  res.on("error", fail);
  // The response's "close" listener (createProxyServer) destroys the body if the caller goes first.
  relayed.body = body;
  if (declared === undefined) {
    body.pipe(res);
    return;
  }
  let left = declared;
  // The "data" listener stays for the body's whole life: removing it would stop the flow before "end".
  body.on("data", (chunk: Buffer) => {
    if (res.writableEnded || res.destroyed) return;
    left -= chunk.length;
    if (left <= 0) res.end(chunk);
    else if (!res.write(chunk)) body.pause();
  });
  res.on("drain", () => body.resume());
  // A HEAD response, a 204/304, or a body cut short (which errors the body instead of ending it).
  body.on("end", () => {
    if (!res.writableEnded && !res.destroyed) res.end();
  });
}

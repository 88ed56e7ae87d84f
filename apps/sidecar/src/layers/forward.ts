// The innermost handler: sends the request to the chosen endpoint over a keep-alive undici pool and
// hands back the response with its body still streaming. The request's AbortSignal cancels it.
// The try itself is http/upstream-try.ts (undici's dispatch() with our own handler).
import type { Dispatcher } from "undici";
import {
  BadRequestError,
  ClientAbortedError,
  InternalError,
  ProxyError,
  UpstreamConnectError,
  UpstreamResetError,
  UpstreamTimeoutError,
} from "../errors";
import type { Handler, ProxyRequest } from "../http/proxy-types";
import { upstreamTry, type ForwardCount } from "../http/upstream-try";

export type { ForwardCount } from "../http/upstream-try";

const CONNECT_FAILURES = new Set(["ECONNREFUSED", "ENOTFOUND", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT"]);
const RESETS = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "UND_ERR_DESTROYED"]);

/** Where a try's connection comes from: one dispatcher, or one chosen per request (per destination). */
export type DispatcherSource = Dispatcher | ((req: ProxyRequest) => Dispatcher);

export function forwardHandler(source: DispatcherSource, count: ForwardCount = { tries: 0, abortedInFlight: 0 }): Handler {
  const dispatcherFor = typeof source === "function" ? source : () => source;
  // Not async: the try's own promise is the answer, already classified (one promise per try, not two).
  return (req) => {
    const endpoint = req.ctx.endpoint;
    if (!endpoint) return Promise.reject(new InternalError("forward reached without an endpoint"));
    let dispatcher: Dispatcher;
    try {
      dispatcher = dispatcherFor(req);
    } catch (err) {
      // No identity for an mTLS destination (NoIdentityError): a typed failure of the try.
      return Promise.reject(classify(err, req.signal, endpoint.address));
    }
    // Counted in `count` when undici writes the request head, not by how the try ended.
    return upstreamTry(dispatcher, { origin: endpoint.origin, address: endpoint.address, path: req.path, method: req.method, headers: req.headers, body: req.body }, req.signal, count, classify);
  };
}

/** Maps undici's and the OS's failures onto our typed errors (which retry and rescue understand). */
export function classify(err: unknown, signal: AbortSignal, address: string): ProxyError {
  // Already typed (no identity for mTLS): keep its meaning.
  if (err instanceof ProxyError && !signal.aborted) return err;
  if (signal.aborted) {
    // A timeout layer aborts with its own typed reason; otherwise the caller went away.
    return signal.reason instanceof ProxyError ? signal.reason : new ClientAbortedError("the caller closed the connection", { cause: err });
  }
  const code = err instanceof Error && "code" in err && typeof err.code === "string" ? err.code : undefined;
  const detail = err instanceof Error ? err.message : String(err);
  if (code && CONNECT_FAILURES.has(code)) return new UpstreamConnectError(`cannot connect to ${address}: ${code}`, { cause: err });
  if (code && RESETS.has(code)) return new UpstreamResetError(`connection to ${address} broke: ${detail}`, { cause: err });
  if (code === "UND_ERR_HEADERS_TIMEOUT") return new UpstreamTimeoutError(`${address} sent no response headers in time`, { cause: err });
  if (code === "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH" || code === "UND_ERR_INVALID_ARG") return new BadRequestError(`cannot forward the request: ${detail}`, { cause: err });
  if (code?.startsWith("E")) return new UpstreamResetError(`connection to ${address} failed: ${code}`, { cause: err });
  return new InternalError(`forwarding to ${address} failed: ${detail}`, { cause: err });
}

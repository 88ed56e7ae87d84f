// Forwards one same-origin request to the control plane's API and streams the answer back.
// The upstream URL is runtime configuration, which Next's build-time rewrites cannot express.
import { describeFetchFailure, UpstreamTimeoutError, UpstreamUnreachableError } from "./proxy-errors";
import { upstreamAuthHeaders } from "./upstream-auth";

export interface ProxyTarget {
  /** Control plane base URL without a trailing slash. */
  apiUrl: string;
  /** Deadline for the upstream's response headers; a streaming body may take longer. */
  timeoutMs: number;
}

const FORWARDED_REQUEST_HEADERS = ["accept", "content-type", "if-match", "if-none-match", "x-request-id"];

// Hop-by-hop headers, plus the body framing that fetch already undid (it decompresses).
const DROPPED_RESPONSE_HEADERS = new Set([
  "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
  "proxy-authenticate", "proxy-authorization", "content-encoding", "content-length",
]);

type StreamingInit = RequestInit & { duplex?: "half" };

/** Throws UpstreamUnreachableError / UpstreamTimeoutError; every other outcome is the upstream's. */
export async function forwardToApi(request: Request, target: ProxyTarget): Promise<Response> {
  const incoming = new URL(request.url);
  const upstreamUrl = `${target.apiUrl}${incoming.pathname}${incoming.search}`;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), target.timeoutMs);
  const init: StreamingInit = {
    method: request.method,
    headers: requestHeaders(request, incoming),
    redirect: "manual",
    signal: AbortSignal.any([request.signal, deadline.signal]),
  };
  if (request.method !== "GET" && request.method !== "HEAD" && request.body !== null) {
    init.body = request.body;
    init.duplex = "half";
  }
  let upstream: Response;
  try {
    upstream = await fetch(upstreamUrl, init);
  } catch (error) {
    if (deadline.signal.aborted) throw new UpstreamTimeoutError(target.apiUrl, target.timeoutMs);
    if (request.signal.aborted) return new Response(null, { status: 499 });
    throw new UpstreamUnreachableError(target.apiUrl, describeFetchFailure(error));
  } finally {
    clearTimeout(timer);
  }
  return new Response(upstream.body, { status: upstream.status, headers: responseHeaders(upstream.headers) });
}

function requestHeaders(request: Request, incoming: URL): Headers {
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  for (const [name, value] of Object.entries(upstreamAuthHeaders(request))) headers.set(name, value);
  // The Host the browser used (Next rewrites request.url's host to its own bind address), so that the
  // control plane can tell a same-origin change from a cross-origin one.
  headers.set("x-forwarded-host", request.headers.get("host") ?? incoming.host);
  headers.set("x-forwarded-proto", incoming.protocol.replace(":", ""));
  return headers;
}

function responseHeaders(upstream: Headers): Headers {
  const headers = new Headers();
  upstream.forEach((value, name) => {
    if (!DROPPED_RESPONSE_HEADERS.has(name)) headers.append(name, value);
  });
  return headers;
}

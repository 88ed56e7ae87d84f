// The shapes every layer speaks: a request travelling inward, a response travelling outward.
// `type Layer = (next: Handler) => Handler`; the order of layers is written only in stack.ts.
import type { OutgoingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import type { Snapshot } from "../snapshot/snapshot";
import type { Destination, RouteEntry } from "../routing/route-table";
import type { EndpointTarget } from "../balancers/balancer";

export type Direction = "outbound" | "inbound";

/** Header values as node's http parser gives them and as undici accepts them. */
export type HeaderMap = Record<string, string | string[] | undefined>;

export interface ProxyRequest {
  readonly method: string;
  /** Origin-form target: path and query, always starting with "/". */
  readonly path: string;
  /** The host the caller addressed, without port, lower case (outbound: the destination service). */
  readonly host: string;
  /** Already stripped of hop-by-hop headers; layers may add to it until forward sends it. */
  readonly headers: HeaderMap;
  /** Streamed through; buffered (a Uint8Array) only by the retry layer, up to its cap; null when there is no body. */
  readonly body: Readable | Uint8Array | null;
  /** Aborted when the caller goes away; reaches undici. */
  readonly signal: AbortSignal;
  readonly ctx: RequestContext;
}

export interface RequestContext {
  readonly direction: Direction;
  readonly requestId: string;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** The configuration this request was admitted under; kept even if a newer one is applied meanwhile. */
  readonly snapshot: Snapshot | undefined;
  /** The caller's service: its verified certificate's (inbound mTLS), else x-trellis-source (inbound plaintext), or ourselves (outbound). */
  readonly source: string;
  /** Inbound: the service in the caller's verified certificate; undefined over plaintext. Authorization uses only this. */
  readonly peer?: string;
  /** Whether the connection this request went (outbound) or came (inbound) over is mutual TLS. */
  mtls?: boolean;
  /** Set by the route layer. */
  destination?: Destination;
  route?: RouteEntry;
  /** Set by the balance layer (outbound) or the local-app layer (inbound). */
  endpoint?: EndpointTarget;
  /** Clock time by which the request must have its response headers; set by the request-timeout layer. */
  deadline?: number;
  /** Tries made so far, set by the retry layer; above 1 the request counts as `retried`. */
  tries?: number;
  /** Set by the retry layer when a retry was wanted but the retry budget refused it (outcome `budget_exhausted`). */
  budgetExhausted?: boolean;
  /** Set by the balance layer when a pick left out at least one ejected endpoint (outcome `ejected_avoided`). */
  ejectedAvoided?: boolean;
}

export interface ProxyResponse {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  /** A stream from the upstream, or a small body the sidecar produced itself. */
  readonly body: Readable | Uint8Array | null;
}

export type Handler = (req: ProxyRequest) => Promise<ProxyResponse>;
export type Layer = (next: Handler) => Handler;

/**
 * Calls the next handler so that a synchronous throw becomes a rejection, as an `async` layer would
 * make it: for layers that follow a try with then() instead of awaiting it in try/catch.
 */
export function callNext(next: Handler, req: ProxyRequest): Promise<ProxyResponse> {
  try {
    return next(req);
  } catch (err) {
    return Promise.reject(err);
  }
}

// Refusing malformed or ambiguous HTTP before it becomes a proxied request. Node's parser (llhttp, strict
// mode) refuses most of it and reports it through the server's `clientError` event, answered here with
// 400/408/431 and the connection closed. `checkRequest` adds what llhttp lets through: more header fields
// than the limit, a missing, repeated or invalid Host, a Transfer-Encoding other than a single `chunked`,
// HTTP/0.9. Every refusal is counted by reason.
import { ServerResponse, STATUS_CODES, type IncomingMessage, type Server, type ServerOptions } from "node:http";
import type { Duplex } from "node:stream";
import type { ApiError } from "@trellis/mesh-model";
import { BadRequestError, HeaderTooLargeError, type ProxyError, type ProxyErrorCode } from "../errors";
import { HEADER_ERROR } from "../http/mesh-headers";
import { STATUS_BY_CODE } from "../layers/rescue";
import { isValidAuthority } from "./request-target";

export interface HttpLimits {
  /** Request line + header bytes (node's maxHeaderSize); over it: 431. */
  maxHeaderBytes: number;
  /** Header fields per request; over it: 431. */
  maxHeaderCount: number;
  /** Time to receive the complete request headers; over it: 408. */
  headersTimeoutMs: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = { maxHeaderBytes: 16_384, maxHeaderCount: 100, headersTimeoutMs: 10_000 };

/**
 * The inbound listener's limits: the configured ones plus room for what the calling sidecar adds
 * (request id, traceparent, x-forwarded-*, x-trellis-source: 6 fields, a few hundred bytes), so a
 * request its outbound listener accepted is not refused one hop later.
 */
export function inboundLimits(limits: HttpLimits): HttpLimits {
  return { ...limits, maxHeaderCount: limits.maxHeaderCount + 16, maxHeaderBytes: limits.maxHeaderBytes + 2_048 };
}

/** Why a request was refused: the `trellis.reject.reason` attribute and the /stats key. */
export type RejectReason =
  | "header_too_large"
  | "too_many_headers"
  | "headers_timeout"
  | "te_and_content_length"
  | "duplicate_content_length"
  | "bad_content_length"
  | "bad_transfer_encoding"
  | "bad_chunking"
  | "bad_header"
  | "bad_request_line"
  | "bad_line_ending"
  | "missing_host"
  | "duplicate_host"
  | "bad_host"
  | "bad_version"
  | "bad_target"
  | "malformed";

export type OnReject = (reason: RejectReason) => void;

export interface Refusal {
  reason: RejectReason;
  error: ProxyError;
}

/** node:http server options for a proxy listener: strict parser, our limits, no Host check of its own (ours is counted). */
export function serverOptions(limits: HttpLimits): ServerOptions {
  return {
    insecureHTTPParser: false,
    maxHeaderSize: limits.maxHeaderBytes,
    requireHostHeader: false,
    headersTimeout: limits.headersTimeoutMs,
    // Streamed uploads may take as long as they take; headersTimeout still bounds slow headers.
    requestTimeout: 0,
    // Node checks the headers timeout on this interval (30 s by default, far coarser than the limit).
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 2))),
  };
}

/** How long a refused connection may stay half-closed so the client reads the answer before a reset. */
const LINGER_MS = 1_000;

/** Connections refused through clientError: a request parsed from them must not be proxied. */
const refused = new WeakSet<object>();
/** Connections whose parse error was handled (llhttp may report again; each counts once). */
const handled = new WeakSet<object>();

/** True once the connection was refused; a request that arrived on it (a body found malformed later) is dropped. */
export function wasRefused(socket: object): boolean {
  return refused.has(socket);
}

/**
 * Answers what llhttp refused (or a headers timeout) with a status and `Connection: close`, then
 * closes. A socket error that is not a parse error (the client reset) is not a refusal: just close.
 * Bad bytes after a request that was read completely (pipelined) do not cut that request short:
 * its answer goes out, then the connection closes.
 */
export function refuseClientErrors(server: Server, limits: HttpLimits, onReject: OnReject): void {
  server.maxHeadersCount = limits.maxHeaderCount + 1;
  server.on("clientError", (err: Error & { code?: string }, socket: Duplex) => {
    // Bytes after a request that said `Connection: close`: ignored, node closes after its answer.
    if (handled.has(socket) || err.code === "HPE_CLOSED_CONNECTION") return;
    handled.add(socket);
    const reason = clientErrorReason(err);
    if (reason === undefined) return void socket.destroy();
    onReject(reason);
    const answering = pendingResponse(socket);
    if (answering && requestComplete(answering)) {
      answering.once("close", () => {
        socket.end();
        setTimeout(() => socket.destroy(), LINGER_MS).unref();
      });
      return;
    }
    // The broken request is the one being read (a chunked body can break after its request began): refuse it.
    refused.add(socket);
    const code: ProxyErrorCode = reason === "header_too_large" ? "header_too_large" : reason === "headers_timeout" ? "request_timeout" : "bad_request";
    if (socket.writable && !answering?.headersSent) socket.end(rawResponse(code, `${err.message} (${err.code ?? "parse error"})`));
    // Not destroyed at once: closing with unread input would reset the connection and could lose the
    // answer. The client closes on `Connection: close`; one that does not is cut off after a while.
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  });
}

/** What llhttp's error code (and, where one code covers several cases, its message) says about the request. */
export function clientErrorReason(err: Error & { code?: string }): RejectReason | undefined {
  const code = err.code ?? "";
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") return "headers_timeout";
  if (!code.startsWith("HPE_")) return undefined;
  const message = err.message;
  if (/can't be present with/i.test(message)) return "te_and_content_length";
  if (/chunk/i.test(message)) return "bad_chunking";
  switch (code) {
    case "HPE_HEADER_OVERFLOW":
      return "header_too_large";
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
      return "duplicate_content_length";
    case "HPE_INVALID_CONTENT_LENGTH":
      return "bad_content_length";
    case "HPE_INVALID_TRANSFER_ENCODING":
      return "bad_transfer_encoding";
    case "HPE_INVALID_CHUNK_SIZE":
      return "bad_chunking";
    case "HPE_INVALID_HEADER_TOKEN":
      return "bad_header";
    case "HPE_INVALID_METHOD":
    case "HPE_INVALID_URL":
    case "HPE_INVALID_VERSION":
    case "HPE_INVALID_CONSTANT":
      return "bad_request_line";
    case "HPE_CR_EXPECTED":
    case "HPE_LF_EXPECTED":
      return "bad_line_ending";
    default:
      return "malformed";
  }
}

/** What llhttp accepts but we must not proxy; undefined when the request may go on. */
export function checkRequest(req: IncomingMessage, limits: HttpLimits): Refusal | undefined {
  if (req.httpVersionMajor !== 1) return refuse("bad_version", `HTTP/${req.httpVersion} is not supported`);
  const raw = req.rawHeaders;
  if (raw.length > 2 * limits.maxHeaderCount) return { reason: "too_many_headers", error: new HeaderTooLargeError(`more than ${limits.maxHeaderCount} header fields`) };
  let hosts = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === "host") hosts++;
  }
  if (hosts > 1) return refuse("duplicate_host", "more than one Host header");
  const host = req.headers.host;
  if (host === undefined) {
    if (req.httpVersionMinor >= 1) return refuse("missing_host", "an HTTP/1.1 request without a Host header");
  } else if (!isValidAuthority(host)) return refuse("bad_host", `invalid Host header ${JSON.stringify(host.slice(0, 100))}`);
  const te = req.headers["transfer-encoding"];
  if (te !== undefined) {
    // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing cannot be trusted. We decode no
    // coding but chunked, so anything else would reach the app still encoded and unlabelled.
    if (req.httpVersionMinor === 0) return refuse("bad_transfer_encoding", "Transfer-Encoding in an HTTP/1.0 request");
    if (te.trim().toLowerCase() !== "chunked") return refuse("bad_transfer_encoding", `Transfer-Encoding ${JSON.stringify(te.slice(0, 100))}: only a single "chunked" is accepted`);
  }
  return undefined;
}

const refuse = (reason: RejectReason, message: string): Refusal => ({ reason, error: new BadRequestError(message) });

function rawResponse(code: ProxyErrorCode, message: string): string {
  const status = STATUS_BY_CODE[code];
  const body: ApiError = { error: { code, message } };
  const json = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n` +
    `${HEADER_ERROR}: ${code}\r\nConnection: close\r\n\r\n${json}`
  );
}

/** The response node is writing on this connection, if any (lib/_http_server.js keeps it as `_httpMessage`). */
function pendingResponse(socket: Duplex): ServerResponse | undefined {
  const message: unknown = Reflect.get(socket, "_httpMessage");
  return message instanceof ServerResponse ? message : undefined;
}

/** Whether the request that response answers was read to its end (so the bad bytes came after it). */
function requestComplete(res: ServerResponse): boolean {
  return res.req.complete;
}

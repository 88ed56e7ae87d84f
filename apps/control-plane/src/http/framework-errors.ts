// Failures that happen before a request reaches a route (an undecodable URL, a malformed HTTP
// message) answered in our error body rather than Fastify's default one.
import http from "node:http";
import type { Socket } from "node:net";

export interface RenderedError {
  contentType: string;
  body: Buffer;
}

/** Renders the error body for a status and message, the way each server does. */
export type ErrorRenderer = (status: number, code: "bad_request", message: string) => RenderedError;

/** For Fastify's `frameworkErrors` (e.g. FST_ERR_BAD_URL): what to answer, a 400 in our body. */
export function frameworkErrorResponse(render: ErrorRenderer, error: Error): RenderedError & { status: number } {
  return { status: 400, ...render(400, "bad_request", error.message) };
}

/** For Fastify's `clientErrorHandler`: the socket has no request object, so the response is written raw. */
export function clientErrorHandler(render: ErrorRenderer) {
  return (err: Error & { code?: string }, socket: Socket): void => {
    if (err.code === "ECONNRESET" || socket.destroyed) return;
    const status = err.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : err.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
    const message = status === 408 ? "the request took too long to arrive" : status === 431 ? "request headers too large" : "malformed HTTP request";
    const { contentType, body } = render(status, "bad_request", message);
    if (socket.writable) {
      socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
      socket.write(body);
    }
    socket.destroy();
  };
}

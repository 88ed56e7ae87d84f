// Typed failures of the API proxy and their one mapping to HTTP (mesh-model's ApiError body).
import type { ApiError } from "@trellis/mesh-model";

export class UpstreamUnreachableError extends Error {
  readonly code = "upstream_unreachable";
  constructor(readonly apiUrl: string, readonly reason: string) {
    super(`The control plane at ${apiUrl} is unreachable (${reason}).`);
  }
}

export class UpstreamTimeoutError extends Error {
  readonly code = "upstream_timeout";
  constructor(readonly apiUrl: string, readonly timeoutMs: number) {
    super(`The control plane at ${apiUrl} did not answer within ${timeoutMs} ms.`);
  }
}

export type ProxyError = UpstreamUnreachableError | UpstreamTimeoutError;

export function proxyErrorResponse(error: ProxyError): Response {
  const status = error instanceof UpstreamTimeoutError ? 504 : 502;
  const body: ApiError = { error: { code: error.code, message: error.message } };
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

/** Node's fetch hides the socket error in `cause`; surface its code (ECONNREFUSED, ENOTFOUND...). */
export function describeFetchFailure(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = "code" in cause && typeof cause.code === "string" ? cause.code : undefined;
    return code ?? cause.message;
  }
  return error instanceof Error ? error.message : String(error);
}

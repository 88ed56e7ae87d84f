// The sidecar API of the control plane, as calls that return results instead of throwing: the
// session loop decides what a failure means (retry, re-register, give up).
import type { Readable } from "node:stream";
import { Agent, request, type Dispatcher } from "undici";
import { SIDECAR_API, ZApiError, ZRegisterResponse, type AckRequest, type RegisterRequest, type RegisterResponse } from "@trellis/mesh-model";

export type CallResult<T> =
  | { ok: true; value: T }
  /** 404: the control plane does not know this instance (lease expired, control plane reset); register again. */
  | { ok: false; kind: "unknown_instance"; error: string }
  /** 401/403: the control plane refuses our join token (none, unknown, deleted, or for another service). */
  | { ok: false; kind: "refused"; error: string }
  | { ok: false; kind: "failed"; error: string };

export interface ControlPlaneApiOptions {
  baseUrl: string;
  /** The join token, sent as `authorization: Bearer` on every call: the control plane lets a sidecar act only as its token's service. */
  token?: string;
  /** Bound on each unary call and on waiting for the config stream's headers. */
  timeoutMs?: number;
}

export class ControlPlaneApi {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly dispatcher: Dispatcher;
  private readonly auth: Record<string, string>;

  constructor({ baseUrl, token, timeoutMs = 5_000 }: ControlPlaneApiOptions) {
    this.base = baseUrl.replace(/\/+$/, "");
    this.auth = token === undefined ? {} : { authorization: `Bearer ${token}` };
    this.timeoutMs = timeoutMs;
    // Its own pool, so control traffic never waits behind data-path connections.
    this.dispatcher = new Agent({ keepAliveTimeout: 4_000, connect: { timeout: timeoutMs } });
  }

  async register(body: RegisterRequest, signal?: AbortSignal): Promise<CallResult<RegisterResponse>> {
    const res = await this.call("POST", SIDECAR_API.register, body, signal);
    if (!res.ok) return res;
    const parsed = ZRegisterResponse.safeParse(res.value);
    return parsed.success ? { ok: true, value: parsed.data } : { ok: false, kind: "failed", error: `register: unexpected response: ${parsed.error.message}` };
  }

  async heartbeat(instanceId: string, signal?: AbortSignal): Promise<CallResult<void>> {
    const res = await this.call("POST", SIDECAR_API.heartbeat(instanceId), {}, signal);
    return res.ok ? { ok: true, value: undefined } : res;
  }

  async ack(instanceId: string, body: AckRequest): Promise<CallResult<void>> {
    const res = await this.call("POST", SIDECAR_API.ack(instanceId), body);
    return res.ok ? { ok: true, value: undefined } : res;
  }

  async deregister(instanceId: string): Promise<CallResult<void>> {
    const res = await this.call("DELETE", SIDECAR_API.deregister(instanceId), undefined);
    return res.ok ? { ok: true, value: undefined } : res;
  }

  /** Opens the SSE config stream; the body is read by the caller until it ends or `signal` aborts. */
  async openConfigStream(instanceId: string, signal: AbortSignal): Promise<CallResult<Readable>> {
    const path = SIDECAR_API.config(instanceId);
    try {
      const res = await request(this.base + path, {
        dispatcher: this.dispatcher,
        method: "GET",
        headers: { accept: "text/event-stream", ...this.auth },
        signal,
        headersTimeout: this.timeoutMs,
        // Bundles come only when something changes; silence is normal.
        bodyTimeout: 0,
      });
      if (res.statusCode === 200) return { ok: true, value: res.body };
      const text = await res.body.text().catch(() => "");
      return failure(res.statusCode, `GET ${path}`, text);
    } catch (err) {
      return { ok: false, kind: "failed", error: `GET ${path}: ${describe(err)}` };
    }
  }

  /** Drops every connection, the config stream included (close() would wait for it to end). */
  async close(): Promise<void> {
    await this.dispatcher.destroy().catch(() => {});
  }

  /** `signal` lets the caller give up early (shutdown); every call is bounded by the timeout anyway. */
  private async call(method: "POST" | "DELETE", path: string, body: unknown, signal?: AbortSignal): Promise<CallResult<unknown>> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      const res = await request(this.base + path, {
        dispatcher: this.dispatcher,
        method,
        headers: body === undefined ? this.auth : { "content-type": "application/json", ...this.auth },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode > 299) return failure(res.statusCode, `${method} ${path}`, text);
      if (text === "") return { ok: true, value: undefined };
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch {
        return { ok: false, kind: "failed", error: `${method} ${path}: response is not JSON` };
      }
    } catch (err) {
      return { ok: false, kind: "failed", error: `${method} ${path}: ${describe(err)}` };
    }
  }
}

function failure(status: number, what: string, text: string): CallResult<never> {
  const error = `${what}: HTTP ${status}${apiMessage(text)}`;
  if (status === 404) return { ok: false, kind: "unknown_instance", error };
  return status === 401 || status === 403 ? { ok: false, kind: "refused", error } : { ok: false, kind: "failed", error };
}

/** The control plane's ApiError message, when the body is one. */
function apiMessage(text: string): string {
  try {
    const parsed = ZApiError.safeParse(JSON.parse(text));
    return parsed.success ? ` ${parsed.data.error.code}: ${parsed.data.error.message}` : "";
  } catch {
    return "";
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = "code" in err && typeof err.code === "string" ? err.code : undefined;
    const cause = err.cause instanceof Error && "code" in err.cause && typeof err.cause.code === "string" ? err.cause.code : undefined;
    return [err.message, code ?? cause].filter(Boolean).join(" ");
  }
  return String(err);
}

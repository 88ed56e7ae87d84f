// Runs the rest of the stack under a timer that, when it fires, aborts the request's signal with a
// typed error: undici drops the upstream request and the caller gets that error. Shared by the
// overall request timeout and the per-try timeout.
import type { ProxyError } from "../errors";
import type { Handler, ProxyRequest, ProxyResponse } from "../http/proxy-types";
import type { Clock } from "./clock";

export async function withTimeout(clock: Clock, ms: number, req: ProxyRequest, next: Handler, timedOut: () => ProxyError): Promise<ProxyResponse> {
  const controller = new AbortController();
  const timer = clock.setTimeout(() => controller.abort(timedOut()), ms);
  try {
    return await next({ ...req, signal: AbortSignal.any([req.signal, controller.signal]) });
  } catch (err) {
    // Whatever the layers below made of the cancellation, the answer is the timeout (unless the caller left first).
    if (controller.signal.aborted && !req.signal.aborted) throw controller.signal.reason;
    throw err;
  } finally {
    clock.clearTimeout(timer);
  }
}

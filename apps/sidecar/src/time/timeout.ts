// Runs the rest of the stack under a timer that, when it fires, aborts the request's signal with a
// typed error: undici drops the upstream request and the caller gets that error. Shared by the
// overall request timeout and the per-try timeout.
import type { ProxyError } from "../errors";
import type { Handler, ProxyRequest, ProxyResponse } from "../http/proxy-types";
import type { Clock } from "./clock";

export async function withTimeout(clock: Clock, ms: number, req: ProxyRequest, next: Handler, timedOut: () => ProxyError): Promise<ProxyResponse> {
  // The inner signal aborts on the timer or when the request's own signal does (with its reason):
  // AbortSignal.any([req.signal, controller.signal]) at a fraction of its cost (any() twice per
  // request was a few % of the sidecar's CPU). A response keeps following the caller's signal while
  // its body streams; a failed try stops following, so retries do not pile listeners up.
  const controller = new AbortController();
  const parent = req.signal;
  const follow = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener("abort", follow, { once: true });
  const timer = clock.setTimeout(() => controller.abort(timedOut()), ms);
  try {
    return await next({ ...req, signal: controller.signal });
  } catch (err) {
    parent.removeEventListener("abort", follow);
    // Whatever the layers below made of the cancellation, the answer is the timeout (unless the caller left first).
    if (controller.signal.aborted && !req.signal.aborted) throw controller.signal.reason;
    throw err;
  } finally {
    clock.clearTimeout(timer);
  }
}

// Runs the rest of the stack under a timer that, when it fires, aborts the request's signal with a
// typed error: undici drops the upstream request and the caller gets that error. Shared by the
// overall request timeout and the per-try timeout.
import type { ProxyError } from "../errors";
import { callNext, type Handler, type ProxyRequest, type ProxyResponse } from "../http/proxy-types";
import type { Clock } from "./clock";
import { LightSignal } from "./light-signal";

const ONCE = { once: true } as const;

export function withTimeout(clock: Clock, ms: number, req: ProxyRequest, next: Handler, timedOut: () => ProxyError): Promise<ProxyResponse> {
  // The inner signal aborts on the timer or when the request's own signal does (with its reason):
  // AbortSignal.any([req.signal, controller.signal]) at a fraction of its cost (any() twice per
  // request was a few % of the sidecar's CPU), and a LightSignal rather than an AbortController
  // (see light-signal.ts). A response keeps following the caller's signal while its body streams; a
  // failed try stops following, so retries do not pile listeners up.
  const signal = new LightSignal();
  const parent = req.signal;
  const follow = () => signal.abort(parent.reason);
  if (parent.aborted) signal.abort(parent.reason);
  else parent.addEventListener("abort", follow, ONCE);
  const timer = clock.setTimeout(() => signal.abort(timedOut()), ms);
  // Written out rather than `{ ...req, signal }` (a spread costs more), and followed with one then()
  // rather than an async frame: fewer promises per request (docs/benchmarks.md).
  const inner: ProxyRequest = { method: req.method, path: req.path, host: req.host, headers: req.headers, body: req.body, signal, ctx: req.ctx };
  return callNext(next, inner).then(
    (res) => {
      clock.clearTimeout(timer);
      return res;
    },
    (err: unknown) => {
      clock.clearTimeout(timer);
      parent.removeEventListener("abort", follow);
      // Whatever the layers below made of the cancellation, the answer is the timeout (unless the caller left first).
      if (signal.aborted && !req.signal.aborted) throw signal.reason;
      throw err;
    },
  );
}

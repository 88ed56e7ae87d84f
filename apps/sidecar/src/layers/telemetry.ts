// Records every request once it is over (response body finished, or failed), with its destination,
// response class and outcome: `retried` when the response came after more than one try, the error's
// own outcome when the sidecar answered for itself (`timed_out` for either timeout, `error` with the
// configured status class for an injected fault abort). Recording can never fail a request.
import { finished, Readable } from "node:stream";
import { responseClassOf, type Outcome } from "@trellis/mesh-model";
import { FaultAbortError, ProxyError } from "../errors";
import type { Layer, ProxyRequest } from "../http/proxy-types";
import type { RequestRecorder } from "../telemetry/request-recorder";

const UNKNOWN = "unknown";

export function telemetryLayer(recorder: RequestRecorder, onError: (err: unknown) => void): Layer {
  const record = (req: ProxyRequest, status: number | undefined, outcome: Outcome): void => {
    try {
      const ctx = req.ctx;
      recorder.record({
        direction: ctx.direction,
        // A service missing from the bundle is "unknown": arbitrary Host values must not become metric series.
        destinationService: ctx.destination?.name ?? UNKNOWN,
        destinationVersion: ctx.endpoint?.version ?? UNKNOWN,
        responseClass: responseClassOf(status),
        outcome,
        durationMs: performance.now() - ctx.startedAt,
      });
    } catch (err) {
      onError(err);
    }
  };
  return (next) => async (req) => {
    let res;
    try {
      res = await next(req);
    } catch (err) {
      // The sidecar answers for itself here, so there is no upstream response class (but an injected
      // abort stands for the upstream's answer and is classed by its status).
      record(req, err instanceof FaultAbortError ? err.status : undefined, err instanceof ProxyError ? err.outcome : "error");
      throw err;
    }
    const { body, status } = res;
    const outcome: Outcome = (req.ctx.tries ?? 1) > 1 ? "retried" : "ok";
    if (body instanceof Readable) finished(body, (err) => record(req, status, err ? "error" : outcome));
    else record(req, status, outcome);
    return res;
  };
}

// Records every request once it is over (response body finished, or failed), with its destination,
// response class and outcome (see outcomeOf / failureOutcome; the README defines each). Recording
// can never fail a request.
import { Readable } from "node:stream";
import { responseClassOf, type Outcome } from "@trellis/mesh-model";
import { FaultAbortError, ProxyError } from "../errors";
import { onBodyDone } from "../http/body-done";
import { HEADER_ERROR } from "../http/mesh-headers";
import type { Layer, ProxyRequest, RequestContext } from "../http/proxy-types";
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
        mtls: ctx.mtls ?? false,
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
      record(req, err instanceof FaultAbortError ? err.status : undefined, failureOutcome(req.ctx, err));
      throw err;
    }
    const { body, status } = res;
    // The callee's sidecar refused the caller: counted on this edge as denied.
    const outcome = status === 403 && res.headers[HEADER_ERROR] === "denied" ? "denied" : outcomeOf(req.ctx);
    if (body instanceof Readable) onBodyDone(body, (failed) => record(req, status, failed ? "error" : outcome));
    else record(req, status, outcome);
    return res;
  };
}

/**
 * An upstream answer: `budget_exhausted` when the retry layer wanted another try and the budget
 * refused it (this answer is the failed one), else `retried` after more than one try, else
 * `ejected_avoided` when the pick left ejected endpoints out, else `ok`.
 */
export function outcomeOf(ctx: RequestContext): Outcome {
  if (ctx.budgetExhausted) return "budget_exhausted";
  if ((ctx.tries ?? 1) > 1) return "retried";
  return ctx.ejectedAvoided ? "ejected_avoided" : "ok";
}

/** A failure the sidecar answers for: the budget refusal first, else the typed error's own outcome. */
export function failureOutcome(ctx: RequestContext, err: unknown): Outcome {
  if (ctx.budgetExhausted) return "budget_exhausted";
  return err instanceof ProxyError ? err.outcome : "error";
}

// Records every request once it is over (response body finished, or failed), with its destination,
// response class and outcome (see outcomeOf / failureOutcome; the README defines each). Recording
// can never fail a request.
import { Readable } from "node:stream";
import { responseClassOf, type Outcome, type ResponseClass } from "@trellis/mesh-model";
import { FaultAbortError, ProxyError } from "../errors";
import { onBodyDone } from "../http/body-done";
import { HEADER_ERROR } from "../http/mesh-headers";
import { callNext, type Layer, type ProxyRequest, type RequestContext } from "../http/proxy-types";
import type { RequestRecorder } from "../telemetry/request-recorder";

const UNKNOWN = "unknown";

const CLASS_BY_HUNDREDS: readonly ResponseClass[] = ["none", "1xx", "2xx", "3xx", "4xx", "5xx"];

/**
 * responseClassOf's answer as one of a few constant strings (it builds "2xx" anew per call): the
 * metrics cells are looked up by it, and a constant's hash is computed once.
 */
export function responseClass(status: number | undefined): ResponseClass {
  return status !== undefined && status >= 100 && status <= 599 && Number.isInteger(status) ? CLASS_BY_HUNDREDS[Math.floor(status / 100)]! : responseClassOf(status);
}

export function telemetryLayer(recorder: RequestRecorder, onError: (err: unknown) => void): Layer {
  const record = (req: ProxyRequest, status: number | undefined, outcome: Outcome): void => {
    try {
      const ctx = req.ctx;
      recorder.record({
        direction: ctx.direction,
        // A service missing from the bundle is "unknown": arbitrary Host values must not become metric series.
        destinationService: ctx.destination?.name ?? UNKNOWN,
        destinationVersion: ctx.endpoint?.version ?? UNKNOWN,
        responseClass: responseClass(status),
        outcome,
        mtls: ctx.mtls ?? false,
        durationMs: performance.now() - ctx.startedAt,
      });
    } catch (err) {
      onError(err);
    }
  };
  // One then() rather than an async frame awaiting in try/catch: one promise fewer per request.
  return (next) => (req) =>
    callNext(next, req).then(
      (res) => {
        const { body, status } = res;
        // The callee's sidecar refused the caller: counted on this edge as denied.
        const outcome = status === 403 && res.headers[HEADER_ERROR] === "denied" ? "denied" : outcomeOf(req.ctx);
        if (body instanceof Readable) onBodyDone(body, (failed) => record(req, status, failed ? "error" : outcome));
        else record(req, status, outcome);
        return res;
      },
      (err: unknown) => {
        // The sidecar answers for itself here, so there is no upstream response class (but an injected
        // abort stands for the upstream's answer and is classed by its status).
        record(req, err instanceof FaultAbortError ? err.status : undefined, failureOutcome(req.ctx, err));
        throw err;
      },
    );
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

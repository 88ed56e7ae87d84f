// Which requests count as errors in error rates and health.
import type { Outcome, ResponseClass } from "@trellis/mesh-model";

export const SUCCESS_OUTCOMES: ReadonlySet<Outcome> = new Set(["ok", "retried", "ejected_avoided"]);
export const SUCCESS_CLASSES: ReadonlySet<ResponseClass> = new Set(["1xx", "2xx", "3xx", "4xx"]);

/**
 * A request succeeded when the mesh delivered it (outcome ok, ok after retries, or ok on a pick
 * that avoided ejected endpoints) and the app answered anything but a 5xx: a 4xx is the caller's
 * mistake, not the callee's ill health. Timeouts (overall or per try), open breakers, an exhausted
 * retry budget, denials, missing routes, transport errors and 5xx are failures.
 */
export function isFailure(responseClass: ResponseClass, outcome: Outcome): boolean {
  return !(SUCCESS_OUTCOMES.has(outcome) && SUCCESS_CLASSES.has(responseClass));
}

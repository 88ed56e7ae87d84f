// Seam: the route's overall deadline across all tries (`route.policy.timeoutMs`, 0 = none). It will
// derive a signal that aborts at the deadline (AbortSignal.any with req.signal, clock injected for
// tests), pass `{ ...req, signal }` on, and turn the abort into DeadlineExceededError.
import type { Layer } from "../http/proxy-types";

export function requestTimeoutLayer(): Layer {
  return (next) => next;
}

// Seam: retries per `route.policy.retry` (attempts, retry-on conditions, budget, backoff with
// jitter, bounded by the deadline). It needs a replayable body, buffered only up to a cap, and
// re-runs the inner layers (per-try timeout, balance, forward) so each try may pick another endpoint.
import type { Layer } from "../http/proxy-types";

export function retryLayer(): Layer {
  return (next) => next;
}

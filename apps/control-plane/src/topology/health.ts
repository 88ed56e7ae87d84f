// A service's or an edge's health from its traffic over a window.
import type { Health } from "@trellis/mesh-model";

export const FAILING_ERROR_RATE = 0.1;
export const DEGRADED_ERROR_RATE = 0.01;

/** failing at >= 10% errors, degraded at >= 1%, unknown without traffic. */
export function healthOf(requests: number, errorRate: number): Health {
  if (requests <= 0) return "unknown";
  if (errorRate >= FAILING_ERROR_RATE) return "failing";
  if (errorRate >= DEGRADED_ERROR_RATE) return "degraded";
  return "healthy";
}
